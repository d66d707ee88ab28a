r"""Figures that say what they show: a description per Axes, and a Figure's text in a notebook.

Every plot function of :mod:`course_lib.plots` attaches one or two sentences to the Axes it
draws on (:func:`describe`); :func:`description` reads a Figure's text: its suptitle, then each
visible Axes' title and description (an Axes nobody described gets one made from its titles,
axis labels and legend). A notebook that wants its figures described calls, in its first cell,

    plots.describe_figures()

which registers a ``text/plain`` formatter for matplotlib Figures in the running IPython: a
figure's stored ``text/plain`` output is then that description instead of
``<Figure size 640x480 with 1 Axes>``, and the static site uses it as the image's alt text.
The text is deterministic (no addresses, no timings, numbers as the plot shows them), so nbval
can compare it. Live widget frames carry the same text (see :mod:`course_lib.widgets`).
"""

from __future__ import annotations

from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["describe", "description", "describe_figures"]

#: The attribute of an Axes or Figure that holds its description (a string or a callable).
ATTRIBUTE = "course_description"


def describe(target, text: str | Callable[[], str]):
    r"""Attach ``text`` to an Axes or Figure (a callable is called each time it is read: for
    plots whose data an update function changes in place). Returns ``target``."""
    if not isinstance(target, Axes | Figure):
        raise TypeError(f"describe() takes a matplotlib Axes or Figure, got "
                        f"{type(target).__name__}")
    if not (callable(text) or isinstance(text, str)):
        raise TypeError(f"text must be a string or a callable returning one, got "
                        f"{type(text).__name__}")
    setattr(target, ATTRIBUTE, text)
    return target


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _own(target) -> str:
    text = getattr(target, ATTRIBUTE, "")
    return _one_line(text() if callable(text) else text)


def _automatic(ax: Axes) -> str:
    r"""A description made from what the Axes shows: its kind, axis labels and legend."""
    kinds = []
    if ax.images:
        kinds.append("an image")
    if ax.lines:
        kinds.append(f"{len(ax.lines)} line{'s' if len(ax.lines) > 1 else ''}")
    if ax.containers:
        kinds.append("bars")
    if ax.collections:
        kinds.append("markers or filled regions")
    text = "A plot of " + ", ".join(kinds) if kinds else "A panel of text and shapes"
    x, y = _one_line(ax.get_xlabel()), _one_line(ax.get_ylabel())
    if x or y:
        text += f" ({', '.join(p for p in (f'x: {x}' if x else '', f'y: {y}' if y else '') if p)})"
    legend = ax.get_legend()
    if legend is not None:
        labels = [_one_line(t.get_text()) for t in legend.get_texts() if t.get_text()]
        if labels:
            text += "; legend: " + ", ".join(labels)
    return text + "."


def _titled(title: str, text: str) -> str:
    title = _one_line(title)
    if not title:
        return text
    return f"{title}{'' if title.endswith(('.', ':', '?', '!')) else ':'} {text}"


def description(target) -> str:
    r"""The one-paragraph description of an Axes or a Figure.

    Axes: its title, then its own description or one made from its labels and legend.
    Figure: its own description if it has one; else its suptitle, then every visible Axes
    (colour bars left out) from top left to bottom right, numbered when there are several.
    """
    if isinstance(target, Axes):
        title = " ".join(t for t in (target.get_title("left"), target.get_title(),
                                     target.get_title("right")) if t)
        return _titled(title, _own(target) or _automatic(target))
    if not isinstance(target, Figure):
        raise TypeError(f"description() takes a matplotlib Axes or Figure, got "
                        f"{type(target).__name__}")
    own = _own(target)
    if own:
        return own
    axes = [ax for ax in target.axes if ax.get_visible() and not hasattr(ax, "_colorbar")]
    def place(ax) -> tuple[float, float]:  # the slot it was given, before aspect shrinks it
        box = ax.get_position(original=True)
        return -round(box.y1, 2), round(box.x0, 2)

    axes.sort(key=place)
    parts = [description(ax) for ax in axes]
    if len(parts) > 1:
        parts = [f"Panel {k} of {len(parts)}: {p}" for k, p in enumerate(parts, start=1)]
    suptitle = target.get_suptitle() if hasattr(target, "get_suptitle") else ""
    head = _one_line(suptitle)
    body = " ".join(parts) if parts else "An empty figure."
    return f"{head}{'' if head.endswith(('.', ':')) else '.'} {body}" if head else body


def _print_description(fig, printer, cycle) -> None:
    printer.text(description(fig))


def _register(shell) -> None:
    shell.display_formatter.formatters["text/plain"].for_type(Figure, _print_description)


def _register_again() -> None:
    r"""Before each cell: IPython's inline-figure set-up (``%matplotlib inline``, a change of
    ``InlineBackend.figure_formats``) drops every Figure formatter, this one included."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        _register(shell)


def describe_figures(shell=None) -> bool:
    r"""Show every matplotlib Figure's :func:`description` as its ``text/plain`` in IPython.

    Call it once, explicitly, in a notebook's first cell. Registers a ``text/plain`` formatter
    for Figures with the running IPython (or ``shell``), after letting the inline backend set
    itself up (that set-up drops Figure formatters), and registers it again before every cell.
    Returns False (and changes nothing) outside IPython.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - IPython comes with the notebooks
            return False
        shell = get_ipython()
    if shell is None:
        return False
    try:  # importing the inline backend runs its set-up now, not at the first figure
        import matplotlib_inline.backend_inline  # noqa: F401
    except ImportError:  # pragma: no cover - ipykernel brings it
        pass
    _register(shell)
    if _register_again not in shell.events.callbacks["pre_execute"]:
        shell.events.register("pre_execute", _register_again)
    return True
