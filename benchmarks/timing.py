r"""One way to time a call for every benchmark: the best of a few repeats.

    t = best_time(lambda: f(x), repeats=3)
    t.wall, t.cpu, t.result    # best wall-clock seconds, CPU seconds of that call, last result

The best (smallest) time is the one least disturbed by other processes; the CPU time beside it
is even less sensitive to a shared machine. Ratios between contenders are taken from times
measured in one run (see bench_mlp.py for paired rounds when a ratio is a target near 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["Timing", "best_time"]


class Timing(NamedTuple):
    wall: float  # best wall-clock seconds over the repeats
    cpu: float  # CPU seconds of that best call
    result: Any  # what the last call returned


def best_time(run: Callable[[], Any], repeats: int = 3) -> Timing:
    r"""Call ``run()`` ``repeats`` times; the best wall-clock time, its CPU time, the last result."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    best, result = (float("inf"), float("inf")), None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, (time.perf_counter() - start, time.process_time() - cpu))
    return Timing(best[0], best[1], result)
