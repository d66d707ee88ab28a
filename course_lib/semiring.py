r"""The one back substitution over other semirings: shortest and longest paths, Viterbi.

A semiring replaces + and × by two operations ⊕ and ⊗ that keep the laws back substitution
uses (⊕ associative and commutative with identity 0̄, ⊗ associative with identity 1̄ and
distributing over ⊕, 0̄ ⊗ a = 0̄). It needs no subtraction and no division, so over a semiring
the triangular system is written x = b ⊕ (N ⊗ x), N strictly upper triangular (a DAG: row i
reads the x_j with N_ij ≠ 0̄, j > i), and the bottom row first,

    x_i = b_i ⊕ ⊕_{j>i} N_ij ⊗ x_j,        i = n−1, …, 0,

is :func:`course_lib.substitution.substitute`, the same loop as backprop's (I − Jᵀ) λ = v.

| name          | ⊕         | ⊗ | 0̄   | 1̄ | x_i is                                                  |
|---------------|-----------|---|------|----|---------------------------------------------------------|
| "sum-product" | +         | × | 0    | 1  | Σ over paths i → … of the product of weights: (I − N)⁻¹ b |
| "max-product" | max       | × | 0    | 1  | the most probable path (weights in [0, ∞))              |
| "max-plus"    | max       | + | −∞   | 0  | the longest (critical) path                             |
| "min-plus"    | min       | + | +∞   | 0  | the shortest path                                       |
| "log-sum-exp" | logaddexp | + | −∞   | 0  | log of sum-product on e^N, e^b, without underflow       |

(x_i ranges over the paths i = k_0 → k_1 → … → k_m of the DAG, each weighing
N_{k_0 k_1} ⊗ … ⊗ N_{k_{m−1} k_m} ⊗ b_{k_m}.) :func:`viterbi` is the max-plus case on a chain
whose elements are S×S blocks.
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse

from course_lib import substitution
from course_lib.semiring_systems import Block, BlockRows, DenseRows, LevelRows

__all__ = ["Semiring", "SEMIRINGS", "get", "Block", "closure_solve", "viterbi"]

PROBABILITY_TOLERANCE = 1e-8


@dataclass(frozen=True)
class Semiring:
    r"""⊕ (``plus``), ⊗ (``times``) as numpy ufuncs, their identities 0̄ (``zero``) and 1̄ (``one``).

    A Semiring is also an *algebra* for :class:`course_lib.substitution.PlainSystem`:
    ``eliminate(r, m, x) = r ⊕ m ⊗ x`` and ``pivot(d, r) = r`` (N_ii = 0̄, whose closure
    0̄* = 1̄ ⊕ 0̄ ⊕ … is 1̄).
    """

    name: str
    plus: np.ufunc  # ⊕ on arrays
    times: np.ufunc  # ⊗ on arrays
    zero: float
    one: float
    forbidden: float | None  # the infinity that is no element of the semiring (nan never is)
    add: Any  # ⊕ on two Python floats (a float back: no numpy scalar)
    mul: Any  # ⊗ on two Python floats
    embed: Any  # how a probability p enters as a Python float: p itself, log p or −log p

    def is_zero(self, m: Any) -> bool:
        return not isinstance(m, Block) and bool(m == self.zero)

    def product(self, m: Any, x: Any) -> Any:
        return m.apply(x) if isinstance(m, Block) else self.times(m, x)  # N_ij ⊗ x_j

    def eliminate(self, r: Any, m: Any, x: Any) -> Any:
        return self.plus(r, self.product(m, x))  # r ⊕ N_ij ⊗ x_j

    def pivot(self, d: Any, r: Any) -> Any:
        return r

    def __repr__(self) -> str:
        return f"Semiring({self.name!r})"


def _log(p: Any) -> Any:
    with np.errstate(divide="ignore"):
        return np.log(p)


def _scalar_log(p: float) -> float:
    return math.log(p) if p > 0 else -math.inf


def _scalar_logaddexp(a: float, b: float) -> float:
    r"""log(e^a + e^b) without overflow or underflow."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


SEMIRINGS = {
    "sum-product": Semiring("sum-product", np.add, np.multiply, 0.0, 1.0, None,
                            operator.add, operator.mul, float),
    "max-product": Semiring("max-product", np.maximum, np.multiply, 0.0, 1.0, None,
                            max, operator.mul, float),
    "max-plus": Semiring("max-plus", np.maximum, np.add, -math.inf, 0.0, math.inf,
                         max, operator.add, _scalar_log),
    "min-plus": Semiring("min-plus", np.minimum, np.add, math.inf, 0.0, -math.inf,
                         min, operator.add, lambda p: -_scalar_log(p)),
    "log-sum-exp": Semiring("log-sum-exp", np.logaddexp, np.add, -math.inf, 0.0, math.inf,
                            _scalar_logaddexp, operator.add, _scalar_log),
}


def get(name: Any) -> Semiring:
    r"""The semiring called ``name`` (one of :data:`SEMIRINGS`), or a clear error."""
    if isinstance(name, Semiring):
        return name
    if not isinstance(name, str):
        raise TypeError(f"semiring must be a name (a string), got {name!r}; "
                        f"one of {', '.join(SEMIRINGS)}")
    if name not in SEMIRINGS:
        raise ValueError(f"unknown semiring {name!r}; expected one of {', '.join(SEMIRINGS)}")
    return SEMIRINGS[name]


# ---------------------------------------------------------------------- closure_solve
def _check_values(values: np.ndarray, ring: Semiring, what: str) -> None:
    r"""No nan, not the semiring's forbidden infinity, finite and ≥ 0 where ⊗ is ×."""
    bad = np.isnan(values)
    if ring.forbidden is not None:
        bad |= values == ring.forbidden
    elif ring.name in ("sum-product", "max-product"):
        bad |= ~np.isfinite(values)
    if ring.name == "max-product":
        bad |= values < 0
    if bad.any():
        k = int(np.argmax(bad))
        allowed = {"sum-product": "finite numbers", "max-product": "finite numbers ≥ 0",
                   "max-plus": "numbers or −inf", "min-plus": "numbers or +inf",
                   "log-sum-exp": "numbers or −inf"}[ring.name]
        raise ValueError(f"{what} holds {float(values.flat[k])!r}: the {ring.name} semiring takes {allowed}")


def _numeric(a: Any, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{what} must be a real numeric array, got dtype {arr.dtype}")
    return arr.astype(float)


def _csr_edges(N: Any, data: np.ndarray, rows: np.ndarray, ring: Semiring
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""(indptr, indices, data) of the edges of a CSR N: a stored zero of the semiring is none."""
    edge = data != ring.zero
    if edge.all():
        return N.indptr, N.indices, data
    counts = np.bincount(rows[edge], minlength=N.shape[0])
    return np.concatenate(([0], np.cumsum(counts))), N.indices[edge], data[edge]


def closure_solve(N: Any, b: Any, semiring: str) -> np.ndarray:
    r"""x with x = b ⊕ (N ⊗ x), N square and strictly upper triangular, by back substitution:

        x_i = b_i ⊕ ⊕_{j>i} N_ij ⊗ x_j,    i = n−1, …, 0.

    ``semiring``: "sum-product" (x = (I − N)⁻¹ b), "max-product", "max-plus", "min-plus" or
    "log-sum-exp". ``N``: a 2-D float array, where an entry equal to the semiring's zero (0, 0,
    −inf, +inf, −inf) means "no edge" and every entry on or below the diagonal must be that
    zero (in max-plus a 0.0 there is an edge, and is refused); or a scipy.sparse matrix, whose
    stored entries are the edges (an unstored entry is no edge). ``b``: shape (n,). Returns x,
    a float array of shape (n,). Dense N runs one vectorised row at a time; sparse N a level of
    the DAG at a time (:class:`~course_lib.semiring_systems.LevelRows`).
    """
    ring = get(semiring)
    sparse = scipy.sparse.issparse(N)
    if sparse:
        if N.ndim != 2 or N.shape[0] != N.shape[1]:
            raise ValueError(f"N must be square, got shape {N.shape}")
        N = scipy.sparse.csr_array(N)
        data = _numeric(N.data, "N")
        _check_values(data, ring, "N")
        rows = np.repeat(np.arange(N.shape[0]), np.diff(N.indptr))
        wrong = (rows >= N.indices) & (data != ring.zero)
        if wrong.any():
            k = int(np.argmax(wrong))
            raise ValueError(f"N is not strictly upper triangular: N[{rows[k]}, {N.indices[k]}] = "
                             f"{float(data[k])!r} is an edge on or below the diagonal (entries there "
                             f"must be the {ring.name} zero {ring.zero})")
    else:
        N = _numeric(N, "N")
        if N.ndim != 2 or N.shape[0] != N.shape[1]:
            raise ValueError(f"N must be a square matrix, got shape {N.shape}")
        _check_values(N, ring, "N")
        lower = np.tril(np.ones(N.shape, dtype=bool)) & (N != ring.zero)
        if lower.any():
            i, j = (int(k) for k in np.argwhere(lower)[0])
            hint = (" (in max-plus 0.0 is an edge of weight 0; write -inf for no edge)"
                    if ring.name == "max-plus" and N[i, j] == 0 else "")
            raise ValueError(f"N is not strictly upper triangular: N[{i}, {j}] = {float(N[i, j])!r} on "
                             f"or below the diagonal is not the {ring.name} zero "
                             f"{ring.zero}{hint}")
    n = N.shape[0]
    b = _numeric(b, "b")
    if b.shape != (n,):
        raise ValueError(f"b must have shape ({n},) to match N of shape {N.shape}, got {b.shape}")
    _check_values(b, ring, "b")
    if sparse:
        indptr, indices, data = _csr_edges(N, data, rows, ring)
        system = LevelRows(indptr, indices, data, b, ring)
        batches = system.batches()
    else:
        system = DenseRows(N, b, ring)
        batches = range(n - 1, -1, -1)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in substitution.substitute(system, batches):
            pass
    x = system.result()
    if np.isnan(x).any() or (ring.name in ("sum-product", "max-product")
                             and not np.isfinite(x).all()):
        k = int(np.argmax(~np.isfinite(x)))
        raise ValueError(f"x[{k}] = {x[k]} overflowed: the path weights exceed the float range")
    return x


# ---------------------------------------------------------------------- Viterbi
def _distribution(p: Any, what: str, shape: tuple | None = None) -> np.ndarray:
    r"""A float array of probabilities: finite, ≥ 0, its last axis summing to 1."""
    arr = _numeric(p, what)
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{what} must have shape {shape}, got {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what} must not be empty, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} must be finite")
    if (arr < 0).any():
        k = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise ValueError(f"{what} must be nonnegative, but {what}{list(k)} = {arr[k]}")
    sums = arr.sum(axis=-1)
    off = np.abs(sums - 1) > PROBABILITY_TOLERANCE
    if np.any(off):
        if arr.ndim == 1:
            raise ValueError(f"{what} must sum to 1, but sums to {float(sums)!r}")
        k = int(np.argmax(off))
        raise ValueError(f"row {k} of {what} must sum to 1, but sums to {sums[k]!r}")
    return arr


def viterbi(initial: Any, transition: Any, emission: Any, observations: Any
            ) -> tuple[list[int], float]:
    r"""The most probable state path of an HMM and its natural-log joint probability.

        p(s, o) = π(s_0) B(s_0, o_0) Π_{t≥1} A(s_{t−1}, s_t) B(s_t, o_t)

    ``initial`` π (S,), ``transition`` A (S, S) and ``emission`` B (S, V) have rows summing to 1;
    ``observations`` are T ≥ 1 symbols in 0 … V−1. In max-plus (log p), the cost-to-go
    V_t(s) = max over s_{t+1}, … of the log probability of the rest given s_t = s solves

        V_t = A ⊗ (e_{t+1} ⊗ V_{t+1}),   V_{T−1} = 0̄̄ = 0,   e_t = log B(·, o_t),

    a back substitution whose elements are S×S blocks (:class:`Block`: one vectorised max-plus
    product per step). Then max_s log π(s) + e_0(s) + V_0(s) is the answer's log probability,
    and the path is read forward: s_0 = argmax of that, s_{t+1} = argmax_s' A(s_t, s') + e_{t+1}(s')
    + V_{t+1}(s'). Ties go to the lowest state. ``ValueError`` if every path has probability 0.
    """
    pi = _distribution(initial, "initial")
    if pi.ndim != 1:
        raise ValueError(f"initial must be a vector of S probabilities, got shape {pi.shape}")
    S = len(pi)
    A = _distribution(transition, "transition", (S, S))
    B = _numeric(emission, "emission")
    if B.ndim != 2 or B.shape[0] != S:
        raise ValueError(f"emission must have shape ({S}, V), one row per state, got {B.shape}")
    B = _distribution(B, "emission")
    obs = _observations(observations, B.shape[1])
    ring = SEMIRINGS["max-plus"]
    log_a = _log(A)
    log_e = np.ascontiguousarray(_log(B.T)[obs])  # log_e[t] = e_t = log B(·, o_t)
    T = len(obs)

    def row(t: int) -> list[tuple[int, Block]]:  # V_t reads V_{t+1} through A ⊗ diag(e_{t+1})
        return [(t + 1, Block(log_a, log_e[t + 1], ring))] if t < T - 1 else []

    b = [None] * (T - 1) + [np.zeros(S)]  # b_{T−1} = 1̄ = 0, every other b_t = 0̄
    system = BlockRows(row, b, ring, x=np.empty((T, S)))
    for _ in substitution.substitute(system, range(T - 1, -1, -1)):
        pass
    ahead = log_e + system.x  # e_t + V_t: the best log probability from step t on
    start = _log(pi) + ahead[0]
    state = int(start.argmax())
    best = float(start[state])
    if best == -math.inf:
        raise ValueError("every state path has probability zero: the observations cannot be "
                         "produced by this HMM")
    path = [state]
    for t in range(1, T):  # read the path forward: the step that achieves V_{t−1}(s_{t−1})
        state = int((log_a[state] + ahead[t]).argmax())
        path.append(state)
    return path, best


def _observations(observations: Any, V: int) -> np.ndarray:
    if isinstance(observations, str | bytes):
        raise TypeError(f"observations must be a sequence of symbol indices, got {observations!r}")
    obs = np.asarray(observations)
    if obs.dtype == bool or (obs.size and not all(
            isinstance(o, numbers.Integral) for o in obs.reshape(-1).tolist())):
        raise TypeError(f"observations must be integer symbol indices, got dtype {obs.dtype}")
    if obs.ndim != 1 or obs.size == 0:
        raise ValueError(f"observations must be a nonempty 1-D sequence, got shape {obs.shape}")
    outside = (obs < 0) | (obs >= V)
    if outside.any():
        k = int(np.argmax(outside))
        raise ValueError(f"observations[{k}] = {obs[k]} is out of range: the emission matrix "
                         f"has {V} symbols, 0 … {V - 1}")
    return obs.astype(np.intp)
