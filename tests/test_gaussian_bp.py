"""Gaussian BP against numpy: means = Q⁻¹h at convergence (trees and walk-summable loops),
variances = diag(Q⁻¹) on trees and not on loops; walk-summability against its definition;
non-convergence warns; bad input is named."""

import warnings

import numpy as np
import pytest
import scipy.sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import gaussian_bp


def random_tree_precision(n, rng):
    r"""Q on a random tree (node k's parent uniform among 0..k−1), diagonally dominant."""
    Q = np.zeros((n, n))
    for k in range(1, n):
        p = int(rng.integers(k))
        Q[k, p] = Q[p, k] = rng.uniform(-1, 1)
    Q[np.diag_indices(n)] = np.abs(Q).sum(axis=1) + rng.uniform(0.1, 1.0, n)
    return Q


def random_loopy_walk_summable(n, rng, density=0.4):
    A = np.triu(rng.uniform(-1, 1, (n, n)) * (rng.random((n, n)) < density), 1)
    Q = A + A.T
    Q[np.diag_indices(n)] = np.abs(Q).sum(axis=1) + rng.uniform(0.1, 1.0, n)  # dominant
    return Q


@settings(max_examples=60)
@given(st.integers(1, 40), st.integers(0, 10**6))
def test_tree_means_and_variances_are_exact(n, seed):
    rng = np.random.default_rng(seed)
    Q, h = random_tree_precision(n, rng), rng.normal(size=n)
    r = gaussian_bp.solve(Q, h, max_iters=2 * n + 5)
    assert r.converged
    assert np.allclose(r.means, np.linalg.solve(Q, h), rtol=1e-8, atol=1e-10)
    assert np.allclose(r.variances, np.diag(np.linalg.inv(Q)), rtol=1e-8, atol=1e-12)


@settings(max_examples=60)
@given(st.integers(3, 25), st.integers(0, 10**6))
def test_loopy_walk_summable_means_exact(n, seed):
    rng = np.random.default_rng(seed)
    Q, h = random_loopy_walk_summable(n, rng), rng.normal(size=n)
    assert gaussian_bp.walk_summable(Q)  # diagonal dominance implies walk-summability
    r = gaussian_bp.solve(Q, h, max_iters=2000)
    assert r.converged
    assert np.allclose(r.means, np.linalg.solve(Q, h), rtol=1e-7, atol=1e-9)


def test_loop_variances_are_wrong_and_means_right():
    # a 4-cycle with equal couplings: BP's variance misses the walks around the loop
    n = 4
    Q = 2.0 * np.eye(n)
    for i in range(n):
        Q[i, (i + 1) % n] = Q[(i + 1) % n, i] = 0.6
    h = np.arange(1.0, n + 1)
    r = gaussian_bp.solve(Q, h)
    assert r.converged
    assert np.allclose(r.means, np.linalg.solve(Q, h))
    exact = np.diag(np.linalg.inv(Q))
    assert np.all(np.abs(r.variances - exact) > 1e-3)


def test_sparse_input_equals_dense():
    rng = np.random.default_rng(3)
    Q, h = random_tree_precision(30, rng), rng.normal(size=30)
    dense = gaussian_bp.solve(Q, h)
    sparse = gaussian_bp.solve(scipy.sparse.csr_array(Q), h)
    assert np.allclose(dense.means, sparse.means) and np.allclose(dense.variances, sparse.variances)
    rows, cols = np.nonzero(Q)  # every entry given as two halves: duplicates are summed
    halves = scipy.sparse.coo_array((np.concatenate([Q[rows, cols] / 2] * 2),
                                     (np.concatenate([rows, rows]), np.concatenate([cols, cols]))),
                                    shape=Q.shape)
    for matrix in (halves, halves.tocsc()):
        again = gaussian_bp.solve(matrix, h)
        assert np.allclose(dense.means, again.means) and np.allclose(dense.variances, again.variances)


@given(st.integers(2, 12), st.integers(0, 10**6))
def test_partial_correlation_radius_matches_its_definition(n, seed):
    rng = np.random.default_rng(seed)
    Q = random_loopy_walk_summable(n, rng, density=0.7)
    Q[np.diag_indices(n)] *= rng.uniform(0.3, 1.0, n)  # sometimes no longer dominant
    if np.any(np.diag(Q) <= 0):
        return
    d = 1 / np.sqrt(np.diag(Q))
    R = np.eye(n) - d[:, None] * Q * d[None, :]
    rho = max(abs(np.linalg.eigvals(np.abs(R))))
    assert gaussian_bp.partial_correlation_radius(Q) == pytest.approx(rho, rel=1e-9, abs=1e-12)
    assert gaussian_bp.walk_summable(Q) == (rho < 1)


def test_not_walk_summable_diverges_with_a_warning_and_damping_helps_or_warns():
    # positive definite but not walk-summable: the classic 4-node example of Malioutov et al.
    r_ = 0.39
    Q = np.eye(4) + r_ * (np.ones((4, 4)) - np.eye(4))
    Q[0, 1] = Q[1, 0] = -r_
    assert np.all(np.linalg.eigvalsh(Q) > 0) and not gaussian_bp.walk_summable(Q)
    with pytest.warns(RuntimeWarning, match="Gaussian BP"):
        r = gaussian_bp.solve(Q, np.ones(4), max_iters=300)
    assert not r.converged


@pytest.mark.parametrize("Q, h, error, message", [
    ([[1.0, 0.5], [0.4, 1.0]], [1.0, 1.0], ValueError, "symmetric"),
    ([[1.0, 0.5], [0.5, 0.0]], [1.0, 1.0], ValueError, "positive diagonal"),
    ([[1.0, 0.5], [0.5, 1.0]], [1.0], ValueError, "shape"),
    ([[1.0, np.nan], [np.nan, 1.0]], [1.0, 1.0], ValueError, "nan"),
    ([[1.0, 0.5], [0.5, 1.0]], [1.0, np.inf], ValueError, "nan or inf"),
    ([[1.0, 0.5], [0.5, 1.0]], [np.nan, 1.0], ValueError, "h holds nan"),
    ([[1.0, 0.5], [0.5, -2.0]], [1.0, 1.0], ValueError, r"Q\[1, 1\] = -2"),
    ([[1.0, 0.5], [0.5, 1.0]], [1.0, 1.0, 1.0], ValueError, "h must have shape \\(2,\\)"),
    ([1.0, 2.0], [1.0, 1.0], ValueError, "square matrix"),
    ("Q", [1.0], TypeError, "square matrix of numbers"),
])
def test_bad_input_is_named(Q, h, error, message):
    with pytest.raises(error, match=message):
        gaussian_bp.solve(Q, h)


def test_bad_options_are_named():
    Q, h = np.eye(2), np.ones(2)
    with pytest.raises(ValueError, match="damping"):
        gaussian_bp.solve(Q, h, damping=1.0)
    with pytest.raises(ValueError, match="max_iters"):
        gaussian_bp.solve(Q, h, max_iters=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gaussian_bp.solve(Q, h).converged  # no edges: exact at once, no warning


@pytest.mark.parametrize("Q, message", [
    ([[1.0, 0.5], [0.4, 1.0]], "symmetric"),
    ([[0.0, 0.5], [0.5, 1.0]], "positive diagonal"),
    ([[1.0, np.nan], [np.nan, 1.0]], "nan"),
])
def test_walk_summability_checks_Q_as_solve_does(Q, message):
    for function in (gaussian_bp.walk_summable, gaussian_bp.partial_correlation_radius):
        with pytest.raises(ValueError, match=message):
            function(Q)
