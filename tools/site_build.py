r"""What the two site builders share (``make_html.py``, ``make_lite.py``): the folder they own
and their command line.

A builder writes into a folder it owns: one it wrote before (it holds the builder's marker
file) is emptied first, so no stale page survives; any other non-empty folder is refused
rather than overwritten. A build that cannot go on raises :class:`BuildError` with one
sentence saying what to do; the command line prints it and exits 1, never a traceback.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


class BuildError(RuntimeError):
    r"""The site cannot be built; the message is one sentence saying what to do."""


def marker(tool: str) -> str:
    r"""The name of the file that says ``tool`` wrote the folder."""
    return f".made-by-{tool}"


def clear_output(out: Path, tool: str, error: type[BuildError] = BuildError) -> None:
    r"""Empty ``out`` if ``tool`` wrote it; refuse (``error``) any other non-empty folder."""
    if out.exists() and any(out.iterdir()):
        if not (out / marker(tool)).is_file():
            raise error(f"{out} is not empty and was not written by {tool}: not touching it")
        shutil.rmtree(out)


def mark_output(out: Path, tool: str) -> None:
    r"""Create ``out`` if needed and leave ``tool``'s marker in it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / marker(tool)).write_text(f"written by tools/{tool}.py; the folder is emptied on "
                                    "rebuild\n")


def main(argv: list[str], tool: str, default_out: Path, build: Callable[[Path], Any],
         report: Callable[[Path, Any], None]) -> int:
    r"""``tool [OUT]``: build into OUT (default ``default_out``), then ``report(out, result)``;
    a :class:`BuildError` is printed as ``tool: message`` and gives exit status 1."""
    out = Path(argv[1]) if len(argv) > 1 else default_out
    try:
        result = build(out)
    except BuildError as exc:
        print(f"{tool}: {exc}", file=sys.stderr)
        return 1
    report(out, result)
    return 0
