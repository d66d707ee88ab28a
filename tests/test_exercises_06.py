"""Lesson 06's exercise checks reject the wrong answers a student would write and accept
every right one (course_lib.checks.iterative_adjoints)."""

import numpy as np
import pytest
import sympy

from course_lib import autodiff, iterative, lagrange, symbolic
from course_lib.checks import iterative_adjoints

# -- Exercise 1: one Gauss–Seidel sweep ----------------------------------------------------


def sweep(J, v, lam, order):
    lam = np.array(lam, dtype=float)
    for i in order:
        lam[i] = v[i] + J[:, i] @ lam  # λ_i ← v_i + Σ_k J_ki λ_k, newest values
    return lam


def sweep_by_users(J, v, lam, order):  # another right form: loop over the users k of i
    new = list(lam)
    for i in order:
        new[i] = v[i] + sum(J[k, i] * new[k] for k in range(len(v)) if J[k, i] != 0)
    return new


def jacobi_step(J, v, lam, order):
    old = np.array(lam, dtype=float)
    new = old.copy()
    for i in order:
        new[i] = v[i] + J[:, i] @ old  # old values only: Jacobi
    return new


def transposed_J(J, v, lam, order):
    lam = np.array(lam, dtype=float)
    for i in order:
        lam[i] = v[i] + J[i, :] @ lam
    return lam


def ignores_order(J, v, lam, order):
    return sweep(J, v, lam, range(len(v) - 1, -1, -1))


def forgets_v(J, v, lam, order):
    lam = np.array(lam, dtype=float)
    for i in order:
        lam[i] = J[:, i] @ lam
    return lam


def minus_sign(J, v, lam, order):
    lam = np.array(lam, dtype=float)
    for i in order:
        lam[i] = -v[i] - J[:, i] @ lam  # A λ = −v read as λ = −v − Jᵀλ
    return lam


def by_the_library(J, v, lam, order):
    n = len(v)
    return iterative.gauss_seidel(J.T - np.eye(n), -v, 1, order=order)[1]


def solves_exactly(J, v, lam, order):
    return np.linalg.solve(np.eye(len(v)) - J.T, v)


@pytest.mark.parametrize("answer", [sweep, sweep_by_users])
def test_gauss_seidel_sweep_accepts_right_answers(answer, capsys):
    iterative_adjoints.gauss_seidel_sweep(answer, rng=1)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, message", [
    (jacobi_step, "entries are off"), (transposed_J, "entries are off"),
    (ignores_order, "entries are off"), (forgets_v, "entries are off"), (minus_sign, "entries are off"),
    (by_the_library, "iterative.gauss_seidel"), (solves_exactly, "np.linalg.solve"),
    (lambda J, v, lam, order: np.zeros(len(v) + 1), "shape"), (None, "no answer"),
])
def test_gauss_seidel_sweep_rejects_wrong_answers(answer, message):
    with pytest.raises(AssertionError, match=message) as err:
        iterative_adjoints.gauss_seidel_sweep(answer, rng=2)
    assert str(err.value).count("\n") <= 1


# -- Exercise 2: dℓ/dW of the implicit layer -------------------------------------------------


def dl_dW(z_star, lam):
    return np.outer((1 - z_star**2) * lam, z_star)


def dl_dW_loops(z_star, lam):  # another right form
    m = len(z_star)
    return [[(1 - z_star[i] ** 2) * lam[i] * z_star[j] for j in range(m)] for i in range(m)]


@pytest.mark.parametrize("answer", [dl_dW, dl_dW_loops])
def test_implicit_weight_gradient_accepts_right_answers(answer, capsys):
    iterative_adjoints.implicit_weight_gradient(answer, rng=3)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, message", [
    (lambda z, lam: np.outer(z, (1 - z**2) * lam), "transpose|entries are off"),
    (lambda z, lam: np.outer(lam, z), "entries are off"),                     # no tanh slope
    (lambda z, lam: np.outer((1 - z**2) * lam, (1 - z**2) * z), "entries are off"),
    (lambda z, lam: -np.outer((1 - z**2) * lam, z), "wrong sign"),
    (lambda z, lam: (1 - z**2) * lam, "shape"),                               # dℓ/du, not dℓ/dW
    (lambda z, lam: np.outer((1 - z**2) * lam, z)[:-1], "shape"),
    (lambda z, lam: np.outer((1 - z**2) * lam, z_star), "raised NameError"),  # noqa: F821  (a notebook name)
    (None, "no answer"),
])
def test_implicit_weight_gradient_rejects_wrong_answers(answer, message):
    with pytest.raises(AssertionError, match=message) as err:
        iterative_adjoints.implicit_weight_gradient(answer, rng=4)
    assert str(err.value).count("\n") <= 1


# -- Exercise 3: the rate of gradient descent, H from Hessian–vector products ------------------


def _columns(graph, values, output):  # H e_j for each input j, by forward-over-reverse
    return np.array([[hv[x] for x in graph.inputs]
                     for hv in (autodiff.hvp(graph, values, output, {x: 1.0}) for x in graph.inputs)]).T


def gd_rate(graph, values, output, eta):
    H = _columns(graph, values, output)
    return iterative.spectral_radius(np.eye(len(H)) - eta * H)


def gd_rate_symmetric(graph, values, output, eta):  # another right form: rows, eigvalsh, both ends
    H = np.array([list(autodiff.hvp(graph, values, output, {x: 1}).values()) for x in graph.inputs])
    mu = np.linalg.eigvalsh((H + H.T) / 2)
    return max(abs(1 - eta * mu[0]), abs(1 - eta * mu[-1]))


def finite_differences_of_gradients(graph, values, output, eta):  # the old route, now forbidden
    h, names = 1e-5, list(graph.inputs)

    def grad(shift):
        lam = lagrange.adjoints(graph, {x: values[x] + shift.get(x, 0.0) for x in names}, output)
        return np.array([lam[x] for x in names])

    H = np.column_stack([(grad({x: h}) - grad({x: -h})) / (2 * h) for x in names])
    return iterative.spectral_radius(np.eye(len(names)) - eta * H)


def finite_differences_by_vjp(graph, values, output, eta):
    h, names = 1e-5, list(graph.inputs)

    def grad(x, step):
        lam = autodiff.vjp(graph, {**values, x: values[x] + step}, {output: 1.0})
        return np.array([lam[y] for y in names])

    H = np.column_stack([(grad(x, h) - grad(x, -h)) / (2 * h) for x in names])
    return iterative.spectral_radius(np.eye(len(names)) - eta * H)


def second_differences_of_the_loss(graph, values, output, eta):  # no gradient at all, no hvp
    h, names = 1e-4, list(graph.inputs)

    def loss(shift):
        return graph.forward({x: values[x] + shift.get(x, 0.0) for x in names})[output]

    H = np.array([[(loss({x: h, y: h} if x != y else {x: 2 * h}) - loss({x: h}) - loss({y: h}) + loss({}))
                   / h**2 for y in names] for x in names])
    return iterative.spectral_radius(np.eye(len(names)) - eta * H)


def one_hvp_along_ones(graph, values, output, eta):  # H·1 taken for the diagonal of H
    hu = autodiff.hvp(graph, values, output, {x: 1.0 for x in graph.inputs})
    return iterative.spectral_radius(np.eye(len(hu)) - eta * np.diag(list(hu.values())))


@pytest.mark.parametrize("answer", [gd_rate, gd_rate_symmetric])
def test_gradient_descent_rate_accepts_right_answers(answer, capsys):
    iterative_adjoints.gradient_descent_rate(answer, rng=5)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, message", [
    (finite_differences_of_gradients, "lagrange.adjoints"),
    (finite_differences_by_vjp, "autodiff.vjp"),
    (second_differences_of_the_loss, "ρ|autodiff.hvp calls"),
    (one_hvp_along_ones, "ρ|autodiff.hvp calls"),
    (lambda g, v, o, eta: iterative.spectral_radius(_columns(g, v, o)), "ρ"),              # ρ(H)
    (lambda g, v, o, eta: np.max(np.linalg.eigvals(np.eye(len(v)) - eta * _columns(g, v, o))).real, "ρ"),
    (lambda g, v, o, eta: iterative.spectral_radius(np.eye(len(v)) + eta * _columns(g, v, o)), "ρ"),
    (lambda g, v, o, eta: iterative.spectral_radius(np.eye(len(v)) - _columns(g, v, o)), "ρ"),  # no η
    (lambda g, v, o, eta: 0.977785, "ρ"),                                        # the printed number
    (lambda g, v, o, eta: np.eye(len(v)) - eta * _columns(g, v, o), "shape"),    # the matrix
    (lambda g, v, o, eta: gd_rate(g, v, "q", eta), "ρ"),                          # the wrong node
    (None, "no answer"),
])
def test_gradient_descent_rate_rejects_wrong_answers(answer, message):
    with pytest.raises(AssertionError, match=message) as err:
        iterative_adjoints.gradient_descent_rate(answer, rng=6)
    assert str(err.value).count("\n") <= 1


def hessian_by_sympy(graph, values, output, eta):  # the right number, but not by the method asked
    names = [graph.symbols[x] for x in graph.inputs]
    H = sympy.hessian(symbolic.output_expression(graph, output), names)
    H = np.array(H.subs({graph.symbols[x]: values[x] for x in graph.inputs}).evalf(), dtype=float)
    return iterative.spectral_radius(np.eye(len(names)) - eta * H)


def test_gradient_descent_rate_requires_one_hvp_per_column():
    with pytest.raises(AssertionError, match="0 autodiff.hvp calls") as err:
        iterative_adjoints.gradient_descent_rate(hessian_by_sympy, rng=7)
    assert str(err.value).count("\n") <= 1
