"""Lesson 03's exercise checks, fed the wrong answers a student would really write and right
answers in other forms: each wrong one is rejected in one or two lines, each right one passes."""

import numpy as np
import pytest
import sympy

from course_lib import autodiff, lagrange
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
    # the whole row written out, zeros included; σ(z3)(1 − σ(z3)) with σ spelled out
    ({"z1": 0, "z2": -1.0, "z3": z1, "z4": 0, "z5": z4, "z6": sympy.Integer(0)},
     {"z3": -1, "z4": 1 / (1 + sympy.exp(-z3)) * (1 - 1 / (1 + sympy.exp(-z3))), "z6": z5}),
])
def test_rows_accept_every_equivalent_form(row_z2, row_z3, capsys):
    lagrange_system.rows_of_A(row_z2, row_z3, rng=1)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("row_z2, row_z3, match", [
    (ROW_Z2, {"z3": -1, "z4": z4 * (1 - z4)}, r"missing \['z6'\]"),  # forgot the second user
    (ROW_Z2, {"z3": -1, "z1": z2, "z2": z1}, "should not be there"),  # its arguments: a column
    (ROW_Z2, {"z3": -1, "z4": z4, "z6": z5}, "is not the entry"),  # σ for σ'
    (ROW_Z2, {"z3": 1, "z4": z4 * (1 - z4), "z6": z5}, r"is not the entry.*\(the sign\?\)"),
    (ROW_Z2, {"z3": -1, "z4": z3 * (1 - z3), "z6": z5}, "is not the entry"),  # σ' at the wrong node
    (ROW_Z2, {"z3": -1, "z4": z4 * (1 - z4), "z6": z3}, "is not the entry"),  # ∂(z3 z5)/∂z3 = z3
    (ROW_Z2, {"z3": -1, "z4": 0.240261, "z6": z5}, "is not the entry"),  # σ' the lesson printed
    (ROW_Z2, {"z3": -1, "z4": sympy.Function("sigma")(z3), "z6": z5}, "could not be evaluated"),
    ({"z2": -1, "z3": -z1, "z5": z4}, ROW_Z3, r"\(the sign\?\)"),  # sign slip on one entry
    ({"z2": -1, "z3": z1, "z5": z2}, ROW_Z3, "is not the entry"),  # ∂(z2 z4)/∂z2 written as z2
    ({"z2": -1, "z3": z1}, ROW_Z3, r"missing \['z5'\]"),  # one user of z2 only
    ({"z3": z1, "z5": z4}, ROW_Z3, r"missing \['z2'\]"),  # the diagonal forgotten
    (ROW_Z3, ROW_Z3, "missing"),  # row z3 given for row z2: the row index off by one
    ({2: -1, 3: z1, 5: z4}, ROW_Z3, "missing"),  # column numbers for column names
    (None, ROW_Z3, "no answer yet"),  # the answer cell raised or was not run
    (ROW_Z2, {"z3": -1, "z4": "z4*(1 - z4)", "z6": z5}, "string"),  # a string, not sympy
    (ROW_Z2, {"z3": -1, "z4": sympy.Symbol("s") * (1 - sympy.Symbol("s")), "z6": z5},
     "does not define"),  # a symbol the exercise does not have
    ([("z2", -1)], ROW_Z3, "should be a dict"),
])
def test_rows_reject_wrong_answers(row_z2, row_z3, match):
    rejected(lagrange_system.rows_of_A, row_z2, row_z3, match=match)


def test_a_wrong_entry_is_shown_by_value_not_by_the_expected_formula():
    # the graph is fixed, so printing the expected expression would hand out the answer
    message = rejected(lagrange_system.rows_of_A, ROW_Z2, {"z3": -1, "z4": z4, "z6": z5})
    assert "exp" not in message and "z4*(1 - z4)" not in message
    assert "the entry is" in message


# -- Exercise 2: your own back substitution -----------------------------------------------


def backprop_right(g, values, output):
    partial = g.partial_values(values)
    lam = {}
    for i in reversed(g.order):
        lam[i] = float(i == output) + sum(lam[k] * partial[(k, i)] for k in g.users(i))
    return lam


def backprop_push(g, values, output):
    """Another right answer: each node, once its λ is final, pushes λ_k ∂f_k/∂z_i to its
    arguments (the column form of the same back substitution)."""
    partial = g.partial_values(values)
    lam = dict.fromkeys(g.order, 0.0)
    lam[output] = 1.0
    for k in reversed(g.order):
        for i in g.arguments(k):
            lam[i] += lam[k] * partial[(k, i)]
    return lam


@pytest.mark.parametrize("answer", [backprop_right, backprop_push])
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


def name_order(g, values, output):  # "last to first" by sorting the names: z9 before z10
    partial, lam = g.partial_values(values), {}
    for i in sorted(g.order, reverse=True):
        lam[i] = float(i == output) + sum(lam.get(k, 0.0) * partial[(k, i)] for k in g.users(i))
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


def rows_of_library_A(g, values, output):  # lesson 03's loop copied: builds A, as the prompt forbids
    A, rhs = lagrange.lagrange_matrix(g, values, output)
    lam = np.zeros(len(g))
    for i in reversed(range(len(g))):
        lam[i] = (rhs[i] - A[i, i + 1:] @ lam[i + 1:]) / A[i, i]
    return dict(zip(g.order, lam))


def rows_of_library_J(g, values, output):  # the same with the library's J
    J, out = lagrange.jacobian_matrix(g, values), g.index(output)
    lam = np.zeros(len(g))
    for i in reversed(range(len(g))):
        lam[i] = float(i == out) + J[:, i] @ lam
    return dict(zip(g.order, lam))


def no_seed(g, values, output):  # forgot (e_output)_i: every λ is 0
    partial, lam = g.partial_values(values), {}
    for i in reversed(g.order):
        lam[i] = sum(lam[k] * partial[(k, i)] for k in g.users(i))
    return lam


def seeds_every_node(g, values, output):  # 1 + Σ … on every row
    partial, lam = g.partial_values(values), {}
    for i in reversed(g.order):
        lam[i] = 1.0 + sum(lam[k] * partial[(k, i)] for k in g.users(i))
    return lam


def forward_values(g, values, output):  # the forward values z for the adjoints λ
    return g.forward(values)


def as_array(g, values, output):  # right numbers, but an array in g.order, not a dict
    lam = backprop_right(g, values, output)
    return np.array([lam[i] for i in g.order])


def library_shortcut(g, values, output):
    return lagrange.adjoints(g, values, output)


def numpy_solve(g, values, output):
    A, rhs = lagrange.lagrange_matrix(g, values, output)
    return dict(zip(g.order, np.linalg.solve(A, rhs)))


def pseudo_inverse(g, values, output):  # A built by hand from the partials, then pinv
    A = -np.eye(len(g))
    for (k, i), d in g.partial_values(values).items():
        A[g.index(i), g.index(k)] = d
    return dict(zip(g.order, np.linalg.pinv(A) @ -np.eye(len(g))[g.index(output)]))


def forward_mode_per_input(g, values, output):  # jvp gives the inputs' λ; the rest guessed
    lam = dict.fromkeys(g.order, 0.0)
    for x in g.inputs:
        lam[x] = autodiff.jvp(g, values, {x: 1.0})[output]
    lam[output] = 1.0
    return lam


def inputs_only(g, values, output):  # only the gradient
    lam = backprop_right(g, values, output)
    return {x: lam[x] for x in g.inputs}


def printed_numbers(g, values, output):  # the λ's the notebook printed, typed in
    return {"z1": 0.102032, "z2": -0.601969, "z3": -0.06377, "z4": -0.142022, "z5": -0.12754,
            "z6": -0.53084, "z7": -0.353893, "z8": -1.547732, "z9": 1.0}


def raises(g, values, output):
    return {i: g.partial_values(values)[(i, i)] for i in g.order}


@pytest.mark.parametrize("answer, match", [
    (top_down, "nodes off"),
    (reads_arguments, "nodes off"),
    (seeds_last_node, "nodes off"),
    (name_order, "nodes off"),
    (sign_slip, "nodes off"),
    (library_shortcut, "write the back substitution yourself; your answer called lagrange.adjoints"),
    (numpy_solve, "your answer called lagrange.lagrange_matrix"),
    (rows_of_library_A, "your answer called lagrange.lagrange_matrix"),
    (rows_of_library_J, "your answer called lagrange.jacobian_matrix"),
    (pseudo_inverse, "your answer called numpy.linalg.pinv"),
    (forward_mode_per_input, "your answer called autodiff.jvp"),
    (no_seed, "nodes off"),
    (seeds_every_node, "nodes off"),
    (forward_values, "nodes off"),
    (as_array, "should be a dict"),
    (inputs_only, "missing"),
    (raises, "raised KeyError"),
    (printed_numbers, "should have keys|nodes off"),
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
