r"""Kullback–Leibler divergence and the projections built on it, for distributions as arrays.

    KL(p‖q) = Σ_x p(x) log( p(x) / q(x) ),     0 log 0 = 0,   p log(p/0) = ∞ for p > 0

A distribution is a nonnegative numpy array summing to 1 (within 1e-9); its axes are the
variables. The projections of a distribution ``p`` onto a set ``Q`` of distributions:

- **I-projection** (information projection) ``argmin_{q∈Q} KL(q‖p)``. Onto a *linear family*
  ``{q : Σ_x q(x) f_k(x) = t_k}`` it is the exponential tilt ``q*(x) ∝ p(x) exp(Σ_k θ_k f_k(x))``
  (:func:`i_projection`), and it satisfies the Pythagorean identity
  ``KL(r‖p) = KL(r‖q*) + KL(q*‖p)`` for every ``r`` in the family. Conditioning is the
  I-projection onto ``{q : q(e) = 1}`` (:func:`condition`); iterative proportional fitting
  alternates I-projections onto marginal constraints (:func:`ipf`); mean field is the
  I-projection onto the fully factorised family (:func:`mean_field`).
- **M-projection** (moment projection) ``argmin_{q∈Q} KL(p‖q)``. Onto the fully factorised
  family it is the product of the marginals of ``p`` (:func:`m_projection_product`).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.special import logsumexp

from course_lib.distributions import (
    SUM_TOLERANCE,
    _check_distribution,
    _marginal,
    _outer,
    _real_array,
)
from course_lib.mean_field import MeanFieldResult, mean_field

__all__ = [
    "kl_divergence", "i_projection", "m_projection_product", "ipf", "mean_field",
    "MeanFieldResult", "condition", "marginal", "SUM_TOLERANCE",
]

def kl_divergence(p, q) -> float:
    r"""KL(p‖q) = Σ_x p(x) log(p(x)/q(x)), with 0 log 0 = 0 and ∞ where p(x) > 0 = q(x).

    ``p`` and ``q`` are distributions of the same shape (``ValueError`` otherwise, naming
    which one is wrong and, for a bad sum, its sum).
    """
    p = _check_distribution(p, "p")
    q = _check_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got p {p.shape} and q {q.shape}")
    inside = p > 0  # 0 log(0/q) = 0
    if np.any(q[inside] == 0):
        return float("inf")  # p log(p/0) = ∞
    value = float(np.sum(p[inside] * (np.log(p[inside]) - np.log(q[inside]))))
    return max(value, 0.0)  # KL ≥ 0 (Gibbs); rounding can leave −1e-16 when q ≈ p


def marginal(p, axes: Sequence[int]) -> np.ndarray:
    r"""The marginal of ``p`` on ``axes``: ``p_A(x_A) = Σ_{x∖x_A} p(x)``, axes kept in increasing order."""
    p = _real_array(p, "p")
    if isinstance(axes, numbers.Integral) or not all(
            isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"axes must be a sequence of axis indices, got {axes!r}")
    if len(set(axes)) != len(axes) or not all(0 <= a < p.ndim for a in axes):
        raise ValueError(f"axes must be distinct indices in 0..{p.ndim - 1}, got {tuple(axes)!r}")
    return _marginal(p, axes)


# ---------------------------------------------------------------------- I-projection
def _attainable_support(centred: np.ndarray) -> np.ndarray:
    r"""Which states can carry mass in some q with Σ_x q(x) (f(x) − t) = 0, by one LP.

    Homogeneous form: w ≥ 0 with Σ_x w(x) g(x) = 0 (g = f − t); maximise Σ_x u(x) with
    u ≤ w, 0 ≤ u ≤ 1. The optimum has u(x) = 1 exactly on the union of the supports of the
    feasible q (the smallest face of the hull containing t) and u = 0 if t is unattainable.
    """
    from scipy.optimize import linprog  # imported here: scipy.optimize takes ~0.25 s to load

    k, s = centred.shape
    cost = np.concatenate([np.zeros(s), -np.ones(s)])  # minimise −Σ u
    a_eq = np.hstack([centred, np.zeros((k, s))])  # Σ_x w(x) g_k(x) = 0
    a_ub = np.hstack([-np.eye(s), np.eye(s)])  # u − w ≤ 0
    bounds = [(0, 1e6)] * s + [(0, 1)] * s
    res = linprog(cost, A_ub=a_ub, b_ub=np.zeros(s), A_eq=a_eq, b_eq=np.zeros(k),
                  bounds=bounds, method="highs")
    if res.status != 0:  # the LP is always feasible (w = u = 0) and bounded
        raise RuntimeError(f"feasibility LP failed: {res.message}")
    return res.x[s:] > 0.5


_MAX_LOG_WEIGHT_STEP = 20.0  # i_projection's trust region: |Δ(θ·f(x))| ≤ 20, a factor e^20


def i_projection(p, features, targets, *, return_theta: bool = False, tol: float = 1e-10,
                 max_iters: int = 100):
    r"""The I-projection of ``p`` onto the linear family ``{q : Σ_x q(x) f_k(x) = t_k}``.

        q* = argmin_q KL(q‖p)  s.t.  E_q[f_k] = t_k   ⇒   q*(x) = p(x) exp(Σ_k θ_k f_k(x)) / Z(θ)

    ``features`` has shape ``(K,) + p.shape``, ``targets`` shape ``(K,)``. θ minimises the
    convex dual ``g(θ) = log Z(θ) − θ·t``, ``Z(θ) = Σ_x p(x) exp(θ·f(x))``, whose gradient is
    ``∇g = E_q[f] − t`` and Hessian ``∇²g = Cov_q[f]``. We use Newton's method
    ``θ ← θ − α (Cov_q[f] + μI)⁺ (E_q[f] − t)`` with a backtracking (Armijo) line search on α:
    K is small, so the exact K × K Hessian costs one pass over the states, and Newton
    converges quadratically (a few iterations to machine precision) where gradient descent
    would crawl along the dual's ill-conditioned directions. Two safeguards, both idle near θ*:
    a tiny μ = 10⁻³‖∇g‖·max|f − t| and a trust region (no θ·f(x) moves by more than 20 per
    step), without which Newton could leap to where q sits on a few states and stall there.
    The pseudo-inverse covers linearly dependent features (θ is then not unique).

    Targets outside the convex hull of ``{f(x) : p(x) > 0}`` are infeasible: ``ValueError``
    (found by a linear program, ``scipy.optimize.linprog``). Targets on the boundary of the
    hull are attainable only by q vanishing on part of the support (θ = ∞ along some
    direction): the projection is then computed on the attainable states (the smallest face),
    where q* ∝ p exp(θ·f) holds with the returned θ, and q* = 0 elsewhere.

    Returns q* (shape of p), or ``(q*, θ)`` if ``return_theta``.
    """
    p = _check_distribution(p, "p")
    f = _real_array(features, "features")
    if f.ndim != p.ndim + 1 or f.shape[1:] != p.shape:
        raise ValueError(f"features must have shape (K,) + p.shape = (K,) + {p.shape}, got "
                         f"{f.shape}")
    if not np.all(np.isfinite(f)):
        raise ValueError("features must be finite")
    n_features = f.shape[0]
    t = _real_array(targets, "targets").reshape(-1) if np.ndim(targets) <= 1 else None
    if t is None or t.shape != (n_features,):
        raise ValueError(f"targets must have shape ({n_features},) (one per feature), got "
                         f"{np.shape(targets)}")
    if not np.all(np.isfinite(t)):
        raise ValueError(f"targets must be finite, got {t}")
    if not (isinstance(tol, numbers.Real) and tol > 0):
        raise ValueError(f"tol must be positive, got {tol!r}")

    support = np.flatnonzero(p.ravel() > 0)
    centred = f.reshape(n_features, -1)[:, support] - t[:, None]  # g(x) = f(x) − t
    face = _attainable_support(centred)
    if not face.any():
        raise ValueError(f"targets {t.tolist()} are infeasible: they are not in the convex hull "
                         "of the feature vectors f(x) over the support of p, so no distribution "
                         "q ≪ p has E_q[f] = t")
    states, g = support[face], centred[:, face]
    log_p = np.log(p.ravel()[states])
    scale = max(1.0, float(np.abs(g).max()))

    def dual(theta):  # g(θ) = log Σ_x p(x) exp(θ·(f(x) − t)) = log Z(θ) − θ·t
        return logsumexp(log_p + theta @ g)

    theta = np.zeros(n_features)
    for _ in range(max_iters):
        w = log_p + theta @ g
        q = np.exp(w - logsumexp(w))  # q_θ ∝ p exp(θ·f)
        gradient = g @ q  # E_q[f] − t
        if np.max(np.abs(gradient)) <= tol * scale:
            break
        hessian = (g * q) @ g.T - np.outer(gradient, gradient)  # Cov_q[f]
        # Newton: (H + μI) δ = −∇g. The tiny μ = 10⁻³ ‖∇g‖·scale vanishes at θ* (the last
        # steps stay Newton's) but gives δ a component along directions where Cov_q[f] is
        # singular: where q has (all but) left some states, a plain Newton step cannot reach them
        mu = 1e-3 * float(np.linalg.norm(gradient)) * scale
        step = -np.linalg.lstsq(hessian + mu * np.eye(n_features), gradient, rcond=None)[0]
        # A trust region on the log-weights: no state's θ·f may move by more than 20 in one
        # step. Far from θ*, a full Newton step can leap to where q sits on a few states,
        # Cov_q[f] is singular and the way back is flat (a random case stalled there at
        # ‖∇g‖ = 0.03); near θ* the steps are small and this never binds.
        reach = float(np.abs(step @ g).max())
        if reach > _MAX_LOG_WEIGHT_STEP:
            step *= _MAX_LOG_WEIGHT_STEP / reach
        slope, current, alpha = float(gradient @ step), dual(theta), 1.0
        if -slope > 1e-13 * (1 + abs(current)):  # else: the decrease is below rounding; full step
            while dual(theta + alpha * step) > current + 1e-4 * alpha * slope and alpha > 1e-12:
                alpha /= 2  # backtracking until the Armijo condition holds
        theta = theta + alpha * step
    else:
        warnings.warn(f"i_projection: Newton's method stopped after {max_iters} iterations with "
                      f"max |E_q[f] − t| = {np.max(np.abs(gradient)):.3g}", RuntimeWarning,
                      stacklevel=2)
    result = np.zeros(p.size)
    result[states] = q
    result = result.reshape(p.shape)
    return (result, theta) if return_theta else result


def condition(p, evidence: Mapping[int, int]) -> np.ndarray:
    r"""Conditioning as an I-projection: ``argmin {KL(q‖p) : q(e) = 1} = p(x | e)``.

        p(x | e) = p(x) 1[x consistent with e] / p(e)

    ``evidence`` maps axes to observed indices. The result has the shape of ``p`` and is zero
    off the evidence. ``ValueError`` for an unknown axis, an out-of-range value or ``p(e) = 0``.
    """
    p = _check_distribution(p, "p")
    if not isinstance(evidence, Mapping):
        raise TypeError(f"evidence must be a mapping {{axis: value}}, got "
                        f"{type(evidence).__name__}")
    mask = np.ones(p.shape, dtype=bool)
    for axis, value in evidence.items():
        for what, x in (("axis", axis), ("value", value)):
            if isinstance(x, bool) or not isinstance(x, numbers.Integral):
                raise TypeError(f"evidence {what} must be an integer, got {x!r}")
        if not 0 <= axis < p.ndim:
            raise ValueError(f"evidence names axis {axis}, but p has axes 0..{p.ndim - 1}")
        if not 0 <= value < p.shape[axis]:
            raise ValueError(f"evidence value {value} for axis {axis} is out of range "
                             f"0..{p.shape[axis] - 1}")
        index = [slice(None)] * p.ndim
        index[axis] = np.arange(p.shape[axis]) != value
        mask[tuple(index)] = False  # 1[x_axis = value]
    p_e = float(p[mask].sum())
    if p_e == 0:
        raise ValueError(f"evidence {dict(evidence)} has probability zero under p")
    return np.where(mask, p, 0.0) / p_e  # p(x) 1[x ∈ e] / p(e)


# ---------------------------------------------------------------------- M-projection
def m_projection_product(p, return_factors: bool = False):
    r"""The M-projection of ``p`` onto fully factorised distributions: the product of its marginals.

        argmin_{q = Π_i q_i} KL(p‖q) = Π_i p_i,     p_i(x_i) = Σ_{x∖x_i} p(x)

    (KL(p‖Π q_i) = −H(p) − Σ_i Σ_{x_i} p_i(x_i) log q_i(x_i), minimised term by term.)
    Returns the product array, or ``(q, [p_1, …, p_d])`` if ``return_factors``.
    """
    p = _check_distribution(p, "p")
    factors = [_marginal(p, (i,)) for i in range(p.ndim)]
    q = _outer(factors)
    return (q, factors) if return_factors else q


# ---------------------------------------------------------------------- IPF
def _check_targets(p: np.ndarray, targets) -> dict[tuple[int, ...], np.ndarray]:
    if not isinstance(targets, Mapping) or not targets:
        raise TypeError("targets must be a non-empty mapping {sorted axes tuple: marginal table}")
    checked: dict[tuple[int, ...], np.ndarray] = {}
    for axes, table in targets.items():
        if not isinstance(axes, tuple) or not axes or not all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
            raise TypeError(f"target key {axes!r} must be a non-empty tuple of axis indices")
        if list(axes) != sorted(set(axes)):
            raise ValueError(f"target key {axes!r} must be strictly increasing (sorted, no "
                             f"repeats), e.g. {tuple(sorted(set(axes)))!r}")
        if axes[0] < 0 or axes[-1] >= p.ndim:
            raise ValueError(f"target key {axes!r} names an axis outside 0..{p.ndim - 1}")
        name = f"target {axes!r}"
        arr = _check_distribution(table, name)
        expected = tuple(p.shape[a] for a in axes)
        if arr.shape != expected:
            raise ValueError(f"{name} must have shape {expected} (the sizes of axes {axes}), got "
                             f"{arr.shape}")
        if np.any((_marginal(p, axes) == 0) & (arr > 0)):
            raise ValueError(f"{name} puts mass where the marginal of p is zero; rescaling p "
                             "can never reach it")
        checked[axes] = arr
    keys = list(checked)
    for i, a in enumerate(keys):  # overlapping targets must agree on their shared axes
        for b in keys[i + 1:]:
            shared = tuple(sorted(set(a) & set(b)))
            if shared:
                ma = _marginal(checked[a], tuple(a.index(x) for x in shared))
                mb = _marginal(checked[b], tuple(b.index(x) for x in shared))
                if not np.allclose(ma, mb, atol=1e-9, rtol=0):
                    raise ValueError(f"targets {a!r} and {b!r} disagree on their marginal over "
                                     f"the shared axes {shared}, so no distribution meets both")
    return checked


def ipf(p, targets: Mapping[tuple[int, ...], np.ndarray], iterations: int,
        every_step: bool = False) -> list[np.ndarray]:
    r"""Iterative proportional fitting: cycle through I-projections onto marginal constraints.

        q ← q · t_A(x_A) / q_A(x_A)      for each target A (0/0 = 0),   q_A = marginal of q on A

    Each step is the I-projection of the current q onto ``{q : q_A = t_A}``; the iterates
    converge to the I-projection of ``p`` onto the intersection (when it is nonempty).
    ``targets`` maps sorted axis tuples to marginal tables; one iteration is one cycle over all
    targets, in the mapping's order. Returns the iterates ``[q_0 = p, q_1, …, q_iterations]``
    (after each cycle), or after every single rescaling if ``every_step``.
    """
    p = _check_distribution(p, "p")
    checked = _check_targets(p, targets)
    if isinstance(iterations, bool) or not isinstance(iterations, numbers.Integral) \
            or iterations < 0:
        raise ValueError(f"iterations must be a nonnegative integer, got {iterations!r}")
    q = p.copy()
    iterates = [q.copy()]
    for _ in range(iterations):
        for axes, target in checked.items():
            current = _marginal(q, axes)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(current > 0, target / current, 0.0)  # t_A / q_A
            shape = [p.shape[i] if i in axes else 1 for i in range(p.ndim)]
            q = q * ratio.reshape(shape)
            if every_step:
                iterates.append(q.copy())
        if not every_step:
            iterates.append(q.copy())
    return iterates

