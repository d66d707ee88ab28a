r"""Belief propagation's messages in log space: the plan of edges and tables, and the two sends.

    log μ_{a→x}(x) = logsumexp_{x_a∖x} [ log f_a(x_a) + Σ_{y∈N(a)∖x} log μ_{y→a}(y) ]
    log μ_{x→a}(x) = log local(x) + Σ_{b∈N(x)∖a} log μ_{b→x}(x)

A :class:`Plan` holds, for one factor graph and evidence, every edge (a, x) as a row of the
message arrays (``log_fv[e]`` = log μ_{a→x}, ``log_vf[e]`` = log μ_{x→a}, padded with −inf to
the widest variable), the factor tables grouped by shape and oriented towards each receiving
variable, and the local evidence. Sends are batched: one numpy pass per group of same-shaped
factors. Every message is normalised (``logsumexp = 0``); a vanishing one raises
:class:`ZeroMessage` (then Z(e) = 0). :mod:`course_lib.bp` runs the schedules on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.special import logsumexp

from course_lib.factor_graph import FactorGraph


class ZeroMessage(Exception):
    r"""Raised inside the sweeps when a message vanishes: then ``Z(e) = 0``."""


@dataclass
class Oriented:
    r"""Factors of one oriented shape: log tables with the receiving variable's axis first."""

    tables: np.ndarray       # (G, c_target, c_other1, ...) log f_a, target axis moved first
    targets: np.ndarray      # (G,) edge (a, x) whose message μ_{a→x} this row computes
    others: np.ndarray       # (G, k − 1) edges (a, y), y ∈ N(a)∖x, in axis order
    other_cards: tuple[int, ...]


@dataclass
class ShapeGroup:
    r"""Factors whose tables share one shape, for beliefs ``b_a`` and the Bethe sum."""

    factors: np.ndarray      # (G,) factor indices
    log_tables: np.ndarray   # (G,) + shape
    edges: np.ndarray        # (G, k) edge of each scope position


@dataclass
class VariableStep:
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
class Plan:
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
    oriented: list[Oriented]
    edge_group: np.ndarray            # (E,) oriented group of the row computing μ_{a→x}, −1 if unary
    edge_row: np.ndarray              # (E,) its row in that group
    shape_groups: list[ShapeGroup]
    unary_edges: np.ndarray           # edges of one-variable factors: constant messages
    unary_log: np.ndarray             # (len(unary_edges), width) their normalised log tables
    by_var: np.ndarray                # every edge, grouped by variable (CSR order)
    var_ptr: np.ndarray               # (n + 1,) group boundaries in by_var
    position_in_var: np.ndarray       # (E,) position of each edge within its variable's group
    all_variables: VariableStep | None = None  # every edge: for the beliefs
    inner_variables: VariableStep | None = None  # edges into factors of ≥ 2 variables: flooding
    all_factor_batches: list = field(default_factory=list)


def variable_steps(plan: Plan, send: np.ndarray, level: np.ndarray) -> dict[int, VariableStep]:
    r"""Variable → factor sends split by ``level``: ``{level: VariableStep}`` (built at once)."""
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
        steps[int(level[s0])] = VariableStep(send[s0:s1], variables, incoming[i0:i1],
                                              starts[p0:p1] - i0, pair[s0:s1] - p0,
                                              own[s0:s1] - i0, plan.local_finite[variables],
                                              plan.local_zero[variables])
    return steps


def factor_steps(plan: Plan, send: np.ndarray, level: np.ndarray) -> dict[int, list]:
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


#: Arrays with fewer entries are reduced by ``np.logaddexp.reduce``, larger ones by the max shift.
SMALL_REDUCTION = 4096


def split_batches(batches: list, rows_per_copy: list[int]) -> list:
    r"""Factor batches of a plan of disjoint copies, cut so each piece sums as one copy would.

    ``rows_per_copy[k]``: the rows one copy has in batch k. A piece holds whole copies' worth of
    rows: as many as stay below :data:`SMALL_REDUCTION` entries if one copy's rows do, else
    exactly one copy's worth; so :func:`logsumexp_kept` takes the same path for every row as
    in a run of one copy alone (its rows' numbers are then the same, to the last bit).
    """
    pieces = []
    for (tables, others, edges), rows in zip(batches, rows_per_copy):
        one = rows * int(np.prod(tables.shape[1:]))  # entries of one copy's rows
        step = rows * max(1, (SMALL_REDUCTION - 1) // one) if one < SMALL_REDUCTION else rows
        pieces += [(tables[i:i + step], others[i:i + step], edges[i:i + step])
                   for i in range(0, len(edges), step)]
    return pieces


def logsumexp_kept(a: np.ndarray, axis) -> np.ndarray:
    r"""log Σ exp(a) over ``axis`` (kept as size-1 axes), safe for −inf entries.

    Same value as ``scipy.special.logsumexp(a, axis, keepdims=True)``, without its per-call
    overhead (≈ 0.2 ms in scipy 1.17, which would dominate level-by-level sweeps of long
    chains): small arrays use ``np.logaddexp.reduce``, large ones the max shift
    log Σ exp(a) = m + log Σ exp(a − m), m = max a (one exp per entry instead of two).
    """
    if a.size < SMALL_REDUCTION:
        return np.logaddexp.reduce(a, axis=axis, keepdims=True)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(m == -np.inf, 0.0, m)  # an all-zero slice stays −inf below
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m


def log_normalise(log_m: np.ndarray) -> np.ndarray:
    r"""``log μ − log Σ μ`` along the last axis; a vanishing message means ``Z(e) = 0``."""
    norm = logsumexp_kept(log_m, -1)  # log Σ_x μ(x)
    if norm.min() == -np.inf:
        raise ZeroMessage
    return log_m - norm


def compile_plan(fg: FactorGraph, evidence: dict[str, int]) -> Plan:
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
            shape_groups.append(ShapeGroup(members, log_tables, edges))
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
        oriented.append(Oriented(np.ascontiguousarray(np.concatenate([p[0] for p in parts])),
                                  targets, np.concatenate([p[2] for p in parts]), key[1:]))

    # Incident edges of each variable, grouped by variable (CSR).
    degree = np.bincount(edge_var, minlength=n)
    by_var = np.argsort(edge_var, kind="stable")
    var_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.intp)
    position_in_var = np.empty(n_edges, dtype=np.intp)
    position_in_var[by_var] = np.arange(n_edges) - var_ptr[edge_var[by_var]]
    plan = Plan(
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
    plan.all_variables = variable_steps(plan, everything, zero).get(0)
    inner = everything[np.isin(everything, plan.unary_edges, invert=True)]
    plan.inner_variables = variable_steps(plan, inner, zero[:len(inner)]).get(0)
    plan.all_factor_batches = factor_steps(plan, everything, zero).get(0, [])
    return plan


def uniform_messages(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    r"""The starting messages: log μ_{a→x} = −log |x| (uniform), log μ_{x→a} = 0; −inf padded."""
    valid = np.arange(plan.width) < plan.card[plan.edge_var][:, None]
    log_fv = np.where(valid, -np.log(plan.card[plan.edge_var])[:, None], -np.inf)
    return log_fv, np.where(valid, 0.0, -np.inf)


# ---------------------------------------------------------------------- the two message kinds
def send_factor_messages(plan: Plan, log_vf: np.ndarray, log_fv: np.ndarray,
                          batches: list, reduce=None) -> None:
    r"""log ν_{a→x}(x) = ⊕_{x_a∖x} [ log f_a(x_a) + Σ_{y∈N(a)∖x} log ν_{y→a}(y) ].

    ⊕ is log-sum-exp (sum-product, the default) or ``reduce(s, axes)``, e.g. max for
    max-product (lesson 12): the same message in another semiring.
    """
    for tables, others, edges in batches:
        s = tables  # log f_a(x_a), receiving axis first
        k = others.shape[1]
        for i, c in enumerate(tables.shape[2:]):
            shape = [len(edges), 1] + [1] * k
            shape[i + 2] = c
            s = s + log_vf[others[:, i], :c].reshape(shape)  # + log μ_{y→a}(y)
        axes = tuple(range(2, 2 + k))
        summed = logsumexp_kept(s, axes) if reduce is None else reduce(s, axes)  # ⊕_{x_a∖x}
        log_fv[edges, :s.shape[1]] = log_normalise(summed.reshape(s.shape[:2]))


def variable_totals(plan: Plan, log_fv: np.ndarray, step: VariableStep):
    r"""Σ_{b∈N(x)} log μ_{b→x} + log local(x), split into its finite part and its zero count."""
    m = log_fv[step.incoming]
    zero = m == -np.inf
    finite = np.where(zero, 0.0, m)
    total = np.add.reduceat(finite, step.starts, axis=0) + step.local_finite
    zeros = np.add.reduceat(zero, step.starts, axis=0, dtype=np.intp) + step.local_zero
    return finite, zero, total, zeros


def send_variable_messages(plan: Plan, log_fv: np.ndarray, log_vf: np.ndarray,
                            step: VariableStep | None) -> None:
    r"""log μ_{x→a}(x) = log local(x) + Σ_{b∈N(x)∖a} log μ_{b→x}(x)."""
    if step is None:
        return
    finite, zero, total, zeros = variable_totals(plan, log_fv, step)
    out = total[step.slot] - finite[step.own]  # leave out b = a, exactly: zeros counted apart
    out = np.where(zeros[step.slot] > zero[step.own], -np.inf, out)
    log_vf[step.send] = log_normalise(out)


def variable_log_beliefs(plan: Plan, log_fv: np.ndarray) -> np.ndarray:
    r"""log b_x(x) = log local(x) + Σ_{a∈N(x)} log μ_{a→x}(x) − log(normaliser)."""
    log_b = plan.local_log.copy()
    step = plan.all_variables
    if step is not None:
        _, _, total, zeros = variable_totals(plan, log_fv, step)
        log_b[step.variables] = np.where(zeros > 0, -np.inf, total)
    return log_normalise(log_b)


def factor_log_beliefs(plan: Plan, log_vf: np.ndarray, group: ShapeGroup):
    r"""log b_a(x_a) = log f_a(x_a) + Σ_{y∈N(a)} log μ_{y→a}(y) − log(normaliser)."""
    s = group.log_tables
    k = s.ndim - 1
    for j in range(k):
        shape = [len(group.factors)] + [1] * k
        shape[j + 1] = s.shape[j + 1]
        s = s + log_vf[group.edges[:, j], :s.shape[j + 1]].reshape(shape)
    flat = log_normalise(s.reshape(len(group.factors), -1))
    return flat.reshape(s.shape)


def bethe_log_partition(plan: Plan, log_b_var: np.ndarray, factor_beliefs) -> float:
    r"""−F_Bethe = Σ_a Σ b_a log(f_a / b_a) + Σ_i (d_i − 1) Σ b_i log b_i   (0 log 0 = 0)."""
    total = 0.0
    for group, log_b, b in factor_beliefs:
        inside = b > 0  # there f_a > 0 too
        total += float(np.sum(b[inside] * (group.log_tables[inside] - log_b[inside])))
    b = np.exp(log_b_var)
    neg_entropy = (b * np.where(b > 0, log_b_var, 0.0)).sum(axis=1)  # Σ b_i log b_i
    return total + float(np.dot(plan.degree - 1, neg_entropy))


