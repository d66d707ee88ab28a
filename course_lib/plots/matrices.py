r"""Matrices: sparsity (spy) plots, and a triangular solve shown one row at a time.

:func:`spy` draws the pattern of a matrix — numpy, scipy.sparse, sympy or an object matrix of
blocks and operators — as filled squares: dark on the diagonal, blue off it, the row being
solved outlined. :func:`substitution_step` puts beside it the column of unknowns known so far
and the row's equation ``x_i = (b_i − Σ_j M_ij x_j) / M_ii`` (lesson 03).
"""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.transforms import offset_copy

from course_lib.plots import palette
from course_lib.plots.describe import describe
from course_lib.plots.graphs import STATUS_COLORS, STATUS_LABELS

__all__ = ["nonzero_pattern", "spy", "step_equation", "solution_column",
           "update_solution_column", "substitution_step", "show_substitution_step",
           "status_history"]


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


def _row_and_column_labels(ax, labels: list, n_rows: int, n_cols: int) -> None:
    r"""Name row i left of it and column j under it, as plain texts beside the cells.

    Tick labels would do the same at about twice the drawing cost (each tick is several
    artists, measured twice by a tight bounding box); the cell lines already mark the rows.
    """
    if len(labels) < max(n_rows, n_cols):
        raise ValueError(f"labels has {len(labels)} names for a {n_rows} × {n_cols} matrix")
    pad = 3.5  # points between the labels and the matrix
    under = offset_copy(ax.get_xaxis_transform(), fig=ax.figure, y=-pad, units="points")
    left = offset_copy(ax.get_yaxis_transform(), fig=ax.figure, x=-pad, units="points")
    for j in range(n_cols):  # zorder under the cells: a live frame never redraws them
        ax.text(j, 0, labels[j], rotation=90, ha="center", va="top", fontsize=8,
                transform=under, zorder=0.5)
    for i in range(n_rows):
        ax.text(0, i, labels[i], ha="right", va="center", fontsize=8, transform=left, zorder=0.5)


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
    cmap = matplotlib.colors.ListedColormap([palette.WHITE, palette.SPY_OFF_DIAGONAL,
                                             palette.SPY_DIAGONAL])
    ax.imshow(picture, cmap=cmap, vmin=0, vmax=2, interpolation="nearest")
    # cell borders as two line collections (a grid of minor ticks costs ~5 artists per line)
    ax.hlines(np.arange(n_rows + 1) - 0.5, -0.5, n_cols - 0.5, color=palette.CELL_LINE, lw=0.5)
    ax.vlines(np.arange(n_cols + 1) - 0.5, -0.5, n_rows - 0.5, color=palette.CELL_LINE, lw=0.5)
    ax.set_xticks([])
    ax.set_yticks([])
    if labels is not None:
        _row_and_column_labels(ax, list(labels), n_rows, n_cols)
    if highlight_row is not None:
        ax.add_patch(plt.Rectangle((-0.5, highlight_row - 0.5), n_cols, 1, fill=False,
                                   edgecolor=palette.CURRENT, lw=2.5, gid="current row",
                                   zorder=3))  # above the cell lines and the frame
    if title:
        ax.set_title(title)
    n_diagonal = int(m[diag, diag].sum())
    shape = ("upper triangular" if not np.tril(m, -1).any() else
             "lower triangular" if not np.triu(m, 1).any() else "not triangular")

    def text() -> str:
        outlined = [p for p in ax.patches if p.get_gid() == "current row"]
        row = (f" Row {int(round(outlined[0].get_y() + 0.5))} is outlined in vermillion."
               if outlined else "")
        return (f"Spy plot of a {n_rows} × {n_cols} matrix: {int(m.sum())} nonzero entries, "
                f"{n_diagonal} of them on the diagonal (dark), the others blue; {shape}.{row}")

    describe(ax, text)
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

    ``values[i]`` is a number, or None for an unknown not solved yet (shown as "?", grey);
    solved rows are shaded, row ``current`` is outlined in vermillion with a bold label (like
    :func:`spy`'s ``highlight_row``, so the column lines up with a matrix drawn beside it) and
    the rows in ``used`` (the x_j the current row reads) are outlined blue and dashed.
    :func:`update_solution_column` shows another step in place.
    """
    values = list(values)
    n = len(values)
    labels = [str(i) for i in range(n)] if labels is None else [str(x) for x in labels]
    if len(labels) != n:
        raise ValueError(f"labels has {len(labels)} names but there are {n} values")
    if ax is None:
        _, ax = plt.subplots(figsize=(2.6, min(6.0, 1.5 + 0.35 * n)))
    for i in range(n):  # every row's artists, shown or hidden by update_solution_column
        ax.add_patch(plt.Rectangle((0, i - 0.5), 1, 1, facecolor=palette.SOLVED_SHADE,
                                   edgecolor="none", gid=f"solved {i}"))
        ax.text(0.06, i, "", va="center", ha="left", fontsize=9, family="monospace",
                gid=f"{symbol}_{labels[i]} =")
    for i in range(n):
        ax.add_patch(plt.Rectangle((0.01, i - 0.45), 0.98, 0.9, fill=False,
                                   edgecolor=palette.USED, lw=1.8, ls="--", gid=f"used {i}"))
    ax.add_patch(plt.Rectangle((0.0, -0.5), 1, 1, fill=False, edgecolor=palette.CURRENT,
                               lw=2.5, gid="current"))
    ax.set_xlim(0, 1)
    ax.set_ylim(n - 0.5, -0.5)  # row 0 at the top, as in a matrix
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title).set_zorder(0.9)  # under the rows (1), clear of them: drawn once

    def text() -> str:
        rows = "; ".join(t.get_text() for t in ax.texts)
        now = [t.get_text().split(" =")[0] for t in ax.texts if t.get_fontweight() == "bold"]
        reads = [t.get_text().split(" =")[0] for t, p in zip(ax.texts, _row_patches(ax, "used"))
                 if p.get_visible()]
        return (f"Column of the {n} unknowns, solved ones shaded: {rows}."
                + (f" Solved now (outlined): {now[0]}." if now else "")
                + (f" It reads (dashed): {', '.join(reads)}." if reads else ""))

    describe(ax, text)
    return update_solution_column(ax, values, current, used, digits)


def _row_patches(ax, kind: str) -> list:
    return [p for p in ax.patches if (p.get_gid() or "").startswith(kind + " ")]


def update_solution_column(ax, values, current: int | None = None, used: Iterable[int] = (),
                           digits: int = 4):
    r"""Show other values, current row and used rows in a :func:`solution_column`, in place."""
    values = list(values)
    texts = [t for t in ax.texts if (t.get_gid() or "").endswith(" =")]
    if len(texts) != len(values):
        raise ValueError(f"the column has {len(texts)} rows but {len(values)} values were given")
    used = set(used)
    for i, (v, text, shade, outline) in enumerate(zip(values, texts, _row_patches(ax, "solved"),
                                                       _row_patches(ax, "used"))):
        known = v is not None
        shade.set_visible(known)
        outline.set_visible(i in used)
        text.set_text(f"{text.get_gid()} {_number_text(v, digits) if known else '?'}")
        text.set_color(palette.INK if known else palette.GREY)
        text.set_fontweight("bold" if i == current else "normal")
    (box,) = [p for p in ax.patches if p.get_gid() == "current"]
    box.set_visible(current is not None)
    box.set_y((current or 0) - 0.5)
    return ax


def substitution_step(matrix, step, labels: Iterable[str] | None = None, axes=None,
                      symbol: str = "λ", title: str | None = None, equation: bool = True):
    r"""One step of a triangular solve: the matrix with the row being solved outlined,
    the unknowns known so far beside it (row-aligned), and the row's equation below.

    ``step`` is a :class:`course_lib.substitution.SubstitutionStep` of ``matrix``; the text
    is :func:`step_equation`, the unknowns the row reads are outlined blue. Returns the two
    Axes ``(matrix_ax, column_ax)``; without ``axes`` a figure of fixed size is made, with
    ``title`` above it and (unless ``equation`` is false: a live panel writes it as text under
    the frame instead) the equation written under the matrix.
    """
    labels = None if labels is None else list(labels)
    n = len(step.solution)
    if nonzero_pattern(matrix).shape != (n, n):
        raise ValueError(f"the step has {n} unknowns but the matrix is not {n} × {n}")
    if axes is None:
        side = 3.808  # inches: the matrix box is square
        below = 1.176 if equation else 0.56  # room for the column names (and the equation)
        above = 0.616 if title else 0.36  # room for the Axes' titles (and the figure's)
        height = below + side + above
        fig = plt.figure(figsize=(9.0, height))
        ax_m = fig.add_axes([0.08, below / height, side / 9.0, side / height])
        ax_c = fig.add_axes([0.08 + side / 9.0 + 0.02, below / height, 0.32, side / height])
        if equation:
            fig.text(0.03, 0.015 * 5.6 / height, step_equation(step, labels, symbol),
                     family="monospace", fontsize=10, va="bottom", ha="left")
        if title:
            fig.suptitle(title)
    else:
        ax_m, ax_c = axes
    spy(matrix, labels, ax=ax_m, highlight_row=step.row)
    ax_m.set_title("the matrix: the row solved now is outlined")  # the same for every step,
    ax_m.title.set_zorder(2.9)  # under the outline (3), clear of it: a live frame leaves it be
    _show_solved(ax_m, ax_c, step, labels, symbol)
    return ax_m, ax_c


def _show_solved(ax_m, ax_c, step, labels: list | None, symbol: str) -> None:
    r"""The part of a :func:`substitution_step` figure beside the matrix that changes with the
    step: the column of unknowns (drawn on an empty ``ax_c``)."""
    used = [j for j, _, _ in step.terms]
    if ax_c.texts:  # the column is drawn: show this step in place
        update_solution_column(ax_c, step.solution, current=step.row, used=used)
    else:
        solution_column(step.solution, labels, current=step.row, used=used, ax=ax_c,
                        symbol=symbol, title=f"{symbol} known so far")


def show_substitution_step(axes, step, labels: Iterable[str] | None = None,
                           symbol: str = "λ", title: str | None = None) -> None:
    r"""Redraw a figure made by :func:`substitution_step` for another step of the same solve.

    Nothing is re-plotted: the matrix's outline moves to the new row, the column of unknowns
    shows the new values (:func:`update_solution_column`), and the equation and titles are
    rewritten.
    """
    ax_m, ax_c = axes
    labels = None if labels is None else list(labels)
    highlight = [p for p in ax_m.patches if p.get_gid() == "current row"]
    if len(highlight) != 1 or ax_m.images[0].get_array().shape[0] != len(step.solution):
        raise ValueError("axes were not made by substitution_step for a solve of this size")
    highlight[0].set_y(step.row - 0.5)
    _show_solved(ax_m, ax_c, step, labels, symbol)
    fig = ax_m.figure
    if fig.texts:  # the equation under the matrix, when substitution_step made the figure
        fig.texts[0].set_text(step_equation(step, labels, symbol))
    if title and fig._suptitle is not None:
        fig._suptitle.set_text(title)


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
    cmap = matplotlib.colors.ListedColormap(STATUS_COLORS)  # light to dark: 0, partial, exact
    ax.imshow(status.T, cmap=cmap, vmin=0, vmax=2, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xticks(range(status.shape[0]))
    ax.set_xlabel(step_label)
    if t is not None:
        ax.add_patch(plt.Rectangle((t - 0.5, -0.5), 1, len(names), fill=False,
                                   edgecolor=palette.CURRENT, lw=2))
    if title:
        ax.set_title(title, fontsize=10)
    last = status[-1]
    counts = ", ".join(f"{int((last == k).sum())} {STATUS_LABELS[k]}" for k in (2, 1, 0))
    exact_from = np.flatnonzero((status == 2).all(axis=1))
    describe(ax, f"Grid of the status of {len(names)} adjoints (rows {names[0]} to {names[-1]}) "
                 f"after each of {status.shape[0]} steps (columns), light grey still 0, orange "
                 f"partial, dark blue exact; after the last step {counts}"
                 + (f"; all exact from step {int(exact_from[0])}" if exact_from.size else "")
                 + (f". Step {t} is outlined." if t is not None else "."))
    return ax

