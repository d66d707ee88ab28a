r"""What every figure shares: a figure laid out by hand, plain log labels."""

from __future__ import annotations

from course_lib import plots

__all__ = ["figure", "plain_log_labels"]


def figure(width: float, height: float):
    r"""A figure laid out by hand (margins set per figure): one draw when saved, no cropping."""
    import matplotlib.pyplot as plt

    return plt.figure(figsize=(width, height))


def plain_log_labels(*axes) -> None:
    r"""Plain-text labels on each log-scaled y axis (mathtext labels cost far more to lay out)."""
    for ax in axes:
        plots.plain_log_labels(ax)
