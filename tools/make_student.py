"""Write student copies of the notebooks: solutions removed, outputs cleared.

    python tools/make_student.py notebooks student

Everything between a line ``### BEGIN SOLUTION`` and a line ``### END SOLUTION``
(nbgrader's markers, inclusive) becomes ``raise NotImplementedError`` at the same
indentation; every output, execution count and stored widget state is cleared,
so a student starts from a clean notebook whose self-check cells are kept.
"""

import re
import sys
from pathlib import Path

import nbformat

SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$",
                      re.MULTILINE | re.DOTALL)


def strip_solutions(source: str) -> str:
    r"""Replace each marked solution block by ``raise NotImplementedError``."""
    if source.count("### BEGIN SOLUTION") != source.count("### END SOLUTION"):
        raise ValueError("unbalanced solution markers in cell:\n" + source)
    return SOLUTION.sub(lambda m: f"{m.group(1)}raise NotImplementedError", source)


def student_copy(nb):
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source)
            cell.outputs = []
            cell.execution_count = None
    nb.metadata.pop("widgets", None)
    return nb


def main(src: Path, dest: Path) -> list[Path]:
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(src.glob("*.ipynb")):
        nb = student_copy(nbformat.read(path, as_version=4))
        out = dest / path.name
        nbformat.write(nb, out)
        written.append(out)
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_student.py NOTEBOOK_DIR OUT_DIR")
    for p in main(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"wrote {p}")
