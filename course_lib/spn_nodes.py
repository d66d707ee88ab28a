r"""Sum–product network nodes: indicator and categorical leaves, sum and product nodes.

    Indicator(X, v)          λ_{X=v}
    Categorical(X, θ)        Σ_v θ_v λ_{X=v}        (θ ≥ 0, Σ_v θ_v = 1)
    Sum(children, w)         Σ_c w_c S_c            (w ≥ 0, one weight per child)
    Product(children)        Π_c S_c

Nodes are immutable and checked when built; children may be shared (a DAG). The passes over a
network are in :mod:`course_lib.spn`, which re-exports these classes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["Node", "Indicator", "Categorical", "Sum", "Product"]

PROBABILITY_TOLERANCE = 1e-8


# ---------------------------------------------------------------------- nodes
def check_variable(variable) -> str:
    if not isinstance(variable, str):
        raise TypeError(f"a variable name must be a string, got {variable!r}")
    if not variable.isidentifier():
        raise ValueError(f"variable name {variable!r} is not an identifier (letters, digits, "
                         "underscores, not starting with a digit); it must be one so that its "
                         "indicators can be named lambda_<variable>_<value>")
    return variable


def check_state(value, what: str) -> int:
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
        self._variable = check_variable(variable)
        self._value = check_state(value, f"the value of Indicator({variable!r}, …)")
        self._name = _check_name(name)

    variable = property(lambda self: self._variable, doc="The variable X.")
    value = property(lambda self: self._value, doc="The state v.")

    def __repr__(self) -> str:
        return f"Indicator({self._variable!r}, {self._value}{self._named()})"


class Categorical(Node):
    r"""The leaf ``Σ_v θ_v λ_{X=v}``: a distribution over ``X`` (θ ≥ 0, Σ_v θ_v = 1)."""

    __slots__ = ("_variable", "_probabilities")

    def __init__(self, variable: str, probabilities: Sequence[float], name: str | None = None):
        self._variable = check_variable(variable)
        owner = f"Categorical({variable!r}, …)"
        self._probabilities = _check_vector(probabilities, "the probabilities", owner)
        total = math.fsum(self._probabilities)
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
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


class _Inner(Node):
    r"""What a sum and a product node share: their children, checked, and a label for errors."""

    __slots__ = ("_children",)

    def __init__(self, children: Sequence[Node], name: str | None = None):
        kind = type(self).__name__
        self._children = _check_children(children, kind if name is None else f"{kind} {name!r}")
        self._name = _check_name(name)

    children = property(lambda self: self._children, doc="The children S_c.")


class Sum(_Inner):
    r"""The sum node ``S = Σ_c w_c S_c`` with weights ``w ≥ 0`` (one per child)."""

    __slots__ = ("_weights",)

    def __init__(self, children: Sequence[Node], weights: Sequence[float],
                 name: str | None = None):
        super().__init__(children, name)
        label = "Sum" if name is None else f"Sum {name!r}"
        self._weights = _check_vector(weights, "the weights", label)
        if len(self._weights) != len(self._children):
            raise ValueError(f"{label} has {len(self._children)} children but "
                             f"{len(self._weights)} weights; give one weight per child")

    weights = property(lambda self: self._weights, doc="The weights w_c, a tuple of floats.")

    def __repr__(self) -> str:
        return (f"Sum(children={len(self._children)}, weights={_short(self._weights)}"
                f"{self._named()})")


class Product(_Inner):
    r"""The product node ``S = Π_c S_c``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Product(children={len(self._children)}{self._named()})"
