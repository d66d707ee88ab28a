r"""A sum–product network flattened for the passes: its nodes in one topological order.

:func:`compile_network` lists every node once, children before parents and the root last
(iteratively: deep networks of 10^4+ nodes work), with each node's children as positions in
that list, the variables (sorted) and their numbers of states ``|X|`` (the length of the
Categorical leaves over ``X``, or one more than the largest Indicator value, or declared with
``cardinalities={X: k}``). Also here: scopes, completeness and decomposability, and evidence
``{X: v}`` checked against the network.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from functools import reduce
from typing import Any, NamedTuple

from course_lib.spn_nodes import (
    Categorical,
    Indicator,
    Node,
    Product,
    Sum,
    check_state,
    check_variable,
)

__all__ = [
    "topological_order", "variables", "cardinalities", "scope", "is_complete",
    "is_decomposable", "check_valid", "indicator_name", "indicators",
]


# ------------------------------------------------------- the flattened network
class Network(NamedTuple):
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


def compile_network(root: Node, declared: Mapping[str, int] | None = None) -> Network:
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
            k = check_state(k, f"the number of states of {var!r}")
            if k < states[var] or (var in has_categorical and k != states[var]):
                raise ValueError(f"cardinalities give {var!r} {k} states, but its leaves need "
                                 f"{'exactly' if var in has_categorical else 'at least'} "
                                 f"{states[var]}")
            states[var] = k
    return Network(tuple(nodes), tuple(children), tuple(states), states)


def topological_order(root: Node) -> tuple[Node, ...]:
    r"""Every node once, children before parents, the root last (shared nodes appear once)."""
    return tuple(_order(_check_root(root))[0])


def variables(root: Node) -> tuple[str, ...]:
    r"""The variables of the SPN (its root's scope), sorted: the column order of :func:`sample`."""
    return compile_network(root).variables


def cardinalities(root: Node) -> dict[str, int]:
    r"""``{X: |X|}`` inferred from the leaves (Categorical length, or 1 + largest Indicator value)."""
    return dict(compile_network(root).states)


def _describe(net: Network, i: int) -> str:
    return f"{net.nodes[i]!r} (node {i} of the topological order, children first)"


# ------------------------------------------------------------- scopes, validity
def _scope_masks(net: Network) -> list[int]:
    r"""sc(i) as a bit mask over ``net.variables``: a leaf's variable, else the union of sc(c)."""
    bit = {var: 1 << j for j, var in enumerate(net.variables)}
    masks: list[int] = []
    for node, kids in zip(net.nodes, net.children):
        if kids:
            masks.append(reduce(operator.or_, (masks[c] for c in kids)))
        else:
            masks.append(bit[node.variable])
    return masks


def _names(net: Network, mask: int) -> str:
    return "{" + ", ".join(v for j, v in enumerate(net.variables) if mask >> j & 1) + "}"


def _incomplete_sums(net: Network, masks: list[int]):
    r"""Messages for every sum node whose children have different scopes."""
    for i, (node, kids) in enumerate(zip(net.nodes, net.children)):
        if isinstance(node, Sum):
            for j, c in enumerate(kids):
                if masks[c] != masks[kids[0]]:
                    yield (f"{_describe(net, i)} is not complete: its children 0 and {j} have "
                           f"scopes {_names(net, masks[kids[0]])} and {_names(net, masks[c])}; "
                           "a sum must mix distributions over the same variables")
                    break


def _overlapping_products(net: Network, masks: list[int]):
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
    net = compile_network(node)
    return frozenset(net.variables)


def is_complete(root: Node) -> bool:
    r"""True if every sum's children have the same scope: sc(c) = sc(sum) for all c."""
    net = compile_network(root)
    return next(_incomplete_sums(net, _scope_masks(net)), None) is None


def is_decomposable(root: Node) -> bool:
    r"""True if every product's children have pairwise disjoint scopes."""
    net = compile_network(root)
    return next(_overlapping_products(net, _scope_masks(net)), None) is None


def require_valid(net: Network, purpose: str) -> None:
    masks = _scope_masks(net)
    for problems in (_incomplete_sums(net, masks), _overlapping_products(net, masks)):
        message = next(problems, None)
        if message is not None:
            raise ValueError(f"{purpose} needs a complete and decomposable SPN: {message}")


def check_valid(root: Node) -> None:
    r"""Raise ``ValueError`` naming the first incomplete sum or non-decomposable product."""
    require_valid(compile_network(root), "this")


# --------------------------------------------------------------------- evidence
def check_evidence(net: Network, evidence) -> dict[str, int]:
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
        v = check_state(v, f"the evidence value of {var!r}")
        if v >= net.states[var]:
            raise ValueError(f"evidence {var}={v} is out of range: {var!r} has "
                             f"{net.states[var]} states, 0 … {net.states[var] - 1}")
        out[var] = v
    return out


def indicator_name(variable: str, value: int) -> str:
    r"""The graph input name of ``λ_{X=v}``: ``lambda_<X>_<v>``, e.g. ``lambda_X0_1``."""
    return f"lambda_{check_variable(variable)}_{check_state(value, 'the value')}"


def indicators(root: Node, evidence: Mapping[str, int] | None = None, *,
               cardinalities: Mapping[str, int] | None = None) -> dict[str, float]:
    r"""``{lambda_X_v: λ_{X=v}(e)}`` for every variable and state: the inputs of :func:`to_graph`."""
    net = compile_network(root, cardinalities)
    ev = check_evidence(net, evidence)
    return {indicator_name(var, v): 0.0 if var in ev and ev[var] != v else 1.0
            for var in net.variables for v in range(net.states[var])}


# ------------------------------------------------------------ the upward pass
def indicator_values(net: Network, ev: dict[str, int], ring: Any) -> dict[str, list]:
    r"""λ_{X=u}(e) = 0 if X is observed with v ≠ u, else 1 (in the semiring)."""
    return {var: [ring.zero if var in ev and ev[var] != u else ring.one
                  for u in range(net.states[var])] for var in net.variables}


def upward_values(net: Network, lam: dict[str, list], ring: Any) -> list[float]:
    r"""Every node's value, children first: S_i = f_i(S_children)."""
    plus, times, embed = ring.add, ring.mul, ring.embed
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
