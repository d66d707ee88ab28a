"""Student copies hold no solution, and every exercise's self-check fails loudly in them.

The static tests look at the copies `make student` writes; the solution notebooks'
stored self-checks must pass. The execution test runs every student copy top to bottom
in a fresh kernel (errors allowed, so execution goes on past each unanswered exercise)
and asks of the executed copy:

- every exercise cell stops with ``NotImplementedError``;
- every self-check cell ends in an error and prints no ``ok`` line (no silent pass);
- every other cell runs without error: a lesson cell that fails in the student copy
  uses something only an exercise (or its check) defines, which is a defect of the
  notebook; the failure message names the cell, its first line, the error, and the
  exercise names it uses.

The copies run with the code of tools/run_notebooks.py: each in a child process with a
wall-clock limit and a retry, and with nbclient polling the kernel in one-second slices
(without them a widget cell's reply now and then goes unnoticed until the cell timeout).
Two run at a time (measured on two cores: four copies took 63 s one at a time, 37 s two
at a time); STUDENT_WORKERS=1 runs them one by one.
"""

import ast
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # the tools are scripts, not a package
from make_student import exercises, strip_solutions, write_copy  # noqa: E402
from make_student import main as make_student  # noqa: E402
from run_notebooks import NoAnswer, run_in_child  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WORKERS = int(os.environ.get("STUDENT_WORKERS", "2"))
LIMIT, TRIES = 180.0, 2  # seconds per attempt (a copy takes 3-20 s), attempts per copy


def _read(path):
    return nbformat.read(path, as_version=4)


def test_strip_solutions_keeps_indentation_and_everything_else():
    src = "a = 1\nif a:\n    ### BEGIN SOLUTION\n    b = 2\n    ### END SOLUTION\nprint(a)"
    assert strip_solutions(src) == "a = 1\nif a:\n    raise NotImplementedError\nprint(a)"
    with pytest.raises(ValueError, match="unbalanced"):
        strip_solutions("### BEGIN SOLUTION\nx = 1\n")


def test_exercises_pairs_each_solution_cell_with_the_next_code_cell():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nb = 2\n### END SOLUTION"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("checks.equal(b, 2)"),
    ])
    assert exercises(nb) == [(1, 3)]
    nb.cells.pop()
    with pytest.raises(ValueError, match="no self-check"):
        exercises(nb)


def test_student_copies_contain_no_solution_text(tmp_path):
    written = make_student(ROOT / "notebooks", tmp_path)
    assert [p.name for p in written] == [p.name for p in NOTEBOOKS]
    for original, copy in zip(NOTEBOOKS, written):
        solutions = [line.strip() for cell in _read(original).cells
                     if cell.cell_type == "code" for block in BLOCK.findall(cell.source)
                     for line in block.splitlines() if line.strip()]
        student = _read(copy)
        text = json.dumps([c.source for c in student.cells if c.cell_type == "code"])
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
        # a solution line the lesson also has outside every solution block (e.g. a generic
        # `for i in range(m):`) is not a leak
        lesson = {line.strip() for cell in _read(original).cells if cell.cell_type == "code"
                  for line in BLOCK.sub("", cell.source).splitlines()}
        for line in solutions:
            if line not in lesson:
                assert line not in code.splitlines(), f"{copy.name} still contains {line!r}"
        assert code.count("raise NotImplementedError") >= len(exercises(_read(original)))


def test_student_copies_clear_exercise_outputs_and_keep_the_rest(tmp_path):
    r"""Exercise and self-check cells lose outputs, counts and timings; every other cell,
    and the stored widget state its widget views refer to, is kept as it is."""
    for original_path, copy in zip(NOTEBOOKS, make_student(ROOT / "notebooks", tmp_path)):
        original, student = _read(original_path), _read(copy)
        assert len(student.cells) == len(original.cells), copy.name
        cleared = {i for pair in exercises(original) for i in pair}
        for i, (old, new) in enumerate(zip(original.cells, student.cells)):
            where = f"{copy.name} cell {i}"
            if i in cleared:
                assert not new.outputs and new.execution_count is None, where
                assert "execution" not in new.metadata, where
                # a cleared widget view would leave its model behind in the kept state
                assert not any(WIDGET_VIEW in o.get("data", {}) for o in old.outputs), where
            else:
                assert new == old, f"{where} changed although it is no exercise"
        assert student.metadata == original.metadata, copy.name  # widget state included


def test_make_student_keeps_a_copy_a_student_edited(tmp_path, capsys):
    first = make_student(ROOT / "notebooks", tmp_path)
    edited = first[1]
    work = _read(edited)
    work.cells[0].source += "\n\nmy notes"
    nbformat.write(work, edited)
    again = make_student(ROOT / "notebooks", tmp_path, keep_edited=True)
    assert edited not in again and len(again) == len(first) - 1
    assert "my notes" in _read(edited).cells[0].source
    assert f"kept {edited}" in capsys.readouterr().err
    assert len(make_student(ROOT / "notebooks", tmp_path)) == len(first)  # default: rewrite all
    assert "my notes" not in _read(edited).cells[0].source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solution_self_checks_pass_in_the_stored_notebook(path):
    nb = _read(path)
    pairs = exercises(nb)
    if path.stem != "00_start_here":
        assert 2 <= len(pairs) <= 4, f"{path.name} should have 2-4 exercises, has {len(pairs)}"
    for _, i in pairs:
        check = nb.cells[i]
        assert "checks." in check.source, "the cell after a solution must call course_lib.checks"
        text = "".join(o.get("text", "") for o in check.outputs if o.output_type == "stream")
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert lines and all(ln.startswith("ok") for ln in lines), (path.name, text)
        assert not any(o.output_type == "error" for o in check.outputs)


# ---------------------------------------------------------------- executing the copies

def _execute(copy: Path, out: Path, delay: float) -> float:
    time.sleep(delay)  # two kernels started at the same instant may race for ports
    return run_in_child(copy, out, allow_errors=True, sliced=True, limit=LIMIT, tries=TRIES,
                        capture=True)


class _Runs:
    r"""Executes student copies in the background, WORKERS at a time; each copy runs with
    the folder of the copies as its working directory, as a student's copy in student/."""

    def __init__(self, folder: Path, pool: ThreadPoolExecutor):
        self.copies, self.executed, self.pool = folder / "student", folder / "executed", pool
        self.copies.mkdir()
        self.executed.mkdir()
        self.futures = {}

    def start(self, name: str) -> None:
        if name not in self.futures:
            copy = write_copy(ROOT / "notebooks" / name, self.copies)
            delay = 2.0 if 0 < len(self.futures) < WORKERS else 0.0
            self.futures[name] = self.pool.submit(_execute, copy, self.executed / name, delay)

    def result(self, name: str) -> Path:
        self.start(name)
        seconds = self.futures[name].result()
        print(f"{name}: executed in {seconds:.1f} s (wall clock, child process included)")
        return self.executed / name


@pytest.fixture(scope="module")
def student_runs(request, tmp_path_factory):
    r"""Start executing the copies of every notebook this session selected, in order."""
    with ThreadPoolExecutor(max(1, WORKERS)) as pool:
        runs = _Runs(tmp_path_factory.mktemp("student_copies"), pool)
        for item in request.session.items:
            if getattr(item, "function", None) is test_student_copy_fails_loudly:
                runs.start(item.callspec.params["name"])
        yield runs
        for future in runs.futures.values():
            future.cancel()


def _names(source: str, context) -> set[str]:
    r"""Names the cell binds (context ast.Store) or reads (ast.Load); empty if not Python."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics
        return set()
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, context)}
    if context is ast.Store:
        found |= {n.name for n in ast.walk(tree)
                  if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    return found


def _first_line(cell) -> str:
    return next((ln for ln in cell.source.splitlines() if ln.strip()), "")


def _error(cell) -> str:
    errors = [o for o in cell.outputs if o.output_type == "error"]
    return "; ".join(f"{o.ename}: {o.evalue}" for o in errors) or "no error"


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS], ids=[p.stem for p in NOTEBOOKS])
def test_student_copy_fails_loudly(name, student_runs):
    try:
        executed_path = student_runs.result(name)
    except subprocess.CalledProcessError as err:
        pytest.fail(f"{name}: executing the student copy failed (exit {err.returncode}):\n"
                    f"{(err.stdout or '')[-2000:]}\n{(err.stderr or '')[-4000:]}")
    except NoAnswer as err:
        pytest.fail(str(err))
    original, ran = _read(ROOT / "notebooks" / name), _read(executed_path)
    pairs = exercises(original)
    problems = []
    exercise_names: dict[str, list[int]] = {}
    for solution, check in pairs:
        for i in (solution, check):
            for n in _names(original.cells[i].source, ast.Store):
                exercise_names.setdefault(n, []).append(i)
        cell = ran.cells[solution]
        if not any(o.output_type == "error" and o.ename == "NotImplementedError"
                   for o in cell.outputs):
            problems.append(f"exercise cell {solution} ({_first_line(cell)!r}) did not raise "
                            f"NotImplementedError: {_error(cell)}")
        cell = ran.cells[check]
        stdout = "".join(o.text for o in cell.outputs
                         if o.output_type == "stream" and o.name == "stdout")
        passed = [ln for ln in stdout.splitlines() if ln.startswith("ok")]
        if passed:
            problems.append(f"self-check cell {check} ({_first_line(cell)!r}) of exercise "
                            f"{solution} reports a pass without an answer: {passed}")
        if not cell.outputs or cell.outputs[-1].output_type != "error":
            problems.append(f"self-check cell {check} ({_first_line(cell)!r}) of exercise "
                            f"{solution} does not end in an error")
    cleared = {i for pair in pairs for i in pair}
    for i, cell in enumerate(ran.cells):
        if (cell.cell_type != "code" or i in cleared
                or "raises-exception" in cell.metadata.get("tags", [])
                or not any(o.output_type == "error" for o in cell.outputs)):
            continue
        used = sorted(_names(cell.source, ast.Load) & set(exercise_names))
        why = (f"it uses {', '.join(f'{n} (bound in cell {exercise_names[n]})' for n in used)}"
               " from exercise/self-check cells: the lesson must not depend on an answer"
               if used else "it uses no name an exercise binds: it breaks on its own")
        problems.append(f"lesson cell {i} ({_first_line(cell)!r}) fails in the student copy "
                        f"with {_error(cell)}; {why}")
    assert not problems, f"{name} (cell indices as in notebooks/{name}):\n  " + "\n  ".join(
        problems)
