"""Lesson 14's α-projection plot and its α slider."""

import contextlib
import io

import ipywidgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from test_widgets_frames import full_draw

from course_lib import alpha_divergence, plots, widgets
from course_lib.plots import palette

X = np.linspace(-12, 12, 401)
DX = X[1] - X[0]


def gauss(t, m, s):
    return np.exp(-0.5 * ((t - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))


P_MIX = 0.4 * gauss(X, -2.2, 0.6) + 0.6 * gauss(X, 2.0, 0.8)


def build(**kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return widgets.alpha_projection_explorer(X, P_MIX, **kwargs)


def test_plot_draws_target_ends_and_projection_with_palette_colours_and_a_description():
    q = gauss(X, 0.3, 2.0)
    ends = {"I-projection (α → 0)": gauss(X, 2.0, 0.8), "M-projection (α = 1)": gauss(X, 0.3, 2.2)}
    artists = plots.alpha_projection_plot(X, P_MIX, q, 0.5, 0.3, 2.0, ends=ends)
    ax = artists["ax"]
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"target p (two modes)", "α-projection", *ends}
    assert np.allclose(lines["α-projection"].get_ydata(), q)
    assert lines["α-projection"].get_color() == palette.BLUE
    assert lines["I-projection (α → 0)"].get_linestyle() == "--"
    assert ax.get_title() == "α = 0.50: Gaussian with mean +0.30, sd 2.00"
    text = plots.description(ax.figure)
    assert "bimodal" in text and "α = 0.50" in text and "I-projection (α → 0)" in text
    plots.update_alpha_projection_plot(artists, gauss(X, 1.0, 1.0), 0.25, 1.0, 1.0)
    assert np.allclose(artists["q"].get_ydata(), gauss(X, 1.0, 1.0))
    assert "α = 0.25" in plots.description(ax.figure)
    with pytest.raises(ValueError, match="one value per grid point"):
        plots.alpha_projection_plot(X, P_MIX[:-1], q, 0.5, 0.3, 2.0)
    with pytest.raises(ValueError, match="one value per grid point"):
        plots.update_alpha_projection_plot(artists, q[:-1], 0.5, 0.3, 2.0)
    plt.close("all")


def test_explorer_has_the_alpha_slider_first_and_one_projection_per_step():
    box = build(alpha=0.3, steps=10)
    slider = box.children[0].children[0]
    assert isinstance(slider, ipywidgets.FloatSlider)
    assert (slider.description, slider.value, slider.min, slider.max) == ("α", 0.3, 0.0, 1.0)
    assert sorted(box.projections) == pytest.approx(np.linspace(0, 1, 11))
    plt.close("all")


def test_slider_puts_that_alphas_projection_into_the_same_line():
    box = build(alpha=0.5, steps=10)
    slider, line = box.children[0].children[0], box.artists["q"]
    for value in (0.0, 0.2, 1.0):
        slider.value = value
        assert box.artists["q"] is line
        m, s = alpha_divergence.gaussian_alpha_projection(X, P_MIX, value)   # computed afresh
        expected = alpha_divergence.gaussian_on_grid(X, m, s) / DX
        assert np.allclose(line.get_ydata(), expected, atol=1e-6)
        assert box.artists["title"].get_text().startswith(f"α = {value:.2f}")
        frame, caption = box.output.outputs  # the picture, then α, mean and sd as text
        assert "image/png" in frame["data"]
        assert caption["data"]["text/plain"] == f"α = {value:.2f}: Gaussian with mean {m:+.2f}, sd {s:.2f}"
    assert not any("cannot draw" in o.get("text", "") for o in box.output.outputs)
    plt.close("all")


def test_the_ends_are_the_i_and_m_projections():
    box = build(steps=4)
    (m1, s1), (m0, s0) = box.projections[1.0], box.projections[0.0]
    p_grid = P_MIX / P_MIX.sum()
    assert (m1, s1) == pytest.approx(alpha_divergence.moments(X, P_MIX))
    assert abs(m0 - 2.0) < 0.1 and s0 < 1.0 < 2.0 < s1         # one mode, then both
    assert p_grid @ X == pytest.approx(m1)
    plt.close("all")


def test_a_frame_equals_a_full_draw_and_is_described():
    box = build(alpha=0.5, steps=4)
    box.children[0].children[0].value = 0.25
    frames = box.frames
    frame = frames.draw().copy()
    assert np.array_equal(frame, full_draw(frames))
    assert "α = 0.25" in repr(frames.png())
    plt.close("all")


def test_bad_input_is_named_and_alpha_is_clamped():
    assert build(alpha=7.0, steps=4).children[0].children[0].value == 1.0
    with pytest.raises(ValueError, match="steps"):
        build(steps=0)
    with pytest.raises(ValueError, match="positive and finite"):
        widgets.alpha_projection_explorer(X, np.where(X > 0, P_MIX, 0.0), steps=2)
    plt.close("all")
