r"""A computation as a list of equations ``z_i = f_i(z_a(i))``.

Every node ``z_i`` is either an *input* (given a value from outside) or is
*assigned* an expression ``f_i`` of other nodes: its arguments ``a(i)``.
The nodes that use ``z_i`` are its users ``b(i) = {k : i ∈ a(k)}``.

Because every assignment may only use nodes already computed, the nodes can be
put in a topological order in which every argument precedes its users. In that
order the local Jacobian

    J[k, i] = ∂f_k / ∂z_i          (nonzero only if i ∈ a(k))

is strictly lower triangular; that fact is what the rest of the course solves.

Loops are unrolled into fresh (SSA) names ``x1 = x0 + c, x2 = x1 + c, ...`` and
branches are written with indicator functions (``Heaviside`` or ``Piecewise``),
whose derivative is zero away from the switching point.

Example::

    g = Graph.from_assignments([("z5", "z1*z3"), ("z6", "tanh(z5)")], inputs=["z1", "z3"])
    g.order                     # ('z1', 'z3', 'z5', 'z6')
    g.forward({"z1": 2.0, "z3": 0.5})["z6"]   # tanh(1.0)
"""

from __future__ import annotations

import heapq
import keyword
import math
from collections.abc import Iterable, Mapping
from functools import cached_property

import numpy as np
import sympy
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

__all__ = ["Graph", "EXTRA_FUNCTIONS"]


def _sigmoid(x):
    r"""σ(x) = 1 / (1 + e^{−x})."""
    return 1 / (1 + sympy.exp(-x))


def _relu(x):
    r"""relu(x) = max(0, x)."""
    return sympy.Max(0, x)


#: Names usable in string expressions beyond sympy's own (exp, log, tanh, sin, Max, ...).
EXTRA_FUNCTIONS = {"sigmoid": _sigmoid, "sigma": _sigmoid, "relu": _relu}

# x^2 means x**2 in expressions; no implicit multiplication (``xy`` is one name).
_TRANSFORMS = standard_transformations + (convert_xor,)


def _check_name(name, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} name {name!r} must be a string, got {type(name).__name__}")
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(
            f"{what} name {name!r} is not a valid identifier (letters, digits, underscores, "
            "not starting with a digit, not a Python keyword)"
        )
    return name


def _almost_everywhere(expr: sympy.Expr) -> sympy.Expr:
    r"""Drop Dirac deltas: an indicator's derivative is 0 away from its switching point."""
    return expr.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)


class Graph:
    r"""A computation ``z_i = f_i(z_a(i))`` with named nodes.

    Build it with :meth:`from_assignments`. Attributes:

    - ``inputs``: tuple of input names, in the given order;
    - ``order``: every node, inputs first, then a topological order of the
      assignments (ties keep the order in which assignments were given);
    - ``expressions``: ``{name: f_name}`` as sympy expressions in the node symbols;
    - ``symbols``: ``{name: sympy.Symbol(name)}``.
    """

    def __init__(self, inputs: tuple[str, ...], expressions: dict[str, sympy.Expr],
                 order: tuple[str, ...]):
        self.inputs = inputs
        self.expressions = expressions
        self.order = order
        self.symbols = {name: sympy.Symbol(name) for name in order}
        self._position = {name: i for i, name in enumerate(order)}
        self._args = {
            name: tuple(sorted((str(s) for s in expressions[name].free_symbols),
                               key=self._position.__getitem__))
            if name in expressions else ()
            for name in order
        }
        users: dict[str, list[str]] = {name: [] for name in order}
        for k in order:
            for i in self._args[k]:
                users[i].append(k)
        self._users = {name: tuple(ks) for name, ks in users.items()}
        self._compiled: dict[str, object] = {}
        self._compiled_partials: dict[tuple[str, ...], object] = {}

    # ------------------------------------------------------------------ build
    @classmethod
    def from_assignments(cls, assignments: Iterable[tuple[str, object]],
                         inputs: Iterable[str]) -> Graph:
        r"""Build the graph of ``z_name = expr`` for each ``(name, expr)``.

        ``expr`` is a sympy expression or a string that sympy parses, in which every
        free name is an input or another assigned node. Besides sympy's functions
        (exp, log, tanh, sqrt, Max, Heaviside, Piecewise, ...) strings may use
        ``sigmoid``/``sigma`` and ``relu``. Assignments may come in any order; a
        forward reference is fine, a cycle is a ``ValueError`` naming its nodes.
        """
        if isinstance(inputs, str):
            raise TypeError("inputs must be a list of names, not a single string "
                            f"(got {inputs!r}; write [{inputs!r}])")
        inputs = tuple(_check_name(n, "input") for n in inputs)
        seen_inputs: set[str] = set()
        for n in inputs:
            if n in seen_inputs:
                raise ValueError(f"input {n!r} is listed twice")
            seen_inputs.add(n)

        pairs = []
        for item in assignments:
            if not (isinstance(item, (tuple, list)) and len(item) == 2):
                raise TypeError(f"each assignment must be a (name, expression) pair, got {item!r}")
            pairs.append((_check_name(item[0], "assigned"), item[1]))

        defined: dict[str, int] = {}
        for idx, (name, _) in enumerate(pairs):
            if name in seen_inputs:
                raise ValueError(f"{name!r} is an input and cannot also be assigned")
            if name in defined:
                raise ValueError(f"{name!r} is assigned twice (assignments {defined[name]} and "
                                 f"{idx}); unroll repeated updates into new names, e.g. "
                                 f"{name}_1, {name}_2")
            defined[name] = idx

        known = list(inputs) + [name for name, _ in pairs]
        local_names = {n: sympy.Symbol(n) for n in known}
        expressions: dict[str, sympy.Expr] = {}
        for name, expr in pairs:
            expressions[name] = cls._to_expression(name, expr, local_names)

        order = cls._topological_order(inputs, pairs, expressions)
        return cls(inputs, expressions, order)

    @staticmethod
    def _to_expression(name: str, expr, local_names: dict) -> sympy.Expr:
        if isinstance(expr, str):
            namespace = dict(EXTRA_FUNCTIONS)
            namespace.update(local_names)
            try:
                parsed = parse_expr(expr, local_dict=namespace, transformations=_TRANSFORMS,
                                    evaluate=True)
            except Exception as exc:  # sympy raises SyntaxError, TokenError, TypeError, ...
                raise ValueError(f"cannot parse the expression for {name!r}: {expr!r} "
                                 f"({type(exc).__name__}: {exc})") from None
        elif isinstance(expr, (sympy.Basic, int, float)) and not isinstance(expr, bool):
            parsed = sympy.sympify(expr)
        else:
            raise TypeError(f"the expression for {name!r} must be a string or a sympy "
                            f"expression, got {type(expr).__name__}")
        if not isinstance(parsed, sympy.Expr):
            raise ValueError(f"the expression for {name!r} is not a scalar expression: {expr!r}")
        # Map symbols to the graph's own plain symbols by name (assumptions may differ).
        by_name = {s: local_names.get(str(s)) for s in parsed.free_symbols}
        unknown = sorted(str(s) for s, mine in by_name.items() if mine is None)
        if unknown:
            raise ValueError(f"the expression for {name!r} uses undefined name(s) "
                             f"{', '.join(unknown)}: declare them as inputs or assign them")
        parsed = parsed.xreplace(by_name)
        if name in {str(s) for s in parsed.free_symbols}:
            raise ValueError(f"{name!r} is defined in terms of itself ({name} = {parsed}): "
                             "a cycle of length 1; an equation z = f(z) is implicit, not a "
                             "computation")
        return parsed

    @staticmethod
    def _topological_order(inputs, pairs, expressions) -> tuple[str, ...]:
        r"""Kahn's algorithm; among ready nodes, the one given first goes first."""
        index = {name: i for i, (name, _) in enumerate(pairs)}
        waiting = {name: {str(s) for s in expressions[name].free_symbols} - set(inputs)
                   for name, _ in pairs}
        users: dict[str, list[str]] = {name: [] for name, _ in pairs}
        for name, deps in waiting.items():
            for d in deps:
                users[d].append(name)
        ready = [index[n] for n, deps in waiting.items() if not deps]
        heapq.heapify(ready)
        order = list(inputs)
        remaining = {n: len(deps) for n, deps in waiting.items()}
        while ready:
            name = pairs[heapq.heappop(ready)][0]
            order.append(name)
            for k in users[name]:
                remaining[k] -= 1
                if remaining[k] == 0:
                    heapq.heappush(ready, index[k])
        if len(order) < len(inputs) + len(pairs):
            stuck = {n for n, r in remaining.items() if r > 0}
            cycle = Graph._find_cycle(stuck, waiting)
            raise ValueError("the assignments contain a cycle: " + " -> ".join(cycle)
                             + "; a computation must be acyclic (a cycle is an implicit "
                             "equation z = f(z), see notebook 06)")
        return tuple(order)

    @staticmethod
    def _find_cycle(stuck: set[str], deps: dict[str, set[str]]) -> list[str]:
        r"""Walk 'depends on' edges inside the stuck set until a node repeats."""
        start = min(stuck)
        path, seen = [start], {start: 0}
        node = start
        while True:
            node = min(d for d in deps[node] if d in stuck)
            if node in seen:
                cycle = path[seen[node]:] + [node]
                return list(reversed(cycle))  # print in the direction values flow
            seen[node] = len(path)
            path.append(node)

    # --------------------------------------------------------------- structure
    @property
    def assigned(self) -> tuple[str, ...]:
        r"""The assigned (non-input) nodes, in topological order."""
        return self.order[len(self.inputs):]

    def arguments(self, name: str) -> tuple[str, ...]:
        r"""a(i): the nodes that f_i reads, in topological order (empty for an input)."""
        return self._args[self._node(name)]

    def users(self, name: str) -> tuple[str, ...]:
        r"""b(i) = {k : i ∈ a(k)}: the nodes whose expression reads z_i."""
        return self._users[self._node(name)]

    def index(self, name: str) -> int:
        r"""Position of a node in ``order`` (its row and column in J and A)."""
        return self._position[self._node(name)]

    def edges(self) -> list[tuple[str, str]]:
        r"""All pairs (i, k) with i ∈ a(k), i.e. the nonzeros J[k, i] of the Jacobian."""
        return [(i, k) for k in self.order for i in self._args[k]]

    def _node(self, name: str) -> str:
        if name not in self._position:
            raise ValueError(f"unknown node {name!r}; the nodes are {', '.join(self.order)}")
        return name

    def __repr__(self) -> str:
        return f"Graph(inputs={list(self.inputs)}, assigned={list(self.assigned)})"

    def __len__(self) -> int:
        return len(self.order)

    # ---------------------------------------------------------------- partials
    @cached_property
    def partials(self) -> dict[tuple[str, str], sympy.Expr]:
        r"""Local partials ``{(k, i): ∂f_k/∂z_i}`` for every i ∈ a(k), as sympy expressions.

        Dirac deltas from differentiating indicators are dropped (zero almost everywhere).
        """
        out = {}
        for k in self.assigned:
            f = self.expressions[k]
            for i in self._args[k]:
                out[(k, i)] = _almost_everywhere(sympy.diff(f, self.symbols[i]))
        return out

    def partial(self, k: str, i: str) -> sympy.Expr:
        r"""∂f_k/∂z_i as a sympy expression (0 when z_k does not read z_i)."""
        return self.partials.get((self._node(k), self._node(i)), sympy.S.Zero)

    @cached_property
    def second_partials(self) -> dict[tuple[str, str, str], sympy.Expr]:
        r"""``{(k, i, j): ∂²f_k/∂z_i∂z_j}`` for i, j ∈ a(k), the nonzero ones only."""
        out = {}
        for (k, i), d in self.partials.items():
            for j in self._args[k]:
                dd = _almost_everywhere(sympy.diff(d, self.symbols[j]))
                if dd != 0:
                    out[(k, i, j)] = dd
        return out

    def second_partial_values(self, values: Mapping[str, float]
                              ) -> dict[tuple[str, str, str], float]:
        r"""``{(k, i, j): ∂²f_k/∂z_i∂z_j}`` evaluated at the forward point of ``values``."""
        z = self._point(values)
        out = {}
        for key, expr in self.second_partials.items():
            fn = self._compiled_partials.get(key)
            if fn is None:
                fn = self._compiled_partials[key] = self._compile(expr)
            out[key] = self._evaluate(fn, expr, z, f"∂²{key[0]}/∂{key[1]}∂{key[2]}")
        return out

    def partial_values(self, values: Mapping[str, float]) -> dict[tuple[str, str], float]:
        r"""Local partials ``{(k, i): J[k, i]}`` evaluated at the forward point of ``values``.

        ``values`` holds the inputs (as for :meth:`forward`) or every node.
        """
        z = self._point(values)
        out = {}
        for key, expr in self.partials.items():
            fn = self._compiled_partials.get(key)
            if fn is None:
                fn = self._compiled_partials[key] = self._compile(expr)
            out[key] = self._evaluate(fn, expr, z, f"∂{key[0]}/∂{key[1]}")
        return out

    # ----------------------------------------------------------------- forward
    def forward(self, values: Mapping[str, float]) -> dict[str, float]:
        r"""The forward pass: z_i = f_i(z_a(i)) for every node in ``order``.

        ``values`` maps every input to a finite real number; returns ``{node: float}``.
        """
        z = self.check_inputs(values)
        for name in self.assigned:
            fn = self._compiled.get(name)
            if fn is None:
                fn = self._compiled[name] = self._compile(self.expressions[name])
            z[name] = self._evaluate(fn, self.expressions[name], z, name)
        return z

    def check_inputs(self, values: Mapping[str, float]) -> dict[str, float]:
        r"""Validate ``{input: value}`` and return it as a dict of floats in input order."""
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a mapping {{input name: number}}, "
                            f"got {type(values).__name__}")
        extra = [k for k in values if k not in self.inputs]
        if extra:
            raise ValueError(f"values name {', '.join(map(repr, extra))}, which "
                             f"{'is' if len(extra) == 1 else 'are'} not an input; "
                             f"the inputs are {', '.join(self.inputs) or '(none)'}")
        missing = [n for n in self.inputs if n not in values]
        if missing:
            raise ValueError(f"missing value for input(s) {', '.join(missing)}")
        out = {}
        for n in self.inputs:
            v = values[n]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)):
                if isinstance(v, np.ndarray) and v.shape == ():
                    v = v.item()
                else:
                    raise TypeError(f"value of input {n!r} must be a real number, got {v!r}")
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"value of input {n!r} is not finite: {v}")
            out[n] = v
        return out

    def _point(self, values: Mapping[str, float]) -> dict[str, float]:
        r"""The forward point: accepts the inputs alone or a whole forward-pass result."""
        if isinstance(values, Mapping):
            unknown = [k for k in values if k not in self._position]
            if unknown:
                raise ValueError(f"values name unknown node(s) {', '.join(map(repr, unknown))}")
            values = {n: v for n, v in values.items() if n in self.inputs}
        return self.forward(values)

    def _compile(self, expr: sympy.Expr):
        args = [self.symbols[str(s)] for s in sorted(expr.free_symbols, key=str)]
        # no docstring: lambdify would print the expression into one (4–5× its compile time,
        # measured), and these functions are never read
        fn = sympy.lambdify(args, expr, modules=["numpy"], docstring_limit=0)
        return fn, [str(a) for a in args]

    @staticmethod
    def _evaluate(compiled, expr, z: dict[str, float], what: str) -> float:
        fn, names = compiled
        with np.errstate(all="ignore"):
            try:
                value = fn(*(z[n] for n in names))
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                raise ValueError(f"evaluating {what} = {expr} failed at "
                                 f"{ {n: z[n] for n in names} }: {exc}") from None
        try:
            value = complex(value)
        except TypeError:
            raise ValueError(f"{what} = {expr} did not evaluate to a number "
                             f"(got {value!r})") from None
        if value.imag != 0 or not math.isfinite(value.real):
            raise ValueError(f"{what} = {expr} is not a finite real number at "
                             f"{ {n: z[n] for n in names} } (got {value})")
        return float(value.real)
