"""Hessian–vector products by forward-over-reverse, against sympy.hessian and against an
independent second route (reverse-over-forward: backprop through the graph of the JVP)."""

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import autodiff, lagrange, symbolic
from course_lib.graph import Graph


def _random_graph(draw_seed: int, n_inputs: int, n_assigned: int) -> tuple[Graph, dict]:
    rng = np.random.default_rng(draw_seed)
    names = [f"x{j}" for j in range(n_inputs)]
    unary = ["sin({})", "tanh({})", "exp(({})/3)", "({})**2", "log(1 + ({})**2)"]
    binary = ["{}*{}", "{} + {}", "{} - 2*{}", "{}*sin({})"]
    assignments = []
    for k in range(n_assigned):
        pick = rng.choice(len(names), size=2, replace=True)
        a, b = names[pick[0]], names[pick[1]]
        if rng.random() < 0.5:
            expr = unary[rng.integers(len(unary))].format(a)
        else:
            expr = binary[rng.integers(len(binary))].format(a, b)
        name = f"z{k}"
        assignments.append((name, expr))
        names.append(name)
    g = Graph.from_assignments(assignments, inputs=[f"x{j}" for j in range(n_inputs)])
    point = {x: float(rng.uniform(-1, 1)) for x in g.inputs}
    return g, point


def _reverse_over_forward(g: Graph, point: dict, output: str, u: dict) -> dict:
    r"""H u = ∇_x (∇z_n · u): build the JVP's graph (tangent nodes ż_k = Σ_i ∂f_k/∂z_i ż_i)
    and backprop ż_n through it — a route that never differentiates A λ = −e_n."""
    dot = {x: sympy.Float(u.get(x, 0.0)) for x in g.inputs}
    assignments = [(k, g.expressions[k]) for k in g.assigned]
    for k in g.assigned:
        expr = sum((g.partial(k, i) * (dot[i] if i in g.inputs else sympy.Symbol(f"dot_{i}"))
                    for i in g.arguments(k)), sympy.S.Zero)
        dot[k] = sympy.Symbol(f"dot_{k}")
        assignments.append((f"dot_{k}", expr))
    jvp_graph = Graph.from_assignments(assignments, inputs=list(g.inputs))
    lam = lagrange.adjoints(jvp_graph, point, f"dot_{output}")
    return {x: lam[x] for x in g.inputs}


@settings(max_examples=40)
@given(st.integers(0, 10**6), st.integers(1, 3), st.integers(1, 6))
def test_hvp_matches_sympy_hessian_and_reverse_over_forward(seed, n_inputs, n_assigned):
    g, point = _random_graph(seed, n_inputs, n_assigned)
    output = g.order[-1]
    rng = np.random.default_rng(seed + 1)
    u = {x: float(rng.normal()) for x in g.inputs}
    got = autodiff.hvp(g, point, output, u)
    # oracle 1: the Hessian of the whole formula, by sympy
    formula = symbolic.output_expression(g, output)
    xs = [g.symbols[x] for x in g.inputs]
    H = np.array(sympy.hessian(formula, xs).subs({g.symbols[x]: v for x, v in point.items()})
                 .evalf(), dtype=float)
    expected = H @ np.array([u[x] for x in g.inputs])
    assert np.allclose([got[x] for x in g.inputs], expected, rtol=1e-8, atol=1e-9)
    # oracle 2: reverse-over-forward
    other = _reverse_over_forward(g, point, output, u)
    assert np.allclose([got[x] for x in g.inputs], [other[x] for x in g.inputs],
                       rtol=1e-8, atol=1e-9)


def test_hvp_of_a_quadratic_is_the_matrix_times_the_direction():
    # f = x² y + 3 y²: H = [[2y, 2x], [2x, 6]]
    g = Graph.from_assignments([("a", "x**2*y"), ("f", "a + 3*y**2")], inputs=["x", "y"])
    got = autodiff.hvp(g, {"x": 2.0, "y": -1.0}, "f", {"x": 1.0, "y": 0.5})
    assert got == pytest.approx({"x": 2 * -1.0 * 1.0 + 2 * 2.0 * 0.5,
                                 "y": 2 * 2.0 * 1.0 + 6 * 0.5})


@pytest.mark.parametrize("direction, error, message", [
    ({"z": 1.0}, ValueError, "not an input"),
    ({"nope": 1.0}, ValueError, "'nope', which is not an input"),
    ({"x": 1.0, "y": float("nan")}, ValueError, "'y' is not finite"),
    ({"y": float("-inf")}, ValueError, "not finite"),
    ({"x": None}, TypeError, "real number"),
    ({"x": float("nan")}, ValueError, "not finite"),
    ({"x": "1"}, TypeError, "real number"),
    ([1.0], TypeError, "mapping"),
])
def test_bad_direction_is_named(direction, error, message):
    g = Graph.from_assignments([("z", "x*y")], inputs=["x", "y"])
    with pytest.raises(error, match=message):
        autodiff.hvp(g, {"x": 1.0, "y": 2.0}, "z", direction)
