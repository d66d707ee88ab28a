r"""Thin ipywidgets wrappers around :mod:`course_lib.plots`.

Every panel is controls + an ``Output`` area. ``panel`` calls a plot function
and shows a new figure on each change; ``live_panel`` keeps one figure and lets
an update function change its artists in place (fast enough for dragging). Slider ranges are clamped to sensible bounds, and
a computation that fails (say log of a negative number) shows its error message
inside the output area instead of raising into the notebook.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

from course_lib import bp, hamming, kl, plots, spn
from course_lib.factor_graph import FactorGraph
from course_lib.graph import Graph
from course_lib.substitution import back_substitution_steps

__all__ = ["panel", "live_panel", "forward_pass_explorer", "back_substitution_stepper",
           "evidence_explorer", "loopy_bp_explorer", "hamming_explorer"]


def _controlled(controls: list, render: Callable[[dict], None]) -> widgets.VBox:
    r"""Controls above an output area; ``render(state)`` fills the area after every change.

    ``state`` is ``{control.description: control.value}``. A ``ValueError`` or
    ``TypeError`` from ``render`` is shown as a message in the output area.
    """
    out = widgets.Output(layout=widgets.Layout(min_height="120px"))

    def refresh(_change=None) -> None:
        state = {c.description: c.value for c in controls}
        out.clear_output(wait=True)
        problem = None
        with out:  # inside a kernel, what is shown here lands in the output area
            try:
                render(state)
            except (ValueError, TypeError) as exc:
                problem = exc
        if problem is not None:  # written directly, so it shows with or without a kernel
            out.append_stdout(f"cannot draw this setting: {problem}\n")

    for c in controls:
        c.observe(refresh, names="value")
    refresh()
    box = widgets.VBox([widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap")), out])
    box.refresh = refresh  # lets a notebook (or a test) redraw after changing a control
    box.output = out
    return box


def panel(controls: list, draw: Callable[[dict], object]) -> widgets.VBox:
    r"""Controls above an output area; ``draw(state)`` makes a new figure on every change.

    For small pictures. Panels that must update quickly use :func:`live_panel`.
    """
    def render(state: dict) -> None:
        try:
            draw(state)
            plt.show()
        finally:
            plt.close("all")

    return _controlled(controls, render)


def live_panel(controls: list, figure, update: Callable[[dict], object]) -> widgets.VBox:
    r"""Controls above one figure whose artists ``update(state)`` changes in place.

    The figure is built once by the caller (from :mod:`course_lib.plots` functions
    that return their artists); each change only edits those artists (``set_data``,
    ``set_text``, ...) and shows the same figure again, so nothing is re-plotted.
    """
    plt.close(figure)  # keep it out of pyplot's list: shown only inside the panel

    def render(state: dict) -> None:
        update(state)
        display(figure)

    return _controlled(controls, render)


def forward_pass_explorer(g: Graph, values: Mapping[str, float],
                          limits: Mapping[str, tuple[float, float]] | None = None,
                          show_adjoints: Callable[[dict], Mapping[str, float]] | None = None,
                          ) -> widgets.VBox:
    r"""One slider per input of ``g``; the graph is redrawn with z_i = f_i(z_a(i)) for all i.

    ``values`` gives the sliders' starting points; ``limits`` their (low, high)
    ranges (default: start ± 3). Starting points are clamped into the range.
    ``show_adjoints(forward_values)`` may return λ's to print under the values.
    """
    limits = dict(limits or {})
    sliders = []
    for name in g.inputs:
        start = float(values[name]) if name in values else 0.0
        low, high = limits.get(name, (start - 3.0, start + 3.0))
        if not low < high:
            raise ValueError(f"slider range for {name!r} must have low < high, got {(low, high)}")
        sliders.append(widgets.FloatSlider(value=min(max(start, low), high), min=low, max=high,
                                           step=(high - low) / 100, description=name,
                                           continuous_update=False, readout_format=".2f"))

    def draw(state: dict) -> None:
        z = g.forward(state)
        lam = show_adjoints(z) if show_adjoints is not None else None
        plots.draw_graph(g, values=z, adjoints=lam)

    return panel(sliders, draw)


def back_substitution_stepper(A, b, labels: Iterable[str] | None = None,
                              symbol: str = "λ") -> widgets.VBox:
    r"""Step through back substitution of ``A x = b`` one row at a time, bottom row first.

    A slider (and a Play button) runs over the records of
    :func:`course_lib.substitution.back_substitution_steps`; step s shows
    :func:`plots.substitution_step`: the matrix with the row being solved outlined, the
    unknowns known so far, and the row's equation x_i = (b_i − Σ_{j>i} A_ij x_j) / A_ii.
    The records are kept as ``.steps``.
    """
    steps = list(back_substitution_steps(A, b))  # checks A and b at once
    if not steps:
        raise ValueError("the system has no rows to solve")
    labels = None if labels is None else list(labels)
    count = len(steps)
    slider = widgets.IntSlider(value=1, min=1, max=count, description="step",
                               continuous_update=True)
    play = widgets.Play(value=1, min=1, max=count, interval=1500)
    widgets.link((play, "value"), (slider, "value"))

    def draw(state: dict) -> None:
        s = min(max(int(state["step"]), 1), count)  # clamp: the slider could be set outside
        plots.substitution_step(A, steps[s - 1], labels, symbol=symbol,
                                title=f"back substitution, step {s} of {count}")

    box = panel([slider], draw)
    row = box.children[0]
    row.children = (play, *row.children)
    box.steps = steps
    return box


def evidence_explorer(root: spn.Node) -> widgets.VBox:
    r"""A Dropdown per variable (unobserved / 0 / 1 / …) and bars of every marginal.

    The bars show ``P(X = v | e) = ∂S/∂λ_{X=v}(e) / Σ_u ∂S/∂λ_{X=u}(e)`` from
    :func:`course_lib.spn.marginals` (for an observed X: ``P(X | e without X)``), and the
    title ``P(e) = S(e) / S(1)``. If the root is a sum of several children, a slider comes
    first: the root's weight ``w0`` on child 0, the other weights rescaled to ``1 − w0``.
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
    fig, ax = plt.subplots(figsize=(max(5.0, 1.6 + 0.6 * sum(states.values())), 3.4))
    plots.marginal_bars(spn.marginals(s0), ax=ax, title=title(s0, {}))
    fig.tight_layout()

    def update(state: dict) -> None:
        s, e = network(state), evidence(state)
        marginals = spn.marginals(s, e)  # ValueError for P(e) = 0: shown in the output area
        plots.update_marginal_bars(ax, marginals, observed=e, title=title(s, e))

    box = live_panel(controls, fig, update)
    box.axes = ax
    return box


# ---------------------------------------------------------------- belief propagation (lesson 07)
def loopy_bp_explorer(model: Callable[[float], FactorGraph], coupling: float = -1.0,
                      coupling_range: tuple[float, float] = (-2.0, 2.0), damping: float = 0.0,
                      iterations: int = 60, max_iterations: int = 300,
                      tol: float = 1e-10) -> widgets.VBox:
    r"""Loopy BP on ``model(J)``: beliefs per iteration against the exact marginals, and residuals.

    Sliders (in this order): ``iterations`` (the cap ``max_iters``), ``damping`` d (weight of
    the old message, μ ← (1 − d) μ_computed + d μ_old) and ``coupling J`` (passed to
    ``model``). Each change runs :func:`course_lib.bp.belief_propagation` and updates, in place,
    :func:`plots.bp_trajectories`: the beliefs ``b_t(x = 1)`` of ``history`` (exact
    marginals by enumeration dashed) and ``residuals`` on a log scale. The title says whether
    the run converged and how far the final beliefs are from the exact marginals. The panel's
    ``artists`` attribute holds the plot's artists, ``run(state)`` the last BPResult.
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
                            step=(high - low) / 80, description="coupling J",
                            readout_format=".2f", continuous_update=False),
    ]
    exact_cache: dict[float, dict] = {}

    def run(state: dict):
        iters = min(max(int(state["iterations"]), 1), max_iterations)  # clamped
        d = min(max(float(state["damping"]), 0.0), 0.95)
        J = min(max(float(state["coupling J"]), low), high)
        fg = model(J)
        if J not in exact_cache:
            exact_cache[J] = bp.exact_marginals(fg)
        with warnings.catch_warnings():  # non-convergence is shown in the title instead
            warnings.simplefilter("ignore", RuntimeWarning)
            result = bp.belief_propagation(fg, max_iters=iters, damping=d, tol=tol)
        return J, d, result, exact_cache[J]

    def title(J: float, d: float, result, exact: dict) -> str:
        error = max(float(np.max(np.abs(result.marginals[v] - exact[v]))) for v in exact)
        status = (f"converged after {result.iterations} iterations" if result.converged
                  else f"not converged after {result.iterations} iterations")
        return (f"J = {J:+.2f}, damping {d:.2f}: {status};  "
                f"max |belief − exact| = {error:.3f}")

    J0, d0, r0, exact0 = run({c.description: c.value for c in controls})
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.8))
    artists = plots.bp_trajectories(r0.history, r0.residuals, exact0, tol=tol, axes=axes)
    fig.tight_layout(rect=(0, 0, 1, 0.93))

    def update(state: dict) -> None:
        J, d, result, exact = run(state)
        plots.update_bp_trajectories(artists, result.history, result.residuals, exact,
                                     title=title(J, d, result, exact))

    box = live_panel(controls, fig, update)
    box.artists = artists
    box.run = run
    return box


def hamming_explorer(flip_probability: float = 0.1, n_words: int = 20, seed: int = 0,
                     max_words: int = 200) -> widgets.VBox:
    r"""Bit error rates of Hamming(7,4) decoders over a binary symmetric channel.

    Sliders: ``crossover p`` (the flip probability, in [0.01, 0.4]) and ``words`` (how many
    random 4-bit words are sent; small, since BP decodes one word in ~10 ms). Each change
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

    def rates(state: dict) -> dict[str, float]:
        p = min(max(float(state["crossover p"]), 0.01), 0.4)
        n = min(max(int(state["words"]), 1), max_words)
        return {name: hamming.bit_error_rate(p, n_words=n, decoder=dec, seed=seed, checks=ch)
                for name, (dec, ch) in decoders.items()}

    def title(state: dict) -> str:
        return (f"p = {float(state['crossover p']):.2f}: bit error rate of the data bits, "
                f"{int(state['words'])} words (seed {seed})")

    state0 = {c.description: c.value for c in controls}
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    plots.named_bars({name: 0.0 for name in decoders}, ax=ax, ylabel="bit error rate", title=title(state0),
                     reference=state0["crossover p"], reference_label="p (no code)")
    fig.tight_layout()

    def update(state: dict) -> None:
        plots.update_named_bars(ax, rates(state), title=title(state),
                                reference=float(state["crossover p"]))

    box = live_panel(controls, fig, update)
    box.axes = ax
    box.rates = rates
    return box


# ---------------------------------------------------------------- IPF (lesson 08)
__all__ += ["ipf_explorer"]


def ipf_explorer(p, targets: Mapping[tuple[int, ...], np.ndarray], iterations: int = 1,
                 max_iterations: int = 20) -> widgets.VBox:
    r"""IPF on a two-way table: an ``iterations`` slider, the constraint error and the table q_t.

    Runs :func:`course_lib.kl.ipf` once for ``max_iterations`` cycles, each cycle an
    I-projection onto every marginal constraint in turn (``q ← q · t_A / q_A``). The slider
    (``iterations`` t, clamped to 0 … ``max_iterations``) picks a cycle; the panel updates
    :func:`plots.ipf_progress` in place: ``max_A max |q_t,A − t_A|`` on a log scale up to t,
    and the table q_t with its row and column sums against the targets. ``targets`` must be
    ``{(0,): row marginal, (1,): column marginal}``. The panel's ``errors`` attribute holds
    the error after every cycle, ``iterates`` the tables and ``artists`` the plot's artists.
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
    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.2), gridspec_kw={"width_ratios": [1.1, 1]})
    artists = plots.ipf_progress(errors, iterates[t0], t0, targets=(goals[(0,)], goals[(1,)]),
                                 axes=axes)
    fig.tight_layout()

    def update(state: dict) -> None:
        t = min(max(int(state["iterations"]), 0), max_iterations)  # clamped
        plots.update_ipf_progress(artists, iterates[t], t)

    box = live_panel([slider], fig, update)
    box.errors = errors
    box.iterates = iterates
    box.artists = artists
    return box
