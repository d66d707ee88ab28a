r"""Exercise checks for notebooks/02_symbolic_backprop.ipynb (built on :mod:`.exercise`).

The exercises use the graph u = x y, s = sin u, c = u², f = s + c (:data:`SHARED_PRODUCT`).

- :func:`stationarity_of_u` — the Lagrangian ``L1`` and the λ_u that ∂L1/∂u = 0 demands;
- :func:`input_gradients` — ∂f/∂x and ∂f/∂y from the input rows (any equivalent form);
- :func:`adjoint_formulas_function` — ``adjoint_formulas(graph, output)``: the backward
  recurrence λ_i = [i = n] + Σ_{k∈b(i)} λ_k ∂f_k/∂z_i written by the student, checked on fresh
  random graphs against :func:`course_lib.symbolic.solve_adjoints`, with the library's solvers
  forbidden.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import sympy

from .. import autodiff, lagrange, substitution, symbolic
from ..graph import Graph
from . import exercise as ex

__all__ = ["SHARED_PRODUCT", "stationarity_of_u", "input_gradients",
           "adjoint_formulas_function"]

#: the exercises' graph: x y is computed once, in u, and used twice
SHARED_PRODUCT = [("u", "x*y"), ("s", "sin(u)"), ("c", "u**2"), ("f", "s + c")]

x, y, u, s, c, f = sympy.symbols("x y u s c f")
lambda_u, lambda_s, lambda_c, lambda_f = sympy.symbols("lambda_u lambda_s lambda_c lambda_f")


def _shared_product() -> Graph:
    return Graph.from_assignments(SHARED_PRODUCT, inputs=["x", "y"])


def stationarity_of_u(L1: Any, lambda_u_rule: Any,
                      rng: np.random.Generator | int | None = None) -> None:
    r"""``L1`` = f − λ_u(u − xy) − λ_s(s − sin u) − λ_c(c − u²) − λ_f(f − s − c) in any form, and
    ``lambda_u_rule`` = λ_s cos u + 2 λ_c u (from ∂L1/∂u = 0), in u (or xy) and the multipliers."""
    g = _shared_product()
    L = symbolic.lagrangian(g, "f")
    every = {x, y, u, s, c, f, lambda_u, lambda_s, lambda_c, lambda_f}
    ex.same_expression(L1, L, "L1", allowed=every, rng=rng)
    expected = sympy.solve(sympy.diff(L, u), lambda_u)[0]
    ex.same_expression(lambda_u_rule, expected, "lambda_u_rule",
                       allowed={x, y, u, lambda_s, lambda_c, lambda_f},
                       definitions={u: x * y}, rng=rng)
    ex.ok("the Lagrangian L1, and λ_u from its condition ∂L1/∂u = 0")


def input_gradients(grad_x: Any, grad_y: Any, rng: np.random.Generator | int | None = None) -> None:
    r"""∂f/∂x = y cos(xy) + 2xy² and ∂f/∂y = x cos(xy) + 2x²y, in x, y (u = xy allowed)."""
    f_of_xy = sympy.sin(x * y) + (x * y) ** 2  # the oracle: sympy.diff of the composed formula
    for got, v, name in ((grad_x, x, "grad_x"), (grad_y, y, "grad_y")):
        ex.same_expression(got, sympy.diff(f_of_xy, v), name, allowed={x, y, u},
                           definitions={u: x * y}, rng=rng)
    ex.ok("∂f/∂x and ∂f/∂y: the input rows' gradients, equal to sympy.diff of f(x, y)")


# -- the backward recurrence as a mechanism -------------------------------------------------

_UNARY = ["sin({0})", "tanh({0})", "{0}**2", "exp({0}/3)", "3*{0}"]
_BINARY = ["{0}*{1}", "{0} + {1}", "{0} - {1}", "{0}*sin({1})"]


def _random_graph(r: np.random.Generator) -> tuple[Graph, str]:
    r"""A small random DAG in which some node has two users; the output is its last node."""
    n_inputs, n_assigned = int(r.integers(2, 4)), int(r.integers(3, 6))
    names = [f"z{k}" for k in range(1, n_inputs + n_assigned + 1)]
    assignments = []
    for position in range(n_inputs, len(names)):
        earlier = names[:position]
        if position >= 2 and r.random() < 0.6:  # two arguments: the previous two nodes or any
            a, b = earlier[-1], str(r.choice(earlier[:-1]))
            template = _BINARY[int(r.integers(len(_BINARY)))]
            expr = template.format(*((a, b) if r.random() < 0.5 else (b, a)))
        else:
            a = earlier[-1] if r.random() < 0.7 else str(r.choice(earlier))
            expr = _UNARY[int(r.integers(len(_UNARY)))].format(a)
        assignments.append((names[position], expr))
    g = Graph.from_assignments(assignments, inputs=names[:n_inputs])
    return g, g.order[-1]


_FORBIDDEN = {
    "symbolic.solve_adjoints": symbolic.solve_adjoints,
    "symbolic.stationarity_equations": symbolic.stationarity_equations,
    "symbolic.naive_gradient": symbolic.naive_gradient,
    "symbolic.output_expression": symbolic.output_expression,
    "symbolic.shared_adjoint_op_count": symbolic.shared_adjoint_op_count,
    "lagrange.adjoints": lagrange.adjoints,
    "lagrange.lagrange_matrix": lagrange.lagrange_matrix,
    "autodiff.vjp": autodiff.vjp,
    "backslash": substitution.backslash,
    "sympy.solve": sympy.solve,
    "sympy.linsolve": sympy.linsolve,
}


def adjoint_formulas_function(adjoint_formulas: Any,
                              rng: np.random.Generator | int | None = None,
                              cases: int = 3) -> None:
    r"""``adjoint_formulas(graph, output)`` returns {node: λ_node} as sympy expressions in the
    node symbols, by the recurrence λ_n = 1, λ_i = Σ_{k∈b(i)} λ_k ∂f_k/∂z_i (λ_i = 0 if z_i
    does not reach z_n). Checked on the exercise graph and on ``cases`` fresh random graphs,
    each λ against symbolic.solve_adjoints (any equivalent form); solvers are forbidden."""
    r = ex.fresh_rng(rng)
    graphs = [(_shared_product(), "f")] + [_random_graph(r) for _ in range(cases)]
    sympy_module = types.SimpleNamespace(__globals__=vars(sympy))  # so sympy.solve is covered
    for g, output in graphs:
        expected = symbolic.solve_adjoints(g, output)  # the oracle, outside the forbidding block
        with ex.forbidding(_FORBIDDEN, "write the backward recurrence yourself",
                           adjoint_formulas, sympy_module):
            got = ex.call(adjoint_formulas, g, output, name="adjoint_formulas")
        shown = "; ".join(f"{k} = {g.expressions[k]}" for k in g.assigned)
        ex.mapping(got, f"adjoint_formulas(graph, {output!r})", g.order)
        definitions = {g.symbols[k]: g.expressions[k] for k in g.assigned}
        for name in g.order:
            ex.same_expression(got[name], expected[name], f"λ_{name} for the graph {shown}",
                               allowed=set(g.symbols.values()), definitions=definitions, rng=r, points=3,
                               sample=lambda rr, g=g: {g.symbols[i]: float(rr.uniform(-1.2, 1.2))
                                                       for i in g.inputs})
    ex.ok("the backward recurrence: every λ_i equal to the back-substituted adjoint, "
          "on fresh random graphs")
