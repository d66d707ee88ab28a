r"""Sampling and most probable explanations of a sum–product network (top-down passes).

:func:`sample` draws from ``P(x | e)`` by descending from the root: a sum picks a child in
proportion to ``w_c S_c(e)``, a product visits every child, a leaf draws its state.
:func:`mpe` replaces sums by weighted maxima on the way up and follows the maximising child of
every sum on the way down. Both need a complete and decomposable SPN; both work in log space.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from course_lib.rng import as_generator
from course_lib.semiring import SEMIRINGS
from course_lib.spn_network import (
    check_evidence,
    compile_network,
    indicator_values,
    require_valid,
    upward_values,
)
from course_lib.spn_nodes import Categorical, Indicator, Node, Sum

__all__ = ["sample", "mpe"]

_NEG_INF = -math.inf
_LOG, _LOG_MAX = SEMIRINGS["log-sum-exp"], SEMIRINGS["max-plus"]
_log = _LOG.embed  # log p, −inf for 0


def sample(root: Node, n: int, rng: np.random.Generator | int,
           evidence: Mapping[str, int] | None = None, *,
           cardinalities: Mapping[str, int] | None = None) -> np.ndarray:
    r"""``n`` samples of ``P(x | e)`` as an int array of shape ``(n, len(variables(root)))``.

    Top down from the root: a sum picks child ``c`` with probability
    ``∝ w_c S_c(e)`` (``∝ w_c`` without evidence), a product visits all its children, a
    Categorical leaf draws ``v ∝ θ_v λ_{X=v}(e)``, an Indicator sets its state.
    Columns follow :func:`variables` (sorted names); observed columns equal the evidence.
    Needs a complete and decomposable SPN with ``S(e) > 0``. All samples go down
    together: each node receives the indices of the samples that reach it.
    """
    net = compile_network(root, cardinalities)
    require_valid(net, "sample")
    rng = as_generator(rng, allow_none=False)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a nonnegative integer number of samples, got {n!r}")
    ev = check_evidence(net, evidence)
    lam = indicator_values(net, ev, _LOG)
    log_s = upward_values(net, lam, _LOG)  # log S_c(e): robust to underflow
    if log_s[-1] == _NEG_INF:
        raise ValueError(f"the evidence {ev} has probability zero; cannot sample given it")
    column = {var: j for j, var in enumerate(net.variables)}
    out = np.full((int(n), len(net.variables)), -1, dtype=np.int64)
    arriving: list[list[np.ndarray]] = [[] for _ in net.nodes]
    arriving[-1].append(np.arange(int(n)))
    for i in range(len(net.nodes) - 1, -1, -1):
        who = np.concatenate(arriving[i]) if arriving[i] else np.arange(0)
        arriving[i] = []
        if who.size == 0:
            continue  # no sample reaches this node
        node, kids = net.nodes[i], net.children[i]
        if isinstance(node, Indicator):
            out[who, column[node.variable]] = node.value
        elif isinstance(node, Categorical):
            p = np.array(node.probabilities) * np.exp(lam[node.variable])      # θ_v λ_{X=v}(e)
            out[who, column[node.variable]] = rng.choice(len(p), size=who.size, p=p / p.sum())
        elif isinstance(node, Sum):
            logits = np.array([_log(w) + log_s[c] for w, c in zip(node.weights, kids)])
            p = np.exp(logits - logits.max())                                  # ∝ w_c S_c(e)
            pick = rng.choice(len(kids), size=who.size, p=p / p.sum())
            for j, c in enumerate(kids):
                arriving[c].append(who[pick == j])
        else:
            for c in kids:
                arriving[c].append(who)
    return out


def mpe(root: Node, evidence: Mapping[str, int] | None = None, *, log_space: bool = False,
        cardinalities: Mapping[str, int] | None = None) -> tuple[dict[str, int], float]:
    r"""Max-product: ``(x*, M)`` with sums replaced by weighted maxima, then back-tracking.

        M_sum = max_c w_c M_c,   M_prod = Π_c M_c,   M_leaf = max_v θ_v λ_{X=v}(e)

    ``x*`` follows the maximising child of every sum and the maximising state of every
    leaf; it agrees with the evidence. ``M = max_{x ⊨ e} M(x)``, the largest weight of
    a single induced tree, and ``S(x*) ≥ M``. On a *selective* SPN (for every ``x`` at
    most one child of each sum is nonzero) ``M(x) = S(x)``, so ``x*`` is the exact most
    probable explanation and ``M = max_{x ⊨ e} S(x)``; in general it is a lower bound
    and ``x*`` may not be the argmax of ``S``. Computed in log space; ``log_space=True``
    returns ``log M``. Needs a complete and decomposable SPN with ``S(e) > 0``.
    """
    net = compile_network(root, cardinalities)
    require_valid(net, "mpe")
    ev = check_evidence(net, evidence)
    lam = indicator_values(net, ev, _LOG)
    log_m = upward_values(net, lam, _LOG_MAX)
    if log_m[-1] == _NEG_INF:
        raise ValueError(f"the evidence {ev} has probability zero; it has no explanation")
    assignment: dict[str, int] = {}
    stack = [len(net.nodes) - 1]
    while stack:
        i = stack.pop()
        node, kids = net.nodes[i], net.children[i]
        if isinstance(node, Indicator):
            assignment[node.variable] = node.value
        elif isinstance(node, Categorical):
            scores = [_log(t) + log_lam
                      for t, log_lam in zip(node.probabilities, lam[node.variable])]
            assignment[node.variable] = int(np.argmax(scores))                 # argmax θ_v λ_v
        elif isinstance(node, Sum):
            scores = [_log(w) + log_m[c] for w, c in zip(node.weights, kids)]
            stack.append(kids[int(np.argmax(scores))])                         # argmax w_c M_c
        else:
            stack.extend(kids)
    best = log_m[-1]
    return dict(sorted(assignment.items())), best if log_space else math.exp(best)
