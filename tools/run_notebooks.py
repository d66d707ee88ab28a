"""Execute notebooks in place, each in a fresh kernel, top to bottom.

    python tools/run_notebooks.py notebooks/*.ipynb

The kernel gets the same environment as under nbval (PYTHONHASHSEED=0,
SOURCE_DATE_EPOCH=0) so the stored outputs are the ones nbval will compare.
A cell whose first line says ``# NBVAL_RAISES_EXCEPTION`` is expected to raise:
it gets the ``raises-exception`` tag, which both nbclient and nbval understand.
"""

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

os.environ["PYTHONHASHSEED"] = "0"
os.environ["SOURCE_DATE_EPOCH"] = "0"


def tag_expected_errors(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "NBVAL_RAISES_EXCEPTION" in cell.source.split("\n", 1)[0]:
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")


def run(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    tag_expected_errors(nb)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, path)
    return seconds


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        sys.exit("usage: run_notebooks.py NOTEBOOK.ipynb [...]")
    for p in paths:
        print(f"{p}: {run(p):.1f} s", flush=True)
