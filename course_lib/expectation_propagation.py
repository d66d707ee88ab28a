r"""Expectation propagation (EP) on a discrete factor graph, with the fully factorised family.

The target is ``p(x) ∝ Π_a ψ_a(x_a)``. EP approximates each factor by a product of messages,
``ψ_a(x_a) ≈ Π_{i∈a} ν_{a→i}(x_i)``, so the approximation is a product of beliefs

    q(x) = Π_i q_i(x_i),      q_i(x_i) ∝ Π_{a∋i} ν_{a→i}(x_i).

The family of products is an exponential family: features 1[x_i = k], natural parameters
θ_i(k) = log q_i(k), mean parameters μ_i(k) = E_q[1[x_i = k]] = q_i(k). One EP step refines
factor a:

    cavity      q_i^{∖a}(x_i) ∝ q_i(x_i) / ν_{a→i}(x_i)   (= Π_{b∋i, b≠a} ν_{b→i}(x_i))
    tilted      p̂_a(x_a) ∝ ψ_a(x_a) Π_{i∈a} q_i^{∖a}(x_i)
    M-project   q_i^new = argmin_{Π q_i} KL(p̂_a ‖ Π_i q_i)  ⇔  μ_i(q^new) = E_{p̂_a}[1[x_i = k]]
                          (moment matching: the marginals of p̂_a, :func:`kl.m_projection_product`)
    update      ν_{a→i}^new(x_i) ∝ q_i^new(x_i) / q_i^{∖a}(x_i).

Substituting, ν_{a→i}^new(x_i) ∝ Σ_{x_a∖x_i} ψ_a(x_a) Π_{j∈a, j≠i} q_j^{∖a}(x_j): BP's
factor-to-variable message with q_j^{∖a} as the variable-to-factor message ν_{j→a}. So EP with
this family has BP's fixed points (Minka 2001, 2005), and on a tree it returns the exact marginals.
Messages are normalised to sum 1; the factors must be strictly positive (EP divides by them).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from course_lib import kl
from course_lib.factor_graph import FactorGraph

__all__ = ["EPResult", "uniform_messages", "beliefs", "cavity", "tilted", "ep_step",
           "expectation_propagation"]

Messages = dict[tuple[int, str], np.ndarray]


@dataclass(frozen=True)
class EPResult:
    r"""EP's answer: beliefs ``marginals`` {variable: q_i}, the ``messages`` {(a, i): ν_{a→i}},
    the number of sweeps ``iterations`` and whether the messages settled (``converged``)."""

    marginals: dict[str, np.ndarray]
    messages: Messages
    iterations: int
    converged: bool


def _check_graph(fg) -> FactorGraph:
    if not isinstance(fg, FactorGraph):
        raise TypeError(f"fg must be a FactorGraph, got {type(fg).__name__}")
    for a, factor in enumerate(fg.factors):
        if np.any(factor.table <= 0):
            raise ValueError(f"factor {a} over {factor.variables} has a zero entry: EP here divides "
                             "by messages, so every factor must be strictly positive")
    return fg


def uniform_messages(fg: FactorGraph) -> Messages:
    r"""ν_{a→i} = uniform for every edge (a, i): the starting point q_i uniform."""
    fg = _check_graph(fg)
    card = fg.cardinalities
    return {(a, x): np.full(card[x], 1.0 / card[x])
            for a, f in enumerate(fg.factors) for x in f.variables}


def _check_messages(fg: FactorGraph, messages) -> Messages:
    if not isinstance(messages, Mapping):
        raise TypeError(f"messages must be a dict {{(factor, variable): array}}, got "
                        f"{type(messages).__name__}")
    card = fg.cardinalities
    checked = {}
    for a, f in enumerate(fg.factors):
        for x in f.variables:
            if (a, x) not in messages:
                raise ValueError(f"messages has no entry for the edge (factor {a}, {x!r})")
            m = np.asarray(messages[(a, x)], dtype=float)
            if m.shape != (card[x],):
                raise ValueError(f"message ({a}, {x!r}) must have shape ({card[x]},), got {m.shape}")
            if not np.all(np.isfinite(m)) or np.any(m <= 0):
                raise ValueError(f"message ({a}, {x!r}) must be positive and finite, got {m}")
            checked[(a, x)] = m / m.sum()
    return checked


def _check_factor(fg: FactorGraph, a) -> int:
    if isinstance(a, bool) or not isinstance(a, numbers.Integral):
        raise TypeError(f"a must be a factor index (an int), got {a!r}")
    if not 0 <= a < len(fg.factors):
        raise ValueError(f"factor index {a} out of range 0..{len(fg.factors) - 1}")
    return int(a)


def _cavities(fg: FactorGraph, messages: Messages, a: int) -> dict[str, np.ndarray]:
    r"""q_i^{∖a} ∝ q_i / ν_{a→i} for the variables of a, with q_i ∝ Π_{b∋i} ν_{b→i} (normalised)."""
    out = {}
    for x in fg.factors[a].variables:
        log_q = sum(np.log(messages[(b, x)]) for b in fg.neighbours(x))       # log q_i + const
        log_c = log_q - np.log(messages[(a, x)])                            # divide out ν_{a→i}
        c = np.exp(log_c - log_c.max())
        out[x] = c / c.sum()
    return out


def _tilted(fg: FactorGraph, cav: dict[str, np.ndarray], a: int) -> np.ndarray:
    factor = fg.factors[a]
    p_hat = np.array(factor.table, dtype=float)
    for k, x in enumerate(factor.variables):
        shape = [1] * p_hat.ndim
        shape[k] = -1
        p_hat = p_hat * cav[x].reshape(shape)                 # ψ_a(x_a) Π_i q_i^{∖a}(x_i)
    return p_hat / p_hat.sum()


def _step(fg: FactorGraph, messages: Messages, a: int) -> dict[str, np.ndarray]:
    cav = _cavities(fg, messages, a)
    _, q_new = kl.m_projection_product(_tilted(fg, cav, a), return_factors=True)  # moment match
    out = {}
    for x, q_i in zip(fg.factors[a].variables, q_new):
        m = q_i / cav[x]                                      # ν_{a→i} ∝ q_i^new / q_i^{∖a}
        out[x] = m / m.sum()
    return out


def beliefs(fg: FactorGraph, messages) -> dict[str, np.ndarray]:
    r"""q_i ∝ Π_{a∋i} ν_{a→i} for every variable (normalised; uniform where no factor touches i)."""
    fg = _check_graph(fg)
    messages = _check_messages(fg, messages)
    out = {}
    for x, c in fg.cardinalities.items():
        log_q = sum((np.log(messages[(b, x)]) for b in fg.neighbours(x)), np.zeros(c))
        q = np.exp(log_q - log_q.max())
        out[x] = q / q.sum()
    return out


def cavity(fg: FactorGraph, messages, a: int) -> dict[str, np.ndarray]:
    r"""q_i^{∖a} ∝ q_i / ν_{a→i} for each variable i of factor a (normalised)."""
    fg = _check_graph(fg)
    return _cavities(fg, _check_messages(fg, messages), _check_factor(fg, a))


def tilted(fg: FactorGraph, messages, a: int) -> np.ndarray:
    r"""p̂_a(x_a) ∝ ψ_a(x_a) Π_{i∈a} q_i^{∖a}(x_i): the true factor a times the cavity (normalised).

    Axes follow ``fg.factors[a].variables``.
    """
    return _tilted(fg, cavity(fg, messages, a), int(a))


def ep_step(fg: FactorGraph, messages, a: int) -> dict[str, np.ndarray]:
    r"""One EP step on factor a: the new messages {i: ν_{a→i}} for the variables of a.

        q_i^new = p̂_a(x_i)  (the M-projection of the tilted p̂_a onto products: its marginals),
        ν_{a→i}^new ∝ q_i^new / q_i^{∖a},   normalised to sum 1.
    """
    fg = _check_graph(fg)
    return _step(fg, _check_messages(fg, messages), _check_factor(fg, a))


def expectation_propagation(fg: FactorGraph, max_iters: int = 200, damping: float = 0.0,
                            tol: float = 1e-10) -> EPResult:
    r"""EP sweeps: each sweep runs :func:`ep_step` on factors 0, 1, … in turn, in place.

    ``damping`` γ ∈ [0, 1) mixes the natural parameters, log ν ← (1 − γ) log ν^new + γ log ν.
    Stops when no message entry moved more than ``tol`` in a sweep (``converged=True``), or after
    ``max_iters`` sweeps (warns, ``converged=False``; does not raise).
    """
    fg = _check_graph(fg)
    if isinstance(max_iters, bool) or not isinstance(max_iters, numbers.Integral) or max_iters < 1:
        raise ValueError(f"max_iters must be a positive integer, got {max_iters!r}")
    if not isinstance(damping, numbers.Real) or not 0.0 <= damping < 1.0:
        raise ValueError(f"damping must be a number in [0, 1), got {damping!r}")
    if not isinstance(tol, numbers.Real) or not tol > 0:
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    messages = uniform_messages(fg)
    for sweep in range(1, int(max_iters) + 1):
        change = 0.0
        for a in range(len(fg.factors)):
            for x, new in _step(fg, messages, a).items():
                mixed = np.exp((1 - damping) * np.log(new) + damping * np.log(messages[(a, x)]))
                mixed /= mixed.sum()
                change = max(change, float(np.max(np.abs(mixed - messages[(a, x)]))))
                messages[(a, x)] = mixed
        if change <= tol:
            return EPResult(beliefs(fg, messages), messages, sweep, True)
    warnings.warn(f"EP did not converge in {max_iters} sweeps (last change {change:.2e})",
                  RuntimeWarning, stacklevel=2)
    return EPResult(beliefs(fg, messages), messages, int(max_iters), False)
