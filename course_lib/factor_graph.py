r"""Factor graphs: a distribution as a normalised product of nonnegative tables.

    p(x) = (1/Z) Π_a f_a(x_a),        Z = Σ_x Π_a f_a(x_a)

Variables are named by strings and take the values 0, …, card − 1. Factor ``a`` is a
table over its scope ``x_a`` (a tuple of distinct variables) of shape
``(card[v] for v in x_a)``. The factor graph is bipartite: variable ``x`` and factor
``a`` are neighbours when ``x ∈ x_a``; factors are named by their index (the order in
which they were added).

Evidence ``e = {variable: observed value}`` multiplies in indicators:

    p(x | e) = (1/Z(e)) Π_a f_a(x_a) Π_{v ∈ e} 1[x_v = e_v],    Z(e) = Σ_{x consistent with e} Π_a f_a(x_a)

Joint arrays (:meth:`FactorGraph.joint`) have one axis per variable, in the order
``fg.variables`` — the order of the ``cardinalities`` mapping given to the constructor.

Example::

    fg = FactorGraph({"A": 2, "B": 3})
    fg.add_factor(("A",), [0.4, 0.6])
    fg.add_factor(("A", "B"), [[1, 2, 3], [3, 2, 1]])
    fg.joint()                  # shape (2, 3), sums to 1
    fg.joint({"B": 0})          # p(A, B | B = 0): zero where B ≠ 0

Model builders for the lessons: :func:`ising_model` (and :func:`ising_cycle`,
:func:`ising_grid`), :func:`chain_model` and :func:`random_tree_model`.
"""

from __future__ import annotations

import math
import numbers
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import logsumexp

from course_lib.factor_graph_models import (
    chain_model,
    ising_cycle,
    ising_grid,
    ising_model,
    random_tree_model,
)
from course_lib.rng import as_generator  # noqa: F401  (kept importable from here)

if TYPE_CHECKING:
    import networkx

__all__ = [
    "Factor", "FactorGraph", "MAX_JOINT_SIZE", "ising_model", "ising_cycle", "ising_grid",
    "chain_model", "random_tree_model",
]

#: Default refusal threshold of :meth:`FactorGraph.joint`: the number of entries of the joint.
MAX_JOINT_SIZE = 2**22


@dataclass(frozen=True)
class Factor:
    r"""One factor ``f_a(x_a)``: its scope (variable names) and its read-only table."""

    variables: tuple[str, ...]
    table: np.ndarray


def _check_card(name, card) -> int:
    if isinstance(card, bool) or not isinstance(card, numbers.Integral):
        raise TypeError(f"the number of states of variable {name!r} must be an integer, "
                        f"got {card!r} ({type(card).__name__})")
    if card < 1:
        raise ValueError(f"variable {name!r} must have at least 1 state, got {card}")
    return int(card)


class FactorGraph:
    r"""A factor graph ``p(x) ∝ Π_a f_a(x_a)`` over named discrete variables.

    ``cardinalities`` maps each variable name (a string) to its number of states (≥ 1);
    its order is the axis order of :meth:`joint`. Add factors with :meth:`add_factor`.

    Attributes: ``variables`` (tuple of names), ``cardinalities`` (a copy of the mapping),
    ``factors`` (tuple of :class:`Factor`, index = factor name).
    """

    def __init__(self, cardinalities: Mapping[str, int]):
        if not isinstance(cardinalities, Mapping):
            raise TypeError("cardinalities must be a mapping {variable name: number of states}, "
                            f"got {type(cardinalities).__name__}")
        if not cardinalities:
            raise ValueError("a factor graph needs at least one variable")
        card: dict[str, int] = {}
        for name, c in cardinalities.items():
            if not isinstance(name, str):
                raise TypeError(f"variable names must be strings, got {name!r} "
                                f"({type(name).__name__})")
            card[name] = _check_card(name, c)
        self._card = card
        self._factors: list[Factor] = []
        self._var_factors: dict[str, list[int]] = {name: [] for name in card}

    # ------------------------------------------------------------------ structure
    @property
    def variables(self) -> tuple[str, ...]:
        r"""Variable names, in the axis order of :meth:`joint`."""
        return tuple(self._card)

    @property
    def cardinalities(self) -> dict[str, int]:
        r"""``{variable: number of states}`` (a copy)."""
        return dict(self._card)

    @property
    def factors(self) -> tuple[Factor, ...]:
        r"""The factors, in the order they were added (factor ``a`` is ``factors[a]``)."""
        return tuple(self._factors)

    def __repr__(self) -> str:
        return (f"FactorGraph({len(self._card)} variables, {len(self._factors)} factors, "
                f"{self.num_edges()} edges)")

    def _check_variable(self, name, where: str) -> str:
        if not isinstance(name, str):
            raise TypeError(f"{where}: variable names are strings, got {name!r} "
                            f"({type(name).__name__})")
        if name not in self._card:
            raise ValueError(f"{where}: unknown variable {name!r}; the variables are "
                             f"{', '.join(map(repr, self._card))}")
        return name

    def _check_scope(self, variables) -> tuple[str, ...]:
        if isinstance(variables, str):
            raise TypeError(f"variables must be a tuple of names, not a single string "
                            f"(got {variables!r}; write ({variables!r},))")
        try:
            scope = tuple(variables)
        except TypeError:
            raise TypeError(f"variables must be a tuple of names, got {variables!r}") from None
        if not scope:
            raise ValueError("a factor needs at least one variable")
        if not all(isinstance(v, str) and v in self._card for v in scope):
            for v in scope:
                self._check_variable(v, f"factor over {scope!r}")
        if len(set(scope)) != len(scope):
            repeated = sorted({v for v in scope if scope.count(v) > 1})
            raise ValueError(f"factor over {scope!r}: variable(s) {', '.join(map(repr, repeated))} "
                             "appear more than once in the scope")
        return scope

    @staticmethod
    def _check_tables(where: str, table, expected: tuple[int, ...]) -> np.ndarray:
        r"""A float copy of ``table`` after the checks; ``expected`` is its shape."""
        arr = np.asarray(table)
        if arr.dtype.kind not in "biuf":  # bool, integers, floats; not complex, object, strings
            raise TypeError(f"{where}: the table must be a real numeric array, got dtype "
                            f"{arr.dtype}")
        if arr.shape != expected:
            raise ValueError(f"{where}: expected table shape {expected}, got {arr.shape}")
        arr = np.array(arr, dtype=float)
        total, lowest = arr.sum(), arr.min()  # non-finite entries poison the sum
        if not math.isfinite(total) and not np.isfinite(arr).all():
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
            raise ValueError(f"{where}: the table must be finite, entry {bad} is {arr[bad]}")
        if lowest < 0:
            bad = tuple(int(i) for i in np.argwhere(arr < 0)[0])
            raise ValueError(f"{where}: the table must be nonnegative, entry {bad} is {arr[bad]}")
        return arr

    def _append(self, scope: tuple[str, ...], arr: np.ndarray) -> int:
        index = len(self._factors)
        self._factors.append(Factor(scope, arr))
        for v in scope:
            self._var_factors[v].append(index)
        return index

    def add_factor(self, variables: Sequence[str], table) -> int:
        r"""Add the factor ``f_a(x_a)`` with scope ``variables``; return its index ``a``.

        ``table`` is array-like, nonnegative and finite, of shape ``(card[v] for v in
        variables)``, and not identically zero. It is copied (as float) and made read-only.
        """
        scope = self._check_scope(variables)
        expected = tuple(self._card[v] for v in scope)
        where = f"factor over {scope!r} (cardinalities {expected})"
        arr = self._check_tables(where, table, expected)
        if not arr.any():
            raise ValueError(f"{where}: the table is identically zero, so every configuration "
                             "would have probability zero")
        arr.setflags(write=False)
        return self._append(scope, arr)

    def add_factors(self, scopes: Sequence[Sequence[str]], tables) -> list[int]:
        r"""Add many factors with tables of one shape at once (checked in one pass).

        ``tables`` has shape ``(len(scopes),) + (card[v] for v in scope)``, the same for every
        scope; ``tables[i]`` becomes the table of ``scopes[i]``. Returns the new indices.
        Same checks as :meth:`add_factor`, much faster for large models.
        """
        checked = [self._check_scope(sc) for sc in scopes]
        if not checked:
            return []
        shapes = {tuple(self._card[v] for v in sc) for sc in checked}
        if len(shapes) != 1:
            raise ValueError(f"add_factors needs scopes whose tables share one shape, got shapes "
                             f"{sorted(shapes)}; use add_factor for each")
        (shape,) = shapes
        arr = self._check_tables(f"add_factors (tables for {len(checked)} scopes)", tables,
                                 (len(checked),) + shape)
        zero = ~arr.reshape(len(checked), -1).any(axis=1)
        if zero.any():
            i = int(np.argmax(zero))
            raise ValueError(f"add_factors: the table of factor over {checked[i]!r} (tables[{i}]) "
                             "is identically zero, so every configuration would have "
                             "probability zero")
        arr.setflags(write=False)  # tables[i] are read-only views of this copy
        return [self._append(sc, arr[i]) for i, sc in enumerate(checked)]

    def neighbours(self, variable: str) -> tuple[int, ...]:
        r"""The factors ``N(x) = {a : x ∈ x_a}`` of a variable, as factor indices."""
        self._check_variable(variable, "neighbours")
        return tuple(self._var_factors[variable])

    def factor_neighbours(self, factor: int) -> tuple[str, ...]:
        r"""The scope ``N(a) = x_a`` of factor ``a`` (its variables, in table-axis order)."""
        if isinstance(factor, bool) or not isinstance(factor, numbers.Integral):
            raise TypeError(f"factor must be an integer index, got {factor!r}")
        if not 0 <= factor < len(self._factors):
            raise ValueError(f"no factor {factor}; factor indices are 0..{len(self._factors) - 1}")
        return self._factors[factor].variables

    def markov_blanket(self, variable: str) -> tuple[str, ...]:
        r"""Variables sharing a factor with ``variable`` (in ``fg.variables`` order)."""
        self._check_variable(variable, "markov_blanket")
        near = {v for a in self._var_factors[variable] for v in self._factors[a].variables}
        near.discard(variable)
        return tuple(v for v in self._card if v in near)

    def edges(self) -> list[tuple[int, str]]:
        r"""Every edge ``(a, x)`` of the bipartite graph, factor by factor."""
        return [(a, v) for a, f in enumerate(self._factors) for v in f.variables]

    def num_edges(self) -> int:
        r"""Number of edges ``Σ_a |x_a|``."""
        return sum(len(f.variables) for f in self._factors)

    def find_cycle(self) -> list | None:
        r"""A cycle of the bipartite graph as ``[x, a, y, b, …]`` (names and factor indices), or None.

        Union–find over the edges; the first edge that closes a loop is completed by the
        path between its ends in the forest built so far.
        """
        parent: dict = {}

        def root(u):
            while parent.setdefault(u, u) != u:
                parent[u] = parent[parent[u]]
                u = parent[u]
            return u

        forest: dict = {}
        for a, v in self.edges():
            fa, vv = ("f", a), ("v", v)
            ra, rv = root(fa), root(vv)
            if ra == rv:
                path = _forest_path(forest, vv, fa)
                return [u[1] for u in path]
            parent[ra] = rv
            forest.setdefault(fa, []).append(vv)
            forest.setdefault(vv, []).append(fa)
        return None

    def is_forest(self) -> bool:
        r"""True when the bipartite graph has no cycle (every component is a tree)."""
        return self.find_cycle() is None

    def to_networkx(self) -> networkx.Graph:
        r"""The bipartite graph as a ``networkx.Graph``.

        Variable nodes are their names (attribute ``kind="variable"``, ``states``); factor
        nodes are their integer indices (``kind="factor"``, ``scope``).
        """
        import networkx as nx

        g = nx.Graph()
        for v, c in self._card.items():
            g.add_node(v, kind="variable", states=c)
        for a, f in enumerate(self._factors):
            g.add_node(a, kind="factor", scope=f.variables)
            g.add_edges_from((a, v) for v in f.variables)
        return g

    # ------------------------------------------------------------------ evidence
    def check_evidence(self, evidence: Mapping[str, int] | None) -> dict[str, int]:
        r"""Validate ``{variable: observed value}``; return it as a plain dict of ints."""
        if evidence is None:
            return {}
        if not isinstance(evidence, Mapping):
            raise TypeError("evidence must be a mapping {variable: observed value index}, got "
                            f"{type(evidence).__name__}")
        checked: dict[str, int] = {}
        for name, value in evidence.items():
            self._check_variable(name, "evidence")
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(f"evidence for {name!r} must be an integer state index, got "
                                f"{value!r} ({type(value).__name__})")
            if not 0 <= value < self._card[name]:
                raise ValueError(f"evidence {name!r} = {value} is out of range: {name!r} has "
                                 f"states 0..{self._card[name] - 1}")
            checked[name] = int(value)
        return checked

    def zero_probability_message(self, evidence: Mapping[str, int]) -> str:
        r"""The error text for ``Z(e) = 0`` (shared with :mod:`course_lib.bp`)."""
        if evidence:
            return (f"evidence {dict(evidence)} has probability zero: no configuration "
                    "consistent with it has positive weight")
        return "the factors admit no configuration of positive weight (Z = 0)"

    # ------------------------------------------------------------------ enumeration
    def log_joint(self, evidence: Mapping[str, int] | None = None,
                  max_size: int = MAX_JOINT_SIZE) -> np.ndarray:
        r"""Unnormalised ``log Π_a f_a(x_a) + Σ_{v∈e} log 1[x_v = e_v]`` over every configuration.

        One axis per variable in ``fg.variables`` order; ``−inf`` marks weight zero.
        Refuses (``ValueError``) when the array would have more than ``max_size`` entries.
        """
        ev = self.check_evidence(evidence)
        shape = tuple(self._card.values())
        size = math.prod(shape)
        if size > max_size:
            raise ValueError(f"the joint over {len(shape)} variables has {size} entries, above "
                             f"max_size={max_size}: enumeration is for small graphs (use "
                             "belief propagation, or raise max_size)")
        axis = {v: i for i, v in enumerate(self._card)}
        log_p = np.zeros(shape)
        with np.errstate(divide="ignore"):
            for f in self._factors:
                positions = [axis[v] for v in f.variables]
                order = np.argsort(positions)
                table = np.log(f.table).transpose(order)  # axes now in fg.variables order
                view = [1] * len(shape)
                for p in positions:
                    view[p] = shape[p]
                log_p = log_p + table.reshape(view)  # log Π_a f_a = Σ_a log f_a
        for v, value in ev.items():
            indicator = np.full(self._card[v], -np.inf)
            indicator[value] = 0.0  # log 1[x_v = e_v]
            view = [1] * len(shape)
            view[axis[v]] = self._card[v]
            log_p = log_p + indicator.reshape(view)
        return log_p

    def joint(self, evidence: Mapping[str, int] | None = None,
              max_size: int = MAX_JOINT_SIZE) -> np.ndarray:
        r"""The normalised joint ``p(x | e)`` by brute force, one axis per variable.

        p(x | e) = Π_a f_a(x_a) Π_{v∈e} 1[x_v = e_v] / Z(e)

        Axes follow ``fg.variables``. ``ValueError`` above ``max_size`` entries or when
        ``Z(e) = 0`` (evidence of probability zero).
        """
        log_p = self.log_joint(evidence, max_size)
        log_z = logsumexp(log_p)
        if not np.isfinite(log_z):
            raise ValueError(self.zero_probability_message(self.check_evidence(evidence)))
        return np.exp(log_p - log_z)  # p = exp(log p̃ − log Z)


def _forest_path(forest: dict, start, goal) -> list:
    r"""The path from ``start`` to ``goal`` in an acyclic adjacency dict (breadth first)."""
    previous = {start: None}
    queue = deque([start])
    while queue:
        u = queue.popleft()
        if u == goal:
            break
        for w in forest.get(u, ()):
            if w not in previous:
                previous[w] = u
                queue.append(w)
    path = [goal]
    while path[-1] != start:
        path.append(previous[path[-1]])
    return path[::-1]

