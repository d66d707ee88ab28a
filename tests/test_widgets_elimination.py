"""Lesson 13's elimination picture and explorer: the fill-in drawn is bp.eliminate's, the factor
pattern drawn is numpy's Cholesky factor's, the printed width and cost are the elimination's, a
bad typed order is named in the output area, and every frame equals a full redraw."""

import contextlib
import io

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_widgets_frames import caption, full_draw

from course_lib import bp, plots, widgets
from course_lib.factor_graph import ising_grid
from course_lib.plots.describe import description
from course_lib.plots.elimination import elimination_picture, fill_in_steps


def grid_edges(fg):
    return [tuple(f.variables) for f in fg.factors if len(f.variables) == 2]


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 10**6))
def test_fill_in_steps_add_up_to_the_elimination_fill_in(rows, cols, seed):
    fg = ising_grid(rows, cols, 0.5)
    order = [str(v) for v in np.random.default_rng(seed).permutation(fg.variables)]
    r = bp.eliminate(fg, order)
    steps = fill_in_steps(grid_edges(fg), r.cliques)
    made = [frozenset(e) for added in steps for e in added]
    assert len(made) == len(set(made)) and set(made) == r.fill_in


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_the_drawn_pattern_is_the_cholesky_factor_of_a_random_grid_precision(seed):
    rng = np.random.default_rng(seed)
    fg = ising_grid(3, 4, 0.5)
    names = list(fg.variables)
    Q = 4 * np.eye(12)
    for u, w in grid_edges(fg):
        Q[names.index(u), names.index(w)] = Q[names.index(w), names.index(u)] = rng.uniform(-1, 1)
    order = [str(v) for v in rng.permutation(names)]
    o = [names.index(v) for v in order]
    U = np.linalg.cholesky(Q[np.ix_(o, o)]).T
    cliques = bp.eliminate(fg, order).cliques
    fig, axes = plt.subplots(1, 2)
    artists = elimination_picture({v: (k % 4, -(k // 4)) for k, v in enumerate(names)},
                                  grid_edges(fg), order, cliques, len(order), axes=axes)
    picture = np.asarray(artists["image"].get_array())
    assert np.array_equal(picture > 0, np.abs(U) > 1e-12)
    assert np.array_equal(picture == 3, (np.abs(U) > 1e-12) & (Q[np.ix_(o, o)] == 0))
    assert "fill-in" in description(fig)
    plt.close(fig)


def explorer(**kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return widgets.elimination_explorer(**kwargs)


def test_explorer_says_the_elimination_width_fill_and_cost_for_every_order():
    box = explorer(rows=3, cols=4)
    choice, slider = box.children[0].children
    fg = ising_grid(3, 4, 0.5)
    assert isinstance(slider, ipywidgets.IntSlider)  # the first slider: the browser test moves it
    for name, order in box.orders.items():
        assert sorted(order) == sorted(fg.variables)
        choice.value = name
        r = bp.eliminate(fg, order)
        assert box.state["width"] == r.induced_width and box.state["fill"] == len(r.fill_in)
        cost = sum(2 ** len(c) for c in r.cliques)
        assert box.state["cost"] == cost
        shown = caption(box)  # what the reader sees under the picture
        assert (f"induced width {r.induced_width}, fill-in {len(r.fill_in)} edges, "
                f"cost Σ 2^|C_k| = {cost} table entries") in shown
        assert shown.startswith(f"after {box.state['step']} of 12 eliminations: "
                                f"{box.state['shown_fill']} fill-in edges")
    assert (bp.eliminate(fg, box.orders["centre first"]).induced_width
            > bp.eliminate(fg, box.orders["min-fill"]).induced_width)
    slider.value = 3
    assert box.state["step"] == 3 and caption(box).startswith("after 3 of 12 eliminations")


def test_a_typed_order_is_used_and_a_bad_one_is_named():
    box = explorer(rows=2, cols=3)
    choice, slider = box.children[0].children
    typed = box.typed
    assert typed in box.children
    typed.value = "x5, x4 x3 x2 x1 x0"  # typing alone switches to the typed order
    assert choice.value == "typed below"
    assert box.state["order"] == ["x5", "x4", "x3", "x2", "x1", "x0"]
    for text, culprit in [("x0 x1 x2", "misses"), ("x0 x0 x1 x2 x3 x4 x5", "'x0' twice"),
                          ("x0 x1 x2 x3 x4 x9", "'x9'")]:
        typed.value = text
        shown = "".join(o.get("text", "") for o in box.output.outputs)
        assert "cannot draw this setting" in shown and culprit in shown


@pytest.mark.parametrize("bad", [dict(rows=1), dict(cols=7), dict(order="random")])
def test_explorer_rejects_bad_arguments(bad):
    with pytest.raises(ValueError):
        widgets.elimination_explorer(**bad)


def test_every_frame_equals_a_full_redraw():
    box = explorer()
    choice, slider = box.children[0].children
    checked = 0
    with contextlib.redirect_stdout(io.StringIO()):
        for name in box.orders:
            choice.value = name
            for step in (0, 5, 16):
                slider.value = step
                assert np.array_equal(box.frames.draw().copy(), full_draw(box.frames)), (name, step)
                checked += 1
    assert checked == 3 * len(box.orders)
    assert plots.elimination.update_elimination_picture is not None
