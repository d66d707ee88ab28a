"""Tests for course_lib.graph against independent oracles.

Oracles: sympy's own exact evaluation (subs + evalf, not lambdify) for the
forward pass, central finite differences of each f_k for the local partials,
and plain Python evaluation of the same arithmetic for the worked examples.
"""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from strategies import ARTICLE_INPUTS as SMALL_INPUTS
from strategies import ARTICLE_NETWORK as SMALL_NET
from strategies import random_graphs

from course_lib.graph import Graph


def sympy_forward(g: Graph, values: dict) -> dict:
    """Oracle: exact sympy evaluation, node by node, without lambdify."""
    z = {n: sympy.Float(values[n], 30) for n in g.inputs}
    for name in g.assigned:
        expr = g.expressions[name].subs({g.symbols[k]: v for k, v in z.items()})
        z[name] = sympy.N(expr, 30)
    return {n: float(v) for n, v in z.items()}


def test_small_network_forward_matches_hand_computation():
    g = Graph.from_assignments(SMALL_NET, inputs=SMALL_INPUTS)
    x, y, w1, w2 = 0.7, 1.0, -1.3, 2.1
    z = g.forward({"z1": x, "z2": y, "z3": w1, "z4": w2})
    a1 = 1 / (1 + math.exp(-x * w1))
    a2 = math.exp(a1 * w2) / (math.exp(a1 * w2) + 1)
    loss = -(y * math.log(a2) + (1 - y) * math.log(1 - a2))
    assert z["z6"] == pytest.approx(a1, rel=1e-14)
    assert z["z8"] == pytest.approx(a2, rel=1e-14)
    assert z["z9"] == pytest.approx(loss, rel=1e-14)


def test_order_inputs_first_then_topological_and_structure():
    g = Graph.from_assignments(SMALL_NET, inputs=SMALL_INPUTS)
    assert g.inputs == ("z1", "z2", "z3", "z4")
    assert g.order == tuple(f"z{i}" for i in range(1, 10))
    assert g.arguments("z5") == ("z1", "z3")
    assert g.arguments("z9") == ("z2", "z8")
    assert g.users("z2") == ("z9",)
    assert g.users("z6") == ("z7",)
    assert g.users("z9") == ()
    assert g.arguments("z1") == ()
    assert set(g.edges()) == {(i, k) for k in g.assigned for i in g.arguments(k)}


@given(st.permutations(range(len(SMALL_NET))))
def test_any_assignment_order_gives_a_valid_topological_order(perm):
    g = Graph.from_assignments([SMALL_NET[i] for i in perm], inputs=SMALL_INPUTS)
    pos = {n: i for i, n in enumerate(g.order)}
    assert g.order[:4] == tuple(SMALL_INPUTS)
    assert sorted(g.order) == sorted(SMALL_INPUTS + [n for n, _ in SMALL_NET])
    for i, k in g.edges():
        assert pos[i] < pos[k], f"{i} must come before its user {k}"
    values = {"z1": 0.3, "z2": 0.0, "z3": 0.9, "z4": -0.4}
    ref = Graph.from_assignments(SMALL_NET, inputs=SMALL_INPUTS).forward(values)
    assert g.forward(values) == pytest.approx(ref, rel=1e-15)


@given(random_graphs())
def test_forward_matches_exact_sympy_evaluation(case):
    g, _, values = case
    got = g.forward(values)
    want = sympy_forward(g, values)
    assert list(got) == list(g.order)
    for n in g.order:
        assert got[n] == pytest.approx(want[n], rel=1e-9, abs=1e-12), n


@given(random_graphs())
def test_local_partials_match_central_differences(case):
    g, _, values = case
    z = g.forward(values)
    J = g.partial_values(values)
    assert set(J) == {(k, i) for i, k in g.edges()}
    for (k, i), d in J.items():
        h = 1e-6 * max(1.0, abs(z[i]))
        f = sympy.lambdify([g.symbols[n] for n in g.order], g.expressions[k], "math")
        up = dict(z, **{i: z[i] + h})
        dn = dict(z, **{i: z[i] - h})
        fd = (f(*(up[n] for n in g.order)) - f(*(dn[n] for n in g.order))) / (2 * h)
        assert d == pytest.approx(fd, rel=1e-5, abs=1e-7), (k, i)
    # partial_values accepts a whole forward result as well as the inputs
    assert g.partial_values(z) == J


def test_partials_are_sympy_derivatives():
    g = Graph.from_assignments(SMALL_NET, inputs=SMALL_INPUTS)
    z5, z6 = sympy.symbols("z5 z6")
    assert sympy.simplify(g.partial("z6", "z5") - sympy.diff(1 / (1 + sympy.exp(-z5)), z5)) == 0
    assert g.partial("z7", "z6") == sympy.Symbol("z4")
    assert g.partial("z9", "z1") == 0  # z9 does not read z1 directly
    assert g.partial("z6", "z6") == 0 and z6 not in g.partial("z6", "z5").free_symbols


def test_unrolled_loop_in_ssa_form():
    # x = x + c, three times: x1 = x0 + c, x2 = x1 + c, x3 = x2 + c
    g = Graph.from_assignments([(f"x{t}", f"x{t - 1} + c") for t in (1, 2, 3)], inputs=["x0", "c"])
    z = g.forward({"x0": 1.5, "c": 0.25})
    assert z["x3"] == 1.5 + 3 * 0.25
    assert g.users("c") == ("x1", "x2", "x3")  # the shared parameter feeds every copy


@pytest.mark.parametrize("a", [-2.0, -0.5, 0.5, 3.0])
def test_branch_as_indicator_functions(a):
    # y = a^2 if a > 0 else -a, written with Heaviside and with Piecewise
    heav = Graph.from_assignments([("y", "Heaviside(a)*a**2 + (1 - Heaviside(a))*(-a)")], ["a"])
    piec = Graph.from_assignments([("y", "Piecewise((a**2, a > 0), (-a, True))")], ["a"])
    want = a**2 if a > 0 else -a
    dwant = 2 * a if a > 0 else -1.0
    for g in (heav, piec):
        assert g.forward({"a": a})["y"] == pytest.approx(want)
        assert g.partial_values({"a": a})[("y", "a")] == pytest.approx(dwant)
    # the indicator's own derivative (a Dirac delta) is dropped: zero away from a = 0
    assert not heav.partial("y", "a").has(sympy.DiracDelta)


def test_relu_sigmoid_and_sympy_expressions_are_accepted():
    x = sympy.Symbol("x", real=True)  # assumptions differ from the graph's: matched by name
    g = Graph.from_assignments([("r", "relu(x)"), ("s", sympy.tanh(x) + 1), ("t", 2)], ["x"])
    z = g.forward({"x": np.float64(-0.5)})
    assert z == {"x": -0.5, "r": 0.0, "s": pytest.approx(math.tanh(-0.5) + 1), "t": 2.0}
    assert g.arguments("t") == ()


# ----------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "assignments, inputs, message",
    [
        ([("a", "b + x"), ("b", "c*x"), ("c", "a")], ["x"], r"cycle: .*a -> .*b.*c|cycle"),
        ([("a", "a + x")], ["x"], "itself"),
        ([("a", "x + q")], ["x"], "undefined name.*q"),
        ([("a", "x"), ("a", "2*x")], ["x"], "'a' is assigned twice"),
        ([("x", "1")], ["x"], "'x' is an input and cannot also be assigned"),
        ([("a", "x + (")], ["x"], "cannot parse the expression for 'a'"),
        ([("a", "x")], ["x", "x"], "listed twice"),
        ([("1a", "x")], ["x"], "not a valid identifier"),
        ([("lambda", "x")], ["x"], "not a valid identifier"),
        ([("a", "x < 1")], ["x"], "not a scalar expression"),
    ],
)
def test_bad_graphs_raise_value_error_naming_the_culprit(assignments, inputs, message):
    with pytest.raises(ValueError, match=message):
        Graph.from_assignments(assignments, inputs=inputs)


def test_cycle_message_names_every_node_on_it():
    with pytest.raises(ValueError) as err:
        Graph.from_assignments([("p", "r*x"), ("q", "p + 1"), ("r", "q**2"), ("s", "x")], ["x"])
    text = str(err.value)
    assert all(n in text for n in ("p", "q", "r")) and "s ->" not in text


@pytest.mark.parametrize(
    "assignments, inputs, error",
    [([("a", object())], ["x"], TypeError), ([("a",)], ["x"], TypeError),
     ([("a", "x")], "x", TypeError), ([(3, "x")], ["x"], TypeError)],
)
def test_wrong_types_raise_type_error(assignments, inputs, error):
    with pytest.raises(error):
        Graph.from_assignments(assignments, inputs=inputs)


@pytest.mark.parametrize(
    "values, error, message",
    [
        ({"x": 1.0}, ValueError, "missing value for input.*y"),
        ({"x": float("nan"), "y": 1.0}, ValueError, "'x' is not finite"),
        ({"x": float("inf"), "y": 1.0}, ValueError, "'x' is not finite"),
        ({"x": 1.0, "y": 1.0, "a": 2.0}, ValueError, "'a', which is not an input"),
        ({"x": "1", "y": 1.0}, TypeError, "'x' must be a real number"),
        ({"x": True, "y": 1.0}, TypeError, "'x' must be a real number"),
        ([1.0, 2.0], TypeError, "mapping"),
    ],
)
def test_bad_input_values(values, error, message):
    g = Graph.from_assignments([("a", "x*y")], ["x", "y"])
    with pytest.raises(error, match=message):
        g.forward(values)


def test_non_finite_intermediate_value_names_the_node():
    g = Graph.from_assignments([("a", "x - 1"), ("b", "log(a)")], ["x"])
    with pytest.raises(ValueError, match="b = log"):
        g.forward({"x": 0.5})
    with pytest.raises(ValueError, match="unknown node 'nope'"):
        g.users("nope")
