"""Lesson 08's plots (simplex, series, contour map, marginal dots, IPF) and its IPF explorer."""

import ipywidgets
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import kl, plots, widgets


@pytest.fixture
def survey():
    table = np.array([[30.0, 12, 8, 5], [20, 25, 15, 10], [6, 10, 20, 24]])
    targets = {(0,): np.array([0.25, 0.40, 0.35]), (1,): np.array([0.2, 0.3, 0.3, 0.2])}
    return table / table.sum(), targets


# ---------------------------------------------------------------- simplex
def test_simplex_xy_maps_point_masses_to_corners_and_uniform_to_the_centroid():
    assert plots.simplex_xy(np.eye(3)).tolist() == plots.SIMPLEX_CORNERS.tolist()
    centre = plots.simplex_xy(np.full(3, 1 / 3))
    assert centre == pytest.approx(plots.SIMPLEX_CORNERS.mean(axis=0))
    assert plots.simplex_xy(np.ones((5, 7, 3)) / 3).shape == (5, 7, 2)
    with pytest.raises(ValueError, match="3 states"):
        plots.simplex_xy([0.5, 0.5])


def test_simplex_picture_draws_curves_points_and_level_sets_with_legend():
    p = np.array([0.5, 0.08, 0.42])
    path = np.array([[0.0, 0.4, 0.6], [0.3, 0.7, 0.0]])
    ax = plots.simplex_picture(curves={"L": path}, points={"p": p},
                               contours={"KL": (lambda q: np.sum(q * np.log(q / p), axis=-1),
                                                [0.3], "#3b6fb6")},
                               styles={"p": dict(marker="*", color="black")}, title="t")
    lines = {line.get_label(): line for line in ax.lines}
    assert np.allclose(np.column_stack(lines["L"].get_data()), plots.simplex_xy(path))
    assert np.allclose(np.ravel(lines["p"].get_data()), plots.simplex_xy(p))
    assert lines["p"].get_marker() == "*"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["KL", "L", "p"]
    assert ax.get_title() == "t" and len(ax.collections) == 1  # the level set
    with pytest.raises(ValueError, match="one value per distribution"):
        plots.simplex_picture(contours={"bad": (lambda q: q, [0.1], "k")})


# ---------------------------------------------------------------- series, contours, dots
def test_series_plot_draws_each_series_and_checks_lengths():
    x = np.logspace(-3, 0, 4)
    ax = plots.series_plot(x, {"a": x**2, "b": np.ones(4)}, logx=True, logy=True,
                           reference=1.0, styles={"a": dict(ls="--")}, xlabel="σ")
    data = {line.get_label(): line for line in ax.lines}
    assert np.allclose(data["a"].get_ydata(), x**2) and data["a"].get_linestyle() == "--"
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log" and ax.get_xlabel() == "σ"
    assert any(np.allclose(line.get_ydata(), 1.0) and line.get_linestyle() == "--"
               for line in ax.lines if line.get_label() not in ("a", "b"))
    with pytest.raises(ValueError, match="3 values for 4 x values"):
        plots.series_plot(x, {"short": [1, 2, 3]})


def test_contour_map_checks_shape_and_labels_a_log_axis_plainly():
    x, y = np.linspace(-1, 1, 5), np.exp(np.linspace(np.log(0.25), np.log(4), 6))
    values = np.add.outer(np.log(y) ** 2, x**2)
    ax = plots.contour_map(x, y, values, points={"min": (0.0, 1.0)}, logy=True)
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["0.3", "0.5", "1", "2", "3"]
    assert {line.get_label() for line in ax.lines} == {"min"}
    with pytest.raises(ValueError, match="shape"):
        plots.contour_map(x, y, values.T)


def test_marginal_dots_places_one_marker_per_method_and_variable():
    ax = plots.marginal_dots({"exact": [0.2, 0.7], "mean field": [0.1, 0.9]}, ["a", "b"])
    lines = {line.get_label(): line for line in ax.lines}
    assert np.allclose(lines["exact"].get_ydata(), [0.2, 0.7])
    assert np.all(lines["exact"].get_xdata() < lines["mean field"].get_xdata())  # side by side
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b"]
    with pytest.raises(ValueError, match="3 values for 2 variables"):
        plots.marginal_dots({"bad": [0.1, 0.2, 0.3]}, ["a", "b"])


# ---------------------------------------------------------------- IPF plot
def test_ipf_progress_shows_errors_up_to_t_and_the_table_with_sums(survey):
    p, targets = survey
    iterates = kl.ipf(p, targets, 4)
    errors = [0.1, 0.01, 1e-3, 0.0, 0.0]
    artists = plots.ipf_progress(errors, iterates[2], 2, targets=(targets[(0,)], targets[(1,)]))
    assert np.allclose(artists["done"].get_ydata(), [0.1, 0.01, 1e-3])
    assert list(artists["now"].get_xdata()) == [2]
    assert artists["errors"][-1] == plots.ERROR_FLOOR  # zeros drawn at the floor
    assert artists["cells"][1][2].get_text() == f"{iterates[2][1, 2]:.3f}"
    col = artists["col_sums"][0]
    # columns just fitted: "=" and the on-target colour; the sign carries it, not the hue alone
    assert col.get_text() == "0.200\n= 0.200" and col.get_color() == plots.palette.ON_TARGET
    plots.update_ipf_progress(artists, iterates[0], 0)
    row = artists["row_sums"][0]  # the raw table misses the row totals
    assert "≠" in row.get_text() and row.get_color() == plots.palette.OFF_TARGET
    assert list(artists["done"].get_xdata()) == [0]
    plots.update_ipf_progress(artists, iterates[4], 99)  # clamped to the last cycle
    assert list(artists["now"].get_xdata()) == [4]
    with pytest.raises(ValueError, match="two-way"):
        plots.ipf_progress(errors, np.ones((2, 2, 2)) / 8)


# ---------------------------------------------------------------- the explorer
@settings(max_examples=40, deadline=None)
@given(st.integers(2, 4), st.integers(2, 5), st.integers(0, 10_000))
def test_the_ipf_table_text_writes_every_entry_and_each_sum_against_its_target(rows, cols, seed):
    rng = np.random.default_rng(seed)
    table = rng.dirichlet(np.ones(rows * cols)).reshape(rows, cols)
    row_goals = table.sum(axis=1) + rng.choice([0.0, 0.01], size=rows)   # some off target
    col_goals = table.sum(axis=0) + rng.choice([0.0, -0.01], size=cols)
    lines = plots.ipf_table_text(table, 7, (row_goals, col_goals)).split("\n")
    assert lines[0] == "q_t after t = 7 cycles" and len(lines) == 2 + rows + 2
    for i in range(rows):  # read back: the entries, then "sum relation target"
        words = lines[2 + i].split()
        assert words[:3] == ["a", "=", str(i)]
        assert np.allclose([float(w) for w in words[3:3 + cols]], table[i], atol=5e-4)
        total, relation, goal = words[3 + cols:]
        assert float(total) == pytest.approx(table[i].sum(), abs=5e-4)
        assert float(goal) == pytest.approx(row_goals[i], abs=5e-4)
        assert relation == ("≠" if abs(table[i].sum() - row_goals[i]) > 5e-4 else "=")
    sums = lines[2 + rows].split()
    assert sums[:2] == ["col", "sum"]
    assert np.allclose([float(w) for w in sums[2:]], table.sum(axis=0), atol=5e-4)
    marks = lines[3 + rows].split()[1:]
    assert marks[0::2] == ["≠" if abs(v - g) > 5e-4 else "=" for v, g in
                           zip(table.sum(axis=0), col_goals)]
    assert np.allclose([float(w) for w in marks[1::2]], col_goals, atol=5e-4)


def test_ipf_explorer_has_an_iterations_slider_first(survey):
    p, targets = survey
    box = widgets.ipf_explorer(p, targets, iterations=2, max_iterations=12)
    controls = box.children[0].children
    assert isinstance(controls[0], ipywidgets.IntSlider)
    assert (controls[0].description, controls[0].value, controls[0].min,
            controls[0].max) == ("iterations", 2, 0, 12)
    assert len(box.iterates) == 13 and len(box.errors) == 13


def test_ipf_explorer_slider_updates_the_same_artists_to_the_ipf_iterate(survey):
    p, targets = survey
    box = widgets.ipf_explorer(p, targets, iterations=1, max_iterations=15)
    slider = box.children[0].children[0]
    image = box.artists["image"]
    slider.value = 5
    assert box.artists["image"] is image
    assert np.allclose(image.get_array(), kl.ipf(p, targets, 5)[-1])
    assert list(box.artists["now"].get_xdata()) == [5]
    assert not any("cannot draw" in o.get("text", "") for o in box.output.outputs)


def test_ipf_explorer_errors_fall_and_the_last_table_is_the_i_projection(survey):
    p, targets = survey
    box = widgets.ipf_explorer(p, targets, max_iterations=25)
    errors = box.errors
    expected0 = max(np.abs(p.sum(axis=1) - targets[(0,)]).max(),
                    np.abs(p.sum(axis=0) - targets[(1,)]).max())
    assert errors[0] == pytest.approx(expected0)
    assert np.all(np.diff(errors[1:]) <= 1e-15) and errors[-1] < 1e-13
    rows = np.stack([np.outer(np.eye(3)[a], np.ones(4)) for a in range(3)])
    cols = np.stack([np.outer(np.ones(3), np.eye(4)[b]) for b in range(4)])
    q_star = kl.i_projection(p, np.concatenate([rows, cols]),
                             np.concatenate([targets[(0,)], targets[(1,)]]))
    assert np.allclose(box.iterates[-1], q_star, atol=1e-12)


def test_ipf_explorer_clamps_and_rejects_bad_input(survey):
    p, targets = survey
    box = widgets.ipf_explorer(p, targets, iterations=99, max_iterations=3)
    assert box.children[0].children[0].value == 3
    with pytest.raises(ValueError, match="2-D"):
        widgets.ipf_explorer(np.ones((2, 2, 2)) / 8, targets)
    with pytest.raises(ValueError, match="row marginal"):
        widgets.ipf_explorer(p, {(0,): targets[(0,)]})
    with pytest.raises(ValueError, match="max_iterations"):
        widgets.ipf_explorer(p, targets, max_iterations=0)
    zero_row = p.copy()
    zero_row[0] = 0.0
    zero_row /= zero_row.sum()
    with pytest.raises(ValueError, match="marginal of p is zero"):
        widgets.ipf_explorer(zero_row, targets)
