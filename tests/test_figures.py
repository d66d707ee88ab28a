"""`make figures` is deterministic, and the committed figures are up to date.

Both checks share two runs of ``write_all`` (the figures take a few seconds each time).
"""

from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images

from course_lib import figures

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("figures")
    return figures.write_all(folder / "a"), figures.write_all(folder / "b")


def test_every_figure_regenerates_identically(two_runs):
    first, second = two_runs
    assert [p.name for p in first] == [f"{n}.png" for n in figures.FIGURES]
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes(), f"{p.name} differs between two runs"


def test_committed_figures_match_a_fresh_run(two_runs):
    for p in two_runs[0]:
        committed = ROOT / "figures" / p.name
        assert committed.exists(), f"figures/{p.name} is missing: run `make figures`"
        assert compare_images(str(committed), str(p), tol=2) is None, (
            f"figures/{p.name} is stale: run `make figures`")


def test_every_figure_carries_its_description(two_runs):
    from PIL import Image

    for p in two_runs[0]:
        fresh = Image.open(p).info.get("Description", "")
        committed = Image.open(ROOT / "figures" / p.name).info.get("Description", "")
        assert len(fresh.split()) >= 15, f"{p.name}: no description in the PNG"
        assert committed == fresh, f"figures/{p.name}: description is stale: run `make figures`"


def test_the_readme_shows_every_figure_with_alt_text_that_says_what_it_shows():
    import re

    shown = re.findall(r"!\[([^\]]*)\]\(figures/([a-z_]+)\.png\)", (ROOT / "README.md").read_text())
    assert sorted({name for _, name in shown}) == sorted(figures.FIGURES)
    for alt, name in shown:
        assert len(alt.split()) >= 20, f"README: the alt text of {name}.png is too short: {alt!r}"
        assert "figure" not in alt.lower().split()[:2], f"README: {name}.png alt says nothing"
