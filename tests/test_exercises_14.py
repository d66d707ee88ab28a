"""Lesson 14's exercise checks (they live in checks.projections: 14 has no checks module of its
own yet) reject the wrong answers a student would write and accept every correct form."""

import numpy as np
import pytest
import sympy
from numpy.polynomial.hermite_e import hermegauss

from course_lib import checks, lagrange

ex = checks.projections


# -- Exercise 2: the first-order shift of the lifted graph's noise ---------------------------

def _lift(graph, point, tau, n, noisy_assigned=True, scale=True, normalise=True):
    t, w = hermegauss(n)
    weight1 = w / w.sum() if normalise else w
    grids = np.meshgrid(*[t] * len(graph.order), indexing="ij")
    weight = np.prod(np.meshgrid(*[weight1] * len(graph.order), indexing="ij"), axis=0)
    noise = {k: (tau * g if scale else g) for k, g in zip(graph.order, grids)}
    z = {}
    for k in graph.order:
        if k in graph.inputs:
            z[k] = point[k] + noise[k]
        else:
            f = sympy.lambdify([graph.symbols[a] for a in graph.arguments(k)], graph.expressions[k], "numpy")
            z[k] = f(*(z[a] for a in graph.arguments(k))) + (noise[k] if noisy_assigned else 0.0)
    return z, noise, weight


def shift_right(graph, point, tau, n):
    z, noise, weight = _lift(graph, point, tau, n)
    y = z[graph.order[-1]]
    return {k: float(np.sum(weight * noise[k] * (y - np.sum(weight * y)))) for k in graph.order}


def shift_no_centering(graph, point, tau, n):  # correct too: E[τε] = 0, so E[τε y] = Cov(τε, y)
    z, noise, weight = _lift(graph, point, tau, n)
    return {k: float(np.sum(weight * noise[k] * z[graph.order[-1]])) for k in graph.order}


def shift_by_stein(graph, point, tau, n):  # correct too: τ² E[λ_i(z)] (Stein's lemma), pointwise
    z, noise, weight = _lift(graph, point, tau, n)
    # vectorised backprop along the noisy pass
    lam = {graph.order[-1]: np.ones_like(z[graph.order[-1]])}
    for i in reversed(graph.order[:-1]):
        lam[i] = sum(lam[k] * sympy.lambdify([graph.symbols[a] for a in graph.arguments(k)],
                                             graph.partial(k, i), "numpy")(*(z[a] for a in graph.arguments(k)))
                     for k in graph.users(i))
    return {k: float(tau**2 * np.sum(weight * lam[k])) for k in graph.order}


def shift_shortcut(graph, point, tau, n):  # the delta-limit shortcut τ² λ_i at the noiseless point
    lam = lagrange.adjoints(graph, point, graph.order[-1])
    return {k: tau**2 * lam[k] for k in graph.order}


def shift_node_means(graph, point, tau, n):  # Cov(z_i, y): node-mean coordinates, not noise
    z, noise, weight = _lift(graph, point, tau, n)
    y = z[graph.order[-1]]
    return {k: float(np.sum(weight * (z[k] - np.sum(weight * z[k])) * (y - np.sum(weight * y))))
            for k in graph.order}


def shift_inputs_only_noisy(graph, point, tau, n):
    z, noise, weight = _lift(graph, point, tau, n, noisy_assigned=False)
    y = z[graph.order[-1]]
    return {k: float(np.sum(weight * noise[k] * (y - np.sum(weight * y)))) for k in graph.order}


def shift_unscaled_nodes(graph, point, tau, n):  # Gauss–Hermite nodes not multiplied by τ
    z, noise, weight = _lift(graph, point, tau, n, scale=False)
    y = z[graph.order[-1]]
    return {k: float(np.sum(weight * noise[k] * (y - np.sum(weight * y)))) for k in graph.order}


def shift_raw_weights(graph, point, tau, n):  # hermegauss weights sum to √(2π), not 1
    z, noise, weight = _lift(graph, point, tau, n, normalise=False)
    y = z[graph.order[-1]]
    return {k: float(np.sum(weight * noise[k] * (y - np.sum(weight * y)))) for k in graph.order}


@pytest.mark.parametrize("answer", [shift_shortcut, shift_node_means, shift_inputs_only_noisy,
                                    shift_unscaled_nodes, shift_raw_weights,
                                    lambda graph, point, tau, n: 0.0])
def test_lifted_covariance_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.lifted_covariance(answer, rng=11)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [shift_right, shift_no_centering, shift_by_stein])
def test_lifted_covariance_accepts(answer):
    for seed in range(2):
        ex.lifted_covariance(answer, rng=seed)


# -- Exercise 1: the gradient of the Bethe free energy -----------------------------------------

def _degrees(fg):
    return {x: sum(x in f.variables for f in fg.factors) for x in fg.variables}


def grad_right(fg, beliefs, factor_beliefs):
    d = _degrees(fg)
    return ({x: -(d[x] - 1) * (np.log(b) + 1) for x, b in beliefs.items()},
            [np.log(b / f.table) + 1 for f, b in zip(fg.factors, factor_beliefs)])


def grad_other_form(fg, beliefs, factor_beliefs):  # (1 − d_i)(1 + log b_i), tuples, log f subtracted
    var = {}
    for x, b in beliefs.items():
        degree = len([f for f in fg.factors if x in f.variables])
        var[x] = (1 - degree) * (1 + np.log(b))
    return var, tuple(1 + np.log(b) - np.log(f.table) for f, b in zip(fg.factors, factor_beliefs))


def grad_no_one(fg, beliefs, factor_beliefs):
    d = _degrees(fg)
    return ({x: -(d[x] - 1) * np.log(b) for x, b in beliefs.items()},
            [np.log(b / f.table) for f, b in zip(fg.factors, factor_beliefs)])


def grad_degree(fg, beliefs, factor_beliefs):  # d_i instead of d_i − 1
    d = _degrees(fg)
    var, fac = grad_right(fg, beliefs, factor_beliefs)
    return {x: -d[x] * (np.log(b) + 1) for x, b in beliefs.items()}, fac


def grad_variable_sign(fg, beliefs, factor_beliefs):
    var, fac = grad_right(fg, beliefs, factor_beliefs)
    return {x: -g for x, g in var.items()}, fac


def grad_energy_flipped(fg, beliefs, factor_beliefs):  # log(f / b) + 1
    var, fac = grad_right(fg, beliefs, factor_beliefs)
    return var, [np.log(f.table / b) + 1 for f, b in zip(fg.factors, factor_beliefs)]


def grad_transposed(fg, beliefs, factor_beliefs):
    var, fac = grad_right(fg, beliefs, factor_beliefs)
    return var, [g.T for g in fac]


@pytest.mark.parametrize("answer", [grad_no_one, grad_degree, grad_variable_sign,
                                    grad_energy_flipped, grad_transposed,
                                    lambda fg, b, fb: (b, fb)])
def test_bethe_gradient_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.bethe_gradient(answer, rng=12)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [grad_right, grad_other_form])
def test_bethe_gradient_accepts(answer):
    for seed in range(3):
        ex.bethe_gradient(answer, rng=seed)
