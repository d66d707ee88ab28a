"""`make figures` is deterministic, and the committed figures are up to date."""

from pathlib import Path

from matplotlib.testing.compare import compare_images

from course_lib import figures

ROOT = Path(__file__).resolve().parents[1]


def test_every_figure_regenerates_identically(tmp_path):
    first = figures.write_all(tmp_path / "a")
    second = figures.write_all(tmp_path / "b")
    assert [p.name for p in first] == [f"{n}.png" for n in figures.FIGURES]
    for p, q in zip(first, second):
        assert p.read_bytes() == q.read_bytes(), f"{p.name} differs between two runs"


def test_committed_figures_match_a_fresh_run(tmp_path):
    for p in figures.write_all(tmp_path):
        committed = ROOT / "figures" / p.name
        assert committed.exists(), f"figures/{p.name} is missing: run `make figures`"
        assert compare_images(str(committed), str(p), tol=2) is None, (
            f"figures/{p.name} is stale: run `make figures`")
