"""Write student copies of the notebooks: solutions removed, exercise outputs cleared.

    python tools/make_student.py notebooks student      (what `make student` runs)

An *exercise* is a code cell holding a solution block; its *self-check* is the next
code cell (it calls ``course_lib.checks``). In the student copy:

- everything between a line ``### BEGIN SOLUTION`` and a line ``### END SOLUTION``
  (nbgrader's markers, inclusive) becomes ``raise NotImplementedError`` at the same
  indentation, so running an unanswered exercise stops loudly, and so does its
  self-check (the names it checks are missing);
- the exercise cell and its self-check cell lose their outputs, execution counts and
  execution timings: the stored outputs would show the answer passing, and a check's
  ``ok`` line often prints the expected value;
- every other cell keeps its outputs, execution count and source unchanged, so a
  student reading the copy before running it still sees the lesson's figures, tables
  and widgets; the notebook's stored widget state (``metadata.widgets``) is kept
  whole, since the kept widget views refer to it. It is not pruned per model: a
  model such as the ``link`` between a Play button and a slider is referenced by no
  view and would be lost. No exercise or self-check cell has a widget view, so no
  cleared output leaves a model behind (tests/test_student.py checks this);
- cells are neither added nor removed, so cell indices match the original notebook.

The notebooks read no files, so the copies run from any folder; ``student/`` sits
beside ``notebooks/`` (same depth) and is git-ignored. Running the tool again rewrites
the copies, except one that differs from a fresh copy (a student's work): that one is kept
and reported, and is written again only once deleted.
"""

import re
import sys
from pathlib import Path

import nbformat

SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$",
                      re.MULTILINE | re.DOTALL)
BEGIN = "### BEGIN SOLUTION"


def strip_solutions(source: str) -> str:
    r"""Replace each marked solution block by ``raise NotImplementedError``."""
    if source.count(BEGIN) != source.count("### END SOLUTION"):
        raise ValueError("unbalanced solution markers in cell:\n" + source)
    return SOLUTION.sub(lambda m: f"{m.group(1)}raise NotImplementedError", source)


def exercises(nb) -> list[tuple[int, int]]:
    r"""(exercise cell index, self-check cell index) for every solution cell of an original
    notebook; the self-check is the next code cell. Indices count every cell, markdown too."""
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    pairs = []
    for k, i in enumerate(code):
        if BEGIN in nb.cells[i].source:
            if k + 1 == len(code):
                raise ValueError(f"the solution cell {i} has no self-check cell after it")
            pairs.append((i, code[k + 1]))
    return pairs


def _clear(cell) -> None:
    cell.outputs = []
    cell.execution_count = None
    cell.metadata.pop("execution", None)


def student_copy(nb):
    r"""Turn an original notebook into its student copy, in place; returns it."""
    pairs = exercises(nb)
    for i, check in pairs:
        _clear(nb.cells[i])
        _clear(nb.cells[check])
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
    return nb


def write_copy(path: Path, dest: Path) -> Path:
    r"""Write the student copy of the notebook at ``path`` into the folder ``dest``."""
    out = dest / path.name
    nbformat.write(student_copy(nbformat.read(path, as_version=4)), out)
    return out


def main(src: Path, dest: Path, keep_edited: bool = False) -> list[Path]:
    r"""Write a student copy of every notebook in ``src`` into ``dest``; return the paths.

    With ``keep_edited`` a copy already in ``dest`` that differs from a fresh copy (a student
    worked in it, or the lesson changed since) is left alone and reported, not overwritten.
    """
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(src.glob("*.ipynb")):
        out = dest / path.name
        fresh = nbformat.writes(student_copy(nbformat.read(path, as_version=4))) + "\n"
        if keep_edited and out.exists() and out.read_text(encoding="utf-8") != fresh:
            print(f"kept {out}: it differs from a fresh copy (edited, or the lesson changed); "
                  "delete it to write it again", file=sys.stderr)
            continue
        written.append(write_copy(path, dest))
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_student.py NOTEBOOK_DIR OUT_DIR")
    for p in main(Path(sys.argv[1]), Path(sys.argv[2]), keep_edited=True):
        print(f"wrote {p}")
