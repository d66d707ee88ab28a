r"""Gaussian belief propagation: message passing that solves Q x = h.

A Gaussian in information form, p(x) ∝ exp(−½ xᵀQx + hᵀx) with Q symmetric positive definite,
factorises over the graph of Q's nonzeros into node factors exp(−½ Q_ii x_i² + h_i x_i) and edge
factors exp(−Q_ij x_i x_j). Its mean is Q⁻¹h and its marginal variances diag(Q⁻¹).

Sum–product messages stay Gaussian, m_{i→j}(x_j) ∝ exp(−½ P_{i→j} x_j² + H_{i→j} x_j); the
integral over x_i of node i's factor, its incoming messages except j's, and the edge factor is

    P_{i→j} = −Q_ij² / P_{i∖j},          H_{i→j} = −Q_ij H_{i∖j} / P_{i∖j},
    P_{i∖j} = Q_ii + Σ_{k∈N(i)∖j} P_{k→i},   H_{i∖j} = h_i + Σ_{k∈N(i)∖j} H_{k→i}

(complete the square in x_i: ∫ exp(−½ a x_i² + (c − Q_ij x_j) x_i) dx_i ∝ exp((c − Q_ij x_j)²/2a)).
The belief of node i has precision P_i = Q_ii + Σ_k P_{k→i} and potential H_i = h_i + Σ_k H_{k→i};
its mean is H_i / P_i and its variance 1 / P_i.

At a fixed point the means are exact (Weiss & Freeman 2001) whatever the loops; the variances
are exact on a tree and, on loops, count only part of the walks. Convergence is guaranteed when Q
is walk-summable (Malioutov, Johnson & Willsky 2006): with D = diag(Q) and the partial
correlations R = I − D^{-1/2} Q D^{-1/2}, ρ(|R|) < 1, so that Q⁻¹ = D^{-1/2} Σ_k R^k D^{-1/2}
converges absolutely — a Neumann series, like Jacobi's in lesson 06.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

__all__ = ["solve", "walk_summable", "partial_correlation_radius", "GaussianBPResult"]


@dataclass
class GaussianBPResult:
    r"""What :func:`solve` returns: beliefs' means and variances, iterations, convergence."""

    means: np.ndarray  # H_i / P_i (= Q⁻¹h at a fixed point)
    variances: np.ndarray  # 1 / P_i (= diag Q⁻¹ on a tree)
    iterations: int
    converged: bool


def _check_system(Q, h=None) -> tuple[scipy.sparse.coo_array, np.ndarray, np.ndarray | None]:
    r"""Q as COO with its diagonal split off; h as floats. Raises naming what is wrong."""
    if scipy.sparse.issparse(Q):
        Q = scipy.sparse.csr_array(Q, dtype=float)
        Q.sum_duplicates()  # in CSR (compiled, ~4× faster than COO's lexsort at 10^5 nodes)
        Q = Q.tocoo()  # canonical: the sum_duplicates below has nothing left to do
    else:
        try:
            dense = np.asarray(Q, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"Q must be a square matrix of numbers, got {type(Q).__name__}") from None
        if dense.ndim != 2:
            raise ValueError(f"Q must be a square matrix, got shape {dense.shape}")
        Q = scipy.sparse.coo_array(dense)
    if Q.shape[0] != Q.shape[1]:
        raise ValueError(f"Q must be square, got shape {Q.shape}")
    Q.sum_duplicates()
    if not np.all(np.isfinite(Q.data)):
        raise ValueError("Q holds nan or inf")
    n = Q.shape[0]
    diag = Q.diagonal()
    if np.any(diag <= 0):
        i = int(np.flatnonzero(diag <= 0)[0])
        raise ValueError(f"Q must have a positive diagonal (a precision matrix); Q[{i}, {i}] = "
                         f"{diag[i]}")
    asym = abs(Q - Q.T)
    scale = max(1.0, float(np.max(np.abs(Q.data), initial=0.0)))
    if asym.nnz and asym.max() > 1e-12 * scale:
        c = scipy.sparse.coo_array(asym)
        k = int(np.argmax(c.data))
        i, j = int(c.row[k]), int(c.col[k])
        raise ValueError(f"Q must be symmetric; Q[{i}, {j}] ≠ Q[{j}, {i}]")
    Q = scipy.sparse.coo_array((Q + Q.T) / 2)  # exactly symmetric, so is its pattern
    Q.eliminate_zeros()
    if h is None:
        return Q, diag, None
    try:
        h = np.asarray(h, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"h must be a vector of numbers, got {type(h).__name__}") from None
    if h.shape != (n,):
        raise ValueError(f"h must have shape ({n},) to match Q of shape {Q.shape}, got {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("h holds nan or inf")
    return Q, diag, h


def _check_options(max_iters, damping, tol) -> None:
    if isinstance(max_iters, bool) or not isinstance(max_iters, (int, np.integer)) or max_iters < 1:
        raise ValueError(f"max_iters must be a positive integer, got {max_iters!r}")
    if not (isinstance(damping, (int, float)) and 0.0 <= damping < 1.0):
        raise ValueError(f"damping must be a number in [0, 1), got {damping!r}")
    if not (isinstance(tol, (int, float)) and tol > 0 and math.isfinite(tol)):
        raise ValueError(f"tol must be a positive number, got {tol!r}")


def solve(Q, h, max_iters: int = 200, damping: float = 0.0, tol: float = 1e-10
          ) -> GaussianBPResult:
    r"""Gaussian BP on Q x = h (flooding schedule): every message updated from the last ones.

    ``damping`` is the weight of the old message, as in :func:`course_lib.bp.belief_propagation`.
    Stops when no message's precision or potential moves by more than ``tol`` (relative to 1 +
    its size). Does not raise when it does not converge: warns and returns ``converged=False``
    with the last finite beliefs.
    """
    Q, diag, h = _check_system(Q, h)
    _check_options(max_iters, damping, tol)
    n = Q.shape[0]
    off = Q.row != Q.col
    src, dst, q = Q.row[off], Q.col[off], Q.data[off]  # directed edge e: src → dst, Q_src,dst
    keep = q != 0
    src, dst, q = src[keep], dst[keep], q[keep]
    order = np.lexsort((dst, src))
    src, dst, q = src[order], dst[order], q[order]
    reverse = np.lexsort((src, dst))  # the edge dst → src, in the same sorted order
    P = np.zeros(src.size)  # P_{i→j}
    H = np.zeros(src.size)  # H_{i→j}
    converged, iterations = False, 0
    beliefs = (diag.copy(), h.copy())
    for iterations in range(1, max_iters + 1):
        P_total = diag + np.bincount(dst, P, minlength=n)  # P_i = Q_ii + Σ_k P_{k→i}
        H_total = h + np.bincount(dst, H, minlength=n)  # H_i = h_i + Σ_k H_{k→i}
        if np.all(np.isfinite(P_total)) and np.all(np.isfinite(H_total)):
            beliefs = (P_total, H_total)
        P_cavity = P_total[src] - P[reverse]  # P_{i∖j}
        H_cavity = H_total[src] - H[reverse]  # H_{i∖j}
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            P_new = -(q**2) / P_cavity
            H_new = -q * H_cavity / P_cavity
        if damping:
            P_new = damping * P + (1 - damping) * P_new
            H_new = damping * H + (1 - damping) * H_new
        if not (np.all(np.isfinite(P_new)) and np.all(np.isfinite(H_new))):
            warnings.warn(f"Gaussian BP diverged at iteration {iterations} (a message's precision "
                          "became infinite); Q may not be walk-summable — try damping",
                          RuntimeWarning, stacklevel=2)
            break
        change = max(np.max(np.abs(P_new - P) / (1 + np.abs(P_new)), initial=0.0),
                     np.max(np.abs(H_new - H) / (1 + np.abs(H_new)), initial=0.0))
        P, H = P_new, H_new
        if change <= tol:
            converged = True
            beliefs = (diag + np.bincount(dst, P, minlength=n), h + np.bincount(dst, H, minlength=n))
            break
    else:
        warnings.warn(f"Gaussian BP did not converge in {max_iters} iterations; the beliefs are "
                      "not a fixed point (try damping > 0, or check walk_summable(Q))",
                      RuntimeWarning, stacklevel=2)
    P_total, H_total = beliefs
    with np.errstate(divide="ignore", invalid="ignore"):
        means, variances = H_total / P_total, 1.0 / P_total
    return GaussianBPResult(means=means, variances=variances, iterations=iterations,
                            converged=converged)


def partial_correlation_radius(Q) -> float:
    r"""ρ(|R|), R = I − D^{-1/2} Q D^{-1/2}: the spectral radius of the absolute partial
    correlations (|R| is symmetric and nonnegative, so ρ is its largest eigenvalue)."""
    Q, diag, _ = _check_system(Q)
    scale = 1.0 / np.sqrt(diag)
    off = Q.row != Q.col
    R = scipy.sparse.coo_array((np.abs(Q.data[off]) * scale[Q.row[off]] * scale[Q.col[off]],
                                (Q.row[off], Q.col[off])), shape=Q.shape)
    if R.shape[0] <= 2000:
        return float(np.max(np.linalg.eigvalsh(R.toarray()), initial=0.0))
    return float(scipy.sparse.linalg.eigsh(R.tocsr(), k=1, which="LA",
                                           return_eigenvectors=False)[0])


def walk_summable(Q) -> bool:
    r"""ρ(|R|) < 1: every walk-sum of Q⁻¹'s Neumann series converges absolutely."""
    return partial_correlation_radius(Q) < 1.0
