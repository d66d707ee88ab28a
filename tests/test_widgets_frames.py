r"""A live widget's frame — its unchanged parts drawn once, the changed artists drawn over them —
is pixel for pixel the frame a full redraw of the figure gives, after every kind of change.

Also: the frame's PNG is described (its text/plain says what it shows), and the loopy-BP panel's
shortened runs equal the runs belief propagation returns with that many iterations.
"""

import base64
import contextlib
import io
import itertools
import warnings

import ipywidgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from IPython.core.formatters import PlainTextFormatter
from strategies import ARTICLE_NETWORK

from course_lib import bp, lagrange, plots, spn, widgets
from course_lib.factor_graph import ising_model
from course_lib.graph import Graph
from course_lib.widgets.panels import LIVE_TEXT, Frames, freeze_legends

SMALL = ARTICLE_NETWORK
POINT = {"z1": 0.5, "z2": 1.0, "z3": -0.8, "z4": 1.5}


def _k4(J):
    return ising_model(4, list(itertools.combinations(range(4), 2)), J, [0.3, -0.2, 0.1, 0.25])


def _layer(c):
    rng = np.random.default_rng(1)
    W = rng.normal(size=(4, 4)) / 2
    return c * W, np.ones(4)


def _graphs():
    small = Graph.from_assignments(SMALL, inputs=list(POINT))
    chain = Graph.from_assignments([(f"y{k}", f"sin(y{k - 1})") for k in range(1, 6)], ["y0"])
    return {"small network": (small, POINT, "z9"), "chain": (chain, {"y0": 0.7}, "y5")}


def _spn():
    return spn.Sum([spn.Product([spn.Indicator("A", a), spn.Categorical("B", [0.8, 0.2][::1 - 2 * a]),
                                 spn.Categorical("C", [0.7, 0.3][::1 - 2 * a])]) for a in (0, 1)],
                   weights=[0.75, 0.25])


def _survey():
    p = np.array([[30.0, 12, 8, 5], [20, 25, 15, 10], [6, 10, 20, 24]])
    return p / p.sum(), {(0,): np.array([0.25, 0.40, 0.35]), (1,): np.array([0.2, 0.3, 0.3, 0.2])}


def _stepper():
    g = Graph.from_assignments(SMALL, inputs=list(POINT))
    A, b = lagrange.lagrange_matrix(g, POINT, "z9")
    return widgets.back_substitution_stepper(A, b, g.order)


BUILDERS = {
    "forward pass": lambda: widgets.forward_pass_explorer(
        Graph.from_assignments(SMALL, inputs=list(POINT)), POINT),
    "back substitution": _stepper,
    "Jacobi": lambda: widgets.adjoint_iteration_explorer(_graphs(), start=1),
    "Gauss–Seidel": lambda: widgets.adjoint_iteration_explorer(_graphs(), orderings=True,
                                                               random_orders=1),
    "implicit layer": lambda: widgets.implicit_adjoint_explorer(_layer, coupling=0.5,
                                                                iterations=30),
    "loopy BP": lambda: widgets.loopy_bp_explorer(_k4, iterations=30, max_iterations=80),
    "Hamming": lambda: widgets.hamming_explorer(n_words=3, max_words=6),
    "IPF": lambda: widgets.ipf_explorer(*_survey(), max_iterations=6),
    "evidence": lambda: widgets.evidence_explorer(_spn()),
}


def _values(control):
    if isinstance(control, ipywidgets.Dropdown):
        return [v for _, v in control.options] if isinstance(control.options[0], tuple) \
            else list(control.options)
    if isinstance(control, ipywidgets.IntSlider):
        return sorted({control.min, control.max, (control.min + control.max) // 2, control.min + 1})
    return [control.min, control.max, (control.min + control.max) / 2]


def shown_text(box) -> str:
    r"""Everything a panel's output area prints as text (error lines included)."""
    return "".join(o.get("text", "") for o in box.output.outputs)


def caption(box) -> str:
    r"""The caption under the panel's frame (the output after the PNG), as plain text."""
    frame, shown = box.output.outputs
    assert "image/png" in frame["data"] and set(shown["data"]) == {"text/plain", "text/html"}
    return shown["data"]["text/plain"]


def full_draw(frames: Frames) -> np.ndarray:
    r"""The figure drawn whole, as if nothing were kept (the animated flags lifted meanwhile)."""
    kept_apart = [*frames.foreground, *frames.labels]
    for artist in kept_apart:
        artist.set_animated(False)
    try:
        with matplotlib.rc_context(LIVE_TEXT):  # as a live frame renders its text
            frames.figure.canvas.draw()
        return np.asarray(frames.figure.canvas.buffer_rgba()).copy()
    finally:
        for artist in kept_apart:
            artist.set_animated(True)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_every_frame_equals_a_full_redraw(name):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore", RuntimeWarning)
        box = BUILDERS[name]()
        frames = box.frames
        assert isinstance(frames, Frames) and frames.foreground
        controls = [c for c in box.children[0].children
                    if isinstance(c, ipywidgets.ValueWidget) and not isinstance(c, ipywidgets.Play)]
        checked = 0
        for control in controls:
            start = control.value
            for value in _values(control) * 2:  # twice: kept backgrounds and results too
                control.value = value
                if "cannot draw" in "".join(o.get("text", "") for o in box.output.outputs):
                    continue  # a setting the math refuses (shown as a message): nothing drawn
                frame = frames.draw().copy()
                assert np.array_equal(frame, full_draw(frames)), (
                    f"{name}: {control.description} = {value!r} drew a different frame")
                checked += 1
            control.value = start
    assert checked >= 3
    plt.close("all")


def test_a_frame_that_misses_a_changed_artist_is_caught():
    r"""The comparison can fail: an artist changed but not declared keeps its old pixels."""
    fig, ax = plt.subplots(figsize=(3, 2))
    (moving,) = ax.plot([0, 1], [0, 1])
    (forgotten,) = ax.plot([0, 1], [1, 0], zorder=1)  # below: drawn once, in the background
    frames = Frames(fig, [moving])
    frames.draw()
    forgotten.set_ydata([0.5, 0.5])
    moving.set_ydata([0.2, 0.8])
    assert not np.array_equal(frames.draw().copy(), full_draw(frames))
    plt.close(fig)


def test_a_frame_png_says_what_it_shows():
    with contextlib.redirect_stdout(io.StringIO()):
        box = widgets.ipf_explorer(*_survey(), iterations=2, max_iterations=6)
    image = box.frames.png()
    assert image.data[:8] == b"\x89PNG\r\n\x1a\n"
    text = PlainTextFormatter()(image)
    assert text == plots.description(box.frames.figure) == repr(image)
    assert "up to t = 2" in text and "Row sums" in text and "≠" in text
    frame, caption = box.output.outputs  # and the numbers again as text under the picture
    assert caption["data"]["text/plain"].startswith("q_t after t = 2 cycles")
    plt.close("all")


@pytest.mark.filterwarnings("ignore:belief propagation did not converge")
@settings(max_examples=15, deadline=None)
@given(J=st.sampled_from([-2.0, -1.0, -0.3, 0.5, 1.5]), d=st.sampled_from([0.0, 0.3, 0.6]),
       k=st.integers(1, 60))
def test_a_shortened_bp_run_is_the_run_with_that_many_iterations(J, d, k):
    long = bp.belief_propagation(_k4(J), max_iters=60, damping=d, tol=1e-10)
    short = bp.belief_propagation(_k4(J), max_iters=k, damping=d, tol=1e-10)
    cut = widgets.BPRun.first(long, k)
    assert (cut.iterations, cut.converged) == (short.iterations, short.converged)
    assert cut.residuals == short.residuals
    for mine, theirs in zip(cut.history, short.history, strict=True):
        assert all(np.array_equal(mine[v], theirs[v]) for v in theirs)
    assert all(np.array_equal(cut.marginals[v], short.marginals[v]) for v in short.marginals)


@pytest.mark.filterwarnings("ignore:belief propagation did not converge")
def test_a_shortened_run_refuses_iterations_it_never_ran():
    r = bp.belief_propagation(_k4(-1.0), max_iters=10)
    assert not r.converged
    with pytest.raises(ValueError, match="does not know iteration 11"):
        widgets.BPRun.first(r, 11)


def test_a_frame_png_decodes_to_the_frame_pixel_for_pixel():
    from PIL import Image

    from course_lib.widgets.panels import encode_png

    rgba = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(encode_png(rgba)))), rgba)
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [1, 0])
    with matplotlib.rc_context(LIVE_TEXT):  # as a live panel shows it
        image = widgets.png_image(fig)
    pixels = np.asarray(Image.open(io.BytesIO(image.data)))
    assert pixels.shape == (75, 100, 4) and np.array_equal(pixels, full_draw(Frames(fig, [])))
    with pytest.raises(ValueError, match="RGBA bytes"):
        encode_png(rgba[..., :3])
    plt.close(fig)


def test_a_live_panel_shows_its_frame_as_one_output_with_its_description():
    r"""The output area holds exactly the frame drawn (PNG) and its alt text, nothing else."""
    from PIL import Image
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    (line,) = ax.plot([0, 1], [0, 1])
    plots.describe(ax, lambda: f"A line ending at {line.get_ydata()[-1]:.1f}.")
    slider = ipywidgets.FloatSlider(value=1.0, min=-1.0, max=2.0, description="end")

    def update(state):
        if state["end"] < 0:
            raise ValueError("the end must be ≥ 0")
        line.set_ydata([0, state["end"]])

    box = widgets.live_panel([slider], fig, update, changing=[line])
    slider.value = 0.5
    (output,) = box.output.outputs
    assert output["output_type"] == "display_data"
    assert "A line ending at 0.5." in output["data"]["text/plain"]
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(output["data"]["image/png"]))))
    assert np.array_equal(pixels, full_draw(box.frames))
    slider.value = -0.5
    (output,) = box.output.outputs
    assert output == {"output_type": "stream", "name": "stdout",
                      "text": "cannot draw this setting: the end must be ≥ 0\n"}
    plt.close(fig)


def test_frozen_legends_keep_their_pixels_and_refuse_a_legend_inside_the_box():
    fig, (outside, inside) = plt.subplots(1, 2, figsize=(4, 2), dpi=50)
    outside.plot([0, 1], label="a line")
    outside.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.85))
    fig.canvas.draw()
    before = np.asarray(fig.canvas.buffer_rgba()).copy()
    freeze_legends(fig)
    assert outside.get_legend() is None and len(fig.images) == 1
    fig.canvas.draw()
    assert np.array_equal(np.asarray(fig.canvas.buffer_rgba()), before)
    inside.plot([0, 1], label="another")
    inside.legend(loc="upper left")
    with pytest.raises(ValueError, match="outside their axes"):
        freeze_legends(fig)
    plt.close(fig)


def test_labels_are_kept_with_the_background_and_a_frame_still_equals_a_full_redraw():
    r"""Texts given as ``labels`` are drawn once per set of their strings, not in every frame."""
    fig, ax = plt.subplots(figsize=(3, 2), dpi=50)
    (line,) = ax.plot([0, 1], [0, 1])
    tick = ax.text(0.5, -0.15, "0", transform=ax.transAxes, ha="center", va="top")
    frames = Frames(fig, [line], labels=[tick])
    assert tick not in frames.foreground and tick.get_animated()
    for k, label in enumerate(["0", "10", "0", "20", "10"]):
        tick.set_text(label)
        line.set_ydata([0, k / 4])
        assert np.array_equal(frames.draw(), full_draw(frames))
    assert len(frames._labelled) == 3 and len(frames._backgrounds) == 1  # one per label string
    with pytest.raises(TypeError, match="Text"):
        Frames(fig, [line], labels=[line])
    with pytest.raises(ValueError, match="both changing and a label"):
        Frames(fig, [line, tick], labels=[tick])
    plt.close(fig)


def test_a_caption_is_text_under_the_frame_escaped_as_html():
    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    (line,) = ax.plot([0, 1], [0, 1])
    slider = ipywidgets.FloatSlider(value=1.0, min=0.0, max=2.0, description="end")

    def update(state):
        line.set_ydata([0, state["end"]])
        return f"end = {state['end']:.1f} < 2\nsecond line"

    box = widgets.live_panel([slider], fig, update, changing=[line])
    slider.value = 0.5
    frame, caption = box.output.outputs
    assert "image/png" in frame["data"]
    assert caption["data"]["text/plain"] == "end = 0.5 < 2\nsecond line"
    assert "end = 0.5 &lt; 2\nsecond line</pre>" in caption["data"]["text/html"]
    with pytest.raises(TypeError, match="caption is a string"):
        widgets.panels.caption_output(0.5)
    plt.close(fig)
