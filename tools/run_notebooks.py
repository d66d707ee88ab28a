"""Execute notebooks in place, each in a fresh kernel, top to bottom.

    python tools/run_notebooks.py notebooks/*.ipynb

Each notebook runs in its own process with a time limit and one retry.

The kernel gets the same environment as under nbval (PYTHONHASHSEED=0,
SOURCE_DATE_EPOCH=0) so the stored outputs are the ones nbval will compare.
A cell whose first line says ``# NBVAL_RAISES_EXCEPTION`` is expected to raise:
it gets the ``raises-exception`` tag, which both nbclient and nbval understand.
"""

import os
import subprocess
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


def run_isolated(path: Path, limit: float = 120.0, tries: int = 3) -> None:
    r"""Run one notebook in a child process with a wall-clock limit, retrying once.

    A kernel occasionally fails to start or to shut down (a port race between kernels
    started at the same moment); a fresh process then succeeds.
    """
    for attempt in range(1, tries + 1):
        try:
            subprocess.run([sys.executable, __file__, "--one", str(path)], check=True,
                           timeout=limit)
            return
        except subprocess.TimeoutExpired:
            print(f"{path}: no answer after {limit:.0f} s (attempt {attempt})", flush=True)
    sys.exit(f"{path}: gave up after {tries} attempts")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        target = Path(sys.argv[2])
        print(f"{target}: {run(target):.1f} s", flush=True)
        sys.exit(0)
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        sys.exit("usage: run_notebooks.py NOTEBOOK.ipynb [...]")
    for p in paths:
        run_isolated(p)
