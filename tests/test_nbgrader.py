r"""nbgrader works on the course as is: every exercise carries nbgrader's metadata, and a real
``nbgrader generate_assignment`` / ``autograde`` round trip gives the scores it should.

The round trip (about 2 minutes) copies two notebooks into a throwaway nbgrader course folder,
stamps them with tools/nbgrader_metadata.py, releases them, and autogrades three submissions of
each: the instructor's solutions (full marks), the student edition of ``make student``
untouched (zero), and the solutions with a sign slip in exercise 1 (all but that exercise).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # the tools are scripts, not a package
from make_student import BEGIN, exercises, student_copy  # noqa: E402
from nbgrader_metadata import POINTS, main, stale_cells, stamp, wanted_metadata  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# Two lessons graded in the round trip: short to run, several exercises each.
GRADED = ["09_sum_product_networks", "10_one_algorithm"]
ASSIGNMENT = "lesson"
END = "### END SOLUTION"


def read(path):
    return nbformat.read(path, as_version=4)


# --------------------------------------------------------------------------- the stamps


def toy_notebook():
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_markdown_cell("**Exercise 1 (5 min) — b.**"),
        nbformat.v4.new_code_cell("b = None\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION"),
        nbformat.v4.new_code_cell("assert b == 2"),
        nbformat.v4.new_code_cell("c = None\n### BEGIN SOLUTION\nc = 3\n### END SOLUTION"),
        nbformat.v4.new_markdown_cell("between"),
        nbformat.v4.new_code_cell("assert c == 3"),
    ])


def test_stamp_marks_answers_checks_and_read_only_cells_and_is_idempotent():
    nb = toy_notebook()
    assert stamp(nb, "toy") is True
    meta = [c.metadata["nbgrader"] for c in nb.cells]
    kinds = [("solution" if m["solution"] else "tests" if m["grade"] else "readonly")
             for m in meta]
    assert kinds == ["readonly", "readonly", "readonly", "solution", "tests", "solution",
                     "readonly", "tests"]
    assert [m["grade_id"] for m in meta if m["solution"] or m["grade"]] == [
        "toy-ex1-answer", "toy-ex1-check", "toy-ex2-answer", "toy-ex2-check"]
    assert all(m["locked"] for m in meta if not m["solution"])
    assert not any(m["locked"] for m in meta if m["solution"])
    assert [m.get("points") for m in meta if m["grade"]] == [POINTS, POINTS]
    assert len({m["grade_id"] for m in meta}) == len(meta)
    before = nbformat.writes(nb)
    assert stamp(nb, "toy") is False
    assert nbformat.writes(nb) == before
    assert stale_cells(nb, "toy") == []


def test_stamp_file_rewrites_only_when_needed_and_check_mode_reports(tmp_path, capsys):
    path = tmp_path / "toy.ipynb"
    nbformat.write(toy_notebook(), path)
    assert main(["--check", str(path)]) == 1
    assert "lack nbgrader metadata" in capsys.readouterr().out
    assert main([str(path)]) == 0
    stamped = path.read_bytes()
    assert main([str(path)]) == 0
    assert path.read_bytes() == stamped
    assert main(["--check", str(path)]) == 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_exercise_carries_nbgrader_metadata(path):
    r"""The committed notebooks are stamped (``python tools/nbgrader_metadata.py
    notebooks/*.ipynb``), with at least two exercises each, and no cell but an answer cell
    contains nbgrader's solution markers: nbgrader's ClearSolutions scans every cell, markdown
    included, and would mangle prose that quotes them (a line with ``END SOLUTION`` vanishes
    from the release, one with ``BEGIN SOLUTION`` fails it)."""
    nb = read(path)
    pairs = exercises(nb)
    assert len(pairs) >= 2, f"{path.name}: {len(pairs)} exercises"
    stale = stale_cells(nb, path.stem)
    assert not stale, (f"{path.name}: cells {stale[:5]} lack nbgrader metadata; run "
                       f"`python tools/nbgrader_metadata.py {path.relative_to(ROOT)}`")
    answers = {i for i, _ in pairs}
    quoting = [k for k, c in enumerate(nb.cells) if k not in answers
               and ("BEGIN SOLUTION" in c.source or "END SOLUTION" in c.source)]
    assert not quoting, (f"{path.name}: cells {quoting} quote nbgrader's solution markers; "
                         "say 'the solution markers' instead")


# --------------------------------------------------------------------------- the round trip


def solution_names(source: str) -> list[str]:
    r"""Top-level names an answer cell binds inside its solution block (functions, variables)."""
    lines = source.split("\n")
    start = next(i for i, line in enumerate(lines) if BEGIN in line) + 1
    stop = next(i for i, line in enumerate(lines) if END in line) + 1
    names = []
    for node in ast.parse(source).body:
        if not start < node.lineno <= stop:
            continue
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.append(node.name)
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else [])
        for target in targets:
            for sub in ast.walk(target):
                if isinstance(sub, ast.Name):
                    names.append(sub.id)
    return list(dict.fromkeys(names))


SIGN_SLIP = r"""
# -- the submission's mistake: every answer of this cell comes out with the wrong sign --
def _sign_slip(v):
    if callable(v) and not isinstance(v, type):
        return lambda *a, **k: _sign_slip(v(*a, **k))
    if isinstance(v, dict):
        return {key: _sign_slip(x) for key, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_sign_slip(x) for x in v)
    if isinstance(v, bool):
        return not v
    try:
        return -v
    except Exception:
        return v
for _name in NAMES:
    globals()[_name] = _sign_slip(globals()[_name])
"""


def sign_slipped(source: str) -> str:
    names = solution_names(source)
    assert names, f"no name bound in the solution block:\n{source}"
    return source + "\n" + SIGN_SLIP.replace("NAMES", repr(names))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    r"""A course folder after generate_assignment and autograde; the per-notebook scores."""
    course = tmp_path_factory.mktemp("nbgrader")
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'backprop'\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.Execute.timeout = 300\n")
    for stem in GRADED:
        nb = read(ROOT / "notebooks" / f"{stem}.ipynb")
        stamp(nb, stem)
        nbformat.write(nb, source / f"{stem}.ipynb")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONHASHSEED": "0"}
    nbgrader = [sys.executable, "-m", "nbgrader"]

    def run(*args):
        proc = subprocess.run(nbgrader + list(args), cwd=course, env=env, capture_output=True,
                              text=True, timeout=1200)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        return proc

    run("generate_assignment", ASSIGNMENT, "--force")
    for stem in GRADED:
        original = read(source / f"{stem}.ipynb")
        released = read(course / "release" / ASSIGNMENT / f"{stem}.ipynb")
        pairs = exercises(original)
        # 1. the instructor's solutions typed into the released notebook
        full = nbformat.from_dict(json.loads(json.dumps(released)))
        for answer, _ in pairs:
            full.cells[answer].source = original.cells[answer].source
        # 2. the student edition of `make student` (of the stamped notebook), untouched
        untouched = student_copy(read(source / f"{stem}.ipynb"))
        # 3. the solutions, with a sign slip in exercise 1
        partial = nbformat.from_dict(json.loads(json.dumps(full)))
        first = pairs[0][0]
        partial.cells[first].source = sign_slipped(original.cells[first].source)
        for student, nb in (("full", full), ("untouched", untouched), ("slip", partial)):
            folder = course / "submitted" / student / ASSIGNMENT
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{stem}.ipynb")
    run("autograde", ASSIGNMENT, "--force", "--create")

    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in ("full", "untouched", "slip"):
            for stem in GRADED:
                nb = gb.find_submission_notebook(stem, ASSIGNMENT, student)
                scores[student, stem] = (nb.score, nb.max_score)
    return scores


@pytest.mark.parametrize("stem", GRADED)
def test_the_solutions_get_full_marks(graded, stem):
    score, max_score = graded["full", stem]
    n = len(exercises(read(ROOT / "notebooks" / f"{stem}.ipynb")))
    assert max_score == n * POINTS
    assert score == max_score


@pytest.mark.parametrize("stem", GRADED)
def test_the_untouched_student_edition_gets_zero(graded, stem):
    score, max_score = graded["untouched", stem]
    assert max_score > 0 and score == 0


@pytest.mark.parametrize("stem", GRADED)
def test_a_sign_slip_in_one_exercise_costs_that_exercise(graded, stem):
    score, max_score = graded["slip", stem]
    assert score == max_score - POINTS


def test_the_wanted_metadata_matches_what_nbgrader_expects():
    r"""nbgrader's own validator accepts a stamped notebook's cells (schema 3)."""
    from nbgrader.nbgraderformat import MetadataValidator

    nb = toy_notebook()
    stamp(nb, "toy")
    MetadataValidator().validate_nb(nb)
    assert [m["schema_version"] for m in wanted_metadata(nb, "toy")] == [3] * len(nb.cells)


def test_nbgrader_is_pinned_for_maintainers_only():
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "nbgrader==" in dev and "nbgrader" not in (ROOT / "requirements.txt").read_text()
    assert shutil.which("nbgrader", path=str(Path(sys.executable).parent))
