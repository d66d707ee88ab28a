r"""One row of `make bench`'s summary: a performance target beside the figure measured for it.

Every ``bench_*.py`` script prints its own detailed table and returns its targets from
``main``; ``run_all.py`` collects them into one table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    r"""What was measured, the target it is held to, the measured figure, and whether it is met
    (None: shown for information, no target)."""

    what: str
    target: str
    measured: str
    met: bool | None


def format_table(targets: Iterable[Target]) -> str:
    r"""The targets as an aligned text table with a verdict column (met / NOT MET / info)."""
    rows = [("what", "target", "measured", "verdict")]
    for t in targets:
        verdict = "info" if t.met is None else ("met" if t.met else "NOT MET")
        rows.append((t.what, t.target, t.measured, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
