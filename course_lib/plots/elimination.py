r"""Elimination on a graph and in a matrix, side by side (lesson 13).

Eliminating v_k joins its remaining neighbours N(v_k) pairwise; the pairs that were not edges
yet are the *fill-in* of step k. In the matrix, v_k is the k-th pivot of the Cholesky factor U
of Q with rows and columns in the order, Q_o = UᵀU, and the fill-in is the nonzeros of U where Q has a
zero. Both pictures are read off the elimination cliques C_k = (v_k, *N(v_k)) that
:func:`course_lib.elimination.eliminate` returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from course_lib.plots import palette
from course_lib.plots.describe import describe

__all__ = ["fill_in_steps", "elimination_picture", "update_elimination_picture"]


def fill_in_steps(edges: Sequence[tuple[str, str]], cliques: Sequence[Sequence[str]]
                  ) -> list[list[tuple[str, str]]]:
    r"""The fill-in edges each elimination step adds: pairs of N(v_k) = C_k[1:] not yet joined."""
    joined = {frozenset(e) for e in edges}
    steps = []
    for clique in cliques:
        rest, added = list(clique[1:]), []
        for i, u in enumerate(rest):
            for w in rest[i + 1:]:
                if frozenset((u, w)) not in joined:
                    joined.add(frozenset((u, w)))
                    added.append((u, w))
        steps.append(added)
    return steps


def _short_of_nodes(a, b, gap: float = 0.2) -> list:
    r"""The segment a–b without ``gap`` at either end (so it does not cross the nodes' labels)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    u = (b - a) / max(float(np.hypot(*(b - a))), 1e-12)
    return [a + gap * u, b - gap * u]


def _factor_picture(edges, order, steps, step: int) -> np.ndarray:
    r"""The pattern of U (Q in ``order`` = UᵀU) in ``order``: 1 = Q's nonzero, 2 = diagonal, 3 = fill-in
    made by the first ``step`` eliminations, 0 = zero (or fill not made yet)."""
    index = {v: k for k, v in enumerate(order)}
    n = len(order)
    picture = np.zeros((n, n))
    for u, w in edges:
        i, j = sorted((index[u], index[w]))
        picture[i, j] = 1.0
    for added in steps[:step]:
        for u, w in added:
            i, j = sorted((index[u], index[w]))
            picture[i, j] = 3.0
    picture[np.arange(n), np.arange(n)] = 2.0
    return picture


def elimination_picture(positions: Mapping[str, tuple[float, float]],
                        edges: Sequence[tuple[str, str]], order: Sequence[str],
                        cliques: Sequence[Sequence[str]], step: int, axes=None) -> dict:
    r"""The graph after the first ``step`` eliminations of ``order`` (eliminated variables faded,
    fill-in dashed vermillion) beside the spy plot of the Cholesky factor's pattern in that order
    (fill-in made so far in vermillion). ``cliques`` are :func:`eliminate`'s. ``axes``: two Axes
    (a new figure if None). Returns the artists :func:`update_elimination_picture` changes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(9.5, 4.4))
    ax_graph, ax_spy = axes
    names = list(positions)
    xy = np.array([positions[v] for v in names], dtype=float)
    ax_graph.add_collection(LineCollection([[positions[u], positions[w]] for u, w in edges],
                                           colors=palette.DARK_GREY, linewidths=1.5, zorder=1))
    ax_graph.scatter(xy[:, 0], xy[:, 1], s=520, c=[palette.NODE_FACE] * len(names),
                     edgecolors=palette.NODE_EDGE, linewidths=1.5, zorder=3)
    for v, (x, y) in zip(names, xy):
        ax_graph.text(x, y, v, ha="center", va="center", fontsize=8, zorder=4, color=palette.INK)
    # what changes is drawn above the still parts: fill-in stops short of the nodes, and an
    # eliminated variable is faded by a white veil (so a frame redraws only these two)
    fill = LineCollection([], colors=palette.MARK, linewidths=2.0, linestyles="--", zorder=5)
    ax_graph.add_collection(fill)
    veil = ax_graph.scatter([], [], s=560, c=palette.WHITE, alpha=0.7, linewidths=0, zorder=6)
    pad = 0.6
    ax_graph.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax_graph.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    ax_graph.set_aspect("equal")
    ax_graph.axis("off")
    ax_graph.set_title("the graph: eliminated variables faded, fill-in dashed", fontsize=10)
    cmap = matplotlib.colors.ListedColormap([palette.WHITE, palette.SPY_OFF_DIAGONAL,
                                             palette.SPY_DIAGONAL, palette.MARK])
    n = len(order)
    # A mesh of n × n cells: about 10× quicker to redraw than an image, which is resampled to
    # the screen on every frame.
    edges_at = np.arange(n + 1) - 0.5
    image = ax_spy.pcolormesh(edges_at, edges_at, np.zeros((n, n)), cmap=cmap, vmin=0, vmax=3)
    ax_spy.set_xlim(-0.5, n - 0.5)
    ax_spy.set_ylim(n - 0.5, -0.5)  # row 0 on top, as a matrix
    ax_spy.set_aspect("equal")
    ax_spy.hlines(np.arange(n + 1) - 0.5, -0.5, n - 0.5, color=palette.CELL_LINE, lw=0.5)
    ax_spy.vlines(np.arange(n + 1) - 0.5, -0.5, n - 0.5, color=palette.CELL_LINE, lw=0.5)
    ax_spy.set_xticks([])
    ax_spy.set_yticks([])
    ax_spy.set_title("Cholesky factor U (Q in the order = UᵀU)", fontsize=10)
    artists = {"axes": (ax_graph, ax_spy), "fill": fill, "veil": veil,
               "names": names, "positions": dict(positions), "edges": list(edges),
               "image": image}
    update_elimination_picture(artists, order, cliques, step)

    def graph_text() -> str:
        s = artists["state"]
        return (f"Graph of {len(names)} variables with {len(edges)} edges; the first {s['step']} "
                f"of the order are eliminated (faded) and {s['fill']} fill-in edges drawn dashed "
                "in vermillion.")

    def spy_text() -> str:
        s = artists["state"]
        return (f"Pattern of the upper-triangular Cholesky factor U of Q in the elimination order: Q's "
                f"nonzeros blue, the diagonal dark, the {s['fill']} fill-in entries made so far "
                "vermillion.")

    describe(ax_graph, graph_text)
    describe(ax_spy, spy_text)
    return artists


def update_elimination_picture(artists: dict, order: Sequence[str],
                               cliques: Sequence[Sequence[str]], step: int) -> None:
    r"""Show the first ``step`` eliminations of ``order`` (whose cliques are ``cliques``)."""
    step = min(max(int(step), 0), len(order))
    steps = fill_in_steps(artists["edges"], cliques)
    made = [e for added in steps[:step] for e in added]
    pos = artists["positions"]
    artists["fill"].set_segments([_short_of_nodes(pos[u], pos[w]) for u, w in made])
    artists["veil"].set_offsets(np.array([pos[v] for v in order[:step]]).reshape(-1, 2))
    artists["image"].set_array(_factor_picture(artists["edges"], order, steps, step))
    artists["state"] = {"step": step, "fill": len(made)}
