r"""Variable elimination: Z by summing variables out one at a time, and what that costs.

    Z = Σ_x Π_a f_a(x_a).

Eliminating variable v multiplies the factors that mention v and sums v out of the product:

    g(x_N) = Σ_{x_v} Π_{a ∋ v} f_a(x_a),      N = the other variables of those factors.

The product's scope {v} ∪ N is a clique of the graph in which v's neighbours have been joined
pairwise; the edges this adds to the moral graph are the *fill-in*, and the largest |N| over the
order is the order's *induced width* (Koller & Friedman, def. 9.8: the largest clique minus one).
The work is exponential in it: the product table has Π_{u ∈ {v} ∪ N} card(u) entries.

This is Gaussian elimination on a sparse symmetric matrix seen from the graph side: eliminating
a variable of a precision matrix Q connects its neighbours (the Schur complement's new nonzeros
are the fill-in), and an elimination order is a pivoting order.

The computation runs in log space (products as sums of logs, sums as log-sum-exp), so large
models do not underflow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from course_lib.factor_graph import FactorGraph

__all__ = ["eliminate", "EliminationResult", "moral_graph", "min_degree_order", "min_fill_order"]


@dataclass
class EliminationResult:
    r"""What :func:`eliminate` returns.

    - ``log_partition``: log Z(e), exact;
    - ``induced_width``: max over the order of |N(v)| when v is eliminated;
    - ``fill_in``: the edges {u, w} the elimination added to the moral graph;
    - ``cliques``: the scope {v} ∪ N(v) of each product, in elimination order (the junction
      tree's clusters);
    - ``largest_table``: the most entries any product table had (the cost).
    """

    log_partition: float
    induced_width: int
    fill_in: set[frozenset[str]] = field(default_factory=set)
    cliques: list[tuple[str, ...]] = field(default_factory=list)
    largest_table: int = 0


def moral_graph(fg: FactorGraph) -> dict[str, set[str]]:
    r"""u — w when some factor mentions both: the graph elimination works on."""
    adjacency: dict[str, set[str]] = {v: set() for v in fg.variables}
    for factor in fg.factors:
        for u in factor.variables:
            adjacency[u].update(w for w in factor.variables if w != u)
    return adjacency


def _check_order(fg: FactorGraph, order) -> list[str]:
    if isinstance(order, str) or not isinstance(order, Sequence):
        raise TypeError(f"order must be a list of variable names, got {order!r}")
    seen: set[str] = set()
    for v in order:
        if v not in fg.cardinalities:
            raise ValueError(f"order names {v!r}, which is not a variable; the variables are "
                             f"{', '.join(fg.variables)}")
        if v in seen:
            raise ValueError(f"order names {v!r} twice; eliminate every variable once")
        seen.add(v)
    missing = [v for v in fg.variables if v not in seen]
    if missing:
        raise ValueError(f"order misses {', '.join(missing)}; eliminate every variable once")
    return list(order)


def _aligned(scope: tuple[str, ...], table: np.ndarray, target: tuple[str, ...]) -> np.ndarray:
    r"""``table`` (axes in ``scope``) broadcast to the axes of ``target``."""
    perm = sorted(range(len(scope)), key=lambda a: target.index(scope[a]))
    t = np.transpose(table, perm)
    shape = [1] * len(target)
    for a in perm:
        shape[target.index(scope[a])] = table.shape[a]
    return t.reshape(shape)


def _checked(fg: FactorGraph, order, evidence) -> tuple[list[str], dict[str, int]]:
    r"""The order and the evidence, checked (raises naming the culprit)."""
    if not isinstance(fg, FactorGraph):
        raise TypeError(f"expected a FactorGraph, got {type(fg).__name__}")
    return _check_order(fg, order), fg.check_evidence(evidence)


def _log_factors(fg: FactorGraph,
                 ev: Mapping[str, int]) -> list[tuple[tuple[str, ...], np.ndarray]]:
    r"""(scope, log table) of each factor, and log 1[x_v = e_v] for each observed v."""
    with np.errstate(divide="ignore"):
        factors = [(f.variables, np.log(f.table)) for f in fg.factors]
    for v, value in ev.items():
        indicator = np.full(fg.cardinalities[v], -np.inf)
        indicator[value] = 0.0
        factors.append(((v,), indicator))
    return factors


def _cliques(fg: FactorGraph, order: list[str]) -> tuple[list[tuple[str, ...]],
                                                          set[frozenset[str]], int]:
    r"""The graph side of eliminating ``order``: each step's clique (v, *N(v)), the fill-in edges
    (v's neighbours joined pairwise) and the induced width max |N(v)|."""
    adjacency = moral_graph(fg)
    cliques, fill_in, width = [], set(), 0
    for v in order:
        neighbours = sorted(adjacency[v], key=fg.variables.index)
        for i, u in enumerate(neighbours):  # join v's neighbours pairwise: the fill-in
            for w in neighbours[i + 1:]:
                if w not in adjacency[u]:
                    adjacency[u].add(w)
                    adjacency[w].add(u)
                    fill_in.add(frozenset((u, w)))
        for u in neighbours:
            adjacency[u].discard(v)
        del adjacency[v]
        width = max(width, len(neighbours))
        cliques.append((v, *neighbours))
    return cliques, fill_in, width


def eliminate(fg: FactorGraph, order: Sequence[str],
              evidence: Mapping[str, int] | None = None) -> EliminationResult:
    r"""Sum out the variables in ``order`` (each once): log Z(e), induced width and fill-in.

    Evidence enters as indicator factors 1[x_v = e_v], so the graph (and the width) is the
    model's whatever is observed.
    """
    order, ev = _checked(fg, order, evidence)
    factors = _log_factors(fg, ev)
    cliques, fill_in, width = _cliques(fg, order)
    result = EliminationResult(log_partition=0.0, induced_width=width, fill_in=fill_in,
                               cliques=cliques)
    constant = 0.0  # factors whose scope is empty, already summed
    for v, scope in zip(order, cliques):
        touching = [f for f in factors if v in f[0]]
        factors = [f for f in factors if v not in f[0]]
        if not touching:  # v appears in no factor: Σ_{x_v} 1 = card(v)
            constant += float(np.log(fg.cardinalities[v]))
            continue
        product_scope = tuple(u for u in scope if any(u in s for s, _ in touching))
        product = sum(_aligned(s, t, product_scope) for s, t in touching)  # log Π f_a
        product = np.broadcast_to(product, [fg.cardinalities[u] for u in product_scope])
        result.largest_table = max(result.largest_table, product.size)
        summed = logsumexp(product, axis=0)  # log Σ_{x_v}
        rest = product_scope[1:]
        if rest:
            factors.append((rest, summed))
        else:
            constant += float(summed)
    log_z = constant + sum(float(t) for s, t in factors if not s)
    if log_z == -np.inf:
        raise ValueError(fg.zero_probability_message(ev))
    result.log_partition = log_z
    return result


def _greedy_order(fg: FactorGraph, score) -> list[str]:
    adjacency = moral_graph(fg)
    order = []
    while adjacency:
        v = min(adjacency, key=lambda u: (score(adjacency, u), fg.variables.index(u)))
        neighbours = list(adjacency[v])
        for i, u in enumerate(neighbours):
            adjacency[u].discard(v)
            for w in neighbours[i + 1:]:
                adjacency[u].add(w)
                adjacency[w].add(u)
        del adjacency[v]
        order.append(v)
    return order


def min_degree_order(fg: FactorGraph) -> list[str]:
    r"""Greedy: eliminate next the variable with the fewest current neighbours (ties: first)."""
    return _greedy_order(fg, lambda adj, u: len(adj[u]))


def min_fill_order(fg: FactorGraph) -> list[str]:
    r"""Greedy: eliminate next the variable whose elimination adds the fewest fill-in edges."""

    def fill(adj, u):
        ns = list(adj[u])
        return sum(1 for i, a in enumerate(ns) for b in ns[i + 1:] if b not in adj[a])

    return _greedy_order(fg, fill)
