r"""Thin ipywidgets wrappers around :mod:`course_lib.plots`.

Every panel is controls + an ``Output`` area. ``panel`` calls a plot function
and shows a new figure on each change; ``live_panel`` keeps one figure and lets
an update function change its artists in place (fast enough for dragging). Slider ranges are clamped to sensible bounds, and
a computation that fails (say log of a negative number) shows its error message
inside the output area instead of raising into the notebook.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg

from course_lib import bp, hamming, iterative, kl, lagrange, plots, spn
from course_lib.factor_graph import FactorGraph
from course_lib.graph import Graph
from course_lib.substitution import back_substitution_steps

__all__ = ["panel", "live_panel", "png_image", "forward_pass_explorer", "back_substitution_stepper",
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
    # Freeze the layout computed when the figure was built: with a layout engine left on the
    # figure (tight_layout leaves a placeholder), every save would draw it twice.
    figure.set_layout_engine(None)
    FigureCanvasAgg(figure)  # a lasting canvas: its renderer caches the text layouts

    def render(state: dict) -> None:
        update(state)
        display(png_image(figure))

    return _controlled(controls, render)


def png_image(figure) -> Image:
    r"""The figure as a PNG, drawn once at its own size and dpi.

    Displaying the figure itself would let the inline backend save it with
    ``bbox_inches="tight"``, which draws it twice; a live panel's figure was laid out once, when
    it was built, so one draw is enough (about half the time of an update).
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", pil_kwargs={"compress_level": 1})  # fast, a bit larger
    return Image(data=buffer.getvalue(), format="png")


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
    One figure serves every step (:func:`plots.show_substitution_step` moves it on) and each
    step's picture is kept once drawn. The records are kept as ``.steps``.
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

    frames: dict[int, Image] = {}  # each step's picture is fixed: drawn once, then reused
    figure_axes: list = []  # one figure, made for the first step shown, redrawn for the others

    def render(state: dict) -> None:
        s = min(max(int(state["step"]), 1), count)  # clamp: the slider could be set outside
        title = f"back substitution, step {s} of {count}"
        if s not in frames:
            if figure_axes:  # keep the matrix picture, move the outline, rewrite the text
                plots.show_substitution_step(figure_axes, steps[s - 1], labels, symbol=symbol,
                                             title=title)
            else:
                figure_axes.extend(plots.substitution_step(A, steps[s - 1], labels,
                                                           symbol=symbol, title=title))
                figure = figure_axes[0].figure
                plt.close(figure)  # shown only as this widget's frames, never by pyplot
                FigureCanvasAgg(figure)
            # substitution_step places its axes by hand: shown uncropped, drawn once
            frames[s] = png_image(figure_axes[0].figure)
        display(frames[s])

    box = _controlled([slider], render)
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


# ---------------------------------------------------------------- iterative adjoints (lesson 06)
__all__ += ["adjoint_iteration_explorer", "implicit_adjoint_explorer"]

#: The ordering-dropdown entry that means Jacobi (every unknown from the old iterate).
JACOBI = "Jacobi (all at once)"


def _orderings(n: int, random_orders: int) -> dict[str, list[int] | None]:
    r"""Gauss–Seidel row orders for n unknowns in topological order; Jacobi has none."""
    orders: dict[str, list[int] | None] = {
        JACOBI: None,
        "Gauss–Seidel, reverse topological": list(range(n - 1, -1, -1)),
        "Gauss–Seidel, forward (topological)": list(range(n)),
    }
    for seed in range(random_orders):
        orders[f"Gauss–Seidel, random order (seed {seed})"] = \
            np.random.default_rng(seed).permutation(n).tolist()
    return orders


def adjoint_iteration_explorer(systems: Mapping[str, tuple[Graph, Mapping[str, float], str]],
                               orderings: bool = False, random_orders: int = 3,
                               start: int = 0) -> widgets.VBox:
    r"""Which adjoints λ_i are exact after t Jacobi iterations or Gauss–Seidel sweeps.

    ``systems`` maps a name to ``(g, values, output)``: each gives the adjoint system
    A λ = −e_n of :func:`course_lib.lagrange.lagrange_matrix`, solved exactly by
    :func:`course_lib.lagrange.adjoints` and iteratively from λ = 0 by
    :func:`course_lib.iterative.jacobi` (λ^(t+1) = e_n + Jᵀ λ^(t)) or
    :func:`course_lib.iterative.gauss_seidel`. Controls: a slider t (``iteration``, or
    ``sweep`` when ``orderings`` is true) from 0 to max (longest path + 1), an ``ordering``
    dropdown (only if ``orderings``: Jacobi, Gauss–Seidel in reverse topological, forward
    and ``random_orders`` seeded random orders) and a ``graph`` dropdown. The graph is drawn
    by :func:`plots.status_graph` (without its legend: grey still 0, amber partial, green
    exact) with nodes coloured by :func:`plots.adjoint_status`; each graph has its own Axes,
    shown one at a time, and every change only recolours nodes and sets the title.
    Attributes: ``figure``, ``update(state)``, ``artists`` (per graph) and ``run(graph,
    ordering)`` returning ``{"iterates", "status", "exact", "longest_path", "exact_from"}``.
    """
    if not isinstance(systems, Mapping) or not systems:
        raise ValueError("systems must be a non-empty mapping {name: (graph, values, output)}")
    if isinstance(random_orders, bool) or not isinstance(random_orders, int) \
            or not 0 <= random_orders <= 20:
        raise ValueError(f"random_orders must be an integer in 0..20, got {random_orders!r}")
    prepared = {}
    for name, system in systems.items():
        try:
            g, values, output = system
        except (TypeError, ValueError):
            raise ValueError(f"systems[{name!r}] must be a tuple (graph, values, output)") from None
        A, b = lagrange.lagrange_matrix(g, values, output)  # checks g, values and output
        lam = lagrange.adjoints(g, values, output)
        prepared[name] = {"g": g, "A": A, "b": b,
                          "exact": np.array([lam[node] for node in g.order]),
                          "longest_path": iterative.longest_path_length(A.T + np.eye(len(g)))}
    steps = max(p["longest_path"] for p in prepared.values()) + 1  # every graph ends exact
    cache: dict[tuple[str, str], dict] = {}

    def run(graph: str, ordering: str = JACOBI) -> dict:
        if graph not in prepared:
            raise ValueError(f"unknown graph {graph!r}; choose one of {', '.join(prepared)}")
        key = (graph, ordering)
        if key not in cache:
            p = prepared[graph]
            orders = _orderings(len(p["g"]), random_orders)
            if ordering not in orders:
                raise ValueError(f"unknown ordering {ordering!r}; choose one of {', '.join(orders)}")
            order = orders[ordering]
            iterates = (iterative.jacobi(p["A"], p["b"], steps) if order is None
                        else iterative.gauss_seidel(p["A"], p["b"], steps, order))
            status = plots.adjoint_status(iterates, p["exact"])
            done = np.flatnonzero((status == 2).all(axis=1))
            cache[key] = {"iterates": iterates, "status": status, "exact": p["exact"],
                          "longest_path": p["longest_path"],
                          "exact_from": int(done[0]) if done.size else None}
        return cache[key]

    step_name = "sweep" if orderings else "iteration"
    controls = [widgets.IntSlider(value=min(max(int(start), 0), steps), min=0, max=steps,
                                  description=step_name, continuous_update=True)]
    if orderings:
        controls.append(widgets.Dropdown(options=list(_orderings(2, random_orders)),
                                         value="Gauss–Seidel, reverse topological",
                                         description="ordering",
                                         layout=widgets.Layout(width="380px")))
    controls.append(widgets.Dropdown(options=list(prepared), description="graph"))

    fig = plt.figure(figsize=(8.0, 3.4))
    artists = {}
    for k, name in enumerate(prepared):  # one Axes per graph, stacked; only one is visible
        ax = fig.add_axes((0.01, 0.0, 0.98, 0.9), label=f"graph {k}")
        artists[name] = plots.status_graph(prepared[name]["g"], ax=ax, legend=False)
        ax.set_visible(False)
    title = fig.suptitle("", fontsize=10)

    def update(state: dict) -> None:
        graph = state["graph"]
        ordering = state.get("ordering", JACOBI)
        t = min(max(int(state[step_name]), 0), steps)  # clamped
        result = run(graph, ordering)
        for name, a in artists.items():
            a["ax"].set_visible(name == graph)
        status = result["status"][t]
        n_exact, n = int((status == 2).sum()), status.size
        if ordering == JACOBI:  # short titles: every glyph is rendered on every redraw
            text = (f"Jacobi iterate {t}: {n_exact}/{n} exact, all from "
                    f"{result['exact_from']} = L + 1")
        else:
            text = (f"{ordering.split(', ', 1)[1]}, sweep {t}: {n_exact}/{n} exact, "
                    f"all after {result['exact_from']} sweeps")
        plots.update_status_graph(artists[graph], status)
        title.set_text(text)

    box = live_panel(controls, fig, update)
    box.figure = fig
    box.update = update
    box.artists = artists
    box.run = run
    return box


def implicit_adjoint_explorer(adjoint_system: Callable[[float], tuple[np.ndarray, np.ndarray]],
                              coupling: float = 0.5,
                              coupling_range: tuple[float, float] = (0.0, 2.0),
                              iterations: int = 40) -> widgets.VBox:
    r"""The adjoint iteration λ ← v + Jᵀ λ of an implicit layer, as its coupling c changes.

    ``adjoint_system(c)`` returns ``(J, v)``: the local Jacobian at the fixed point of the
    layer with coupling c, and the cotangent v. Each change of the ``coupling c`` slider
    (clamped to ``coupling_range``) solves (I − Jᵀ) λ = v directly, runs
    :func:`course_lib.iterative.implicit_adjoint` for ``iterations`` steps and updates in
    place :func:`plots.convergence_plot` (errors ‖λ^(t) − λ‖ solid, ‖λ‖ ρ(J)^t dashed) and
    :func:`plots.eigenvalue_plot` (the eigenvalues of J and the unit circle). A divergence
    warning is turned into the title; a failing ``adjoint_system`` or a singular I − Jᵀ is
    shown in the output area. Attributes: ``figure``, ``update(state)``, ``artists``, ``run(c)``
    returning ``{"coupling", "rho", "errors", "eigenvalues", "diverged"}``.
    """
    low, high = (float(c) for c in coupling_range)
    if not low < high:
        raise ValueError(f"coupling_range must have low < high, got {coupling_range}")
    if isinstance(iterations, bool) or not isinstance(iterations, int) \
            or not 1 <= iterations <= 500:
        raise ValueError(f"iterations must be an integer in 1..500, got {iterations!r}")

    def run(c: float) -> dict:
        c = min(max(float(c), low), high)  # clamped
        J, v = adjoint_system(c)
        J = np.asarray(J, dtype=float)
        v = np.asarray(v, dtype=float)
        if J.ndim != 2 or J.shape[0] != J.shape[1] or v.shape != (J.shape[0],):
            raise ValueError(f"adjoint_system({c:g}) must return J of shape (n, n) and v of "
                             f"shape (n,), got {J.shape} and {v.shape}")
        try:
            lam = np.linalg.solve(np.eye(len(v)) - J.T, v)  # (I − Jᵀ) λ = v
        except np.linalg.LinAlgError:
            raise ValueError(f"I − Jᵀ is singular at c = {c:g}: the adjoint is not defined "
                             "there") from None
        with warnings.catch_warnings(record=True) as caught:  # divergence goes to the title
            warnings.simplefilter("always", RuntimeWarning)
            lams = iterative.implicit_adjoint(J, v, iterations)
        errors = np.full(iterations + 1, np.nan)
        errors[:len(lams)] = np.linalg.norm(lams - lam, axis=1)
        return {"coupling": c, "rho": iterative.spectral_radius(J), "errors": errors,
                "eigenvalues": np.linalg.eigvals(J), "diverged": bool(caught)}

    slider = widgets.FloatSlider(value=min(max(float(coupling), low), high), min=low, max=high,
                                 step=(high - low) / 100, description="coupling c",
                                 readout_format=".2f", continuous_update=True)
    fig, (ax_e, ax_m) = plt.subplots(1, 2, figsize=(9.0, 3.6), width_ratios=(2.1, 1))
    first = run(slider.value)
    artists = {"errors": plots.convergence_plot(first["errors"], first["rho"], ax=ax_e,
                                                fixed_range=(1e-17, 1e13)),
               "eigenvalues": plots.eigenvalue_plot(first["eigenvalues"], ax=ax_m, ticks=False,
                                                    title="eigenvalues of J")}
    ax_e.set_ylabel("‖λ^(t) − λ‖")
    title = fig.suptitle("", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.94))

    def update(state: dict) -> None:
        result = run(state["coupling c"])
        plots.update_convergence_plot(artists["errors"], result["errors"], result["rho"])
        plots.update_eigenvalue_plot(artists["eigenvalues"], result["eigenvalues"])
        verdict = "< 1" if result["rho"] < 1 else "≥ 1"  # short: every glyph costs a redraw
        title.set_text(f"c = {result['coupling']:.2f}: ρ(J) = {result['rho']:.3f} {verdict}")

    box = live_panel([slider], fig, update)
    box.figure = fig
    box.update = update
    box.artists = artists
    box.run = run
    return box
