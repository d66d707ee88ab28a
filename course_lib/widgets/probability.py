r"""Widgets for the probabilistic lessons: evidence on an SPN (09), loopy BP and Hamming decoding
(07), IPF fitting a table to its margins (08).

Each is a thin wrapper: controls, a call into the math layer, and a :mod:`course_lib.plots`
function's artists updated in place inside a :func:`~course_lib.widgets.panels.live_panel`.
Where a change costs computation rather than drawing, the results are kept per control value
(:class:`Results`), so a value seen before costs only the redraw; the math layer's answers are
never changed, only not computed twice.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib import bp, hamming, kl, plots, spn
from course_lib.factor_graph import FactorGraph
from course_lib.plots.span_axes import round_span
from course_lib.widgets.panels import freeze_legends, live_panel

__all__ = ["Results", "evidence_explorer", "loopy_bp_explorer", "BPRun", "hamming_explorer",
           "ipf_explorer"]


class Results:
    r"""``compute(key)`` kept per key: the first call computes, later calls look it up."""

    def __init__(self, compute: Callable[[Hashable], object]) -> None:
        self.compute = compute
        self.kept: dict = {}

    def __call__(self, key: Hashable):
        if key not in self.kept:
            self.kept[key] = self.compute(key)
        return self.kept[key]


def evidence_explorer(root: spn.Node) -> widgets.VBox:
    r"""A Dropdown per variable (unobserved / 0 / 1 / …) and bars of every marginal.

    The bars show ``P(X = v | e) = ∂S/∂λ_{X=v}(e) / Σ_u ∂S/∂λ_{X=u}(e)`` from
    :func:`course_lib.spn.marginals` (for an observed X: ``P(X | e without X)``); under them,
    as text (the caption), the evidence and ``P(e) = S(e) / S(1)``. If the root is a sum of
    several children, a slider comes first: the root's weight ``w0`` on child 0, the other
    weights rescaled to ``1 − w0``.
    The bars are updated in place (:func:`live_panel`); the panel's ``axes`` attribute is
    the Axes they are drawn on.
    """
    if not isinstance(root, spn.Node):
        raise TypeError(f"root must be an SPN node, got {type(root).__name__}")
    states = spn.cardinalities(root)
    controls = []
    rest = 0.0
    if isinstance(root, spn.Sum) and len(root.children) > 1:
        total = sum(root.weights)
        start = root.weights[0] / total if total > 0 else 0.5
        rest = sum(root.weights[1:])
        controls.append(widgets.FloatSlider(value=start, min=0.0, max=1.0, step=0.05,
                                            description="root w0", readout_format=".2f",
                                            continuous_update=False))
    for var, k in states.items():
        options = [("unobserved", -1)] + [(str(v), v) for v in range(k)]
        controls.append(widgets.Dropdown(options=options, value=-1, description=var,
                                         layout=widgets.Layout(width="190px")))

    def network(state: dict) -> spn.Node:
        if "root w0" not in state:
            return root
        w0 = min(max(float(state["root w0"]), 0.0), 1.0)
        n_rest = len(root.children) - 1
        others = ([(1 - w0) * w / rest for w in root.weights[1:]] if rest > 0
                  else [(1 - w0) / n_rest] * n_rest)
        return spn.Sum(root.children, [w0, *others], name=root.name)

    def evidence(state: dict) -> dict[str, int]:
        return {var: state[var] for var in states if state[var] >= 0}

    def title(s: spn.Node, e: dict[str, int]) -> str:
        shown = ", ".join(f"{var}={v}" for var, v in e.items()) or "none"
        return f"evidence: {shown};  P(e) = {spn.value(s, e) / spn.value(s):.4f}"

    start_state = {c.description: c.value for c in controls}
    s0 = network(start_state)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 + 0.6 * sum(states.values())), 3.2))
    plots.marginal_bars(spn.marginals(s0), ax=ax)  # P(e) is the caption: text, not glyphs
    ax.get_legend().set_zorder(0.9)  # under the bars, clear of them: drawn once
    fig.tight_layout()

    def solve(key: tuple) -> tuple[dict, str]:
        state = dict(key)
        s, e = network(state), evidence(state)
        return spn.marginals(s, e), title(s, e)  # ValueError for P(e) = 0: shown, not kept

    solved = Results(solve)

    def update(state: dict) -> str:
        marginals, text = solved(tuple(sorted(state.items())))
        plots.update_marginal_bars(ax, marginals, observed=evidence(state))
        return text

    box = live_panel(controls, fig, update, changing=[*ax.patches, *ax.texts])
    box.axes = ax
    return box




# ---------------------------------------------------------------- belief propagation (lesson 07)
@dataclass(frozen=True)
class BPRun:
    r"""What the loopy-BP panel draws of a run: beliefs per iteration, residuals, the verdict."""

    history: list
    residuals: list
    iterations: int
    converged: bool
    marginals: dict

    @classmethod
    def first(cls, result, k: int) -> BPRun:
        r"""The first ``k`` iterations of a flooding run ``result`` (a ``bp.BPResult``).

        Equal to the run ``belief_propagation(..., max_iters=k)`` of the same graph, damping and
        tol would return, provided ``result`` converged or ran at least k iterations: flooding
        is deterministic, and a run that goes on past k had not converged by k (its residual
        after k iterations was still ≥ tol), so the shorter run stops at k unconverged with
        the beliefs of iteration k.
        """
        if not (result.converged or result.iterations >= k):
            raise ValueError(f"the run stopped unconverged after {result.iterations} "
                             f"iterations: it does not know iteration {k}")
        if k >= result.iterations:
            return cls(list(result.history), list(result.residuals), result.iterations,
                       bool(result.converged), dict(result.marginals))
        return cls(list(result.history[:k + 1]), list(result.residuals[:k]), k, False,
                   dict(result.history[k]))


def loopy_bp_explorer(model: Callable[[float], FactorGraph], coupling: float = -1.0,
                      coupling_range: tuple[float, float] = (-2.0, 2.0), damping: float = 0.0,
                      iterations: int = 60, max_iterations: int = 300,
                      tol: float = 1e-10) -> widgets.VBox:
    r"""Loopy BP on ``model(θ)``: beliefs per iteration against the exact marginals, and residuals.

    Sliders (in this order): ``iterations`` (the cap ``max_iters``), ``damping`` γ (weight of
    the old message, ν ← (1 − γ) ν_computed + γ ν_old) and ``coupling θ`` (the Ising coupling
    θ_uv, passed to ``model``). Each change runs :func:`course_lib.bp.belief_propagation` and
    updates, in place, :func:`plots.bp_trajectories`: the beliefs ``q_i(x_i = 1)`` after each
    iteration (``history``; exact marginals by enumeration dashed) and ``residuals`` on a log
    scale. The caption under the figure says whether the run converged and how far the final
    beliefs are from the exact marginals; the x axis runs to a round number at or above the cap
    (10, 15, 20, 30, 50, 75, 100, …: :func:`plots.span_axes.round_span`), and only its tick
    labels change with it. The panel's ``artists`` attribute holds the plot's artists,
    ``caption(state)`` is the caption of a setting, and ``run(state)`` returns ``(θ, γ, run,
    exact)`` with ``run`` the :class:`BPRun` drawn. Runs are kept per (γ, θ): fewer
    iterations than a kept run are its first iterations (:meth:`BPRun.first`), not a new run;
    more go on from where it stopped (``belief_propagation(..., resume=)``).
    """
    low, high = (float(c) for c in coupling_range)
    if not low < high:
        raise ValueError(f"coupling_range must have low < high, got {coupling_range}")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) \
            or max_iterations < 1:
        raise ValueError(f"max_iterations must be a positive integer, got {max_iterations!r}")
    controls = [
        widgets.IntSlider(value=min(max(int(iterations), 1), max_iterations), min=1,
                          max=max_iterations, description="iterations",
                          continuous_update=False),
        widgets.FloatSlider(value=min(max(float(damping), 0.0), 0.95), min=0.0, max=0.95,
                            step=0.05, description="damping", readout_format=".2f",
                            continuous_update=False),
        widgets.FloatSlider(value=min(max(float(coupling), low), high), min=low, max=high,
                            step=(high - low) / 80, description="coupling θ",
                            readout_format=".2f", continuous_update=False),
    ]
    exact = Results(lambda theta: bp.exact_marginals(model(theta)))
    longest: dict[tuple[float, float], object] = {}  # (γ, θ) -> the longest run made so far

    def run(state: dict):
        iters = min(max(int(state["iterations"]), 1), max_iterations)  # clamped
        d = min(max(float(state["damping"]), 0.0), 0.95)
        theta = min(max(float(state["coupling θ"]), low), high)
        kept = longest.get((d, theta))
        if kept is None or (not kept.converged and kept.iterations < iters):
            with warnings.catch_warnings():  # non-convergence is shown in the title instead
                warnings.simplefilter("ignore", RuntimeWarning)
                kept = bp.belief_propagation(model(theta), max_iters=iters, damping=d, tol=tol,
                                             resume=kept)  # from where the kept run stopped
            longest[(d, theta)] = kept
        return theta, d, BPRun.first(kept, iters), exact(theta)

    def verdict(result, exact: dict) -> str:
        error = max(float(np.max(np.abs(result.marginals[v] - exact[v]))) for v in exact)
        status = (f"converged after {result.iterations} iterations" if result.converged
                  else f"not converged after {result.iterations} iterations")
        return f"{status};  max |belief − exact| = {error:.3f}"

    _, _, r0, exact0 = run({c.description: c.value for c in controls})
    # The starting setting, run on to the slider's end once (≈ 0.1 s): moving the iteration
    # slider then only redraws.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        run({**{c.description: c.value for c in controls}, "iterations": max_iterations})
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.4))
    artists = plots.bp_trajectories(r0.history, r0.residuals, exact0, tol=tol, axes=axes)
    fig.tight_layout()
    freeze_legends(fig)  # drawn once as a picture: the legends never change

    def update(state: dict) -> str:  # the verdict is the caption: text, not pixels to draw
        _, _, result, exact = run(state)
        plots.update_bp_trajectories(artists, result.history, result.residuals, exact,
                                     span=round_span(min(max(int(state["iterations"]), 1),
                                                         max_iterations)))
        return verdict(result, exact)

    box = live_panel(controls, fig, update, changing=[
        *artists["beliefs"].values(), *artists["exact"].values(), artists["residual"]],
        labels=[t for axis_span in artists["spans"] for t in axis_span.texts])
    box.artists = artists
    box.run = run
    box.caption = lambda state: verdict(*run(state)[2:])
    return box


#: The top of the Hamming panel's rate axis: above the rates of p ≤ 0.4 over many words, with
#: room for the labels (a few words can do worse; the axis then grows).
RATE_AXIS_TOP = 0.6


def hamming_explorer(flip_probability: float = 0.1, n_words: int = 20, seed: int = 0,
                     max_words: int = 200) -> widgets.VBox:
    r"""Bit error rates of Hamming(7,4) decoders over a binary symmetric channel.

    Sliders: ``crossover p`` (the flip probability, in [0.01, 0.4]) and ``words`` (how many
    random 4-bit words are sent). Each change
    calls :func:`course_lib.hamming.bit_error_rate` with the same seed for every decoder (so
    all see the same words and flips) and updates the bars of :func:`plots.named_bars` in
    place: no decoding, BP on the 3 checks of H, BP on the 7 redundant checks, exact bitwise
    MAP. The dashed line is p, the error rate without a code. ``rates(state)`` recomputes them.
    """
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 1:
        raise ValueError(f"max_words must be a positive integer, got {max_words!r}")
    controls = [
        widgets.FloatSlider(value=min(max(float(flip_probability), 0.01), 0.4), min=0.01,
                            max=0.4, step=0.01, description="crossover p",
                            readout_format=".2f", continuous_update=False),
        widgets.IntSlider(value=min(max(int(n_words), 1), max_words), min=1, max=max_words,
                          description="words", continuous_update=False),
    ]
    decoders = {"no decoding": ("none", "redundant"), "BP, 3 checks": ("bp", "minimal"),
                "BP, 7 checks": ("bp", "redundant"), "exact MAP": ("map", "redundant")}

    kept: dict = {}  # every received word's decode, per decoder and p (hamming keeps them)

    seen_p: dict[float, bool] = {}  # p -> every word decoded at p

    def decode(key: tuple[float, int]) -> dict[str, float]:
        p, n = key
        if p in seen_p and not seen_p[p]:  # p met again with other words: decode all 128 now
            for dec, ch in decoders.values():
                hamming.keep_every_word(p, dec, ch, kept)
        seen_p[p] = p in seen_p
        return {name: hamming.bit_error_rate(p, n_words=n, decoder=dec, seed=seed, checks=ch,
                                             kept=kept)
                for name, (dec, ch) in decoders.items()}

    decoded = Results(decode)  # a (p, words) seen before is free, and so is any words at a p
    # moved to twice (the slider of words: one change decodes the rest, the others draw only)

    def rates(state: dict) -> dict[str, float]:
        p = round(min(max(float(state["crossover p"]), 0.01), 0.4), 6)
        n = min(max(int(state["words"]), 1), max_words)
        return dict(decoded((p, n)))

    def title(state: dict) -> str:  # short: a title is redrawn glyph by glyph on each change
        return f"p = {float(state['crossover p']):.2f}, {int(state['words'])} words (seed {seed})"

    state0 = {c.description: c.value for c in controls}
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    plots.named_bars({name: 0.0 for name in decoders}, ax=ax,
                     ylabel="bit error rate of the data bits", title=title(state0),
                     ymax=RATE_AXIS_TOP, reference=state0["crossover p"],
                     reference_label="p (no code)")
    ax.get_legend().set_zorder(1.5)  # under the bars (never near them): drawn once, not per change
    fig.tight_layout()

    def update(state: dict) -> None:  # a fixed scale: rates compare across p, ticks stay
        shown = rates(state)
        plots.update_named_bars(ax, shown, title=title(state),
                                ymax=max(RATE_AXIS_TOP, 1.15 * max(shown.values())),
                                reference=float(state["crossover p"]))

    reference = [line for line in ax.lines if line.get_gid() == "reference"]
    box = live_panel(controls, fig, update, changing=[
        *(p for p in ax.patches if p.get_gid()), *(t for t in ax.texts if t.get_gid()),
        *reference, ax.title])
    box.axes = ax
    box.rates = rates
    return box


# ---------------------------------------------------------------- IPF (lesson 08)

#: The live IPF table's title: the same for every t, so drawn once (the caption names t).
HEADING = "q_t in colour (its numbers: under the picture)"


def ipf_explorer(p, targets: Mapping[tuple[int, ...], np.ndarray], iterations: int = 1,
                 max_iterations: int = 20) -> widgets.VBox:
    r"""IPF on a two-way table: an ``iterations`` slider, the constraint error and the table q_t.

    Runs :func:`course_lib.kl.ipf` once for ``max_iterations`` cycles, each cycle an
    I-projection onto every marginal constraint in turn (``q ← q · t_A / q_A``). The slider
    (``iterations`` t, clamped to 0 … ``max_iterations``) picks a cycle; the panel updates
    :func:`plots.ipf_progress` in place: ``max_A max |q_t,A − t_A|`` on a log scale up to t,
    and the table q_t in colour; under the picture, as text (its caption,
    :func:`plots.ipf_table_text`), q_t's entries and its row and column sums against the
    targets. ``targets`` must be ``{(0,): row marginal, (1,): column marginal}``. The panel's
    ``errors`` attribute holds the error after every cycle, ``iterates`` the tables and
    ``artists`` the plot's artists.
    """
    p = np.asarray(p, dtype=float)
    if p.ndim != 2:
        raise ValueError(f"ipf_explorer shows a two-way table: p must be 2-D, got shape {p.shape}")
    if not isinstance(targets, Mapping) or set(targets) != {(0,), (1,)}:
        raise ValueError("ipf_explorer needs targets {(0,): row marginal, (1,): column marginal}")
    if isinstance(max_iterations, bool) or not isinstance(max_iterations, int) \
            or max_iterations < 1:
        raise ValueError(f"max_iterations must be a positive integer, got {max_iterations!r}")
    iterates = kl.ipf(p, targets, max_iterations)  # checks p and the targets
    goals = {axes: np.asarray(t, dtype=float) for axes, t in targets.items()}
    errors = np.array([max(float(np.max(np.abs(kl.marginal(q, axes) - goal)))
                           for axes, goal in goals.items()) for q in iterates])
    slider = widgets.IntSlider(value=min(max(int(iterations), 0), max_iterations), min=0,
                               max=max_iterations, description="iterations",
                               continuous_update=True)
    t0 = slider.value
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 3.8), gridspec_kw={"width_ratios": [1.1, 1]})
    sides = (goals[(0,)], goals[(1,)])
    artists = plots.ipf_progress(errors, iterates[t0], t0, targets=sides, axes=axes)
    # Live: the numbers (entries, sums against targets) are the caption under the picture,
    # text rather than twenty strings to lay out and render on every move; the picture keeps
    # the error curve and the table's colours.
    ax_t = artists["axes"][1]
    for text in (*artists["row_sums"], *artists["col_sums"],
                 *(cell for row in artists["cells"] for cell in row)):
        text.set_visible(False)
    rows, cols = iterates[t0].shape
    ax_t.set_xlim(-0.5, cols - 0.5)
    ax_t.set_ylim(rows - 0.5, -0.5)
    ax_t.set_xlabel("column b")
    ax_t.set_title(HEADING, fontsize=10, pad=10)
    fig.tight_layout()

    def update(state: dict) -> str:
        t = min(max(int(state["iterations"]), 0), max_iterations)  # clamped
        plots.update_ipf_progress(artists, iterates[t], t)
        ax_t.title.set_text(HEADING)  # not "after t cycles" (the caption's first line): static
        return plots.ipf_table_text(iterates[t], t, sides)

    box = live_panel([slider], fig, update, changing=[
        artists["done"], artists["now"], artists["image"]])
    box.errors = errors
    box.iterates = iterates
    box.artists = artists
    return box


