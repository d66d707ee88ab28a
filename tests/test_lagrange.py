r"""Tests for course_lib.lagrange: A = Jᵀ − I, b = −e_n, and its solution λ = ∂z_n/∂z.

Oracles: central finite differences of a forward pass written here (with any node
perturbable), ``sympy.diff`` of the node expressions, the symbolic solution of
course_lib.symbolic, and the dense system for the sparse one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import article_network, random_graphs, small_graph

from course_lib import lagrange, symbolic
from course_lib.graph import Graph
from course_lib.substitution import backslash

CASES = settings(max_examples=40, deadline=None)
FEW_CASES = settings(max_examples=25, deadline=None)


def forward_oracle(g: Graph):
    r"""An independent forward pass (math-module lambdas) in which any node can be shifted.

    Returns ``run(values, node, delta)``: every z with z_node shifted by delta and
    everything downstream of it recomputed.
    """
    steps = []
    for name in g.order[len(g.inputs):]:
        args = sorted(g.expressions[name].free_symbols, key=str)
        steps.append((name, [str(a) for a in args],
                      sympy.lambdify(args, g.expressions[name], modules="math")))

    def run(values: dict[str, float], node: str, delta: float) -> dict[str, float]:
        z = dict(values)
        if node in z:
            z[node] += delta
        for name, args, f in steps:
            z[name] = f(*(z[a] for a in args)) + (delta if name == node else 0.0)
        return z

    return run


def finite_difference_adjoints(g: Graph, values: dict[str, float], output: str,
                               h: float = 1e-6) -> dict[str, float]:
    r"""λ_i ≈ (z_n(z_i + h) − z_n(z_i − h)) / 2h for every node, the total derivative."""
    run = forward_oracle(g)
    return {node: (run(values, node, h)[output] - run(values, node, -h)[output]) / (2 * h)
            for node in g.order}


def close(a: float, b: float, rtol: float = 1e-6, atol: float = 1e-7) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


# ------------------------------------------------------------------- adjoints


@CASES
@given(random_graphs())
def test_adjoints_match_finite_differences(case):
    g, output, values = case
    lam = lagrange.adjoints(g, values, output)
    fd = finite_difference_adjoints(g, values, output)
    assert set(lam) == set(g.order)
    for node in g.order:
        assert close(lam[node], fd[node], rtol=1e-5, atol=1e-6), (node, lam[node], fd[node])


@FEW_CASES
@given(random_graphs(max_assigned=5))
def test_adjoints_match_symbolic_solution(case):
    g, output, values = case
    lam = lagrange.adjoints(g, values, output)
    z = g.forward(values)
    point = {g.symbols[n]: sympy.Float(v, 30) for n, v in z.items()}
    exact = symbolic.solve_adjoints(g, output)
    for node in g.order:
        assert close(lam[node], float(exact[node].subs(point).evalf(30)), 1e-9, 1e-12), node


@CASES
@given(random_graphs())
def test_adjoint_of_output_is_one_and_unreached_nodes_zero(case):
    g, output, values = case
    lam = lagrange.adjoints(g, values, output)
    assert lam[output] == 1.0
    reaching, stack = {output}, [output]
    while stack:
        for a in g.arguments(stack.pop()):
            if a not in reaching:
                reaching.add(a)
                stack.append(a)
    for node in set(g.order) - reaching:
        assert lam[node] == 0.0, node


def test_article_network_adjoints_by_hand():
    g = article_network()
    x, y, w1, w2 = 0.5, 1.0, -0.3, 0.8
    lam = lagrange.adjoints(g, {"z1": x, "z2": y, "z3": w1, "z4": w2}, "z9")
    a1 = 1 / (1 + math.exp(-x * w1))
    p = 1 / (1 + math.exp(-a1 * w2))  # 2-class softmax = σ of the logit difference
    dl_dlogit = p - y  # the cross-entropy-softmax shortcut
    assert close(lam["z7"], dl_dlogit, 1e-12, 1e-14)
    assert close(lam["z4"], dl_dlogit * a1, 1e-12, 1e-14)  # λ_{w2}
    assert close(lam["z3"], dl_dlogit * w2 * a1 * (1 - a1) * x, 1e-12, 1e-14)  # λ_{w1}
    assert close(lam["z1"], dl_dlogit * w2 * a1 * (1 - a1) * w1, 1e-12, 1e-14)  # λ_x


def test_output_may_be_an_intermediate_node_or_an_input():
    g = Graph.from_assignments([("u", "x*y"), ("v", "sin(u)"), ("w", "u + v")], inputs=["x", "y"])
    values = {"x": 0.3, "y": 2.0}
    lam = lagrange.adjoints(g, values, "u")
    assert lam == {"x": 2.0, "y": 0.3, "u": 1.0, "v": 0.0, "w": 0.0}
    assert lagrange.adjoints(g, values, "x") == {"x": 1.0, "y": 0.0, "u": 0.0, "v": 0.0, "w": 0.0}


# --------------------------------------------------------------- the matrices


@FEW_CASES
@given(random_graphs())
def test_lagrange_matrix_entries_are_local_partials(case):
    g, output, values = case
    A, b = lagrange.lagrange_matrix(g, values, output)
    n = len(g.order)
    assert A.shape == (n, n) and b.shape == (n,)
    assert np.all(np.tril(A, -1) == 0), "A must be upper triangular"
    assert np.all(np.diag(A) == -1)
    assert np.array_equal(b, -np.eye(n)[g.index(output)])
    z = g.forward(values)
    point = {g.symbols[name]: sympy.Float(v) for name, v in z.items()}
    for i in g.order:
        for k in g.order:
            if k == i:
                continue
            expected = 0.0
            f_k = g.expressions.get(k)
            if f_k is not None and g.symbols[i] in f_k.free_symbols:
                # A[i, k] = ∂f_k/∂z_i, by an independent sympy.diff
                expected = float(sympy.diff(f_k, g.symbols[i]).xreplace(point))
            assert close(A[g.index(i), g.index(k)], expected, 1e-10, 1e-12), (i, k)


@CASES
@given(random_graphs())
def test_jacobian_is_strictly_lower_and_A_is_its_transpose_minus_identity(case):
    g, output, values = case
    J = lagrange.jacobian_matrix(g, values)
    A, _ = lagrange.lagrange_matrix(g, values, output)
    assert np.all(np.triu(J) == 0)
    assert np.array_equal(A, J.T - np.eye(len(g.order)))
    assert np.count_nonzero(J) <= len(g.edges())


@FEW_CASES
@given(random_graphs(max_assigned=5))
def test_symbolic_matrix_evaluated_equals_numeric(case):
    g, output, values = case
    A_sym, b_sym = lagrange.lagrange_matrix(g, None, output)
    A, b = lagrange.lagrange_matrix(g, values, output)
    assert isinstance(A_sym, sympy.MatrixBase) and b_sym.shape == (len(g.order), 1)
    point = {g.symbols[n]: v for n, v in g.forward(values).items()}
    A_num = np.array(A_sym.subs(point).evalf(), dtype=float)
    assert np.allclose(A_num, A, rtol=1e-12, atol=1e-14)
    assert np.array_equal(np.array(b_sym, dtype=float).ravel(), b)
    J_sym = lagrange.jacobian_matrix(g, None)
    assert J_sym == (A_sym + sympy.eye(len(g.order))).T


# ------------------------------------------------------------------- sparse


@CASES
@given(random_graphs())
def test_sparse_matrix_and_solve_equal_dense(case):
    g, output, values = case
    A_sp, b_sp = lagrange.lagrange_matrix_sparse(g, values, output)
    A, b = lagrange.lagrange_matrix(g, values, output)
    assert scipy.sparse.issparse(A_sp) and A_sp.format == "csr"
    assert A_sp.nnz == len(g.edges()) + len(g.order)
    assert np.array_equal(A_sp.toarray(), A) and np.array_equal(b_sp, b)
    lam = lagrange.adjoints(g, values, output)
    lam_sp = lagrange.sparse_adjoints(A_sp, b_sp)
    assert np.allclose(lam_sp, [lam[n] for n in g.order], rtol=1e-12, atol=1e-14)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 60), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_random_dag_system_structure_and_solution(n, fan_in, seed):
    if n <= fan_in:
        with pytest.raises(ValueError, match="n must exceed fan_in"):
            lagrange.random_dag_system(n, fan_in, seed)
        return
    A, b = lagrange.random_dag_system(n, fan_in, seed)
    dense = A.toarray()
    assert A.shape == (n, n) and np.all(np.tril(dense, -1) == 0)
    assert np.all(np.diag(dense) == -1)
    assert np.array_equal(b, -np.eye(n)[-1])
    # every non-input node k reads exactly fan_in distinct earlier nodes: column k of Jᵀ
    counts = np.diff(A.tocsc().indptr) - 1
    assert np.all(counts[:fan_in] == 0) and np.all(counts[fan_in:] == fan_in)
    assert np.all(np.abs(dense - np.diag(np.diag(dense))) <= 1)
    lam = lagrange.sparse_adjoints(A, b)
    assert np.allclose(lam, backslash(dense, b), rtol=1e-12, atol=1e-14)
    assert lam[-1] == 1.0
    again, _ = lagrange.random_dag_system(n, fan_in, seed)
    assert (again != A).nnz == 0  # the seed fixes the graph


def test_random_dag_system_large_residual():
    A, b = lagrange.random_dag_system(20_000, fan_in=3, seed=1)
    lam = lagrange.sparse_adjoints(A, b)
    assert np.allclose(A @ lam, b, atol=1e-10)


def test_sparse_adjoints_accepts_general_diagonal_and_formats():
    U = np.array([[2.0, 1.0, 0.0], [0.0, -4.0, 3.0], [0.0, 0.0, 0.5]])
    b = np.array([1.0, 2.0, 3.0])
    for fmt in (scipy.sparse.csr_array, scipy.sparse.csc_array, scipy.sparse.coo_matrix):
        assert np.allclose(lagrange.sparse_adjoints(fmt(U), b), backslash(U, b))
    A = scipy.sparse.csr_array(U)
    lagrange.sparse_adjoints(A, b)
    assert np.array_equal(A.toarray(), U), "the input matrix must not be modified"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [lagrange.lagrange_matrix, lagrange.lagrange_matrix_sparse,
                                lagrange.adjoints])
def test_unknown_output_is_named(fn):
    with pytest.raises(ValueError, match="output 'z9' is not a node"):
        fn(small_graph(), {"z1": 1.0, "z2": 2.0}, "z9")
    with pytest.raises(TypeError, match="output must be a node name"):
        fn(small_graph(), {"z1": 1.0, "z2": 2.0}, 4)


@pytest.mark.parametrize("fn", [lagrange.lagrange_matrix, lagrange.lagrange_matrix_sparse,
                                lagrange.adjoints])
def test_bad_values_are_named(fn):
    g = small_graph()
    with pytest.raises(ValueError, match="missing value for input.*z2"):
        fn(g, {"z1": 1.0}, "z4")
    with pytest.raises(ValueError, match="'z2' is not finite"):
        fn(g, {"z1": 1.0, "z2": float("nan")}, "z4")
    with pytest.raises(ValueError, match="'z7'"):
        fn(g, {"z1": 1.0, "z2": 2.0, "z7": 0.0}, "z4")
    with pytest.raises(TypeError, match="'z1' must be a real number"):
        fn(g, {"z1": "one", "z2": 2.0}, "z4")


@pytest.mark.parametrize("fn", [lagrange.lagrange_matrix_sparse, lagrange.adjoints])
def test_numeric_functions_need_values(fn):
    with pytest.raises(TypeError, match="needs numeric values"):
        fn(small_graph(), None, "z4")


@pytest.mark.parametrize("fn", [lagrange.lagrange_matrix, lagrange.lagrange_matrix_sparse,
                                lagrange.adjoints])
def test_not_a_graph(fn):
    with pytest.raises(TypeError, match="must be a course_lib.graph.Graph"):
        fn({"z3": "z1*z2"}, {"z1": 1.0}, "z3")
    with pytest.raises(TypeError, match="must be a course_lib.graph.Graph"):
        lagrange.jacobian_matrix("z1*z2", None)


def test_value_outside_domain_is_named():
    g = Graph.from_assignments([("y", "log(x)")], inputs=["x"])
    with pytest.raises(ValueError, match="y"):
        lagrange.adjoints(g, {"x": -1.0}, "y")


def test_sparse_adjoints_bad_input():
    good = scipy.sparse.csr_array(np.array([[-1.0, 2.0], [0.0, -1.0]]))
    with pytest.raises(TypeError, match="scipy.sparse"):
        lagrange.sparse_adjoints(np.eye(2), np.ones(2))
    with pytest.raises(ValueError, match="square"):
        lagrange.sparse_adjoints(scipy.sparse.csr_array(np.ones((2, 3))), np.ones(2))
    with pytest.raises(ValueError, match=r"b must have shape \(2,\)"):
        lagrange.sparse_adjoints(good, np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        lagrange.sparse_adjoints(good, np.array([1.0, np.inf]))
    lower = scipy.sparse.csr_array(np.array([[-1.0, 0.0], [3.0, -1.0]]))
    with pytest.raises(ValueError, match=r"not upper triangular: A\[1, 0\] = 3.0"):
        lagrange.sparse_adjoints(lower, np.ones(2))
    singular = scipy.sparse.csr_array(np.array([[-1.0, 2.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match="zero on its diagonal at row 1"):
        lagrange.sparse_adjoints(singular, np.ones(2))
    nan = scipy.sparse.csr_array(np.array([[-1.0, np.nan], [0.0, -1.0]]))
    with pytest.raises(ValueError, match="non-finite"):
        lagrange.sparse_adjoints(nan, np.ones(2))


@pytest.mark.parametrize("n, fan_in, error, match", [
    (10, 0, ValueError, "fan_in must be at least 1"),
    (2, 2, ValueError, "n must exceed fan_in"),
    (10.0, 2, TypeError, "n must be an integer"),
    (10, True, TypeError, "fan_in must be an integer"),
])
def test_random_dag_system_bad_input(n, fan_in, error, match):
    with pytest.raises(error, match=match):
        lagrange.random_dag_system(n, fan_in, seed=0)
