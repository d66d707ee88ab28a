r"""Benchmark: all marginals of a sum–product network from one upward and one backward pass.

Networks come from :func:`course_lib.spn.random_spn` (a sum of two products per scope,
each splitting the scope in half, Categorical leaves; about ``4^{log2 n}`` nodes for ``n``
variables). Evidence: the first variable observed at 1. Printed:

1. seconds for ``spn.marginals`` (linear and log space) and ``spn.derivatives`` on
   networks of about 10^3 … 4·10^4 nodes — the target is ≤ 0.5 s at 10^4 nodes;
2. the same marginals by brute-force enumeration of all ``2^n`` complete assignments
   (the SPN evaluated on all of them at once with numpy), against one pass of
   ``spn.marginals``, for ``n`` where enumeration is feasible: exponential against
   linear work, with the largest difference between the two answers.

Run: ``.venv/bin/python benchmarks/bench_spn.py``. Timings are the best of a few
repeats; they vary by machine.
"""

from __future__ import annotations

import numpy as np
from targets import Target
from timing import best_time

from course_lib import spn
from course_lib.enumeration import assignments

REPEATS = 3
PASS_SIZES = [16, 32, 70, 140]  # variables → about 10^3, 4·10^3, 10^4, 4·10^4 nodes
ENUMERATION_SIZES = [4, 6, 8, 10, 12, 14, 16, 18]


def enumerated_marginals(root: spn.Node, evidence: dict[str, int]) -> dict[str, np.ndarray]:
    r"""THE PEER BEING COMPARED (not course code): P(X | e) by enumerating every x.

    S(x) for all complete assignments at once (one numpy vector of length Π|X| per
    node, freed when its last parent is done), then P(X = v | e) = Σ_{x ⊨ e, x_X = v} S(x)
    / Σ_{x ⊨ e} S(x) (for observed X, e without X).
    """
    names = spn.variables(root)
    states = spn.cardinalities(root)
    x = assignments([states[v] for v in names])
    column = {v: j for j, v in enumerate(names)}
    order = spn.topological_order(root)
    waiting = {id(n): 0 for n in order}
    for n in order:
        for c in n.children:
            waiting[id(c)] += 1
    values: dict[int, np.ndarray] = {}
    for n in order:
        if isinstance(n, spn.Indicator):
            s = (x[:, column[n.variable]] == n.value).astype(float)
        elif isinstance(n, spn.Categorical):
            s = np.asarray(n.probabilities)[x[:, column[n.variable]]]
        elif isinstance(n, spn.Sum):
            s = sum(w * values[id(c)] for w, c in zip(n.weights, n.children))
        else:
            s = np.prod([values[id(c)] for c in n.children], axis=0)
        values[id(n)] = s
        for c in n.children:
            waiting[id(c)] -= 1
            if waiting[id(c)] == 0:
                del values[id(c)]
    p = values[id(root)]
    out = {}
    for var in names:
        keep = np.ones(len(x), dtype=bool)
        for other, v in evidence.items():
            if other != var:
                keep &= x[:, column[other]] == v
        table = np.bincount(x[keep, column[var]], weights=p[keep], minlength=states[var])
        out[var] = table / table.sum()
    return out


def main(argv: list[str] | None = None) -> list[Target]:
    rng = np.random.default_rng(0)

    print("1. all marginals from one upward + one backward pass (best of "
          f"{REPEATS}; seconds)")
    print(f"{'vars':>5} {'nodes':>7} {'marginals':>10} {'log space':>10} {'derivatives':>12} "
          f"{'µs/node':>8}")
    closest = (0, float("inf"))  # (nodes, seconds) of the network nearest 10^4 nodes
    for n in PASS_SIZES:
        root = spn.random_spn(n, rng)
        e = {spn.variables(root)[0]: 1}
        nodes = len(spn.topological_order(root))
        t_lin = best_time(lambda r=root, e=e: spn.marginals(r, e), REPEATS).wall
        t_log = best_time(lambda r=root, e=e: spn.marginals(r, e, log_space=True), REPEATS).wall
        t_der = best_time(lambda r=root, e=e: spn.derivatives(r, e), REPEATS).wall
        print(f"{n:>5} {nodes:>7} {t_lin:>10.3f} {t_log:>10.3f} {t_der:>12.3f} "
              f"{1e6 * t_lin / nodes:>8.1f}")
        if abs(nodes - 10**4) < abs(closest[0] - 10**4):
            closest = (nodes, t_lin)

    print()
    print("2. one backward pass against brute-force enumeration of all 2^n assignments")
    print(f"{'vars':>5} {'nodes':>7} {'2^n':>8} {'one pass s':>11} {'enumerate s':>12} "
          f"{'ratio':>8} {'max |diff|':>11}")
    for n in ENUMERATION_SIZES:
        root = spn.random_spn(n, rng)
        e = {spn.variables(root)[0]: 1}
        nodes = len(spn.topological_order(root))
        t_pass = best_time(lambda r=root, e=e: spn.marginals(r, e), REPEATS).wall
        t_enum = best_time(lambda r=root, e=e: enumerated_marginals(r, e),
                           repeats=1 if n >= 16 else REPEATS).wall
        ours, theirs = spn.marginals(root, e), enumerated_marginals(root, e)
        diff = max(np.abs(ours[v] - theirs[v]).max() for v in ours)
        print(f"{n:>5} {nodes:>7} {2**n:>8} {t_pass:>11.4f} {t_enum:>12.4f} "
              f"{t_enum / t_pass:>8.1f} {diff:>11.1e}")
    return [Target(f"SPN, all marginals, one pass ({closest[0]} nodes)", "≤ 0.5 s",
                   f"{closest[1]:.3f} s", closest[1] <= 0.5)]


if __name__ == "__main__":
    main()
