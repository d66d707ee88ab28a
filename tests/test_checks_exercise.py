"""The exercise-check framework: unanswered names, safe calls, entrywise comparison with
one-line messages, symbolic equivalence in any form, and spies that verify the method."""

import numpy as np
import pytest
import sympy

from course_lib import checks, lagrange
from course_lib.checks import exercise
from course_lib.substitution import backslash


def test_answered_rejects_none_and_ellipsis():
    for value in (None, ...):
        with pytest.raises(AssertionError, match="no answer yet: `lam`"):
            exercise.answered(value, "lam")
    assert exercise.answered(0.0, "lam") == 0.0


def test_call_turns_errors_into_one_line():
    def bad(x):
        return x / "a"

    with pytest.raises(AssertionError, match=r"`f\(2\)` raised TypeError") as err:
        exercise.call(bad, 2, name="f")
    assert "\n" not in str(err.value)
    with pytest.raises(AssertionError, match="should be a function"):
        exercise.call(3.0, name="f")
    assert exercise.call(lambda x: 2 * x, 4, name="f") == 8


@pytest.mark.parametrize("got, message", [
    ("1.0", "should be a number or an array"),
    ({"a": 1}, "should be a number or an array"),
    ([[1.0, 2.0]], r"shape \(2, 1\), got shape \(1, 2\) \(transposed\?\)"),
    ([1.0, float("nan")], "nan or inf"),
    (sympy.Symbol("x"), "should be a number"),
])
def test_array_says_what_is_wrong_in_one_line(got, message):
    with pytest.raises(AssertionError, match=message) as err:
        exercise.array(got, "λ", (2, 1) if "transposed" in message else None)
    assert "\n" not in str(err.value)


def test_agree_names_the_entry_and_spots_sign_and_transpose():
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    exercise.agree(e + 1e-12, e, "M")
    with pytest.raises(AssertionError, match="wrong sign"):
        exercise.agree(-e, e, "M")
    with pytest.raises(AssertionError, match="transpose"):
        exercise.agree(e.T, e, "M")
    with pytest.raises(AssertionError, match=r"1 of 4 entries are off; entry \[1, 0\]"):
        exercise.agree(e + np.array([[0, 0], [1, 0]]), e, "M")


def test_mapping_reports_missing_and_extra_keys():
    with pytest.raises(AssertionError, match=r"missing \['b'\]; unexpected \['c'\]"):
        exercise.mapping({"a": 1, "c": 2}, "λ", ["a", "b"])
    with pytest.raises(AssertionError, match="should be a dict"):
        exercise.mapping(1.5, "λ", ["a"])


def test_same_expression_accepts_every_equivalent_form_and_rejects_others():
    z5 = sympy.Symbol("z5")
    z6 = sympy.Symbol("z6")
    sigma_prime = sympy.exp(-z5) / (1 + sympy.exp(-z5)) ** 2
    definitions = {z6: 1 / (1 + sympy.exp(-z5))}
    # σ'(z5) written through the node z6 = σ(z5) is the same answer
    exercise.same_expression(z6 * (1 - z6), sigma_prime, "σ'", allowed={z5, z6},
                             definitions=definitions)
    with pytest.raises(AssertionError, match="differs"):
        exercise.same_expression(z6 * (1 + z6), sigma_prime, "σ'", allowed={z5, z6},
                                 definitions=definitions)
    with pytest.raises(AssertionError, match=r"uses \['x'\]"):
        exercise.same_expression(sympy.Symbol("x"), sigma_prime, "σ'", allowed={z5, z6})
    with pytest.raises(AssertionError, match="string"):
        exercise.same_expression("z6*(1-z6)", sigma_prime, "σ'")
    with pytest.raises(AssertionError, match="Max: not smooth"):
        exercise.same_expression(sympy.Max(z5, 0), z5, "relu", forbidden={sympy.Max: "not smooth"})


def _system(n=4):
    A = np.triu(np.arange(1.0, n * n + 1).reshape(n, n)) + n * np.eye(n)
    return A, np.arange(1.0, n + 1)


def test_counting_sees_calls_through_the_notebook_globals_and_course_lib():
    A, b = _system()
    namespace = {"backslash": backslash, "np": np}
    exec("def answer(A, b):\n    return backslash(A, b)", namespace)
    with exercise.counting({"backslash": backslash}, namespace["answer"]) as calls:
        namespace["answer"](A, b)
        namespace["answer"](A, b)
    assert calls["backslash"] == 2
    assert namespace["backslash"] is backslash  # restored
    from course_lib.graph import Graph
    g = Graph.from_assignments([("y", "x*x")], inputs=["x"])
    with exercise.counting({"backslash": backslash}) as calls:
        lagrange.adjoints(g, {"x": 1.0}, "y")  # lagrange calls backslash inside
    assert calls["backslash"] >= 1


def test_forbidding_stops_the_shortcut_with_the_reason():
    A, b = _system()
    namespace = {"np": np}
    exec("def answer(A, b):\n    return np.linalg.solve(A, b)", namespace)
    with pytest.raises(AssertionError, match="asks you to use one back substitution; your answer "
                                             "called numpy.linalg.solve"):
        with exercise.forbidding({"numpy.linalg.solve": np.linalg.solve},
                                 "use one back substitution", namespace["answer"]):
            exercise.call(namespace["answer"], A, b, name="answer")
    assert np.allclose(np.linalg.solve(A, b), backslash(A, b))  # restored


def test_value_checks_still_importable_from_checks():
    checks.close(1.0, 1.0)
    assert checks.exercise is exercise


def test_forbidding_reaches_a_function_of_the_standard_library():
    import math

    def answer(s, r):
        import math as m  # imported inside the answer: found through its own module
        return m.comb(s + r, s)

    with pytest.raises(AssertionError, match="called math.comb"):
        with exercise.forbidding({"math.comb": math.comb}, "use the recurrence", answer):
            exercise.call(answer, 2, 3, name="answer")
    assert math.comb(5, 2) == 10  # restored
