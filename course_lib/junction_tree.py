r"""Junction trees from the elimination cliques: every exact marginal in two passes.

Eliminating the variables v_1, …, v_n in order (:func:`course_lib.elimination.eliminate`) builds,
at step k, a product over the clique C_k = {v_k} ∪ N(v_k), and sums v_k out of it: the message

    ν↑_k(S_k) = Σ_{x_{v_k}} ψ_k(C_k) Π_{c child of k} ν↑_c(S_c),        S_k = N(v_k) = C_k ∖ {v_k}

goes to the clique of the first variable of S_k to be eliminated (its *parent*; S_k lies in that
clique because v_k's neighbours were joined). ψ_k is the product of the factors whose first
eliminated variable is v_k (and of the evidence indicators 1[x_v = e_v] of v = v_k). The
cliques and these parent links form a tree (a forest) with the running-intersection property:
the *junction tree*. The upward pass is variable elimination itself; one downward pass sends

    ν↓_c(S_c) = Σ_{C_k ∖ S_c} ψ_k(C_k) ν↓_k(S_k) Π_{c' child of k, c' ≠ c} ν↑_{c'}(S_{c'})

from each clique k to each child c. Then the clique belief ψ_k ν↓_k Π_c ν↑_c is proportional to the
marginal p(x_{C_k} | e), exactly, loops or not, and p(x_{v_k} | e) sums the other variables out.
The cost is the tables' sizes, Σ_k Π_{u ∈ C_k} card(u): exponential in the induced width
max_k |S_k|.

Computed in log space (products are sums of logs, sums are log-sum-exp), with the tables of
:mod:`course_lib.elimination`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from course_lib.elimination import _aligned, _checked, _cliques, _log_factors
from course_lib.factor_graph import FactorGraph

__all__ = ["JunctionTreeResult", "calibrate", "junction_tree_marginals"]


@dataclass
class JunctionTreeResult:
    r"""What :func:`calibrate` returns.

    - ``marginals``: ``{variable: p(x_v | e)}`` (a point mass for an observed variable);
    - ``cliques``: C_k = (v_k, *N(v_k)) in elimination order, as :func:`eliminate` made them;
    - ``parents``: the index of C_k's parent clique, or None for a root;
    - ``log_partition``: log Z(e);
    - ``operations``: entries of every clique table the two passes build (the cost).
    """

    marginals: dict[str, np.ndarray]
    cliques: list[tuple[str, ...]]
    parents: list[int | None]
    log_partition: float
    operations: int


def _sum_to(scope: tuple[str, ...], table: np.ndarray, keep: tuple[str, ...]) -> np.ndarray:
    r"""log Σ_{scope ∖ keep} exp(table), axes in the order of ``keep``."""
    drop = tuple(a for a, v in enumerate(scope) if v not in keep)
    summed = logsumexp(table, axis=drop) if drop else table
    kept = [v for v in scope if v in keep]
    return np.transpose(summed, [kept.index(v) for v in keep])


def calibrate(fg: FactorGraph, order: Sequence[str],
              evidence: Mapping[str, int] | None = None) -> JunctionTreeResult:
    r"""The junction tree of ``order``'s elimination cliques, calibrated by one upward and one
    downward pass: every marginal ``p(x_v | e)``, exact.

    ``order`` must name every variable once and ``evidence`` must be possible, as for
    :func:`course_lib.elimination.eliminate` (the same checks, which raise naming the culprit,
    and the same cliques); the upward pass is that elimination, so it is not run twice.
    """
    order, ev = _checked(fg, order, evidence)
    position = {v: k for k, v in enumerate(order)}
    cliques, _, _ = _cliques(fg, order)  # the graph side of elimination; the tables come below
    card = fg.cardinalities
    shapes = [tuple(card[u] for u in c) for c in cliques]
    # ψ_k: the factors (and indicators) whose first eliminated variable is v_k
    psi = [np.zeros(s) for s in shapes]
    for scope, log_table in _log_factors(fg, ev):
        k = min(position[u] for u in scope)
        psi[k] = psi[k] + _aligned(scope, log_table, cliques[k])
    parents: list[int | None] = [min((position[u] for u in c[1:]), default=None) for c in cliques]
    children: list[list[int]] = [[] for _ in cliques]
    for k, p in enumerate(parents):
        if p is not None:
            children[p].append(k)
    operations = 0
    up: list[np.ndarray | None] = [None] * len(cliques)  # ν↑_k(S_k)
    for k, clique in enumerate(cliques):  # upward: variable elimination
        belief = psi[k] + sum((_aligned(cliques[c][1:], up[c], clique) for c in children[k]),
                              start=np.zeros(shapes[k]))
        operations += belief.size
        up[k] = logsumexp(belief, axis=0)  # Σ_{x_{v_k}}
    down: list[np.ndarray] = [np.zeros(shapes[k][1:]) for k in range(len(cliques))]  # ν↓_k(S_k)
    log_z = sum(float(up[k]) for k, p in enumerate(parents) if p is None)
    if not math.isfinite(log_z):
        raise ValueError(fg.zero_probability_message(ev))
    marginals: dict[str, np.ndarray] = {}
    for k in reversed(range(len(cliques))):  # downward: roots first
        clique = cliques[k]
        base = psi[k] + _aligned(clique[1:], down[k], clique)
        for c in children[k]:  # everything but child c's own message, summed to S_c
            others = base + sum((_aligned(cliques[o][1:], up[o], clique) for o in children[k]
                                 if o != c), start=np.zeros(shapes[k]))
            operations += others.size
            down[c] = _sum_to(clique, others, cliques[c][1:])
        belief = base + sum((_aligned(cliques[c][1:], up[c], clique) for c in children[k]),
                            start=np.zeros(shapes[k]))
        operations += belief.size
        log_marginal = logsumexp(belief, axis=tuple(range(1, len(clique))))
        marginals[clique[0]] = np.exp(log_marginal - logsumexp(log_marginal))
    return JunctionTreeResult(marginals={v: marginals[v] for v in fg.variables},
                              cliques=list(cliques), parents=parents, log_partition=log_z,
                              operations=operations)


def junction_tree_marginals(fg: FactorGraph, order: Sequence[str],
                            evidence: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    r"""Every exact marginal ``p(x_v | e)`` from the junction tree of ``order``'s elimination
    cliques (see :func:`calibrate`): ``{variable: normalised array}``, as
    :func:`course_lib.bp.exact_marginals` returns them, at a cost exponential in the order's
    induced width instead of in the number of variables."""
    return calibrate(fg, order, evidence).marginals
