r"""Minka's α-divergence between distributions on a grid, and the α-projection onto Gaussians.

For distributions p, q on the same points (Minka 2005, *Divergence measures and message
passing*, MSR-TR-2005-173; Amari writes α' = 2α − 1):

    D_α(p‖q) = 1/(α(1 − α)) · Σ_x [ α p(x) + (1 − α) q(x) − p(x)^α q(x)^{1−α} ]
             = (1 − Σ_x p(x)^α q(x)^{1−α}) / (α(1 − α))           (p, q normalised),

    D_α → KL(q‖p) as α → 0   (the I-projection's divergence: exclusive, mode-seeking),
    D_1 = KL(p‖q)            (the M-projection's divergence: inclusive, mass-covering).

A 1-D density p is handled on a uniform grid x: p and q(x) ∝ N(x; m, s²) are normalised over the
grid (sums over it stand for the integrals). The α-projection onto Gaussians,
argmin_{m, s} D_α(p‖q_{m,s}), is found by
scipy.optimize.minimize over (m, log s) from several starts (the moment match and each local
maximum of p), keeping the best; for α ∈ (0, 1) it minimises the equivalent
−log Σ p^α q^{1−α} / (α(1 − α)), whose limits are the two KLs. At α = 1 the answer is the moment
match (mean and variance of p), in closed form. Stationarity for α ∈ (0, 1]: the projection's
mean and variance equal those of r ∝ p^α q^{1−α} (Minka 2005).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.optimize
from scipy.special import logsumexp

from course_lib import kl
from course_lib.distributions import _check_distribution

__all__ = ["alpha_divergence", "gaussian_on_grid", "moments", "gaussian_alpha_projection"]


def _alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
        raise TypeError(f"alpha must be a real number, got {alpha!r}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1] (0: KL(q‖p), 1: KL(p‖q)), got {alpha}")
    return float(alpha)


def _grid(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 3:
        raise ValueError(f"x must be a 1-D grid of at least 3 points, got shape {x.shape}")
    steps = np.diff(x)
    if not np.all(np.isfinite(x)) or np.any(steps <= 0) or np.ptp(steps) > 1e-9 * steps[0] + 1e-12:
        raise ValueError("x must be finite, increasing and evenly spaced")
    return x


def _distribution(x: np.ndarray, p, name: str = "p") -> np.ndarray:
    p = np.asarray(p, dtype=float)
    if p.shape != x.shape:
        raise ValueError(f"{name} must have one value per grid point, shape {x.shape}, got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p <= 0):
        raise ValueError(f"{name} must be positive and finite at every grid point")
    return p / p.sum()


def alpha_divergence(p, q, alpha: float) -> float:
    r"""D_α(p‖q) = (1 − Σ p^α q^{1−α}) / (α(1 − α)); KL(q‖p) at α = 0, KL(p‖q) at α = 1.

    ``p`` (the target) and ``q`` (the approximation) are distributions of the same shape
    (arrays summing to 1).
    """
    alpha = _alpha(alpha)
    if alpha == 0.0:
        return kl.kl_divergence(q, p)
    if alpha == 1.0:
        return kl.kl_divergence(p, q)
    p, q = _check_distribution(p, "p"), _check_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got p {p.shape} and q {q.shape}")
    return float((1.0 - np.sum(p**alpha * q ** (1 - alpha))) / (alpha * (1 - alpha)))


def gaussian_on_grid(x, mean: float, sd: float) -> np.ndarray:
    r"""q(x) ∝ exp(−(x − m)²/(2 s²)), normalised over the grid points x."""
    x = _grid(x)
    if not np.isfinite(mean) or not (np.isfinite(sd) and sd > 0):
        raise ValueError(f"need a finite mean and a positive sd, got mean={mean}, sd={sd}")
    log_q = -0.5 * ((x - mean) / sd) ** 2
    return np.exp(log_q - logsumexp(log_q))


def moments(x, p) -> tuple[float, float]:
    r"""(mean, sd) of p, normalised on the grid: the M-projection onto Gaussians (moment matching)."""
    x = _grid(x)
    p = _distribution(x, p)
    mean = float(p @ x)
    return mean, float(np.sqrt(p @ (x - mean) ** 2))


def _objective(x: np.ndarray, log_p: np.ndarray, alpha: float):
    r"""The value and gradient in (m, log s) of KL(q‖p) (α = 0) or −log Σ p^α q^{1−α} / (α(1−α)).

    With u = −(x − m)²/(2s²): ∂ log q/∂θ = ∂u/∂θ − E_q[∂u/∂θ], so the gradient is
    E_q[(log q − log p) ∂u/∂θ] − E_q[log q − log p] E_q[∂u/∂θ] at α = 0, and
    −(E_r[∂u/∂θ] − E_q[∂u/∂θ]) / α with r ∝ p^α q^{1−α} otherwise.
    """
    def value_and_gradient(params: np.ndarray) -> tuple[float, np.ndarray]:
        mean, log_sd = params
        scaled = (x - mean) * np.exp(-log_sd)
        du = np.stack([scaled * np.exp(-log_sd), scaled**2])    # ∂u/∂m, ∂u/∂log s
        u = -0.5 * scaled**2
        log_q = u - logsumexp(u)
        q = np.exp(log_q)
        if alpha == 0.0:                                      # KL(q‖p)
            gap = log_q - log_p
            value = float(q @ gap)
            return value, du @ (q * gap) - value * (du @ q)
        # −log Σ p^α q^{1−α} / (α(1−α)): same minimiser as D_α, tends to KL(q‖p) as α → 0
        log_r = alpha * log_p + (1 - alpha) * log_q
        total = logsumexp(log_r)
        r = np.exp(log_r - total)
        return float(-total / (alpha * (1 - alpha))), -(du @ r - du @ q) / alpha
    return value_and_gradient


def gaussian_alpha_projection(x, p, alpha: float) -> tuple[float, float]:
    r"""(mean, sd) of argmin over Gaussians q of D_α(p‖q), p normalised on the grid x.

    α = 1: the moment match. α ∈ [0, 1): numerical minimisation over (m, log s) from the moment
    match and from each local maximum of p, keeping the smallest D_α.
    """
    alpha = _alpha(alpha)
    x = _grid(x)
    p = _distribution(x, p)
    mean, sd = moments(x, p)
    if alpha == 1.0:
        return mean, sd
    log_p = np.log(p)
    peaks = [i for i in range(1, x.size - 1) if p[i] >= p[i - 1] and p[i] > p[i + 1]]
    starts = [(mean, np.log(sd))] + [(x[i], np.log(sd / 3)) for i in peaks]
    objective = _objective(x, log_p, alpha)
    lowest = np.log(x[1] - x[0])                           # keep s above the grid spacing
    bounds = [(x[0], x[-1]), (lowest, np.log(x[-1] - x[0]))]
    best = min((scipy.optimize.minimize(objective, np.array(s), jac=True, method="L-BFGS-B", bounds=bounds,
                                        options={"ftol": 1e-14, "gtol": 1e-10})
                for s in starts), key=lambda res: res.fun)
    return float(best.x[0]), float(np.exp(best.x[1]))
