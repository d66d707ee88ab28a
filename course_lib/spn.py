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

The backward pass is the chain rule in reverse topological order, the back
substitution of :mod:`course_lib.lagrange` written for these two node types:

    ∂S/∂S_c += w_c ∂S/∂S_sum,          ∂S/∂S_c += ∂S/∂S_prod · Π_{c' ≠ c} S_{c'},

the product over the other children taken from prefix and suffix products (no
division, so zero children are handled exactly). :func:`to_graph` turns the SPN into
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

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from functools import reduce
from typing import NamedTuple

import numpy as np

from course_lib.graph import Graph

__all__ = [
    "Node", "Indicator", "Categorical", "Sum", "Product",
    "topological_order", "variables", "cardinalities", "scope",
    "is_complete", "is_decomposable", "check_valid",
    "value", "log_value", "derivatives", "log_derivatives", "marginals",
    "sample", "mpe", "indicator_name", "indicators", "to_graph", "random_spn",
]

_NEG_INF = -math.inf
_PROBABILITY_TOLERANCE = 1e-8


# ---------------------------------------------------------------------- nodes
def _check_variable(variable) -> str:
    if not isinstance(variable, str):
        raise TypeError(f"a variable name must be a string, got {variable!r}")
    if not variable.isidentifier():
        raise ValueError(f"variable name {variable!r} is not an identifier (letters, digits, "
                         "underscores, not starting with a digit); it must be one so that its "
                         "indicators can be named lambda_<variable>_<value>")
    return variable


def _check_state(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be a nonnegative integer (a state index), got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be a nonnegative integer (a state index), got {value}")
    return int(value)


def _check_name(name) -> str | None:
    if name is not None and not isinstance(name, str):
        raise TypeError(f"a node name must be a string or None, got {name!r}")
    return name


def _check_vector(values, what: str, owner: str) -> tuple[float, ...]:
    r"""A nonempty 1-D vector of finite nonnegative floats, as a tuple."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{owner}: {what} must be a list of numbers, got {values!r}") from None
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{owner}: {what} must be a nonempty list of numbers, got {values!r}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{owner}: {what} must be finite, got {array.tolist()}")
    negative = np.flatnonzero(array < 0)
    if negative.size:
        raise ValueError(f"{owner}: {what} must be nonnegative, but entry {negative[0]} "
                         f"is {array[negative[0]]} (in {array.tolist()})")
    return tuple(array.tolist())


def _short(numbers: Sequence[float], limit: int = 6) -> str:
    shown = ", ".join(f"{x:.4g}" for x in numbers[:limit])
    return f"[{shown}{', …' if len(numbers) > limit else ''}]"


class Node:
    r"""Base class of SPN nodes. Nodes are immutable; children may be shared (a DAG)."""

    __slots__ = ("_name",)

    def __init__(self, *args, **kwargs):
        raise TypeError("Node is the abstract base class; build Indicator, Categorical, Sum "
                        "or Product nodes")

    @property
    def name(self) -> str | None:
        r"""An optional label, shown in ``repr`` and error messages."""
        return self._name

    @property
    def children(self) -> tuple[Node, ...]:
        r"""The child nodes (empty for a leaf)."""
        return ()

    def _named(self) -> str:
        return "" if self._name is None else f", name={self._name!r}"


class Indicator(Node):
    r"""The leaf ``λ_{X=v}``: 1 unless ``X`` is observed with another value."""

    __slots__ = ("_variable", "_value")

    def __init__(self, variable: str, value: int, name: str | None = None):
        self._variable = _check_variable(variable)
        self._value = _check_state(value, f"the value of Indicator({variable!r}, …)")
        self._name = _check_name(name)

    variable = property(lambda self: self._variable, doc="The variable X.")
    value = property(lambda self: self._value, doc="The state v.")

    def __repr__(self) -> str:
        return f"Indicator({self._variable!r}, {self._value}{self._named()})"


class Categorical(Node):
    r"""The leaf ``Σ_v θ_v λ_{X=v}``: a distribution over ``X`` (θ ≥ 0, Σ_v θ_v = 1)."""

    __slots__ = ("_variable", "_probabilities")

    def __init__(self, variable: str, probabilities: Sequence[float], name: str | None = None):
        self._variable = _check_variable(variable)
        owner = f"Categorical({variable!r}, …)"
        self._probabilities = _check_vector(probabilities, "the probabilities", owner)
        total = math.fsum(self._probabilities)
        if abs(total - 1.0) > _PROBABILITY_TOLERANCE:
            raise ValueError(f"{owner}: the probabilities must sum to 1, but "
                             f"{list(self._probabilities)} sums to {total!r}")
        self._name = _check_name(name)

    variable = property(lambda self: self._variable, doc="The variable X.")
    probabilities = property(lambda self: self._probabilities, doc="θ, a tuple of floats.")

    def __repr__(self) -> str:
        return f"Categorical({self._variable!r}, {_short(self._probabilities)}{self._named()})"


def _check_children(children, kind: str) -> tuple[Node, ...]:
    if isinstance(children, Node) or not isinstance(children, Sequence):
        raise TypeError(f"{kind}: children must be a list of nodes, got {children!r}")
    for j, child in enumerate(children):
        if not isinstance(child, Node):
            raise TypeError(f"{kind}: child {j} is not an SPN node, got {child!r}")
    if not children:
        raise ValueError(f"{kind} needs at least one child")
    return tuple(children)


class Sum(Node):
    r"""The sum node ``S = Σ_c w_c S_c`` with weights ``w ≥ 0`` (one per child)."""

    __slots__ = ("_children", "_weights")

    def __init__(self, children: Sequence[Node], weights: Sequence[float],
                 name: str | None = None):
        label = "Sum" if name is None else f"Sum {name!r}"
        self._children = _check_children(children, label)
        self._weights = _check_vector(weights, "the weights", label)
        if len(self._weights) != len(self._children):
            raise ValueError(f"{label} has {len(self._children)} children but "
                             f"{len(self._weights)} weights; give one weight per child")
        self._name = _check_name(name)

    children = property(lambda self: self._children, doc="The children S_c.")
    weights = property(lambda self: self._weights, doc="The weights w_c, a tuple of floats.")

    def __repr__(self) -> str:
        return (f"Sum(children={len(self._children)}, weights={_short(self._weights)}"
                f"{self._named()})")


class Product(Node):
    r"""The product node ``S = Π_c S_c``."""

    __slots__ = ("_children",)

    def __init__(self, children: Sequence[Node], name: str | None = None):
        label = "Product" if name is None else f"Product {name!r}"
        self._children = _check_children(children, label)
        self._name = _check_name(name)

    children = property(lambda self: self._children, doc="The children S_c.")

    def __repr__(self) -> str:
        return f"Product(children={len(self._children)}{self._named()})"


# ------------------------------------------------------- the flattened network
class _Network(NamedTuple):
    r"""The nodes in one topological order (children first, root last) with child positions."""

    nodes: tuple[Node, ...]
    children: tuple[tuple[int, ...], ...]
    variables: tuple[str, ...]
    states: dict[str, int]  # |X| for each variable


def _check_root(root) -> Node:
    if not isinstance(root, Node):
        raise TypeError(f"expected an SPN node (Indicator, Categorical, Sum or Product), "
                        f"got {type(root).__name__}")
    return root


def _order(root: Node) -> tuple[list[Node], list[tuple[int, ...]]]:
    r"""Iterative depth-first post-order: every node after all of its children."""
    position: dict[int, int] = {}
    nodes: list[Node] = []
    entered: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            position[key] = len(nodes)
            nodes.append(node)
        elif key not in position:
            if key in entered:  # only possible if a node was mutated into a cycle
                raise ValueError(f"the SPN has a cycle through {node!r}")
            entered.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in reversed(node.children) if id(c) not in position)
    children = [tuple(position[id(c)] for c in node.children) for node in nodes]
    return nodes, children


def _infer_states(nodes: Sequence[Node]) -> dict[str, int]:
    r"""|X| from the leaves: the Categorical length, or 1 + the largest Indicator value."""
    lengths: dict[str, tuple[int, Node]] = {}
    largest: dict[str, tuple[int, Node]] = {}
    for node in nodes:
        if isinstance(node, Categorical):
            k = len(node.probabilities)
            if node.variable in lengths and lengths[node.variable][0] != k:
                other = lengths[node.variable][1]
                raise ValueError(f"Categorical leaves over {node.variable!r} disagree on its "
                                 f"number of states: {other!r} has {lengths[node.variable][0]}, "
                                 f"{node!r} has {k}")
            lengths.setdefault(node.variable, (k, node))
        elif isinstance(node, Indicator):
            if node.value >= largest.get(node.variable, (-1, None))[0]:
                largest[node.variable] = (node.value, node)
    for var, (v, leaf) in largest.items():
        if var in lengths and v >= lengths[var][0]:
            raise ValueError(f"{leaf!r} refers to state {v} of {var!r}, but the Categorical "
                             f"leaf {lengths[var][1]!r} gives {var!r} only {lengths[var][0]} "
                             f"states")
    states = {var: v + 1 for var, (v, _) in largest.items()}
    states.update({var: k for var, (k, _) in lengths.items()})
    return dict(sorted(states.items()))


def _compile(root: Node, declared: Mapping[str, int] | None = None) -> _Network:
    nodes, children = _order(_check_root(root))
    states = _infer_states(nodes)
    if declared is not None:
        if not isinstance(declared, Mapping):
            raise TypeError(f"cardinalities must be a mapping {{variable: number of states}}, "
                            f"got {type(declared).__name__}")
        has_categorical = {n.variable for n in nodes if isinstance(n, Categorical)}
        for var, k in declared.items():
            if var not in states:
                raise ValueError(f"cardinalities name {var!r}, which is not a variable of the "
                                 f"SPN; its variables are {', '.join(states)}")
            k = _check_state(k, f"the number of states of {var!r}")
            if k < states[var] or (var in has_categorical and k != states[var]):
                raise ValueError(f"cardinalities give {var!r} {k} states, but its leaves need "
                                 f"{'exactly' if var in has_categorical else 'at least'} "
                                 f"{states[var]}")
            states[var] = k
    return _Network(tuple(nodes), tuple(children), tuple(states), states)


def topological_order(root: Node) -> tuple[Node, ...]:
    r"""Every node once, children before parents, the root last (shared nodes appear once)."""
    return tuple(_order(_check_root(root))[0])


def variables(root: Node) -> tuple[str, ...]:
    r"""The variables of the SPN (its root's scope), sorted: the column order of :func:`sample`."""
    return _compile(root).variables


def cardinalities(root: Node) -> dict[str, int]:
    r"""``{X: |X|}`` inferred from the leaves (Categorical length, or 1 + largest Indicator value)."""
    return dict(_compile(root).states)


def _describe(net: _Network, i: int) -> str:
    return f"{net.nodes[i]!r} (node {i} of the topological order, children first)"


# ------------------------------------------------------------- scopes, validity
def _scope_masks(net: _Network) -> list[int]:
    r"""sc(i) as a bit mask over ``net.variables``: a leaf's variable, else the union of sc(c)."""
    bit = {var: 1 << j for j, var in enumerate(net.variables)}
    masks: list[int] = []
    for node, kids in zip(net.nodes, net.children):
        if kids:
            masks.append(reduce(operator.or_, (masks[c] for c in kids)))
        else:
            masks.append(bit[node.variable])
    return masks


def _names(net: _Network, mask: int) -> str:
    return "{" + ", ".join(v for j, v in enumerate(net.variables) if mask >> j & 1) + "}"


def _incomplete_sums(net: _Network, masks: list[int]):
    r"""Messages for every sum node whose children have different scopes."""
    for i, (node, kids) in enumerate(zip(net.nodes, net.children)):
        if isinstance(node, Sum):
            for j, c in enumerate(kids):
                if masks[c] != masks[kids[0]]:
                    yield (f"{_describe(net, i)} is not complete: its children 0 and {j} have "
                           f"scopes {_names(net, masks[kids[0]])} and {_names(net, masks[c])}; "
                           "a sum must mix distributions over the same variables")
                    break


def _overlapping_products(net: _Network, masks: list[int]):
    r"""Messages for every product node whose children share a variable."""
    for i, (node, kids) in enumerate(zip(net.nodes, net.children)):
        if isinstance(node, Product):
            seen = 0
            for j, c in enumerate(kids):
                shared = seen & masks[c]
                if shared:
                    low = shared & -shared  # the first shared variable
                    var = net.variables[low.bit_length() - 1]
                    first = next(k for k in range(j) if masks[kids[k]] & low)
                    yield (f"{_describe(net, i)} is not decomposable: its children {first} and "
                           f"{j} both contain the variable {var!r}; a product must multiply "
                           "distributions over disjoint sets of variables")
                    break
                seen |= masks[c]


def scope(node: Node) -> frozenset[str]:
    r"""sc(node): the variables of the leaves below ``node``."""
    net = _compile(node)
    return frozenset(net.variables)


def is_complete(root: Node) -> bool:
    r"""True if every sum's children have the same scope: sc(c) = sc(sum) for all c."""
    net = _compile(root)
    return next(_incomplete_sums(net, _scope_masks(net)), None) is None


def is_decomposable(root: Node) -> bool:
    r"""True if every product's children have pairwise disjoint scopes."""
    net = _compile(root)
    return next(_overlapping_products(net, _scope_masks(net)), None) is None


def _check_valid(net: _Network, purpose: str) -> None:
    masks = _scope_masks(net)
    for problems in (_incomplete_sums(net, masks), _overlapping_products(net, masks)):
        message = next(problems, None)
        if message is not None:
            raise ValueError(f"{purpose} needs a complete and decomposable SPN: {message}")


def check_valid(root: Node) -> None:
    r"""Raise ``ValueError`` naming the first incomplete sum or non-decomposable product."""
    _check_valid(_compile(root), "this")


# --------------------------------------------------------------------- evidence
def _check_evidence(net: _Network, evidence) -> dict[str, int]:
    if evidence is None:
        return {}
    if not isinstance(evidence, Mapping):
        raise TypeError(f"evidence must be a mapping {{variable: state index}}, "
                        f"got {type(evidence).__name__}")
    out = {}
    for var, v in evidence.items():
        if var not in net.states:
            raise ValueError(f"evidence names {var!r}, which is not a variable of the SPN; "
                             f"its variables are {', '.join(net.variables)}")
        v = _check_state(v, f"the evidence value of {var!r}")
        if v >= net.states[var]:
            raise ValueError(f"evidence {var}={v} is out of range: {var!r} has "
                             f"{net.states[var]} states, 0 … {net.states[var] - 1}")
        out[var] = v
    return out


def indicator_name(variable: str, value: int) -> str:
    r"""The graph input name of ``λ_{X=v}``: ``lambda_<X>_<v>``, e.g. ``lambda_X0_1``."""
    return f"lambda_{_check_variable(variable)}_{_check_state(value, 'the value')}"


def indicators(root: Node, evidence: Mapping[str, int] | None = None, *,
               cardinalities: Mapping[str, int] | None = None) -> dict[str, float]:
    r"""``{lambda_X_v: λ_{X=v}(e)}`` for every variable and state: the inputs of :func:`to_graph`."""
    net = _compile(root, cardinalities)
    ev = _check_evidence(net, evidence)
    return {indicator_name(var, v): 0.0 if var in ev and ev[var] != v else 1.0
            for var in net.variables for v in range(net.states[var])}


# ------------------------------------------------------------------- semirings
def _log(x: float) -> float:
    return math.log(x) if x > 0 else _NEG_INF


def _logaddexp(a: float, b: float) -> float:
    r"""log(e^a + e^b) without overflow or underflow."""
    if a < b:
        a, b = b, a
    if b == _NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


class _Semiring(NamedTuple):
    r"""Where the passes compute: ``plus`` ⊕, ``times`` ⊗, and how a number enters."""

    zero: float
    one: float
    plus: Callable[[float, float], float]
    times: Callable[[float, float], float]
    embed: Callable[[float], float]


_LINEAR = _Semiring(0.0, 1.0, operator.add, operator.mul, float)      # S itself
_LOG = _Semiring(_NEG_INF, 0.0, _logaddexp, operator.add, _log)        # log S
_LOG_MAX = _Semiring(_NEG_INF, 0.0, max, operator.add, _log)           # log of max-product


def _indicator_values(net: _Network, ev: dict[str, int], ring: _Semiring) -> dict[str, list]:
    r"""λ_{X=u}(e) = 0 if X is observed with v ≠ u, else 1 (in the semiring)."""
    return {var: [ring.zero if var in ev and ev[var] != u else ring.one
                  for u in range(net.states[var])] for var in net.variables}


def _upward(net: _Network, lam: dict[str, list], ring: _Semiring) -> list[float]:
    r"""Every node's value, children first: S_i = f_i(S_children)."""
    plus, times, embed = ring.plus, ring.times, ring.embed
    values: list[float] = []
    for node, kids in zip(net.nodes, net.children):
        if isinstance(node, Indicator):
            s = lam[node.variable][node.value]                                  # λ_{X=v}
        elif isinstance(node, Categorical):
            s = reduce(plus, [times(embed(t), indicator)                        # Σ_v θ_v λ_{X=v}
                              for t, indicator in zip(node.probabilities, lam[node.variable])])
        elif isinstance(node, Sum):
            s = reduce(plus, [times(embed(w), values[c])                        # Σ_c w_c S_c
                              for w, c in zip(node.weights, kids)])
        else:
            s = reduce(times, [values[c] for c in kids])                        # Π_c S_c
        values.append(s)
    return values


def _backward(net: _Network, values: list[float], ring: _Semiring) -> dict[str, list[float]]:
    r"""∂S/∂λ_{X=v} for every indicator: adjoints ∂S/∂S_i pushed from the root to the leaves."""
    plus, times, embed = ring.plus, ring.times, ring.embed
    adjoint = [ring.zero] * len(net.nodes)
    adjoint[-1] = ring.one                                                      # ∂S/∂S = 1
    d = {var: [ring.zero] * net.states[var] for var in net.variables}
    for i in range(len(net.nodes) - 1, -1, -1):
        node, kids, a = net.nodes[i], net.children[i], adjoint[i]
        if a == ring.zero:
            continue  # nothing flows through this node
        if isinstance(node, Indicator):
            row = d[node.variable]
            row[node.value] = plus(row[node.value], a)                         # ∂S/∂λ += ∂S/∂S_i
        elif isinstance(node, Categorical):
            row = d[node.variable]
            for v, t in enumerate(node.probabilities):
                row[v] = plus(row[v], times(embed(t), a))                       # += θ_v ∂S/∂S_i
        elif isinstance(node, Sum):
            for w, c in zip(node.weights, kids):
                adjoint[c] = plus(adjoint[c], times(embed(w), a))               # += w_c ∂S/∂S_i
        else:
            prefix = [ring.one]                                                 # Π_{c' < c} S_c'
            for c in kids[:-1]:
                prefix.append(times(prefix[-1], values[c]))
            suffix = ring.one                                                   # Π_{c' > c} S_c'
            for j in range(len(kids) - 1, -1, -1):
                c = kids[j]
                adjoint[c] = plus(adjoint[c], times(a, times(prefix[j], suffix)))
                suffix = times(suffix, values[c])
    return d


def _passes(root, evidence, cardinalities, ring):
    net = _compile(root, cardinalities)
    lam = _indicator_values(net, _check_evidence(net, evidence), ring)
    values = _upward(net, lam, ring)
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
    net = _compile(root, cardinalities)
    _check_valid(net, "marginals")
    ring = _LOG if log_space else _LINEAR
    ev = _check_evidence(net, evidence)
    values = _upward(net, _indicator_values(net, ev, ring), ring)
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


# ------------------------------------------------------------ sampling and MPE
def _check_rng(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator (np.random.default_rng(seed)) or an "
                    f"integer seed, got {rng!r}")


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
    net = _compile(root, cardinalities)
    _check_valid(net, "sample")
    rng = _check_rng(rng)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a nonnegative integer number of samples, got {n!r}")
    ev = _check_evidence(net, evidence)
    lam = _indicator_values(net, ev, _LOG)
    log_s = _upward(net, lam, _LOG)  # log S_c(e): robust to underflow
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
    net = _compile(root, cardinalities)
    _check_valid(net, "mpe")
    ev = _check_evidence(net, evidence)
    lam = _indicator_values(net, ev, _LOG)
    log_m = _upward(net, lam, _LOG_MAX)
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


# ------------------------------------------------------------------- as a graph
def to_graph(root: Node, *, cardinalities: Mapping[str, int] | None = None) -> Graph:
    r"""The SPN as a :class:`~course_lib.graph.Graph`: one assignment per node.

    Inputs: the indicators ``lambda_<X>_<v>`` for every variable (sorted) and state.
    Node ``i`` of :func:`topological_order` becomes ``leaf<i>`` (``Σ_v θ_v λ_{X=v}``, or
    ``= λ_{X=v}`` for an Indicator), ``s<i>`` (``Σ_c w_c z_c``) or ``p<i>`` (``Π_c z_c``),
    with weights as constants. The root is the last node of ``g.order``, so
    ``lagrange.adjoints(g, indicators(root, e), g.order[-1])`` equals :func:`derivatives`.
    """
    net = _compile(root, cardinalities)
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
    rng = _check_rng(rng)
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
