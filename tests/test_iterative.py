"""Jacobi, Gauss–Seidel and implicit layers against direct solves and closed forms."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import random_graphs

from course_lib import iterative
from course_lib.lagrange import jacobian_matrix, lagrange_matrix


@given(random_graphs(max_assigned=8))
def test_jacobi_on_a_dag_is_exact_from_longest_path_plus_one(case):
    g, output, values = case
    A, b = lagrange_matrix(g, values, output)
    exact = np.linalg.solve(A, b)  # oracle: a dense LU solve
    J = jacobian_matrix(g, values)
    L = iterative.longest_path_length(J != 0)
    xs = iterative.jacobi(A, b, L + 3)
    assert xs.shape == (L + 4, len(b)) and np.all(xs[0] == 0)
    for t in range(L + 1, L + 4):
        assert np.allclose(xs[t], exact, rtol=1e-12, atol=1e-12)
    # Neumann partial sums: x^(t) = Σ_{s<t} (Jᵀ)^s e_n
    e = -b
    partial = sum(np.linalg.matrix_power(J.T, s) @ e for s in range(2))
    assert np.allclose(xs[2], partial)


@given(random_graphs(max_assigned=8), st.randoms(use_true_random=False))
def test_gauss_seidel_one_sweep_in_reverse_order_and_orders_in_between(case, rnd):
    g, output, values = case
    A, b = lagrange_matrix(g, values, output)
    exact = np.linalg.solve(A, b)
    n = len(b)
    assert np.allclose(iterative.gauss_seidel(A, b, 1)[1], exact, atol=1e-12)  # = backprop
    L = iterative.longest_path_length(jacobian_matrix(g, values) != 0)
    forward = iterative.gauss_seidel(A, b, L + 1, order=list(range(n)))
    assert np.allclose(forward[L + 1], exact, atol=1e-12)  # never worse than Jacobi
    order = list(range(n))
    rnd.shuffle(order)
    assert np.allclose(iterative.gauss_seidel(A, b, L + 1, order=order)[-1], exact, atol=1e-12)


def test_forward_order_needs_as_many_sweeps_as_jacobi_on_a_chain():
    n = 6  # chain z0 -> z1 -> ... -> z5, every partial 0.5
    J = np.diag(np.full(n - 1, 0.5), -1)
    A, b = J.T - np.eye(n), -np.eye(n)[-1]
    exact = np.linalg.solve(A, b)
    fwd = iterative.gauss_seidel(A, b, n, order=list(range(n)))
    jac = iterative.jacobi(A, b, n)
    first = lambda xs: next(t for t, x in enumerate(xs) if np.allclose(x, exact))  # noqa: E731
    assert first(fwd) == first(jac) == n


@given(st.integers(2, 6), st.floats(0.1, 0.9), st.integers(0, 10**6))
def test_implicit_layer_adjoint_matches_the_implicit_function_theorem(n, scale, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, n))
    W *= scale / np.linalg.norm(W, 2)  # ‖W‖ < 1: a contraction, ρ(J) < 1
    u = rng.normal(size=n)
    f, jac = iterative.tanh_layer(W, u)
    fp = iterative.fixed_point(f, np.zeros(n), iterations=2000, tol=1e-14)
    assert fp.converged and np.allclose(fp.z, np.tanh(W @ fp.z + u), atol=1e-13)
    J = jac(fp.z)
    v = rng.normal(size=n)  # loss l = vᵀ z*
    lam = iterative.implicit_adjoint(J, v, 400)[-1]
    assert np.allclose(lam, np.linalg.solve(np.eye(n) - J.T, v), atol=1e-10)  # IFT oracle
    # dl/du = λᵀ ∂f/∂u = λ ∘ (1 − z*²), checked by finite differences of the solve
    grad = lam * (1 - fp.z**2)
    h = 1e-6
    for j in range(n):
        du = np.eye(n)[j] * h
        up = iterative.fixed_point(iterative.tanh_layer(W, u + du)[0], fp.z, 2000, 1e-15).z
        dn = iterative.fixed_point(iterative.tanh_layer(W, u - du)[0], fp.z, 2000, 1e-15).z
        assert v @ (up - dn) / (2 * h) == pytest.approx(grad[j], rel=1e-5, abs=1e-7)


def test_jacobi_error_decays_at_rate_rho_and_diverges_past_one():
    rng = np.random.default_rng(1)
    n = 5
    M = rng.normal(size=(n, n))
    M = (M + M.T) / 2  # symmetric: the error ratio tends to ρ exactly
    for rho in (0.5, 0.9):
        J = M * rho / iterative.spectral_radius(M)
        assert iterative.spectral_radius(J) == pytest.approx(rho)
        v = rng.normal(size=n)
        exact = np.linalg.solve(np.eye(n) - J.T, v)
        errors = np.linalg.norm(iterative.implicit_adjoint(J, v, 20) - exact, axis=1)
        assert errors[-1] / errors[-2] == pytest.approx(rho, rel=2e-2)
    J = M * 1.5 / iterative.spectral_radius(M)
    with pytest.warns(RuntimeWarning, match="diverging"):
        xs = iterative.implicit_adjoint(J, np.ones(n), 2000)
    assert len(xs) < 2001 and np.all(np.isfinite(xs))


def test_fixed_point_reports_divergence_instead_of_overflowing():
    with pytest.warns(RuntimeWarning, match="diverging"):
        fp = iterative.fixed_point(lambda z: 3 * z + 1, np.ones(2), iterations=1000)
    assert fp.diverged and not fp.converged and np.all(np.isfinite(fp.iterates))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        slow = iterative.fixed_point(lambda z: 0.99 * z, np.ones(1), iterations=3)
    assert not slow.converged and not slow.diverged and len(slow.iterates) == 4


@pytest.mark.parametrize("call, message", [
    (lambda: iterative.jacobi(np.ones((2, 3)), np.ones(2), 3), "square"),
    (lambda: iterative.jacobi(np.eye(2), np.ones(3), 3), "length 2"),
    (lambda: iterative.jacobi(np.array([[0.0, 1], [0, 1]]), np.ones(2), 3), "zero on its diagonal at row 0"),
    (lambda: iterative.jacobi(np.eye(2), np.array([1.0, np.nan]), 3), "finite"),
    (lambda: iterative.jacobi(np.eye(2), np.ones(2), -1), "nonnegative integer"),
    (lambda: iterative.gauss_seidel(np.eye(2), np.ones(2), 1, order=[0, 0]), "permutation"),
    (lambda: iterative.longest_path_length(np.array([[0, 1], [0, 0]])), "strictly lower"),
    (lambda: iterative.spectral_radius(np.ones(3)), "square"),
    (lambda: iterative.tanh_layer(np.eye(2), np.ones(3)), "shape"),
    (lambda: iterative.fixed_point(lambda z: z[:1], np.ones(2)), "changed the shape"),
    (lambda: iterative.fixed_point(lambda z: z, np.ones(2), tol=0), "tol"),
])
def test_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@given(random_graphs(max_assigned=6))
def test_neumann_iteration_is_jacobi_when_the_diagonal_is_zero(case):
    g, output, values = case
    J = jacobian_matrix(g, values)
    A, b = lagrange_matrix(g, values, output)
    assert np.allclose(iterative.implicit_adjoint(J, -b, 5), iterative.jacobi(A, b, 5))
