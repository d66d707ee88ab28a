r"""Bars and dots: marginals P(X = v | e), named values, comparisons of methods, histograms.

Bars that update in place (:func:`marginal_bars`, :func:`named_bars`) carry a gid per bar and
value label so their ``update_*`` partner can find them. An observed variable's bars are
orange *and* hatched, and its observed value outlined: not told by colour alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from course_lib.plots import palette
from course_lib.plots.describe import describe

__all__ = ["marginal_bars", "update_marginal_bars", "named_bars", "update_named_bars",
           "marginal_dots", "sweeps_histogram"]


def _bar_values(ax) -> str:
    r"""``name value`` for every bar with a gid, as its value label shows it."""
    labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    return ", ".join(f"{p.get_gid()} {labels.get(p.get_gid(), '')}".strip()
                     for p in ax.patches if p.get_gid())
# ---------------------------------------------------------------- marginals as bars


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
    bars = ax.bar(positions, np.zeros(len(keys)), width=0.8, color=palette.UNOBSERVED_BAR,
                  zorder=2)  # above the axis (1.5): a live redraw leaves the ticks alone
    for bar, (var, v), pos in zip(bars, keys, positions):
        bar.set_gid(f"{var}={v}")
        ax.text(pos, 0.0, "", ha="center", va="bottom", fontsize=9, gid=f"{var}={v}")
    ax.set_xticks(positions, ticks)
    ax.set_ylim(0, 1.22)
    ax.set_ylabel("probability")
    ax.spines[["top", "right"]].set_visible(False)
    handles = [Patch(color=palette.UNOBSERVED_BAR, label="unobserved: P(X | e)"),
               Patch(facecolor=palette.OBSERVED_BAR, edgecolor=palette.INK,
                     hatch=palette.OBSERVED_HATCH,
                                            label="observed (value outlined): P(X | e \\ X)")]
    ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncols=2,
              bbox_to_anchor=(0.0, 1.02), handlelength=1.2, columnspacing=1.0)
    describe(ax, lambda: "Bar chart of the marginal probability of each state X=v "
                         "(observed variables orange and hatched, the observed value outlined): "
                         + _bar_values(ax) + ".")
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
            bar.set_facecolor(palette.OBSERVED_BAR if seen else palette.UNOBSERVED_BAR)
            bar.set_hatch(palette.OBSERVED_HATCH if seen else None)
            is_value = seen and observed[var] == v
            bar.set_edgecolor(palette.INK if is_value else palette.WHITE if seen else "none")
            bar.set_linewidth(2.0 if is_value else 0.0)
            labels[key].set_position((bar.get_x() + bar.get_width() / 2, p + 0.01))
            labels[key].set_text(f"{p:.2f}")
    if title is not None:
        ax.set_title(title)
    return ax


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
    bars = ax.bar(range(len(names)), np.zeros(len(names)), width=0.7, zorder=2,
                  color=[palette.CYCLE[k % len(palette.CYCLE)] for k in range(len(names))])
    for k, (bar, name) in enumerate(zip(bars, names)):
        bar.set_gid(name)
        ax.text(k, 0.0, "", ha="center", va="bottom", fontsize=9, gid=name)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(ylabel)
    ax.spines[["top", "right"]].set_visible(False)
    if reference is not None:
        ax.axhline(reference, ls="--", color=palette.MID_GREY, lw=1.0, label=reference_label,
                   gid="reference")
        if reference_label:
            ax.legend(loc="upper right", fontsize=8, frameon=False)
    def text() -> str:
        level = [line for line in ax.lines if line.get_gid() == "reference"]
        line = (f"; dashed line {reference_label or 'reference'} at "
                f"{float(level[0].get_ydata()[0]):.3g}" if level else "")
        return f"Bar chart of {ylabel or 'values'}, one labelled bar each: {_bar_values(ax)}{line}."

    describe(ax, text)
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
                **{"marker": palette.MARKERS[k % len(palette.MARKERS)], "ms": 7,
                   "color": palette.CYCLE[k % len(palette.CYCLE)], **styles.get(method, {})})
    ax.set_xticks(range(len(variables)), variables)
    ax.set_ylabel(ylabel)
    ax.grid(True, axis="y", color=palette.GRID)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, ncols=min(len(methods), 4), loc="lower left",
              bbox_to_anchor=(0.0, 1.0), borderaxespad=0.2)
    if title:
        ax.set_title(title, fontsize=11, pad=24)
    rows = "; ".join(f"{method}: " + ", ".join(f"{v} {float(p):.3f}" for v, p in
                                               zip(variables, marginals[method]))
                     for method in methods)
    describe(ax, f"Dot plot of {ylabel} per variable, one marker shape per method: {rows}.")
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
    ax.bar(values, counts, color=palette.BAR_FACE, edgecolor=palette.BAR_EDGE)
    for s, c in zip(values, counts):
        if c:
            ax.text(s, c, str(c), ha="center", va="bottom", fontsize=8)
    height = max(counts.max(initial=1), 1)
    for k, (name, s) in enumerate(sorted(marks.items(), key=lambda item: item[1])):
        left = s <= (1 + top) / 2  # labels run inwards, away from the edges of the axes
        ax.annotate(name, xy=(s, 0), xytext=(s - 0.3 if left else s + 0.3,
                                             height * (1.08 + 0.1 * (k % 2))),
                    ha="left" if left else "right", fontsize=8, color=palette.MARK,
                    arrowprops=dict(arrowstyle="->", color=palette.MARK, lw=1.0,
                                    shrinkA=0, relpos=(0.0, 0.0) if left else (1.0, 0.0)))
    ax.set_xticks(values)
    ax.set_ylim(0, height * 1.35)
    ax.set_xlabel("sweeps until every adjoint is exact")
    ax.set_ylabel("number of orderings")
    if title:
        ax.set_title(title, fontsize=10)
    bars = ", ".join(f"{c} with {s}" for s, c in zip(values, counts) if c)
    marked = ", ".join(f"{name} {s}" for name, s in sorted(marks.items(), key=lambda i: i[1]))
    describe(ax, f"Histogram of the number of sweeps until every adjoint is exact over "
                 f"{sweeps.size} orderings: {bars}."
                 + (f" Marked with arrows: {marked} sweeps." if marked else ""))
    return ax


