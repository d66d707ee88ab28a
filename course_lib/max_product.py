r"""Max-product belief propagation: the most probable configuration (MAP) of a tree.

Sum-product's messages (:mod:`course_lib.bp_messages`) in log space,

    log ν_{a→x}(x) = ⊕_{x_a∖x} [ log f_a(x_a) + Σ_{y∈N(a)∖x} log ν_{y→a}(y) ]
    log ν_{x→a}(x) = log local(x) + Σ_{b∈N(x)∖a} log ν_{b→x}(x)

with ⊕ = log-sum-exp give marginals; with ⊕ = max (the max-plus semiring of lesson 12) they give
*max-marginals*, q_x(x) ∝ max_{x' : x'_x = x} Π_a f_a(x'_a) on a tree. Only the factor → variable
message changes (⊗ is + in both), so the plan, the variable messages, the beliefs and the
collect–distribute schedule of :mod:`course_lib.bp` are reused as they are; messages are kept
normalised (any scale is fine for an argmax).

Decoding (ties make separate argmaxes inconsistent): walk each tree from a variable outwards.
The first variable takes the argmax of its max-marginal; every factor reached from an assigned
variable y takes the argmax of its factor max-marginal q_a(x_a) ∝ f_a(x_a) Π_{y∈N(a)} ν_{y→a}(y)
among the entries with x_y fixed, which assigns the rest of its scope. On a tree the factor
shares only y with what is already assigned, so each choice extends a maximising configuration.
The value returned is log Π_a f_a(x*_a) evaluated at the decoded x*: the largest unnormalised
joint value (consistent with the evidence).

Loopy graphs are refused (``ValueError`` naming a cycle): max-product there is a heuristic
without the guarantee; use :func:`course_lib.bp.eliminate` or enumeration.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np

from course_lib.bp_messages import (
    ZeroMessage,
    compile_plan,
    factor_log_beliefs,
    send_factor_messages,
    send_variable_messages,
    variable_log_beliefs,
)
from course_lib.bp_schedules import describe_cycle, tree_steps
from course_lib.factor_graph import FactorGraph

__all__ = ["max_product"]


def _max_over(s: np.ndarray, axes: tuple) -> np.ndarray:
    r"""⊕ = max over x_a∖x: the max-product factor message."""
    return s.max(axis=axes)


def _max_marginals(fg: FactorGraph, evidence: dict[str, int]):
    r"""The plan, log variable max-marginals and log factor max-marginals, by one tree sweep."""
    plan = compile_plan(fg, evidence)
    valid = np.arange(plan.width) < plan.card[plan.edge_var][:, None]
    log_fv = np.where(valid, -np.log(plan.card[plan.edge_var])[:, None], -np.inf)
    log_vf = np.where(valid, 0.0, -np.inf)
    send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
    log_fv[plan.unary_edges] = plan.unary_log  # leaves first: ν_{a→x} = f_a
    for kind, step in tree_steps(fg, plan):  # collect, then distribute
        if kind == "factor":
            send_factor_messages(plan, log_vf, log_fv, step, reduce=_max_over)
        else:
            send_variable_messages(plan, log_fv, log_vf, step)
    log_b_var = variable_log_beliefs(plan, log_fv)
    log_b_factor: list = [None] * len(fg.factors)
    for group in plan.shape_groups:
        log_b = factor_log_beliefs(plan, log_vf, group)
        for row, a in enumerate(group.factors.tolist()):
            log_b_factor[a] = log_b[row]
    return plan, log_b_var, log_b_factor


def _decode(fg: FactorGraph, plan, log_b_var: np.ndarray, log_b_factor: list) -> dict[str, int]:
    r"""A maximising configuration, tree by tree, consistent at every factor (see the module)."""
    state: dict[str, int] = {}
    done = set()
    for start in fg.variables:
        if start in state:
            continue
        i = plan.var_index[start]
        state[start] = int(np.argmax(log_b_var[i, :plan.card[i]]))
        queue = deque([start])
        while queue:
            y = queue.popleft()
            for a in fg.neighbours(y):
                if a in done:
                    continue
                done.add(a)
                scope = fg.factors[a].variables
                fixed = tuple(state[v] if v in state else slice(None) for v in scope)
                free = [v for v in scope if v not in state]
                block = log_b_factor[a][fixed]  # q_a with the assigned variables fixed
                best = np.unravel_index(int(np.argmax(block)), block.shape)
                for v, value in zip(free, best):
                    state[v] = int(value)
                    queue.append(v)
    return {v: state[v] for v in fg.variables}


def max_product(fg: FactorGraph, evidence: Mapping[str, int] | None = None
                ) -> tuple[dict[str, int], float]:
    r"""The most probable configuration of a tree and the log of its unnormalised value.

        x* = argmax_{x consistent with e} Π_a f_a(x_a),    returns (x*, log Π_a f_a(x*_a))

    by max-product messages (sum-product with ⊕ = max, in log space) on one collect–distribute
    sweep, then a consistent decoding. Observed variables appear at their evidence value. Ties
    go to the lowest state where the walk meets them. ``ValueError`` for a factor graph with a
    cycle (max-product is exact only on trees and forests; this function refuses rather than
    guess), evidence naming an unknown variable or value, and evidence of probability zero;
    ``TypeError`` for something that is not a FactorGraph.
    """
    if not isinstance(fg, FactorGraph):
        raise TypeError(f"expected a FactorGraph, got {type(fg).__name__}")
    ev = fg.check_evidence(evidence)
    cycle = fg.find_cycle()
    if cycle is not None:
        raise ValueError("max_product is exact on trees only and refuses loopy graphs, but the "
                         f"factor graph has the cycle {describe_cycle(cycle)}; use bp.eliminate "
                         "or enumeration")
    try:
        plan, log_b_var, log_b_factor = _max_marginals(fg, ev)
    except ZeroMessage:
        raise ValueError(fg.zero_probability_message(ev)) from None
    x = _decode(fg, plan, log_b_var, log_b_factor)
    with np.errstate(divide="ignore"):
        value = float(sum(np.log(f.table[tuple(x[v] for v in f.variables)]) for f in fg.factors))
    if value == -np.inf or any(x[v] != e for v, e in ev.items()):  # cannot happen on a tree
        raise ValueError(fg.zero_probability_message(ev))
    return x, value
