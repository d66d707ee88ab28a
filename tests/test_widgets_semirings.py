"""Lesson 12's semiring sweep plot and widget without a browser (Agg, tests/conftest.py).

The records the widget shows are checked against semiring.closure_solve (the values) and
against every path of the DAG (the highlighted path attains x_i); moving the controls changes
the artists in place, clamps, and every frame equals a full redraw.
"""

import contextlib
import io
import itertools
import math

import ipywidgets
import matplotlib
import numpy as np
import pytest
from test_widgets_frames import full_draw

from course_lib import plots, semiring, widgets
from course_lib.widgets.semirings import sweep_states

EDGES = {(0, 1): 0.5, (0, 2): 0.9, (1, 2): 0.6, (1, 3): 0.3, (2, 3): 0.8, (2, 4): 0.4,
         (3, 5): 0.7, (4, 5): 0.9, (1, 4): 0.2}
N_NODES = 6


def _paths(i, n=N_NODES):
    if i == n - 1:
        yield [i]
    for (a, j) in EDGES:
        if a == i:
            for rest in _paths(j, n):
                yield [i] + rest


def _system(name):
    ring = semiring.get(name)
    N = np.full((N_NODES, N_NODES), ring.zero)
    for (i, j), w in EDGES.items():
        N[i, j] = math.log(w) if name == "log-sum-exp" else w
    b = np.full(N_NODES, ring.zero)
    b[-1] = ring.one
    return N, b


@pytest.mark.parametrize("name", list(semiring.SEMIRINGS))
def test_records_are_the_back_substitution_row_by_row(name):
    states = sweep_states(EDGES, N_NODES, name)
    exact = semiring.closure_solve(*_system(name), name)
    assert len(states) == N_NODES + 1 and states[0]["x"] == [None] * N_NODES
    for s, record in enumerate(states[1:], start=1):
        assert record["current"] == N_NODES - s  # bottom row first
        for k, v in enumerate(record["x"]):
            if k >= N_NODES - s:
                assert v == pytest.approx(exact[k], rel=1e-12)
            else:
                assert v is None
        assert record["equation"].startswith(f"x{N_NODES - s} = ")


@pytest.mark.parametrize("name, combine, best", [("min-plus", sum, min), ("max-plus", sum, max),
                                                  ("max-product", math.prod, max)])
def test_highlighted_path_is_a_best_path(name, combine, best):
    for record in sweep_states(EDGES, N_NODES, name)[1:]:
        i, path = record["current"], record["path"]
        weight = combine(EDGES[e] for e in zip(path, path[1:]))
        brute = best(combine(EDGES[e] for e in zip(p, p[1:])) for p in _paths(i))
        assert path[0] == i and path[-1] == N_NODES - 1
        assert weight == pytest.approx(brute) == pytest.approx(record["x"][i])
        assert record["highlight"] == list(zip(path, path[1:]))


def test_sums_highlight_every_edge_the_row_read():
    record = sweep_states(EDGES, N_NODES, "sum-product")[-1]
    assert sorted(record["highlight"]) == [(0, 1), (0, 2)] and record["path"] == []
    total = sum(math.prod(EDGES[e] for e in zip(p, p[1:])) for p in _paths(0))
    assert record["x"][0] == pytest.approx(total)


def _box():
    with contextlib.redirect_stdout(io.StringIO()):
        return widgets.semiring_sweep_explorer(EDGES, N_NODES)


def test_slider_and_dropdown_change_the_artists_in_place():
    box = _box()
    slider, ring = box.children[0].children
    assert (slider.description, ring.description, slider.max) == ("rows solved", "semiring", 6)
    ax = box.artists["ax"]
    before = (len(ax.collections), len(ax.texts))
    shade = matplotlib.colors.to_rgba(plots.palette.SOLVED_SHADE)
    with contextlib.redirect_stdout(io.StringIO()):
        slider.value = 2
        faces = [tuple(c) for c in box.artists["nodes"].get_facecolors()]
        assert faces.count(shade) == 2 and faces[-1] == shade
        assert box.artists["equation"].get_text() == "x4 = min(∞, 0.9 + 0) = 0.9"
        ring.value = "max-plus"
        assert box.artists["equation"].get_text() == "x4 = max(−∞, 0.9 + 0) = 0.9"
        slider.value = 6
        assert box.artists["values"][0].get_text() == "2.6"
        assert "x0 → x1 → x2 → x3 → x5" in plots.description(box.figure)
    assert (len(ax.collections), len(ax.texts)) == before  # nothing added
    box.update({"rows solved": 99, "semiring": "min-plus"})  # clamped
    assert box.artists["title"].get_text() == "min-plus: 6 of 6 rows solved"


def test_every_frame_equals_a_full_redraw():
    box = _box()
    slider, ring = box.children[0].children
    with contextlib.redirect_stdout(io.StringIO()):
        for name, s in itertools.product(ring.options, [0, 1, 6]):
            ring.value, slider.value = name, s
            frame = box.frames.draw().copy()
            assert np.array_equal(frame, full_draw(box.frames)), (name, s)


@pytest.mark.parametrize("call, pattern", [
    (lambda: widgets.semiring_sweep_explorer({(0, 1): -1.0}, 2), "positive finite weight"),
    (lambda: widgets.semiring_sweep_explorer({(1, 0): 1.0}, 2), r"edge \(1, 0\)"),
    (lambda: widgets.semiring_sweep_explorer({(0, 1): 1.0}, 2, start="tropical"),
     "unknown semiring 'tropical'"),
    (lambda: plots.sweep_dag({(0, 1): 1.0}, 2, names=["a"]), "one name per node"),
    (lambda: plots.update_sweep_dag(plots.sweep_dag({(0, 1): 1.0}, 2), [None]), "one value"),
    (lambda: plots.update_sweep_dag(plots.sweep_dag({(0, 1): 1.0}, 3), [None] * 3,
                                    highlight=[(1, 2)]), "not edges of the DAG"),
])
def test_bad_input_is_refused_clearly(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_controls_are_widgets():
    box = _box()
    assert all(isinstance(c, ipywidgets.ValueWidget) for c in box.children[0].children)
