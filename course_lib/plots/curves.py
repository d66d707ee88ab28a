r"""Curves: measurements against size, iterations converging, beliefs and losses over time.

Each function takes ``ax=None`` (or ``axes``) and returns the Axes, or — for the curves a
live panel moves — a dict of the artists its ``update_*`` partner changes in place. Series
differ in marker and line style as well as colour (:mod:`course_lib.plots.palette`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from course_lib.plots import palette
from course_lib.plots.describe import describe
from course_lib.plots.log_axes import decade_ticks, plain_log_labels
from course_lib.plots.span_axes import SpanAxes, round_span

__all__ = ["loglog_scaling", "bp_trajectories", "update_bp_trajectories", "series_plot",
           "convergence_plot", "update_convergence_plot", "eigenvalue_plot",
           "update_eigenvalue_plot", "training_curves"]


def _range_text(values) -> str:
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return "no finite values"
    return f"from {finite[0]:.3g} to {finite[-1]:.3g}"


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
    described = []
    for k, (name, ys) in enumerate(series.items()):
        ys = np.asarray(list(ys), dtype=float)
        if ys.shape != sizes.shape:
            raise ValueError(f"series {name!r} has {ys.size} values for {sizes.size} sizes")
        ax.loglog(sizes, ys, marker=palette.MARKERS[k % len(palette.MARKERS)],
                  color=palette.CYCLE[k % len(palette.CYCLE)], label=name)
        described.append(f"{name} {_range_text(ys)}")
        first = ys if first is None else first
    if slope is not None and first is not None:
        ref = first[-1] * (sizes / sizes[-1]) ** slope
        ax.loglog(sizes, ref, "--", color=palette.MID_GREY, label=f"∝ n^{slope:g}")
    plain_log_labels(ax, "both")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color=palette.GRID)
    ax.legend()
    if title:
        ax.set_title(title)
    describe(ax, f"Log–log plot of {ylabel} against {xlabel} for {sizes[0]:.3g} to "
                 f"{sizes[-1]:.3g}: " + "; ".join(described)
                 + (f"; dashed reference line of slope {slope:g}." if slope is not None else "."))
    return ax


#: At most about this many markers per belief curve (every k-th iteration on longer runs):
#: enough to tell the curves apart, and a long run's markers would only blot its line.
MARKED = 80


def bp_trajectories(history, residuals, exact: Mapping | None = None, state: int = 1,
                    tol: float | None = None, axes=None) -> dict:
    r"""Beliefs ``q_t(x = state)`` against iteration t (left) and message changes on a log scale (right).

    ``history[t] = {variable: belief}`` and ``residuals[t − 1] = max |μ_new − μ_old|`` as in
    :class:`course_lib.bp.BPResult`; ``exact`` (``{variable: marginal}``) adds a dashed line per
    variable, ``tol`` a dotted line. Both x axes run 0 … a round span (:class:`SpanAxes`: the
    curves are scaled to it, the limits never move). Returns the artists for
    :func:`update_bp_trajectories`: ``{"axes", "beliefs", "exact", "residual", "tol",
    "spans"}`` (``spans`` the two :class:`SpanAxes`).
    """
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10.0, 3.6))
    ax_b, ax_r = axes
    names = list(history[0]) if history else list(exact or {})
    beliefs, exact_lines = {}, {}
    for k, v in enumerate(names):
        c = palette.CYCLE[k % len(palette.CYCLE)]
        (beliefs[v],) = ax_b.plot([], [], "-", marker=palette.MARKERS[k % len(palette.MARKERS)],
                                  ms=3.5, lw=1.2, color=c, label=v)
        if exact is not None:
            (exact_lines[v],) = ax_b.plot([], [], "--", lw=1.0, color=c, alpha=0.8)
    ax_b.set_ylim(-0.03, 1.03)
    ax_b.set_xlabel("iteration t")
    ax_b.set_ylabel(f"belief q_t(x = {state})")
    handles, labels = list(beliefs.values()), list(names)
    if exact is not None:
        handles.append(Line2D([], [], ls="--", lw=1.0, color=palette.DARK_GREY))
        labels.append("exact")
    # The legends sit above the axes, clear of the lines: drawn under them (zorder 1.9), a live
    # redraw of the lines leaves them alone.
    ax_b.legend(handles, labels, loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8,
                ncols=min(len(labels), 5), frameon=False, borderaxespad=0.2).set_zorder(1.9)
    (residual,) = ax_r.semilogy([], [], "-", marker=".", ms=3, color=palette.BLUE)
    plain_log_labels(ax_r, minor_ticks=False)
    tol_line = ax_r.axhline(tol, ls=":", color=palette.MARK, label=f"tol = {tol:g}") \
        if tol is not None else None
    ax_r.set_xlabel("iteration t")
    ax_r.set_ylabel("largest message change (log scale)")
    ax_r.grid(True, which="major", color=palette.GRID)
    if tol_line is not None:
        ax_r.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False,
                    borderaxespad=0.2).set_zorder(1.9)
    ax_b.set_autoscale_on(False)  # limits are set here and by update_bp_trajectories
    ax_r.set_autoscale_on(False)
    spans = (SpanAxes(ax_b, x=True), SpanAxes(ax_r, x=True))  # x: iterations 0 … span
    spans[0].add(*beliefs.values(), *exact_lines.values())
    spans[1].add(residual)
    artists = {"axes": (ax_b, ax_r), "beliefs": beliefs, "exact": exact_lines,
               "residual": residual, "tol": tol_line, "state": state, "spans": spans}

    def beliefs_text() -> str:
        lines = "; ".join(f"{v} {_range_text(line.get_ydata())}"
                          for v, line in artists["beliefs"].items())
        exact_text = "; ".join(f"{v} {float(line.get_ydata()[0]):.3f}"
                               for v, line in artists["exact"].items() if len(line.get_ydata()))
        return (f"Beliefs q_t(x = {state}) of each variable against iteration t (one marker "
                f"shape per variable): {lines}."
                + (f" Exact marginals (dashed): {exact_text}." if exact_text else ""))

    def residual_text() -> str:
        res = artists["residual"].get_ydata()
        return (f"Largest message change per iteration on a log scale, {len(res)} iterations, "
                f"{_range_text(res)}" + (f"; dotted line at tol = {tol:g}." if tol else "."))

    describe(ax_b, beliefs_text)
    describe(ax_r, residual_text)
    update_bp_trajectories(artists, history, residuals, exact)
    return artists


def update_bp_trajectories(artists: dict, history, residuals, exact: Mapping | None = None,
                           title: str | None = None, span: int | None = None) -> dict:
    r"""Redraw :func:`bp_trajectories` in place for a new run (same variables); returns ``artists``.

    ``span`` sets the x-range to iterations 0 … span (say a round number at or above the
    iteration cap); by default it is :func:`round_span` of the run's own length. Only the curves
    and the x tick labels change (:class:`SpanAxes`); the residual axis runs from a power of ten
    at or below the smallest change shown, so that runs share it.
    """
    ax_b, ax_r = artists["axes"]
    state = artists["state"]
    steps = np.arange(len(history))
    for v, line in artists["beliefs"].items():
        line.set_data(steps, [float(np.ravel(h[v])[state]) for h in history])
        line.set_markevery(max(1, len(history) // MARKED))  # enough to tell the curves apart
    last = round_span(max(len(history) - 1, 1)) if span is None else span
    if not (isinstance(last, int | float | np.integer | np.floating) and last > 0):
        raise ValueError(f"span must be a positive number of iterations, got {span!r}")
    for v, line in artists["exact"].items():
        if exact is not None:
            line.set_data([0, last], [float(np.ravel(exact[v])[state])] * 2)
    for axis_span in artists["spans"]:
        axis_span.set_spans(x=last)
    res = np.asarray(residuals, dtype=float)
    artists["residual"].set_data(np.arange(1, len(res) + 1), res)
    shown = res[res > 0]
    low = min(shown.min() if shown.size else 1e-12, 1e-12)
    if artists["tol"] is not None:
        low = min(low, artists["tol"].get_ydata()[0] / 10)
    high = max(shown.max() if shown.size else 1.0, 1.0)
    ax_r.set_ylim(10.0 ** math.floor(math.log10(low)), 2 * high)
    if title is not None:
        ax_b.figure.suptitle(title, fontsize=11)
    return artists


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
        k = len(ax.lines)  # defaults: one colour and dash pattern per series, in order
        ax.plot(x, ys, label=label, **{"lw": 1.8, "color": palette.CYCLE[k % len(palette.CYCLE)],
                                       "ls": palette.DASHES[k % len(palette.DASHES)],
                                       **styles.get(label, {})})
    if reference is not None:
        ax.axhline(reference, ls="--", lw=1.0, color=palette.MID_GREY,
                   label=reference_label or None)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    for log, axis in ((logx, "x"), (logy, "y")):
        if log:
            plain_log_labels(ax, axis)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", color=palette.GRID)
    ax.spines[["top", "right"]].set_visible(False)
    if series:
        ax.legend(fontsize=8, frameon=False, loc=legend_loc)
    if title:
        ax.set_title(title, fontsize=11)
    lines = "; ".join(f"{label} {_range_text(ys)}" for label, ys in series.items())
    describe(ax, f"Line plot of {ylabel or 'values'} against {xlabel or 'x'}"
                 f"{' (log scales)' if logx or logy else ''}: {lines}"
                 + (f"; dashed level line at {reference:.3g}." if reference is not None else "."))
    return ax


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
    (error,) = ax.semilogy([], [], "-", marker=".", ms=4, lw=1.4,
                           color=palette.BLUE if color is None else color,
                           label=label or "error ‖λ^(t) − λ‖")
    (rate,) = ax.semilogy([], [], "--", lw=1.0, color=error.get_color(),
                          label="‖λ^(0) − λ‖ ρ^t" if label is None else None)
    ax.set_xlabel("iteration t")
    ax.set_ylabel("error (log scale)")
    plain_log_labels(ax, minor_ticks=False)
    if fixed_range is not None:
        ax.set_ylim(*fixed_range)
        ax.set_autoscale_on(False)
        decade_ticks(ax, *fixed_range)
    ax.grid(True, which="major", color=palette.GRID)
    if title:
        ax.set_title(title, fontsize=10)
    artists = {"ax": ax, "error": error, "rate": rate}

    def text() -> str:
        errs = [line for line in ax.lines if line.get_linestyle() == "-"]
        curves = "; ".join(f"{line.get_label()} {_range_text(line.get_ydata())}"
                           for line in errs)
        return (f"Errors of an iteration against iteration t on a log scale, each beside a "
                f"dashed line falling like ρ^t: {curves}.")

    describe(ax, text)
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
    ax.plot(np.cos(theta), np.sin(theta), "-", color=palette.MID_GREY, lw=1.0)
    ax.plot([-radius, radius, np.nan, 0, 0], [0, 0, np.nan, -radius, radius],
            color=palette.AXIS_GREY,
            lw=0.8)  # the real and imaginary axes
    points = ax.scatter([], [], s=30, color=palette.MARK, marker="D", zorder=3)
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

    def text() -> str:
        mu = points.get_offsets()
        moduli = np.hypot(mu[:, 0], mu[:, 1]) if len(mu) else np.zeros(0)
        inside = int((moduli < 1).sum())
        return (f"Eigenvalues in the complex plane with the unit circle: {len(mu)} eigenvalues, "
                f"{inside} inside the circle, largest modulus "
                f"{moduli.max() if len(mu) else 0:.3f}.")

    describe(ax, text)
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
    ax.semilogy(np.arange(losses.size), losses, "-", lw=1.4, color=palette.BLUE, label="loss ℓ")
    ax.semilogy(np.arange(grad_norms.size), grad_norms, "--", lw=1.4, color=palette.VERMILLION,
                label="gradient norm ‖∂ℓ/∂θ‖")
    plain_log_labels(ax)
    ax.set_xlabel("training step")
    ax.set_ylabel("log scale")
    ax.grid(True, which="major", color=palette.GRID)
    ax.legend(fontsize=9)
    if title:
        ax.set_title(title, fontsize=10)
    describe(ax, f"Loss (solid) and gradient norm (dashed) against training step on a log "
                 f"scale over {losses.size} steps: loss {_range_text(losses)}, gradient norm "
                 f"{_range_text(grad_norms)}.")
    return ax
