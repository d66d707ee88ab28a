r"""Distributions as numpy arrays: the checks, marginals and products that kl and mean_field share.

A distribution is a nonnegative array summing to 1 (within :data:`SUM_TOLERANCE`); its axes are
the variables.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: How far from 1 the sum of a distribution may be.
SUM_TOLERANCE = 1e-9


def _real_array(x, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    return np.array(arr, dtype=float)


def _check_distribution(p, name: str) -> np.ndarray:
    r"""A float copy of ``p`` after checking: finite, nonnegative, at least 1-D, sums to 1."""
    arr = _real_array(p, name)
    if arr.ndim == 0 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty array with at least one axis, got shape "
                         f"{arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, but has entry "
                         f"{arr[tuple(np.argwhere(~np.isfinite(arr))[0])]}")
    if np.any(arr < 0):
        bad = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(f"{name} must be nonnegative, but {name}{list(bad)} = {arr[bad]}")
    total = float(arr.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1 (tolerance {SUM_TOLERANCE:g}), but sums to "
                         f"{total!r}")
    return arr


def _marginal(p: np.ndarray, axes: Sequence[int]) -> np.ndarray:
    return p.sum(axis=tuple(i for i in range(p.ndim) if i not in axes))  # Σ_{x∖x_A} p(x)


def _outer(factors: Sequence[np.ndarray]) -> np.ndarray:
    r"""Π_i q_i(x_i) as an array with one axis per factor."""
    q = np.ones(())
    for factor in factors:
        q = np.multiply.outer(q, factor)
    return q
