r"""Benchmark: log-space belief propagation on large trees and chains.

Printed, as one table:

1. a random tree of 10^4 variables with 3 states (:func:`random_tree_model`: unary factors
   and one pairwise factor per edge, a random recursive tree) — flooding versus the
   two-pass tree schedule, with and without recording the belief history; target ≤ 1 s of
   CPU time (the wall clock beside it; on a loaded machine it is the CPU time that holds);
2. a chain of 10^5 variables with 3 states (tree schedule = forward–backward), whose
   ``Z`` is far outside the float range — it must simply complete;
3. if pgmpy is importable (never required), the same kind of tree through pgmpy's
   ``BeliefPropagation`` side by side: largest marginal difference and time ratio. pgmpy
   multiplies factors in the probability domain and calibrates a junction tree, so it is
   run on a small tree (``--pgmpy-size``, default 100 variables); on 10^3 variables it takes
   minutes and its products underflow to NaN.

Run: ``.venv/bin/python benchmarks/bench_bp.py`` (``--quick`` for smaller sizes). Times are
the best of a few repeats, wall clock and CPU (the CPU time is less sensitive to other
processes on a shared machine), including building the message plan; they vary by machine.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from targets import Target
from timing import best_time

from course_lib import bp
from course_lib.factor_graph import chain_model, random_tree_model

REPEATS = 3


def timed(run, repeats: int = REPEATS):
    """((best wall-clock s, its CPU s), last result), as the table below prints them."""
    t = best_time(run, repeats)
    return (t.wall, t.cpu), t.result


def max_marginal_difference(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(np.asarray(a[v]) - np.asarray(b[v])))) for v in a)


def pgmpy_marginals(fg):
    r"""THE PEER BEING COMPARED (not course code): pgmpy's BeliefPropagation on the same model."""
    from pgmpy.factors.discrete import DiscreteFactor
    from pgmpy.inference import BeliefPropagation
    try:
        from pgmpy.models import DiscreteMarkovNetwork as Network
    except ImportError:  # pgmpy < 1.0
        from pgmpy.models import MarkovNetwork as Network
    net = Network()
    net.add_nodes_from(fg.variables)
    net.add_edges_from([f.variables for f in fg.factors if len(f.variables) == 2])
    net.add_factors(*[DiscreteFactor(list(f.variables), list(f.table.shape), f.table)
                      for f in fg.factors])
    inference = BeliefPropagation(net)
    inference.calibrate()
    marginals = {}  # read each variable off a calibrated clique belief (what BP computes)
    for belief in inference.get_clique_beliefs().values():
        for v in belief.variables:
            if v not in marginals:
                m = belief.marginalize([w for w in belief.variables if w != v], inplace=False)
                m.normalize()
                marginals[v] = m.values
    return marginals


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--pgmpy-size", type=int, default=100,
                        help="variables in the tree compared with pgmpy (default 100)")
    args = parser.parse_args(argv)
    tree_n, chain_n = (10**3, 10**4) if args.quick else (10**4, 10**5)
    rows = []

    build, tree = timed(lambda: random_tree_model(tree_n, 3, rng=0), repeats=1)
    rows.append((f"random tree, {tree_n} vars, 3 states", "build graph", "", build, ""))
    results, seconds_of = {}, {}
    for schedule, history in [("flooding", False), ("flooding", True), ("tree", False),
                              ("tree", True)]:
        seconds, r = timed(lambda s=schedule, h=history: bp.belief_propagation(
            tree, schedule=s, max_iters=1000, record_history=h))
        results[(schedule, history)] = r
        seconds_of[(schedule, history)] = seconds  # (best wall s, its CPU s)
        label = schedule + (" + history" if history else "")
        rows.append((f"random tree, {tree_n} vars, 3 states", label, r.iterations, seconds,
                     f"log Z = {r.log_partition:.6f}"))
    flood, sweep = results[("flooding", False)], results[("tree", False)]
    agreement = (f"max |Δ marginal| = {max_marginal_difference(flood.marginals, sweep.marginals):.1e}"
                 f", |Δ log Z| = {abs(flood.log_partition - sweep.log_partition):.1e}")
    rows.append((f"random tree, {tree_n} vars, 3 states", "flooding vs tree", "", None, agreement))

    build, chain = timed(lambda: chain_model(chain_n, 3, rng=0), repeats=1)
    rows.append((f"chain, {chain_n} vars, 3 states", "build graph", "", build, ""))
    seconds, r = timed(lambda: bp.belief_propagation(chain, schedule="tree",
                                                         record_history=False), repeats=1)
    rows.append((f"chain, {chain_n} vars, 3 states", "tree (forward–backward)", r.iterations,
                 seconds, f"log Z = {r.log_partition:.1f} (Z ≈ 10^{r.log_partition / np.log(10):.0f})"))

    try:
        import pgmpy  # noqa: F401
    except ImportError:
        rows.append(("pgmpy comparison", "skipped", "", None, "pgmpy is not importable"))
    else:
        small = random_tree_model(args.pgmpy_size, 3, rng=1)
        label = f"random tree, {args.pgmpy_size} vars, 3 states"
        ours_s, ours = timed(lambda: bp.belief_propagation(small, schedule="tree",
                                                               record_history=False))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # pgmpy's deprecation notices
                theirs_s, theirs = timed(lambda: pgmpy_marginals(small), repeats=1)
        except Exception as exc:  # an optional peer: report, never fail
            rows.append((label, "pgmpy BeliefPropagation", "", None,
                         f"failed: {type(exc).__name__}: {exc}"[:100]))
        else:
            diff = max_marginal_difference(ours.marginals, theirs)
            rows.append((label, "pgmpy BeliefPropagation", "", theirs_s,
                         f"max |Δ marginal| = {diff:.1e}"))
            rows.append((label, "course_lib tree", 1, ours_s,
                         f"pgmpy / course_lib time = {theirs_s[0] / ours_s[0]:.0f}×"))

    header = ("model", "method", "iterations", "wall s", "CPU s", "notes")
    table = [header] + [(str(m), str(k), str(i), "" if t is None else f"{t[0]:.3f}",
                         "" if t is None else f"{t[1]:.3f}", str(note))
                        for m, k, i, t, note in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return [Target(f"BP, random tree of {tree_n} variables, {schedule} schedule", "≤ 1 s CPU",
                   f"{seconds_of[(schedule, False)][1]:.2f} s CPU, "
                   f"{seconds_of[(schedule, False)][0]:.2f} s wall",
                   seconds_of[(schedule, False)][1] <= 1.0)
            for schedule in ("tree", "flooding")]


if __name__ == "__main__":
    main()
