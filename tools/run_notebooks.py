"""Execute notebooks in place, each in a fresh kernel, top to bottom.

    python tools/run_notebooks.py notebooks/*.ipynb

Each notebook runs in its own process with a time limit and retries, and the client polls
the kernel in 1 s slices (``SlicedPollClient``): now and then nbclient missed the reply to a
widget cell until that cell's whole timeout had passed.

The kernel gets the same environment as under nbval (PYTHONHASHSEED=0,
SOURCE_DATE_EPOCH=0) so the stored outputs are the ones nbval will compare.
A cell whose first line says ``# NBVAL_RAISES_EXCEPTION`` is expected to raise:
it gets the ``raises-exception`` tag, which both nbclient and nbval understand.

Other tools and tests reuse ``run_in_child`` (tests/test_student.py runs the student
copies with ``allow_errors=True``, ``sliced=True`` and the executed copy written elsewhere).
"""

import os
import subprocess
import sys
import time
from pathlib import Path
from queue import Empty

import nbformat
from nbclient import NotebookClient

os.environ["PYTHONHASHSEED"] = "0"
os.environ["SOURCE_DATE_EPOCH"] = "0"


class NoAnswer(RuntimeError):
    r"""A notebook run hit its wall-clock limit on every attempt."""


def tag_expected_errors(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code" and "NBVAL_RAISES_EXCEPTION" in cell.source.split("\n", 1)[0]:
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:
                tags.append("raises-exception")


def _poll_in_slices(channel, seconds: float) -> None:
    r"""Make ``channel.get_msg(timeout)`` wait in polls of at most ``seconds`` each.

    Now and then a message the kernel has sent (seen: the execute reply of a widget
    cell) does not wake nbclient's asyncio poll; it is found only when that poll's
    timeout runs out, i.e. after the whole cell timeout. A fresh poll sees it at once,
    so polling in short slices turns such a stall into a delay of at most ``seconds``.
    """
    get_msg = channel.get_msg

    async def sliced(timeout: float | None = None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = seconds if deadline is None else min(seconds, deadline - time.monotonic())
            try:
                return await get_msg(timeout=max(0.0, left))
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    channel.get_msg = sliced


class SlicedPollClient(NotebookClient):
    r"""A NotebookClient whose shell and IOPub channels poll in slices (``_poll_in_slices``)."""

    poll_slice = 1.0

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        _poll_in_slices(kc.shell_channel, self.poll_slice)
        _poll_in_slices(kc.iopub_channel, self.poll_slice)
        return kc


def run(path: Path, out: Path | None = None, allow_errors: bool = False,
        sliced: bool = True) -> float:
    r"""Execute ``path`` in a fresh ``python3`` kernel whose working directory is the
    notebook's folder; write the executed notebook to ``out`` (default: in place).
    With ``allow_errors`` execution goes on past a failing cell (its error is recorded
    as an output) instead of stopping with ``CellExecutionError``; with ``sliced`` the
    client polls in short slices (``SlicedPollClient``)."""
    nb = nbformat.read(path, as_version=4)
    tag_expected_errors(nb)
    start = time.perf_counter()
    client = SlicedPollClient if sliced else NotebookClient
    client(nb, timeout=600, kernel_name="python3", allow_errors=allow_errors,
           resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nbformat.write(nb, out or path)
    return seconds


def run_in_child(path: Path, out: Path | None = None, *, allow_errors: bool = False,
                 sliced: bool = True, limit: float = 120.0, tries: int = 3,
                 capture: bool = False) -> float:
    r"""``run`` in a child process with a wall-clock limit, retried on a timeout.

    A kernel occasionally fails to start or to shut down (a port race between kernels
    started at the same moment), or nbclient waits forever on a widget cell; a fresh
    process then succeeds. Returns the wall-clock seconds of the successful attempt;
    raises ``NoAnswer`` after ``tries`` timeouts and ``subprocess.CalledProcessError``
    if the child fails (with its output attached when ``capture``). The orphaned kernel
    of a killed child exits by itself (ipykernel polls its parent process).
    """
    cmd = [sys.executable, __file__, "--one", str(path)]
    if out is not None:
        cmd += ["--out", str(out)]
    if allow_errors:
        cmd.append("--allow-errors")
    if sliced:
        cmd.append("--sliced")
    for attempt in range(1, tries + 1):
        start = time.perf_counter()
        try:
            subprocess.run(cmd, check=True, timeout=limit, capture_output=capture, text=True)
            return time.perf_counter() - start
        except subprocess.TimeoutExpired:
            print(f"{path}: no answer after {limit:.0f} s (attempt {attempt})", flush=True)
    raise NoAnswer(f"{path}: gave up after {tries} attempts")


def run_isolated(path: Path, limit: float = 120.0, tries: int = 3) -> None:
    r"""``run_in_child`` in place, exiting the program if every attempt timed out."""
    try:
        run_in_child(path, limit=limit, tries=tries)
    except NoAnswer as err:
        sys.exit(str(err))


def _one(args: list[str]) -> None:
    target, out, flags = Path(args[0]), None, set()
    rest = args[1:]
    while rest:
        flag = rest.pop(0)
        if flag == "--out":
            out = Path(rest.pop(0))
        elif flag in ("--allow-errors", "--sliced"):
            flags.add(flag)
        else:
            sys.exit(f"unknown option {flag}")
    seconds = run(target, out, "--allow-errors" in flags, "--sliced" in flags)
    print(f"{target}: {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        _one(sys.argv[2:])
        sys.exit(0)
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        sys.exit("usage: run_notebooks.py NOTEBOOK.ipynb [...]")
    for p in paths:
        run_isolated(p)
