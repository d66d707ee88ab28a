r"""Backprop derived symbolically: the Lagrangian, its stationarity, and its solution.

For the computation ``z_i = f_i(z_a(i))`` with output ``z_n``, the Lagrangian of
"minimise z_n subject to the computation" is

    L(z, λ) = z_n − Σ_i λ_i (z_i − f_i(z_a(i))),        one λ_i per assigned node i.

Its stationarity conditions, derived here by ``sympy.diff``:

    ∂L/∂λ_i = 0   ⇔   z_i = f_i(z_a(i))                          (the forward pass)
    ∂L/∂z_i = 0   ⇔   λ_i = [i = n] + Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i   (the backward pass)

For an input ``i`` there is no ``λ_i`` in ``L``: ``∂L/∂z_i = Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i``
*is* the gradient ``∂z_n/∂z_i`` (LeCun 1988), and "= 0" is the optimality condition of
the minimisation itself, which backprop evaluates but does not impose. Calling that
gradient ``λ_i`` makes the input rows look like every other row: ``A λ = −e_n``.

Keeping each ``λ_k`` as a shared symbol is what makes backprop cheap; substituting
everything into one expression of the inputs and differentiating it (the naive route)
makes the expressions swell.
"""

from __future__ import annotations

import sympy

from course_lib.graph import Graph
from course_lib.lagrange import check_output, lagrange_matrix
from course_lib.substitution import backslash

__all__ = [
    "multipliers",
    "lagrangian",
    "stationarity_equations",
    "solve_adjoints",
    "output_expression",
    "naive_gradient",
    "op_count",
    "shared_adjoint_op_count",
]


def multipliers(g: Graph) -> dict[str, sympy.Symbol]:
    r"""One Lagrange multiplier ``λ_i`` per assigned node: ``{node: Symbol('lambda_<node>')}``."""
    if not isinstance(g, Graph):
        raise TypeError(f"g must be a course_lib.graph.Graph, got {type(g).__name__}")
    return {name: sympy.Symbol(f"lambda_{name}") for name in g.assigned}


def lagrangian(g: Graph, output: str) -> sympy.Expr:
    r"""The Lagrangian ``L(z, λ) = z_n − Σ_i λ_i (z_i − f_i(z_a(i)))`` of the computation."""
    check_output(g, output)
    lam, z = multipliers(g), g.symbols
    return z[output] - sum((lam[i] * (z[i] - g.expressions[i]) for i in g.assigned),
                           sympy.S.Zero)


def stationarity_equations(g: Graph, output: str) -> tuple[list[sympy.Eq], list[sympy.Eq]]:
    r"""The conditions ``∂L/∂z_i = 0`` (every node, in ``g.order``) and ``∂L/∂λ_i = 0``
    (every assignment), each derived by ``sympy.diff`` of the Lagrangian.

    Returns ``(node_equations, constraint_equations)``. The node equations of the
    inputs are the optimality conditions of the minimisation; their left sides are
    the gradients (see the module docstring).
    """
    L = lagrangian(g, output)
    lam = multipliers(g)
    node_equations = [sympy.Eq(sympy.diff(L, g.symbols[i]), 0, evaluate=False)
                      for i in g.order]
    constraint_equations = [sympy.Eq(sympy.diff(L, lam[i]), 0, evaluate=False)
                            for i in g.assigned]
    return node_equations, constraint_equations


def _reaching(g: Graph, output: str) -> set[str]:
    r"""The nodes with a path to the output (the output included)."""
    seen, stack = {output}, [output]
    while stack:
        for i in g.arguments(stack.pop()):
            if i not in seen:
                seen.add(i)
                stack.append(i)
    return seen


def solve_adjoints(g: Graph, output: str, expand: bool = True) -> dict[str, sympy.Expr]:
    r"""The adjoint ``λ_i = ∂z_n/∂z_i`` of every node as a sympy expression in the z's.

    ``expand=False``: the backward recurrence itself, each user's ``λ_k`` kept as a
    symbol,

        λ_i = [i = n] + Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i       (only users that reach z_n).

    ``expand=True``: the λ's substituted away, by back substitution on the symbolic
    system ``A λ = −e_n`` of :func:`course_lib.lagrange.lagrange_matrix`. Nodes that do
    not reach the output get 0 either way; inputs get the gradient.
    """
    check_output(g, output)
    if expand:
        A, b = lagrange_matrix(g, None, output)
        lam = backslash(A, b)
        return {name: sympy.sympify(lam[g.index(name)]) for name in g.order}
    symbol = multipliers(g)
    reaching = _reaching(g, output)
    recurrence = {}
    for i in g.order:
        if i not in reaching:
            recurrence[i] = sympy.S.Zero
            continue
        seed = sympy.S.One if i == output else sympy.S.Zero  # [i = n]
        recurrence[i] = seed + sum((symbol[k] * g.partial(k, i)
                                    for k in g.users(i) if k in reaching), sympy.S.Zero)
    return recurrence


def output_expression(g: Graph, output: str) -> sympy.Expr:
    r"""``z_n`` as one expression of the inputs: substitute every ``f_i`` into its users."""
    check_output(g, output)
    full = {name: g.symbols[name] for name in g.inputs}
    for name in g.assigned:
        full[name] = g.expressions[name].xreplace(
            {g.symbols[a]: full[a] for a in g.arguments(name)})
    return full[output]


def naive_gradient(g: Graph, output: str) -> dict[str, sympy.Expr]:
    r"""``∂z_n/∂x`` for every input ``x`` by ``sympy.diff`` of :func:`output_expression`.

    The expression-swell baseline: no subexpression is shared, so repeated factors
    of the chain rule are written out again in every term.
    """
    z_n = output_expression(g, output)
    return {x: sympy.diff(z_n, g.symbols[x]) for x in g.inputs}


def op_count(expr: sympy.Expr) -> int:
    r"""The number of operations in ``expr`` (``sympy.count_ops``, every repeat counted)."""
    if not isinstance(expr, (sympy.Basic, int, float)):
        raise TypeError(f"op_count needs a sympy expression, got {type(expr).__name__}")
    return int(sympy.count_ops(expr))


def shared_adjoint_op_count(g: Graph, output: str, include_forward: bool = False) -> int:
    r"""Operations of backprop with shared adjoints: ``Σ_i op_count(λ_i recurrence)``.

    The recurrences are those of ``solve_adjoints(g, output, expand=False)``; each
    reads the λ's of its users as symbols. With ``include_forward=True`` the
    operations of the forward pass ``Σ_i op_count(f_i)``, whose values the
    recurrences read, are added.
    """
    recurrence = solve_adjoints(g, output, expand=False)
    total = sum(op_count(r) for r in recurrence.values())
    if include_forward:
        total += sum(op_count(f) for f in g.expressions.values())
    return total
