r"""Thin ipywidgets wrappers around :mod:`course_lib.plots`.

Every panel is controls + an ``Output`` area. ``panel`` calls a plot function
and shows a new figure on each change; ``live_panel`` keeps one figure and lets
an update function change its artists in place (fast enough for dragging). Slider ranges are clamped to sensible bounds, and
a computation that fails (say log of a negative number) shows its error message
inside the output area instead of raising into the notebook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from course_lib import plots
from course_lib.graph import Graph

__all__ = ["panel", "live_panel", "forward_pass_explorer"]


def _controlled(controls: list, render: Callable[[dict], None]) -> widgets.VBox:
    r"""Controls above an output area; ``render(state)`` fills the area after every change.

    ``state`` is ``{control.description: control.value}``. A ``ValueError`` or
    ``TypeError`` from ``render`` is shown as a message in the output area.
    """
    out = widgets.Output(layout=widgets.Layout(min_height="120px"))

    def refresh(_change=None) -> None:
        state = {c.description: c.value for c in controls}
        out.clear_output(wait=True)
        problem = None
        with out:  # inside a kernel, what is shown here lands in the output area
            try:
                render(state)
            except (ValueError, TypeError) as exc:
                problem = exc
        if problem is not None:  # written directly, so it shows with or without a kernel
            out.append_stdout(f"cannot draw this setting: {problem}\n")

    for c in controls:
        c.observe(refresh, names="value")
    refresh()
    box = widgets.VBox([widgets.HBox(controls, layout=widgets.Layout(flex_flow="row wrap")), out])
    box.refresh = refresh  # lets a notebook (or a test) redraw after changing a control
    box.output = out
    return box


def panel(controls: list, draw: Callable[[dict], object]) -> widgets.VBox:
    r"""Controls above an output area; ``draw(state)`` makes a new figure on every change.

    For small pictures. Panels that must update quickly use :func:`live_panel`.
    """
    def render(state: dict) -> None:
        try:
            draw(state)
            plt.show()
        finally:
            plt.close("all")

    return _controlled(controls, render)


def live_panel(controls: list, figure, update: Callable[[dict], object]) -> widgets.VBox:
    r"""Controls above one figure whose artists ``update(state)`` changes in place.

    The figure is built once by the caller (from :mod:`course_lib.plots` functions
    that return their artists); each change only edits those artists (``set_data``,
    ``set_text``, ...) and shows the same figure again, so nothing is re-plotted.
    """
    plt.close(figure)  # keep it out of pyplot's list: shown only inside the panel

    def render(state: dict) -> None:
        update(state)
        display(figure)

    return _controlled(controls, render)


def forward_pass_explorer(g: Graph, values: Mapping[str, float],
                          limits: Mapping[str, tuple[float, float]] | None = None,
                          show_adjoints: Callable[[dict], Mapping[str, float]] | None = None,
                          ) -> widgets.VBox:
    r"""One slider per input of ``g``; the graph is redrawn with z_i = f_i(z_a(i)) for all i.

    ``values`` gives the sliders' starting points; ``limits`` their (low, high)
    ranges (default: start ± 3). Starting points are clamped into the range.
    ``show_adjoints(forward_values)`` may return λ's to print under the values.
    """
    limits = dict(limits or {})
    sliders = []
    for name in g.inputs:
        start = float(values[name]) if name in values else 0.0
        low, high = limits.get(name, (start - 3.0, start + 3.0))
        if not low < high:
            raise ValueError(f"slider range for {name!r} must have low < high, got {(low, high)}")
        sliders.append(widgets.FloatSlider(value=min(max(start, low), high), min=low, max=high,
                                           step=(high - low) / 100, description=name,
                                           continuous_update=False, readout_format=".2f"))

    def draw(state: dict) -> None:
        z = g.forward(state)
        lam = show_adjoints(z) if show_adjoints is not None else None
        plots.draw_graph(g, values=z, adjoints=lam)

    return panel(sliders, draw)

