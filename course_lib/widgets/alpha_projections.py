r"""A slider for Minka's α (lesson 14): the α-projection of a bimodal density onto Gaussians.

A thin wrapper: the projections come from :func:`course_lib.alpha_divergence.gaussian_alpha_projection`
and the picture from :func:`course_lib.plots.alpha_projection_plot`, whose line is updated in place
inside a :func:`~course_lib.widgets.panels.live_panel`. Every α on the slider's grid is projected
once when the panel is built, so a move only redraws.
"""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from course_lib import alpha_divergence, plots
from course_lib.widgets.panels import freeze_legends, live_panel

__all__ = ["alpha_projection_explorer"]


def alpha_projection_explorer(x, p, alpha: float = 0.5, steps: int = 20) -> widgets.VBox:
    r"""An α slider (0 … 1 in ``steps`` steps) over the target ``p`` and its α-projection.

    For each α on the grid, q_α = argmin_{Gaussian q} D_α(p‖q) (p normalised on the grid ``x``);
    the dashed ends are α = 0 (I-projection, KL(q‖p)) and α = 1 (M-projection, KL(p‖q)); the
    caption under the frame gives α and the projection's mean and sd. The panel's
    ``projections`` attribute maps each α to (mean, sd); ``artists`` holds the plot's artists.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a positive integer, got {steps!r}")
    x = np.asarray(x, dtype=float)
    alphas = np.round(np.linspace(0.0, 1.0, steps + 1), 10)
    projections = {float(a): alpha_divergence.gaussian_alpha_projection(x, p, float(a))
                   for a in alphas}                      # checks x and p
    dx = x[1] - x[0]

    def density(a: float) -> np.ndarray:
        return alpha_divergence.gaussian_on_grid(x, *projections[a]) / dx

    def nearest(value: float) -> float:
        return float(alphas[np.argmin(np.abs(alphas - min(max(float(value), 0.0), 1.0)))])

    a0 = nearest(alpha)
    target = np.asarray(p, dtype=float) / (np.sum(p) * dx)
    slider = widgets.FloatSlider(value=a0, min=0.0, max=1.0, step=1.0 / steps, description="α",
                                 readout_format=".2f", continuous_update=True)
    fig, ax = plt.subplots(figsize=(7.0, 3.6))
    artists = plots.alpha_projection_plot(
        x, target, density(a0), a0, *projections[a0], ax=ax,
        ends={"I-projection (α → 0)": density(0.0), "M-projection (α = 1)": density(1.0)})
    # Live: the title (α, mean, sd) is the caption under the frame, text rather than glyphs to
    # draw; the legend goes above the axes, clear of the curves, frozen as a picture.
    artists["title"].set_visible(False)
    ax.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2)
    fig.tight_layout()
    freeze_legends(fig)

    def update(state: dict) -> str:
        a = nearest(state["α"])                             # clamped to the slider's grid
        plots.update_alpha_projection_plot(artists, density(a), a, *projections[a])
        return artists["title"].get_text()

    box = live_panel([slider], fig, update, changing=[artists["q"]])
    box.projections = projections
    box.artists = artists
    return box
