r"""Widgets for the solves: the forward pass (01), back substitution row by row (03), and
adjoints converging under Jacobi and Gauss–Seidel or an implicit layer's iteration (06).

Each is a thin wrapper: controls, a call into the math layer, and a :mod:`course_lib.plots`
function's artists updated in place inside a :func:`~course_lib.widgets.panels.live_panel`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib import iterative, lagrange, plots
from course_lib.graph import Graph
from course_lib.substitution import back_substitution_steps
from course_lib.widgets.panels import Frames, controlled, live_panel

__all__ = ["forward_pass_explorer", "back_substitution_stepper", "JACOBI",
           "adjoint_iteration_explorer", "implicit_adjoint_explorer"]


def forward_pass_explorer(g: Graph, values: Mapping[str, float],
                          limits: Mapping[str, tuple[float, float]] | None = None,
                          show_adjoints: Callable[[dict], Mapping[str, float]] | None = None,
                          ) -> widgets.VBox:
    r"""One slider per input of ``g``; the graph shows z_i = f_i(z_a(i)) for all i.

    ``values`` gives the sliders' starting points; ``limits`` their (low, high)
    ranges (default: start ± 3). Starting points are clamped into the range.
    ``show_adjoints(forward_values)`` may return λ's to print under the values. The graph is
    drawn once (:func:`plots.draw_graph` with boxes wide enough for any value); each change
    rewrites the values in place (:func:`plots.update_graph_labels`). The panel's ``axes``
    attribute is its Axes.
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

    def labels(state: dict) -> tuple[dict, Mapping | None]:
        z = g.forward(state)
        return z, (show_adjoints(z) if show_adjoints is not None else None)

    try:  # the picture is built for the start; a start that cannot be drawn shows its error
        z0, lam0 = labels({s.description: s.value for s in sliders})
    except (ValueError, TypeError):
        z0, lam0 = None, None
    ax = plots.draw_graph(g, values=z0, adjoints=lam0, fixed_boxes=True)

    def update(state: dict) -> None:
        z, lam = labels(state)
        plots.update_graph_labels(ax, g, values=z, adjoints=lam)

    # boxes and arrows never move (fixed boxes): a change redraws the value texts only
    box = live_panel(sliders, ax.figure, update, changing=list(plots.value_texts(ax).values()))
    box.axes = ax
    return box


def back_substitution_stepper(A, b, labels: Iterable[str] | None = None,
                              symbol: str = "λ") -> widgets.VBox:
    r"""Step through back substitution of ``A x = b`` one row at a time, bottom row first.

    A slider (and a Play button) runs over the records of
    :func:`course_lib.substitution.back_substitution_steps`; step s shows
    :func:`plots.substitution_step`: the matrix with the row being solved outlined and the
    unknowns known so far; under it, as text (the caption), the step number and the row's
    equation x_i = (b_i − Σ_{j>i} A_ij x_j) / A_ii (:func:`plots.step_equation`). One figure
    serves every step (:func:`plots.show_substitution_step` moves it on; only the outline and
    the column of unknowns are drawn again) and each step's picture is kept once drawn. The
    records are kept as ``.steps``; ``caption(s)`` is the text under step s.
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

    pictures: dict = {}  # each step's picture is fixed: drawn once, then reused
    drawn: dict = {}  # one figure, made for the first step shown, moved on for the others

    def render(state: dict):
        s = min(max(int(state["step"]), 1), count)  # clamp: the slider could be set outside
        if s not in pictures:
            if drawn:  # keep the matrix picture, move the outline, rewrite the column
                plots.show_substitution_step(drawn["axes"], steps[s - 1], labels, symbol=symbol)
            else:
                ax_m, ax_c = plots.substitution_step(A, steps[s - 1], labels, symbol=symbol,
                                                     equation=False)
                figure = ax_m.figure
                plt.close(figure)  # shown only as this widget's frames, never by pyplot
                outline = [p for p in ax_m.patches if p.get_gid() == "current row"]
                drawn.update(axes=(ax_m, ax_c), frames=Frames(
                    figure, [*outline, *ax_c.patches, *ax_c.texts]))
            pictures[s] = (drawn["frames"].png(), caption(s))
        return pictures[s]

    def caption(s: int) -> str:  # text under the frame, not pixels: read aloud, copied, free
        return (f"back substitution, step {s} of {count}\n"
                + plots.step_equation(steps[s - 1], labels, symbol))

    box = controlled([slider], render, returns_frame=True)
    row = box.children[0]
    row.children = (play, *row.children)
    box.steps = steps
    box.caption = caption
    box.frames = drawn["frames"]
    return box


# ---------------------------------------------------------------- iterative adjoints (lesson 06)
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
                    f"{result['exact_from']} = m_out + 1")
        else:
            text = (f"{ordering.split(', ', 1)[1]}, sweep {t}: {n_exact}/{n} exact, "
                    f"all after {result['exact_from']} sweeps")
        plots.update_status_graph(artists[graph], status)
        title.set_text(text)

    box = live_panel(controls, fig, update, changing=[*(a["ax"] for a in artists.values()),
                                                      title])
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

    box = live_panel([slider], fig, update, changing=[
        artists["errors"]["error"], artists["errors"]["rate"],
        artists["eigenvalues"]["points"], title])
    box.figure = fig
    box.update = update
    box.artists = artists
    box.run = run
    return box
