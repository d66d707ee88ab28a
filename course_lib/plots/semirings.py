r"""A back substitution over a semiring drawn on its DAG (lesson 12).

The system x = b ⊕ (N ⊗ x) is a DAG: node i, an edge i → j for every N_ij that is not the
semiring's zero. :func:`sweep_dag` draws it once (nodes left to right, each edge labelled with
its weight) and returns its artists; :func:`update_sweep_dag` shows one moment of the sweep in
place: the solved nodes shaded with their x_i, the row being solved outlined, a highlighted set
of edges (the best path from that row for max or min, every edge the row read for a sum), the
row's equation and a title. One scatter, one line collection and a text per node: cheap
enough for a slider.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from course_lib.plots import palette
from course_lib.plots.describe import describe
from course_lib.plots.graphs import _edge_curve

__all__ = ["sweep_dag", "update_sweep_dag", "format_value"]


def format_value(v: float) -> str:
    r"""A node value as the picture prints it: 3 significant digits, ∞ and −∞ spelled out."""
    if v == np.inf:
        return "∞"
    if v == -np.inf:
        return "−∞"
    return f"{v:.3g}"


def sweep_dag(edges: dict[tuple[int, int], float], n: int, names: Sequence[str] | None = None,
              positions: Sequence[tuple[float, float]] | None = None, ax=None,
              title: str = "") -> dict:
    r"""Draw the DAG with ``n`` nodes and ``edges`` {(i, j): weight}, i < j, weights as labels.

    ``positions`` (default: node i at (i, sin 2.2i), so that no edge runs through a node of
    a small DAG) place the nodes; ``names``
    label them (default x0, x1, …). Returns ``{"ax", "names", "edge_list", "curves", "nodes",
    "values", "edges", "title", "equation", "state"}`` ("edges": the highlighted edges, drawn
    over the dashed grey DAG); :func:`update_sweep_dag` changes them in place.
    """
    names = [f"x{i}" for i in range(n)] if names is None else list(names)
    if len(names) != n:
        raise ValueError(f"names must hold one name per node ({n}), got {len(names)}")
    for i, j in edges:
        if not 0 <= i < j < n:
            raise ValueError(f"edge ({i}, {j}) must go from a lower to a higher node in 0 … {n - 1}")
    if positions is None:
        positions = [(float(i), float(np.sin(2.2 * i))) for i in range(n)]
    xy = np.array(positions, dtype=float)
    if xy.shape != (n, 2):
        raise ValueError(f"positions must be {n} (x, y) pairs, got shape {xy.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 + 1.3 * np.ptp(xy[:, 0]), 3.6))
    edge_list = sorted(edges)
    curves = [_edge_curve(xy[i], xy[j], 0.0 if j == i + 1 else 0.08) for i, j in edge_list]
    ax.add_collection(LineCollection(curves, colors=palette.EDGE_GREY, linewidths=1.2,
                                     linestyles="--", zorder=1))
    lines = ax.add_collection(LineCollection([], colors=palette.MARK, linewidths=3.0,
                                             zorder=2.5))  # the highlighted edges, on top
    for (i, j), curve in zip(edge_list, curves):  # weights beside the edge: a highlight never hides them
        mid = curve[len(curve) // 2]
        dx, dy = xy[j] - xy[i]
        normal = np.array([-dy, dx]) / np.hypot(dx, dy)
        others = np.vstack([xy] + [c for c in curves if c is not curve])
        spot = max((mid + 0.14 * normal, mid - 0.14 * normal),  # the side with more room
                   key=lambda p: np.min(np.hypot(*(others - p).T)))
        ax.text(*spot, format_value(edges[i, j]), fontsize=8, ha="center", va="center",
                color=palette.DARK_GREY, zorder=2)
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=900, c=[palette.WHITE] * n,
                       edgecolors=[palette.NODE_EDGE] * n, linewidths=1.2, zorder=3)
    for name, (x, y) in zip(names, xy):  # above the circle: never drawn again
        ax.text(x, y + 0.3, name, ha="center", va="bottom", fontsize=9, zorder=2)
    values = [ax.text(x, y, "", ha="center", va="center", fontsize=8, fontweight="bold",
                      zorder=4) for x, y in xy]
    ax.set_xlim(xy[:, 0].min() - 0.6, xy[:, 0].max() + 0.6)
    ax.set_ylim(xy[:, 1].min() - 0.9, xy[:, 1].max() + 0.8)
    ax.set_axis_off()
    equation = ax.text(0.5, 0.02, "", transform=ax.transAxes, ha="center", va="bottom",
                       fontsize=9, color=palette.INK)
    title_artist = ax.set_title(title, fontsize=10)
    artists = {"ax": ax, "names": names, "edge_list": edge_list, "curves": curves,
               "nodes": nodes, "values": values, "edges": lines, "title": title_artist,
               "equation": equation, "state": {"x": [None] * n, "current": None, "path": []}}

    def text() -> str:
        state = artists["state"]
        known = [f"{nm} = {format_value(v)}" for nm, v in zip(names, state["x"]) if v is not None]
        current = state["current"]
        path = " → ".join(names[k] for k in state["path"])
        return (f"A DAG of {n} nodes and {len(edge_list)} weighted edges, drawn left to right. "
                f"Solved: {', '.join(known) or 'none yet'}."
                + (f" Row {names[current]} was just solved" if current is not None else "")
                + (f"; highlighted: {path}." if path else "."))

    describe(ax, text)
    return artists


def update_sweep_dag(artists: dict, x: Sequence[float | None], current: int | None = None,
                     highlight: Iterable[tuple[int, int]] = (), path: Sequence[int] = (),
                     title: str | None = None, equation: str = "") -> dict:
    r"""Show one moment of the sweep: ``x[i]`` (None: not solved yet), the row ``current``
    outlined, the ``highlight`` edges (and ``path`` nodes) marked, the row's ``equation``."""
    n = len(artists["names"])
    if len(x) != n:
        raise ValueError(f"x must hold one value (or None) per node ({n}), got {len(x)}")
    marked = set(highlight)
    unknown = marked - set(artists["edge_list"])
    if unknown:
        raise ValueError(f"highlighted edges {sorted(unknown)} are not edges of the DAG")
    on_path = set(path)
    faces = [palette.WHITE if v is None else palette.SOLVED_SHADE for v in x]
    rims = [palette.CURRENT if k == current else palette.MARK if k in on_path
            else palette.NODE_EDGE for k in range(n)]
    widths = [3.0 if k == current or k in on_path else 1.2 for k in range(n)]
    artists["nodes"].set_facecolors(faces)
    artists["nodes"].set_edgecolors(rims)
    artists["nodes"].set_linewidths(widths)
    for label, v in zip(artists["values"], x):
        label.set_text("" if v is None else format_value(v))
    artists["edges"].set_segments([c for e, c in zip(artists["edge_list"], artists["curves"])
                                   if e in marked])
    if title is not None:
        artists["title"].set_text(title)
    artists["equation"].set_text(equation)
    artists["state"] = {"x": list(x), "current": current, "path": list(path)}
    return artists
