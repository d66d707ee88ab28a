"""Reverse and forward mode against central finite differences of the forward pass."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import random_graphs

from course_lib import autodiff
from course_lib.graph import Graph


def fd_jacobian(g, values, inputs, outputs, h=1e-6):
    """Oracle: D[o, j] ≈ (z_o(x + h e_j) − z_o(x − h e_j)) / 2h, from forward passes only."""
    D = np.zeros((len(outputs), len(inputs)))
    for c, j in enumerate(inputs):
        up = g.forward({**values, j: values[j] + h})
        down = g.forward({**values, j: values[j] - h})
        D[:, c] = [(up[o] - down[o]) / (2 * h) for o in outputs]
    return D


@given(random_graphs(), st.data())
def test_vjp_equals_finite_differences_of_v_dot_f(case, data):
    g, _, values = case
    outs = data.draw(st.lists(st.sampled_from(g.assigned), min_size=1, unique=True))
    v = {o: data.draw(st.floats(-2, 2)) for o in outs}
    got = autodiff.vjp(g, values, v)
    D = fd_jacobian(g, values, list(g.inputs), outs)
    want = np.array([v[o] for o in outs]) @ D  # vᵀ (df/dx)
    assert np.allclose([got[i] for i in g.inputs], want, rtol=1e-5, atol=1e-6)
    for o in outs:  # a node's own cotangent enters its λ directly
        assert got[o] == pytest.approx(v[o] + sum(
            got[k] * d for (k, i), d in g.partial_values(values).items() if i == o), abs=1e-9)


@given(random_graphs(), st.data())
def test_jvp_equals_finite_differences_along_u(case, data):
    g, _, values = case
    u = {j: data.draw(st.floats(-2, 2)) for j in g.inputs}
    got = autodiff.jvp(g, values, u)
    h = 1e-6
    up = g.forward({j: values[j] + h * u[j] for j in g.inputs})
    down = g.forward({j: values[j] - h * u[j] for j in g.inputs})
    for k in g.order:
        assert got[k] == pytest.approx((up[k] - down[k]) / (2 * h), rel=1e-5, abs=1e-6), k


@given(random_graphs(max_inputs=3, max_assigned=6))
def test_forward_and_reverse_jacobians_agree_and_count_solves(case):
    g, _, values = case
    outputs = list(g.assigned[-3:])
    rev, m = autodiff.jacobian_with_cost(g, values, list(g.inputs), outputs, "reverse")
    fwd, n = autodiff.jacobian_with_cost(g, values, list(g.inputs), outputs, "forward")
    assert (m, n) == (len(outputs), len(g.inputs))
    assert rev.shape == (len(outputs), len(g.inputs))
    assert np.allclose(rev, fwd, rtol=1e-10, atol=1e-12)
    assert np.allclose(rev, fd_jacobian(g, values, list(g.inputs), outputs), rtol=1e-5, atol=1e-6)
    assert np.array_equal(autodiff.jacobian(g, values, list(g.inputs), outputs), rev)


def test_backprop_is_the_vjp_with_v_equal_e_n():
    g = Graph.from_assignments([("u", "x*y"), ("f", "sin(u) + y")], ["x", "y"])
    lam = autodiff.vjp(g, {"x": 0.3, "y": 2.0}, {"f": 1.0})
    assert lam["x"] == pytest.approx(np.cos(0.6) * 2.0)
    assert lam["y"] == pytest.approx(np.cos(0.6) * 0.3 + 1.0)
    assert lam["f"] == 1.0


@pytest.mark.parametrize("call, error, message", [
    (lambda g: autodiff.vjp(g, {"x": 1.0, "y": 1.0}, {"nope": 1.0}), ValueError, "'nope'"),
    (lambda g: autodiff.vjp(g, {"x": 1.0, "y": 1.0}, {"f": float("nan")}), ValueError, "not finite"),
    (lambda g: autodiff.vjp(g, {"x": 1.0, "y": 1.0}, [1.0]), TypeError, "mapping"),
    (lambda g: autodiff.vjp(g, {"x": 1.0}, {"f": 1.0}), ValueError, "missing value"),
    (lambda g: autodiff.jvp(g, {"x": 1.0, "y": 1.0}, {"u": 1.0}), ValueError, "not an input"),
    (lambda g: autodiff.jvp(g, {"x": 1.0, "y": 1.0}, {"x": "a"}), TypeError, "real number"),
    (lambda g: autodiff.jacobian(g, {"x": 1.0, "y": 1.0}, ["x"], ["f"], "sideways"), ValueError, "mode"),
    (lambda g: autodiff.jacobian(g, {"x": 1.0, "y": 1.0}, ["u"], ["f"]), ValueError, "not an input"),
    (lambda g: autodiff.jacobian(g, {"x": 1.0, "y": 1.0}, ["x"], []), ValueError, "at least one"),
    (lambda g: autodiff.jacobian(g, {"x": 1.0, "y": 1.0}, "x", ["f"]), TypeError, "list"),
])
def test_bad_input(call, error, message):
    g = Graph.from_assignments([("u", "x*y"), ("f", "sin(u) + y")], ["x", "y"])
    with pytest.raises(error, match=message):
        call(g)
