r"""Checkpointing schedules as time–step diagrams (lesson 11).

A schedule (:mod:`course_lib.checkpoint`) is a list of actions on a chain x_{i+1} = F_i(x_i).
Drawn with time to the right and the state index i upward:

- ("advance", i)   a solid segment (t, i) → (t + 1, i + 1): one forward step, one time unit;
- ("reverse", i)   a dashed segment (t, i + 1) → (t + 1, i): the adjoint moves from step i + 1
                   back to i, one time unit;
- ("store", i)     a filled circle at (t, i), and a light band at height i until the state is
                   freed: the states held at time t are the bands crossing t;
- ("restore", i)   a triangle at (t, i), joined by a dotted jump from the state current before;
- ("free", i)      a cross at (t, i).

Stores, restores and frees take no time. Each kind differs in colour (Okabe–Ito, from
:mod:`~course_lib.plots.palette`) and in line style or marker, and the legend names them.
One artist per kind holds every action of that kind, so a live panel changes their data in
place (:func:`update_schedule_diagram`) instead of drawing the picture again.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from course_lib.plots import palette
from course_lib.plots.describe import describe
from course_lib.plots.span_axes import SpanAxes, round_span

__all__ = ["schedule_timeline", "schedule_diagram", "update_schedule_diagram"]

#: The action kinds and how each is drawn: (label, colour, line style or marker).
ACTION_STYLES = {
    "advance": ("advance (forward step)", palette.BLUE, "-"),
    "reverse": ("reverse (backward step)", palette.VERMILLION, "--"),
    "store": ("store a state", palette.BLUISH_GREEN, "o"),
    "restore": ("restore a stored state", palette.ORANGE, "^"),
    "free": ("free a stored state", palette.BLACK, "x"),
}
HELD_COLOUR = palette.LIGHT_GREY
ACTIONS = tuple(ACTION_STYLES)


def schedule_timeline(actions: Iterable[tuple[str, int]]) -> dict:
    r"""Where each action of a schedule is drawn, and the two costs it implies.

    Returns ``{"advance": [((t, i), (t+1, i+1)), …], "reverse": [((t, i+1), (t+1, i)), …],
    "store"/"restore"/"free": [(t, i), …], "jumps": [((t, from), (t, to)), …] (restores),
    "held": [((t_store, i), (t_free, i)), …], "time": the last t, "forward_steps": the number
    of advances, "peak_stored": max over t of the states held, "top_state": the largest state
    index drawn}``. Refuses an action it does not
    know, a free or restore of a state not stored (ValueError naming the action).
    """
    out: dict = {kind: [] for kind in ACTIONS}
    out["jumps"], out["held"] = [], []
    t, current, stored, peak, top = 0, 0, {}, 0, 0
    for k, item in enumerate(actions):
        try:
            action, i = item
            i = int(i)
        except (TypeError, ValueError):
            raise ValueError(f"action {k} must be a pair (name, state index), got {item!r}") \
                from None
        if action not in ACTION_STYLES:
            raise ValueError(f"action {k} is {action!r}; expected one of {', '.join(ACTIONS)}")
        top = max(top, i + 1 if action in ("advance", "reverse") else i)
        if action == "advance":
            out["advance"].append(((t, i), (t + 1, i + 1)))
            t, current = t + 1, i + 1
        elif action == "reverse":
            out["reverse"].append(((t, i + 1), (t + 1, i)))
            t, current = t + 1, i
        elif action == "store":
            out["store"].append((t, i))
            stored[i] = t
            peak = max(peak, len(stored))
        else:  # restore or free
            if i not in stored:
                raise ValueError(f"action {k} is ({action!r}, {i}) but state {i} is not stored")
            out[action].append((t, i))
            if action == "restore":
                out["jumps"].append(((t, current), (t, i)))
                current = i
            else:
                out["held"].append(((stored.pop(i), i), (t, i)))
    out["held"] += [((start, i), (t, i)) for i, start in stored.items()]  # never freed
    out.update(time=t, forward_steps=len(out["advance"]), peak_stored=peak, top_state=top)
    return out


def changing_artists(ax) -> list:
    r"""The artists :func:`update_schedule_diagram` changes (for a live panel's frames)."""
    return [_artist(ax, kind) for kind in ("held", "jumps", *ACTIONS)] + [ax.title]


def tick_labels(ax) -> list:
    r"""The tick labels :func:`update_schedule_diagram` rewrites when the axes' spans change."""
    return _span_axes(ax).texts


def _span_axes(ax) -> SpanAxes:
    found = getattr(ax, "_schedule_spans", None)
    if found is None:
        raise ValueError("these Axes hold no schedule diagram; draw one with schedule_diagram "
                         "first")
    return found


def _points(pairs: list) -> np.ndarray:
    return np.array(pairs, dtype=float).reshape(-1, 2)


def schedule_diagram(actions: Iterable[tuple[str, int]], n_steps: int | None = None, ax=None,
                     title: str | None = None):
    r"""Draw a checkpointing schedule as a time–step diagram; returns the Axes.

    ``n_steps`` sets the height (states 0 … T); by default the largest state the schedule
    touches. The axes run to round numbers at or above the time and the height
    (:func:`~course_lib.plots.span_axes.round_span`; 5 or a multiple of 10): the artists are
    scaled to them (:class:`~course_lib.plots.span_axes.SpanAxes`), so another schedule moves
    only the artists and the tick labels, never the Axes' limits. The title states the forward
    steps and the most states held at once; a ``title`` of one's own ("" for none) may name
    ``{forward_steps}``, ``{peak_stored}`` and the other entries of :func:`schedule_timeline`,
    filled in from the schedule drawn. The artists carry gids ``"schedule advance"``, ``"schedule reverse"``, … so that
    :func:`update_schedule_diagram` can give them a new schedule.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8.0, 3.4))
    held = LineCollection([], colors=HELD_COLOUR, linewidths=5.0, zorder=1,
                          gid="schedule held", label="state held")
    ax.add_collection(held)
    jumps = LineCollection([], colors=ACTION_STYLES["restore"][1], linestyles=":",
                           linewidths=1.2, zorder=2, gid="schedule jumps")
    ax.add_collection(jumps)
    for kind in ("advance", "reverse"):
        label, colour, style = ACTION_STYLES[kind]
        ax.add_collection(LineCollection([], colors=colour, linestyles=style, linewidths=1.8,
                                         zorder=3, gid=f"schedule {kind}", label=label))
    for kind in ("store", "restore", "free"):
        label, colour, marker = ACTION_STYLES[kind]
        ax.plot([], [], ls="none", marker=marker, color=colour, ms=6 if kind != "free" else 7,
                mew=1.8 if kind == "free" else 1.0, zorder=4, gid=f"schedule {kind}", label=label)
    ax.set_xlabel("time (steps taken)")
    ax.set_ylabel("state index i")
    ax._schedule_spans = SpanAxes(ax, x=True, y=True, margin=0.03, widest_y="00")
    ax._schedule_spans.add(*ax.collections, *ax.lines)
    ax.grid(True, color=palette.GRID, lw=0.6)
    ax.set_axisbelow(True)  # ticks and grid under the schedule (a live panel draws them once)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
              frameon=False).set_zorder(0.8)  # under the schedule too: drawn once
    update_schedule_diagram(ax, actions, n_steps=n_steps, title=title)
    return ax


def _artist(ax, kind: str):
    gid = f"schedule {kind}"
    for artist in (*ax.collections, *ax.lines):
        if artist.get_gid() == gid:
            return artist
    raise ValueError(f"these Axes hold no schedule diagram (no artist {gid!r}); draw one with "
                     "schedule_diagram first")


def update_schedule_diagram(ax, actions: Iterable[tuple[str, int]], n_steps: int | None = None,
                            title: str | None = None) -> dict:
    r"""Give the diagram on ``ax`` another schedule (its artists' data, limits, title and
    description change in place); returns :func:`schedule_timeline` of the schedule."""
    timeline = schedule_timeline(actions)
    for kind in ("advance", "reverse", "jumps", "held"):
        _artist(ax, kind).set_segments([np.array(s, dtype=float) for s in timeline[kind]])
    for kind in ("store", "restore", "free"):
        xy = _points(timeline[kind])
        _artist(ax, kind).set_data(xy[:, 0], xy[:, 1])
    top = n_steps if n_steps is not None else max(timeline["top_state"], 1)
    # round spans; the axes' limits never move, only the tick labels (a live panel redraws them)
    _span_axes(ax).set_spans(x=round_span(max(timeline["time"], 1)),
                             y=5 if top <= 5 else 10 * math.ceil(top / 10))
    counts = {kind: len(timeline[kind]) for kind in ACTIONS}
    if title is None:
        title = "{forward_steps} forward steps, at most {peak_stored} states stored"
    ax.set_title(title.format(**timeline), fontsize=10)
    describe(ax, f"Time–step diagram of a checkpointing schedule over {timeline['time']} time "
                 f"units and states 0 to {top}: {counts['advance']} advances (solid rising "
                 f"segments), {counts['reverse']} reversals (dashed falling segments), "
                 f"{counts['store']} stores (circles), {counts['restore']} restores (triangles), "
                 f"{counts['free']} frees (crosses); at most {timeline['peak_stored']} states "
                 f"held at once (grey bands).")
    return timeline
