"""A self-check cannot pass on a name left over from an earlier run of its answer cell.

For every notebook (whatever exercises it has: an exercise is a code cell holding a
``### BEGIN SOLUTION`` block, its self-check the next code cell, as tools/make_student.py
pairs them), one kernel runs the instructor notebook top to bottom, and right after each
exercise's check it runs four more cells:

1. the answer cell again, with its solution block replaced by
   ``raise RuntimeError("broken answer")`` — the answer of the earlier run is still in the
   kernel, exactly as when a student breaks an answer that once worked;
2. the check cell: it must FAIL (end in an error and print no ``ok`` line). It can only do so
   if the answer cell resets its names before the solution (``name = None``), so that the
   broken run leaves ``None`` behind and not the earlier answer;
3. the original answer cell, restoring a good state for the rest of the notebook;
4. the check cell again: it must pass (an ``ok`` line, no error) — so the failure in 2 came
   from the broken answer, not from anything else in the kernel.

The notebook's own cells must run without error (except cells marked to raise). Notebooks
run in child processes with the code of tools/run_notebooks.py (time limit, retry, sliced
polling), two at a time as in tests/test_student.py (STUDENT_WORKERS=1: one at a time).
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # the tools are scripts, not a package
from make_student import SOLUTION, exercises  # noqa: E402
from run_notebooks import NoAnswer, run_in_child  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BROKEN = 'raise RuntimeError("broken answer")'
PROBE = "stale_answer_probe"  # cell metadata key: {"exercise": cell index, "role": ...}
ROLES = ("broken answer", "check after the broken answer", "answer restored",
         "check after the restored answer")
WORKERS = int(os.environ.get("STUDENT_WORKERS", "2"))
LIMIT, TRIES = 180.0, 2  # seconds per attempt, attempts per notebook


def break_answer(source: str) -> str:
    r"""The answer cell with each solution block replaced by ``raise RuntimeError``."""
    return SOLUTION.sub(lambda m: f"{m.group(1)}{BROKEN}", source)


def _probe_cell(cell, source: str, exercise: int, role: str):
    new = nbformat.v4.new_code_cell(source)
    new.metadata = {**{k: v for k, v in cell.metadata.items() if k != "tags"},
                    PROBE: {"exercise": exercise, "role": role}}
    return new


def probe_notebook(nb):
    r"""The notebook with the four probe cells inserted right after each exercise's check."""
    after = {check: answer for answer, check in exercises(nb)}
    cells = []
    for i, cell in enumerate(nb.cells):
        cells.append(cell)
        if i in after:
            answer, check = nb.cells[after[i]], cell
            sources = (break_answer(answer.source), check.source, answer.source, check.source)
            cells += [_probe_cell(c, s, after[i], role)
                      for c, s, role in zip((answer, check, answer, check), sources, ROLES)]
    probe = nbformat.from_dict(dict(nb))
    probe.cells = cells
    return probe


def test_probe_inserts_four_cells_after_each_check():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("a = 1"),
        nbformat.v4.new_code_cell("b = None\nif a:\n    ### BEGIN SOLUTION\n    b = 2\n"
                                  "    ### END SOLUTION"),
        nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("checks.equal(b, 2)"),
        nbformat.v4.new_code_cell("c = 3"),
    ])
    probe = probe_notebook(nb)
    assert [c.source for c in probe.cells[:4]] == [c.source for c in nb.cells[:4]]
    inserted = probe.cells[4:8]
    assert [c.metadata[PROBE]["role"] for c in inserted] == list(ROLES)
    assert inserted[0].source == f"b = None\nif a:\n    {BROKEN}"
    assert inserted[1].source == inserted[3].source == "checks.equal(b, 2)"
    assert inserted[2].source == nb.cells[1].source
    assert probe.cells[8].source == "c = 3" and len(probe.cells) == 9


# ---------------------------------------------------------------- running the probes

def _execute(path: Path, folder: Path, delay: float) -> Path:
    time.sleep(delay)  # two kernels started at the same instant may race for ports
    probe = folder / path.name
    nbformat.write(probe_notebook(nbformat.read(path, as_version=4)), probe)
    out = folder / f"executed_{path.name}"
    run_in_child(probe, out, allow_errors=True, sliced=True, limit=LIMIT, tries=TRIES,
                 capture=True)
    return out


@pytest.fixture(scope="module")
def probe_runs(request, tmp_path_factory):
    r"""Start the probes of every notebook this session selected, WORKERS at a time."""
    folder = tmp_path_factory.mktemp("stale_answers")
    with ThreadPoolExecutor(max(1, WORKERS)) as pool:
        futures = {}
        for item in request.session.items:
            if getattr(item, "function", None) is test_a_check_fails_after_its_answer_breaks:
                name = item.callspec.params["name"]
                if name not in futures:
                    delay = 2.0 if 0 < len(futures) < WORKERS else 0.0
                    futures[name] = pool.submit(_execute, ROOT / "notebooks" / name, folder, delay)
        yield futures
        for future in futures.values():
            future.cancel()


def _first_line(source: str) -> str:
    return next((ln for ln in source.splitlines() if ln.strip()), "")


def _errors(cell) -> str:
    return "; ".join(f"{o.ename}: {o.evalue}"[:200] for o in cell.outputs
                     if o.output_type == "error")


def _ok_lines(cell) -> list[str]:
    text = "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
    return [ln for ln in text.splitlines() if ln.startswith("ok")]


def problems_in(executed, original) -> list[str]:
    r"""What the executed probe shows to be wrong: notebook cells that fail, checks that pass
    after their answer broke, restored answers or checks that fail."""
    problems, position = [], 0
    for cell in executed.cells:
        probe = cell.metadata.get(PROBE)
        if probe is None:  # a cell of the notebook itself, in its original order
            if (cell.cell_type == "code" and _errors(cell)
                    and "raises-exception" not in cell.metadata.get("tags", [])):
                problems.append(f"cell {position} ({_first_line(cell.source)!r}) fails in the "
                                f"top-to-bottom run: {_errors(cell)}")
            position += 1
            continue
        where = f"exercise cell {probe['exercise']}: {probe['role']}"
        if probe["role"] == "check after the broken answer":
            if _ok_lines(cell):
                problems.append(f"{where} passed on the earlier run's answer (it printed "
                                f"{_ok_lines(cell)[0][:60]!r}); reset the answer's names to None "
                                "before the solution block")
            elif not cell.outputs or cell.outputs[-1].output_type != "error":
                problems.append(f"{where} does not end in an error")
        elif probe["role"] in ("answer restored", "check after the restored answer"):
            if _errors(cell):
                problems.append(f"{where} fails: {_errors(cell)}")
            if probe["role"] == "check after the restored answer" and not _ok_lines(cell):
                problems.append(f"{where} prints no ok line")
    if position != len(original.cells):
        problems.append("the probe lost or added notebook cells")
    return problems


def test_the_probe_catches_a_stale_answer_and_passes_a_reset_one(tmp_path):
    r"""Run in a kernel: an answer without the reset line is caught, one with it passes."""
    check = ("assert answer == 2, f'expected 2, got {answer}'\nprint('ok answer')")
    cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 2\n### END SOLUTION"),
             nbformat.v4.new_code_cell(check),
             nbformat.v4.new_code_cell("answer2 = None\n### BEGIN SOLUTION\nanswer2 = 2\n"
                                       "### END SOLUTION"),
             nbformat.v4.new_code_cell(check.replace("answer", "answer2"))]
    original = nbformat.v4.new_notebook(cells=cells)
    path = tmp_path / "tiny.ipynb"
    nbformat.write(original, path)
    executed = nbformat.read(_execute(path, tmp_path, 0.0), as_version=4)
    problems = problems_in(executed, original)
    assert len(problems) == 1 and problems[0].startswith(
        "exercise cell 0: check after the broken answer passed on the earlier run's answer"), problems


@pytest.mark.parametrize("name", [p.name for p in NOTEBOOKS], ids=[p.stem for p in NOTEBOOKS])
def test_a_check_fails_after_its_answer_breaks(name, probe_runs):
    try:
        executed = nbformat.read(probe_runs[name].result(), as_version=4)
    except subprocess.CalledProcessError as err:
        pytest.fail(f"{name}: executing the probe failed (exit {err.returncode}):\n"
                    f"{(err.stdout or '')[-2000:]}\n{(err.stderr or '')[-4000:]}")
    except NoAnswer as err:
        pytest.fail(str(err))
    original = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    assert exercises(original), f"{name} has no exercise"
    problems = problems_in(executed, original)
    assert not problems, f"{name} (cell indices as in notebooks/{name}):\n  " + "\n  ".join(problems)
