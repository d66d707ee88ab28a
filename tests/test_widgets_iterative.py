"""Lesson 06's plots and widgets without a browser: controls drive the wrapped functions.

Everything runs on the Agg backend (tests/conftest.py, which also closes the figures). The
widgets are built by ``course_lib.widgets`` around ``course_lib.plots`` functions that return
their artists; moving a control must change those artists in place (no new artists), clamp
out-of-range values, and show errors in the widget's output area.
"""

import warnings

import matplotlib
import numpy as np
import pytest

from course_lib import iterative, lagrange, plots, widgets
from course_lib.graph import Graph


@pytest.fixture
def systems():
    chain = Graph.from_assignments([(f"y{k}", f"sin(y{k - 1})") for k in range(1, 5)], ["y0"])
    skip = Graph.from_assignments([("a", "x*x"), ("b", "tanh(a)"), ("c", "a + b + x")], ["x"])
    return {"chain": (chain, {"y0": 0.4}, "y4"), "skip": (skip, {"x": 0.7}, "c")}


def _shown(box) -> str:
    return "".join(o.get("text", "") for o in box.output.outputs)


# ---------------------------------------------------------------- plots


def test_adjoint_status_codes_zero_partial_exact():
    iterates = np.array([[0.0, 0.0], [0.5, 0.0], [1.0, 2.0]])
    status = plots.adjoint_status(iterates, np.array([1.0, 2.0]))
    assert status.tolist() == [[0, 0], [1, 0], [2, 2]]
    assert plots.adjoint_status(np.zeros((1, 1)), np.zeros(1)).tolist() == [[2]]  # 0 is exact
    with pytest.raises(ValueError, match="shape"):
        plots.adjoint_status(np.zeros((3, 2)), np.zeros(3))


def test_status_graph_recolours_in_place(systems):
    g = systems["skip"][0]
    artists = plots.status_graph(g, np.zeros(len(g), dtype=int), title="t = 0")
    ax = artists["ax"]
    before = (len(ax.collections), len(ax.texts))
    plots.update_status_graph(artists, [2] * len(g), title="t = 3")
    assert (len(ax.collections), len(ax.texts)) == before  # nothing added
    green = matplotlib.colors.to_rgba(plots.STATUS_COLORS[2])
    assert all(tuple(c) == green for c in artists["nodes"].get_facecolors())
    assert artists["title"].get_text() == "t = 3"
    assert len(artists["edges"].get_segments()) == len(g.edges())
    assert [t.get_text() for t in artists["labels"]] == list(g.order)
    with pytest.raises(ValueError, match="one entry per node"):
        plots.update_status_graph(artists, [0, 1])


def test_status_history_and_histogram_draw():
    ax = plots.status_history(np.array([[0, 0], [1, 2], [2, 2]]), ["p", "q"], t=1)
    assert ax.images[0].get_array().shape == (2, 3)  # nodes × steps
    assert len(ax.patches) == 1  # the cursor on column t
    ax = plots.sweeps_histogram([2, 3, 3, 5], marks={"reverse": 1, "forward": 6})
    heights = [p.get_height() for p in ax.patches]
    assert heights == [0, 1, 2, 0, 1, 0]


def test_convergence_plot_updates_lines_and_leaves_out_zeros():
    artists = plots.convergence_plot(0.5 ** np.arange(5), 0.5, fixed_range=(1e-17, 1e13))
    np.testing.assert_allclose(artists["rate"].get_ydata(), 0.5 ** np.arange(5))
    plots.update_convergence_plot(artists, np.array([1.0, 0.1, 0.0]), 2.0)
    y = artists["error"].get_ydata()
    assert y[1] == 0.1 and np.isnan(y[2])  # a zero error has no logarithm
    np.testing.assert_allclose(artists["rate"].get_ydata(), [1.0, 2.0, 4.0])
    assert artists["ax"].get_ylim() == pytest.approx((1e-17, 1e13))  # fixed range kept
    eig = plots.eigenvalue_plot(np.array([0.5, -1.2 + 0.1j]))
    plots.update_eigenvalue_plot(eig, np.array([0.3j]))
    assert eig["points"].get_offsets().tolist() == [[0.0, 0.3]]


def test_training_curves_draws_two_lines():
    ax = plots.training_curves([4.0, 1.0, 0.25], [2.0, 1.0, 0.5])
    assert len(ax.lines) == 2 and ax.get_yscale() == "log"


# ---------------------------------------------------------------- adjoint_iteration_explorer


def test_iteration_slider_drives_jacobi(systems):
    box = widgets.adjoint_iteration_explorer(systems, start=0)
    slider, graph = box.children[0].children
    assert (slider.description, graph.description) == ("iteration", "graph")
    longest = max(box.run(name)["longest_path"] for name in systems)
    assert (slider.min, slider.max) == (0, longest + 1)
    chain = box.artists["chain"]
    grey = matplotlib.colors.to_rgba(plots.STATUS_COLORS[0])
    green = matplotlib.colors.to_rgba(plots.STATUS_COLORS[2])
    assert all(tuple(c) == grey for c in chain["nodes"].get_facecolors())
    slider.value = 1  # only the output is exact after one iteration
    colours = [tuple(c) for c in chain["nodes"].get_facecolors()]
    assert colours[-1] == green and colours.count(green) == 1
    slider.value = slider.max
    assert all(tuple(c) == green for c in chain["nodes"].get_facecolors())
    assert "5/5 exact" in box.figure.texts[0].get_text()


def test_graph_dropdown_switches_the_visible_axes(systems):
    box = widgets.adjoint_iteration_explorer(systems, start=1)
    _, graph = box.children[0].children
    graph.value = "skip"
    assert box.artists["skip"]["ax"].get_visible()
    assert not box.artists["chain"]["ax"].get_visible()
    n_axes = len(box.figure.axes)
    graph.value = "chain"
    assert len(box.figure.axes) == n_axes  # switching graphs adds nothing


def test_run_matches_jacobi_and_longest_path(systems):
    box = widgets.adjoint_iteration_explorer(systems)
    for name, (g, values, output) in systems.items():
        A, b = lagrange.lagrange_matrix(g, values, output)
        result = box.run(name)
        steps = result["iterates"].shape[0] - 1
        np.testing.assert_allclose(result["iterates"], iterative.jacobi(A, b, steps))
        J = lagrange.jacobian_matrix(g, values)
        assert result["exact_from"] == iterative.longest_path_length(J) + 1


def test_ordering_dropdown_drives_gauss_seidel(systems):
    box = widgets.adjoint_iteration_explorer(systems, orderings=True, random_orders=2, start=1)
    slider, ordering, graph = box.children[0].children
    assert (slider.description, ordering.description) == ("sweep", "ordering")
    assert ordering.value == "Gauss–Seidel, reverse topological"
    assert len(ordering.options) == 3 + 2
    graph.value = "chain"
    green = matplotlib.colors.to_rgba(plots.STATUS_COLORS[2])
    chain = box.artists["chain"]
    assert all(tuple(c) == green for c in chain["nodes"].get_facecolors())  # backprop: 1 sweep
    ordering.value = "Gauss–Seidel, forward (topological)"  # = Jacobi: one node per sweep
    assert [tuple(c) for c in chain["nodes"].get_facecolors()].count(green) == 1
    forward = box.run("chain", "Gauss–Seidel, forward (topological)")
    np.testing.assert_allclose(forward["iterates"], box.run("chain", widgets.JACOBI)["iterates"])
    assert box.run("chain", "Gauss–Seidel, reverse topological")["exact_from"] == 1
    with pytest.raises(ValueError, match="unknown ordering"):
        box.run("chain", "sideways")
    with pytest.raises(ValueError, match="unknown graph"):
        box.run("nope")


def test_iteration_explorer_clamps_and_checks_input(systems):
    box = widgets.adjoint_iteration_explorer(systems, start=99)
    slider = box.children[0].children[0]
    assert slider.value == slider.max  # clamped start
    box.update({"iteration": -5, "graph": "skip"})  # clamped inside update, too
    assert "iterate 0:" in box.figure.texts[0].get_text()
    with pytest.raises(ValueError, match="non-empty"):
        widgets.adjoint_iteration_explorer({})
    with pytest.raises(ValueError, match="tuple"):
        widgets.adjoint_iteration_explorer({"bad": 3})
    with pytest.raises(ValueError, match="random_orders"):
        widgets.adjoint_iteration_explorer(systems, random_orders=-1)
    g = systems["chain"][0]
    with pytest.raises(ValueError, match="output"):
        widgets.adjoint_iteration_explorer({"x": (g, {"y0": 0.1}, "missing")})


# ---------------------------------------------------------------- implicit_adjoint_explorer


V = np.array([1.0, -0.5, 0.25])


def _layer_system(M):
    """J = c·M at a fixed v: ρ(J) = c·ρ(M), singular I − Jᵀ where c·μ = 1."""
    return lambda c: (c * M, V)


def test_coupling_slider_drives_the_adjoint_iteration():
    M = np.diag([-1.0, 0.5, 0.25])
    box = widgets.implicit_adjoint_explorer(_layer_system(M), coupling=0.5, iterations=30)
    (slider,) = box.children[0].children
    assert (slider.description, slider.min, slider.max) == ("coupling c", 0.0, 2.0)
    errors = box.artists["errors"]["error"]
    before = np.array(errors.get_ydata(), dtype=float)
    slider.value = 1.5  # ρ = 1.5: diverges
    after = np.array(errors.get_ydata(), dtype=float)
    assert after[-1] > after[0] and before[-1] < before[0]
    assert box.figure.texts[0].get_text() == "c = 1.50: ρ(J) = 1.500 ≥ 1"
    np.testing.assert_allclose(box.artists["eigenvalues"]["points"].get_offsets()[:, 0],
                               [-1.5, 0.75, 0.375])
    assert len(box.artists["errors"]["ax"].lines) == 2  # updated in place, nothing added
    result = box.run(0.5)
    lam = np.linalg.solve(np.eye(3) - 0.5 * M.T, V)
    expected = np.linalg.norm(iterative.implicit_adjoint(0.5 * M, V, 30) - lam, axis=1)
    np.testing.assert_allclose(result["errors"], expected)
    assert result["rho"] == pytest.approx(0.5)


def test_coupling_is_clamped_and_divergence_is_no_error():
    box = widgets.implicit_adjoint_explorer(_layer_system(np.diag([-1.0, 0.5, 0.25])),
                                            coupling=7.0, coupling_range=(0.0, 3.0),
                                            iterations=500)
    assert box.children[0].children[0].value == 3.0  # clamped start
    assert box.run(-4.0)["coupling"] == 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the divergence warning must not escape the widget
        result = box.run(3.0)  # 3^500 passes 1e100: the iteration stops early
    assert result["diverged"] and np.isnan(result["errors"][-1])
    assert "cannot draw" not in _shown(box)
    with pytest.raises(ValueError, match="low < high"):
        widgets.implicit_adjoint_explorer(_layer_system(np.eye(3)), coupling_range=(1, 1))
    with pytest.raises(ValueError, match="iterations"):
        widgets.implicit_adjoint_explorer(_layer_system(np.eye(3)), iterations=0)


def test_errors_are_shown_in_the_output_area():
    M = np.diag([-1.0, 0.5, 0.25])
    box = widgets.implicit_adjoint_explorer(_layer_system(M), coupling=0.5)
    slider = box.children[0].children[0]
    slider.value = 2.0  # c·0.5 = 1: I − Jᵀ is singular
    shown = _shown(box)
    assert "cannot draw this setting" in shown and "singular" in shown

    def failing(c):
        if c > 1:
            raise ValueError(f"no fixed point found at c = {c}")
        return 0.1 * np.eye(2), np.ones(2)

    box = widgets.implicit_adjoint_explorer(failing, coupling=0.5)
    box.children[0].children[0].value = 1.5
    assert "no fixed point found" in _shown(box)
    with pytest.raises(ValueError, match="shape"):
        widgets.implicit_adjoint_explorer(lambda c: (np.zeros((2, 2)), np.ones(3)))
