r"""Pure plotting functions: each takes ``ax=None`` and returns the Axes it drew on.

A computation graph is drawn in *topological layout*: a node's column is its
depth, the length of the longest path from an input to it,

    depth(i) = 0 for inputs,   depth(k) = 1 + max_{i ∈ a(k)} depth(i),

so every edge i → k points to the right, the picture of J being strictly lower
triangular. Labels can carry the forward value z_i and the adjoint λ_i.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from course_lib.graph import Graph

__all__ = ["depths", "graph_layout", "draw_graph", "nonzero_pattern", "spy"]

_NODE = dict(boxstyle="round,pad=0.35", facecolor="#eef3fb", edgecolor="#3b5b92")
_INPUT = dict(boxstyle="round,pad=0.35", facecolor="#fdf3e1", edgecolor="#a86b00")
_HIGHLIGHT = dict(boxstyle="round,pad=0.35", facecolor="#ffe0e0", edgecolor="#c0392b")


def depths(g: Graph) -> dict[str, int]:
    r"""depth(i) = 0 for inputs and 1 + max depth of the arguments otherwise."""
    depth: dict[str, int] = {}
    for name in g.order:  # topological: arguments are done before their users
        args = g.arguments(name)
        depth[name] = 1 + max(depth[a] for a in args) if args else 0
    return depth


def graph_layout(g: Graph) -> dict[str, tuple[float, float]]:
    r"""Positions (x, y): x = depth, nodes of equal depth spread evenly in y (top to bottom).

    Inputs are drawn one column before their first user (not all at x = 0), so a
    parameter sits next to the node that reads it and long edges stay rare.
    """
    depth = depths(g)
    column = dict(depth)
    for name in g.inputs:
        users = g.users(name)
        column[name] = min(depth[k] for k in users) - 1 if users else 0
    columns: dict[int, list[str]] = {}
    for name in g.order:
        columns.setdefault(column[name], []).append(name)
    pos = {}
    for x, names in columns.items():
        for j, name in enumerate(names):
            pos[name] = (float(x), (len(names) - 1) / 2 - j)
    return pos


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def draw_graph(g: Graph, values: Mapping[str, float] | None = None,
               adjoints: Mapping[str, float] | None = None,
               highlight: Iterable[str] = (), ax=None, title: str | None = None):
    r"""Draw z_i = f_i(z_a(i)) left to right; label nodes with z_i (and λ_i if given).

    Edge i → k is drawn for every i ∈ a(k); inputs are orange, ``highlight`` red.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.7 * (max(depths(g).values()) + 1), 3.2))
    pos = graph_layout(g)
    highlight = set(highlight)
    boxes = {}
    for name in g.order:
        lines = [name]
        if values is not None and name in values:
            lines.append(f"= {_fmt(values[name])}")
        if adjoints is not None and name in adjoints:
            lines.append(f"λ = {_fmt(adjoints[name])}")
        style = _HIGHLIGHT if name in highlight else (_INPUT if name in g.inputs else _NODE)
        boxes[name] = ax.text(*pos[name], "\n".join(lines), ha="center", va="center",
                              fontsize=9, bbox=style, zorder=3)
    for i, k in g.edges():  # the arrow i -> k is clipped to the outlines of the two boxes
        ax.annotate("", xy=pos[k], xytext=pos[i], zorder=4,
                    arrowprops=dict(arrowstyle="-|>", color="#7a869a", lw=1.2, mutation_scale=14,
                                    patchA=boxes[i], patchB=boxes[k], shrinkA=3, shrinkB=3,
                                    connectionstyle="arc3,rad=0.06"))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def nonzero_pattern(matrix) -> np.ndarray:
    r"""Boolean array of the entries ≠ 0, for numpy, scipy.sparse, sympy or object matrices."""
    if hasattr(matrix, "toarray"):  # scipy.sparse
        return matrix.toarray() != 0
    if hasattr(matrix, "tolist"):  # numpy or sympy
        rows = matrix.tolist()
    else:
        rows = [list(r) for r in matrix]
    return np.array([[not _is_zero(x) for x in row] for row in rows], dtype=bool)


def _is_zero(x) -> bool:
    if x is None:
        return True
    try:
        return bool(x == 0)
    except (TypeError, ValueError):  # blocks and operators are nonzero entries
        return False


def spy(matrix, labels: Iterable[str] | None = None, ax=None, title: str | None = None,
        highlight_row: int | None = None):
    r"""Show the sparsity pattern of a matrix: filled squares where entry ≠ 0.

    Diagonal entries are drawn dark, off-diagonal ones blue; ``highlight_row``
    outlines one row (the row being solved in back substitution).
    """
    m = nonzero_pattern(matrix)
    n_rows, n_cols = m.shape
    if ax is None:
        size = min(6.0, 1.5 + 0.35 * max(n_rows, n_cols))
        _, ax = plt.subplots(figsize=(size, size))
    picture = np.zeros(m.shape)
    picture[m] = 1.0
    diag = np.arange(min(n_rows, n_cols))
    picture[diag, diag] = np.where(m[diag, diag], 2.0, 0.0)
    cmap = plt.matplotlib.colors.ListedColormap(["white", "#4a78c2", "#222222"])
    ax.imshow(picture, cmap=cmap, vmin=0, vmax=2, interpolation="nearest")
    ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="#dddddd", lw=0.5)
    ax.tick_params(which="minor", length=0)
    if labels is not None:
        labels = list(labels)
        ax.set_xticks(range(n_cols), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(n_rows), labels, fontsize=8)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if highlight_row is not None:
        ax.add_patch(plt.Rectangle((-0.5, highlight_row - 0.5), n_cols, 1, fill=False,
                                   edgecolor="#c0392b", lw=2.5))
    if title:
        ax.set_title(title)
    return ax
