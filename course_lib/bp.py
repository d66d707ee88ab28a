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
import scipy.sparse
from scipy.sparse import csgraph
from scipy.special import logsumexp

from course_lib.factor_graph import FactorGraph

__all__ = ["BPResult", "belief_propagation", "exact_marginals", "exact_log_partition"]

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
    _plan: _Plan = field(repr=False, compare=False)
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


# ---------------------------------------------------------------------- the plan
class _ZeroMessage(Exception):
    r"""Raised inside the sweeps when a message vanishes: then ``Z(e) = 0``."""


@dataclass
class _Oriented:
    r"""Factors of one oriented shape: log tables with the receiving variable's axis first."""

    tables: np.ndarray       # (G, c_target, c_other1, ...) log f_a, target axis moved first
    targets: np.ndarray      # (G,) edge (a, x) whose message μ_{a→x} this row computes
    others: np.ndarray       # (G, k − 1) edges (a, y), y ∈ N(a)∖x, in axis order
    other_cards: tuple[int, ...]


@dataclass
class _ShapeGroup:
    r"""Factors whose tables share one shape, for beliefs ``b_a`` and the Bethe sum."""

    factors: np.ndarray      # (G,) factor indices
    log_tables: np.ndarray   # (G,) + shape
    edges: np.ndarray        # (G, k) edge of each scope position


@dataclass
class _VariableStep:
    r"""Messages μ_{x→a} for a set of edges, with the data to sum every μ_{b→x} of their x."""

    send: np.ndarray         # edges (a, x) to send along
    variables: np.ndarray    # distinct x of those edges
    incoming: np.ndarray     # every edge of those x, grouped by x
    starts: np.ndarray       # start of each x's group in incoming
    slot: np.ndarray         # for each send edge: its x's position in variables
    own: np.ndarray          # for each send edge: its position in incoming
    local_finite: np.ndarray  # log local(x) of those x, −inf → 0
    local_zero: np.ndarray    # 1 where local(x) = 0


@dataclass
class _Plan:
    r"""Index arrays for one graph + evidence: edges, grouped tables, local evidence."""

    names: tuple[str, ...]
    var_index: dict[str, int]
    card: np.ndarray                  # (n,)
    width: int                        # max card; message arrays are (E, width), −inf padded
    edge_var: np.ndarray              # (E,)
    edge_factor: np.ndarray           # (E,)
    scopes: list[tuple[str, ...]]     # scope of each factor
    factor_start: np.ndarray          # (m + 1,) edges of factor a: factor_start[a] + position
    degree: np.ndarray                # (n,) d_x = |N(x)|
    local_log: np.ndarray             # (n, width): 0 allowed, −inf for padding or ruled out by e
    local_finite: np.ndarray          # local_log with −inf → 0
    local_zero: np.ndarray            # 1 where local_log is −inf (a zero factor), else 0
    oriented: list[_Oriented]
    edge_group: np.ndarray            # (E,) oriented group of the row computing μ_{a→x}, −1 if unary
    edge_row: np.ndarray              # (E,) its row in that group
    shape_groups: list[_ShapeGroup]
    unary_edges: np.ndarray           # edges of one-variable factors: constant messages
    unary_log: np.ndarray             # (len(unary_edges), width) their normalised log tables
    by_var: np.ndarray                # every edge, grouped by variable (CSR order)
    var_ptr: np.ndarray               # (n + 1,) group boundaries in by_var
    position_in_var: np.ndarray       # (E,) position of each edge within its variable's group
    all_variables: _VariableStep | None = None  # every edge: for the beliefs
    inner_variables: _VariableStep | None = None  # edges into factors of ≥ 2 variables: flooding
    all_factor_batches: list = field(default_factory=list)


def _variable_steps(plan: _Plan, send: np.ndarray, level: np.ndarray) -> dict[int, _VariableStep]:
    r"""Variable → factor sends split by ``level``: ``{level: _VariableStep}`` (built at once)."""
    if send.size == 0:
        return {}
    var = plan.edge_var[send]
    order = np.lexsort((var, level))
    send, level, var = send[order], level[order], var[order]
    new_pair = np.ones(len(send), dtype=bool)  # first send of each (level, variable) pair
    new_pair[1:] = (np.diff(level) != 0) | (np.diff(var) != 0)
    pair = np.cumsum(new_pair) - 1
    pair_var, pair_level = var[new_pair], level[new_pair]
    counts = plan.degree[pair_var]
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.intp)
    offsets = np.repeat(plan.var_ptr[pair_var] - starts[:-1], counts)
    incoming = plan.by_var[offsets + np.arange(starts[-1])]  # every edge of each pair's x
    own = starts[pair] + plan.position_in_var[send]
    send_cut = np.flatnonzero(np.diff(level)) + 1
    pair_cut = np.flatnonzero(np.diff(pair_level)) + 1
    steps = {}
    for s0, s1, p0, p1 in zip(np.r_[0, send_cut].tolist(), np.r_[send_cut, len(send)].tolist(),
                              np.r_[0, pair_cut].tolist(),
                              np.r_[pair_cut, len(pair_var)].tolist()):
        i0, i1 = int(starts[p0]), int(starts[p1])
        variables = pair_var[p0:p1]
        steps[int(level[s0])] = _VariableStep(send[s0:s1], variables, incoming[i0:i1],
                                              starts[p0:p1] - i0, pair[s0:s1] - p0,
                                              own[s0:s1] - i0, plan.local_finite[variables],
                                              plan.local_zero[variables])
    return steps


def _factor_steps(plan: _Plan, send: np.ndarray, level: np.ndarray) -> dict[int, list]:
    r"""Factor → variable sends by ``level`` and oriented group: ``{level: [(tables, others, edges)]}``."""
    keep = plan.edge_group[send] >= 0  # one-variable factors send a constant
    send, level = send[keep], level[keep]
    if send.size == 0:
        return {}
    group = plan.edge_group[send]
    order = np.lexsort((group, level))
    send, level, group = send[order], level[order], group[order]
    cuts = np.flatnonzero((np.diff(level) != 0) | (np.diff(group) != 0)) + 1
    firsts = np.r_[0, cuts].astype(np.intp)
    rows = plan.edge_row[send]
    steps: dict[int, list] = {}
    for lev, g, a, b in zip(level[firsts].tolist(), group[firsts].tolist(), firsts.tolist(),
                            np.r_[cuts, len(send)].tolist()):
        oriented = plan.oriented[g]
        steps.setdefault(lev, []).append(  # the tables and sender edges of these rows, gathered
            (oriented.tables[rows[a:b]], oriented.others[rows[a:b]], send[a:b]))
    return steps


def _logsumexp(a: np.ndarray, axis) -> np.ndarray:
    r"""log Σ exp(a) over ``axis`` (kept as size-1 axes), safe for −inf entries.

    Same value as ``scipy.special.logsumexp(a, axis, keepdims=True)``, without its per-call
    overhead (≈ 0.2 ms in scipy 1.17, which would dominate level-by-level sweeps of long
    chains): small arrays use ``np.logaddexp.reduce``, large ones the max shift
    log Σ exp(a) = m + log Σ exp(a − m), m = max a (one exp per entry instead of two).
    """
    if a.size < 4096:
        return np.logaddexp.reduce(a, axis=axis, keepdims=True)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(m == -np.inf, 0.0, m)  # an all-zero slice stays −inf below
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m


def _log_normalise(log_m: np.ndarray) -> np.ndarray:
    r"""``log μ − log Σ μ`` along the last axis; a vanishing message means ``Z(e) = 0``."""
    norm = _logsumexp(log_m, -1)  # log Σ_x μ(x)
    if norm.min() == -np.inf:
        raise _ZeroMessage
    return log_m - norm


def _compile(fg: FactorGraph, evidence: dict[str, int]) -> _Plan:
    names, factors = fg.variables, fg.factors
    var_index = {v: i for i, v in enumerate(names)}
    cardinalities = fg.cardinalities
    card = np.array([cardinalities[v] for v in names], dtype=np.intp)
    width = int(card.max())
    n = len(names)

    # Edge e = (a, x): factor by factor, in scope order.
    scopes = [f.variables for f in factors]
    sizes = np.array([len(scope) for scope in scopes], dtype=np.intp)
    factor_start = np.concatenate(([0], np.cumsum(sizes))).astype(np.intp)
    edge_var = np.array([var_index[v] for scope in scopes for v in scope], dtype=np.intp)
    edge_factor = np.repeat(np.arange(len(scopes)), sizes)
    n_edges = len(edge_var)

    local_log = np.where(np.arange(width) < card[:, None], 0.0, -np.inf)
    for v, value in evidence.items():
        i = var_index[v]
        local_log[i] = -np.inf
        local_log[i, value] = 0.0  # log 1[x_v = e_v]

    # Tables grouped by shape; and per (shape, receiving position): oriented tables.
    by_shape: dict[tuple, list[int]] = {}
    for a, f in enumerate(factors):
        by_shape.setdefault(f.table.shape, []).append(a)
    shape_groups, oriented_parts = [], {}
    unary_edges, unary_log = [], []
    with np.errstate(divide="ignore"):
        for shape, members in by_shape.items():
            members = np.array(members, dtype=np.intp)
            log_tables = np.log(np.stack([factors[a].table for a in members]))
            edges = factor_start[members][:, None] + np.arange(len(shape))
            shape_groups.append(_ShapeGroup(members, log_tables, edges))
            if len(shape) == 1:  # μ_{a→x} = f_a: fixed once and for all
                padded = np.full((len(members), width), -np.inf)
                padded[:, :shape[0]] = log_tables - logsumexp(log_tables, axis=1, keepdims=True)
                unary_edges.append(edges[:, 0])
                unary_log.append(padded)
                continue
            for j in range(len(shape)):
                rest = [k for k in range(len(shape)) if k != j]
                key = (shape[j],) + tuple(shape[k] for k in rest)
                oriented_parts.setdefault(key, []).append(
                    (np.moveaxis(log_tables, j + 1, 1), edges[:, j], edges[:, rest]))
    oriented = []
    edge_group = np.full(n_edges, -1, dtype=np.intp)
    edge_row = np.zeros(n_edges, dtype=np.intp)
    for key, parts in oriented_parts.items():
        targets = np.concatenate([p[1] for p in parts])
        edge_group[targets] = len(oriented)
        edge_row[targets] = np.arange(len(targets))
        oriented.append(_Oriented(np.ascontiguousarray(np.concatenate([p[0] for p in parts])),
                                  targets, np.concatenate([p[2] for p in parts]), key[1:]))

    # Incident edges of each variable, grouped by variable (CSR).
    degree = np.bincount(edge_var, minlength=n)
    by_var = np.argsort(edge_var, kind="stable")
    var_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.intp)
    position_in_var = np.empty(n_edges, dtype=np.intp)
    position_in_var[by_var] = np.arange(n_edges) - var_ptr[edge_var[by_var]]
    plan = _Plan(
        names=names, var_index=var_index, card=card, width=width, edge_var=edge_var,
        edge_factor=edge_factor, scopes=scopes, factor_start=factor_start,
        degree=degree, local_log=local_log,
        local_finite=np.where(np.isneginf(local_log), 0.0, local_log),
        local_zero=np.isneginf(local_log).astype(np.intp), oriented=oriented,
        edge_group=edge_group, edge_row=edge_row, shape_groups=shape_groups,
        unary_edges=np.concatenate(unary_edges) if unary_edges else np.zeros(0, np.intp),
        unary_log=np.concatenate(unary_log) if unary_log else np.zeros((0, width)),
        by_var=by_var, var_ptr=var_ptr, position_in_var=position_in_var,
    )
    everything, zero = np.arange(n_edges), np.zeros(n_edges, dtype=np.intp)
    plan.all_variables = _variable_steps(plan, everything, zero).get(0)
    inner = everything[np.isin(everything, plan.unary_edges, invert=True)]
    plan.inner_variables = _variable_steps(plan, inner, zero[:len(inner)]).get(0)
    plan.all_factor_batches = _factor_steps(plan, everything, zero).get(0, [])
    return plan


# ---------------------------------------------------------------------- the two message kinds
def _send_factor_messages(plan: _Plan, log_vf: np.ndarray, log_fv: np.ndarray,
                          batches: list) -> None:
    r"""log μ_{a→x}(x) = logsumexp_{x_a∖x} [ log f_a(x_a) + Σ_{y∈N(a)∖x} log μ_{y→a}(y) ]."""
    for tables, others, edges in batches:
        s = tables  # log f_a(x_a), receiving axis first
        k = others.shape[1]
        for i, c in enumerate(tables.shape[2:]):
            shape = [len(edges), 1] + [1] * k
            shape[i + 2] = c
            s = s + log_vf[others[:, i], :c].reshape(shape)  # + log μ_{y→a}(y)
        summed = _logsumexp(s, tuple(range(2, 2 + k)))  # Σ_{x_a∖x}
        log_fv[edges, :s.shape[1]] = _log_normalise(summed.reshape(s.shape[:2]))


def _variable_totals(plan: _Plan, log_fv: np.ndarray, step: _VariableStep):
    r"""Σ_{b∈N(x)} log μ_{b→x} + log local(x), split into its finite part and its zero count."""
    m = log_fv[step.incoming]
    zero = m == -np.inf
    finite = np.where(zero, 0.0, m)
    total = np.add.reduceat(finite, step.starts, axis=0) + step.local_finite
    zeros = np.add.reduceat(zero, step.starts, axis=0, dtype=np.intp) + step.local_zero
    return finite, zero, total, zeros


def _send_variable_messages(plan: _Plan, log_fv: np.ndarray, log_vf: np.ndarray,
                            step: _VariableStep | None) -> None:
    r"""log μ_{x→a}(x) = log local(x) + Σ_{b∈N(x)∖a} log μ_{b→x}(x)."""
    if step is None:
        return
    finite, zero, total, zeros = _variable_totals(plan, log_fv, step)
    out = total[step.slot] - finite[step.own]  # leave out b = a, exactly: zeros counted apart
    out = np.where(zeros[step.slot] > zero[step.own], -np.inf, out)
    log_vf[step.send] = _log_normalise(out)


def _variable_log_beliefs(plan: _Plan, log_fv: np.ndarray) -> np.ndarray:
    r"""log b_x(x) = log local(x) + Σ_{a∈N(x)} log μ_{a→x}(x) − log(normaliser)."""
    log_b = plan.local_log.copy()
    step = plan.all_variables
    if step is not None:
        _, _, total, zeros = _variable_totals(plan, log_fv, step)
        log_b[step.variables] = np.where(zeros > 0, -np.inf, total)
    return _log_normalise(log_b)


def _factor_log_beliefs(plan: _Plan, log_vf: np.ndarray, group: _ShapeGroup):
    r"""log b_a(x_a) = log f_a(x_a) + Σ_{y∈N(a)} log μ_{y→a}(y) − log(normaliser)."""
    s = group.log_tables
    k = s.ndim - 1
    for j in range(k):
        shape = [len(group.factors)] + [1] * k
        shape[j + 1] = s.shape[j + 1]
        s = s + log_vf[group.edges[:, j], :s.shape[j + 1]].reshape(shape)
    flat = _log_normalise(s.reshape(len(group.factors), -1))
    return flat.reshape(s.shape)


def _bethe_log_partition(plan: _Plan, log_b_var: np.ndarray, factor_beliefs) -> float:
    r"""−F_Bethe = Σ_a Σ b_a log(f_a / b_a) + Σ_i (d_i − 1) Σ b_i log b_i   (0 log 0 = 0)."""
    total = 0.0
    for group, log_b, b in factor_beliefs:
        inside = b > 0  # there f_a > 0 too
        total += float(np.sum(b[inside] * (group.log_tables[inside] - log_b[inside])))
    b = np.exp(log_b_var)
    neg_entropy = (b * np.where(b > 0, log_b_var, 0.0)).sum(axis=1)  # Σ b_i log b_i
    return total + float(np.dot(plan.degree - 1, neg_entropy))


# ---------------------------------------------------------------------- tree schedule
def _tree_steps(fg: FactorGraph, plan: _Plan) -> list:
    r"""Collect then distribute, level by level, each component rooted at a central variable."""
    n, m = len(plan.names), len(fg.factors)
    n_edges = len(plan.edge_var)
    nodes = n + m + 1  # variables, factors, and a super-root joined to one node per component
    super_root = n + m
    base_rows = np.concatenate([plan.edge_var, plan.edge_factor + n])
    base_cols = np.concatenate([plan.edge_factor + n, plan.edge_var])

    def distances(roots):
        rows = np.concatenate([base_rows, np.full(len(roots), super_root), roots])
        cols = np.concatenate([base_cols, roots, np.full(len(roots), super_root)])
        graph = scipy.sparse.csr_array((np.ones(len(rows)), (rows, cols)), shape=(nodes, nodes))
        dist, pred = csgraph.dijkstra(graph, indices=super_root, unweighted=True,
                                      return_predecessors=True)
        return dist[:-1].astype(np.intp) - 1, pred[:-1]

    graph = scipy.sparse.csr_array((np.ones(2 * n_edges), (base_rows, base_cols)),
                                   shape=(n + m, n + m))
    n_components, labels = csgraph.connected_components(graph, directed=False)
    if n_edges != n + m - n_components:  # a forest has exactly nodes − components edges
        raise ValueError("schedule='tree' needs a tree or forest, but the factor graph has the "
                         f"cycle {_describe_cycle(fg.find_cycle())}; use schedule='flooding'")
    _, starts = np.unique(labels[:n], return_index=True)  # one variable per component

    def farthest(dist):  # the farthest node of each component
        order = np.lexsort((dist, labels))
        last = np.flatnonzero(np.diff(labels[order], append=-1))
        return order[last]

    d1, _ = distances(starts)
    ends = farthest(d1)
    d2, pred2 = distances(ends)
    roots = []
    for v in farthest(d2):  # walk half a diameter back from the far end: a centre
        node = v
        for _ in range(int(d2[v]) // 2):
            node = int(pred2[node])
        if node >= n:  # a factor: root at one of its variables instead
            node = int(plan.edge_var[plan.factor_start[node - n]])
        roots.append(node)
    depth, parent = distances(np.array(roots, dtype=np.intp))

    # Edge (a, x): x below a (x sends up, a sends down) or a below x (a up, x down).
    var_below = parent[plan.edge_var] == plan.edge_factor + n
    child_depth = np.where(var_below, depth[plan.edge_var], depth[plan.edge_factor + n])
    edges = np.arange(n_edges)
    up_var = _variable_steps(plan, edges[var_below], child_depth[var_below])
    up_factor = _factor_steps(plan, edges[~var_below], child_depth[~var_below])
    down_var = _variable_steps(plan, edges[~var_below], child_depth[~var_below])
    down_factor = _factor_steps(plan, edges[var_below], child_depth[var_below])
    top = int(child_depth.max()) if n_edges else 0
    steps = []
    for level in range(top, 0, -1):  # collect: the children at this depth send to their parents
        if level in up_var:
            steps.append(("variable", up_var[level]))
        if level in up_factor:
            steps.append(("factor", up_factor[level]))
    for level in range(1, top + 1):  # distribute: parents send to their children at this depth
        if level in down_var:
            steps.append(("variable", down_var[level]))
        if level in down_factor:
            steps.append(("factor", down_factor[level]))
    return steps


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


def _describe_cycle(cycle: list) -> str:
    words = [repr(u) if isinstance(u, str) else f"factor {u}" for u in cycle]
    return " – ".join(words + words[:1])


def _beliefs_dict(plan: _Plan, log_b: np.ndarray) -> dict[str, np.ndarray]:
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
    plan = _compile(fg, ev)
    steps = _tree_steps(fg, plan) if schedule == "tree" else None
    n_edges = len(plan.edge_var)
    valid = np.arange(plan.width) < plan.card[plan.edge_var][:, None]
    log_fv = np.where(valid, -np.log(plan.card[plan.edge_var])[:, None], -np.inf)  # uniform
    log_vf = np.where(valid, 0.0, -np.inf)
    history, residuals = [], []
    try:
        _send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
        if record_history:
            history.append(_beliefs_dict(plan, _variable_log_beliefs(plan, log_fv)))
        if schedule == "tree":
            log_fv[plan.unary_edges] = plan.unary_log  # leaves first: μ_{a→x} = f_a
            for kind, step in steps:
                if kind == "factor":
                    _send_factor_messages(plan, log_vf, log_fv, step)
                else:
                    _send_variable_messages(plan, log_fv, log_vf, step)
            iterations, converged = 1, True
        else:
            iterations, converged = 0, n_edges == 0
            log_keep = math.log(damping) if damping > 0 else None
            log_fresh = math.log1p(-damping)
            fv = np.exp(log_fv)
            while not converged and iterations < max_iters:
                new_fv = log_fv.copy()
                new_fv[plan.unary_edges] = plan.unary_log  # μ_{a→x} = f_a for one-variable a
                _send_factor_messages(plan, log_vf, new_fv, plan.all_factor_batches)
                if log_keep is not None:  # μ ← (1 − d) μ_computed + d μ_old
                    new_fv = np.logaddexp(log_fresh + new_fv, log_keep + log_fv)
                new_prob = np.exp(new_fv)
                residuals.append(float(np.max(np.abs(new_prob - fv))))
                log_fv, fv = new_fv, new_prob
                # μ_{x→a} for factors of one variable are used only at the end (b_a, Bethe)
                _send_variable_messages(plan, log_fv, log_vf, plan.inner_variables)
                iterations += 1
                converged = residuals[-1] < tol
                if record_history:
                    history.append(_beliefs_dict(plan, _variable_log_beliefs(plan, log_fv)))
            _send_variable_messages(plan, log_fv, log_vf, plan.all_variables)
        log_b_var = _variable_log_beliefs(plan, log_fv)
        factor_beliefs = []
        for group in plan.shape_groups:
            log_b = _factor_log_beliefs(plan, log_vf, group)
            factor_beliefs.append((group, log_b, np.exp(log_b)))
    except _ZeroMessage:
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
        log_partition=_bethe_log_partition(plan, log_b_var, factor_beliefs),
        history=history,
        residuals=residuals,
        schedule=schedule,
        _plan=plan,
        _log_fv=log_fv,
        _log_vf=log_vf,
    )
