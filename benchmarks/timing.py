r"""One way to time a call for every benchmark: the best of a few repeats.

    t = best_time(lambda: f(x), repeats=3)
    t.wall, t.cpu, t.result    # best wall-clock seconds, CPU seconds of that call, last result

The best (smallest) time is the one least disturbed by other processes; the CPU time beside it
is even less sensitive to a shared machine. When a ratio of two contenders is the target,
`round_times` runs them in rounds (each once per round, in a shuffled order) and `paired_ratio`
takes the median of the per-round ratios: a busy moment slows one round's contenders alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

__all__ = ["Timing", "best_time", "round_times", "paired_ratio"]


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


def round_times(fns: dict[str, Callable[[], object]], repeats: int, seed: int = 0
                ) -> dict[str, np.ndarray]:
    """Wall-clock time of each fn() in each of `repeats` rounds, after one warm-up round.

    Every contender runs once per round, in an order shuffled each round, so a busy moment slows
    one round's contenders alike and no contender always inherits the heap another one left.
    The ratio of two contenders is taken round by round (`paired_ratio`).
    """
    return round_times_with_cpu(fns, repeats, seed)[0]


def round_times_with_cpu(fns: dict[str, Callable[[], object]], repeats: int, seed: int = 0
                         ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """`round_times`' rounds, returning (wall seconds, CPU seconds) per contender and round;
    CPU time (``time.process_time``) is what other programs on a shared machine inflate least."""
    order = np.random.default_rng(seed)
    names = list(fns)
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for round_number in range(repeats + 1):
        for k in order.permutation(len(names)):
            name = names[k]
            start, start_cpu = time.perf_counter(), time.process_time()
            fns[name]()
            if round_number > 0:
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - start_cpu)
    return ({name: np.array(t) for name, t in wall.items()},
            {name: np.array(t) for name, t in cpu.items()})


def paired_ratio(numerator: np.ndarray, denominator: np.ndarray) -> float:
    """Median over the rounds of numerator / denominator, each round's times side by side."""
    return float(np.median(numerator / denominator))
