r"""A 1-D target density beside its α-projections onto Gaussians (lesson 14).

:func:`alpha_projection_plot` draws the target p (filled), the two ends of Minka's family —
the I-projection (α → 0, mode-seeking) and the M-projection (α = 1, moment matching) — dashed,
and the α-projection for one α as a solid line; :func:`update_alpha_projection_plot` puts
another α's projection into that line in place (for the live panel).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np

from course_lib.plots import palette
from course_lib.plots.describe import describe

__all__ = ["alpha_projection_plot", "update_alpha_projection_plot"]


def _title(alpha: float, mean: float, sd: float) -> str:
    return f"α = {alpha:.2f}: Gaussian with mean {mean:+.2f}, sd {sd:.2f}"


def alpha_projection_plot(x, p, q, alpha: float, mean: float, sd: float,
                          ends: Mapping[str, np.ndarray] | None = None, ax=None) -> dict:
    r"""Target density ``p`` (filled), ``ends`` {label: density} dashed, the α-projection ``q``.

    All densities are values on the grid ``x``; ``mean`` and ``sd`` of ``q`` go into the title.
    Returns ``{"ax", "q", "title"}`` for :func:`update_alpha_projection_plot`.
    """
    x = np.asarray(x, dtype=float)
    arrays = {"p": p, "q": q, **dict(ends or {})}
    for name, values in arrays.items():
        if np.shape(values) != x.shape:
            raise ValueError(f"{name} must have one value per grid point, shape {x.shape}, "
                             f"got {np.shape(values)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 3.6))
    ax.fill_between(x, p, color=palette.LIGHT_GREY, alpha=0.6, lw=0)
    ax.plot(x, p, color=palette.INK, lw=1.4, label="target p (two modes)")
    colours = (palette.ORANGE, palette.BLUISH_GREEN)
    for k, (label, values) in enumerate((ends or {}).items()):
        ax.plot(x, values, ls=palette.DASHES[1 + k % 3], lw=1.6, color=colours[k % 2], label=label)
    (line,) = ax.plot(x, q, color=palette.BLUE, lw=2.4, label="α-projection")
    top = 1.15 * max(float(np.max(v)) for v in arrays.values())
    ax.set_ylim(0, top)
    shown = np.flatnonzero(np.max([np.asarray(v) for v in arrays.values()], axis=0) > 1e-3 * top)
    ax.set_xlim(x[shown[0]], x[shown[-1]])                 # where some curve is visible
    ax.set_xlabel("x")
    ax.set_ylabel("density")
    ax.grid(True, color=palette.GRID)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    title = ax.set_title(_title(alpha, mean, sd), fontsize=10)
    artists = {"ax": ax, "q": line, "title": title}
    end_text = ", ".join((ends or {}).keys())

    def text() -> str:
        low, high = ax.get_xlim()
        return (f"A bimodal target density over x from {low:.0f} to {high:.0f}"
                + (f", with {end_text} dashed" if end_text else "")
                + f"; solid: the α-projection onto Gaussians, {title.get_text()}.")
    describe(ax, text)
    return artists


def update_alpha_projection_plot(artists: dict, q, alpha: float, mean: float, sd: float) -> dict:
    r"""Put another α-projection ``q`` (and its α, mean, sd) into :func:`alpha_projection_plot`."""
    line = artists["q"]
    if np.shape(q) != np.shape(line.get_xdata()):
        raise ValueError(f"q must have one value per grid point, got shape {np.shape(q)}")
    line.set_ydata(q)
    artists["title"].set_text(_title(alpha, mean, sd))
    return artists
