r"""Benchmark: lesson 13 — Gaussian BP as a sparse solver, variable elimination on a grid.

1. **Gaussian BP on a tree of 10^5 nodes** (a random recursive tree: node k hangs from a
   uniformly chosen earlier node; Q_kk ~ U(2, 3), couplings U(−1, 1), h ~ N(0, 1)):
   :func:`course_lib.gaussian_bp.solve` (flooding, to tol 1e-10) against
   ``scipy.sparse.linalg.spsolve`` (SuperLU, compiled) on the same Q in CSC. Targets: ≤ 1 s, and
   ≤ 3× spsolve. The means are checked against spsolve's solution first.
2. **Variable elimination on a 12 × 12 binary grid** (Ising factors with random couplings and
   fields) in a min-fill order: :func:`course_lib.bp.eliminate`'s log Z checked against an
   independent transfer-matrix computation (row by row over the 2^12 states of a row, written
   here), then timed against pgmpy's ``VariableElimination`` on the same factors and the same
   order (pgmpy eliminates every variable but one and returns that variable's marginal; it is
   checked against eliminate's own marginal by evidence). Target: ≤ 2× pgmpy. pgmpy is not a
   course dependency: ``make bench`` installs it from benchmarks/requirements-bench.txt; without
   it this part prints "pgmpy not installed: …" and carries on.
3. **Against enumeration.** 2^144 assignments cannot be enumerated, so the factor is measured on
   grids small enough to enumerate (3×3, 4×4, 4×5: 2^9 … 2^20 assignments):
   :func:`bp.exact_log_partition` (the course's brute force) against eliminate with a min-fill
   order on the same model, both giving log Z. The factor grows like 2^n / n; the row for 12×12
   reports it as not measurable.

Every ratio is the median over rounds in which the contenders run side by side (CPU time,
``time.process_time``; the wall-clock median is shown beside it).

Run: ``.venv/bin/python benchmarks/bench_elimination.py`` (``--quick``: fewer rounds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import warnings

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from scipy.special import logsumexp
from targets import Target
from timing import round_times_with_cpu

from course_lib import bp, elimination, gaussian_bp
from course_lib.factor_graph import FactorGraph, ising_grid


def side_by_side(contenders: dict, rounds: int) -> dict[str, dict[str, list[float]]]:
    """CPU and wall seconds of each contender, one call each per round, after a warm-up."""
    wall, cpu = round_times_with_cpu(contenders, rounds)
    return {name: {"cpu": list(cpu[name]), "wall": list(wall[name])} for name in contenders}


def median_ratio(times, a: str, b: str, kind: str = "cpu") -> float:
    return float(np.median(np.array(times[a][kind]) / np.array(times[b][kind])))


# ---------------------------------------------------------------------- 1. Gaussian BP
def random_tree_system(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    child = np.arange(1, n)
    parent = (rng.random(n - 1) * child).astype(int)  # uniform among the earlier nodes
    q = rng.uniform(-1.0, 1.0, n - 1)
    diag = rng.uniform(2.0, 3.0, n)
    rows = np.concatenate([np.arange(n), child, parent])
    cols = np.concatenate([np.arange(n), parent, child])
    Q = scipy.sparse.csc_array((np.concatenate([diag, q, q]), (rows, cols)), shape=(n, n))
    return Q, rng.normal(size=n)


def bench_gaussian_bp(rounds: int) -> list[Target]:
    n = 10**5
    Q, h = random_tree_system(n)
    result = gaussian_bp.solve(Q, h)
    x = scipy.sparse.linalg.spsolve(Q, h)
    assert result.converged and np.allclose(result.means, x, rtol=1e-8, atol=1e-10), \
        "Gaussian BP's means differ from spsolve's solution"
    times = side_by_side({"gaussian_bp.solve": lambda: gaussian_bp.solve(Q, h),
                          "spsolve": lambda: scipy.sparse.linalg.spsolve(Q, h)}, rounds)
    print(f"Gaussian BP on a random tree of n = {n} nodes ({result.iterations} flooding rounds; "
          f"means = spsolve's to 1e-8)")
    for name, t in times.items():
        print(f"  {name:<18} cpu {statistics.median(t['cpu']):.3f} s   wall "
              f"{statistics.median(t['wall']):.3f} s")
    cpu = statistics.median(times["gaussian_bp.solve"]["cpu"])
    ratio = median_ratio(times, "gaussian_bp.solve", "spsolve")
    wall_ratio = median_ratio(times, "gaussian_bp.solve", "spsolve", "wall")
    print(f"  ratio gaussian_bp / spsolve: cpu {ratio:.2f}×, wall {wall_ratio:.2f}×\n")
    return [Target("gaussian_bp.solve, tree of 10^5 nodes (cpu)", "≤ 1 s", f"{cpu:.3f} s",
                   cpu <= 1.0),
            Target("gaussian_bp.solve ÷ scipy spsolve, same Q (cpu median)", "≤ 3×",
                   f"{ratio:.2f}× (wall {wall_ratio:.2f}×)", ratio <= 3.0)]


# ---------------------------------------------------------------------- 2. elimination on a grid
def random_grid(rows: int, cols: int, seed: int = 1) -> FactorGraph:
    rng = np.random.default_rng(seed)
    n_edges = rows * (cols - 1) + (rows - 1) * cols
    return ising_grid(rows, cols, rng.uniform(-0.5, 0.5, n_edges), rng.uniform(-0.3, 0.3, rows * cols))


def transfer_matrix_log_partition(fg: FactorGraph, rows: int, cols: int) -> float:
    r"""THE INDEPENDENT ROUTE (not course code): log Z row by row. v(s) over the 2^cols states s
    of a row holds log Σ of everything above it; moving down multiplies in the vertical factors
    one column at a time, then the new row's own (unary and horizontal) factors."""
    def var(r, c):
        return f"x{r * cols + c}"
    unary, pair = {}, {}
    for f in fg.factors:
        (unary if len(f.variables) == 1 else pair)[f.variables] = np.log(f.table)
    states = np.indices((2,) * cols).reshape(cols, -1).T  # every row state, column 0 slowest

    def row_log_potential(r):
        total = np.zeros(len(states))
        for c in range(cols):
            total += unary.get((var(r, c),), np.zeros(2))[states[:, c]]
            if c + 1 < cols:
                total += pair[(var(r, c), var(r, c + 1))][states[:, c], states[:, c + 1]]
        return total

    v = row_log_potential(0)
    for r in range(1, rows):
        t = v.reshape((2,) * cols)
        for c in range(cols):  # Σ_{s_c} exp(t + log f(s_c, s'_c)), column c in turn
            f = pair[(var(r - 1, c), var(r, c))]
            t = np.moveaxis(t, c, -1)[..., :, None] + f  # (..., s_c, s'_c)
            t = np.moveaxis(logsumexp(t, axis=-2), -1, c)
        v = t.reshape(-1) + row_log_potential(r)
    return float(logsumexp(v))


def pgmpy_contender(fg: FactorGraph, order: list[str]):
    """pgmpy's VariableElimination on the same factors and order, or the reason it is absent."""
    try:
        import pgmpy
        from pgmpy.factors.discrete import DiscreteFactor
        from pgmpy.inference import VariableElimination
        try:
            from pgmpy.models import DiscreteMarkovNetwork as MarkovNetwork
        except ImportError:
            from pgmpy.models import MarkovNetwork
    except ImportError as err:
        return None, f"pgmpy not installed: {err} (pip install -r benchmarks/requirements-bench.txt)"
    model = MarkovNetwork()
    model.add_nodes_from(fg.variables)
    model.add_edges_from([f.variables for f in fg.factors if len(f.variables) == 2])
    model.add_factors(*[DiscreteFactor(list(f.variables), list(f.table.shape), f.table.ravel())
                        for f in fg.factors])
    inference = VariableElimination(model)
    query, rest = order[-1], order[:-1]

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return inference.query([query], elimination_order=rest, joint=True,
                                   show_progress=False).values
    return run, f"pgmpy {pgmpy.__version__}"


def bench_grid(rounds: int) -> list[Target]:
    rows = cols = 12
    fg = random_grid(rows, cols)
    order = elimination.min_fill_order(fg)
    r = bp.eliminate(fg, order)
    reference = transfer_matrix_log_partition(fg, rows, cols)
    assert abs(r.log_partition - reference) <= 1e-9 * max(1.0, abs(reference)), \
        f"log Z: eliminate {r.log_partition!r}, transfer matrix {reference!r}"
    print(f"bp.eliminate on a {rows}×{cols} binary grid, min-fill order: induced width "
          f"{r.induced_width}, largest table {r.largest_table}; log Z = {r.log_partition:.10f} "
          f"= the transfer matrix's to {abs(r.log_partition - reference):.1e}")
    contenders = {"bp.eliminate": lambda: bp.eliminate(fg, order)}
    run, label = pgmpy_contender(fg, order)
    targets = []
    if run is None:
        print(f"  {label}")
        targets.append(Target(f"bp.eliminate ÷ pgmpy VariableElimination, {rows}×{cols} grid",
                              "≤ 2×", label.split(":")[0], None))
    else:
        query = order[-1]
        log_z_given = [bp.eliminate(fg, order, {query: s}).log_partition for s in (0, 1)]
        mine = np.exp(np.array(log_z_given) - r.log_partition)
        theirs = run()  # pgmpy's Markov-network query returns the unnormalised table here
        assert np.allclose(theirs / theirs.sum(), mine, rtol=1e-8), \
            f"pgmpy's p({query}) differs from eliminate's"
        contenders[label] = run
    times = side_by_side(contenders, rounds)
    for name, t in times.items():
        print(f"  {name:<18} cpu {statistics.median(t['cpu']) * 1e3:8.1f} ms   wall "
              f"{statistics.median(t['wall']) * 1e3:8.1f} ms")
    if run is not None:
        ratio = median_ratio(times, "bp.eliminate", label)
        wall_ratio = median_ratio(times, "bp.eliminate", label, "wall")
        print(f"  ratio bp.eliminate / {label}: cpu {ratio:.2f}×, wall {wall_ratio:.2f}× "
              f"(pgmpy's marginal of {order[-1]} = eliminate's by evidence)")
        targets.append(Target(f"bp.eliminate ÷ {label} VariableElimination, {rows}×{cols} grid, "
                              "same order (cpu median)", "≤ 2×",
                              f"{ratio:.2f}× (wall {wall_ratio:.2f}×)", ratio <= 2.0))
    targets.append(Target(f"bp.eliminate log Z, {rows}×{cols} grid = transfer matrix", "exact "
                          "(≤ 1e-9 rel.)", f"{abs(r.log_partition - reference):.1e}", True))
    print()
    return targets


def bench_enumeration(rounds: int) -> list[Target]:
    print("bp.eliminate (min-fill) against enumeration (bp.exact_log_partition), same model:")
    factors = []
    for rows, cols in [(3, 3), (4, 4), (4, 5)]:
        fg = random_grid(rows, cols)
        order = elimination.min_fill_order(fg)
        assert np.isclose(bp.eliminate(fg, order).log_partition, bp.exact_log_partition(fg))
        times = side_by_side({"enumeration": lambda fg=fg: bp.exact_log_partition(fg),
                              "eliminate": lambda fg=fg, o=order: bp.eliminate(fg, o)},
                             rounds if rows * cols < 20 else max(1, rounds // 2))
        factor = median_ratio(times, "enumeration", "eliminate")
        factors.append((rows * cols, factor))
        print(f"  {rows}×{cols} (2^{rows * cols} assignments): enumeration cpu "
              f"{statistics.median(times['enumeration']['cpu']) * 1e3:8.1f} ms, eliminate "
              f"{statistics.median(times['eliminate']['cpu']) * 1e3:6.1f} ms: enumeration ÷ "
              f"eliminate = {factor:.2g}×")
    *small, (n_big, f_big) = factors
    n_mid, f_mid = small[-1]
    growth = (f_big / f_mid) ** (1 / (n_big - n_mid))
    print(f"  12×12 (2^144 assignments): enumeration impossible, so no factor is measured there; "
          f"from {n_mid} to {n_big} variables the factor grew {growth:.2g}× per added variable\n")
    return [Target(f"enumeration ÷ bp.eliminate, {n}-variable grid (cpu median)", "info",
                   f"{f:.2g}×", None) for n, f in small] + [
        Target(f"enumeration ÷ bp.eliminate, {n_big}-variable grid, the largest enumerable "
               "(cpu median)", "> 1× (eliminate faster)", f"{f_big:.2g}×", f_big > 1.0)]


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    rounds = 2 if args.quick else 5
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"lesson 13 benchmarks ({rounds} rounds side by side; load average {load})\n")
    return bench_gaussian_bp(rounds) + bench_grid(rounds) + bench_enumeration(rounds)


if __name__ == "__main__":
    from targets import format_table

    print(format_table(main()))
