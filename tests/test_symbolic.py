r"""Tests for course_lib.symbolic: the Lagrangian, its stationarity, and the adjoints it yields.

Oracles: ``sympy.diff`` of the output written as one expression of the inputs (proved
equal with ``sympy.simplify``), ``sympy.linsolve`` of the stationarity equations, and
the numeric adjoints of course_lib.lagrange (which the finite-difference tests of
test_lagrange.py check independently).
"""

from __future__ import annotations

import math

import pytest
import sympy
from hypothesis import given, settings
from strategies import article_network, random_graphs, small_graph

from course_lib import lagrange, symbolic
from course_lib.graph import Graph

CASES = settings(max_examples=30, deadline=None)
SLOW_CASES = settings(max_examples=20, deadline=None)  # for sympy's slower solve and substitution


def substitute_inputs(g: Graph, expr: sympy.Expr) -> sympy.Expr:
    r"""Write every z of an assigned node in ``expr`` as an expression of the inputs."""
    full = {}
    for name in g.assigned:  # topological order: arguments are already written out
        full[g.symbols[name]] = g.expressions[name].xreplace(full)
    return sympy.sympify(expr).xreplace(full)


def vanishes(expr: sympy.Expr) -> bool:
    r"""A symbolic proof that ``expr`` is identically 0: cheap rewritings first, then simplify."""
    return expr == 0 or sympy.expand(expr) == 0 or sympy.simplify(expr) == 0


def at_point(g: Graph, values: dict[str, float]) -> dict[sympy.Symbol, sympy.Float]:
    return {g.symbols[n]: sympy.Float(v, 30) for n, v in g.forward(values).items()}


# ----------------------------------------------------------- the Lagrangian


def test_lagrangian_of_article_network():
    g = article_network()
    L = symbolic.lagrangian(g, "z9")
    lam = symbolic.multipliers(g)
    assert list(lam) == ["z5", "z6", "z7", "z8", "z9"]
    assert lam["z5"] == sympy.Symbol("lambda_z5")  # a plain Symbol, no assumptions
    z = g.symbols
    expected = z["z9"] - sum(lam[i] * (z[i] - g.expressions[i]) for i in g.assigned)
    assert sympy.expand(L - expected) == 0
    assert L.free_symbols == set(z.values()) | set(lam.values())


@CASES
@given(random_graphs())
def test_stationarity_in_lambda_is_the_forward_pass(case):
    g, output, _ = case
    node_eqs, constraint_eqs = symbolic.stationarity_equations(g, output)
    assert len(node_eqs) == len(g.order) and len(constraint_eqs) == len(g.assigned)
    assert all(isinstance(e, sympy.Eq) for e in node_eqs + constraint_eqs)
    for name, eq in zip(g.assigned, constraint_eqs, strict=True):
        # ∂L/∂λ_i = −(z_i − f_i(z_a(i))): zero exactly when z_i = f_i(z_a(i))
        z_i = g.symbols[name]
        assert eq.rhs == 0 and sympy.diff(eq.lhs, z_i) == -1
        assert vanishes(eq.lhs + z_i - g.expressions[name])


def solve_node_equations(g: Graph, node_eqs: list[sympy.Eq],
                         point: dict | None = None) -> dict[sympy.Symbol, sympy.Expr]:
    r"""Oracle: sympy.linsolve of ∂L/∂z_i = 0 over the assigned i for the λ's (at a point if given)."""
    lam = symbolic.multipliers(g)
    equations = [eq.lhs for name, eq in zip(g.order, node_eqs, strict=True) if name in lam]
    if point is not None:
        equations = [e.xreplace(point) for e in equations]
    solutions = sympy.linsolve(equations, list(lam.values()))
    assert len(solutions) == 1  # a unique solution: A is triangular with −1's on its diagonal
    return dict(zip(lam.values(), next(iter(solutions)), strict=True))


@CASES
@given(random_graphs())
def test_stationarity_in_z_gives_the_adjoints(case):
    r"""Solving ∂L/∂z_i = 0 (assigned i) with sympy.linsolve gives solve_adjoints' λ's."""
    g, output, values = case
    node_eqs, _ = symbolic.stationarity_equations(g, output)
    lam = symbolic.multipliers(g)
    if not g.users(output):  # ∂L/∂z_n = 0  ⇔  λ_n = 1
        assert sympy.solve(node_eqs[g.index(output)], lam[output]) == [1]
    point = at_point(g, values)  # the equations at the drawn point: linear, numeric coefficients
    solution = solve_node_equations(g, node_eqs, point)
    assert float(solution[lam[output]]) == 1.0
    adjoints = symbolic.solve_adjoints(g, output)
    for name in g.order:
        if name in lam:
            from_linsolve = solution[lam[name]]
        else:  # an input: the left side of its equation, at the solution, is its adjoint
            from_linsolve = node_eqs[g.index(name)].lhs.xreplace(point).xreplace(solution)
        a, b = (sympy.sympify(e).xreplace(point).evalf(30) for e in (from_linsolve, adjoints[name]))
        assert abs(a - b) <= sympy.Float("1e-25") * (1 + abs(b)), name


def test_stationarity_in_z_solved_symbolically_on_the_article_network():
    g = article_network()
    node_eqs, _ = symbolic.stationarity_equations(g, "z9")
    solution = solve_node_equations(g, node_eqs)
    adjoints = symbolic.solve_adjoints(g, "z9")
    lam = symbolic.multipliers(g)
    for name in g.order:
        lhs = node_eqs[g.index(name)].lhs
        from_linsolve = solution[lam[name]] if name in lam else lhs.xreplace(solution)
        assert sympy.simplify(from_linsolve - adjoints[name]) == 0, name


def test_input_equation_is_the_gradient_not_a_constraint():
    g = article_network()
    node_eqs, _ = symbolic.stationarity_equations(g, "z9")
    lam = symbolic.multipliers(g)
    # ∂L/∂w1 = λ_5 x: zero only at a minimum over w1; backprop evaluates it
    assert node_eqs[g.index("z3")].lhs == lam["z5"] * g.symbols["z1"]
    assert node_eqs[g.index("z3")].rhs == 0


def test_equations_stay_equations_when_trivial():
    g = Graph.from_assignments([("u", "x*y"), ("v", "sin(x)")], inputs=["x", "y"])
    node_eqs, _ = symbolic.stationarity_equations(g, "u")
    v_eq = node_eqs[g.index("v")]
    assert isinstance(v_eq, sympy.Eq) and v_eq.lhs == -sympy.Symbol("lambda_v")


# ------------------------------------------------------------- the adjoints


def test_article_network_weight_adjoints_equal_diff_of_the_loss():
    r"""The source's claim, proved: λ_{w1} = ∂l/∂w1 and λ_{w2} = ∂l/∂w2 (and for x and y)."""
    g = article_network()
    adjoints = symbolic.solve_adjoints(g, "z9")
    loss = symbolic.output_expression(g, "z9")
    for name in g.inputs:
        assert sympy.simplify(substitute_inputs(g, adjoints[name])
                              - sympy.diff(loss, g.symbols[name])) == 0, name
    # the corrected back substitution of the source: λ_5 = λ_6 ∂f_6/∂z_5, λ_3 = λ_5 ∂f_5/∂z_3
    rec = symbolic.solve_adjoints(g, "z9", expand=False)
    lam, z = symbolic.multipliers(g), g.symbols
    assert rec["z5"] == lam["z6"] * sympy.diff(g.expressions["z6"], z["z5"])
    assert rec["z3"] == lam["z5"] * z["z1"]
    assert rec["z4"] == lam["z7"] * z["z6"]


@SLOW_CASES
@given(random_graphs(max_inputs=2, max_assigned=3))
def test_adjoints_of_inputs_equal_diff_of_substituted_output_symbolically(case):
    g, output, _ = case
    adjoints = symbolic.solve_adjoints(g, output)
    naive = symbolic.naive_gradient(g, output)
    assert set(naive) == set(g.inputs)
    for name in g.inputs:
        assert vanishes(substitute_inputs(g, adjoints[name]) - naive[name]), name


@SLOW_CASES
@given(random_graphs(max_assigned=5))
def test_adjoints_equal_naive_gradient_numerically(case):
    g, output, values = case
    point = at_point(g, values)
    inputs_only = {s: v for s, v in point.items() if str(s) in g.inputs}
    adjoints = symbolic.solve_adjoints(g, output)
    naive = symbolic.naive_gradient(g, output)
    for name in g.inputs:
        a = float(adjoints[name].xreplace(point))
        b = float(naive[name].xreplace(inputs_only))
        assert math.isclose(a, b, rel_tol=1e-10, abs_tol=1e-12), name


@CASES
@given(random_graphs())
def test_recurrence_holds_for_the_numeric_adjoints(case):
    r"""λ_i = [i = n] + Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i with the numeric λ plugged in (no solve)."""
    g, output, values = case
    numeric = lagrange.adjoints(g, values, output)
    recurrence = symbolic.solve_adjoints(g, output, expand=False)
    point = at_point(g, values)
    point |= {s: sympy.Float(numeric[n], 30) for n, s in symbolic.multipliers(g).items()}
    for name in g.order:
        rhs = float(recurrence[name].xreplace(point).evalf(30))
        assert math.isclose(rhs, numeric[name], rel_tol=1e-10, abs_tol=1e-12), name


@CASES
@given(random_graphs(max_assigned=5))
def test_expanded_adjoints_solve_the_recurrence_exactly(case):
    g, output, _ = case
    expanded = symbolic.solve_adjoints(g, output)
    recurrence = symbolic.solve_adjoints(g, output, expand=False)
    lam = symbolic.multipliers(g)
    to_expanded = {lam[n]: expanded[n] for n in g.assigned}
    for name in g.order:
        assert vanishes(recurrence[name].xreplace(to_expanded) - expanded[name])


def test_unreached_nodes_get_zero_and_output_gets_one():
    g = Graph.from_assignments([("u", "x*y"), ("v", "sin(u)"), ("w", "exp(x)")],
                               inputs=["x", "y"])
    for expand in (True, False):
        adjoints = symbolic.solve_adjoints(g, "u", expand=expand)
        assert adjoints["v"] == 0 and adjoints["w"] == 0 and adjoints["u"] == 1
        assert adjoints["x"] in (sympy.Symbol("y"), sympy.Symbol("lambda_u") * sympy.Symbol("y"))
    assert symbolic.solve_adjoints(g, "x") == {"x": 1, "y": 0, "u": 0, "v": 0, "w": 0}


# ------------------------------------------------------------ expression swell


def chain(depth: int) -> Graph:
    r"""z_k = tanh(w z_{k−1}) repeated: the naive derivative rewrites every inner tanh again."""
    assignments = [(f"h{k}", f"tanh(w*h{k - 1})") for k in range(1, depth + 1)]
    return Graph.from_assignments(assignments, inputs=["h0", "w"])


def test_naive_gradient_swells_but_shared_adjoints_grow_linearly():
    naive, shared = [], []
    for depth in (4, 8, 12, 16):
        g = chain(depth)
        out = g.assigned[-1]
        naive.append(sum(symbolic.op_count(e) for e in symbolic.naive_gradient(g, out).values()))
        shared.append(symbolic.shared_adjoint_op_count(g, out))
    steps = [b - a for a, b in zip(shared, shared[1:], strict=False)]
    assert len(set(steps)) == 1, shared  # the same few operations per layer
    naive_steps = [b - a for a, b in zip(naive, naive[1:], strict=False)]
    assert naive_steps == sorted(naive_steps) and naive_steps[-1] > naive_steps[0]
    assert naive[-1] > 4 * shared[-1]  # quadratic in depth against linear


def test_op_counts_of_the_article_network():
    g = article_network()
    recurrence = symbolic.solve_adjoints(g, "z9", expand=False)
    shared = symbolic.shared_adjoint_op_count(g, "z9")
    assert shared == sum(sympy.count_ops(r) for r in recurrence.values())
    with_forward = symbolic.shared_adjoint_op_count(g, "z9", include_forward=True)
    assert with_forward == shared + sum(sympy.count_ops(f) for f in g.expressions.values())
    assert symbolic.op_count(sympy.sympify("x*y + sin(x)")) == 3


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize("fn", [
    symbolic.lagrangian, symbolic.stationarity_equations, symbolic.solve_adjoints,
    symbolic.output_expression, symbolic.naive_gradient, symbolic.shared_adjoint_op_count,
])
def test_bad_output_and_graph_are_named(fn):
    with pytest.raises(ValueError, match="output 'z9' is not a node"):
        fn(small_graph(), "z9")
    with pytest.raises(TypeError, match="output must be a node name"):
        fn(small_graph(), None)
    with pytest.raises(TypeError, match="must be a course_lib.graph.Graph"):
        fn([("z3", "z1*z2")], "z3")


def test_bad_input_to_multipliers_and_op_count():
    with pytest.raises(TypeError, match="must be a course_lib.graph.Graph"):
        symbolic.multipliers("z1*z2")
    with pytest.raises(TypeError, match="needs a sympy expression"):
        symbolic.op_count("x*y")
    with pytest.raises(TypeError, match="needs a sympy expression"):
        symbolic.op_count([sympy.Symbol("x")])
