r"""Iterative solves of the adjoint system, and implicit (cyclic) computations.

Split A = D + R (D the diagonal). Jacobi updates every unknown from the old ones,

    x^(t+1) = D⁻¹ (b − R x^(t)),

which for the Lagrange system A = Jᵀ − I, b = −e_n reads λ^(t+1) = e_n + Jᵀ λ^(t):
the partial sums of the Neumann series (I − Jᵀ)⁻¹ e_n = Σ_t (Jᵀ)^t e_n. On a DAG, Jᵀ
is nilpotent, so the series stops: λ is exact from iterate (longest path) + 1 on.

Gauss–Seidel updates the unknowns one at a time in a chosen order, each from the
newest values, x_i ← A_ii⁻¹ (b_i − Σ_{j≠i} A_ij x_j): one sweep is the recurrence of
:func:`course_lib.substitution.substitute` run in that order from the previous iterate. In
reverse topological order every x_j it reads is already final, so one sweep *is* back
substitution.

An implicit layer z = f(z, θ) is a computation with a cycle. Its adjoint system
(I − Jᵀ) λ = v with J = ∂f/∂z at the fixed point is not triangular; Jacobi
converges iff the spectral radius ρ(J) < 1, with error shrinking like ρ(J)^t.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from course_lib import dag, substitution
from course_lib.substitution_engine import DenseSystem

__all__ = [
    "jacobi", "gauss_seidel", "spectral_radius", "longest_path_length",
    "FixedPoint", "fixed_point", "tanh_layer", "implicit_adjoint",
]

#: Iterates larger than this are reported as diverging instead of overflowing.
DIVERGENCE_BOUND = 1e100


def _matrix_and_vector(M, v, m: str, w: str) -> tuple[np.ndarray, np.ndarray]:
    r"""Check a square finite matrix ``M`` and a finite vector ``v`` of matching length."""
    try:
        M = np.array(M, dtype=float)
        v = np.array(v, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{m} and {w} must be numeric arrays") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{m} must be a square matrix, got shape {M.shape}")
    if v.shape != (M.shape[0],):
        raise ValueError(f"{w} must be a vector of length {M.shape[0]}, got shape {v.shape}")
    if not (np.all(np.isfinite(M)) and np.all(np.isfinite(v))):
        raise ValueError(f"{m} and {w} must be finite (found inf or nan)")
    return M, v


def _system(A, b) -> tuple[np.ndarray, np.ndarray]:
    A, b = _matrix_and_vector(A, b, "A", "b")
    zero = np.flatnonzero(np.diag(A) == 0)
    if zero.size:
        raise ValueError(f"A has a zero on its diagonal at row {zero[0]}: "
                         "Jacobi and Gauss-Seidel divide by the diagonal")
    return A, b


def _count(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"{what} must be a nonnegative integer, got {n!r}")
    return int(n)


def _diverging(x: np.ndarray, step: int, what: str) -> bool:
    if np.all(np.isfinite(x)) and np.max(np.abs(x), initial=0.0) < DIVERGENCE_BOUND:
        return False
    warnings.warn(f"{what} is diverging: an iterate exceeded {DIVERGENCE_BOUND:g} at step "
                  f"{step}; stopped there (the result holds the iterates up to step "
                  f"{step - 1})", RuntimeWarning, stacklevel=3)
    return True


def jacobi(A, b, iterations: int) -> np.ndarray:
    r"""Jacobi iterates x^(0) = 0, x^(t+1) = D⁻¹ (b − R x^(t)); array of shape (iterations+1, n).

    If the iterates blow up (ρ(D⁻¹R) > 1), a RuntimeWarning is issued and the rows
    computed before the blow-up are returned.
    """
    A, b = _system(A, b)
    iterations = _count(iterations, "iterations")
    d = np.diag(A)
    R = A - np.diag(d)
    xs = [np.zeros_like(b)]
    for t in range(1, iterations + 1):
        x = (b - R @ xs[-1]) / d  # x^(t) = D⁻¹ (b − R x^(t−1))
        if _diverging(x, t, "Jacobi"):
            break
        xs.append(x)
    return np.array(xs)


def gauss_seidel(A, b, sweeps: int, order: Sequence[int] | None = None) -> np.ndarray:
    r"""Gauss–Seidel sweeps from x = 0 in the given row order; shape (sweeps+1, n).

    Within a sweep, row i uses the newest values: x_i ← (b_i − Σ_{j≠i} A_ij x_j) / A_ii.
    The default order n−1, …, 0 is back substitution for an upper-triangular A.
    """
    A, b = _system(A, b)
    sweeps = _count(sweeps, "sweeps")
    n = len(b)
    order = list(range(n - 1, -1, -1)) if order is None else list(order)
    if sorted(order) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0..{n - 1}, got {order}")
    x = np.zeros(n)
    xs = [x.copy()]
    for s in range(1, sweeps + 1):
        sweep = DenseSystem(A, b, "A", triangle="none", x0=x)  # every j ≠ i, newest values
        for _ in substitution.substitute(sweep, order):  # x_i ← A_ii⁻¹(b_i − Σ_{j≠i} A_ij x_j)
            pass
        x = sweep.x
        if _diverging(x, s, "Gauss-Seidel"):
            break
        xs.append(x.copy())
    return np.array(xs)


def spectral_radius(M) -> float:
    r"""ρ(M) = max |eigenvalue of M|: the asymptotic rate of Jacobi on (I − M)x = v."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"spectral_radius needs a square matrix, got shape {M.shape}")
    return float(np.max(np.abs(np.linalg.eigvals(M)), initial=0.0))


def longest_path_length(J) -> int:
    r"""Number of edges on the longest path of the DAG whose edges are J[k, i] ≠ 0 (i → k).

    J must be strictly lower triangular (topological order); then (Jᵀ)^(L+1) = 0 for
    L = longest path length, and Jacobi on Jᵀ − I is exact from iterate L + 1.
    """
    J = np.asarray(J)
    if J.ndim != 2 or J.shape[0] != J.shape[1]:
        raise ValueError(f"J must be square, got shape {J.shape}")
    if np.any(np.triu(J) != 0):
        i, k = np.argwhere(np.triu(J) != 0)[0]
        raise ValueError(f"J must be strictly lower triangular; J[{i}, {k}] ≠ 0")
    return dag.longest_path_length(J)  # row k reads the i with J[k, i] ≠ 0


@dataclass
class FixedPoint:
    r"""Result of iterating z ← f(z): the last iterate, all iterates, and whether it converged."""

    z: np.ndarray
    iterates: np.ndarray
    converged: bool
    diverged: bool


def fixed_point(f: Callable[[np.ndarray], np.ndarray], z0, iterations: int = 500,
                tol: float = 1e-12) -> FixedPoint:
    r"""Iterate z^(t+1) = f(z^(t)) until ‖z^(t+1) − z^(t)‖∞ ≤ tol or ``iterations`` run out.

    Divergence (an iterate beyond 1e100, or not finite) stops the loop with a
    RuntimeWarning and ``diverged=True``; it never overflows silently.
    """
    iterations = _count(iterations, "iterations")
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    z = np.array(z0, dtype=float)
    if not np.all(np.isfinite(z)):
        raise ValueError("z0 must be finite")
    zs = [z]
    for t in range(1, iterations + 1):
        new = np.asarray(f(zs[-1]), dtype=float)
        if new.shape != z.shape:
            raise ValueError(f"f changed the shape of z from {z.shape} to {new.shape}")
        if _diverging(new, t, "the fixed-point iteration"):
            return FixedPoint(zs[-1], np.array(zs), converged=False, diverged=True)
        zs.append(new)
        if np.max(np.abs(new - zs[-2]), initial=0.0) <= tol:
            return FixedPoint(new, np.array(zs), converged=True, diverged=False)
    return FixedPoint(zs[-1], np.array(zs), converged=False, diverged=False)


def tanh_layer(W, u) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    r"""The implicit layer z = tanh(W z + u): returns (f, jacobian_of_f).

    f(z) = tanh(W z + u) and ∂f/∂z = diag(1 − f(z)²) W. At the fixed point z* the
    local Jacobian J = diag(1 − z*²) W; since |tanh'| ≤ 1, ρ(J) ≤ ‖W‖₂.
    """
    W = np.asarray(W, dtype=float)
    u = np.asarray(u, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1] or u.shape != (W.shape[0],):
        raise ValueError(f"W must be square (n, n) and u of shape (n,), got {W.shape} and {u.shape}")
    if not (np.all(np.isfinite(W)) and np.all(np.isfinite(u))):
        raise ValueError("W and u must be finite")

    def f(z: np.ndarray) -> np.ndarray:
        return np.tanh(W @ z + u)

    def jac(z: np.ndarray) -> np.ndarray:
        return (1 - np.tanh(W @ z + u) ** 2)[:, None] * W  # diag(1 − f²) W

    return f, jac


def implicit_adjoint(J, v, iterations: int) -> np.ndarray:
    r"""Iterates λ^(0) = 0, λ^(t+1) = v + Jᵀ λ^(t) for the adjoint system (I − Jᵀ) λ = v.

    The Neumann series of (I − Jᵀ)⁻¹ v: its error is (Jᵀ)^t times the first error, so
    it shrinks like ρ(J)^t, and the iteration diverges (with a RuntimeWarning, returning
    the rows before the blow-up) when ρ(J) > 1. When J has a zero diagonal, as on a
    DAG, this *is* :func:`jacobi` on A = Jᵀ − I, b = −v; an implicit layer's J usually
    has a nonzero diagonal, and Jacobi would then split off a different diagonal.
    """
    J, v = _matrix_and_vector(J, v, "J", "v")
    iterations = _count(iterations, "iterations")
    lams = [np.zeros_like(v)]
    for t in range(1, iterations + 1):
        lam = v + J.T @ lams[-1]  # λ^(t) = v + Jᵀ λ^(t−1)
        if _diverging(lam, t, "the adjoint iteration"):
            break
        lams.append(lam)
    return np.array(lams)
