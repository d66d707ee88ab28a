r"""Sum–product networks: the network polynomial, and all marginals from one backward pass.

An SPN over discrete variables ``X`` (states ``0 … |X|−1``) is a rooted DAG of

- indicator leaves    ``λ_{X=v}``,
- categorical leaves  ``Σ_v θ_v λ_{X=v}``            (θ ≥ 0, Σ_v θ_v = 1),
- sum nodes           ``S = Σ_c w_c S_c``             (w ≥ 0, not necessarily normalised),
- product nodes       ``S = Π_c S_c``.

The root computes the *network polynomial* ``S(λ)`` (Darwiche 2003; Poon & Domingos 2011).
Here ``λ`` is Darwiche's indicator, not the adjoint of the Lagrange notation; the
adjoint of node ``i`` is written ``∂S/∂S_i``. Evidence ``e = {X: v}`` sets

    λ_{X=u}(e) = 0  if X is observed with a value v ≠ u,   1 otherwise.

The *scope* of a node is the set of variables below it. The SPN is *complete* if
every sum's children have the same scope and *decomposable* if every product's
children have disjoint scopes. Then ``S`` is multilinear in each variable's
indicators, every complete assignment ``x`` has weight ``S(x) ≥ 0``, and

    S(e) = Σ_{x ⊨ e} S(x),        ∂S/∂λ_{X=v}(e) = S(e without X, X = v),

so one upward and one backward pass give every marginal:
``P(X = v | e) ∝ ∂S/∂λ_{X=v}(e)`` for unobserved ``X`` and ``P(X = v | e without X)``
for observed ``X`` (the distribution is ``P(x) = S(x) / Σ_x' S(x')``, so neither the
weights nor ``S`` need to be normalised).

The backward pass is the course's one back substitution
(:func:`course_lib.substitution.substitute`) on the adjoint system a = e_root ⊕ Jᵀ ⊗ a, one
unknown per node and per indicator, whose local partials are

    ∂S_sum/∂S_c = w_c,          ∂S_prod/∂S_c = Π_{c' ≠ c} S_{c'},
    ∂S_leaf/∂λ_{X=v} = 1 (Indicator) or θ_v (Categorical),

the product over the other children taken from prefix and suffix products (no
division, so zero children are handled exactly). The same solve runs in three semirings
(:mod:`course_lib.semiring`): "sum-product" for S itself, "log-sum-exp" for log S, "max-plus"
for the log of the max-product network. :func:`to_graph` turns the SPN into
a :class:`~course_lib.graph.Graph` so that :func:`course_lib.lagrange.adjoints`
returns the same numbers.

Variables and their numbers of states: the variables are the names that appear in
leaves, always listed sorted (:func:`variables`; this is also the column order of
:func:`sample`). ``|X|`` is inferred from the leaves: the length of the Categorical
leaves over ``X`` (all must agree), or else one more than the largest Indicator value.
Functions that take evidence accept ``cardinalities={X: k}`` to declare states no
leaf mentions. Variable names must be identifiers, since the indicator of ``X = v``
is the graph input ``lambda_<X>_<v>`` (:func:`indicator_name`).

Every pass evaluates each node once, in one topological order computed
iteratively per call (no recursion: deep networks of 10^4+ nodes work), and has a
log-space twin (:func:`log_value`, :func:`log_derivatives`, ``marginals(log_space=True)``)
that uses ``log Σ exp`` so that networks whose value underflows float64 still work.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from course_lib import substitution
from course_lib.graph import Graph
from course_lib.rng import as_generator
from course_lib.semiring import SEMIRINGS, Semiring
from course_lib.semiring_systems import LevelRows
from course_lib.spn_network import (
    Network,
    cardinalities,
    check_evidence,
    check_valid,
    compile_network,
    indicator_name,
    indicator_values,
    indicators,
    is_complete,
    is_decomposable,
    require_valid,
    scope,
    topological_order,
    upward_values,
    variables,
)
from course_lib.spn_nodes import Categorical, Indicator, Node, Product, Sum
from course_lib.spn_sampling import mpe, sample

__all__ = [
    "Node", "Indicator", "Categorical", "Sum", "Product",
    "topological_order", "variables", "cardinalities", "scope",
    "is_complete", "is_decomposable", "check_valid",
    "value", "log_value", "derivatives", "log_derivatives", "marginals",
    "sample", "mpe", "indicator_name", "indicators", "to_graph", "random_spn",
]


# ------------------------------------------------------------ the passes
_LINEAR, _LOG, _LOG_MAX = (SEMIRINGS[name] for name in ("sum-product", "log-sum-exp", "max-plus"))


def _local_partials(net: Network, values: list[float], ring: Semiring, first_node: int,
                    indicator_row: dict[str, int]) -> tuple[list, list, list]:
    r"""The edges (row, column, ∂f_column/∂z_row) of Jᵀ: row = a child or an indicator, column
    = the node using it (unknowns: the indicators, then the nodes children first)."""
    times, embed = ring.mul, ring.embed
    rows, cols, partials = [], [], []
    for i in range(len(net.nodes) - 1, -1, -1):  # parents from the root down
        node, kids, p = net.nodes[i], net.children[i], first_node + i
        if isinstance(node, Indicator):
            rows.append(indicator_row[node.variable] + node.value)                # ∂S_i/∂λ = 1
            cols.append(p)
            partials.append(ring.one)
        elif isinstance(node, Categorical):
            for v, t in enumerate(node.probabilities):
                rows.append(indicator_row[node.variable] + v)                   # ∂S_i/∂λ_v = θ_v
                cols.append(p)
                partials.append(embed(t))
        elif isinstance(node, Sum):
            for w, c in zip(node.weights, kids):
                rows.append(first_node + c)                                     # ∂S_i/∂S_c = w_c
                cols.append(p)
                partials.append(embed(w))
        else:
            prefix = [ring.one]                                                 # Π_{c' < c} S_c'
            for c in kids[:-1]:
                prefix.append(times(prefix[-1], values[c]))
            suffix = ring.one                                                   # Π_{c' > c} S_c'
            for j in range(len(kids) - 1, -1, -1):
                rows.append(first_node + kids[j])                     # ∂S_i/∂S_c = Π_{c'≠c} S_c'
                cols.append(p)
                partials.append(times(prefix[j], suffix))
                suffix = times(suffix, values[kids[j]])
    return rows, cols, partials


def _backward(net: Network, values: list[float], ring: Semiring) -> dict[str, list[float]]:
    r"""∂S/∂λ_{X=v} for every indicator, by one back substitution on a = e_root ⊕ Jᵀ ⊗ a.

    The unknowns are the adjoints ∂S/∂λ of the indicators, then ∂S/∂S_i of the nodes in
    topological order: every node comes after its children, so Jᵀ is strictly upper
    triangular and the solve runs a level of the network at a time.
    """
    indicator_row, k = {}, 0
    for var in net.variables:
        indicator_row[var], k = k, k + net.states[var]
    n = k + len(net.nodes)
    rows, cols, partials = _local_partials(net, values, ring, k, indicator_row)
    rows = np.array(rows, dtype=np.intp)
    order = np.argsort(rows, kind="stable")  # each row keeps its parents root-first
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n))))
    b = np.full(n, ring.zero)
    b[-1] = ring.one                                                            # ∂S/∂S = 1
    system = LevelRows(indptr, np.array(cols, dtype=np.intp)[order],
                       np.array(partials, dtype=float)[order], b, ring)
    for _ in substitution.substitute(system, system.batches()):
        pass
    adjoint = system.result().tolist()
    return {var: adjoint[indicator_row[var]:indicator_row[var] + net.states[var]]
            for var in net.variables}


def _passes(root, evidence, cardinalities, ring):
    net = compile_network(root, cardinalities)
    lam = indicator_values(net, check_evidence(net, evidence), ring)
    values = upward_values(net, lam, ring)
    return net, values


# -------------------------------------------------------------- public passes
def value(root: Node, evidence: Mapping[str, int] | None = None, *,
          cardinalities: Mapping[str, int] | None = None) -> float:
    r"""The network polynomial at the evidence: ``S(λ(e))`` (= Σ_{x ⊨ e} S(x) if valid)."""
    return _passes(root, evidence, cardinalities, _LINEAR)[1][-1]


def log_value(root: Node, evidence: Mapping[str, int] | None = None, *,
              cardinalities: Mapping[str, int] | None = None) -> float:
    r"""``log S(λ(e))`` computed in log space (sums by log Σ exp); ``-inf`` if ``S(e) = 0``."""
    return _passes(root, evidence, cardinalities, _LOG)[1][-1]


def _derivatives(root, evidence, cardinalities, ring):
    net, values = _passes(root, evidence, cardinalities, ring)
    d = _backward(net, values, ring)
    return {(var, v): x for var, row in d.items() for v, x in enumerate(row)}


def derivatives(root: Node, evidence: Mapping[str, int] | None = None, *,
                cardinalities: Mapping[str, int] | None = None) -> dict[tuple[str, int], float]:
    r"""``{(X, v): ∂S/∂λ_{X=v}(e)}`` for every variable and state, by one backward pass.

    ∂S/∂S_c = Σ_{parents p} ∂S/∂S_p ∂S_p/∂S_c with ∂S_p/∂S_c = w_c (sum) or
    Π_{c' ≠ c} S_c' (product). Holds for any SPN, valid or not.
    """
    return _derivatives(root, evidence, cardinalities, _LINEAR)


def log_derivatives(root: Node, evidence: Mapping[str, int] | None = None, *,
                    cardinalities: Mapping[str, int] | None = None) -> dict[tuple[str, int], float]:
    r"""``{(X, v): log ∂S/∂λ_{X=v}(e)}``: :func:`derivatives` in log space (``-inf`` for 0)."""
    return _derivatives(root, evidence, cardinalities, _LOG)


def marginals(root: Node, evidence: Mapping[str, int] | None = None, *,
              log_space: bool = False,
              cardinalities: Mapping[str, int] | None = None) -> dict[str, np.ndarray]:
    r"""``{X: P(X | e)}`` from one backward pass: the derivatives normalised over the states.

        P(X = v | e) = ∂S/∂λ_{X=v}(e) / Σ_u ∂S/∂λ_{X=u}(e)

    For an observed ``X`` this is ``P(X | e without X)``. Needs a complete and
    decomposable SPN (``ValueError`` otherwise) and ``S(e) > 0``. Weights need not be
    normalised: the distribution is ``S(x) / Σ_x' S(x')``. With ``log_space=True`` the
    passes run in log space, for networks whose value underflows.
    """
    net = compile_network(root, cardinalities)
    require_valid(net, "marginals")
    ring = _LOG if log_space else _LINEAR
    ev = check_evidence(net, evidence)
    values = upward_values(net, indicator_values(net, ev, ring), ring)
    if values[-1] == ring.zero:
        hint = "" if log_space else " (or it underflows in float64: try log_space=True)"
        raise ValueError(f"the evidence {ev} has probability zero{hint}; "
                         "P(X | e) is undefined")
    out = {}
    for var, row in _backward(net, values, ring).items():
        row = np.array(row)
        if log_space:
            row = np.exp(row - np.max(row))
        total = row.sum()
        if not total > 0:  # cannot happen in exact arithmetic: Σ_u ∂S/∂λ_{X=u} ≥ S(e)
            raise ValueError(f"the derivatives of {var!r} vanish (underflow?); "
                             "try log_space=True")
        out[var] = row / total
    return out


# ------------------------------------------------------------------- as a graph
def to_graph(root: Node, *, cardinalities: Mapping[str, int] | None = None) -> Graph:
    r"""The SPN as a :class:`~course_lib.graph.Graph`: one assignment per node.

    Inputs: the indicators ``lambda_<X>_<v>`` for every variable (sorted) and state.
    Node ``i`` of :func:`topological_order` becomes ``leaf<i>`` (``Σ_v θ_v λ_{X=v}``, or
    ``= λ_{X=v}`` for an Indicator), ``s<i>`` (``Σ_c w_c z_c``) or ``p<i>`` (``Π_c z_c``),
    with weights as constants. The root is the last node of ``g.order``, so
    ``lagrange.adjoints(g, indicators(root, e), g.order[-1])`` equals :func:`derivatives`.
    """
    net = compile_network(root, cardinalities)
    names = []
    for i, node in enumerate(net.nodes):
        names.append(("s" if isinstance(node, Sum) else "p" if isinstance(node, Product)
                      else "leaf") + str(i))
    assignments = []
    for i, (node, kids) in enumerate(zip(net.nodes, net.children)):
        if isinstance(node, Indicator):
            expr = indicator_name(node.variable, node.value)
        elif isinstance(node, Categorical):
            expr = " + ".join(f"{t!r}*{indicator_name(node.variable, v)}"
                              for v, t in enumerate(node.probabilities))
        elif isinstance(node, Sum):
            expr = " + ".join(f"{w!r}*{names[c]}" for w, c in zip(node.weights, kids))
        else:
            expr = "*".join(names[c] for c in kids)
        assignments.append((names[i], expr))
    inputs = [indicator_name(var, v) for var in net.variables for v in range(net.states[var])]
    g = Graph.from_assignments(assignments, inputs)
    assert g.order[-1] == names[-1], "the root must be the last node of the graph's order"
    return g


# ---------------------------------------------------------------- random SPNs
def random_spn(n_variables: int, rng: np.random.Generator | int, *, n_states: int = 2,
               n_children: int = 2) -> Node:
    r"""A random complete and decomposable SPN over ``X0 … X{n−1}`` (zero-padded names).

    A scope of one variable is a Categorical leaf (Dirichlet(1) probabilities); a larger
    scope is a sum (Dirichlet(1) weights) of ``n_children`` products, each splitting the
    scope at random into two halves. About ``(2 n_children)^{log2 n}`` nodes (a tree).
    """
    rng = as_generator(rng, allow_none=False)
    for what, k, low in (("n_variables", n_variables, 1), ("n_states", n_states, 1),
                         ("n_children", n_children, 1)):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < low:
            raise ValueError(f"{what} must be an integer ≥ {low}, got {k!r}")
    width = len(str(n_variables - 1))
    names = [f"X{j:0{width}d}" for j in range(n_variables)]

    def build(scope_: list[str]) -> Node:  # recursion depth ≈ 2 log2(n_variables)
        if len(scope_) == 1:
            return Categorical(scope_[0], rng.dirichlet(np.ones(n_states)))
        products = []
        for _ in range(n_children):
            shuffled = [scope_[j] for j in rng.permutation(len(scope_))]
            half = len(scope_) // 2
            products.append(Product([build(sorted(shuffled[:half])),
                                     build(sorted(shuffled[half:]))]))
        return Sum(products, rng.dirichlet(np.ones(n_children)))

    return build(names)

