r"""The checkpointing-schedule explorer of lesson 11: choose the chain length T
(``n_steps``) and the snapshots s, see the optimal schedule.

A thin wrapper: two sliders, :func:`course_lib.checkpoint.schedule`, and
:func:`plots.schedule_diagram`'s artists given the new schedule in place inside a
:func:`~course_lib.widgets.panels.live_panel` (the axes, the grid and the legend are drawn once:
the limits never move, only the tick labels follow the spans; tests/test_widgets_schedules.py
checks the forward steps it shows against :func:`~course_lib.checkpoint.min_forward_steps`).
"""

from __future__ import annotations

import ipywidgets as widgets

from course_lib import checkpoint, plots
from course_lib.plots import schedules
from course_lib.widgets.panels import freeze_legends, live_panel

__all__ = ["schedule_explorer"]

#: The largest chain the explorer draws (with s = 1 that is n(n − 1)/2 = 1770 forward steps).
MOST_STEPS = 60


def _bounded(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    return min(max(value, low), high)


def schedule_explorer(n_steps: int = 10, snapshots: int = 3, max_steps: int = 30,
                      max_snapshots: int = 10) -> widgets.VBox:
    r"""Sliders for the chain length T (``n_steps``) and the snapshots s; the optimal schedule.

    Each change draws ``checkpoint.schedule(T, s)`` as a time–step diagram
    (:func:`plots.schedule_diagram`), captioned (as text under the picture) with its forward
    steps (its advances, which are steps(T, s) = ``checkpoint.min_forward_steps(T, s)``) and
    the most states it stores at once (min(s, T)), both counted on the schedule drawn.
    Starting values are clamped into 1 … ``max_steps`` and 1 … ``max_snapshots``; a change
    that fails shows its message in the output area. Attributes: ``axes``, ``update(state)``
    and ``timeline()``, the :func:`plots.schedule_timeline` of the schedule drawn last.
    """
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) \
            or not 1 <= max_steps <= MOST_STEPS:
        raise ValueError(f"max_steps must be an integer in 1..{MOST_STEPS}, got {max_steps!r}")
    if isinstance(max_snapshots, bool) or not isinstance(max_snapshots, int) \
            or max_snapshots < 1:
        raise ValueError(f"max_snapshots must be a positive integer, got {max_snapshots!r}")
    steps = widgets.IntSlider(value=_bounded("n_steps", n_steps, 1, max_steps), min=1,
                              max=max_steps, description="steps T", continuous_update=True)
    kept = widgets.IntSlider(value=_bounded("snapshots", snapshots, 1, max_snapshots), min=1,
                             max=max_snapshots, description="snapshots s",
                             continuous_update=True)
    ax = plots.schedule_diagram(checkpoint.schedule(steps.value, kept.value), steps.value,
                                title="")
    ax.figure.set_size_inches(9.0, 3.4)
    ax.figure.tight_layout()
    freeze_legends(ax.figure)
    box_state: dict = {}

    def update(state: dict) -> str:
        n = min(max(int(state["steps T"]), 1), max_steps)  # clamped: a control set outside
        s = min(max(int(state["snapshots s"]), 1), max_snapshots)
        timeline = plots.update_schedule_diagram(ax, checkpoint.schedule(n, s), n_steps=n,
                                                 title="")  # the costs are the caption
        box_state["last"] = timeline
        return (f"T = {n}, s = {s}: {timeline['forward_steps']} forward steps, "
                f"{timeline['peak_stored']} stored at most")

    box = live_panel([steps, kept], ax.figure, update, changing=schedules.changing_artists(ax),
                     labels=schedules.tick_labels(ax))
    box.axes = ax
    box.update = update
    box.timeline = lambda: box_state.get("last")
    return box
