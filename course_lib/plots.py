r"""Pure plotting functions: each takes ``ax=None`` and returns the Axes it drew on.

A computation graph is drawn in *topological layout*: a node's column is its
depth, the length of the longest path from an input to it,

    depth(i) = 0 for inputs,   depth(k) = 1 + max_{i ∈ a(k)} depth(i),

so every edge i → k points to the right, the picture of J being strictly lower
triangular. Labels can carry the forward value z_i and the adjoint λ_i.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from course_lib.graph import Graph

__all__ = ["depths", "graph_layout", "draw_graph", "nonzero_pattern", "spy",
           "step_equation", "solution_column", "substitution_step", "show_substitution_step",
           "loglog_scaling",
           "marginal_bars", "update_marginal_bars",
           "factor_graph_layout", "draw_factor_graph", "bp_trajectories", "update_bp_trajectories",
           "named_bars", "update_named_bars", "plain_log_labels"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class _PlainLogFormatter(plt.matplotlib.ticker.Formatter):
    r"""Log-axis tick labels in plain text: 10ᵏ at the decades (Unicode superscripts) and, on an
    axis spanning less than two decades, 2·10ᵏ and 5·10ᵏ as plain numbers. Matplotlib's default
    labels are mathtext, whose layout costs most of a redraw; these cost almost nothing."""

    def __init__(self, minor: bool = False) -> None:
        self.minor = minor

    def __call__(self, value: float, pos=None) -> str:
        if not value > 0:
            return ""
        k = math.floor(math.log10(value) + 1e-9)
        mantissa = value / 10.0**k
        if math.isclose(mantissa, 1.0, rel_tol=1e-6):
            return "" if self.minor else "10" + str(k).translate(_SUPERSCRIPT)
        low, high = sorted(self.axis.get_view_interval()) if self.axis else (1.0, 1e9)
        narrow = low > 0 and high / low < 100
        if narrow and any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (2.0, 5.0)):
            return f"{value:g}"
        return ""


def plain_log_labels(ax, axis: str = "y", minor_ticks: bool = True) -> None:
    r"""Give the log-scaled ``axis`` ("x", "y" or "both") of ``ax`` plain-text tick labels.

    ``minor_ticks=False`` removes the minor ticks too (8 per decade, each a Text artist that a
    redraw lays out): for panels that redraw on every slider move.
    """
    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_formatter(_PlainLogFormatter())
        target.set_minor_formatter(_PlainLogFormatter(minor=True))
        if not minor_ticks:
            target.set_minor_locator(plt.matplotlib.ticker.NullLocator())


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


def _exit_distance(half_size: tuple[float, float], direction: tuple[float, float]) -> float:
    r"""Distance from a box's centre to its outline along a unit direction (|u_x|, |u_y|), + 2 pt."""
    (hw, hh), (ux, uy) = half_size, direction
    return min(hw / ux if ux else math.inf, hh / uy if uy else math.inf) + 2


def draw_graph(g: Graph, values: Mapping[str, float] | None = None,
               adjoints: Mapping[str, float] | None = None,
               highlight: Iterable[str] = (), ax=None, title: str | None = None,
               pos: Mapping[str, tuple[float, float]] | None = None):
    r"""Draw z_i = f_i(z_a(i)) left to right; label nodes with z_i (and λ_i if given).

    Edge i → k is drawn for every i ∈ a(k); inputs are orange, ``highlight`` red.
    ``pos`` may override the position (x, y) of any node (default: :func:`graph_layout`).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 1.7 * (max(depths(g).values()) + 1), 3.2))
    pos = {**graph_layout(g), **(pos or {})}
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
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    # Each arrow i -> k stops at the two boxes' outlines. The boxes' half sizes are
    # measured once (in points), and each arrow is shortened by where its direction
    # leaves the box: min(half width / |cos|, half height / |sin|). (matplotlib's own
    # clipping to the box patches gives the same picture, ~50x slower per arrow.)
    renderer = ax.figure.canvas.get_renderer()
    points = 72 / ax.figure.dpi
    pad = 0.35 * 9  # the boxstyle pad, in points
    half = {}
    for name, box in boxes.items():
        extent = box.get_window_extent(renderer)
        half[name] = (extent.width * points / 2 + pad, extent.height * points / 2 + pad)
    for i, k in g.edges():
        (x0, y0), (x1, y1) = ax.transData.transform([pos[i], pos[k]])
        length = math.hypot(x1 - x0, y1 - y0) or 1.0
        direction = (abs(x1 - x0) / length, abs(y1 - y0) / length)
        ax.annotate("", xy=pos[k], xytext=pos[i], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color="#7a869a", lw=1.2, mutation_scale=14,
                                    shrinkA=_exit_distance(half[i], direction),
                                    shrinkB=_exit_distance(half[k], direction),
                                    connectionstyle="arc3,rad=0.06"))
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
    # cell borders as two line collections (a grid of minor ticks costs ~5 artists per line)
    ax.hlines(np.arange(n_rows + 1) - 0.5, -0.5, n_cols - 0.5, color="#dddddd", lw=0.5)
    ax.vlines(np.arange(n_cols + 1) - 0.5, -0.5, n_rows - 0.5, color="#dddddd", lw=0.5)
    if labels is not None:
        labels = list(labels)
        ax.set_xticks(range(n_cols), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(n_rows), labels, fontsize=8)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if highlight_row is not None:
        ax.add_patch(plt.Rectangle((-0.5, highlight_row - 0.5), n_cols, 1, fill=False,
                                   edgecolor="#c0392b", lw=2.5, gid="current row"))
    if title:
        ax.set_title(title)
    return ax


# -- triangular solves, one row at a time (lesson 03) ----------------------------------------


def _number_text(v, digits: int = 4) -> str:
    r"""A matrix element or unknown as short text: numbers with ``digits`` significant digits."""
    if hasattr(v, "shape") and getattr(v, "shape", None) in ((1, 1), (1,)):
        v = v[0]  # a 1×1 sympy row or a length-1 array: its one entry
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        text = f"{float(v):.{digits}g}"
        return "0" if text == "-0" else text.replace("-", "−")  # a typographic minus
    return str(v)


def step_equation(step, labels: Iterable[str] | None = None, symbol: str = "λ",
                  digits: int = 4) -> str:
    r"""The row solved in one substitution step, as two lines of text.

        row i:   M_ii·x_i + Σ_j M_ij·x_j = b_i
        x_i = (b_i − Σ_j M_ij x_j) / M_ii = value

    ``step`` is a :class:`course_lib.substitution.SubstitutionStep`; ``labels`` name the
    unknowns (default: their indices); ``symbol`` is the unknown's letter (λ for adjoints).
    """
    n = len(step.solution)
    labels = [str(i) for i in range(n)] if labels is None else [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} names but the system has {n} unknowns")
    i = step.row

    def unknown(j: int) -> str:
        return f"{symbol}_{labels[j]}"

    def signed(coefficient, name: str) -> str:
        text = _number_text(coefficient, digits)
        if text.startswith("−"):
            return f" − {text[1:]}·{name}"
        return f" + {text}·{name}"

    lhs = f"{_number_text(step.diagonal, digits)}·{unknown(i)}"
    lhs += "".join(signed(m, unknown(j)) for j, m, _ in step.terms)
    first = f"row {labels[i]}:  {lhs} = {_number_text(step.rhs, digits)}"
    products = " + ".join(f"({_number_text(m, digits)})({_number_text(x, digits)})"
                          for _, m, x in step.terms)
    inner = f"{_number_text(step.rhs, digits)} − [{products}]" if products else \
        _number_text(step.rhs, digits)
    second = (f"{unknown(i)} = ({inner}) / ({_number_text(step.diagonal, digits)})"
              f" = {_number_text(step.value, digits)}")
    return first + "\n" + second


def solution_column(values, labels: Iterable[str] | None = None, current: int | None = None,
                    used: Iterable[int] = (), ax=None, symbol: str = "λ", digits: int = 4,
                    title: str | None = None):
    r"""The unknowns x_0 … x_{n−1} of a solve as a column of text, row i at height i.

    ``values[i]`` is a number, or None for an unknown not solved yet (shown as "?");
    solved rows are shaded green, row ``current`` is outlined red (like :func:`spy`'s
    ``highlight_row``, so the column lines up with a matrix drawn beside it) and the rows
    in ``used`` (the x_j the current row reads) are outlined blue.
    """
    values = list(values)
    n = len(values)
    labels = [str(i) for i in range(n)] if labels is None else [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} names but there are {n} values")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6, min(6.0, 1.5 + 0.35 * n)))
    for i, v in enumerate(values):
        known = v is not None
        if known:
            ax.add_patch(plt.Rectangle((0, i - 0.5), 1, 1, facecolor="#e3f4e1",
                                       edgecolor="none"))
        text = f"{symbol}_{labels[i]} = {_number_text(v, digits) if known else '?'}"
        ax.text(0.06, i, text, va="center", ha="left", fontsize=9, family="monospace",
                color="#222222" if known else "#999999",
                fontweight="bold" if i == current else "normal")
    for j in used:
        ax.add_patch(plt.Rectangle((0.01, j - 0.45), 0.98, 0.9, fill=False,
                                   edgecolor="#4a78c2", lw=1.8, ls="--"))
    if current is not None:
        ax.add_patch(plt.Rectangle((0.0, current - 0.5), 1, 1, fill=False,
                                   edgecolor="#c0392b", lw=2.5))
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)  # row 0 at the top, as in a matrix
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def substitution_step(matrix, step, labels: Iterable[str] | None = None, axes=None,
                      symbol: str = "λ", title: str | None = None):
    r"""One step of a triangular solve: the matrix with the row being solved outlined,
    the unknowns known so far beside it (row-aligned), and the row's equation below.

    ``step`` is a :class:`course_lib.substitution.SubstitutionStep` of ``matrix``; the text
    is :func:`step_equation`, the unknowns the row reads are outlined blue. Returns the two
    Axes ``(matrix_ax, column_ax)``; without ``axes`` a figure of fixed size is made, with
    ``title`` above it and the equation written under the matrix.
    """
    labels = None if labels is None else list(labels)
    n = len(step.solution)
    if nonzero_pattern(matrix).shape != (n, n):
        raise ValueError(f"the step has {n} unknowns but the matrix is not {n} × {n}")
    if axes is None:
        fig = plt.figure(figsize=(9.0, 5.6))
        side = 0.68  # the matrix box: square in inches, 0.68 of the figure's height
        ax_m = fig.add_axes([0.08, 0.21, side * 5.6 / 9.0, side])
        ax_c = fig.add_axes([0.08 + side * 5.6 / 9.0 + 0.02, 0.21, 0.32, side])
        fig.text(0.03, 0.015, step_equation(step, labels, symbol), family="monospace",
                 fontsize=10, va="bottom", ha="left")
        if title:
            fig.suptitle(title)
    else:
        ax_m, ax_c = axes
    spy(matrix, labels, ax=ax_m, highlight_row=step.row)
    _show_solved(ax_m, ax_c, step, labels, symbol)
    return ax_m, ax_c


def _show_solved(ax_m, ax_c, step, labels: list | None, symbol: str) -> None:
    r"""The parts of a :func:`substitution_step` figure that change with the step: the
    matrix's title and the column of unknowns (drawn on an empty ``ax_c``)."""
    name = str(step.row) if labels is None else labels[step.row]
    ax_m.set_title(f"the matrix: row {name} is solved now")
    solution_column(step.solution, labels, current=step.row, used=[j for j, _, _ in step.terms],
                    ax=ax_c, symbol=symbol, title=f"{symbol} known so far")


def show_substitution_step(axes, step, labels: Iterable[str] | None = None,
                           symbol: str = "λ", title: str | None = None) -> None:
    r"""Redraw a figure made by :func:`substitution_step` for another step of the same solve.

    The matrix picture stays; its outline moves to the new row, the column of unknowns is
    rebuilt, and the equation and titles are rewritten. About half the cost of a new figure
    (the matrix's tick labels are the expensive part and are kept).
    """
    ax_m, ax_c = axes
    labels = None if labels is None else list(labels)
    highlight = [p for p in ax_m.patches if p.get_gid() == "current row"]
    if len(highlight) != 1 or ax_m.images[0].get_array().shape[0] != len(step.solution):
        raise ValueError("axes were not made by substitution_step for a solve of this size")
    highlight[0].set_y(step.row - 0.5)
    ax_c.clear()
    _show_solved(ax_m, ax_c, step, labels, symbol)
    fig = ax_m.figure
    if fig.texts:  # the equation under the matrix, when substitution_step made the figure
        fig.texts[0].set_text(step_equation(step, labels, symbol))
    if title and fig._suptitle is not None:
        fig._suptitle.set_text(title)


def loglog_scaling(sizes, series: Mapping[str, Iterable[float]], ax=None,
                   slope: float | None = 1.0, xlabel: str = "nodes n",
                   ylabel: str = "seconds", title: str | None = None):
    r"""Measurements against problem size on log–log axes, with a reference line ∝ n^slope.

    A cost ``t = C n^p`` is a straight line of slope p on log–log axes. The dashed
    reference line (omitted if ``slope`` is None) goes through the last point of the
    first series.
    """
    sizes = np.asarray(list(sizes), dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.2))
    first = None
    for (name, ys), marker in zip(series.items(), "osD^v"):
        ys = np.asarray(list(ys), dtype=float)
        if ys.shape != sizes.shape:
            raise ValueError(f"series {name!r} has {ys.size} values for {sizes.size} sizes")
        ax.loglog(sizes, ys, marker=marker, label=name)
        first = ys if first is None else first
    if slope is not None and first is not None:
        ref = first[-1] * (sizes / sizes[-1]) ** slope
        ax.loglog(sizes, ref, "--", color="#888888", label=f"∝ n^{slope:g}")
    plain_log_labels(ax, "both")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color="#dddddd")
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------- marginals as bars
_UNOBSERVED_BAR = "#4a78c2"
_OBSERVED_BAR = "#e08a1e"


def _marginal_keys(marginals: Mapping[str, Iterable[float]]) -> list[tuple[str, int]]:
    return [(var, v) for var, row in marginals.items() for v in range(len(np.ravel(row)))]


def marginal_bars(marginals: Mapping[str, Iterable[float]],
                  observed: Mapping[str, int] | None = None, ax=None,
                  title: str | None = None):
    r"""One bar per state ``X = v`` of height ``marginals[X][v]``, grouped by variable.

    Meant for ``P(X = v | e) ∝ ∂S/∂λ_{X=v}(e)``: an unobserved variable's bars are blue;
    an ``observed`` variable's bars (``{X: v}``) are orange, the observed state outlined,
    and show ``P(X | e without X)``, what the derivative gives for it. Bars and value labels
    carry the gid ``"X=v"``, so :func:`update_marginal_bars` can change them in place.
    """
    keys = _marginal_keys(marginals)
    if not keys:
        raise ValueError("marginals is empty: give at least one variable {X: probabilities}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.4 + 0.55 * len(keys)), 3.2))
    x, ticks, positions = 0.0, [], []
    previous = keys[0][0]
    for var, v in keys:
        if var != previous:  # a gap between variables
            x, previous = x + 0.6, var
        positions.append(x)
        ticks.append(f"{var}={v}")
        x += 1.0
    bars = ax.bar(positions, np.zeros(len(keys)), width=0.8, color=_UNOBSERVED_BAR)
    for bar, (var, v), pos in zip(bars, keys, positions):
        bar.set_gid(f"{var}={v}")
        ax.text(pos, 0.0, "", ha="center", va="bottom", fontsize=9, gid=f"{var}={v}")
    ax.set_xticks(positions, ticks)
    ax.set_ylim(0, 1.22)
    ax.set_ylabel("probability")
    ax.spines[["top", "right"]].set_visible(False)
    handles = [plt.matplotlib.patches.Patch(color=_UNOBSERVED_BAR, label="unobserved: P(X | e)"),
               plt.matplotlib.patches.Patch(facecolor=_OBSERVED_BAR, edgecolor="#222222",
                                            label="observed (value outlined): P(X | e \\ X)")]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncols=2,
              bbox_to_anchor=(0.0, 1.02), handlelength=1.2, columnspacing=1.0)
    return update_marginal_bars(ax, marginals, observed, title)


def update_marginal_bars(ax, marginals: Mapping[str, Iterable[float]],
                         observed: Mapping[str, int] | None = None, title: str | None = None):
    r"""Set the bars drawn by :func:`marginal_bars` to new marginals, in place; returns ``ax``."""
    observed = dict(observed or {})
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    labels = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    for var, row in marginals.items():
        for v, p in enumerate(np.ravel(np.asarray(row, dtype=float))):
            key = f"{var}={v}"
            if key not in bars:
                raise ValueError(f"the axes have no bar for {key}; draw them with marginal_bars "
                                 "over the same variables and states")
            bar, seen = bars[key], var in observed
            bar.set_height(p)
            bar.set_facecolor(_OBSERVED_BAR if seen else _UNOBSERVED_BAR)
            is_value = seen and observed[var] == v
            bar.set_edgecolor("#222222" if is_value else "none")
            bar.set_linewidth(2.0 if is_value else 0.0)
            labels[key].set_position((bar.get_x() + bar.get_width() / 2, p + 0.01))
            labels[key].set_text(f"{p:.2f}")
    if title is not None:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------- factor graphs and BP (lesson 07)
_FG_VARIABLE = dict(boxstyle="circle,pad=0.3", facecolor="#eef3fb", edgecolor="#3b5b92")
_FG_OBSERVED = dict(boxstyle="circle,pad=0.3", facecolor="#fdf3e1", edgecolor="#a86b00")


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
    ``{x: value}``) are orange and labelled ``x=value``. ``pos`` may place variables and
    factors (see :func:`factor_graph_layout`); ``factor_labels`` ``{a: text}`` names factors.
    """
    pos = factor_graph_layout(fg, pos)
    evidence = dict(evidence or {})
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 3.6))
    for a, v in fg.edges():
        (x0, y0), (x1, y1) = pos[a], pos[v]
        ax.plot([x0, x1], [y0, y1], color="#555555", lw=1.2, zorder=1)
    for a in range(len(fg.factors)):
        x, y = pos[a]
        ax.plot([x], [y], marker="s", ms=9, color="#222222", zorder=3, linestyle="none")
        if factor_labels and a in factor_labels:
            ax.annotate(factor_labels[a], (x, y), xytext=(7, 5), textcoords="offset points",
                        fontsize=8, color="#222222", zorder=4)
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
    return ax


def bp_trajectories(history, residuals, exact: Mapping | None = None, state: int = 1,
                    tol: float | None = None, axes=None) -> dict:
    r"""Beliefs ``b_t(x = state)`` against iteration t (left) and message changes on a log scale (right).

    ``history[t] = {variable: belief}`` and ``residuals[t − 1] = max |μ_new − μ_old|`` as in
    :class:`course_lib.bp.BPResult`; ``exact`` (``{variable: marginal}``) adds a dashed line per
    variable, ``tol`` a dotted line. Returns the artists for :func:`update_bp_trajectories`:
    ``{"axes", "beliefs", "exact", "residual", "tol"}``.
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.6))
    ax_b, ax_r = axes
    names = list(history[0]) if history else list(exact or {})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    beliefs, exact_lines = {}, {}
    for k, v in enumerate(names):
        c = colours[k % len(colours)]
        (beliefs[v],) = ax_b.plot([], [], "-", marker=".", ms=3, lw=1.2, color=c, label=v)
        if exact is not None:
            (exact_lines[v],) = ax_b.plot([], [], "--", lw=1.0, color=c, alpha=0.8)
    ax_b.set_ylim(-0.03, 1.03)
    ax_b.set_xlabel("iteration t")
    ax_b.set_ylabel(f"belief b_t(x = {state})")
    handles, labels = list(beliefs.values()), list(names)
    if exact is not None:
        handles.append(plt.matplotlib.lines.Line2D([], [], ls="--", lw=1.0, color="#666666"))
        labels.append("exact")
    ax_b.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8,
                ncols=min(len(labels), 5), frameon=False, borderaxespad=0.2)
    (residual,) = ax_r.semilogy([], [], "-", marker=".", ms=3, color="#3b5b92")
    plain_log_labels(ax_r, minor_ticks=False)
    tol_line = ax_r.axhline(tol, ls=":", color="#c0392b", label=f"tol = {tol:g}") \
        if tol is not None else None
    ax_r.set_xlabel("iteration t")
    ax_r.set_ylabel("largest message change (log scale)")
    ax_r.grid(True, which="major", color="#dddddd")
    if tol_line is not None:
        ax_r.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False,
                    borderaxespad=0.2)
    ax_b.set_autoscale_on(False)  # limits are set by update_bp_trajectories
    ax_r.set_autoscale_on(False)
    artists = {"axes": (ax_b, ax_r), "beliefs": beliefs, "exact": exact_lines,
               "residual": residual, "tol": tol_line, "state": state}
    update_bp_trajectories(artists, history, residuals, exact)
    return artists


def update_bp_trajectories(artists: dict, history, residuals, exact: Mapping | None = None,
                           title: str | None = None) -> dict:
    r"""Redraw :func:`bp_trajectories` in place for a new run (same variables); returns ``artists``."""
    ax_b, ax_r = artists["axes"]
    state = artists["state"]
    steps = np.arange(len(history))
    for v, line in artists["beliefs"].items():
        line.set_data(steps, [float(np.ravel(h[v])[state]) for h in history])
    last = max(len(history) - 1, 1)
    for v, line in artists["exact"].items():
        if exact is not None:
            line.set_data([0, last], [float(np.ravel(exact[v])[state])] * 2)
    ax_b.set_xlim(-0.02 * last, 1.02 * last)
    res = np.asarray(residuals, dtype=float)
    artists["residual"].set_data(np.arange(1, len(res) + 1), res)
    ax_r.set_xlim(0, max(len(res), 1) + 0.5)
    shown = res[res > 0]
    low = min(shown.min() if shown.size else 1e-12, 1e-12)
    if artists["tol"] is not None:
        low = min(low, artists["tol"].get_ydata()[0] / 10)
    high = max(shown.max() if shown.size else 1.0, 1.0)
    ax_r.set_ylim(low, 2 * high)
    if title is not None:
        ax_b.figure.suptitle(title, fontsize=11)
    return artists


def named_bars(values: Mapping[str, float], ax=None, ylabel: str = "", title: str | None = None,
               ymax: float | None = None, reference: float | None = None,
               reference_label: str = ""):
    r"""One labelled bar per ``name: value`` (bars and value labels carry the gid ``name``).

    ``reference`` adds a dashed horizontal line (labelled ``reference_label``). Update the
    bars in place with :func:`update_named_bars`.
    """
    names = list(values)
    if not names:
        raise ValueError("values is empty: give at least one {name: value}")
    if ax is None:
        _, ax = plt.subplots(figsize=(max(4.0, 1.2 + 1.3 * len(names)), 3.4))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    bars = ax.bar(range(len(names)), np.zeros(len(names)), width=0.7,
                  color=[colours[k % len(colours)] for k in range(len(names))])
    for k, (bar, name) in enumerate(zip(bars, names)):
        bar.set_gid(name)
        ax.text(k, 0.0, "", ha="center", va="bottom", fontsize=9, gid=name)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    if reference is not None:
        ax.axhline(reference, ls="--", color="#888888", lw=1.0, label=reference_label,
                   gid="reference")
        if reference_label:
            ax.legend(loc="upper right", fontsize=8, frameon=False)
    return update_named_bars(ax, values, title=title, ymax=ymax, reference=reference)


def update_named_bars(ax, values: Mapping[str, float], title: str | None = None,
                      ymax: float | None = None, reference: float | None = None):
    r"""Set the bars of :func:`named_bars` to new values in place; returns ``ax``."""
    bars = {p.get_gid(): p for p in ax.patches if p.get_gid()}
    labels = {t.get_gid(): t for t in ax.texts if t.get_gid()}
    top = 0.0
    for name, value in values.items():
        if name not in bars:
            raise ValueError(f"the axes have no bar named {name!r}; draw them with named_bars")
        value = float(value)
        bars[name].set_height(value)
        labels[name].set_position((bars[name].get_x() + bars[name].get_width() / 2, value))
        labels[name].set_text(f"{value:.3g}")
        top = max(top, value)
    if reference is not None:
        for line in ax.lines:
            if line.get_gid() == "reference":
                line.set_ydata([reference, reference])
        top = max(top, reference)
    ax.set_ylim(0, ymax if ymax is not None else 1.25 * top if top > 0 else 1.0)
    if title is not None:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------- KL projections (lesson 08)
__all__ += ["simplex_xy", "simplex_picture", "series_plot", "contour_map", "marginal_dots",
            "ipf_progress", "update_ipf_progress"]

#: Corners of the probability simplex of 3 states in the plane: state 0, 1, 2.
SIMPLEX_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3.0) / 2]])


def simplex_xy(q) -> np.ndarray:
    r"""Plane coordinates of distributions on 3 states: ``(q_0, q_1, q_2) ↦ Σ_x q_x c_x``.

    ``c_x`` are :data:`SIMPLEX_CORNERS` (state 0 bottom left, 1 bottom right, 2 on top), so a
    point mass sits on a corner and the uniform distribution at the centre. ``q`` has shape
    ``(..., 3)``; the result ``(..., 2)``.
    """
    q = np.asarray(q, dtype=float)
    if q.shape[-1:] != (3,):
        raise ValueError(f"simplex_xy needs distributions on 3 states (last axis 3), got shape "
                         f"{q.shape}")
    return q @ SIMPLEX_CORNERS


def _simplex_grid(n: int) -> np.ndarray:
    r"""Interior points ``(i, j, k) / n`` with ``i + j + k = n`` and all three ≥ 1 (shape (m, 3))."""
    pts = [(i, j, n - i - j) for i in range(1, n) for j in range(1, n - i)]
    return np.array(pts, dtype=float) / n


def simplex_picture(curves: Mapping[str, object] | None = None,
                    points: Mapping[str, object] | None = None,
                    contours: Mapping[str, tuple] | None = None,
                    styles: Mapping[str, dict] | None = None,
                    corner_labels: Iterable[str] = ("x = 0", "x = 1", "x = 2"),
                    ax=None, title: str | None = None, legend: bool = True):
    r"""The simplex ``{q ≥ 0 : q_0 + q_1 + q_2 = 1}`` as a triangle, with curves, points, level sets.

    - ``curves``: ``{label: array (n, 3)}``, each a path of distributions, drawn as a line;
    - ``points``: ``{label: q}``, each one distribution, drawn as a marker;
    - ``contours``: ``{label: (function, levels, colour)}``; ``function`` maps an array
      ``(m, 3)`` of distributions to ``m`` values (for example ``q ↦ KL(q‖p)``), drawn as thin
      level lines on a fine triangular grid of the interior;
    - ``styles``: ``{label: matplotlib keyword arguments}`` for any curve or point.

    Labels become legend entries (a label starting with ``_`` is left out). Returns the Axes.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 5.0))
    styles = dict(styles or {})
    corners = np.vstack([SIMPLEX_CORNERS, SIMPLEX_CORNERS[:1]])
    ax.plot(corners[:, 0], corners[:, 1], color="#444444", lw=1.0, zorder=1)
    offsets = [(-0.04, -0.05, "right"), (1.04, -0.05, "left"), (0.5, np.sqrt(3) / 2 + 0.04,
                                                                "center")]
    for (x, y, ha), label in zip(offsets, corner_labels):
        ax.text(x, y, label, ha=ha, va="center", fontsize=9, color="#444444")
    for label, (function, levels, colour) in (contours or {}).items():
        grid = _simplex_grid(80)
        xy = simplex_xy(grid)
        values = np.asarray(function(grid), dtype=float)
        if values.shape != (len(grid),):
            raise ValueError(f"contour {label!r}: the function must return one value per "
                             f"distribution, got shape {values.shape} for {len(grid)}")
        ax.tricontour(xy[:, 0], xy[:, 1], values, levels=levels, colors=colour,
                      linewidths=1.0, alpha=0.8, zorder=4)  # above the curves: tangencies show
        ax.plot([], [], color=colour, lw=1.0, alpha=0.8, label=label)  # legend entry
    for label, path in (curves or {}).items():
        xy = simplex_xy(path)
        if xy.ndim != 2:
            raise ValueError(f"curve {label!r} must be an array of shape (n, 3)")
        ax.plot(xy[:, 0], xy[:, 1], label=label, zorder=3, **{"lw": 1.8, **styles.get(label, {})})
    for label, q in (points or {}).items():
        x, y = simplex_xy(q)
        ax.plot([x], [y], linestyle="none", label=label, zorder=5,
                **{"marker": "o", "ms": 8, "mec": "white", **styles.get(label, {})})
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.1, np.sqrt(3) / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False,
                  borderaxespad=0.0)
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def series_plot(x, series: Mapping[str, Iterable[float]], ax=None, xlabel: str = "",
                ylabel: str = "", title: str | None = None, logx: bool = False,
                logy: bool = False, styles: Mapping[str, dict] | None = None,
                reference: float | None = None, reference_label: str = "",
                legend_loc: str = "best"):
    r"""One line per ``label: ys`` over the common ``x``; optional log axes and a dashed level line.

    ``styles`` gives matplotlib keyword arguments per label; ``reference`` adds a dashed
    horizontal line at that height; ``legend_loc`` places the legend. Returns the Axes.
    """
    x = np.asarray(list(x), dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 4.0))
    styles = dict(styles or {})
    for label, ys in series.items():
        ys = np.asarray(list(ys), dtype=float)
        if ys.shape != x.shape:
            raise ValueError(f"series {label!r} has {ys.size} values for {x.size} x values")
        ax.plot(x, ys, label=label, **{"lw": 1.8, **styles.get(label, {})})
    if reference is not None:
        ax.axhline(reference, ls="--", lw=1.0, color="#888888", label=reference_label or None)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    for log, axis in ((logx, "x"), (logy, "y")):
        if log:
            plain_log_labels(ax, axis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color="#e4e4e4")
    ax.spines[["top", "right"]].set_visible(False)
    if series:
        ax.legend(fontsize=8, frameon=False, loc=legend_loc)
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def contour_map(x, y, values, ax=None, levels=None, points: Mapping[str, tuple] | None = None,
                styles: Mapping[str, dict] | None = None, xlabel: str = "", ylabel: str = "",
                title: str | None = None, logy: bool = False, colorbar_label: str = ""):
    r"""Filled contours of ``values[j, i]`` at ``(x[i], y[j])``, with labelled points on top.

    ``points`` is ``{label: (x, y)}`` (markers, in the legend), ``styles`` their keyword
    arguments; ``levels`` as for ``contourf`` (default: 12 levels). Returns the Axes.
    """
    x, y, values = (np.asarray(a, dtype=float) for a in (x, y, values))
    if values.shape != (y.size, x.size):
        raise ValueError(f"values must have shape (len(y), len(x)) = {(y.size, x.size)}, got "
                         f"{values.shape}")
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 4.2))
    styles = dict(styles or {})
    filled = ax.contourf(x, y, values, levels=12 if levels is None else levels, cmap="viridis_r")
    ax.figure.colorbar(filled, ax=ax, label=colorbar_label, shrink=0.9)
    for label, (px, py) in (points or {}).items():
        ax.plot([px], [py], linestyle="none", label=label,
                **{"marker": "o", "ms": 8, "mec": "white", "color": "#c0392b",
                   **styles.get(label, {})})
    if logy:  # plain tick labels (0.5, 1, 2) rather than 5×10⁻¹, 10⁰, 2×10⁰
        ax.set_yscale("log")
        ticks = [v for v in (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20, 30, 50, 100)
                 if y.min() <= v <= y.max()]
        if len(ticks) >= 2:
            ax.set_yticks(ticks, [f"{v:g}" for v in ticks])
            ax.yaxis.set_minor_formatter(plt.NullFormatter())
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if points:
        ax.legend(fontsize=8, loc="upper right", framealpha=0.85)
    if title:
        ax.set_title(title, fontsize=11)
    return ax


def marginal_dots(marginals: Mapping[str, Iterable[float]], variables: Iterable[str], ax=None,
                  ylabel: str = "P(x = 1)", title: str | None = None,
                  styles: Mapping[str, dict] | None = None):
    r"""One marker per (method, variable): ``marginals[method][i]`` over ``variables[i]``.

    For comparing approximations of the same marginals (exact, mean field, BP, …) side by
    side; methods are shifted slightly left to right so that equal values stay visible.
    """
    variables = list(variables)
    if ax is None:
        _, ax = plt.subplots(figsize=(max(5.0, 1.5 + 0.6 * len(variables)), 3.6))
    styles = dict(styles or {})
    methods = list(marginals)
    width = 0.5
    for k, method in enumerate(methods):
        values = np.asarray(list(marginals[method]), dtype=float)
        if values.shape != (len(variables),):
            raise ValueError(f"{method!r} has {values.size} values for {len(variables)} variables")
        shift = (k - (len(methods) - 1) / 2) * width / max(len(methods) - 1, 1)
        ax.plot(np.arange(len(variables)) + shift, values, linestyle="none", label=method,
                **{"marker": "os^Dv"[k % 5], "ms": 7, **styles.get(method, {})})
    ax.set_xticks(range(len(variables)), variables)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", color="#e4e4e4")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, ncols=min(len(methods), 4), loc="lower left",
              bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2)
    if title:
        ax.set_title(title, fontsize=11, pad=24)
    return ax


#: Errors below this are drawn at this height on the log axis (exact zeros have no logarithm).
ERROR_FLOOR = 1e-16


def ipf_progress(errors, table, iteration: int = 0, targets: tuple | None = None, axes=None,
                 title: str | None = None) -> dict:
    r"""IPF on a two-way table: the constraint error per cycle (left, log scale), the table (right).

    ``errors[t]`` is the largest marginal violation ``max_A max |q_t,A − t_A|`` after ``t``
    cycles (``t = 0``: the start), drawn in full as a faint line and up to ``iteration`` in
    colour (zeros at :data:`ERROR_FLOOR`). ``table`` is the current ``q_t`` (2-D), shown as
    an image with its entries; its row sums are written on the right and its column sums
    below, next to the ``targets = (row targets, column targets)`` if given. Returns the
    artists for :func:`update_ipf_progress`.
    """
    table = np.asarray(table, dtype=float)
    if table.ndim != 2:
        raise ValueError(f"ipf_progress draws a two-way table, got shape {table.shape}")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 4.0), gridspec_kw={"width_ratios": [1.1, 1]})
    ax_e, ax_t = axes
    shown = np.maximum(np.asarray(errors, dtype=float), ERROR_FLOOR)
    steps = np.arange(len(shown))
    ax_e.semilogy(steps, shown, "-", color="#bbbbbb", lw=1.0, label="all cycles")
    (done,) = ax_e.semilogy([], [], "-o", color="#3b5b92", ms=4, lw=1.6, label="cycles run")
    (now,) = ax_e.semilogy([], [], "o", color="#c0392b", ms=9, label="current")
    plain_log_labels(ax_e, minor_ticks=False)
    ax_e.set_xlabel("IPF cycles t")
    ax_e.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax_e.set_ylabel("max marginal error (log scale)")
    ax_e.set_ylim(ERROR_FLOOR / 3, 3 * max(float(shown.max()), 1e-3))
    ax_e.grid(True, which="major", color="#e4e4e4")
    ax_e.legend(fontsize=8, frameon=False, loc="upper right")
    rows, cols = table.shape
    image = ax_t.imshow(table, cmap="Blues", vmin=0.0, vmax=float(table.max()) * 1.6 + 1e-12)
    cells = [[ax_t.text(j, i, "", ha="center", va="center", fontsize=9)
              for j in range(cols)] for i in range(rows)]
    row_sums = [ax_t.text(cols - 0.3, i, "", ha="left", va="center", fontsize=8)
                for i in range(rows)]
    col_sums = [ax_t.text(j, rows - 0.35, "", ha="center", va="top", fontsize=8)
                for j in range(cols)]
    ax_t.set_xticks(range(cols))
    ax_t.set_yticks(range(rows))
    ax_t.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
    ax_t.xaxis.set_label_position("top")  # the column sums sit below the table
    ax_t.set_xlabel("column b")
    ax_t.set_ylabel("row a")
    ax_t.set_xlim(-0.5, cols + 0.9)
    ax_t.set_ylim(rows + 0.5, -0.5)
    ax_t.spines[:].set_visible(False)
    artists = {"axes": (ax_e, ax_t), "done": done, "now": now, "errors": shown, "image": image,
               "cells": cells, "row_sums": row_sums, "col_sums": col_sums, "targets": targets}
    return update_ipf_progress(artists, table, iteration, title=title)


def update_ipf_progress(artists: dict, table, iteration: int, title: str | None = None) -> dict:
    r"""Show cycle ``iteration`` and its table ``q_t`` in :func:`ipf_progress`'s artists, in place.

    A row or column sum is written as ``sum / target``, in red while they differ at the three
    decimals shown (by more than 5e-4), else in green. Returns ``artists``.
    """
    table = np.asarray(table, dtype=float)
    shown = artists["errors"]
    t = min(max(int(iteration), 0), len(shown) - 1)
    artists["done"].set_data(np.arange(t + 1), shown[:t + 1])
    artists["now"].set_data([t], [shown[t]])
    artists["image"].set_data(table)
    for i, row in enumerate(artists["cells"]):
        for j, cell in enumerate(row):
            cell.set_text(f"{table[i, j]:.3f}")
    targets = artists["targets"]
    for sums, texts, k in ((table.sum(axis=1), artists["row_sums"], 0),
                           (table.sum(axis=0), artists["col_sums"], 1)):
        for n, (value, text) in enumerate(zip(sums, texts)):
            if targets is None:
                text.set_text(f"{value:.3f}")
                continue
            goal = float(targets[k][n])
            text.set_text(f"{value:.3f}\n/ {goal:.3f}" if k == 1 else f"{value:.3f} / {goal:.3f}")
            text.set_color("#c0392b" if abs(value - goal) > 5e-4 else "#2e7d32")
    ax_e, ax_t = artists["axes"]
    ax_t.set_title(f"q_t after t = {t} cycles (sums / targets)", fontsize=10, pad=10)
    if title is not None:
        ax_e.figure.suptitle(title, fontsize=11)
    return artists


# ---------------------------------------------------------------- iterative adjoints (lesson 06)
__all__ += ["STATUS_COLORS", "STATUS_LABELS", "adjoint_status", "status_graph",
            "update_status_graph", "status_history", "sweeps_histogram", "convergence_plot",
            "update_convergence_plot", "eigenvalue_plot", "update_eigenvalue_plot",
            "training_curves"]

#: Colours of an adjoint's status after t steps: 0 still zero, 1 partial, 2 exact.
STATUS_COLORS = ("#e6e6e6", "#f6c85f", "#6dbf73")
STATUS_LABELS = ("still 0", "partial", "exact")  # partial: some paths have not arrived yet


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

    Colours: grey λ_i^(t) = 0, amber partial, green exact (see :func:`adjoint_status`).
    Edges i → k are drawn left to right (straight, or arcs when they skip a column), input
    nodes have an orange rim. Drawn with one scatter, one line collection and one label per
    node, so :func:`update_status_graph` only recolours: cheap enough for a slider.
    Returns ``{"ax", "names", "nodes", "labels", "edges", "title"}``.
    """
    from matplotlib.collections import LineCollection

    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 + 0.9 * (max(depths(g).values()) + 1), 3.4))
    pos = graph_layout(g)
    xy = np.array([pos[name] for name in g.order])
    curves = []
    for i, k in g.edges():
        span = pos[k][0] - pos[i][0]
        bend = 0.0 if span <= 1 else 0.12 + 0.03 * span  # arcs over the columns they skip
        curves.append(_edge_curve(pos[i], pos[k], bend))
    edges = ax.add_collection(LineCollection(curves, colors="#9aa3b2", linewidths=1.0, zorder=1))
    status = np.zeros(len(g), dtype=int) if status is None else np.asarray(status, dtype=int)
    rims = ["#a86b00" if name in g.inputs else "#3b5b92" for name in g.order]
    nodes = ax.scatter(xy[:, 0], xy[:, 1], s=520, c=[STATUS_COLORS[s] for s in status],
                       edgecolors=rims, linewidths=1.2, zorder=2)
    labels = [ax.text(x, y, name, ha="center", va="center", fontsize=8, zorder=3)
              for name, (x, y) in zip(g.order, xy)]
    top = max([xy[:, 1].max()] + [curve[:, 1].max() for curve in curves])  # arcs rise above
    ax.set_xlim(xy[:, 0].min() - 0.6, xy[:, 0].max() + 0.6)
    ax.set_ylim(xy[:, 1].min() - (1.0 if legend else 0.6), top + 0.5)
    ax.set_axis_off()
    if legend:
        handles = [plt.matplotlib.patches.Patch(facecolor=c, edgecolor="#555555", label=text)
                   for c, text in zip(STATUS_COLORS, STATUS_LABELS)]
        ax.legend(handles=handles, loc="lower center", ncols=3, fontsize=8, frameon=False)
    title_artist = ax.set_title(title or "", fontsize=10)
    return {"ax": ax, "names": tuple(g.order), "nodes": nodes, "labels": labels,
            "edges": edges, "title": title_artist}


def update_status_graph(artists: dict, status, title: str | None = None) -> dict:
    r"""Recolour the nodes of :func:`status_graph` in place (``status``: one code per node)."""
    status = np.asarray(status, dtype=int)
    if status.shape != (len(artists["names"]),):
        raise ValueError(f"status must have one entry per node ({len(artists['names'])}), "
                         f"got shape {status.shape}")
    artists["nodes"].set_facecolors([STATUS_COLORS[s] for s in status])
    if title is not None:
        artists["title"].set_text(title)
    return artists


def status_history(status, names: Iterable[str], t: int | None = None, ax=None,
                   step_label: str = "iteration t", title: str | None = None):
    r"""The status of every adjoint (rows, in ``names`` order) after every step (columns).

    ``status`` has shape (steps, n) as returned by :func:`adjoint_status`; ``t`` outlines
    one column. With the output last in ``names``, exactness climbs from the bottom row.
    """
    status = np.asarray(status, dtype=int)
    names = list(names)
    if ax is None:
        _, ax = plt.subplots(figsize=(1.8 + 0.3 * status.shape[0], 1.2 + 0.25 * len(names)))
    cmap = plt.matplotlib.colors.ListedColormap(STATUS_COLORS)
    ax.imshow(status.T, cmap=cmap, vmin=0, vmax=2, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xticks(range(status.shape[0]))
    ax.set_xlabel(step_label)
    if t is not None:
        ax.add_patch(plt.Rectangle((t - 0.5, -0.5), 1, len(names), fill=False,
                                   edgecolor="#c0392b", lw=2))
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def sweeps_histogram(sweeps: Iterable[int], marks: Mapping[str, int] | None = None, ax=None,
                     title: str | None = None):
    r"""How many orderings needed s sweeps, for every s; ``marks`` labels chosen orderings.

    ``marks`` maps a name (say "reverse topological") to its sweep count; each gets a
    labelled arrow from above the tallest bar down to its own.
    """
    sweeps = np.asarray(list(sweeps), dtype=int)
    marks = dict(marks or {})
    top = max([int(sweeps.max(initial=1))] + list(marks.values()))
    values = np.arange(1, top + 1)
    counts = np.array([(sweeps == s).sum() for s in values])
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.2))
    ax.bar(values, counts, color="#7ea6d8", edgecolor="#3b5b92")
    for s, c in zip(values, counts):
        if c:
            ax.text(s, c, str(c), ha="center", va="bottom", fontsize=8)
    height = max(counts.max(initial=1), 1)
    for k, (name, s) in enumerate(sorted(marks.items(), key=lambda item: item[1])):
        left = s <= (1 + top) / 2  # labels run inwards, away from the edges of the axes
        ax.annotate(name, xy=(s, 0), xytext=(s - 0.3 if left else s + 0.3,
                                             height * (1.08 + 0.1 * (k % 2))),
                    ha="left" if left else "right", fontsize=8, color="#c0392b",
                    arrowprops=dict(arrowstyle="->", color="#c0392b", lw=1.0,
                                    shrinkA=0, relpos=(0.0, 0.0) if left else (1.0, 0.0)))
    ax.set_xticks(values)
    ax.set_ylim(0, height * 1.35)
    ax.set_xlabel("sweeps until every adjoint is exact")
    ax.set_ylabel("number of orderings")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


def _decade_ticks(ax, low: float, high: float) -> None:
    r"""Few, plain-text labels on a fixed log axis (text is what costs time in a redraw).

    Labels at 10^k for k a multiple of 10 and at most four labelled ticks on the x axis.
    """
    ks = range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)
    ax.set_yticks([10.0**k for k in ks if k % 10 == 0],
                  ["1" if k == 0 else f"1e{k}" for k in ks if k % 10 == 0])
    ax.yaxis.set_minor_locator(plt.matplotlib.ticker.NullLocator())
    ax.xaxis.set_major_locator(plt.matplotlib.ticker.MaxNLocator(3, steps=[1, 2, 5, 10]))


def convergence_plot(errors, rho: float, ax=None, label: str | None = None, color=None,
                     fixed_range: tuple[float, float] | None = None,
                     title: str | None = None) -> dict:
    r"""Errors ‖x^(t) − x*‖ of an iteration on a log scale, beside the line ‖x^(0) − x*‖ ρ^t.

    Zero errors (nothing to take a log of) are left out. Several calls may share one Axes.
    ``fixed_range=(low, high)`` fixes the y-range and labels every fifth decade (for live
    updates). Returns ``{"ax", "error", "rate"}`` for :func:`update_convergence_plot`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.4))
    (error,) = ax.semilogy([], [], "-", marker=".", ms=4, lw=1.4, color=color,
                           label=label or "error ‖λ^(t) − λ‖")
    (rate,) = ax.semilogy([], [], "--", lw=1.0, color=error.get_color(),
                          label="‖λ^(0) − λ‖ ρ^t" if label is None else None)
    ax.set_xlabel("iteration t")
    ax.set_ylabel("error (log scale)")
    plain_log_labels(ax, minor_ticks=False)
    if fixed_range is not None:
        ax.set_ylim(*fixed_range)
        ax.set_autoscale_on(False)
        _decade_ticks(ax, *fixed_range)
    ax.grid(True, which="major", color="#e3e3e3")
    if title:
        ax.set_title(title, fontsize=10)
    artists = {"ax": ax, "error": error, "rate": rate}
    update_convergence_plot(artists, errors, rho)
    return artists


def update_convergence_plot(artists: dict, errors, rho: float, title: str | None = None) -> dict:
    r"""Put new errors and a new rate ρ into :func:`convergence_plot`'s lines, in place."""
    errors = np.asarray(errors, dtype=float)
    t = np.arange(errors.size)
    shown = np.where(errors > 0, errors, np.nan)  # a log axis has no place for 0
    artists["error"].set_data(t, shown)
    with np.errstate(over="ignore", under="ignore"):
        line = errors[0] * float(rho) ** t.astype(float) if errors.size else errors
    artists["rate"].set_data(t, np.where(line > 0, line, np.nan))
    ax = artists["ax"]
    if ax.get_autoscale_on():
        ax.relim()
        ax.autoscale_view()
    else:
        ax.set_xlim(0, max(errors.size - 1, 1))
    if title is not None:
        ax.set_title(title, fontsize=10)
    return artists


def eigenvalue_plot(eigenvalues, ax=None, radius: float = 2.0, title: str | None = None,
                    ticks: bool = True) -> dict:
    r"""Eigenvalues μ of a matrix in the complex plane, with the unit circle |μ| = 1.

    The iteration x ← v + Mx converges iff every μ lies inside the circle. The axes span
    ±``radius``; ``ticks=False`` leaves out tick labels (faster live updates). Returns
    ``{"ax", "points"}`` for :func:`update_eigenvalue_plot`.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(3.4, 3.4))
    theta = np.linspace(0.0, 2 * np.pi, 121)
    ax.plot(np.cos(theta), np.sin(theta), "-", color="#888888", lw=1.0)
    ax.plot([-radius, radius, np.nan, 0, 0], [0, 0, np.nan, -radius, radius], color="#cccccc",
            lw=0.8)  # the real and imaginary axes
    points = ax.scatter([], [], s=30, color="#c0392b", zorder=3)
    ax.set_aspect("equal")
    ax.set_xlim(-radius, radius)
    ax.set_ylim(-radius, radius)
    ax.set_xticks([-1, 0, 1] if ticks else [])
    ax.set_yticks([-1, 0, 1] if ticks else [])
    if ticks:
        ax.set_xlabel("Re μ")
        ax.set_ylabel("Im μ")
    ax.set_title(title or "eigenvalues μ of J", fontsize=10)
    artists = {"ax": ax, "points": points}
    update_eigenvalue_plot(artists, eigenvalues)
    return artists


def update_eigenvalue_plot(artists: dict, eigenvalues) -> dict:
    r"""Move the points of :func:`eigenvalue_plot` to new eigenvalues, in place."""
    mu = np.asarray(eigenvalues, dtype=complex).ravel()
    artists["points"].set_offsets(np.column_stack([mu.real, mu.imag]))
    return artists


def training_curves(losses, grad_norms, ax=None, title: str | None = None):
    r"""Loss ℓ and gradient norm ‖∇_θ ℓ‖ (the parameters' adjoints) per training step, log scale."""
    losses = np.asarray(losses, dtype=float)
    grad_norms = np.asarray(grad_norms, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.4))
    ax.semilogy(np.arange(losses.size), losses, "-", lw=1.4, color="#3b5b92", label="loss ℓ")
    ax.semilogy(np.arange(grad_norms.size), grad_norms, "-", lw=1.4, color="#c0392b",
                label="gradient norm ‖∂ℓ/∂θ‖")
    plain_log_labels(ax)
    ax.set_xlabel("training step")
    ax.set_ylabel("log scale")
    ax.grid(True, which="major", color="#e3e3e3")
    ax.legend(fontsize=9)
    if title:
        ax.set_title(title, fontsize=10)
    return ax
