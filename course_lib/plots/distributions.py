r"""Distributions: the probability simplex, contour maps, and IPF fitting a table to its margins.

Lesson 08's pictures. Points and curves take their style from the caller (``styles``) and fall
back on the palette's cycle of colours and markers (:mod:`course_lib.plots.palette`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np

from course_lib.plots import palette
from course_lib.plots.describe import describe
from course_lib.plots.log_axes import plain_log_labels

__all__ = ["SIMPLEX_CORNERS", "simplex_xy", "simplex_picture", "contour_map", "ERROR_FLOOR",
           "ipf_progress", "update_ipf_progress", "ipf_table_text"]

# ---------------------------------------------------------------- KL projections (lesson 08)
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
    ax.plot(corners[:, 0], corners[:, 1], color=palette.DARK_GREY, lw=1.0, zorder=1)
    offsets = [(-0.04, -0.05, "right"), (1.04, -0.05, "left"), (0.5, np.sqrt(3) / 2 + 0.04,
                                                                "center")]
    for (x, y, ha), label in zip(offsets, corner_labels):
        ax.text(x, y, label, ha=ha, va="center", fontsize=9, color=palette.DARK_GREY)
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
        k = len(ax.lines)
        ax.plot(xy[:, 0], xy[:, 1], label=label, zorder=3,
                **{"lw": 1.8, "color": palette.CYCLE[k % len(palette.CYCLE)],
                   "ls": palette.DASHES[k % len(palette.DASHES)], **styles.get(label, {})})
    for k, (label, q) in enumerate((points or {}).items()):
        x, y = simplex_xy(q)
        ax.plot([x], [y], linestyle="none", label=label, zorder=5,
                **{"marker": palette.MARKERS[k % len(palette.MARKERS)], "ms": 8,
                   "color": palette.CYCLE[k % len(palette.CYCLE)], "mec": palette.WHITE,
                   **styles.get(label, {})})
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.1, np.sqrt(3) / 2 + 0.1)
    ax.set_aspect("equal")
    ax.axis("off")
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False,
                  borderaxespad=0.0)
    if title:
        ax.set_title(title, fontsize=11)
    where = "; ".join(f"{label} at ({', '.join(f'{v:.2f}' for v in np.ravel(q))})"
                      for label, q in (points or {}).items() if not label.startswith("_"))
    shown = [label for label in [*(contours or {}), *(curves or {})] if not label.startswith("_")]
    describe(ax, f"The probability simplex of 3 states as a triangle (corners "
                 f"{', '.join(corner_labels)})"
                 + (f", with {', '.join(shown)}" if shown else "")
                 + (f"; points {where}" if where else "") + ".")
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
    filled = ax.contourf(x, y, values, levels=12 if levels is None else levels,
                         cmap=palette.SEQUENTIAL + "_r")
    ax.figure.colorbar(filled, ax=ax, label=colorbar_label, shrink=0.9)
    for label, (px, py) in (points or {}).items():
        ax.plot([px], [py], linestyle="none", label=label,
                **{"marker": "o", "ms": 8, "mec": palette.WHITE, "color": palette.MARK,
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
    where = "; ".join(f"{label} at ({px:.3g}, {py:.3g})" for label, (px, py) in
                      (points or {}).items())
    describe(ax, f"Filled contour map of {colorbar_label or 'a function'} over {xlabel or 'x'} "
                 f"and {ylabel or 'y'}, values from {np.nanmin(values):.3g} to "
                 f"{np.nanmax(values):.3g} (viridis: dark high, light low)"
                 + (f"; points {where}" if where else "") + ".")
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
    ax_e.semilogy(steps, shown, ":", color=palette.LIGHT_GREY, lw=1.0, label="all cycles")
    # zorder just above the faint full line: a live frame redraws these two, not that one
    (done,) = ax_e.semilogy([], [], "-o", color=palette.BLUE, ms=4, lw=1.6, label="cycles run",
                            zorder=2.1)
    (now,) = ax_e.semilogy([], [], "D", color=palette.MARK, ms=9, label="current", zorder=2.1)
    plain_log_labels(ax_e, minor_ticks=False)
    ax_e.set_xlabel("IPF cycles t")
    ax_e.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax_e.set_ylabel("max marginal error (log scale)")
    ax_e.set_ylim(ERROR_FLOOR / 3, 3 * max(float(shown.max()), 1e-3))
    ax_e.grid(True, which="major", color=palette.GRID)
    ax_e.legend(fontsize=8, frameon=False, loc="upper right").set_zorder(1.9)  # under the
    # lines (errors fall from the upper left, clear of it): a live redraw leaves it alone
    rows, cols = table.shape
    image = ax_t.imshow(table, cmap=palette.SEQUENTIAL_SAFE + "_r", vmin=0.0,  # light cells:
                        vmax=float(table.max()) / palette.TABLE_RANGE + 1e-12,  # ink reads on them
                        zorder=2)  # above the axis (1.5): a live redraw leaves the ticks alone
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
    ax_t.set_xlabel("column b  (sums vs targets)")  # drawn once; the title is short
    ax_t.set_ylabel("row a")
    ax_t.set_xlim(-0.5, cols + 0.9)
    ax_t.set_ylim(rows + 0.5, -0.5)
    ax_t.spines[:].set_visible(False)
    ax_t.set_title(" ", fontsize=10, pad=10)  # its text is set by update_ipf_progress
    artists = {"axes": (ax_e, ax_t), "done": done, "now": now, "errors": shown, "image": image,
               "cells": cells, "row_sums": row_sums, "col_sums": col_sums, "targets": targets}

    def errors_text() -> str:
        t = int(done.get_xdata()[-1])
        return (f"Largest marginal error of IPF against cycle t on a log scale, "
                f"{len(shown) - 1} cycles from {shown[0]:.3g} to {shown[-1]:.3g}; the cycles run "
                f"so far are drawn in blue up to t = {t} (error {shown[t]:.3g}, diamond).")

    def table_text() -> str:
        entries = "; ".join(", ".join(cell.get_text() for cell in row) for row in cells)
        sums = lambda texts: ", ".join(text.get_text().replace("\n", " ") for text in texts)
        return (f"The {rows} × {cols} table q_t, row by row: {entries}. Row sums: "
                f"{sums(row_sums)}. Column sums: {sums(col_sums)}.")

    describe(ax_e, errors_text)
    describe(ax_t, table_text)
    return update_ipf_progress(artists, table, iteration, title=title)


def _relation(value: float, goal: float) -> str:
    r"""``≠`` while a sum and its target differ at the three decimals shown (by more than
    5e-4), else ``=``."""
    return "≠" if abs(value - goal) > 5e-4 else "="


def ipf_table_text(table, iteration: int, targets: tuple | None = None) -> str:
    r"""The table ``q_t`` after ``iteration`` cycles as preformatted text: its entries, each row
    sum against its target and each column sum against its target (``sum = target`` or
    ``sum ≠ target``, as :func:`update_ipf_progress` writes them). A live IPF panel shows this
    under its picture: numbers as text a screen reader reads and a student can copy."""
    table = np.asarray(table, dtype=float)
    if table.ndim != 2:
        raise ValueError(f"ipf_table_text writes a two-way table, got shape {table.shape}")
    rows, cols = table.shape
    row_goals, col_goals = targets if targets is not None else (None, None)
    lines = [f"q_t after t = {int(iteration)} cycles",
             "         " + "".join(f"{'b = ' + str(j):<9}" for j in range(cols)) + "row sum"]
    for i in range(rows):
        total = float(table[i].sum())
        against = "" if row_goals is None else \
            f" {_relation(total, float(row_goals[i]))} {float(row_goals[i]):.3f}"
        lines.append(f"{'a = ' + str(i):<9}" + "".join(f"{v:<9.3f}" for v in table[i])
                     + f"{total:.3f}{against}")
    sums = table.sum(axis=0)
    lines.append("col sum  " + "".join(f"{v:<9.3f}" for v in sums))
    if col_goals is not None:
        lines.append("target   " + "".join(
            f"{_relation(float(v), float(g))} {float(g):<7.3f}" for v, g in zip(sums, col_goals)))
    return "\n".join(line.rstrip() for line in lines)


def update_ipf_progress(artists: dict, table, iteration: int, title: str | None = None) -> dict:
    r"""Show cycle ``iteration`` and its table ``q_t`` in :func:`ipf_progress`'s artists, in place.

    A row or column sum is written as ``sum ≠ target`` in vermillion while they differ at the
    three decimals shown (by more than 5e-4), else as ``sum = target`` in blue: the sign says
    it, the colour repeats it. Each entry is written in ink or white, whichever reads better
    on its cell. Returns ``artists``.
    """
    table = np.asarray(table, dtype=float)
    shown = artists["errors"]
    t = min(max(int(iteration), 0), len(shown) - 1)
    artists["done"].set_data(np.arange(t + 1), shown[:t + 1])
    artists["now"].set_data([t], [shown[t]])
    artists["image"].set_data(table)
    image = artists["image"]
    for i, row in enumerate(artists["cells"]):
        for j, cell in enumerate(row):
            cell.set_text(f"{table[i, j]:.3f}")
            cell.set_color(palette.text_on(image.cmap(image.norm(table[i, j]))))
    targets = artists["targets"]
    for sums, texts, k in ((table.sum(axis=1), artists["row_sums"], 0),
                           (table.sum(axis=0), artists["col_sums"], 1)):
        for n, (value, text) in enumerate(zip(sums, texts)):
            if targets is None:
                text.set_text(f"{value:.3f}")
                continue
            goal = float(targets[k][n])
            sign = _relation(value, goal)
            text.set_text(f"{value:.3f}\n{sign} {goal:.3f}" if k == 1
                          else f"{value:.3f} {sign} {goal:.3f}")
            text.set_color(palette.OFF_TARGET if sign == "≠" else palette.ON_TARGET)
    ax_e, ax_t = artists["axes"]
    ax_t.title.set_text(f"q_t after t = {t} cycles")  # placed by ipf_progress
    if title is not None:
        ax_e.figure.suptitle(title, fontsize=11)
    return artists


