"""Factor-graph drawings, BP trajectories, named bars and the lesson-07 widgets, without a browser."""

import itertools

import ipywidgets
import numpy as np
import pytest
from test_widgets_frames import caption, shown_text

from course_lib import bp, hamming, plots, widgets
from course_lib.factor_graph import FactorGraph, ising_cycle, ising_model


@pytest.fixture
def fg():
    g = FactorGraph({"A": 2, "B": 3, "C": 2})
    g.add_factor(("A",), [0.4, 0.6])
    g.add_factor(("A", "B"), np.ones((2, 3)))
    g.add_factor(("A", "B", "C"), np.ones((2, 3, 2)))
    return g


def _k4(J):
    return ising_model(4, list(itertools.combinations(range(4), 2)), J, [0.3, -0.2, 0.1, 0.25])


# ---------------------------------------------------------------------- plots
def test_factor_graph_layout_keeps_given_positions_and_places_factors(fg):
    pos = plots.factor_graph_layout(fg, {"A": (0, 0), "B": (2, 0), "C": (1, 3)})
    assert pos["A"] == (0.0, 0.0) and pos["C"] == (1.0, 3.0)
    assert pos[1] == pytest.approx((1.0, 0.0))          # centroid of A and B
    assert pos[2] == pytest.approx((1.0, 1.0))          # centroid of A, B, C
    assert pos[0][0] == 0.0 and pos[0][1] > 0.0         # a one-variable factor sits above A
    auto = plots.factor_graph_layout(fg)
    assert set(auto) == {"A", "B", "C", 0, 1, 2}
    assert auto == plots.factor_graph_layout(fg)        # deterministic


def test_draw_factor_graph_draws_every_node_and_edge(fg):
    ax = plots.draw_factor_graph(fg, evidence={"B": 2}, factor_labels={1: "f"}, title="t")
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["A", "B=2", "C", "f"]
    squares = [ln for ln in ax.lines if ln.get_marker() == "s"]
    edges = [ln for ln in ax.lines if ln.get_marker() != "s"]
    assert len(squares) == len(fg.factors) and len(edges) == fg.num_edges()
    assert ax.get_title() == "t"


@pytest.mark.filterwarnings("ignore:belief propagation did not converge")
def test_bp_trajectories_show_history_and_update_in_place():
    ring = ising_cycle(3, 0.8, [0.2, -0.1, 0.3])
    r = bp.belief_propagation(ring, max_iters=20)
    exact = bp.exact_marginals(ring)
    art = plots.bp_trajectories(r.history, r.residuals, exact, tol=1e-10)
    line = art["beliefs"]["x1"]
    assert np.allclose(line.get_ydata(), [h["x1"][1] for h in r.history])
    assert np.allclose(art["exact"]["x1"].get_ydata(), exact["x1"][1])
    assert np.allclose(art["residual"].get_ydata(), r.residuals)
    assert art["axes"][1].get_yscale() == "log"
    r2 = bp.belief_propagation(ring, max_iters=5, damping=0.5)
    same = plots.update_bp_trajectories(art, r2.history, r2.residuals, exact, title="new")
    assert same["beliefs"]["x1"] is line and len(line.get_xdata()) == len(r2.history)
    assert art["axes"][0].figure._suptitle.get_text() == "new"


def test_named_bars_heights_labels_reference_and_errors():
    ax = plots.named_bars({"a": 0.1, "b": 0.3}, reference=0.2, reference_label="p")
    heights = {p.get_gid(): p.get_height() for p in ax.patches if p.get_gid()}
    assert heights == pytest.approx({"a": 0.1, "b": 0.3})
    plots.update_named_bars(ax, {"a": 0.5}, title="x", reference=0.05)
    labels = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert labels["a"] == "0.5" and ax.get_title() == "x"
    ref = [ln for ln in ax.lines if ln.get_gid() == "reference"][0]
    assert list(ref.get_ydata()) == [0.05, 0.05]
    with pytest.raises(ValueError, match="no bar named"):
        plots.update_named_bars(ax, {"zzz": 1.0})
    with pytest.raises(ValueError, match="empty"):
        plots.named_bars({})


# ---------------------------------------------------------------------- widgets
def test_loopy_bp_explorer_first_control_is_the_iterations_slider():
    box = widgets.loopy_bp_explorer(_k4, coupling=-1.0, iterations=60)
    controls = box.children[0].children
    assert isinstance(controls[0], ipywidgets.IntSlider)    # the browser test moves this one
    assert [c.description for c in controls] == ["iterations", "damping", "coupling θ"]
    assert "not converged after 60 iterations" in caption(box)  # the start oscillates
    controls[0].value = 61                                        # so one more iteration shows
    assert "not converged after 61 iterations" in caption(box)
    assert caption(box) == box.caption({c.description: c.value for c in controls})


def test_loopy_bp_explorer_draws_what_belief_propagation_returns():
    box = widgets.loopy_bp_explorer(_k4, coupling=-1.0, iterations=200)
    controls = box.children[0].children
    controls[1].value = 0.5
    expected = bp.belief_propagation(_k4(-1.0), max_iters=200, damping=0.5, tol=1e-10)
    line = box.artists["beliefs"]["x2"]
    assert np.allclose(line.get_ydata(), [h["x2"][1] for h in expected.history])
    assert "converged after" in caption(box)
    assert "not converged" not in caption(box)
    theta, d, result, exact = box.run({"iterations": 500, "damping": 2.0, "coupling θ": -9.0})
    assert (theta, d, result.iterations <= 300) == (-2.0, 0.95, True)   # clamped
    assert "cannot draw" not in shown_text(box)


def test_loopy_bp_explorer_goes_on_from_a_kept_run_as_a_fresh_run_would():
    box = widgets.loopy_bp_explorer(_k4, coupling=-1.0, iterations=60)  # unconverged at 60
    box.children[0].children[0].value = 95                             # resumed from 60
    with pytest.warns(RuntimeWarning, match="did not converge in 95 iterations"):
        fresh = bp.belief_propagation(_k4(-1.0), max_iters=95, tol=1e-10)
    _, _, shown, _ = box.run({"iterations": 95, "damping": 0.0, "coupling θ": -1.0})
    assert shown.residuals == fresh.residuals and shown.iterations == fresh.iterations
    assert all(np.array_equal(a[v], b[v]) for a, b in zip(shown.history, fresh.history)
               for v in a)
    assert np.array_equal(box.artists["beliefs"]["x2"].get_ydata(),
                          [h["x2"][1] for h in fresh.history])


def test_loopy_bp_explorer_rejects_bad_ranges():
    with pytest.raises(ValueError, match="low < high"):
        widgets.loopy_bp_explorer(_k4, coupling_range=(1.0, 1.0))
    with pytest.raises(ValueError, match="max_iterations"):
        widgets.loopy_bp_explorer(_k4, max_iterations=0)


def test_hamming_explorer_bars_are_bit_error_rates():
    box = widgets.hamming_explorer(flip_probability=0.9, n_words=5, seed=3)
    controls = box.children[0].children
    assert isinstance(controls[0], ipywidgets.FloatSlider) and controls[0].value == 0.4  # clamped
    controls[0].value = 0.2
    heights = {p.get_gid(): p.get_height() for p in box.axes.patches if p.get_gid()}
    expected = {
        "no decoding": hamming.bit_error_rate(0.2, 5, "none", seed=3),
        "BP, 3 checks": hamming.bit_error_rate(0.2, 5, "bp", seed=3, checks="minimal"),
        "BP, 7 checks": hamming.bit_error_rate(0.2, 5, "bp", seed=3, checks="redundant"),
        "exact MAP": hamming.bit_error_rate(0.2, 5, "map", seed=3),
    }
    assert heights == pytest.approx(expected)
    assert box.rates({"crossover p": 0.2, "words": 5}) == expected
    assert "p = 0.20" in box.axes.get_title()
    with pytest.raises(ValueError, match="max_words"):
        widgets.hamming_explorer(max_words=0)
