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
    factor_steps,
    send_factor_messages,
    send_variable_messages,
    split_batches,
    uniform_messages,
    variable_log_beliefs,
    variable_steps,
)
from course_lib.bp_schedules import chain_messages, chain_order, tree_steps
from course_lib.elimination import EliminationResult, eliminate
from course_lib.factor_graph import FactorGraph
from course_lib.junction_tree import junction_tree_marginals  # noqa: F401  (lesson 13)
from course_lib.max_product import max_product  # noqa: F401  (lesson 12: MAP on a tree)

__all__ = ["BPResult", "belief_propagation", "flood", "exact_marginals", "exact_log_partition", "eliminate",
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
    damping: float = field(repr=False)
    tol: float = field(repr=False)
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


def flood(plan: Plan, log_fv: np.ndarray, log_vf: np.ndarray, max_iters: int, damping: float,
          tol: float, copies: int = 1, residuals: list | None = None, history: list | None = None,
          iterations: int = 0, idle: np.ndarray | None = None
          ) -> tuple[np.ndarray, int, np.ndarray]:
    r"""Flooding iterations from the messages given, until converged or ``max_iters`` in all.

    One iteration: every μ_{a→x} from the current μ_{x→a} (damped), then every μ_{x→a}.
    ``log_vf`` is updated in place; returns ``(log_fv, iterations, converged)``, ``converged``
    one flag per copy. ``residuals``/``history`` (lists) receive the largest message change
    and the beliefs of each iteration; ``iterations`` counts the ones already run.

    ``copies``: the plan may be that many disjoint copies of one graph laid out one after the
    other (copy c owns the c-th of ``copies`` equal runs of edges), e.g. one decoder graph per
    received word. Each copy then stops on its own, when its own largest change is below
    ``tol``, and keeps its messages from then on: each copy ends with exactly the messages a
    run on it alone ends with (its numbers never meet another copy's). ``idle``: a flag per
    copy, True for copies not to run at all (placeholders filling a batch).
    """
    n_edges = len(plan.edge_var)
    if n_edges % copies:
        raise ValueError(f"{n_edges} edges do not split into {copies} equal copies")
    log_keep = math.log(damping) if damping > 0 else None
    log_fresh = math.log1p(-damping)
    fv = np.exp(log_fv)
    done = np.full(copies, n_edges == 0) if idle is None else np.array(idle, dtype=bool)
    rows = [len(edges) // copies for _, _, edges in plan.all_factor_batches]
    factor_batches = split_batches(plan.all_factor_batches, rows) if copies > 1 \
        else plan.all_factor_batches
    variable_step, computed = plan.inner_variables, copies
    while not done.all() and iterations < max_iters:
        if 2 * int((~done).sum()) <= computed:  # send along the unconverged copies' edges only
            batches, variable_step = _restricted_sends(plan, np.repeat(~done, n_edges // copies))
            factor_batches, computed = split_batches(batches, rows), int((~done).sum())
        new_fv = log_fv.copy()
        new_fv[plan.unary_edges] = plan.unary_log  # μ_{a→x} = f_a for one-variable a
        send_factor_messages(plan, log_vf, new_fv, factor_batches)
        if log_keep is not None:  # μ ← (1 − d) μ_computed + d μ_old
            new_fv = np.logaddexp(log_fresh + new_fv, log_keep + log_fv)
        new_prob = np.exp(new_fv)
        change = np.abs(new_prob - fv).reshape(copies, -1).max(axis=1)
        if done.any():  # converged copies keep their messages
            frozen = np.repeat(done, n_edges // copies)
            new_fv[frozen], new_prob[frozen], change[done] = log_fv[frozen], fv[frozen], 0.0
        if residuals is not None:
            residuals.append(float(change.max()))
        log_fv, fv = new_fv, new_prob
        # μ_{x→a} for factors of one variable are used only at the end (b_a, Bethe)
        send_variable_messages(plan, log_fv, log_vf, variable_step)
        iterations += 1
        done |= change < tol
        if history is not None:
            history.append(_beliefs_dict(plan, variable_log_beliefs(plan, log_fv)))
    return log_fv, iterations, done


def _restricted_sends(plan: Plan, on: np.ndarray) -> tuple[list, object]:
    r"""The flooding sends (factor batches, variable step) along the edges where ``on`` holds."""
    edges = np.flatnonzero(on)
    inner = plan.inner_variables.send if plan.inner_variables is not None else edges[:0]
    inner = inner[on[inner]]
    return (factor_steps(plan, edges, np.zeros(len(edges), np.intp)).get(0, []),
            variable_steps(plan, inner, np.zeros(len(inner), np.intp)).get(0))


def _check_resume(resume, plan: Plan, max_iters, damping, tol, schedule) -> None:
    r"""A run to resume: unconverged flooding on the same graph and evidence, fewer iterations."""
    if not isinstance(resume, BPResult):
        raise TypeError(f"resume must be a BPResult, got {type(resume).__name__}")
    old = resume._plan
    same = (old.names == plan.names and old.scopes == plan.scopes
            and np.array_equal(old.local_log, plan.local_log)
            and len(old.shape_groups) == len(plan.shape_groups)
            and all(np.array_equal(a.log_tables, b.log_tables)
                    for a, b in zip(old.shape_groups, plan.shape_groups)))
    if not same:
        raise ValueError("resume is a run of another graph or other evidence")
    if schedule != "flooding" or resume.schedule != "flooding" or resume.converged:
        raise ValueError("only an unconverged flooding run can be resumed")
    if resume.iterations > max_iters:
        raise ValueError(f"resume ran {resume.iterations} iterations, more than max_iters="
                         f"{max_iters}")
    if (resume.damping, resume.tol) != (damping, tol):
        raise ValueError(f"resume ran with damping={resume.damping}, tol={resume.tol}; got "
                         f"damping={damping}, tol={tol}")


def belief_propagation(fg: FactorGraph, evidence: Mapping[str, int] | None = None,
                       max_iters: int = 200, damping: float = 0.0, tol: float = 1e-10,
                       schedule: str = "flooding", record_history: bool = True,
                       resume: BPResult | None = None) -> BPResult:
    r"""Sum–product belief propagation in log space; exact marginals and ``log Z`` on a tree.

        μ_{a→x}(x) = Σ_{x_a∖x} f_a(x_a) Π_{y∈N(a)∖x} μ_{y→a}(y),    μ_{x→a}(x) = Π_{b∈N(x)∖a} μ_{b→x}(x)

    ``damping`` d ∈ [0, 1) is the weight of the old message, in the probability domain:
    ``μ_{a→x} ← (1 − d) μ_computed + d μ_old`` (flooding only). ``schedule="flooding"``
    updates every message in parallel until the largest change is below ``tol`` (at most
    ``max_iters`` iterations); ``"tree"`` is one collect–distribute sweep and needs a forest
    (``ValueError`` naming a cycle otherwise). If flooding does not converge the result has
    ``converged=False`` and a ``RuntimeWarning`` is issued. ``ValueError`` for evidence of
    probability zero. See :class:`BPResult` for the fields.

    ``resume``: an unconverged flooding run of the same graph, evidence, damping and tol with
    at most ``max_iters`` iterations; flooding goes on from its messages, so the result is the
    run of ``max_iters`` iterations from the start, without repeating the first ones.
    """
    fg = _check_graph(fg)
    ev = fg.check_evidence(evidence)
    _check_options(max_iters, damping, tol, schedule)
    plan = compile_plan(fg, ev)
    if resume is not None:
        _check_resume(resume, plan, max_iters, damping, tol, schedule)
        if record_history and len(resume.history) != resume.iterations + 1:
            raise ValueError("resume kept no history: run it with record_history=True")
    chain = chain_order(plan) if schedule == "tree" else None
    steps = tree_steps(fg, plan) if schedule == "tree" and chain is None else None
    if resume is not None:
        log_fv, log_vf = resume._log_fv.copy(), resume._log_vf.copy()
        history = list(resume.history) if record_history else []
        residuals = list(resume.residuals)
    else:
        log_fv, log_vf = uniform_messages(plan)
        history, residuals = [], []
    try:
        if resume is None:
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
            start = resume.iterations if resume is not None else 0
            log_fv, iterations, done = flood(
                plan, log_fv, log_vf, max_iters, damping, tol, residuals=residuals,
                history=history if record_history else None, iterations=start)
            converged = bool(done.all())
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
        damping=damping,
        tol=tol,
        _plan=plan,
        _log_fv=log_fv,
        _log_vf=log_vf,
    )

