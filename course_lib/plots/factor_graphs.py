r"""Factor graphs (lesson 07): variables as circles, factors as black squares, an edge from each
factor to every variable it depends on; observed variables are orange with a thick rim."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from course_lib.plots import palette
from course_lib.plots.describe import describe

__all__ = ["factor_graph_layout", "draw_factor_graph"]
_FG_VARIABLE = dict(boxstyle="circle,pad=0.3", facecolor=palette.NODE_FACE,
                    edgecolor=palette.NODE_EDGE)
_FG_OBSERVED = dict(boxstyle="circle,pad=0.3", facecolor=palette.OBSERVED_FACE,
                    edgecolor=palette.OBSERVED_EDGE, linewidth=2.0)


def factor_graph_layout(fg, pos: Mapping | None = None) -> dict:
    r"""Positions of every variable (by name) and factor (by index) of a factor graph.

    Positions given in ``pos`` are kept. A missing factor goes to the centroid of its
    variables — a one-variable factor just above its variable; if variables are missing too,
    the whole graph is laid out by networkx's Kamada–Kawai layout (deterministic).
    """
    pos = dict(pos or {})
    scopes = [f.variables for f in fg.factors]
    if any(v not in pos for v in fg.variables):
        import networkx as nx

        pos = {**nx.kamada_kawai_layout(fg.to_networkx()), **pos}
    xs = np.array([pos[v][0] for v in fg.variables], dtype=float)
    ys = np.array([pos[v][1] for v in fg.variables], dtype=float)
    span = max(float(np.ptp(xs)), float(np.ptp(ys)), 1.0)
    for a, scope in enumerate(scopes):
        if a in pos:
            continue
        if len(scope) == 1:
            x, y = pos[scope[0]]
            pos[a] = (float(x), float(y) + 0.14 * span)
        else:
            pos[a] = (float(np.mean([pos[v][0] for v in scope])),
                      float(np.mean([pos[v][1] for v in scope])))
    return {k: (float(x), float(y)) for k, (x, y) in pos.items()}


def draw_factor_graph(fg, pos: Mapping | None = None, evidence: Mapping[str, int] | None = None,
                      factor_labels: Mapping[int, str] | None = None, ax=None,
                      title: str | None = None):
    r"""Draw the bipartite factor graph of ``p(x) ∝ Π_a f_a(x_a)``: variables ○, factors ■.

    An edge joins factor a and variable x when x ∈ x_a. Observed variables (``evidence``
    ``{x: value}``) are orange with a thick rim and labelled ``x=value``. ``pos`` may place
    variables and factors (see :func:`factor_graph_layout`); ``factor_labels`` ``{a: text}``
    names factors.
    """
    pos = factor_graph_layout(fg, pos)
    evidence = dict(evidence or {})
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6))
    for a, v in fg.edges():
        (x0, y0), (x1, y1) = pos[a], pos[v]
        ax.plot([x0, x1], [y0, y1], color=palette.DARK_GREY, lw=1.2, zorder=1)
    for a in range(len(fg.factors)):
        x, y = pos[a]
        ax.plot([x], [y], marker="s", ms=9, color=palette.FACTOR, zorder=3, linestyle="none")
        if factor_labels and a in factor_labels:
            ax.annotate(factor_labels[a], (x, y), xytext=(7, 5), textcoords="offset points",
                        fontsize=8, color=palette.INK, zorder=4)
    for v in fg.variables:
        x, y = pos[v]
        seen = v in evidence
        text = f"{v}={evidence[v]}" if seen else v
        ax.text(x, y, text, ha="center", va="center", fontsize=10, zorder=5,
                bbox=_FG_OBSERVED if seen else _FG_VARIABLE)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad_x = 0.12 * max(max(xs) - min(xs), 1.0)
    pad_y = 0.15 * max(max(ys) - min(ys), 1.0)
    ax.set_xlim(min(xs) - pad_x, max(xs) + pad_x)
    ax.set_ylim(min(ys) - pad_y, max(ys) + pad_y)
    ax.set_aspect("auto")
    ax.axis("off")
    if title:
        ax.set_title(title)
    observed = ", ".join(f"{v} = {evidence[v]}" for v in fg.variables if v in evidence)
    describe(ax, f"Factor graph: {len(fg.variables)} variables as circles "
                 f"({', '.join(fg.variables)}), {len(fg.factors)} factors as black squares, "
                 f"{len(fg.edges())} edges joining each factor to the variables it depends on."
                 + (f" Observed (orange, thick rim): {observed}." if observed else ""))
    return ax
