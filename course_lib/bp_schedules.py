r"""Belief propagation's exact one-sweep schedules on trees: collect–distribute, and the chain.

On a forest, messages passed leaves → root (collect) then root → leaves (distribute), level by
level, are exact after one sweep (:func:`tree_steps`). On a chain (pairwise factors linking the
variables in a line, any unary factors) that sweep is forward–backward, and the message system
is a pair of triangular systems over the log-sum-exp semiring with S×S blocks:

    u_t = ψ_tᵀ ⊗ (φ_{t−1} ⊗ u_{t−1}),   u_0 = 1̄      (u_t ∝ μ_{ψ_t → x_t}, forward substitution)
    w_t = ψ_{t+1} ⊗ (φ_{t+1} ⊗ w_{t+1}), w_{T−1} = 1̄  (w_t ∝ μ_{ψ_{t+1} → x_t}, back substitution)

with φ_t = log local(x_t) + Σ log μ_{unary → x_t}; :func:`chain_messages` solves both with the
course's one substitution (:func:`course_lib.substitution.substitute`), each unknown
normalised as it is solved (BP's messages are defined up to scale).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from scipy.sparse import csgraph

from course_lib import substitution
from course_lib.bp_messages import Plan, ZeroMessage, factor_steps, variable_steps
from course_lib.factor_graph import FactorGraph
from course_lib.semiring import SEMIRINGS
from course_lib.semiring_systems import Block, BlockRows, reduce_plus


def tree_steps(fg: FactorGraph, plan: Plan) -> list:
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
                         f"cycle {describe_cycle(fg.find_cycle())}; use schedule='flooding'")
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
    up_var = variable_steps(plan, edges[var_below], child_depth[var_below])
    up_factor = factor_steps(plan, edges[~var_below], child_depth[~var_below])
    down_var = variable_steps(plan, edges[~var_below], child_depth[~var_below])
    down_factor = factor_steps(plan, edges[var_below], child_depth[var_below])
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



def describe_cycle(cycle: list) -> str:
    words = [repr(u) if isinstance(u, str) else f"factor {u}" for u in cycle]
    return " – ".join(words + words[:1])




def chain_order(plan: Plan) -> tuple[list[int], list[tuple[int, bool]]] | None:
    r"""If the factor graph is one chain, its variables in line and the factor between each two.

    A chain: every factor has one or two variables, the n − 1 two-variable factors join the n
    variables into one path. Returns ([v_0, …, v_{T−1}], [(a_t, flipped_t) for t = 1 … T−1])
    with a_t the factor between v_{t−1} and v_t and flipped_t true when its table's axes are
    (v_t, v_{t−1}); None for any other graph.
    """
    n = len(plan.names)
    if n < 2 or any(len(scope) > 2 for scope in plan.scopes):
        return None
    pairs = [a for a, scope in enumerate(plan.scopes) if len(scope) == 2]
    if len(pairs) != n - 1:
        return None
    neighbours: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for a in pairs:
        u, v = (plan.var_index[name] for name in plan.scopes[a])
        neighbours[u].append((v, a))
        neighbours[v].append((u, a))
    if max(len(nb) for nb in neighbours) > 2:
        return None
    ends = [v for v in range(n) if len(neighbours[v]) == 1]
    if not ends:
        return None
    order, steps, previous = [ends[0]], [], None
    while len(order) < n:
        options = [(v, a) for v, a in neighbours[order[-1]] if a != previous]
        if not options:
            return None  # not connected: a forest of several chains
        v, a = options[0]
        steps.append((a, plan.scopes[a][0] != plan.names[order[-1]]))
        order.append(v)
        previous = a
    return order, steps


class _NormalisedRows(BlockRows):
    r"""BlockRows whose pivot scales each unknown to logsumexp 0, as BP normalises a message."""

    def pivot(self, i: int, r: np.ndarray) -> np.ndarray:
        norm = reduce_plus(_LOG_SUM_EXP, r)  # log Σ_x μ(x)
        if norm == -np.inf:
            raise ZeroMessage
        return r - norm


_LOG_SUM_EXP = SEMIRINGS["log-sum-exp"]


def chain_messages(fg: FactorGraph, plan: Plan, chain: tuple, log_fv: np.ndarray) -> None:
    r"""Every factor → variable message of a chain by forward–backward: two substitutions.

    Writes log μ_{a→x} into ``log_fv`` for every edge (the unary factors send their normalised
    tables); the variable → factor messages follow from them (``send_variable_messages``).
    """
    order, steps = chain
    T = len(order)
    log_fv[plan.unary_edges] = plan.unary_log  # μ_{a→x} = f_a for one-variable a
    phi_all = plan.local_log.copy()
    np.add.at(phi_all, plan.edge_var[plan.unary_edges], plan.unary_log)  # log local + Σ unary
    cards = [int(plan.card[v]) for v in order]
    phi = [phi_all[v, :c] for v, c in zip(order, cards)]
    factors = fg.factors
    with np.errstate(divide="ignore"):
        tables = [np.log(factors[a].table) for a, _ in steps]
    tables = [t.T if flipped else t for t, (_, flipped) in zip(tables, steps)]  # (x_{t−1}, x_t)
    ring = _LOG_SUM_EXP

    def forward_row(t: int) -> list:  # u_t = ψ_tᵀ ⊗ (φ_{t−1} ⊗ u_{t−1})
        return [(t - 1, Block(tables[t - 1].T, phi[t - 1], ring))] if t > 0 else []

    def backward_row(t: int) -> list:  # w_t = ψ_{t+1} ⊗ (φ_{t+1} ⊗ w_{t+1})
        return [(t + 1, Block(tables[t], phi[t + 1], ring))] if t < T - 1 else []

    forward = _NormalisedRows(forward_row, [np.zeros(cards[0])] + [None] * (T - 1), ring)
    for _ in substitution.substitute(forward, range(T)):  # lower triangular: top row first
        pass
    backward = _NormalisedRows(backward_row, [None] * (T - 1) + [np.zeros(cards[-1])], ring)
    for _ in substitution.substitute(backward, range(T - 1, -1, -1)):  # bottom row first
        pass
    for t, (a, _) in enumerate(steps, start=1):  # factor a_t joins v_{t−1} and v_t
        for k, message in ((t, forward.x[t]), (t - 1, backward.x[t - 1])):
            name = plan.names[order[k]]
            edge = plan.factor_start[a] + plan.scopes[a].index(name)
            log_fv[edge, :cards[k]] = message
