r"""Graphs: computation graphs in topological layout and their adjoints' status (factor graphs:
:mod:`course_lib.plots.factor_graphs`).

A computation graph is drawn in *topological layout*: a node's column is its depth, the length
of the longest path from an input to it,

    depth(i) = 0 for inputs,   depth(k) = 1 + max_{i ∈ a(k)} depth(i),

so every edge i → k points to the right, the picture of J being strictly lower triangular.
Labels can carry the forward value z_i and the adjoint λ_i. Inputs sit in square boxes,
computed nodes in round ones, highlighted nodes have a thick black rim and a bold label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse
from matplotlib.collections import LineCollection
from matplotlib.patches import ConnectionStyle, Patch

from course_lib import dag
from course_lib.graph import Graph
from course_lib.plots import palette
from course_lib.plots.describe import describe

__all__ = ["depths", "graph_layout", "draw_graph", "update_graph_labels", "STATUS_COLORS",
           "STATUS_LABELS", "adjoint_status", "status_graph", "update_status_graph",
           "value_texts"]

_PAD = 0.35  # box padding, in font sizes
_NODE = dict(boxstyle=f"round,pad={_PAD}", facecolor=palette.NODE_FACE,
             edgecolor=palette.NODE_EDGE, linewidth=1.0)
_INPUT = dict(boxstyle=f"square,pad={_PAD}", facecolor=palette.INPUT_FACE,
              edgecolor=palette.INPUT_EDGE, linewidth=1.0)
_HIGHLIGHT = dict(boxstyle=f"round,pad={_PAD}", facecolor=palette.HIGHLIGHT_FACE,
                  edgecolor=palette.HIGHLIGHT_EDGE, linewidth=2.2)
_FONT = 9


def depths(g: Graph) -> dict[str, int]:
    r"""depth(i) = 0 for inputs and 1 + max depth of the arguments otherwise.

    The longest path back to an input: :func:`course_lib.dag.levels` of the graph in which
    node k reads its arguments a(k) (the pattern of J)."""
    edges = g.edges()  # (i, k): k reads i
    reads = scipy.sparse.coo_array(
        (np.ones(len(edges)), ([g.index(k) for _, k in edges], [g.index(i) for i, _ in edges])),
        shape=(len(g), len(g)))
    return dict(zip(g.order, dag.levels(reads).tolist()))


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


#: A value line's room in a graph with fixed boxes: a figure space (digit-wide, blank) per
#: character of its prefix ("= ", "λ = ") and eight more, wider than any value ``_fmt`` writes
#: (.3g: at most "-1.23e-05").
_FIGURE_SPACE = "\u2007"


def _split_label(label: str) -> tuple[str, str]:
    r"""A node label as (the box's text, the values' text) for a graph with fixed boxes: the box
    holds the name and room for each value line; the values' text holds an empty first line
    and the values, so that, laid out alike, each value lands on its room."""
    name, *lines = label.split("\n")
    room = [_FIGURE_SPACE * (line.index("= ") + 2 + 8) for line in lines]
    return "\n".join([name, *room]), "\n".join(["", *lines])


def _node_label(name: str, values: Mapping | None, adjoints: Mapping | None) -> str:
    lines = [name]
    if values is not None and name in values:
        lines.append(f"= {_fmt(values[name])}")
    if adjoints is not None and name in adjoints:
        lines.append(f"λ = {_fmt(adjoints[name])}")
    return "\n".join(lines)


def _exit_distance(half_size: tuple[float, float], direction: tuple[float, float]) -> float:
    r"""Distance from a box's centre to its outline along a unit direction (|u_x|, |u_y|), + 2 pt."""
    (hw, hh), (ux, uy) = half_size, direction
    return min(hw / ux if ux else math.inf, hh / uy if uy else math.inf) + 2


class _ShortenedArc3(ConnectionStyle.Arc3):
    r"""matplotlib's ``arc3`` from a point ``shrinkA`` after the start to one ``shrinkB`` before
    the end, both measured along the chord.

    matplotlib shortens an arrow by cutting its curve with circles (a Bézier bisection each
    end, most of an arrow's drawing time); on a curve this flat the chord gives the same ends.
    """

    def __call__(self, posA, posB, shrinkA=2.0, shrinkB=2.0, patchA=None, patchB=None):
        (x0, y0), (x1, y1) = posA, posB
        length = math.hypot(x1 - x0, y1 - y0)
        if length <= shrinkA + shrinkB:  # the boxes overlap: left whole, as matplotlib does
            return self.connect(posA, posB)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        return self.connect((x0 + ux * shrinkA, y0 + uy * shrinkA),
                            (x1 - ux * shrinkB, y1 - uy * shrinkB))


def _graph_artists(ax) -> tuple[dict, dict]:
    r"""The node boxes ``{name: Text}`` and arrows ``{(i, k): Annotation}`` :func:`draw_graph` made."""
    boxes, arrows = {}, {}
    for text in ax.texts:
        gid = text.get_gid() or ""
        if gid.startswith("node "):
            boxes[gid[5:]] = text
        elif gid.startswith("edge "):
            arrows[tuple(gid[5:].split(" -> "))] = text
    return boxes, arrows


def value_texts(ax) -> dict:
    r"""The value texts ``{name: Text}`` of a :func:`draw_graph` picture with fixed boxes (empty
    otherwise): what :func:`update_graph_labels` changes there, and all it changes."""
    return {t.get_gid()[6:]: t for t in ax.texts if (t.get_gid() or "").startswith("value ")}


def _shown_label(name: str, box, values: dict) -> str:
    r"""What a node shows, as one label: its box's text, or its name and its value text
    (``values``: :func:`value_texts`)."""
    if name not in values:
        return box.get_text()
    return "\n".join([box.get_text().split("\n")[0], *values[name].get_text().split("\n")[1:]])


def _fit_arrows(ax) -> None:
    r"""Make each arrow i → k stop at the two boxes' outlines.

    The boxes' half sizes are measured (in points) and each arrow is shortened by where its
    direction leaves the box: min(half width / |cos|, half height / |sin|). (matplotlib's own
    clipping to the box patches gives the same picture, ~50x slower per arrow.)
    """
    boxes, arrows = _graph_artists(ax)
    renderer = ax.figure.canvas.get_renderer()
    points = 72 / ax.figure.dpi
    half = {}
    for name, box in boxes.items():
        extent = box.get_window_extent(renderer)
        pad = _PAD * box.get_fontsize()
        half[name] = (extent.width * points / 2 + pad, extent.height * points / 2 + pad)
    for (i, k), arrow in arrows.items():
        (x0, y0), (x1, y1) = ax.transData.transform([boxes[i].get_position(),
                                                      boxes[k].get_position()])
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        direction = (abs(x1 - x0) / length, abs(y1 - y0) / length)
        arrow.arrow_patch.shrinkA = _exit_distance(half[i], direction)
        arrow.arrow_patch.shrinkB = _exit_distance(half[k], direction)


def _describe_graph(ax, n_edges: int, inputs: tuple, highlight: set) -> None:
    def text() -> str:
        boxes, _ = _graph_artists(ax)
        values = value_texts(ax)
        nodes = "; ".join(_shown_label(name, box, values).replace("\n", " ")
                          for name, box in boxes.items())
        shown = (f" Highlighted (thick black rim, bold): {', '.join(sorted(highlight))}."
                 if highlight else "")
        return (f"Computation graph drawn left to right in topological order: {len(boxes)} "
                f"nodes, inputs {', '.join(inputs)} in square boxes, {n_edges} arrows from each "
                f"argument to the node that uses it.{shown} Nodes: {nodes}.")

    describe(ax, text)


def draw_graph(g: Graph, values: Mapping[str, float] | None = None,
               adjoints: Mapping[str, float] | None = None,
               highlight: Iterable[str] = (), ax=None, title: str | None = None,
               pos: Mapping[str, tuple[float, float]] | None = None,
               fixed_boxes: bool = False):
    r"""Draw z_i = f_i(z_a(i)) left to right; label nodes with z_i (and λ_i if given).

    Edge i → k is drawn for every i ∈ a(k); inputs sit in square orange boxes, ``highlight``
    nodes have a thick black rim and a bold label. ``pos`` may override the position (x, y)
    of any node (default: :func:`graph_layout`). :func:`update_graph_labels` relabels in place.
    With ``fixed_boxes`` (for a live panel) each box is as wide as the widest value it can
    show and the values are texts of their own (:func:`value_texts`, drawn over the boxes): a
    relabelling changes those texts only, never a box or an arrow.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.7 * (max(depths(g).values()) + 1), 3.2))
    pos = {**graph_layout(g), **(pos or {})}
    highlight = set(highlight)
    for name in g.order:
        style = _HIGHLIGHT if name in highlight else (_INPUT if name in g.inputs else _NODE)
        label = _node_label(name, values, adjoints)
        box_text, value_text = _split_label(label) if fixed_boxes else (label, None)
        weight = "bold" if name in highlight else "normal"
        ax.text(*pos[name], box_text, ha="center", va="center", fontsize=_FONT, bbox=style,
                zorder=3, gid=f"node {name}", fontweight=weight)
        if value_text is not None:  # laid out as the box's text: each value on its room
            ax.text(*pos[name], value_text, ha="center", va="center", fontsize=_FONT,
                    zorder=4, gid=f"value {name}", fontweight=weight)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    for i, k in g.edges():
        ax.annotate("", xy=pos[k], xytext=pos[i], zorder=2, gid=f"edge {i} -> {k}",
                    arrowprops=dict(arrowstyle="-|>", color=palette.ARROW_GREY, lw=1.2,
                                    mutation_scale=14, connectionstyle=_ShortenedArc3(rad=0.06)))
    _fit_arrows(ax)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    _describe_graph(ax, len(g.edges()), tuple(g.inputs), highlight)
    return ax


def update_graph_labels(ax, g: Graph, values: Mapping[str, float] | None = None,
                        adjoints: Mapping[str, float] | None = None, title: str | None = None):
    r"""Relabel the nodes of a :func:`draw_graph` picture of ``g`` in place (z_i, λ_i); returns ``ax``.

    The arrows are shortened again to the new boxes' outlines; nothing else is redrawn.
    """
    boxes, _ = _graph_artists(ax)
    if set(boxes) != set(g.order):
        raise ValueError("ax does not hold a draw_graph picture of this graph")
    fixed = value_texts(ax)
    for name, box in boxes.items():
        label = _node_label(name, values, adjoints)
        if name in fixed:
            box_text, value_text = _split_label(label)
            if box_text != box.get_text():
                raise ValueError(f"node {name}'s box has room for other values than "
                                 f"{label!r}: draw the graph again with these")
            fixed[name].set_text(value_text)
        else:
            box.set_text(label)
    if not fixed:
        _fit_arrows(ax)
    if title is not None:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------- iterative adjoints (lesson 06)
#: Colours of an adjoint's status after t steps: 0 still zero, 1 partial, 2 exact.
STATUS_COLORS = palette.STATUS_COLORS
STATUS_LABELS = ("still 0", "partial", "exact")  # partial: some paths have not arrived yet
_STATUS_RIM = ("--", "-", "-")  # still-0 nodes have a dashed rim: not told by colour alone


def adjoint_status(iterates, exact, rtol: float = 1e-9, atol: float = 1e-12) -> np.ndarray:
    r"""Status of every λ_i^(t): 2 if |λ_i^(t) − λ_i| ≤ atol + rtol·|λ_i|, else 0 if λ_i^(t) = 0, else 1.

    ``iterates`` has shape (steps, n) (one row per iterate or sweep), ``exact`` shape (n,);
    the result is an int array of the shape of ``iterates``.
    """
    iterates = np.asarray(iterates, dtype=float)
    exact = np.asarray(exact, dtype=float)
    if exact.ndim != 1 or iterates.ndim != 2 or iterates.shape[1] != exact.shape[0]:
        raise ValueError(f"iterates must have shape (steps, n) with n = len(exact); got "
                         f"iterates of shape {iterates.shape} and exact of shape {exact.shape}")
    done = np.isclose(iterates, exact, rtol=rtol, atol=atol)
    return np.where(done, 2, np.where(iterates == 0, 0, 1))


def _edge_curve(p, q, bend: float, points: int = 9) -> np.ndarray:
    r"""A quadratic Bézier curve from p to q whose control point sits ``bend``·|pq| off the chord."""
    (x0, y0), (x1, y1) = p, q
    control = np.array([(x0 + x1) / 2 - bend * (y1 - y0), (y0 + y1) / 2 + bend * (x1 - x0)])
    s = np.linspace(0.0, 1.0, points)[:, None]
    return (1 - s) ** 2 * np.array([x0, y0]) + 2 * s * (1 - s) * control + s**2 * np.array([x1, y1])


def status_graph(g: Graph, status=None, ax=None, title: str | None = None,
                 legend: bool = True) -> dict:
    r"""Draw ``g`` in topological layout with every node coloured by the status of its adjoint.

    Light grey with a dashed rim λ_i^(t) = 0, orange partial, dark blue with a white bold label
    exact (see :func:`adjoint_status`). Edges i → k are drawn left to right (straight, or arcs
    when they skip a column); input nodes have an orange rim. Drawn with one scatter, one line
    collection and one label per node, so :func:`update_status_graph` only recolours: cheap
    enough for a slider. Returns ``{"ax", "names", "nodes", "labels", "edges", "title"}``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 0.9 * (max(depths(g).values()) + 1), 3.4))
    pos = graph_layout(g)
    xy = np.array([pos[name] for name in g.order])
    curves = []
    for i, k in g.edges():
        span = pos[k][0] - pos[i][0]
        bend = 0.0 if span <= 1 else 0.12 + 0.03 * span  # arcs over the columns they skip
        curves.append(_edge_curve(pos[i], pos[k], bend))
    edges = ax.add_collection(LineCollection(curves, colors=palette.EDGE_GREY, linewidths=1.0,
                                             zorder=1))
    rims = [palette.INPUT_EDGE if name in g.inputs else palette.NODE_EDGE for name in g.order]
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=520, c=[STATUS_COLORS[0]] * len(g),
                       edgecolors=rims, linewidths=1.2, zorder=2)
    labels = [ax.text(x, y, name, ha="center", va="center", fontsize=8, zorder=3)
              for name, (x, y) in zip(g.order, xy)]
    top = max([xy[:, 1].max()] + [curve[:, 1].max() for curve in curves])  # arcs rise above
    ax.set_xlim(xy[:, 0].min() - 0.6, xy[:, 0].max() + 0.6)
    ax.set_ylim(xy[:, 1].min() - (1.0 if legend else 0.6), top + 0.5)
    ax.set_axis_off()
    if legend:
        handles = [Patch(facecolor=c, edgecolor=palette.DARK_GREY, linestyle=rim, label=text)
                   for c, rim, text in zip(STATUS_COLORS, _STATUS_RIM, STATUS_LABELS)]
        ax.legend(handles=handles, loc="lower center", ncols=3, fontsize=8, frameon=False)
    title_artist = ax.set_title(title or "", fontsize=10)
    artists = {"ax": ax, "names": tuple(g.order), "nodes": nodes, "labels": labels,
               "edges": edges, "title": title_artist, "status": None}

    def text() -> str:
        s = artists["status"]
        counts = ", ".join(f"{int((s == k).sum())} {STATUS_LABELS[k]}" for k in (2, 1, 0))
        exact = [n for n, k in zip(artists["names"], s) if k == 2]
        return (f"Computation graph of {len(s)} nodes drawn left to right, each coloured by the "
                f"status of its adjoint: {counts}. Exact: {', '.join(exact) or 'none'}.")

    describe(ax, text)
    update_status_graph(artists, np.zeros(len(g), dtype=int) if status is None else status)
    return artists


def update_status_graph(artists: dict, status, title: str | None = None) -> dict:
    r"""Recolour the nodes of :func:`status_graph` in place (``status``: one code per node)."""
    status = np.asarray(status, dtype=int)
    if status.shape != (len(artists["names"]),):
        raise ValueError(f"status must have one entry per node ({len(artists['names'])}), "
                         f"got shape {status.shape}")
    artists["status"] = status
    artists["nodes"].set_facecolors([STATUS_COLORS[s] for s in status])
    artists["nodes"].set_linestyles([_STATUS_RIM[s] for s in status])
    for label, s in zip(artists["labels"], status):
        label.set_color(palette.STATUS_TEXT[s])
        label.set_fontweight("bold" if s == 2 else "normal")
    if title is not None:
        artists["title"].set_text(title)
    return artists
