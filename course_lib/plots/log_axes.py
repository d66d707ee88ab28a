r"""Plain-text tick labels for log axes: 10ᵏ in Unicode superscripts, no mathtext.

Matplotlib's default log labels are mathtext, whose layout costs most of a redraw; these cost
almost nothing, which is what lets a live panel redraw a log axis on every slider move.
"""

from __future__ import annotations

import math

import matplotlib.ticker

__all__ = ["plain_log_labels", "decade_ticks"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class _PlainLogFormatter(matplotlib.ticker.Formatter):
    r"""Log-axis tick labels in plain text: 10ᵏ at the decades (Unicode superscripts) and, on an
    axis spanning less than two decades, 2·10ᵏ and 5·10ᵏ as plain numbers. Matplotlib's default
    labels are mathtext, whose layout costs most of a redraw; these cost almost nothing."""

    def __init__(self, minor: bool = False) -> None:
        self.minor = minor

    def __call__(self, value: float, pos=None) -> str:
        if not value > 0:
            return ""
        k = math.floor(math.log10(value) + 1e-9)
        mantissa = value / 10.0**k
        if math.isclose(mantissa, 1.0, rel_tol=1e-6):
            return "" if self.minor else "10" + str(k).translate(_SUPERSCRIPT)
        low, high = sorted(self.axis.get_view_interval()) if self.axis else (1.0, 1e9)
        narrow = low > 0 and high / low < 100
        if narrow and any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (2.0, 5.0)):
            return f"{value:g}"
        return ""


def plain_log_labels(ax, axis: str = "y", minor_ticks: bool = True) -> None:
    r"""Give the log-scaled ``axis`` ("x", "y" or "both") of ``ax`` plain-text tick labels.

    ``minor_ticks=False`` removes the minor ticks too (8 per decade, each a Text artist that a
    redraw lays out): for panels that redraw on every slider move.
    """
    for name in ("x", "y") if axis == "both" else (axis,):
        target = ax.xaxis if name == "x" else ax.yaxis
        target.set_major_formatter(_PlainLogFormatter())
        target.set_minor_formatter(_PlainLogFormatter(minor=True))
        if not minor_ticks:
            target.set_minor_locator(matplotlib.ticker.NullLocator())


def decade_ticks(ax, low: float, high: float) -> None:
    r"""Few, plain-text labels on a fixed log axis (text is what costs time in a redraw).

    Labels at 10^k for k a multiple of 10 and at most four labelled ticks on the x axis.
    """
    ks = range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)
    ax.set_yticks([10.0**k for k in ks if k % 10 == 0],
                  ["1" if k == 0 else f"1e{k}" for k in ks if k % 10 == 0])
    ax.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3, steps=[1, 2, 5, 10]))

