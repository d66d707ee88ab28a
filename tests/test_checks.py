"""The exercise self-checks pass on right answers and fail loudly on wrong ones."""

import math

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from course_lib import checks


def test_close_prints_one_ok_line(capsys):
    checks.close([1.0, 2.0], np.array([1.0, 2.0 + 1e-12]), what="v")
    out = capsys.readouterr().out
    assert out.startswith("ok v") and out.count("\n") == 1


@pytest.mark.parametrize("got, expected, message", [
    (1.1, 1.0, "expected 1.0"),
    ([1.0, 2.0], [1.0, 2.0, 3.0], "shape"),
    ("abc", 1.0, "a number"),
    (None, 1.0, "no answer yet"),
    ({"a": 1.0}, {"a": 1.0, "b": 2.0}, "keys"),
    ({"a": 1.0, "b": 2.5}, {"a": 1.0, "b": 2.0}, r"\['b'\]"),
])
def test_close_fails_showing_expected_and_got(got, expected, message):
    with pytest.raises(AssertionError, match=message):
        checks.close(got, expected)


def test_sym_equal_and_equal():
    x = sympy.Symbol("x")
    checks.sym_equal(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, 1)
    with pytest.raises(AssertionError, match="expected x"):
        checks.sym_equal(x + 1, x)
    with pytest.raises(AssertionError, match="no answer"):
        checks.sym_equal(None, x)
    checks.equal(("a", "b"), ("a", "b"))
    with pytest.raises(AssertionError, match="expected 'b'"):
        checks.equal("a", "b")


@given(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
def test_central_difference_matches_closed_form(x):
    # f(x) = Σ sin(x_j) x_j²,  ∂f/∂x_j = cos(x_j) x_j² + 2 x_j sin(x_j)
    x = np.array(x)
    grad = np.cos(x) * x**2 + 2 * x * np.sin(x)
    approx = checks.central_difference(lambda v: float(np.sum(np.sin(v) * v**2)), x)
    assert np.allclose(approx, grad, rtol=1e-6, atol=1e-8)


def test_grad_matches_rejects_a_wrong_gradient():
    f = lambda v: math.exp(v[0]) * v[1]  # noqa: E731
    checks.grad_matches(f, [0.3, 2.0], [math.exp(0.3) * 2.0, math.exp(0.3)])
    with pytest.raises(AssertionError, match="gradient is off"):
        checks.grad_matches(f, [0.3, 2.0], [math.exp(0.3), math.exp(0.3)])


def test_close_compares_ragged_lists_array_by_array():
    expected = [np.ones((2, 3)), np.zeros(2)]
    checks.close([np.ones((2, 3)), np.zeros(2)], expected, what="grads")
    with pytest.raises(AssertionError, match=r"grads\[1\]"):
        checks.close([np.ones((2, 3)), np.ones(2)], expected, what="grads")
    with pytest.raises(AssertionError, match="a list of 2 arrays"):
        checks.close([np.ones((2, 3))], expected, what="grads")
