r"""Stamp nbgrader's cell metadata onto the notebooks, from the course's exercise markers.

    python tools/nbgrader_metadata.py notebooks/*.ipynb          stamp in place (idempotent)
    python tools/nbgrader_metadata.py --check notebooks/*.ipynb  exit 1 if a stamp is missing or stale

The course marks an exercise the nbgrader way already (see CONTRIBUTING.md): the *answer cell*
holds its solution between ``### BEGIN SOLUTION`` and ``### END SOLUTION``, and the next code
cell is its *self-check* (``tools/make_student.py``'s ``exercises`` finds the pairs; this tool
uses the same function). This tool writes ``cell.metadata["nbgrader"]`` so an instructor can use
nbgrader as is (``nbgrader generate_assignment`` / ``autograde``):

=================  =====================================================================
cell               metadata (nbgrader schema 3)
=================  =====================================================================
answer cell        ``solution: true`` — an autograded answer; nbgrader's release replaces
                   the marked block by ``raise NotImplementedError()``
self-check cell    ``grade: true, locked: true, points: POINTS`` — autograder tests: full
                   points when it runs without error, zero when its AssertionError is raised
every other cell   ``locked: true`` — read-only: nbgrader restores its source before grading,
                   so a student cannot change the lesson code a check relies on
=================  =====================================================================

``grade_id`` is ``<notebook stem>-exN-answer`` / ``-exN-check`` (N counts exercises from 1) and
``cell-<k>`` for the read-only cells (k counts cells from 0), unique in the notebook as nbgrader
requires. Only ``metadata.nbgrader`` is written (outputs, sources and other metadata are left as
they are), and a notebook whose stamps are already right is not rewritten, so running the tool
twice changes nothing. tests/test_nbgrader.py checks every notebook and grades submissions.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat

POINTS = 1  # per exercise: every self-check is worth the same
SCHEMA_VERSION = 3


def _exercises():
    r"""``make_student.exercises``: one definition of what an exercise is (tools are scripts)."""
    path = Path(__file__).with_name("make_student.py")
    spec = importlib.util.spec_from_file_location("make_student", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.exercises


exercises = _exercises()


def cell_metadata(kind: str, grade_id: str) -> dict:
    r"""nbgrader's metadata for a ``"solution"``, ``"tests"`` or ``"readonly"`` cell."""
    meta = {"grade": kind == "tests", "grade_id": grade_id, "locked": kind != "solution",
            "schema_version": SCHEMA_VERSION, "solution": kind == "solution", "task": False}
    if kind == "tests":
        meta["points"] = POINTS
    return meta


def wanted_metadata(nb, stem: str) -> list[dict]:
    r"""The nbgrader metadata every cell of ``nb`` should carry, in cell order."""
    wanted = [cell_metadata("readonly", f"cell-{k}") for k in range(len(nb.cells))]
    for n, (answer, check) in enumerate(exercises(nb), start=1):
        wanted[answer] = cell_metadata("solution", f"{stem}-ex{n}-answer")
        wanted[check] = cell_metadata("tests", f"{stem}-ex{n}-check")
    return wanted


def stamp(nb, stem: str) -> bool:
    r"""Write the metadata into ``nb`` in place; True if anything changed."""
    changed = False
    for cell, meta in zip(nb.cells, wanted_metadata(nb, stem)):
        if cell.metadata.get("nbgrader") != meta:
            cell.metadata["nbgrader"] = meta
            changed = True
    return changed


def stale_cells(nb, stem: str) -> list[int]:
    r"""Indices of the cells whose nbgrader metadata is missing or not what ``stamp`` writes."""
    return [k for k, (cell, meta) in enumerate(zip(nb.cells, wanted_metadata(nb, stem)))
            if cell.metadata.get("nbgrader") != meta]


def stamp_file(path: Path) -> bool:
    r"""Stamp the notebook at ``path`` in place; rewrite it only if something changed."""
    nb = nbformat.read(path, as_version=4)
    if not stamp(nb, path.stem):
        return False
    nbformat.write(nb, path)
    return True


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    if not paths:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    bad = 0
    for path in paths:
        if check:
            stale = stale_cells(nbformat.read(path, as_version=4), path.stem)
            if stale:
                bad += 1
                print(f"{path}: {len(stale)} cells lack nbgrader metadata "
                      f"(first: cell {stale[0]}); run tools/nbgrader_metadata.py {path}")
        else:
            print(f"{path}: {'stamped' if stamp_file(path) else 'already stamped'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
