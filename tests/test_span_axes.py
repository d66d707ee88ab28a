r"""SpanAxes scale the data, never the Axes' limits: the picture equals a plot of the same data
on limits 0 … span with ticks at fifths, and round_span picks the least round span that fits."""

import io

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.plots.span_axes import FRACTIONS, SpanAxes, round_span

ROUND = [m * 10.0**k for k in range(6) for m in (1, 1.5, 2, 3, 5, 7.5)]


@settings(max_examples=200, deadline=None)
@given(st.floats(0.001, 4e5, allow_nan=False), st.sampled_from([1.0, 5.0, 10.0]))
def test_round_span_is_the_least_round_number_at_or_above_the_value(value, smallest):
    span = round_span(value, smallest=smallest)
    fitting = [r for r in ROUND if r >= value and r >= smallest]  # the oracle: search the list
    assert span == min(fitting)
    if span >= 10:  # whole numbers at every tick (a count of steps reads as one)
        assert all(float(f * span).is_integer() for f in FRACTIONS)


def _pixels(fig) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="rgba", dpi=40)
    return np.frombuffer(buffer.getvalue(), dtype=np.uint8)


@settings(max_examples=15, deadline=None)
@given(st.sampled_from([10.0, 15.0, 30.0, 75.0, 200.0]), st.sampled_from([5.0, 20.0, 60.0]))
def test_scaled_data_lands_where_plain_limits_would_put_it(x_span, y_span):
    rng = np.random.default_rng(int(x_span + y_span))
    x, y = rng.uniform(0, x_span, 12), rng.uniform(0, y_span, 12)
    fig, ax = plt.subplots(figsize=(3, 2))
    spans = SpanAxes(ax, x=True, y=True, margin=0.0)
    (line,) = ax.plot(x, y, "o")
    spans.add(line)
    spans.set_spans(x=x_span, y=y_span)
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 1.0)  # limits never move
    assert np.array_equal(line.get_xdata(), x)  # the data stay in the chart's own units
    assert [t.get_text() for t in spans.labels["x"]] == [f"{f * x_span:.4g}" for f in FRACTIONS]
    assert [t.get_text() for t in spans.labels["y"]] == [f"{f * y_span:.4g}" for f in FRACTIONS]
    shown = spans.transform.transform(np.column_stack([x, y]))
    plain = ax.transAxes.transform(np.column_stack([x / x_span, y / y_span]))  # independent
    assert np.allclose(shown, plain)
    plt.close(fig)


def test_labels_follow_the_span_and_the_axis_label_stays_clear_of_them():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.set_xlabel("time")
    spans = SpanAxes(ax, x=True)
    spans.set_spans(x=300)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    label_box = ax.xaxis.label.get_window_extent(renderer)
    for text in spans.labels["x"]:
        assert not text.get_window_extent(renderer).overlaps(label_box)
    assert spans.labels["x"][-1].get_text() == "300"
    assert all(not t.get_visible() or not t.get_text() for t in ax.get_xticklabels())
    plt.close(fig)


def test_bad_spans_and_axes_are_refused():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="x=True and/or y=True"):
        SpanAxes(ax)
    spans = SpanAxes(ax, x=True)
    with pytest.raises(ValueError, match="positive"):
        spans.set_spans(x=0)
    with pytest.raises(ValueError, match="does not scale y"):
        spans.set_spans(y=3)
    plt.close(fig)


def test_the_figure_pixels_do_not_depend_on_which_span_came_before():
    with matplotlib.rc_context({"text.hinting": "no_hinting"}):
        fig, ax = plt.subplots(figsize=(3, 2))
        spans = SpanAxes(ax, x=True)
        (line,) = ax.plot([0, 5, 10], [0, 1, 0])
        spans.add(line)
        spans.set_spans(x=10)
        first = _pixels(fig).copy()
        spans.set_spans(x=75)
        spans.set_spans(x=10)
        assert np.array_equal(_pixels(fig), first)
        plt.close(fig)
