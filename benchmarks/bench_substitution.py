r"""Benchmark: what the engine buys over the readable kernel — the same recurrence, two systems.

:func:`course_lib.substitution.substitute` runs every solve. Handed a
:class:`~course_lib.substitution.PlainSystem` (a dense matrix, every element tested for zero, one
Python step per product) it is the kernel lesson 03 shows; handed the engine's systems
(:mod:`course_lib.substitution_engine`) it is `backslash`. Printed, side by side in one run:

1. a dense float upper-triangular system, n = 400: PlainSystem against `backslash`
   (`DenseSystem`: one BLAS product per row);
2. the MLP adjoint system of `mlp.gradients` (784-256-256-10, batch 256, operator elements):
   PlainSystem against `backslash(..., keep=…)` (`ElementSystem`: zeros skipped once, shared
   Hadamard products formed once, scalar multiples folded, unknowns let go early) — time and
   peak traced memory.

Both answers are checked equal first. Informational: no target (the engine's targets are
bench_mlp's).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
from targets import Target
from timing import paired_ratio, round_times

from course_lib import mlp, substitution
from course_lib.mlp import _adjoint_system, _forward, _perturbation_system


def peak_mb(run) -> float:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> list[Target]:
    rng = np.random.default_rng(0)
    n = 400
    U = np.triu(rng.uniform(-1, 1, (n, n)) / n, 1) + np.diag(rng.uniform(1, 2, n))
    b = rng.normal(size=n)
    assert np.allclose(substitution.plain_substitution(U, b), substitution.backslash(U, b))
    t = round_times({"plain": lambda: substitution.plain_substitution(U, b),
                     "engine": lambda: substitution.backslash(U, b)}, 5)
    dense_ratio = paired_ratio(t["plain"], t["engine"])
    print(f"1. dense float system, n = {n}: PlainSystem {np.median(t['plain']) * 1e3:.1f} ms, "
          f"backslash {np.median(t['engine']) * 1e3:.2f} ms — the engine is {dense_ratio:.0f}× faster")

    sizes = [784, 256, 256, 10]
    weights = [rng.normal(size=(m, k)) / np.sqrt(k) for k, m in zip(sizes, sizes[1:])]
    biases = [rng.normal(size=(m, 1)) * 0.1 for m in sizes[1:]]
    x, y = rng.normal(size=(sizes[0], 256)), rng.normal(size=(sizes[-1], 256))
    outputs = _forward(weights, biases, x, "tanh", y)
    L, D = _perturbation_system(weights, outputs, "tanh")
    system = _adjoint_system(L, D)
    rhs = [None] * (3 * len(weights) - 1) + [outputs[-1] - y]
    plain_rhs = [np.zeros(1) if r is None else r for r in rhs]  # PlainSystem has no zero blocks
    keep = [k for k in range(len(rhs)) if k % 3 != 2]

    def plain():
        return substitution.plain_substitution(system, plain_rhs)

    def engine():
        return substitution.backslash(system, rhs, keep=keep)

    got, expected = plain(), engine()
    assert all(np.allclose(got[k], expected[k]) for k in keep)
    assert np.allclose(expected[0], mlp.gradients(weights, biases, x, y)[0][0])
    t = round_times({"plain": plain, "engine": engine}, 40)
    ratio = paired_ratio(t["plain"], t["engine"])
    plain_mb, engine_mb = peak_mb(plain), peak_mb(engine)
    print(f"2. MLP adjoint system {'-'.join(map(str, sizes))}, batch 256: PlainSystem "
          f"{np.median(t['plain']) * 1e3:.2f} ms, peak {plain_mb:.2f} MB; backslash "
          f"{np.median(t['engine']) * 1e3:.2f} ms, peak {engine_mb:.2f} MB — "
          f"{ratio:.2f}× faster, {plain_mb / engine_mb:.2f}× less memory")
    return [Target(f"engine ÷ kernel speed-up, dense float n = {n}", "info",
                   f"{dense_ratio:.0f}×", None),
            Target("engine ÷ kernel on the MLP adjoint system (time, peak memory)", "info",
                   f"{ratio:.2f}× faster, {plain_mb / engine_mb:.2f}× less memory", None)]


if __name__ == "__main__":
    main()
