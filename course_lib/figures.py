r"""The course's static figures, one ``fig_<name>()`` per file in ``figures/``.

    python -m course_lib.figures figures        # or: make figures

Each function builds its figure from the math layer and returns it; ``main``
saves them as PNG with fixed metadata, so the same versions give the same bytes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

from course_lib import plots
from course_lib.graph import Graph

__all__ = ["SMALL_NETWORK", "fig_small_network", "FIGURES", "write_all"]

#: The source article's network: x, y, w1, w2 → σ(x w1) → two-class softmax → cross-entropy.
SMALL_NETWORK = [
    ("z5", "z1*z3"),
    ("z6", "sigmoid(z5)"),
    ("z7", "z6*z4"),
    ("z8", "exp(z7)/(exp(z7) + 1)"),
    ("z9", "-(z2*log(z8) + (1 - z2)*log(1 - z8))"),
]
SMALL_INPUTS = ["z1", "z2", "z3", "z4"]
SMALL_POINT = {"z1": 0.5, "z2": 1.0, "z3": -0.8, "z4": 1.5}


def fig_small_network():
    r"""The small network z1…z9 in topological layout, labelled with its forward values."""
    g = Graph.from_assignments(SMALL_NETWORK, inputs=SMALL_INPUTS)
    ax = plots.draw_graph(g, values=g.forward(SMALL_POINT),
                          title="z_i = f_i(z_a(i)): the small network, forward pass")
    return ax.figure


FIGURES = {"small_network": fig_small_network}


def write_all(folder: Path) -> list[Path]:
    r"""Write every figure as ``folder/<name>.png`` (deterministic: no dates, fixed dpi)."""
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in FIGURES.items():
        fig = make()
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=100, metadata={"Software": None}, bbox_inches="tight")
        plt.close(fig)
        written.append(path)
    return written


if __name__ == "__main__":
    matplotlib.use("Agg")
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("figures")
    for p in write_all(target):
        print(f"wrote {p}")
