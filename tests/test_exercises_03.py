"""Lesson 03's exercise checks, fed the wrong answers a student would really write and right
answers in other forms: each wrong one is rejected in one or two lines, each right one passes."""

import numpy as np
import pytest
import sympy

from course_lib import lagrange
from course_lib.checks import lagrange_system

z1, z2, z3, z4, z5, z6 = sympy.symbols("z1:7")
ROW_Z2 = {"z2": -1, "z3": z1, "z5": z4}
ROW_Z3 = {"z3": -1, "z4": z4 * (1 - z4), "z6": z5}


def rejected(check, *answer, match=None, seed=0, lines=2):
    with pytest.raises(AssertionError, match=match) as err:
        check(*answer, rng=seed)
    assert len(str(err.value).splitlines()) <= lines
    return str(err.value)


# -- Exercise 1: two rows of A by hand ----------------------------------------------------


@pytest.mark.parametrize("row_z2, row_z3", [
    (ROW_Z2, ROW_Z3),
    # σ'(z3) written out in the inputs' terms, the −1 as a sympy Integer, another factorisation
    ({"z2": sympy.Integer(-1), "z3": z1, "z5": 1 / (1 + sympy.exp(-z1 * z2))},
     {"z3": -1, "z4": sympy.exp(-z3) / (1 + sympy.exp(-z3)) ** 2, "z6": z2 * z4}),
    ({z2: -1, z3: z1, z5: z4}, {z3: -1, z4: z4 - z4**2, z6: z5}),  # symbols as keys
])
def test_rows_accept_every_equivalent_form(row_z2, row_z3, capsys):
    lagrange_system.rows_of_A(row_z2, row_z3, rng=1)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("row_z2, row_z3, match", [
    (ROW_Z2, {"z3": -1, "z4": z4 * (1 - z4)}, r"missing \['z6'\]"),  # forgot the second user
    (ROW_Z2, {"z3": -1, "z1": z2, "z2": z1}, "should not be there"),  # its arguments: a column
    (ROW_Z2, {"z3": -1, "z4": z4, "z6": z5}, "differs"),  # σ for σ'
    (ROW_Z2, {"z3": 1, "z4": z4 * (1 - z4), "z6": z5}, "differs"),  # +1 on the diagonal
    ({"z2": -1, "z3": z1, "z5": z2}, ROW_Z3, "differs"),  # ∂(z2 z4)/∂z2 written as z2
    ({"z2": -1, "z3": z1}, ROW_Z3, r"missing \['z5'\]"),  # one user of z2 only
    (None, ROW_Z3, "no answer yet"),  # the answer cell raised or was not run
    (ROW_Z2, {"z3": -1, "z4": "z4*(1 - z4)", "z6": z5}, "string"),  # a string, not sympy
    (ROW_Z2, {"z3": -1, "z4": sympy.Symbol("s") * (1 - sympy.Symbol("s")), "z6": z5},
     "does not define"),  # a symbol the exercise does not have
    ([("z2", -1)], ROW_Z3, "should be a dict"),
])
def test_rows_reject_wrong_answers(row_z2, row_z3, match):
    # exercise.same_expression shows "expected" and "got" on lines of their own: three lines
    rejected(lagrange_system.rows_of_A, row_z2, row_z3, match=match, lines=3)


# -- Exercise 2: your own back substitution -----------------------------------------------


def backprop_right(g, values, output):
    partial = g.partial_values(values)
    lam = {}
    for i in reversed(g.order):
        lam[i] = float(i == output) + sum(lam[k] * partial[(k, i)] for k in g.users(i))
    return lam


def backprop_rows_of_A(g, values, output):
    """Another right answer: the dense loop over the rows of A itself."""
    A, rhs = lagrange.lagrange_matrix(g, values, output)
    lam = np.zeros(len(g))
    for i in reversed(range(len(g))):
        lam[i] = (rhs[i] - A[i, i + 1:] @ lam[i + 1:]) / A[i, i]
    return dict(zip(g.order, lam))


@pytest.mark.parametrize("answer", [backprop_right, backprop_rows_of_A])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backprop_accepts_right_answers(answer, seed, capsys):
    lagrange_system.adjoints_by_rows(answer, rng=seed)
    assert capsys.readouterr().out.startswith("ok ")


def top_down(g, values, output):  # rows in the wrong order: users not solved yet count as 0
    partial, lam = g.partial_values(values), {}
    for i in g.order:
        lam[i] = float(i == output) + sum(lam.get(k, 0.0) * partial[(k, i)] for k in g.users(i))
    return lam


def reads_arguments(g, values, output):  # column k of A instead of row i
    partial, lam = g.partial_values(values), {}
    for i in reversed(g.order):
        lam[i] = float(i == output) + sum(lam.get(k, 0.0) * partial[(i, k)]
                                          for k in g.arguments(i))
    return lam


def seeds_last_node(g, values, output):  # assumes the output is the last node
    partial, lam = g.partial_values(values), {}
    for i in reversed(g.order):
        lam[i] = float(i == g.order[-1]) + sum(lam[k] * partial[(k, i)] for k in g.users(i))
    return lam


def sign_slip(g, values, output):
    partial, lam = g.partial_values(values), {}
    for i in reversed(g.order):
        lam[i] = float(i == output) - sum(lam[k] * partial[(k, i)] for k in g.users(i))
    return lam


def library_shortcut(g, values, output):
    return lagrange.adjoints(g, values, output)


def numpy_solve(g, values, output):
    A, rhs = lagrange.lagrange_matrix(g, values, output)
    return dict(zip(g.order, np.linalg.solve(A, rhs)))


def inputs_only(g, values, output):  # only the gradient
    lam = backprop_right(g, values, output)
    return {x: lam[x] for x in g.inputs}


def printed_numbers(g, values, output):  # the λ's the notebook printed, typed in
    return {"z1": 0.102032, "z2": -0.601969, "z3": -0.06377, "z4": -0.142022, "z5": -0.12754,
            "z6": -0.53084, "z7": -0.353893, "z8": -1.547732, "z9": 1.0}


def raises(g, values, output):
    return {i: g.partial_values(values)[(i, i)] for i in g.order}


@pytest.mark.parametrize("answer, match", [
    (top_down, "entries are off"),
    (reads_arguments, "entries are off"),
    (seeds_last_node, "entries are off"),
    (sign_slip, "entries are off"),
    (library_shortcut, "write the back substitution yourself; your answer called lagrange.adjoints"),
    (numpy_solve, "your answer called numpy.linalg.solve"),
    (inputs_only, "missing"),
    (raises, "raised KeyError"),
    (printed_numbers, "should have keys|entries are off"),
    (None, "no answer yet"),
])
def test_backprop_rejects_wrong_answers(answer, match):
    rejected(lagrange_system.adjoints_by_rows, answer, match=match)


def test_every_run_draws_new_graphs_with_an_output_that_is_not_last():
    r = np.random.default_rng(5)
    graphs = [lagrange_system.random_graph(r) for _ in range(20)]
    assert len({tuple(g.expressions.items()) for g, _, _ in graphs}) == 20
    assert any(out != g.order[-1] for g, out, _ in graphs)
    for g, out, values in graphs:  # tame: finite adjoints
        assert np.all(np.isfinite(list(lagrange.adjoints(g, values, out).values())))
