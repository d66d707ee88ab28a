"""Every lesson fits in an hour by the course's own estimate, and says so at the top.

The estimate is tools/lesson_time.py's: about 100 words of prose and 10 lines of code a minute,
plus the minutes each exercise's prompt states. The first markdown cell states the total
(``**Time:** about N minutes``) as the estimate rounded up to a multiple of 5.
"""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from lesson_time import estimate, rounded, stated_minutes  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_lesson_states_its_estimated_time_and_fits_in_an_hour(path):
    nb = nbformat.read(path, as_version=4)
    e = estimate(nb)
    assert 2 <= e["exercise_count"] <= 4, (
        f"{path.name}: {e['exercise_count']} exercises with stated minutes; expected 2–4 "
        "prompts starting '**Exercise k (N min)'")
    assert stated_minutes(nb) == rounded(e["minutes"]), (
        f"{path.name}: states {stated_minutes(nb)} minutes, the estimate is {e['minutes']:.1f} "
        f"(reading {e['reading']:.1f} + exercises {e['exercises']}) → {rounded(e['minutes'])}")
    assert e["minutes"] <= 60, f"{path.name}: {e['minutes']:.1f} minutes by the estimate (> 60)"


def test_the_estimate_counts_what_it_says():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T\n\n**Time:** about 5 minutes\n\n" + "word " * 95),
        nbformat.v4.new_code_cell("# three comment words\nx = 1\n\ny = 2\n"
                                  "### BEGIN SOLUTION\nz = 3\n### END SOLUTION\n"),
        nbformat.v4.new_markdown_cell("**Exercise 1 (4 min) — go.**"),
    ])
    e = estimate(nb)
    assert e["code_lines"] == 2  # x and y; the solution line is the exercise's time
    assert e["words"] == 6 + 95 + 3 + 6  # title, Time line, filler, comment words, prompt
    assert e["exercises"] == 4 and e["exercise_count"] == 1
    assert rounded(e["minutes"]) == 10 and stated_minutes(nb) == 5
