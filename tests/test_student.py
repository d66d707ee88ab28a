"""Student copies hold no solution, and the solution notebooks' self-checks pass."""

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # the make_student tool is a script, not a package
from make_student import main as make_student  # noqa: E402
from make_student import strip_solutions  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)


def test_strip_solutions_keeps_indentation_and_everything_else():
    src = "a = 1\nif a:\n    ### BEGIN SOLUTION\n    b = 2\n    ### END SOLUTION\nprint(a)"
    assert strip_solutions(src) == "a = 1\nif a:\n    raise NotImplementedError\nprint(a)"
    with pytest.raises(ValueError, match="unbalanced"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_student_copies_contain_no_solution_text(tmp_path):
    written = make_student(ROOT / "notebooks", tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for original, copy in zip(NOTEBOOKS, written):
        solutions = [line.strip() for cell in nbformat.read(original, 4).cells
                     if cell.cell_type == "code" for block in BLOCK.findall(cell.source)
                     for line in block.splitlines() if line.strip()]
        student = nbformat.read(copy, 4)
        text = json.dumps([c.source for c in student.cells if c.cell_type == "code"])
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
        for line in solutions:
            assert line not in code.splitlines(), f"{copy.name} still contains {line!r}"
        assert code.count("raise NotImplementedError") >= len(
            [1 for c in nbformat.read(original, 4).cells
             if c.cell_type == "code" and "### BEGIN SOLUTION" in c.source])
        assert all(not c.get("outputs") and c.get("execution_count") is None
                   for c in student.cells if c.cell_type == "code")


def _exercise_checks(path):
    """(solution cell, check cell) pairs: the code cell right after each solution cell."""
    code = [c for c in nbformat.read(path, 4).cells if c.cell_type == "code"]
    return [(cell, nxt) for cell, nxt in zip(code, code[1:]) if "### BEGIN SOLUTION" in cell.source]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solution_self_checks_pass_in_the_stored_notebook(path):
    pairs = _exercise_checks(path)
    if path.stem != "00_start_here":
        assert 2 <= len(pairs) <= 4, f"{path.name} should have 2-4 exercises, has {len(pairs)}"
    for _, check in pairs:
        assert "checks." in check.source, "the cell after a solution must call course_lib.checks"
        text = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert lines and all(ln.startswith("ok") for ln in lines), (path.name, text)
        assert not any(o.output_type == "error" for o in check.outputs)
