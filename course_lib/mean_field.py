r"""Mean field: the I-projection of a distribution onto fully factorised ones, by coordinate ascent.

    q* = argmin_{q = Π_i q_i} KL(q‖p),     q_i(x_i) ∝ exp( E_{q_{−i}}[ log p(x_i, x_{−i}) ] )

Re-exported from :mod:`course_lib.kl` (``kl.mean_field``, ``kl.MeanFieldResult``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from course_lib.distributions import _check_distribution, _marginal, _outer, _real_array

__all__ = ["MeanFieldResult", "mean_field"]


# ---------------------------------------------------------------------- mean field
@dataclass(frozen=True)
class MeanFieldResult:
    r"""Mean field: ``factors[i]`` = q_i, ``q`` = Π_i q_i, ``kl_history[s]`` = KL(q‖p) after s sweeps."""

    factors: list[np.ndarray]
    q: np.ndarray
    kl_history: list[float]


def _kl_from_log(q: np.ndarray, log_p: np.ndarray) -> float:
    inside = q > 0
    if np.any(np.isneginf(log_p[inside])):
        return float("inf")
    return float(np.sum(q[inside] * (np.log(q[inside]) - log_p[inside])))


def mean_field(p, iterations: int = 50, *, log_potentials: bool = False,
               init: Sequence | None = None) -> MeanFieldResult:
    r"""Mean field: the I-projection of ``p`` onto product distributions, by coordinate ascent.

        q_i(x_i) ∝ exp( E_{q_{−i}}[ log p(x_i, x_{−i}) ] ),     q = Π_i q_i

    Each update minimises KL(q‖p) exactly over one factor with the others fixed, so the KL
    history is non-increasing. ``p`` is a distribution, or unnormalised log-potentials
    ``log p̃`` (entries finite or −inf) if ``log_potentials``. One iteration (sweep) updates
    q_0, q_1, … in order. ``init`` is a list of starting factors; by default the marginals
    of p (the M-projection), so the run starts from moment matching.
    """
    if log_potentials:
        log_p = _real_array(p, "log-potentials")
        if log_p.ndim == 0 or np.any(np.isnan(log_p)) or np.any(log_p == np.inf):
            raise ValueError("log-potentials must be an array of finite numbers or −inf")
        norm = logsumexp(log_p)
        if norm == -np.inf:
            raise ValueError("log-potentials are −inf everywhere: nothing has positive weight")
        log_p = log_p - norm
        p = np.exp(log_p)
    else:
        p = _check_distribution(p, "p")
        with np.errstate(divide="ignore"):
            log_p = np.log(p)
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) \
            or iterations < 0:
        raise ValueError(f"iterations must be a nonnegative integer, got {iterations!r}")
    if init is None:
        factors = [_marginal(p, (i,)) for i in range(p.ndim)]
    else:
        if len(init) != p.ndim:
            raise ValueError(f"init must have one factor per axis ({p.ndim}), got {len(init)}")
        factors = [_check_distribution(fi, f"init[{i}]") for i, fi in enumerate(init)]
        for i, fi in enumerate(factors):
            if fi.shape != (p.shape[i],):
                raise ValueError(f"init[{i}] must have shape ({p.shape[i]},), got {fi.shape}")
    history = [_kl_from_log(_outer(factors), log_p)]
    for _ in range(iterations):
        for i in range(p.ndim):
            others = factors[:i] + [np.ones(p.shape[i])] + factors[i + 1:]
            weight = _outer(others)  # q_{−i}(x_{−i}), constant along axis i
            with np.errstate(invalid="ignore"):
                terms = np.where(weight > 0, weight * log_p, 0.0)  # 0 · log 0 = 0
            expected = terms.sum(axis=tuple(j for j in range(p.ndim) if j != i))  # E_{q−i} log p
            if np.all(expected == -np.inf):
                raise ValueError(f"mean field: every value of axis {i} has E[log p] = −inf under "
                                 "the other factors (KL(q‖p) = ∞ for every q_i); start from "
                                 "another init")
            factors[i] = np.exp(expected - logsumexp(expected))  # q_i ∝ exp(E log p)
        history.append(_kl_from_log(_outer(factors), log_p))
    return MeanFieldResult(factors=factors, q=_outer(factors), kl_history=history)
