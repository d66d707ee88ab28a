"""Lesson 08's exercise checks reject the wrong answers a student would write and accept
every correct form (issue 15: ≥ 3 wrong answers and ≥ 1 alternative right answer each)."""

import numpy as np
import pytest
import sympy
from numpy.polynomial.hermite_e import hermegauss
from scipy.optimize import brentq
from scipy.special import logsumexp

from course_lib import checks, kl, lagrange
from course_lib.graph import Graph

ex = checks.projections


# -- Exercise 1: the exponential tilt by Newton's method -------------------------------------

def tilt_newton(p, f, t):
    theta = 0.0
    for _ in range(100):
        q = p * np.exp(theta * f)
        q /= q.sum()
        mean, var = q @ f, q @ f**2 - (q @ f) ** 2
        step = (mean - t) / var
        theta -= step
        if abs(step) < 1e-15:
            break
    q = p * np.exp(theta * f)
    return q / q.sum(), theta


def tilt_bisection(p, f, t):  # another correct method: bisection on g'(θ) = E_qθ[f] − t
    def mean(th):
        w = np.log(p) + th * f
        return float(np.exp(w - logsumexp(w)) @ f)
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mean(mid) < t else (lo, mid)
    th = 0.5 * (lo + hi)
    w = np.log(p) + th * f
    return np.exp(w - logsumexp(w)), np.array([th])


def tilt_wrong_sign(p, f, t):  # q ∝ p e^{−θf}: q right, θ of the wrong sign
    q, theta = tilt_newton(p, f, t)
    return q, -theta


def tilt_unnormalised(p, f, t):
    q, theta = tilt_newton(p, f, t)
    return p * np.exp(theta * f), theta


def tilt_two_steps(p, f, t):  # Newton stopped after two steps
    theta = 0.0
    for _ in range(2):
        q = p * np.exp(theta * f)
        q /= q.sum()
        theta -= (q @ f - t) / (q @ f**2 - (q @ f) ** 2)
    q = p * np.exp(theta * f)
    return q / q.sum(), theta


def tilt_shift_mass(p, f, t):  # moves p along f linearly instead of tilting it
    q = p + (t - p @ f) * (f - p @ f) * p / (p @ (f - p @ f) ** 2)
    return q, 0.0


def tilt_library(p, f, t):  # the forbidden shortcut
    q, theta = kl.i_projection(p, f[None], [t], return_theta=True)
    return q, theta[0]


def tilt_brentq(p, f, t):  # also forbidden: the 1-D solve must be written
    def gap(th):
        q = p * np.exp(th * f)
        return q @ f / q.sum() - t
    theta = brentq(gap, -50, 50, xtol=1e-15)
    q = p * np.exp(theta * f)
    return q / q.sum(), theta


@pytest.mark.parametrize("answer", [tilt_wrong_sign, tilt_unnormalised, tilt_two_steps,
                                    tilt_shift_mass, tilt_library, tilt_brentq,
                                    lambda p, f, t: p])
def test_tilt_by_newton_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.tilt_by_newton(answer, rng=3)
    assert str(err.value).count("\n") <= 1


def test_tilt_by_newton_names_the_forbidden_call():
    with pytest.raises(AssertionError, match="i_projection"):
        ex.tilt_by_newton(tilt_library, rng=0)
    with pytest.raises(AssertionError, match="brentq"):
        ex.tilt_by_newton(tilt_brentq, rng=0)


@pytest.mark.parametrize("answer", [tilt_newton, tilt_bisection])
def test_tilt_by_newton_accepts(answer):
    for seed in range(3):
        ex.tilt_by_newton(answer, rng=seed)


def test_forbidding_is_lifted_after_the_check():
    ex.tilt_by_newton(tilt_newton, rng=0)
    assert kl.i_projection(np.array([0.5, 0.5]), np.array([[0.0, 1.0]]), [0.7]).shape == (2,)


# -- Exercise 2: a log Z graph whose backward pass returns the moments -----------------------

def _assignments(features, score_of):
    states, K = features.shape
    rows = [(f"e{x}", score_of(features[x])) for x in range(states)]
    return rows, states, K


def graph_right(features):
    states, K = features.shape
    rows = [(f"e{x}", " + ".join(f"({int(features[x, k])})*th{k}" for k in range(K)))
            for x in range(states)]
    rows += [("S", " + ".join(f"exp(e{x})" for x in range(states))), ("logZ", "log(S)")]
    return Graph.from_assignments(rows, inputs=[f"th{k}" for k in range(K)])


def graph_one_node(features):  # another correct form: log Z in one node
    states, K = features.shape
    total = " + ".join("exp(" + " + ".join(f"({int(features[x, k])})*th{k}" for k in range(K)) + ")"
                       for x in range(states))
    return Graph.from_assignments([("logZ", f"log({total})")], inputs=[f"th{k}" for k in range(K)])


def graph_of_Z(features):  # Z instead of log Z: adjoints Z·E[f]
    states, K = features.shape
    rows = [(f"e{x}", " + ".join(f"({int(features[x, k])})*th{k}" for k in range(K)))
            for x in range(states)]
    rows += [("logZ", " + ".join(f"exp(e{x})" for x in range(states)))]
    return Graph.from_assignments(rows, inputs=[f"th{k}" for k in range(K)])


def graph_missing_state(features):  # off by one: the last state dropped
    return graph_right(features[:-1])


def graph_sign_slip(features):  # θ·f with the sign flipped
    return graph_right(-features)


def graph_no_exp(features):  # log Σ e_k: a sum of scores, not of weights
    states, K = features.shape
    rows = [(f"e{x}", " + ".join(f"({int(features[x, k])})*th{k}" for k in range(K)))
            for x in range(states)]
    rows += [("S", " + ".join(f"e{x}" for x in range(states)) + f" + {10 * states}"),
             ("logZ", "log(S)")]
    return Graph.from_assignments(rows, inputs=[f"th{k}" for k in range(K)])


def graph_wrong_inputs(features):
    states, K = features.shape
    rows = [(f"e{x}", " + ".join(f"({int(features[x, k])})*a{k}" for k in range(K)))
            for x in range(states)]
    rows += [("logZ", "log(" + " + ".join(f"exp(e{x})" for x in range(states)) + ")")]
    return Graph.from_assignments(rows, inputs=[f"a{k}" for k in range(K)])


@pytest.mark.parametrize("answer", [graph_of_Z, graph_missing_state, graph_sign_slip,
                                    graph_no_exp, graph_wrong_inputs,
                                    lambda features: features.T @ np.ones(len(features))])
def test_log_partition_graph_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.log_partition_graph(answer, rng=5)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [graph_right, graph_one_node])
def test_log_partition_graph_accepts(answer):
    for seed in range(2):
        ex.log_partition_graph(answer, rng=seed)


# -- Exercise 3: the first-order shift of the lifted graph's noise ---------------------------

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


# -- lesson 14's Bethe free energy: its gradient (the check lives with the KL projections) -----

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
