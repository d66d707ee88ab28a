r"""Controls above an output area, and the frames of a live figure.

Every panel is controls + an ``Output`` area. :func:`panel` calls a plot function and shows a
new figure on each change; :func:`live_panel` keeps one figure and lets an update function
change its artists in place. Given the artists that change, a live panel draws the rest once
and, on each change, only those artists over the saved background (:class:`Frames`): what a
control change costs is then the computation plus the few artists it moves. Ranges are
clamped, and a computation that fails (say log of a negative number) shows its error message
inside the output area instead of raising into the notebook.
"""

from __future__ import annotations

import base64
import html
import math
import struct
import zlib
from collections.abc import Callable, Iterable

import ipywidgets as widgets
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from course_lib.plots.describe import description

__all__ = ["panel", "live_panel", "png_image", "Frames", "DescribedPNG", "freeze_legends",
           "caption_output"]


def controlled(controls: list, render: Callable[[dict], object],
               returns_frame: bool = False) -> widgets.VBox:
    r"""Controls above an output area; ``render(state)`` fills the area after every change.

    ``state`` is ``{control.description: control.value}``. A ``ValueError`` or
    ``TypeError`` from ``render`` is shown as a message in the output area. With
    ``returns_frame``, ``render`` returns a :class:`DescribedPNG`, or a pair (frame, caption)
    with the caption a string, and the area's outputs are set to the frame and the caption
    (:func:`caption_output`) directly (one message to the browser), instead of capturing what
    ``render`` displays (clearing, capturing and flushing cost about 5–10 ms a change in a
    kernel).
    """
    out = widgets.Output(layout=widgets.Layout(min_height="120px"))

    def refresh(_change=None) -> None:
        state = {c.description: c.value for c in controls}
        if returns_frame:
            try:
                shown = render(state)
                frame, caption = shown if isinstance(shown, tuple) else (shown, None)
                out.outputs = (frame.output(),) + (() if caption is None
                                                   else (caption_output(caption),))
            except (ValueError, TypeError) as exc:
                out.outputs = ({"output_type": "stream", "name": "stdout",
                                "text": f"cannot draw this setting: {exc}\n"},)
            return
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


def caption_output(text: str) -> dict:
    r"""``text`` as one notebook output under a frame: plain text, and HTML preformatted (its
    lines and spacing kept, say an equation's). Text in the page rather than in the picture is
    read by screen readers, can be copied, and costs a live panel nothing to draw (Agg lays out
    and renders text glyph by glyph: 100 glyphs are about 10 ms of a frame)."""
    if not isinstance(text, str):
        raise TypeError(f"a caption is a string, got {type(text).__name__}")
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": text,
                     "text/html": f'<pre style="margin: 0.2em 0 0 1em">{html.escape(text)}</pre>'}}


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

    return controlled(controls, render)


class DescribedPNG(Image):
    r"""A PNG whose ``text/plain`` is the figure's description (the alt text of a widget frame)."""

    def __init__(self, data: bytes, alt: str) -> None:
        super().__init__(data=data, format="png")
        self.alt = alt

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(self.alt)

    def output(self) -> dict:
        r"""The image as one notebook output (display data: the PNG and its text)."""
        return {"output_type": "display_data", "metadata": {},
                "data": {"image/png": base64.b64encode(self.data).decode("ascii"),
                         "text/plain": self.alt}}

    def __repr__(self) -> str:
        return self.alt


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(rgba: np.ndarray) -> bytes:
    r"""An RGBA image (height, width, 4) of bytes as a PNG: every row unfiltered, zlib level 1.

    A frame is mostly flat colour, which zlib compresses well without PNG's row filters; Pillow
    always chooses a filter per row, which is half its encoding time here (measured: 13.6 ms
    against 6.5 ms for a 1050 × 420 frame, 23 KB against 27 KB). Any PNG reader decodes it.
    """
    height, width, channels = rgba.shape
    if channels != 4 or rgba.dtype != np.uint8:
        raise ValueError(f"encode_png takes RGBA bytes of shape (h, w, 4), got {rgba.shape} "
                         f"{rgba.dtype}")
    rows = np.empty((height, 1 + 4 * width), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (None) for every row
    rows[:, 1:] = rgba.reshape(height, 4 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)) + _chunk(b"IEND", b""))



def png_image(figure) -> DescribedPNG:
    r"""The figure as a PNG, drawn once at its own size and dpi, described by its text.

    Displaying the figure itself would let the inline backend save it with
    ``bbox_inches="tight"``, which draws it twice; a live panel's figure was laid out once, when
    it was built, so one draw is enough. Its ``text/plain`` is
    :func:`course_lib.plots.description` of the figure.
    """
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    figure.canvas.draw()
    return DescribedPNG(encode_png(np.asarray(figure.canvas.buffer_rgba())), description(figure))


#: How a live frame renders text: FreeType's outlines without hinting. Text is most of what a
#: frame redraws (the back substitution stepper draws about 200 glyphs a frame); unhinted glyphs
#: render in about half the time of Matplotlib's default hinting (measured on the steppers and
#: graphs of lessons 01, 03, 07 and 11), and look the same at a glance, only a little softer.
LIVE_TEXT = {"text.hinting": "no_hinting"}

#: How many backgrounds a :class:`Frames` keeps (one per set of axis limits; ~1.5 MB each).
KEPT_BACKGROUNDS = 16


def _draw_list(ax: Axes) -> list:
    r"""An Axes' children in the order ``Axes.draw`` draws them (patch first, then by zorder)."""
    children = ax.get_children()
    children.remove(ax.patch)
    if not (ax.axison and ax.get_frame_on()):
        children = [c for c in children if c not in ax.spines.values()]
    if not ax.axison:
        children = [c for c in children if c not in (ax.xaxis, ax.yaxis)]
    return sorted(children, key=lambda a: a.get_zorder())


class Frames:
    r"""The frames of one live figure: the parts that never change drawn once, the rest on top.

    ``changing`` lists the artists an update changes in place: an Axes (all of it: its limits
    or ticks move), or an artist inside one (a line, a text, an image, a patch), or a figure
    text. Everything an Axes draws from the first changing artist's zorder on is redrawn over a
    saved background, in the order a full draw would use, so a frame equals a full draw pixel
    for pixel as long as the Axes do not overlap (``tests/test_widgets_frames.py`` checks every
    live widget). When an update moves an Axes' limits or shows another Axes, the background is
    drawn again first (so ticks follow); the :data:`KEPT_BACKGROUNDS` most recently used are kept,
    one per set of limits, so going back to limits seen before is cheap again.

    ``labels`` are texts that change now and then, not on every update (say the tick labels of a
    :class:`~course_lib.plots.span_axes.SpanAxes`, which follow a span): they are drawn over the
    background once per set of their strings and kept with it, not drawn in every frame. They
    must not overlap the changing artists (tick labels outside the axes box do not).
    :meth:`png` is the frame as a described PNG.
    """

    def __init__(self, figure, changing: Iterable, labels: Iterable = ()) -> None:
        self.figure = figure
        self.changing = list(changing)
        self.labels = list(labels)
        if not all(isinstance(t, Text) for t in self.labels):
            raise TypeError("Frames' labels must be matplotlib Text artists")
        if not isinstance(figure.canvas, FigureCanvasAgg):
            FigureCanvasAgg(figure)
        changed = set(map(id, self.changing))
        labelled = set(map(id, self.labels))
        if changed & labelled:
            raise ValueError("an artist is both changing and a label: give it once")
        items = sorted((a for a in figure.get_children() if a is not figure.patch),
                       key=lambda a: a.get_zorder())
        self.foreground: list = []
        for item in items:
            if id(item) in changed:
                self.foreground.append(item)
            elif isinstance(item, Axes) and any(id(c) in changed for c in item.get_children()):
                children = _draw_list(item)
                low = min(c.get_zorder() for c in children if id(c) in changed)
                self.foreground += [c for c in children
                                    if c.get_zorder() >= low and id(c) not in labelled]
            elif self.foreground and not isinstance(item, Axes):
                self.foreground.append(item)  # a figure text drawn after a changing Axes
        for artist in (*self.foreground, *self.labels):
            artist.set_animated(True)  # left out of the background (canvas.draw skips them)
        self._backgrounds: dict = {}  # one per layout seen, the most recently used
        self._labelled: dict = {}  # one per (layout, label strings) seen: background + labels

    def _layout(self) -> tuple:
        r"""What the background depends on beyond the artists: each Axes' visibility and limits."""
        return tuple((ax.get_visible(), ax.get_xlim(), ax.get_ylim()) for ax in self.figure.axes)

    def _label_state(self) -> tuple:
        return tuple((t.get_text(), t.get_visible(), t.get_position(), str(t.get_color()),
                      t.get_fontweight()) for t in self.labels)

    def draw(self) -> np.ndarray:
        r"""Draw the current frame on the figure's canvas; returns its RGBA pixels (a view)."""
        canvas = self.figure.canvas
        layout = self._layout()
        key = (layout, self._label_state())
        with matplotlib.rc_context(LIVE_TEXT):  # background and foreground alike
            if key in self._labelled:
                canvas.restore_region(_latest(self._labelled, key))
            else:
                if layout in self._backgrounds:
                    canvas.restore_region(_latest(self._backgrounds, layout))
                else:
                    canvas.draw()
                    _keep(self._backgrounds, layout, canvas.copy_from_bbox(self.figure.bbox))
                if self.labels:
                    renderer = canvas.get_renderer()
                    for label in self.labels:
                        label.draw(renderer)
                    _keep(self._labelled, key, canvas.copy_from_bbox(self.figure.bbox))
            renderer = canvas.get_renderer()
            for artist in self.foreground:
                artist.draw(renderer)
        return np.asarray(canvas.buffer_rgba())

    def png(self) -> DescribedPNG:
        r"""The current frame as a PNG, with the figure's description as its text."""
        return DescribedPNG(encode_png(self.draw()), description(self.figure))


def _latest(kept: dict, key):
    r"""``kept[key]``, marked the most recently used (moved to the end)."""
    kept[key] = kept.pop(key)
    return kept[key]


def _keep(kept: dict, key, region) -> None:
    r"""Keep ``region`` under ``key``, forgetting the least recently used beyond
    :data:`KEPT_BACKGROUNDS`."""
    if len(kept) >= KEPT_BACKGROUNDS:
        kept.pop(next(iter(kept)))
    kept[key] = region


def freeze_legends(figure) -> None:
    r"""Replace every legend of ``figure`` by its picture (a figure image, pixel for pixel the
    same), for legends drawn outside their axes' box (the picture is taken from one full draw,
    and inside the box the axes' own background would cover it).

    A live panel draws its background again whenever an axes' limits change; its legends are a
    third of that cost or more (their text: measured on lessons 07 and 11), and never change.
    """
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    legends = [(ax, ax.get_legend()) for ax in figure.axes if ax.get_legend() is not None]
    if not legends:
        return
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())
    height = pixels.shape[0]
    for ax, legend in legends:
        box = legend.get_window_extent()
        if box.overlaps(ax.get_window_extent()):
            raise ValueError("freeze_legends takes legends outside their axes' box only")
        x0, y0 = max(math.floor(box.x0) - 1, 0), max(math.floor(box.y0) - 1, 0)
        x1, y1 = math.ceil(box.x1) + 1, math.ceil(box.y1) + 1
        picture = pixels[height - y1:height - y0, x0:x1].copy()
        legend.remove()
        figure.figimage(picture, xo=x0, yo=y0, origin="upper", zorder=-1)


def live_panel(controls: list, figure, update: Callable[[dict], object],
               changing: Iterable | None = None, labels: Iterable = ()) -> widgets.VBox:
    r"""Controls above one figure whose artists ``update(state)`` changes in place.

    The figure is built once by the caller (from :mod:`course_lib.plots` functions that return
    their artists); each change only edits those artists (``set_data``, ``set_text``, ...) and
    shows the figure again, so nothing is re-plotted. With ``changing`` (the artists or Axes
    that ``update`` changes) only those are drawn again, over the rest drawn once
    (:class:`Frames`, which also takes the ``labels`` that change only now and then); without it
    the whole figure is drawn. If ``update`` returns a string, it is shown under the frame as
    its caption (:func:`caption_output`). The panel's ``frames`` attribute is the
    :class:`Frames` (or None).
    """
    plt.close(figure)  # keep it out of pyplot's list: shown only inside the panel
    # Freeze the layout computed when the figure was built: with a layout engine left on the
    # figure (tight_layout leaves a placeholder), every save would draw it twice.
    figure.set_layout_engine(None)
    FigureCanvasAgg(figure)  # a lasting canvas: its renderer caches the text layouts
    frames = Frames(figure, changing, labels) if changing is not None else None

    def render(state: dict):
        caption = update(state)
        if frames is not None:
            frame = frames.png()
        else:
            with matplotlib.rc_context(LIVE_TEXT):
                frame = png_image(figure)
        return frame if caption is None else (frame, caption)

    box = controlled(controls, render, returns_frame=True)
    box.frames = frames
    return box
