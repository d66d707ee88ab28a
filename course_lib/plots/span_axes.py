r"""Axes whose range follows a span while their limits stay put: the data are scaled, not the axes.

A live panel draws an Axes' ticks, tick labels and grid once (its background) and again only
when the Axes' limits change. In Matplotlib 3.11 that costs 17–28 ms per axis (each tick is
an artist, each label is laid out glyph by glyph), more than a whole frame may take. A chart
whose range follows a control — the iteration cap of lesson 07's BP panel, the chain length
of lesson 11's schedules — can keep its limits fixed instead:

    the data go through x ↦ x / span (and y ↦ y / span) before the Axes' own transform,
    the limits stay −margin … 1 + margin, the ticks stay at the fractions 0, 0.2, …, 1,

and only the tick labels (fraction × span: short texts written by :meth:`SpanAxes.set_spans`)
change. The artists keep their data in the chart's own units (``get_xdata()`` is iterations,
not fractions). Ticks at fifths of a span read as round numbers when the span is one of
10, 15, 20, 30, 50, 75, 100, … (a multiple of 5 whose fifth is round).
"""

from __future__ import annotations

from matplotlib.transforms import Affine2D, offset_copy

__all__ = ["SpanAxes", "FRACTIONS", "round_span"]

#: Where the ticks sit, as fractions of the span (the axis runs 0 … span).
FRACTIONS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def round_span(value: float, smallest: float = 10.0) -> float:
    r"""The least of 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, … at or above ``value``, and at least
    ``smallest``: a round end for an axis ticked at fifths (:data:`FRACTIONS`)."""
    scale = 1.0
    while True:
        for step in (1, 1.5, 2, 3, 5, 7.5):
            if step * scale >= value:
                return max(step * scale, float(smallest))
        scale *= 10


def _tick_text(value: float) -> str:
    return f"{value:.4g}".replace("-", "−")


class SpanAxes:
    r"""Scale an Axes' x data, y data or both by a span, with tick labels written as texts.

    ``SpanAxes(ax, x=True)`` fixes the x limits to −``margin`` … 1 + ``margin``, puts ticks
    (and grid lines) at :data:`FRACTIONS`, hides Matplotlib's labels for them and writes its own
    below the axis (left of it for y), in the tick labels' font, size and colour. Artists given to
    :meth:`add` are drawn through the scaling (``transform`` = x/span, y/span, then
    ``ax.transData``); :meth:`set_spans` changes the spans and relabels the ticks.
    ``widest_y`` is the widest y label expected (say ``"60"``): the y axis label is moved left
    of it. The label texts are ``texts`` (a live panel's changing artists).
    """

    def __init__(self, ax, x: bool = False, y: bool = False, margin: float = 0.02,
                 widest_y: str = "00") -> None:
        if not (x or y):
            raise ValueError("SpanAxes scales x, y or both: give x=True and/or y=True")
        self.ax = ax
        self._scale = Affine2D()
        self.transform = self._scale + ax.transData
        self.spans = {"x": 1.0, "y": 1.0}
        self.labels: dict[str, list] = {}
        figure = ax.figure
        for name, on in (("x", x), ("y", y)):
            if not on:
                continue
            axis = ax.xaxis if name == "x" else ax.yaxis
            tick = axis.get_major_ticks()[0]
            style = dict(fontsize=tick.label1.get_fontsize(), color=tick.label1.get_color(),
                         clip_on=False)
            pad = tick.get_pad() + tick.get_tick_padding()  # as Matplotlib places its labels
            (ax.set_xlim if name == "x" else ax.set_ylim)(-margin, 1 + margin)
            (ax.set_xticks if name == "x" else ax.set_yticks)(FRACTIONS)
            if name == "x":
                ax.tick_params(axis="x", labelbottom=False)
                place = offset_copy(ax.get_xaxis_transform(), figure, y=-pad, units="points")
                self.labels["x"] = [ax.text(f, 0, "", transform=place, ha="center", va="top",
                                            **style) for f in FRACTIONS]
                axis.labelpad += style["fontsize"] + pad  # clear of the labels' line
            else:
                ax.tick_params(axis="y", labelleft=False)
                place = offset_copy(ax.get_yaxis_transform(), figure, x=-pad, units="points")
                self.labels["y"] = [ax.text(0, f, "", transform=place, ha="right",
                                            va="center_baseline", **style) for f in FRACTIONS]
                axis.labelpad += 0.62 * style["fontsize"] * len(widest_y) + pad
        self.set_spans(x=1.0 if x else None, y=1.0 if y else None)

    @property
    def texts(self) -> list:
        r"""The tick-label texts this object writes (x first)."""
        return [t for name in ("x", "y") for t in self.labels.get(name, [])]

    def add(self, *artists):
        r"""Draw ``artists`` (data in the chart's units) through the scaling; returns them."""
        for artist in artists:
            artist.set_transform(self.transform)
        return artists

    def set_spans(self, x: float | None = None, y: float | None = None) -> None:
        r"""Make the x axis run 0 … ``x`` and the y axis 0 … ``y`` (None: leave it)."""
        for name, span in (("x", x), ("y", y)):
            if span is None:
                continue
            if name not in self.labels:
                raise ValueError(f"this SpanAxes does not scale {name}")
            span = float(span)
            if not span > 0:
                raise ValueError(f"a span must be positive, got {name}={span!r}")
            self.spans[name] = span
            for f, text in zip(FRACTIONS, self.labels[name]):
                text.set_text(_tick_text(f * span))
        self._scale.clear().scale(1.0 / self.spans["x"], 1.0 / self.spans["y"])
