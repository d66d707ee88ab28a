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


def _check_system(Q, h=None) -> tuple[scipy.sparse.csr_array, np.ndarray, np.ndarray | None]:
    r"""Q as canonical CSR (rows sorted, no duplicates, exactly symmetric); h as floats.

    Raises naming what is wrong. Everything runs in CSR, whose conversions are compiled.
    """
    if scipy.sparse.issparse(Q):
        Q = scipy.sparse.csr_array(Q, dtype=float)
    else:
        try:
            dense = np.asarray(Q, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"Q must be a square matrix of numbers, got {type(Q).__name__}") from None
        if dense.ndim != 2:
            raise ValueError(f"Q must be a square matrix, got shape {dense.shape}")
        Q = scipy.sparse.csr_array(dense)
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
    Q_T = scipy.sparse.csr_array(Q.T)
    asym = abs(Q - Q_T)
    scale = max(1.0, float(np.max(np.abs(Q.data), initial=0.0)))
    if asym.nnz and asym.max() > 1e-12 * scale:
        c = scipy.sparse.coo_array(asym)
        k = int(np.argmax(c.data))
        i, j = int(c.row[k]), int(c.col[k])
        raise ValueError(f"Q must be symmetric; Q[{i}, {j}] ≠ Q[{j}, {i}]")
    Q = scipy.sparse.csr_array((Q + Q_T) / 2)  # exactly symmetric, so is its pattern
    Q.eliminate_zeros()
    Q.sort_indices()
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


def _directed_edges(Q: scipy.sparse.csr_array):
    r"""Each off-diagonal nonzero Q_ij as two directed edges, i → j at slot 2k and j → i at
    slot 2k + 1, so an edge's reverse is its neighbour: viewed as pairs, reversal is a swap.

    Returns ``src``, ``dst`` and the weights ``q`` (Q_src,dst). Keeping each edge beside its
    reverse makes the cavity's ``message[reverse]`` a strided view, not a random gather; at 10^5
    nodes that gather, not the arithmetic, dominated a round.
    """
    n = Q.shape[0]
    rows = np.repeat(np.arange(n), np.diff(Q.indptr))
    upper = (rows < Q.indices) & (Q.data != 0)  # Q is exactly symmetric: each pair once
    i, j, q = rows[upper], Q.indices[upper].astype(np.intp), Q.data[upper]
    src, dst = np.empty(2 * i.size, dtype=np.intp), np.empty(2 * i.size, dtype=np.intp)
    src[0::2], src[1::2] = i, j
    dst[0::2], dst[1::2] = j, i
    return src, dst, np.repeat(q, 2)


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
    src, dst, q = _directed_edges(Q)  # directed edge e: src → dst, weight Q_src,dst
    pairs = (-1, 2)  # a (…, 2) view of an edge array; [:, ::-1] is the same array reversed
    minus_q, minus_q2 = -q, -(q**2)
    # The loop below writes into preallocated buffers: at 10^5 nodes, fresh arrays every round
    # (page faults) cost as much as the arithmetic. The operations and their order are the
    # equations' (same rounding as the plain expressions), so results do not depend on it.
    P, H = np.zeros(src.size), np.zeros(src.size)  # P_{i→j}, H_{i→j}
    P_new, H_new = np.empty(src.size), np.empty(src.size)
    P_cavity, H_cavity = np.empty(src.size), np.empty(src.size)
    scratch, scratch2 = np.empty(src.size), np.empty(src.size)

    def relative_change(new, old) -> float:  # max |new − old| / (1 + |new|)
        np.subtract(new, old, out=scratch)
        np.abs(scratch, out=scratch)
        np.abs(new, out=scratch2)
        np.add(scratch2, 1, out=scratch2)
        np.divide(scratch, scratch2, out=scratch)
        return float(np.max(scratch, initial=0.0))

    converged, iterations = False, 0
    beliefs = (diag.copy(), h.copy())
    for iterations in range(1, max_iters + 1):
        P_total = np.bincount(dst, P, minlength=n) + diag  # P_i = Q_ii + Σ_k P_{k→i}
        H_total = np.bincount(dst, H, minlength=n) + h  # H_i = h_i + Σ_k H_{k→i}
        if np.all(np.isfinite(P_total)) and np.all(np.isfinite(H_total)):
            beliefs = (P_total, H_total)
        np.take(P_total, src, out=P_cavity)  # P_{i∖j} = P_i − P_{j→i}
        P_cavity.reshape(pairs)[...] -= P.reshape(pairs)[:, ::-1]
        np.take(H_total, src, out=H_cavity)  # H_{i∖j} = H_i − H_{j→i}
        H_cavity.reshape(pairs)[...] -= H.reshape(pairs)[:, ::-1]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            np.divide(minus_q2, P_cavity, out=P_new)  # P_{i→j} = −Q_ij² / P_{i∖j}
            np.multiply(minus_q, H_cavity, out=H_new)  # H_{i→j} = −Q_ij H_{i∖j} / P_{i∖j}
            H_new /= P_cavity
            if damping:
                for new, old in ((P_new, P), (H_new, H)):
                    np.multiply(old, damping, out=scratch)
                    new *= 1 - damping
                    new += scratch
            change = max(relative_change(P_new, P), relative_change(H_new, H))
        if not math.isfinite(change) and not (np.all(np.isfinite(P_new))
                                              and np.all(np.isfinite(H_new))):
            warnings.warn(f"Gaussian BP diverged at iteration {iterations} (a message's precision "
                          "became infinite); Q may not be walk-summable — try damping",
                          RuntimeWarning, stacklevel=2)
            break
        P, P_new = P_new, P
        H, H_new = H_new, H
        if change <= tol:
            converged = True
            beliefs = (np.bincount(dst, P, minlength=n) + diag,
                       np.bincount(dst, H, minlength=n) + h)
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
    Q = Q.tocoo()
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
