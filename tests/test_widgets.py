"""Plots and widgets work without a browser: controls drive the wrapped functions."""

import matplotlib.pyplot as plt
import pytest
from hypothesis import given, settings
from strategies import random_graphs

from course_lib import plots, widgets
from course_lib.graph import Graph


@pytest.fixture
def g():
    return Graph.from_assignments([("u", "x*y"), ("v", "log(u)"), ("w", "v + y")], ["x", "y"])


def test_depths_and_layout_put_every_edge_left_to_right(g):
    assert plots.depths(g) == {"x": 0, "y": 0, "u": 1, "v": 2, "w": 3}
    pos = plots.graph_layout(g)
    assert all(pos[i][0] < pos[k][0] for i, k in g.edges())


@settings(max_examples=40, deadline=None)
@given(random_graphs())
def test_depths_are_the_longest_path_back_to_an_input(case):
    g = case.graph
    longest = {}  # oracle: the recursion over a topological order, written out
    for k in g.order:
        longest[k] = 1 + max(longest[i] for i in g.arguments(k)) if g.arguments(k) else 0
    assert plots.depths(g) == longest


def test_draw_graph_labels_values_and_adjoints(g):
    ax = plots.draw_graph(g, values={"x": 1.0, "y": 2.0}, adjoints={"w": 1.0})
    texts = [t.get_text() for t in ax.texts if t.get_text()]  # arrows are empty annotations
    assert "x\n= 1" in texts and "w\nλ = 1" in texts and len(texts) == len(g)
    plt.close("all")


def test_spy_marks_nonzeros_and_diagonal():
    import numpy as np
    import sympy

    a = np.array([[-1.0, 2.0], [0.0, -1.0]])
    assert plots.nonzero_pattern(a).tolist() == [[True, True], [False, True]]
    assert plots.nonzero_pattern(sympy.Matrix([[0, sympy.Symbol("t")], [0, 1]])).tolist() == [
        [False, True], [False, True]]
    ax = plots.spy(a, labels=["p", "q"], highlight_row=1)
    assert ax.images[0].get_array()[0, 1] == 1.0 and ax.images[0].get_array()[0, 0] == 2.0
    plt.close("all")


def test_forward_pass_explorer_relabels_the_graph_on_slider_change(g, monkeypatch):
    calls = []
    relabel = plots.update_graph_labels
    monkeypatch.setattr(plots, "update_graph_labels",
                        lambda ax, g, values, adjoints: calls.append(values)
                        or relabel(ax, g, values, adjoints))
    panel = widgets.forward_pass_explorer(g, {"x": 1.0, "y": 2.0}, limits={"x": (0.5, 4)})
    sliders = panel.children[0].children
    assert [s.description for s in sliders] == ["x", "y"]
    sliders[0].value = 3.0
    assert calls[-1]["u"] == pytest.approx(6.0)
    texts = {t.get_gid(): t.get_text() for t in panel.axes.texts}
    assert texts["value u"] == "\n= 6" and texts["value w"].startswith("\n= 3.79")
    assert texts["node u"].split("\n")[0] == "u" and not texts["node u"].split("\n")[1].strip()
    plt.close("all")


@pytest.mark.parametrize("adjoints", [None, {"w": -0.25, "u": 1e-5}])
def test_fixed_boxes_show_what_a_plain_drawing_shows_and_never_move(g, adjoints):
    r"""A graph with fixed boxes shows the same labels as a plain one, its boxes and arrows stay
    as drawn whatever values come (the widest .3g values included), and the text a screen
    reader gets is the plain drawing's."""
    def labels(ax):
        boxes, _ = plots.graphs._graph_artists(ax)
        values = plots.value_texts(ax)
        return {name: plots.graphs._shown_label(name, box, values) for name, box in boxes.items()}

    start = {"x": 1.0, "y": 2.0, "u": 2.0, "w": 0.693}
    fixed = plots.draw_graph(g, values=start, adjoints=adjoints, fixed_boxes=True)
    fixed.figure.canvas.draw()
    boxes = [t.get_bbox_patch().get_window_extent().bounds for t in fixed.texts
             if (t.get_gid() or "").startswith("node ")]
    arrows = [t.arrow_patch.shrinkA for t in fixed.texts if (t.get_gid() or "").startswith("edge ")]
    for values in [{"x": -1.23e-05, "y": -8.88e-16, "u": -123456.0, "w": 0.5}, start]:
        plots.update_graph_labels(fixed, g, values=values, adjoints=adjoints)
        plain = plots.draw_graph(g, values=values, adjoints=adjoints)
        assert labels(fixed) == labels(plain)
        assert plots.description(fixed.figure) == plots.description(plain.figure)
        fixed.figure.canvas.draw()
        renderer = fixed.figure.canvas.get_renderer()
        for box, text in zip(boxes, [t for t in fixed.texts
                                     if (t.get_gid() or "").startswith("node ")]):
            assert text.get_bbox_patch().get_window_extent().bounds == box  # never moves
        for value in plots.value_texts(fixed).values():  # and every value fits in its box
            box = plots.graphs._graph_artists(fixed)[0][value.get_gid()[6:]]
            assert box.get_bbox_patch().get_window_extent().fully_overlaps(
                value.get_window_extent(renderer))
    assert arrows == [t.arrow_patch.shrinkA for t in fixed.texts
                      if (t.get_gid() or "").startswith("edge ")]
    with pytest.raises(ValueError, match="room for other values"):
        plots.update_graph_labels(fixed, g, values=start, adjoints={"x": 1.0})
    plt.close("all")


def test_widget_clamps_start_and_shows_errors_in_its_output(g):
    panel = widgets.forward_pass_explorer(g, {"x": 9.0, "y": 2.0}, limits={"x": (-1, 1)})
    x_slider = panel.children[0].children[0]
    assert x_slider.value == 1.0
    x_slider.value = -1.0  # u = -2: log of a negative number
    shown = "".join(o.get("text", "") for o in panel.children[1].outputs)
    assert "cannot draw this setting" in shown and "log" in shown
    with pytest.raises(ValueError, match="low < high"):
        widgets.forward_pass_explorer(g, {"x": 0.0}, limits={"x": (1, 1)})
    plt.close("all")


def test_live_panel_updates_the_same_figure_in_place():
    import ipywidgets

    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 0])
    slider = ipywidgets.IntSlider(value=1, min=0, max=5, description="k")
    seen = []

    def update(state):
        line.set_ydata([0, state["k"]])
        seen.append(state["k"])

    box = widgets.live_panel([slider], fig, update)
    slider.value = 4
    assert seen == [1, 4] and list(line.get_ydata()) == [0, 4]
    assert list(ax.lines) == [line]  # nothing re-plotted
    assert box.output is box.children[1]


def test_plain_log_labels_are_unicode_powers_of_ten_and_plain_numbers_on_narrow_axes():
    fig, (wide, narrow) = plt.subplots(1, 2)
    wide.semilogy([1, 2], [1e-12, 1.0])
    narrow.semilogy([1, 2], [1.0, 50.0])
    plots.plain_log_labels(wide)
    plots.plain_log_labels(narrow)
    superscripts = dict(zip("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹", strict=True))
    major, minor = wide.yaxis.get_major_formatter(), wide.yaxis.get_minor_formatter()
    for k in range(-12, 1):
        assert major(10.0**k) == "10" + "".join(superscripts[c] for c in str(k))
        assert minor(10.0**k) == "" and major(3 * 10.0**k) == ""  # no labels between decades
    assert minor(2e-5) == ""  # twelve decades: no minor labels
    narrow_minor = narrow.yaxis.get_minor_formatter()
    assert [narrow_minor(v) for v in (2.0, 3.0, 5.0, 20.0, 40.0)] == ["2", "", "5", "20", ""]
    plt.close(fig)


def test_png_image_is_the_whole_figure_drawn_once(monkeypatch):
    import struct

    from matplotlib.figure import Figure

    fig, ax = plt.subplots(figsize=(4.0, 2.5), dpi=80)
    ax.plot([0, 1], [0, 1])
    fig.tight_layout()
    fig.set_layout_engine(None)  # as live_panel does: the layout is frozen
    draws = []
    original = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(1) or original(self, r))
    image = widgets.png_image(fig)
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n" and len(draws) == 1
    width, height = struct.unpack(">II", image.data[16:24])  # the IHDR chunk
    assert (width, height) == (320, 200)
    plt.close(fig)
