r"""Exercise checks for notebooks/12_semirings.ipynb (built on :mod:`.exercise`).

Each check draws fresh random DAGs or HMMs, computes the oracle outside any forbidding block
(brute force over every path, or :mod:`course_lib.semiring`), then calls the student's function
with the shortcuts the prompt rules out made to fail, and compares every entry.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import scipy.sparse.csgraph as csgraph

from course_lib import bp, semiring, substitution

from .exercise import agree, array, call, forbidding, fresh_rng, ok

__all__ = ["min_plus_function", "viterbi_function"]

_SOLVERS = {
    "semiring.closure_solve": semiring.closure_solve,
    "substitution.substitute": substitution.substitute,
    "substitution.plain_substitution": substitution.plain_substitution,
    "csgraph.shortest_path": csgraph.shortest_path,
    "csgraph.dijkstra": csgraph.dijkstra,
    "csgraph.bellman_ford": csgraph.bellman_ford,
    "csgraph.johnson": csgraph.johnson,
    "csgraph.floyd_warshall": csgraph.floyd_warshall,
}


def _random_dag(r: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""(N, b) in (min, +): N strictly upper triangular, +inf where there is no edge; b with
    some +inf entries (nodes that are no target), at least one finite."""
    n = int(r.integers(4, 10))
    N = np.full((n, n), np.inf)
    edges = np.triu(r.random((n, n)) < 0.5, 1)
    N[edges] = r.integers(1, 20, size=int(edges.sum())) + r.random(int(edges.sum())).round(2)
    b = np.where(r.random(n) < 0.4, r.uniform(0, 5, size=n).round(2), np.inf)
    b[-1] = 0.0
    return N, b


def _shortest_by_paths(N: np.ndarray, b: np.ndarray) -> np.ndarray:
    r"""x_i = min over every path i → … → k of its weight + b_k (brute force)."""
    n = len(b)
    best = np.full(n, np.inf)

    def walk(i: int, start: int, weight: float) -> None:
        best[start] = min(best[start], weight + b[i])
        for j in range(i + 1, n):
            if N[i, j] < np.inf:
                walk(j, start, weight + N[i, j])

    for i in range(n):
        walk(i, i, 0.0)
    return best


def _same_with_inf(got: np.ndarray, expected: np.ndarray, what: str) -> None:
    r"""Every entry equal, +inf included (array() refuses inf, so compare the pattern first)."""
    g = np.asarray(got, dtype=float)
    if g.shape != expected.shape:
        array(got, what, expected.shape)  # raises the shape message
    unreachable = np.isinf(expected)
    if not np.array_equal(np.isposinf(g), unreachable) or np.isnan(g).any():
        k = int(np.argmax(np.isposinf(g) != unreachable))
        raise AssertionError(f"{what}: entry {k} should be {expected[k]:.6g}, got {g[k]:.6g}"
                             + (" (+inf: no path)" if unreachable[k] else ""))
    agree(np.where(unreachable, 0.0, g), np.where(unreachable, 0.0, expected), what)


def min_plus_function(min_plus_solve, rng=None) -> None:
    r"""``min_plus_solve(N, rhs)`` = x with x_i = min(r_i, min_{j>i} N_ij + x_j), every entry.

    Verifies the answer, not the method: closure_solve, substitute and scipy's shortest paths are
    forbidden, but any loop of one's own (n rounds of Jacobi too) that gets every entry passes."""
    r = fresh_rng(rng)
    for _ in range(4):
        N, b = _random_dag(r)
        expected = _shortest_by_paths(N, b)
        with forbidding(_SOLVERS, "write the back substitution yourself", min_plus_solve):
            got = call(min_plus_solve, N.copy(), b.copy(), name="min_plus_solve")
        _same_with_inf(got, expected, f"x for a fresh DAG of {len(b)} nodes")
    ok("x_i = r_i ⊕ ⊕_j N_ij ⊗ x_j over (min, +): every shortest distance")


def _random_hmm(r: np.random.Generator, S: int, V: int) -> tuple:
    def rows(shape):
        p = r.random(shape) + 0.05
        return p / p.sum(axis=-1, keepdims=True)

    return rows(S), rows((S, S)), rows((S, V))


def _joint_log(pi, A, B, obs, path) -> float:
    total = math.log(pi[path[0]]) + math.log(B[path[0], obs[0]])
    for t in range(1, len(obs)):
        total += math.log(A[path[t - 1], path[t]]) + math.log(B[path[t], obs[t]])
    return total


def viterbi_function(viterbi_path, rng=None) -> None:
    r"""``viterbi_path(initial, transition, emission, observations)`` = (most probable path as a
    list of ints, its natural-log joint probability), by the max-plus forward recursion with
    back-pointers (no semiring.viterbi, no bp.max_product). Short chains are checked against
    every one of the S^T paths; a long one (T = 600, where probabilities underflow) against
    semiring.viterbi computed beforehand."""
    r = fresh_rng(rng)
    cases = []
    for _ in range(3):
        S, V, T = int(r.integers(2, 4)), int(r.integers(2, 4)), int(r.integers(3, 7))
        cases.append((*_random_hmm(r, S, V), r.integers(0, V, size=T).tolist()))
    S, V = int(r.integers(3, 5)), 3
    cases.append((*_random_hmm(r, S, V), r.integers(0, V, size=600).tolist()))
    forbidden = {"semiring.viterbi": semiring.viterbi, "bp.max_product": bp.max_product}
    for pi, A, B, obs in cases:
        S, T = len(pi), len(obs)
        if T <= 8:
            best = max(_joint_log(pi, A, B, obs, p)
                       for p in itertools.product(range(S), repeat=T))
        else:
            best = semiring.viterbi(pi, A, B, obs)[1]
        with forbidding(forbidden, "write the recursion and the back-pointers yourself",
                        viterbi_path):
            got = call(viterbi_path, pi, A, B, list(obs), name="viterbi_path")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"viterbi_path should return (path, log probability), got "
                                 f"{type(got).__name__}")
        path, log_p = got
        states = array(path, f"the path for T = {T}", (T,))
        if not np.all((states == np.round(states)) & (states >= 0) & (states < S)):
            raise AssertionError(f"the path for T = {T} should hold states 0 … {S - 1}, got "
                                 f"{np.asarray(path)[:8]}…")
        agree(log_p, best, f"the log probability for T = {T}", rtol=1e-9, atol=1e-9)
        attained = _joint_log(pi, A, B, obs, [int(s) for s in states])
        if not math.isclose(attained, best, rel_tol=1e-9, abs_tol=1e-9):
            raise AssertionError(f"the path for T = {T} has log probability {attained:.6g}, but "
                                 f"the best path has {best:.6g} (are the back-pointers read "
                                 "from the right step?)")
    ok("Viterbi by max-plus and back-pointers: the best path and its log probability")
