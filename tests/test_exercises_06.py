"""Lesson 06's exercise checks reject the wrong answers a student would write and accept
every right one (course_lib.checks.iterative_adjoints)."""

import numpy as np
import pytest

from course_lib import iterative
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


# -- Exercise 3: the rate of gradient descent ----------------------------------------------


def gd_rate(gradient, p, eta):
    h, k = 1e-5, len(p)
    H = np.column_stack([(gradient(p + h * e) - gradient(p - h * e)) / (2 * h) for e in np.eye(k)])
    return iterative.spectral_radius(np.eye(k) - eta * H)


def gd_rate_symmetrised(gradient, p, eta):  # another right form: symmetric H, eigvalsh
    h, k = 1e-4, len(p)
    H = np.array([(gradient(p + h * e) - gradient(p - h * e)) / (2 * h) for e in np.eye(k)])
    mu = np.linalg.eigvalsh((H + H.T) / 2)
    return max(abs(1 - eta * mu[0]), abs(1 - eta * mu[-1]))


def _hessian(gradient, p):
    h, k = 1e-5, len(p)
    return np.column_stack([(gradient(p + h * e) - gradient(p - h * e)) / (2 * h) for e in np.eye(k)])


@pytest.mark.parametrize("answer", [gd_rate, gd_rate_symmetrised])
def test_gradient_descent_rate_accepts_right_answers(answer, capsys):
    iterative_adjoints.gradient_descent_rate(answer, rng=5)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer", [
    lambda g, p, eta: iterative.spectral_radius(_hessian(g, p)),                 # ρ(H)
    lambda g, p, eta: np.max(np.linalg.eigvals(np.eye(len(p)) - eta * _hessian(g, p))).real,  # no |·|
    lambda g, p, eta: abs(1 - eta * np.max(np.linalg.eigvals(_hessian(g, p)).real)),  # one end only
    lambda g, p, eta: iterative.spectral_radius(np.eye(len(p)) + eta * _hessian(g, p)),  # sign
    lambda g, p, eta: iterative.spectral_radius(np.eye(len(p)) - _hessian(g, p)),       # no η
    lambda g, p, eta: 0.9917,                                                    # a number typed in
    lambda g, p, eta: np.eye(len(p)) - eta * _hessian(g, p),                     # the matrix
    lambda g, p, eta: iterative.spectral_radius(np.eye(4) - eta * _hessian(g, p)),  # 4 parameters
    None,
])
def test_gradient_descent_rate_rejects_wrong_answers(answer):
    with pytest.raises(AssertionError) as err:
        iterative_adjoints.gradient_descent_rate(answer, rng=6)
    assert str(err.value).count("\n") <= 1


def test_gradient_descent_rate_rejects_a_hessian_that_ignores_the_gradient():
    with pytest.raises(AssertionError, match="called gradient 0 times|ρ"):
        iterative_adjoints.gradient_descent_rate(lambda g, p, eta: 1 - eta, rng=7)
