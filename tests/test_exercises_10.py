"""Lesson 10's exercise checks reject the wrong answers a student would write and accept
every correct form (issue 15: ≥ 3 wrong answers and ≥ 1 alternative right answer each)."""

import itertools

import numpy as np
import pytest

from course_lib import bp, checks, lagrange, mlp
from course_lib.graph import Graph
from course_lib.operators import Identity, transpose_dot
from course_lib.substitution import backslash, block_multiply

ex = checks.one_algorithm


def log_partition_graph(fg):
    """The notebook's builder: log Z of a chain by the α-recursion, inputs θ_t(r), ω_t(s, r)."""
    names, card = fg.variables, fg.cardinalities
    unary = {f.variables[0]: f.table for f in fg.factors if len(f.variables) == 1}
    pairwise = {f.variables: f.table for f in fg.factors if len(f.variables) == 2}
    values, rows = {}, []
    for t, x in enumerate(names):
        for r in range(card[x]):
            values[f"theta{t}_{r}"] = float(np.log(unary[x][r]))
    for t in range(1, len(names)):
        for s, r in itertools.product(range(card[names[t - 1]]), range(card[names[t]])):
            values[f"omega{t}_{s}_{r}"] = float(np.log(pairwise[names[t - 1], names[t]][s, r]))
    rows += [(f"alpha0_{r}", f"exp(theta0_{r})") for r in range(card[names[0]])]
    for t in range(1, len(names)):
        for r in range(card[names[t]]):
            incoming = " + ".join(f"alpha{t - 1}_{s}*exp(omega{t}_{s}_{r})" for s in range(card[names[t - 1]]))
            rows.append((f"alpha{t}_{r}", f"exp(theta{t}_{r})*({incoming})"))
    last = len(names) - 1
    rows += [("Z", " + ".join(f"alpha{last}_{r}" for r in range(card[names[last]]))), ("logZ", "log(Z)")]
    return Graph.from_assignments(rows, inputs=list(values)), values


# -- Exercise 1: assemble A = Jᵀ − I, one backslash ------------------------------------------

def _assembled(g, values, transpose=True, sign=-1.0):
    n = len(g)
    A = -np.eye(n)
    for (k, i), d in g.partial_values(values).items():
        if transpose:
            A[g.index(i), g.index(k)] = d
        else:
            A[g.index(k), g.index(i)] = d
    rhs = np.zeros(n)
    rhs[g.index("logZ")] = sign
    return A, rhs


def _read(fg, g, lam):
    return {x: np.array([lam[g.index(f"theta{t}_{r}")] for r in range(fg.cardinalities[x])])
            for t, x in enumerate(fg.variables)}


def chain_right(fg):
    g, values = log_partition_graph(fg)
    A, rhs = _assembled(g, values)
    return _read(fg, g, backslash(A, rhs))


def chain_right_sympy_partials(fg):  # another correct form: partials from sympy, +e_n with −A
    g, values = log_partition_graph(fg)
    z = g.forward(values)
    n = len(g)
    M = np.eye(n)
    for (k, i), expr in g.partials.items():
        M[g.index(i), g.index(k)] = -float(expr.subs({g.symbols[a]: z[a] for a in g.order}))
    rhs = np.zeros(n)
    rhs[g.index("logZ")] = 1.0
    return _read(fg, g, backslash(M, rhs))


def chain_sign_slip(fg):  # A λ = +e_n
    g, values = log_partition_graph(fg)
    A, rhs = _assembled(g, values, sign=1.0)
    return _read(fg, g, backslash(A, rhs))


def chain_not_transposed(fg):  # J − I is lower triangular: backslash reads the wrong half
    g, values = log_partition_graph(fg)
    A, rhs = _assembled(g, values, transpose=False)
    return _read(fg, g, backslash(np.triu(A), rhs))


def chain_alpha_rows(fg):  # reads the α rows instead of the θ rows
    g, values = log_partition_graph(fg)
    lam = backslash(*_assembled(g, values))
    return {x: np.array([lam[g.index(f"alpha{t}_{r}")] for r in range(fg.cardinalities[x])])
            for t, x in enumerate(fg.variables)}


def chain_library(fg):  # the forbidden shortcut
    g, values = log_partition_graph(fg)
    return _read(fg, g, backslash(*lagrange.lagrange_matrix(g, values, "logZ")))


def chain_bp(fg):
    backslash(np.eye(2), np.ones(2))
    return bp.belief_propagation(fg).marginals


def chain_enumerate(fg):
    backslash(np.eye(2), np.ones(2))
    p = fg.joint()
    return {x: p.sum(axis=tuple(a for a in range(p.ndim) if a != t)) for t, x in enumerate(fg.variables)}


def chain_numpy_solve(fg):
    g, values = log_partition_graph(fg)
    return _read(fg, g, np.linalg.solve(*_assembled(g, values)))


def chain_two_solves(fg):  # one solve per variable
    g, values = log_partition_graph(fg)
    A, rhs = _assembled(g, values)
    out = {}
    for t, x in enumerate(fg.variables):
        lam = backslash(A, rhs)
        out[x] = np.array([lam[g.index(f"theta{t}_{r}")] for r in range(fg.cardinalities[x])])
    return out


@pytest.mark.parametrize("answer", [chain_sign_slip, chain_not_transposed, chain_alpha_rows,
                                    chain_library, chain_bp, chain_enumerate, chain_numpy_solve,
                                    chain_two_solves])
def test_chain_by_one_backslash_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.chain_by_one_backslash(answer, rng=2)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [chain_right, chain_right_sympy_partials])
def test_chain_by_one_backslash_accepts(answer):
    ex.chain_by_one_backslash(answer, rng=4)


# -- Exercise 2: MLP gradients, one backslash -------------------------------------------------

def _identity_minus(L):
    out = np.full(L.shape, None, dtype=object)
    for (i, j), op in np.ndenumerate(L):
        out[i, j] = Identity() if i == j else (None if op is None else -op)
    return out


def mlp_right(W, B, x, y):
    L, D = mlp.perturbation_system(W, B, x, "sigmoid")
    X = mlp.forward(W, B, x, "sigmoid")
    g = [np.zeros_like(Xi) for Xi in X[1:-1]] + [X[-1] - y]
    return list(block_multiply(transpose_dot(D), backslash(transpose_dot(_identity_minus(L)), g)))


def mlp_right_by_hand(W, B, x, y):  # another correct form: the system built from W and Δ by hand
    X = mlp.forward(W, B, x, "sigmoid")
    n = len(W)
    slopes = [X[i] * (1 - X[i]) for i in range(1, n)] + [np.ones_like(X[-1])]
    U = np.full((n, n), None, dtype=object)
    from course_lib.operators import Hadamard, LeftMultiply
    for i in range(n):
        U[i, i] = Identity()
        if i + 1 < n:
            U[i, i + 1] = transpose_dot(np.array([[-(Hadamard(slopes[i + 1]) @ LeftMultiply(W[i + 1]))]]))[0, 0]
    g = [np.zeros_like(Xi) for Xi in X[1:-1]] + [X[-1] - y]
    lam = backslash(U, g)
    out = []
    for i in range(n):
        delta = slopes[i] * lam[i]
        out += [delta @ X[i].T, delta.sum(axis=1, keepdims=True)]
    return out


def mlp_sign_slip(W, B, x, y):
    L, D = mlp.perturbation_system(W, B, x, "sigmoid")
    X = mlp.forward(W, B, x, "sigmoid")
    g = [np.zeros_like(Xi) for Xi in X[1:-1]] + [y - X[-1]]
    return list(block_multiply(transpose_dot(D), backslash(transpose_dot(_identity_minus(L)), g)))


def mlp_forgot_transpose(W, B, x, y):  # D λ instead of Dᵀ• λ: shapes or values go wrong
    L, D = mlp.perturbation_system(W, B, x, "sigmoid")
    X = mlp.forward(W, B, x, "sigmoid")
    g = [np.zeros_like(Xi) for Xi in X[1:-1]] + [X[-1] - y]
    lam = backslash(transpose_dot(_identity_minus(L)), g)
    return [lam[i // 2] for i in range(2 * len(W))]


def mlp_library(W, B, x, y):
    dW, dB = mlp.gradients(W, B, x, y, "sigmoid")
    return [P for pair in zip(dW, dB) for P in pair]


def mlp_transposed_weights(W, B, x, y):
    return [G.T if G.shape[0] == G.shape[1] or i % 2 == 0 else G for i, G in enumerate(mlp_right(W, B, x, y))]


@pytest.mark.parametrize("answer", [mlp_sign_slip, mlp_forgot_transpose, mlp_library,
                                    mlp_transposed_weights, lambda W, B, x, y: [0 * w for w in W]])
def test_mlp_by_one_backslash_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.mlp_by_one_backslash(answer, rng=6)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [mlp_right, mlp_right_by_hand])
def test_mlp_by_one_backslash_accepts(answer):
    ex.mlp_by_one_backslash(answer, rng=8)
