r"""The palette stays readable with colour-vision deficiency, and no plot picks a colour of its own.

Simulation: Machado, Oliveira & Fernandes (2009), *A physiologically-based model for simulation
of color vision deficiency*, severity 1.0 (dichromacy), applied in linear sRGB — as
``colorspacious`` implements it (cross-checked below against the paper's matrices).

Metric: ΔE in CAM02-UCS (Luo, Cui & Li 2006), a perceptually uniform space in which ΔE ≈ 1 is a
just-noticeable difference between large patches side by side. Categories in a plot are small
marks far apart, so they need an order of magnitude more: we ask ΔE ≥ 12 for every pair of
categories that share a plot, under normal vision, deuteranopia and protanopia. The worst pair of
the Okabe–Ito set itself (blue against reddish purple under protanopia) is 14.0; the colours the
course used before fail: the IPF panel's red against green 6.9 under deuteranopia, the adjoint
status's amber against green 10.7 under protanopia.
"""

import ast
import itertools
from pathlib import Path

import matplotlib
import matplotlib.colors
import matplotlib.pyplot
import numpy as np
import pytest

colorspacious = pytest.importorskip("colorspacious")

from course_lib.plots import palette  # noqa: E402

MIN_DELTA_E = 12.0
VISIONS = {"normal": None, "deuteranopia": "deuteranomaly", "protanopia": "protanomaly"}
ROOT = Path(__file__).resolve().parents[1]


def simulate(colour, vision: str) -> np.ndarray:
    r"""sRGB in [0, 1] as seen with the given vision (Machado 2009, severity 1.0)."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    if VISIONS[vision] is None:
        return rgb
    space = {"name": "sRGB1+CVD", "cvd_type": VISIONS[vision], "severity": 100}
    return np.clip(colorspacious.cspace_convert(rgb, space, "sRGB1"), 0.0, 1.0)


def delta_e(a, b, vision: str) -> float:
    r"""ΔE in CAM02-UCS between two colours as seen with ``vision``."""
    return float(colorspacious.deltaE(simulate(a, vision), simulate(b, vision)))


def worst_pair(colours: dict[str, str]) -> tuple[float, str]:
    r"""The smallest ΔE over every pair and every vision, and where it occurs."""
    return min((delta_e(colours[p], colours[q], v), f"{p} vs {q} ({v})")
               for p, q in itertools.combinations(colours, 2) for v in VISIONS)


@pytest.mark.parametrize("plot", sorted(palette.CATEGORY_SETS))
def test_categories_sharing_a_plot_stay_apart_for_colour_blind_readers(plot):
    worst, where = worst_pair(palette.CATEGORY_SETS[plot])
    assert worst >= MIN_DELTA_E, f"{plot}: ΔE {worst:.1f} < {MIN_DELTA_E} for {where}"


@pytest.mark.parametrize("colours, vision, value", [
    ({"off target": "#c0392b", "on target": "#2e7d32"}, "deuteranopia", 6.9),  # old IPF sums
    ({"partial": "#f6c85f", "exact": "#6dbf73"}, "protanopia", 10.7),          # old status
])
def test_the_check_fails_on_the_colours_the_course_used_before(colours, vision, value):
    worst, where = worst_pair(colours)
    assert worst < MIN_DELTA_E and vision in where
    assert worst == pytest.approx(value, abs=0.05)


# Machado et al. (2009), Table of matrices, severity 1.0, acting on linear RGB.
MACHADO = {
    "deuteranopia": [[0.367322, 0.860646, -0.227968],
                     [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868],
                   [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
}


def _linear(c):
    c = np.asarray(c, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _encoded(c):
    c = np.clip(c, 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


@pytest.mark.parametrize("vision", sorted(MACHADO))
def test_the_simulation_is_machados_matrix_in_linear_rgb(vision):
    rng = np.random.default_rng(0)
    for rgb in rng.uniform(0, 1, size=(20, 3)):
        expected = _encoded(np.array(MACHADO[vision]) @ _linear(rgb))
        assert np.allclose(simulate(rgb, vision), expected, atol=2e-3)


def test_text_colours_are_legible_on_white_and_on_their_cells():
    for colour in (palette.INK, palette.OFF_TARGET, palette.ON_TARGET, palette.MARK):
        assert palette.contrast_ratio(colour, palette.WHITE) >= 3.0  # WCAG, large text
    cmap = matplotlib.colormaps[palette.SEQUENTIAL_SAFE + "_r"]
    for x in np.linspace(0, palette.TABLE_RANGE, 21):  # the part a table under text uses
        cell = cmap(x)
        assert palette.contrast_ratio(palette.text_on(cell), cell) >= 4.5  # WCAG AA
    assert palette.contrast_ratio(palette.WHITE, palette.INK) == pytest.approx(15.9, abs=0.1)
    assert palette.text_on(cmap(1.0)) == palette.WHITE  # the dark end gets white text


def test_every_entry_of_the_ipf_table_reads_on_its_cell():
    from course_lib import plots

    table = np.array([[0.30, 0.05, 0.0], [0.1, 0.2, 0.35]])
    artists = plots.ipf_progress([1.0, 0.1], table, 1)
    image = artists["image"]
    for i, row in enumerate(artists["cells"]):
        for j, cell in enumerate(row):
            background = image.cmap(image.norm(table[i, j]))
            assert palette.contrast_ratio(cell.get_color(), background) >= 4.5
    matplotlib.pyplot.close("all")


def _colour_literals(path: Path) -> list[tuple[int, str]]:
    r"""String constants in a module that name a colour (hex or CSS) or a colour map."""
    names = set(matplotlib.colors.CSS4_COLORS) | set(matplotlib.colormaps)
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if matplotlib.colors.is_color_like(text) and text.startswith("#") or text in names:
                found.append((node.lineno, text))
    return found


def presentation_modules() -> list[Path]:
    lib = ROOT / "course_lib"
    paths = [p for folder in ("plots", "widgets", "figures") for p in (lib / folder).glob("*.py")]
    assert len(paths) >= 15  # the three packages are where they should be
    return sorted(p for p in paths if p.name != "palette.py")


@pytest.mark.parametrize("path", presentation_modules(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_plot_widget_or_figure_chooses_a_colour_in_place(path):
    assert _colour_literals(path) == [], f"{path.name}: use course_lib.plots.palette"


def test_the_literal_check_sees_a_colour_chosen_in_place(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('ax.plot(x, color="#c0392b")\nax.imshow(t, cmap="Blues")\nax.set(c="red")\n')
    assert [text for _, text in _colour_literals(bad)] == ["#c0392b", "Blues", "red"]
