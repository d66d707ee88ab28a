r"""Belief propagation (sum–product) on a factor graph ``p(x) ∝ Π_a f_a(x_a)``, in log space.

The messages, for variables x, y and factors a, b (``N(·)`` = neighbours):

    μ_{x→a}(x) = Π_{b∈N(x)∖a} μ_{b→x}(x)                          variable → factor
    μ_{a→x}(x) = Σ_{x_a∖x} f_a(x_a) Π_{y∈N(a)∖x} μ_{y→a}(y)          factor → variable
    b_x(x) ∝ Π_{a∈N(x)} μ_{a→x}(x),    b_a(x_a) ∝ f_a(x_a) Π_{y∈N(a)} μ_{y→a}(y)

Evidence ``e`` multiplies the local indicator ``1[x = e_x]`` into every message leaving an
observed variable. On a tree (forest) the beliefs are the exact marginals ``p(x | e)``.

**Log space.** Every message is kept as a log-vector ``log μ`` normalised so that
``logsumexp(log μ) = 0``; products become sums and ``Σ_{x_a∖x}`` becomes a log-sum-exp, so a
chain of 10^5 variables neither underflows nor overflows. Zeros are ``−inf`` and are handled
exactly (the product over ``N(x)∖a`` counts the zero factors instead of subtracting ``−inf``).

**Damping** mixes messages in the *probability* domain, the message being normalised:
``μ_{a→x} ← (1 − d) μ_computed + d μ_old`` (computed in log space with ``logaddexp``); it is
applied to the factor → variable messages, from which the variable → factor messages follow.

**Bethe estimate** of ``log Z`` from the beliefs (``d_i = |N(x_i)|``; ``0 log 0 = 0``):

    log Z ≈ −F_Bethe = Σ_a Σ_{x_a} b_a(x_a) log( f_a(x_a) / b_a(x_a) ) + Σ_i (d_i − 1) Σ_{x_i} b_i(x_i) log b_i(x_i)

It is exact on a tree, where ``p = Π_a b_a / Π_i b_i^{d_i − 1}``. With evidence it estimates
``log Z(e)`` (the indicators add nothing: ``b_i`` lives where they are 1).

**Schedules.** ``"flooding"``: all messages start uniform; one iteration computes every
factor → variable message from the current variable → factor messages (a one-variable
factor simply sends its table), damps them, then recomputes every variable → factor
message; it stops when no factor → variable message moves by more than ``tol`` (largest
absolute change of the normalised message, recorded in ``residuals``). ``"tree"``: on a forest, root every component at its
centre, pass messages leaves → root (collect) then root → leaves (distribute), level by
level; exact after this one sweep. On a chain this is the forward–backward algorithm.

The enumeration oracles :func:`exact_marginals` and :func:`exact_log_partition` sum the
joint of :meth:`FactorGraph.joint <course_lib.factor_graph.FactorGraph.joint>` (with
``scipy.special.logsumexp``). Inside the message loops the same log-sum-exp is computed by
numpy directly (see ``_logsumexp``): scipy's per-call overhead would dominate on long chains.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from course_lib.bp_messages import (
    Plan,
    ZeroMessage,
    bethe_log_partition,
    compile_plan,
    factor_log_beliefs,
    send_factor_messages,
    send_variable_messages,
    variable_log_beliefs,
)
from course_lib.bp_schedules import chain_messages, chain_order, tree_steps
from course_lib.elimination import EliminationResult, eliminate
from course_lib.factor_graph import FactorGraph
from course_lib.junction_tree import junction_tree_marginals  # noqa: F401  (lesson 13)
from course_lib.max_product import max_product  # noqa: F401  (lesson 12: MAP on a tree)

__all__ = ["BPResult", "belief_propagation", "exact_marginals", "exact_log_partition", "eliminate",
           "EliminationResult"]

SCHEDULES = ("flooding", "tree")


# ---------------------------------------------------------------------- enumeration oracles
def _check_graph(fg) -> FactorGraph:
    if not isinstance(fg, FactorGraph):
        raise TypeError(f"expected a FactorGraph, got {type(fg).__name__}")
    return fg


def exact_marginals(fg: FactorGraph, evidence: Mapping[str, int] | None = None
                    ) -> dict[str, np.ndarray]:
    r"""Marginals ``p(x_v | e)`` of every variable by brute-force enumeration.

        p(x_v | e) = Σ_{x∖x_v} p(x | e)

    An observed variable gets the point mass on its observed value. ``ValueError`` for
    evidence of probability zero or a joint too large to enumerate.
    """
    joint = _check_graph(fg).joint(evidence)
    names = fg.variables
    return {v: joint.sum(axis=tuple(j for j in range(len(names)) if j != i))
            for i, v in enumerate(names)}


def exact_log_partition(fg: FactorGraph, evidence: Mapping[str, int] | None = None) -> float:
    r"""``log Z(e)`` by enumeration: ``log Σ_{x consistent with e} Π_a f_a(x_a)``.

    Without evidence this is ``log Z``. ``ValueError`` when ``Z(e) = 0`` (evidence of
    probability zero) or the joint is too large to enumerate.
    """
    log_z = float(logsumexp(_check_graph(fg).log_joint(evidence)))  # log Σ_x exp(Σ_a log f_a)
    if not np.isfinite(log_z):
        raise ValueError(fg.zero_probability_message(fg.check_evidence(evidence)))
    return log_z


# ---------------------------------------------------------------------- result
@dataclass(frozen=True)
class BPResult:
    r"""What :func:`belief_propagation` returns.

    - ``marginals``: ``{variable: b_x}``, normalised beliefs (exact marginals on a tree);
    - ``factor_marginals``: list of factor beliefs ``b_a(x_a)``, one per factor, axes as its table;
    - ``iterations``: flooding iterations run (1 for the tree schedule);
    - ``converged``: whether the largest message change fell below ``tol``;
    - ``log_partition``: the Bethe estimate of ``log Z(e)`` (exact on a tree);
    - ``history``: ``history[t]`` = ``{variable: belief}`` after ``t`` iterations (``t = 0``:
      from the initial uniform messages); empty if ``record_history=False``;
    - ``residuals``: ``residuals[t − 1]`` = max over messages of ``|μ_new − μ_old|`` at iteration t.

    :meth:`message` reads a final message.
    """

    marginals: dict[str, np.ndarray]
    factor_marginals: list[np.ndarray]
    iterations: int
    converged: bool
    log_partition: float
    history: list[dict[str, np.ndarray]]
    residuals: list[float]
    schedule: str
    _plan: Plan = field(repr=False, compare=False)
    _log_fv: np.ndarray = field(repr=False, compare=False)
    _log_vf: np.ndarray = field(repr=False, compare=False)

    def message(self, source, target) -> np.ndarray:
        r"""The final normalised message: ``message(a, x) = μ_{a→x}``, ``message(x, a) = μ_{x→a}``.

        ``a`` is a factor index, ``x`` a variable name.
        """
        plan = self._plan
        if isinstance(source, str):
            variable, factor, table = source, target, self._log_vf
        else:
            variable, factor, table = target, source, self._log_fv
        ok = (isinstance(factor, numbers.Integral) and not isinstance(factor, bool)
              and 0 <= factor < len(plan.scopes) and variable in plan.scopes[factor])
        if not ok:
            raise ValueError(f"no edge between {source!r} and {target!r}: pass (factor index, "
                             "variable name) or (variable name, factor index) of a factor and a "
                             "variable in its scope")
        edge = plan.factor_start[factor] + plan.scopes[factor].index(variable)
        return np.exp(table[edge, :plan.card[plan.var_index[variable]]])


def _check_options(max_iters, damping, tol, schedule):
    if isinstance(max_iters, bool) or not isinstance(max_iters, numbers.Integral) \
            or max_iters < 1:
        raise ValueError(f"max_iters must be a positive integer, got {max_iters!r}")
    if isinstance(damping, bool) or not isinstance(damping, numbers.Real) \
            or not 0.0 <= damping < 1.0:
        raise ValueError(f"damping (the weight of the old message) must be in [0, 1), got "
                         f"{damping!r}")
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol > 0 \
            or not math.isfinite(tol):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if schedule == "tree" and damping != 0:
        raise ValueError(f"schedule='tree' is one exact sweep and does not damp; got "
                         f"damping={damping!r} (use 0, or schedule='flooding')")


def _beliefs_dict(plan: Plan, log_b: np.ndarray) -> dict[str, np.ndarray]:
    b = np.exp(log_b)
    if np.all(plan.card == plan.width):
        return dict(zip(plan.names, b))
    return {v: b[i, :c] for i, (v, c) in enumerate(zip(plan.names, plan.card))}


def belief_propagation(fg: FactorGraph, evidence: Mapping[str, int] | None = None,
                       max_iters: int = 200, damping: float = 0.0, tol: float = 1e-10,
                       schedule: str = "flooding", record_history: bool = True) -> BPResult:
    r"""Sum–product belief propagation in log space; exact marginals and ``log Z`` on a tree.

        μ_{a→x}(x) = Σ_{x_a∖x} f_a(x_a) Π_{y∈N(a)∖x} μ_{y→a}(y),    μ_{x→a}(x) = Π_{b∈N(x)∖a} μ_{b→x}(x)

    ``damping`` d ∈ [0, 1) is the weight of the old message, in the probability domain:
    ``μ_{a→x} ← (1 − d) μ_computed + d μ_old`` (flooding only). ``schedule="flooding"``
    updates every message in parallel until the largest change is below ``tol`` (at most
    ``max_iters`` iterations); ``"tree"`` is one collect–distribute sweep and needs a forest
    (``ValueError`` naming a cycle otherwise). If flooding does not converge the result has
    ``converged=False`` and a ``RuntimeWarning`` is issued. ``ValueError`` for evidence of
    probability zero. See :class:`BPResult` for the fields.
    """
    fg = _check_graph(fg)
    ev = fg.check_evidence(evidence)
    _check_options(max_iters, damping, tol, schedule)
    plan = compile_plan(fg, ev)
    chain = chain_order(plan) if schedule == "tree" else None
    steps = tree_steps(fg, plan) if schedule == "tree" and chain is None else None
    n_edges = len(plan.edge_var)
    valid = np.arange(plan.width) < plan.card[plan.edge_var][:, None]
    log_fv = np.where(valid, -np.log(plan.card[plan.edge_var])[:, None], -np.inf)  # uniform
    log_vf = np.where(valid, 0.0, -np.inf)
    history, residuals = [], []
    try:
        send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
        if record_history:
            history.append(_beliefs_dict(plan, variable_log_beliefs(plan, log_fv)))
        if chain is not None:  # forward–backward: two substitutions over log-sum-exp blocks
            chain_messages(fg, plan, chain, log_fv)
            send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
            iterations, converged = 1, True
        elif schedule == "tree":
            log_fv[plan.unary_edges] = plan.unary_log  # leaves first: μ_{a→x} = f_a
            for kind, step in steps:
                if kind == "factor":
                    send_factor_messages(plan, log_vf, log_fv, step)
                else:
                    send_variable_messages(plan, log_fv, log_vf, step)
            iterations, converged = 1, True
        else:
            iterations, converged = 0, n_edges == 0
            log_keep = math.log(damping) if damping > 0 else None
            log_fresh = math.log1p(-damping)
            fv = np.exp(log_fv)
            while not converged and iterations < max_iters:
                new_fv = log_fv.copy()
                new_fv[plan.unary_edges] = plan.unary_log  # μ_{a→x} = f_a for one-variable a
                send_factor_messages(plan, log_vf, new_fv, plan.all_factor_batches)
                if log_keep is not None:  # μ ← (1 − d) μ_computed + d μ_old
                    new_fv = np.logaddexp(log_fresh + new_fv, log_keep + log_fv)
                new_prob = np.exp(new_fv)
                residuals.append(float(np.max(np.abs(new_prob - fv))))
                log_fv, fv = new_fv, new_prob
                # μ_{x→a} for factors of one variable are used only at the end (b_a, Bethe)
                send_variable_messages(plan, log_fv, log_vf, plan.inner_variables)
                iterations += 1
                converged = residuals[-1] < tol
                if record_history:
                    history.append(_beliefs_dict(plan, variable_log_beliefs(plan, log_fv)))
            send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
        log_b_var = variable_log_beliefs(plan, log_fv)
        factor_beliefs = []
        for group in plan.shape_groups:
            log_b = factor_log_beliefs(plan, log_vf, group)
            factor_beliefs.append((group, log_b, np.exp(log_b)))
    except ZeroMessage:
        raise ValueError(fg.zero_probability_message(ev)) from None
    if schedule == "tree" and record_history:
        history.append(_beliefs_dict(plan, log_b_var))
    if not converged:
        warnings.warn(f"belief propagation did not converge in {max_iters} iterations (last "
                      f"message change {residuals[-1]:.3g} > tol={tol:g}); the beliefs are not "
                      "a fixed point; try damping > 0 or more iterations", RuntimeWarning,
                      stacklevel=2)
    factor_marginals: list = [None] * len(fg.factors)
    for group, _, b in factor_beliefs:
        for row, a in enumerate(group.factors.tolist()):
            factor_marginals[a] = b[row]
    return BPResult(
        marginals=_beliefs_dict(plan, log_b_var),
        factor_marginals=factor_marginals,
        iterations=iterations,
        converged=bool(converged),
        log_partition=bethe_log_partition(plan, log_b_var, factor_beliefs),
        history=history,
        residuals=residuals,
        schedule=schedule,
        _plan=plan,
        _log_fv=log_fv,
        _log_vf=log_vf,
    )

