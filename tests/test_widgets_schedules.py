r"""Lesson 11's schedule diagram draws exactly the schedule's actions, and its explorer widget
shows the optimal schedule's costs, clamps its ranges and shows errors in its output area."""

import contextlib
import io

import ipywidgets
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_widgets_frames import full_draw, shown_text

from course_lib import checkpoint, plots, widgets
from course_lib.plots import palette, schedules


def _artist(ax, kind):
    (found,) = [a for a in (*ax.collections, *ax.lines) if a.get_gid() == f"schedule {kind}"]
    return found


def _drawn(ax) -> dict:
    r"""What the Axes shows, read back from its artists: segments and marker positions."""
    out = {kind: [tuple(map(tuple, s)) for s in _artist(ax, kind).get_segments()]
           for kind in ("advance", "reverse", "jumps", "held")}
    for kind in ("store", "restore", "free"):
        line = _artist(ax, kind)
        out[kind] = list(zip(line.get_xdata(), line.get_ydata(), strict=True))
    return out


def _expected(actions) -> dict:
    r"""The oracle, written apart from the plot: walk the schedule with a clock that advances
    and reverses tick, and note where each mark belongs."""
    out = {k: [] for k in ("advance", "reverse", "store", "restore", "free")}
    clock, held, peak = 0, 0, 0
    for action, i in actions:
        if action == "advance":
            out["advance"].append(((clock, i), (clock + 1, i + 1)))
        elif action == "reverse":
            out["reverse"].append(((clock, i + 1), (clock + 1, i)))
        else:
            out[action].append((clock, i))
        clock += action in ("advance", "reverse")
        held += (action == "store") - (action == "free")
        peak = max(peak, held)
    return out, clock, peak


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 25), st.integers(1, 8))
def test_the_diagram_draws_exactly_the_schedules_actions(n, s):
    actions = checkpoint.schedule(n, s)
    ax = plots.schedule_diagram(actions, n_steps=n)
    drawn = _drawn(ax)
    expected, clock, peak = _expected(actions)
    for kind, marks in expected.items():  # one mark per action of the kind, in order, in place
        assert marks == drawn[kind], kind
    counts = {kind: sum(a == kind for a, _ in actions) for kind in expected}
    assert {kind: len(drawn[kind]) for kind in expected} == counts
    assert counts["advance"] == checkpoint.min_forward_steps(n, s)
    assert counts["reverse"] == n and len(drawn["jumps"]) == counts["restore"]
    # the bands: one per store, never more crossing a moment than the peak held
    assert len(drawn["held"]) == counts["store"]
    times = np.arange(clock) + 0.5
    crossing = [sum(a[0] < t < b[0] for a, b in drawn["held"]) for t in times]
    assert max(crossing, default=0) <= peak == min(s, n)
    timeline = plots.schedule_timeline(actions)
    assert (timeline["forward_steps"], timeline["peak_stored"], timeline["time"]) == (
        counts["advance"], peak, clock)
    assert f"{counts['advance']} forward steps, at most {peak} states stored" == ax.get_title()
    plt.close("all")


def test_the_kinds_differ_in_colour_and_in_shape_and_the_legend_names_them():
    ax = plots.schedule_diagram(checkpoint.schedule(10, 3))
    colours = {kind: matplotlib.colors.to_hex(
        _artist(ax, kind).get_color() if kind in ("store", "restore", "free")
        else _artist(ax, kind).get_edgecolor()[0]) for kind in schedules.ACTIONS}
    assert len(set(colours.values())) == len(colours)
    assert set(colours.values()) <= {c.lower() for c in palette.CYCLE}
    markers = {_artist(ax, k).get_marker() for k in ("store", "restore", "free")}
    styles = {str(_artist(ax, k).get_linestyle()) for k in ("advance", "reverse")}
    assert len(markers) == 3 and len(styles) == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 6 and all(word in " ".join(labels) for word in
                                    ("advance", "reverse", "store", "restore", "free", "held"))
    text = plots.description(ax)
    assert "15 advances" in text and "10 reversals" in text and "at most 3 states" in text
    plt.close("all")


def test_the_diagram_refuses_what_is_not_a_schedule():
    with pytest.raises(ValueError, match="expected one of advance"):
        plots.schedule_diagram([("jump", 0)])
    with pytest.raises(ValueError, match="state 2 is not stored"):
        plots.schedule_diagram([("store", 0), ("restore", 2)])
    with pytest.raises(ValueError, match="must be a pair"):
        plots.schedule_diagram(["advance"])
    _, ax = plt.subplots()
    with pytest.raises(ValueError, match="no schedule diagram"):
        plots.update_schedule_diagram(ax, checkpoint.schedule(3, 2))
    plt.close("all")


def _explorer(**kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return widgets.schedule_explorer(**kwargs)


def test_the_explorer_draws_the_optimal_schedule_and_its_costs():
    box = _explorer(n_steps=10, snapshots=3)
    steps, kept = box.children[0].children
    assert (steps.description, kept.description) == ("steps T", "snapshots s")
    for n, s in [(12, 3), (30, 1), (7, 10), (1, 1)]:
        with contextlib.redirect_stdout(io.StringIO()):
            steps.value, kept.value = n, s
        drawn = _drawn(box.axes)
        assert len(drawn["advance"]) == checkpoint.min_forward_steps(n, s)
        assert len(drawn["reverse"]) == n
        _, _, peak = _expected(checkpoint.schedule(n, s))
        frame, caption = box.output.outputs  # the picture, and its costs as text under it
        assert "image/png" in frame["data"] and box.axes.get_title() == ""
        assert caption["data"]["text/plain"] == (
            f"T = {n}, s = {s}: {checkpoint.min_forward_steps(n, s)} forward steps, "
            f"{peak} stored at most")
        assert peak == min(n, s) and box.timeline()["peak_stored"] == peak
        assert "cannot draw" not in shown_text(box)
    plt.close("all")


def test_the_explorer_clamps_its_ranges():
    box = _explorer(n_steps=99, snapshots=0, max_steps=20, max_snapshots=5)
    steps, kept = box.children[0].children
    assert (steps.value, steps.min, steps.max) == (20, 1, 20)
    assert (kept.value, kept.min, kept.max) == (1, 1, 5)
    box.update({"steps T": 500, "snapshots s": -3})  # a state from outside the sliders
    assert len(_drawn(box.axes)["reverse"]) == 20
    assert box.timeline()["forward_steps"] == checkpoint.min_forward_steps(20, 1)
    for bad, error in [({"max_steps": 0}, ValueError), ({"max_steps": 1000}, ValueError),
                       ({"max_snapshots": 2.5}, ValueError), ({"n_steps": "5"}, TypeError)]:
        with pytest.raises(error):
            _explorer(**bad)
    plt.close("all")


def test_the_explorer_shows_errors_in_its_output_area(monkeypatch):
    box = _explorer()
    steps = box.children[0].children[0]

    def refuse(n, s):
        raise ValueError(f"no schedule for n = {n}")

    monkeypatch.setattr(checkpoint, "schedule", refuse)
    with contextlib.redirect_stdout(io.StringIO()):
        steps.value = 7  # must not raise into the notebook
    assert "cannot draw this setting: no schedule for n = 7" in shown_text(box)
    plt.close("all")


def test_every_frame_equals_a_full_redraw():
    box = _explorer(max_steps=30)
    frames = box.frames
    assert frames.foreground and box.axes.xaxis not in frames.foreground  # ticks drawn once
    controls = [c for c in box.children[0].children if isinstance(c, ipywidgets.IntSlider)]
    for control in controls:
        for value in [control.min, control.max, (control.min + control.max) // 2, 2] * 2:
            with contextlib.redirect_stdout(io.StringIO()):
                control.value = value
            frame = frames.draw().copy()
            assert np.array_equal(frame, full_draw(frames)), f"{control.description} = {value}"
    plt.close("all")
