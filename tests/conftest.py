"""Shared by the unit tests (not the notebooks, whose kernels are separate processes).

Plots are drawn off-screen with matplotlib's Agg backend, and every figure a test
opens is closed after it, so tests neither need a display nor leak figures.
"""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
