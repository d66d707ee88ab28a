r"""Every colour the course draws with, in one place: colour-blind safe, never the only cue.

Categories take the Okabe–Ito colours (Okabe & Ito, *Color Universal Design*, 2008), chosen to
stay apart for the three kinds of dichromacy; ordered quantities take a perceptually uniform
sequential map (viridis, or cividis where a map must read the same to red–green colour-blind
readers). Every plot that colours categories carries the meaning a second way as well —
marker, line style, hatching, box shape or a direct label — and :data:`CATEGORY_SETS` lists
each plot's categories so that ``tests/test_palette.py`` can check them:

    ΔE(simulate(c₁), simulate(c₂)) ≥ 12   in CAM02-UCS, for every pair sharing a plot,

with normal vision and Machado et al.'s (2009) deuteranopia and protanopia at severity 1.

No plot, widget or figure names a colour of its own: they read it from here.
"""

from __future__ import annotations

import matplotlib.colors

# -- Okabe–Ito -----------------------------------------------------------------------------
BLACK = "#000000"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
BLUISH_GREEN = "#009E73"
YELLOW = "#F0E442"
BLUE = "#0072B2"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"

#: Lines and bars of several series, in this order (then again, with other markers).
CYCLE = (BLUE, ORANGE, BLUISH_GREEN, VERMILLION, SKY_BLUE, REDDISH_PURPLE, BLACK)
#: Markers and dash patterns that go with :data:`CYCLE`: series differ in shape too.
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
DASHES = ("-", "--", "-.", ":")

# -- neutrals: text, frames, grids ----------------------------------------------------------
INK = "#222222"            # text and the diagonal of a spy plot
DARK_GREY = "#555555"      # edges of a factor graph, legend swatch edges
MID_GREY = "#888888"       # reference lines (∝ n^p, the level p), the unit circle
GREY = "#999999"           # a secondary series (the formula's own size)
LIGHT_GREY = "#bbbbbb"     # a faint line drawn in full behind the highlighted part
EDGE_GREY = "#9aa3b2"      # edges of a status graph
ARROW_GREY = "#7a869a"     # arrows of a computation graph
AXIS_GREY = "#cccccc"      # the real and imaginary axes of the eigenvalue plane
CELL_LINE = "#dddddd"      # cell borders of a spy plot
GRID = "#e4e4e4"           # grid lines
WHITE = "#ffffff"

# -- roles -----------------------------------------------------------------------------------
#: Computation graph boxes: computed node, input (square box), highlighted (thick rim, bold).
NODE_FACE, NODE_EDGE = WHITE, BLUE
INPUT_FACE, INPUT_EDGE = "#f9d58a", "#a86b00"
HIGHLIGHT_FACE, HIGHLIGHT_EDGE = "#a9d4f0", BLACK
#: Factor graphs: variables as computed nodes; observed variables orange and labelled x=v.
OBSERVED_FACE, OBSERVED_EDGE = INPUT_FACE, INPUT_EDGE
FACTOR = INK
#: Spy plots: nonzero off the diagonal, on it, and the row being solved (outlined).
SPY_OFF_DIAGONAL, SPY_DIAGONAL, CURRENT = BLUE, INK, VERMILLION
#: A solve's column of unknowns: solved rows shaded, the rows the current row reads (dashed).
SOLVED_SHADE, USED = "#bfe0f5", BLUE
#: The status of an adjoint after t steps: still 0, partial, exact — light to dark, and the
#: still-0 nodes get a dashed rim, the exact ones a white bold label.
STATUS_COLORS = ("#eeeeee", ORANGE, BLUE)
STATUS_TEXT = (INK, INK, WHITE)
#: Marginal bars: an unobserved variable's bars, and an observed one's (hatched too).
UNOBSERVED_BAR, OBSERVED_BAR = BLUE, ORANGE
OBSERVED_HATCH = "///"
#: Bars of counts (histograms) and their rims.
BAR_FACE, BAR_EDGE = SKY_BLUE, BLUE
#: A constraint written as ``value ≠ target`` or ``value = target``: off, and met.
OFF_TARGET, ON_TARGET = VERMILLION, BLUE
#: Points and marks that single something out (a chosen ordering, a current iterate).
MARK = VERMILLION

# -- sequential ------------------------------------------------------------------------------
SEQUENTIAL = "viridis"          # filled contours, ordered series (sampled by sequence())
SEQUENTIAL_SAFE = "cividis"     # a table of numbers under text (see text_on)
#: The part of the reversed cividis map a table under text uses: light enough for ink (WCAG AA).
TABLE_RANGE = 0.4


def sequence(n: int, cmap: str = SEQUENTIAL, low: float = 0.0, high: float = 0.85) -> list[str]:
    r"""``n`` colours evenly spaced on a sequential map: for series that are ordered (c = 0.5, 1, 1.5)."""
    if n < 1:
        raise ValueError(f"need at least one colour, got n = {n}")
    cm = matplotlib.colormaps[cmap]
    step = (high - low) / max(n - 1, 1)
    return [matplotlib.colors.to_hex(cm(low + k * step)) for k in range(n)]


def relative_luminance(colour) -> float:
    r"""WCAG 2 relative luminance ``Y = 0.2126 R + 0.7152 G + 0.0722 B`` of the linearised sRGB."""
    rgb = matplotlib.colors.to_rgb(colour)
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast_ratio(a, b) -> float:
    r"""WCAG 2 contrast ratio ``(Y_light + 0.05) / (Y_dark + 0.05)``, from 1 to 21."""
    ya, yb = sorted((relative_luminance(a), relative_luminance(b)))
    return (yb + 0.05) / (ya + 0.05)


def text_on(background) -> str:
    r""":data:`INK` or :data:`WHITE`, whichever has the larger contrast ratio on ``background``."""
    return INK if contrast_ratio(INK, background) >= contrast_ratio(WHITE, background) else WHITE


#: Every plot's categories, {plot: {category: colour}}: the pairs the palette test checks.
CATEGORY_SETS: dict[str, dict[str, str]] = {
    "computation graph boxes": {"computed": NODE_FACE, "input": INPUT_FACE,
                                "highlighted": HIGHLIGHT_FACE},
    "computation graph rims": {"computed": NODE_EDGE, "input": INPUT_EDGE,
                               "highlighted": HIGHLIGHT_EDGE},
    "factor graph": {"variable": NODE_FACE, "observed": OBSERVED_FACE, "factor": FACTOR},
    "spy plot": {"background": WHITE, "off-diagonal": SPY_OFF_DIAGONAL,
                 "diagonal": SPY_DIAGONAL, "current row": CURRENT},
    "solution column": {"unsolved": WHITE, "solved": SOLVED_SHADE, "used": USED,
                        "current": CURRENT},
    "adjoint status": dict(zip(("still 0", "partial", "exact"), STATUS_COLORS, strict=True)),
    "marginal bars": {"unobserved": UNOBSERVED_BAR, "observed": OBSERVED_BAR},
    "constraint sums": {"off target": OFF_TARGET, "on target": ON_TARGET},
    "IPF errors": {"all cycles": LIGHT_GREY, "cycles run": BLUE, "current": MARK},
    "series (first four)": dict(zip(("1", "2", "3", "4"), CYCLE[:4], strict=True)),
    "series (all)": {str(k): c for k, c in enumerate(CYCLE)},
    "ordered series": dict(zip(("low", "mid", "high"), sequence(3), strict=True)),
    "expression swell": {"naive diff": VERMILLION, "formula": GREY, "shared adjoints": BLUE},
    "projections": {"p": BLACK, "I-projection": BLUE, "M-projection": ORANGE,
                    "constraint": DARK_GREY},
    "histogram and marks": {"bars": BAR_FACE, "marks": MARK},
    "eigenvalues": {"unit circle": MID_GREY, "eigenvalue": MARK},
}
