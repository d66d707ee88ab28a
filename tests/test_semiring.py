r"""Tests for course_lib.semiring (and the helpers it stands on: dag, enumeration).

Oracles: the sum over every path of the DAG written out by brute force (each path's weight is
the ⊗-product of its edges and of b at its end, and x_i the ⊕ of the paths from i); for
sum-product also numpy.linalg.solve(I − N, b); Viterbi against every one of the S^T state paths.
"""

import itertools
import math

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import dag, substitution  # the one solver's spy: tests/test_one_solver.py
from course_lib.enumeration import assignments
from course_lib.semiring import SEMIRINGS, closure_solve, viterbi

seeds = st.integers(0, 2**32 - 1)
NAMES = list(SEMIRINGS)
PYTHON = {  # ⊕ and ⊗ on Python floats, independent of numpy
    "sum-product": (lambda a, b: a + b, lambda a, b: a * b, 0.0),
    "max-product": (max, lambda a, b: a * b, 0.0),
    "max-plus": (max, lambda a, b: a + b, -math.inf),
    "min-plus": (min, lambda a, b: a + b, math.inf),
    "log-sum-exp": (lambda a, b: math.log(math.exp(a) + math.exp(b)) if max(a, b) > -math.inf
                    else -math.inf, lambda a, b: a + b, -math.inf),
}


def random_system(rng, n, name, density=0.6):
    r"""(N, b): a random strictly upper-triangular N (no edge = the semiring's zero) and b."""
    zero = SEMIRINGS[name].zero
    low, high = {"sum-product": (-1, 1), "max-product": (0, 2)}.get(name, (-3, 3))
    N = np.full((n, n), zero)
    edges = np.triu(rng.random((n, n)) < density, 1)
    N[edges] = rng.uniform(low, high, size=edges.sum())
    b = rng.uniform(low, high, size=n)
    b[rng.random(n) < 0.3] = zero
    return N, b


def every_path(N, zero, i):
    r"""Every path i = k_0 → … → k_m (m ≥ 0) of the DAG whose edges are N_ij ≠ zero."""
    yield [i]
    for j in range(i + 1, len(N)):
        if N[i, j] != zero:
            for rest in every_path(N, zero, j):
                yield [i] + rest


def brute_force(N, b, name):
    plus, times, zero = PYTHON[name]
    x = []
    for i in range(len(b)):
        total = zero
        for path in every_path(N, zero, i):
            weight = b[path[-1]]
            for k in range(len(path) - 2, -1, -1):
                weight = times(N[path[k], path[k + 1]], weight)
            total = plus(total, weight)
        x.append(total)
    return np.array(x)


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(NAMES), st.integers(1, 6), seeds, st.booleans())
def test_closure_solve_is_the_sum_over_every_path(name, n, seed, sparse):
    N, b = random_system(np.random.default_rng(seed), n, name)
    given_N = scipy.sparse.csr_array(np.where(N == SEMIRINGS[name].zero, 0, N)) if sparse else N
    if sparse:  # stored entries are the edges: store exactly the edges of N
        rows, cols = np.nonzero(N != SEMIRINGS[name].zero)
        given_N = scipy.sparse.coo_array((N[rows, cols], (rows, cols)), shape=N.shape).tocsr()
    x = closure_solve(given_N, b, name)
    assert np.allclose(x, brute_force(N, b, name), rtol=1e-9, atol=1e-12, equal_nan=False)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 8), seeds)
def test_sum_product_is_the_inverse_of_i_minus_n(n, seed):
    N, b = random_system(np.random.default_rng(seed), n, "sum-product")
    assert np.allclose(closure_solve(N, b, "sum-product"), np.linalg.solve(np.eye(n) - N, b))


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 8), seeds)
def test_log_sum_exp_is_sum_product_in_log_space(n, seed):
    rng = np.random.default_rng(seed)
    N, b = random_system(rng, n, "max-product")  # nonnegative weights, zeros = no edge
    with np.errstate(divide="ignore"):
        logs = closure_solve(np.log(N), np.log(b), "log-sum-exp")
    direct = np.linalg.solve(np.eye(n) - N, b)
    with np.errstate(divide="ignore"):
        assert np.allclose(logs, np.log(direct), rtol=1e-9)


@settings(deadline=None, max_examples=60)
@given(st.sampled_from(NAMES), st.integers(1, 7), seeds)
def test_kernel_with_a_semiring_agrees_with_the_engine(name, n, seed):
    r"""plain_substitution (PlainSystem, the semiring as algebra) = closure_solve (DenseRows and
    LevelRows): the same recurrence read and tuned."""
    N, b = random_system(np.random.default_rng(seed), n, name)
    plain = substitution.plain_substitution(N, b, SEMIRINGS[name])
    rows, cols = np.nonzero(N != SEMIRINGS[name].zero)
    sparse = scipy.sparse.coo_array((N[rows, cols], (rows, cols)), shape=N.shape).tocsr()
    for engine in (closure_solve(N, b, name), closure_solve(sparse, b, name)):
        assert np.allclose(engine, np.array(plain, dtype=float), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", [1, 50, 400])
def test_shortest_paths_match_scipy(n):
    rng = np.random.default_rng(n)
    rows = rng.integers(0, n, size=4 * n)
    cols = rng.integers(0, n, size=4 * n)
    keep = rows < cols
    weights = rng.uniform(0, 1, size=keep.sum())
    N = scipy.sparse.coo_array((weights, (rows[keep], cols[keep])), shape=(n, n)).tocsr()
    b = np.full(n, np.inf)
    b[-1] = 0.0  # x_i = distance from i to node n − 1
    from scipy.sparse.csgraph import shortest_path

    # x_i = distance i → n − 1: scipy's distances from n − 1 along the reversed edges
    expected = shortest_path(N.T.tocsr(), indices=n - 1, directed=True, method="D")
    assert np.allclose(closure_solve(N, b, "min-plus"), expected)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 9), seeds)
def test_dag_levels_are_unit_weight_longest_paths(n, seed):
    rng = np.random.default_rng(seed)
    edges = np.triu(rng.random((n, n)) < 0.4, 1)
    N = np.where(edges, 1.0, -np.inf)
    longest = closure_solve(N, np.zeros(n), "max-plus")
    brute = [max(len(p) - 1 for p in every_path(N, -np.inf, i)) for i in range(n)]
    assert dag.levels(edges.astype(float)).tolist() == longest.astype(int).tolist() == brute
    assert dag.longest_path_length(edges.astype(float)) == max(brute)


def test_dag_levels_refuse_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        dag.levels(np.array([[0, 1], [1, 0]]))


@given(st.lists(st.integers(1, 3), min_size=0, max_size=4))
def test_assignments_are_itertools_product(states):
    expected = list(itertools.product(*(range(k) for k in states)))
    assert [tuple(r) for r in assignments(states).tolist()] == expected


# ---------------------------------------------------------------------- Viterbi
@st.composite
def hmms(draw):
    rng = np.random.default_rng(draw(seeds))
    S, V, T = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 5))
    zeros = draw(st.booleans())

    def rows(shape):
        p = rng.random(shape) ** 2
        if zeros:
            p[rng.random(shape) < 0.3] = 0
        p[..., 0] += 1e-3  # no row all zero
        return p / p.sum(axis=-1, keepdims=True)

    return rows(S), rows((S, S)), rows((S, V)), rng.integers(0, V, size=T).tolist()


def path_probability(pi, A, B, obs, path):
    p = pi[path[0]] * B[path[0], obs[0]]
    for t in range(1, len(obs)):
        p *= A[path[t - 1], path[t]] * B[path[t], obs[t]]
    return p


@settings(deadline=None, max_examples=100)
@given(hmms())
def test_viterbi_matches_every_path(hmm):
    pi, A, B, obs = hmm
    probability = {path: path_probability(pi, A, B, obs, path)
                   for path in itertools.product(range(len(pi)), repeat=len(obs))}
    best = max(probability.values())
    if best == 0:
        with pytest.raises(ValueError, match="probability zero"):
            viterbi(pi, A, B, obs)
        return
    path, log_p = viterbi(pi, A, B, obs)
    assert len(path) == len(obs) and all(isinstance(s, int) for s in path)
    assert math.isclose(log_p, math.log(best), rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(probability[tuple(path)], best, rel_tol=1e-9)  # the path attains it


def test_viterbi_textbook_example():
    r"""The two-state weather HMM: hand-computed best path and probability."""
    pi = [0.6, 0.4]
    A = [[0.7, 0.3], [0.4, 0.6]]
    B = [[0.5, 0.4, 0.1], [0.1, 0.3, 0.6]]
    path, log_p = viterbi(pi, A, B, [0, 1, 2])
    assert path == [0, 0, 1]
    assert math.isclose(log_p, math.log(0.6 * 0.5 * 0.7 * 0.4 * 0.3 * 0.6))


# ---------------------------------------------------------------------- bad input
GOOD_N = np.array([[0.0, 1.0], [0.0, 0.0]])
GOOD_HMM = ([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [[0.7, 0.3], [0.1, 0.9]], [0, 1])


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: closure_solve(GOOD_N, [1, 1], "tropical"), ValueError, "unknown semiring 'tropical'"),
    (lambda: closure_solve(GOOD_N, [1, 1], 3), TypeError, "semiring must be a name"),
    (lambda: closure_solve(np.zeros((2, 3)), [1, 1], "sum-product"), ValueError, "square"),
    (lambda: closure_solve(np.zeros(3), [1, 1, 1], "sum-product"), ValueError, "square"),
    (lambda: closure_solve([[0, 0], [1, 0]], [1, 1], "sum-product"), ValueError,
     r"N\[1, 0\] = 1.0"),
    (lambda: closure_solve([[2, 0], [0, 0]], [1, 1], "sum-product"), ValueError, r"N\[0, 0\]"),
    (lambda: closure_solve([[-np.inf, 0], [0.0, -np.inf]], [0, 0], "max-plus"), ValueError,
     r"N\[1, 0\] = 0.0.*max-plus 0.0 is an edge"),
    (lambda: closure_solve(scipy.sparse.csr_array([[0, 0], [3.0, 0]]), [0, 0], "min-plus"),
     ValueError, r"N\[1, 0\] = 3.0 is an edge"),
    (lambda: closure_solve([[0, np.nan], [0, 0]], [1, 1], "sum-product"), ValueError, "nan"),
    (lambda: closure_solve([[0, -1], [0, 0]], [1, 1], "max-product"), ValueError, "≥ 0"),
    (lambda: closure_solve([[np.inf, -np.inf], [np.inf, np.inf]], [0, 0], "min-plus"),
     ValueError, "N holds -inf: the min-plus semiring takes numbers or \\+inf"),
    (lambda: closure_solve(GOOD_N, [1, 1, 1], "sum-product"), ValueError, r"b must have shape \(2,\)"),
    (lambda: closure_solve([[-np.inf, 1], [-np.inf, -np.inf]], [1, np.inf], "max-plus"),
     ValueError, "b holds inf"),
    (lambda: closure_solve(GOOD_N, ["a", "b"], "sum-product"), TypeError, "b must be a real"),
    (lambda: closure_solve([[0, 1e300], [0, 0]], [0, 1e300], "sum-product"), ValueError,
     "overflowed"),
    (lambda: viterbi([0.5, 0.6], *GOOD_HMM[1:]), ValueError, "initial must sum to 1"),
    (lambda: viterbi(GOOD_HMM[0], [[0.9, 0.2], [0.2, 0.8]], *GOOD_HMM[2:]), ValueError,
     "row 0 of transition must sum to 1"),
    (lambda: viterbi(GOOD_HMM[0], [[1.1, -0.1], [0.2, 0.8]], *GOOD_HMM[2:]), ValueError,
     "nonnegative"),
    (lambda: viterbi(*GOOD_HMM[:2], [[0.7, 0.3], [0.1, 0.8]], [0, 1]), ValueError,
     "row 1 of emission"),
    (lambda: viterbi(*GOOD_HMM[:3], [0, 2]), ValueError, r"observations\[1\] = 2 is out of range"),
    (lambda: viterbi(*GOOD_HMM[:3], [0, -1]), ValueError, "out of range"),
    (lambda: viterbi(*GOOD_HMM[:3], []), ValueError, "nonempty"),
    (lambda: viterbi(*GOOD_HMM[:3], [0.5, 1]), TypeError, "integer symbol"),
    (lambda: viterbi(*GOOD_HMM[:3], [True, False]), TypeError, "integer symbol"),
    (lambda: viterbi([0.5, 0.5], [[1.0]], *GOOD_HMM[2:]), ValueError,
     r"transition must have shape \(2, 2\)"),
    (lambda: viterbi([0.5, 0.5], GOOD_HMM[1], [[1.0], [1.0], [1.0]], [0]), ValueError,
     r"emission must have shape \(2, V\)"),
    (lambda: viterbi([1.0, 0.0], [[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]], [1]),
     ValueError, "probability zero"),    # added with lesson 12 (issue 16's bad-input list, cases not covered above)
    (lambda: closure_solve(GOOD_N, [1, 1], "Min-Plus"), ValueError, "unknown semiring 'Min-Plus'"),
    (lambda: closure_solve(scipy.sparse.csr_array(np.zeros((2, 3))), [0, 0], "min-plus"),
     ValueError, "N must be square"),
    (lambda: viterbi([[0.5, 0.5]], *GOOD_HMM[1:]), ValueError, r"initial must be a vector"),
    (lambda: viterbi([1.5, -0.5], *GOOD_HMM[1:]), ValueError, r"initial must be nonnegative"),
    (lambda: viterbi([0.5, np.nan], *GOOD_HMM[1:]), ValueError, "initial must be finite"),
    (lambda: viterbi(*GOOD_HMM[:2], [[1.2, -0.2], [0.1, 0.9]], [0, 1]), ValueError,
     r"emission must be nonnegative, but emission\[0, 1\]"),
    (lambda: viterbi([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]], *GOOD_HMM[2:]),
     ValueError, r"transition must have shape \(2, 2\), got \(3, 2\)"),
    (lambda: viterbi(*GOOD_HMM[:3], [[0, 1]]), ValueError, "nonempty 1-D"),
    (lambda: viterbi(*GOOD_HMM[:3], "01"), TypeError, "sequence of symbol indices"),
])
def test_bad_input_names_the_culprit(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
