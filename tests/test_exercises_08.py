"""Lesson 08's exercise checks reject the wrong answers a student would write and accept
every correct form (issue 15: ≥ 3 wrong answers and ≥ 1 alternative right answer each)."""

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import logsumexp

from course_lib import checks, kl
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


def tilt_bisection(p, f, t):  # another correct method: bisection on G'(θ) = E_qθ[f] − t
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
