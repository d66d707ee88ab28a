"""Lesson 14's exercise checks (checks.local_projections) reject the wrong answers a student
would write and accept every correct form."""

import numpy as np
import pytest

from course_lib import checks

ex = checks.local_projections


# -- Exercise 1: the gradient of the Bethe free energy -----------------------------------------

def _degrees(fg):
    return {x: sum(x in f.variables for f in fg.factors) for x in fg.variables}


def grad_right(fg, beliefs, factor_beliefs):
    d = _degrees(fg)
    return ({x: -(d[x] - 1) * (np.log(b) + 1) for x, b in beliefs.items()},
            [np.log(b / f.table) + 1 for f, b in zip(fg.factors, factor_beliefs)])


def grad_other_form(fg, beliefs, factor_beliefs):  # (1 − deg(i))(1 + log q_i), tuples, log ψ subtracted
    var = {}
    for x, b in beliefs.items():
        degree = len([f for f in fg.factors if x in f.variables])
        var[x] = (1 - degree) * (1 + np.log(b))
    return var, tuple(1 + np.log(b) - np.log(f.table) for f, b in zip(fg.factors, factor_beliefs))


def grad_no_one(fg, beliefs, factor_beliefs):
    d = _degrees(fg)
    return ({x: -(d[x] - 1) * np.log(b) for x, b in beliefs.items()},
            [np.log(b / f.table) for f, b in zip(fg.factors, factor_beliefs)])


def grad_degree(fg, beliefs, factor_beliefs):  # deg(i) instead of deg(i) − 1
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


def _bethe(fg, beliefs, factor_beliefs):
    d = _degrees(fg)
    return (sum(np.sum(b * np.log(b / f.table)) for f, b in zip(fg.factors, factor_beliefs))
            - sum((d[x] - 1) * np.sum(b * np.log(b)) for x, b in beliefs.items()))


def grad_by_differences(step, central=True):
    r"""The forbidden route, done carefully: a difference quotient of F_Bethe in every entry
    (step 5e-6 is near the optimum ε^{1/3} for central differences)."""
    def gradient_of(fg, beliefs, factor_beliefs):
        def moved(x, j, s):
            if isinstance(x, str):
                b = dict(beliefs)
                b[x] = beliefs[x].copy()
                b[x][j] += s
                return _bethe(fg, b, factor_beliefs)
            fb = list(factor_beliefs)
            fb[x] = factor_beliefs[x].copy()
            fb[x][j] += s
            return _bethe(fg, beliefs, fb)

        def slope(x, j):
            low = moved(x, j, -step) if central else _bethe(fg, beliefs, factor_beliefs)
            return (moved(x, j, step) - low) / (2 * step if central else step)
        var = {x: np.array([slope(x, j) for j in range(b.size)]) for x, b in beliefs.items()}
        fac = [np.array([slope(a, j) for j in np.ndindex(b.shape)]).reshape(b.shape)
               for a, b in enumerate(factor_beliefs)]
        return var, fac
    return gradient_of


@pytest.mark.parametrize("answer", [grad_no_one, grad_degree, grad_variable_sign,
                                    grad_energy_flipped, grad_transposed,
                                    lambda fg, b, fb: (b, fb),
                                    grad_by_differences(1e-6), grad_by_differences(5e-6),
                                    grad_by_differences(1e-5), grad_by_differences(1e-8, central=False)])
def test_bethe_gradient_rejects(answer):
    for seed in (12, 13, 14):
        with pytest.raises(AssertionError) as err:
            ex.bethe_gradient(answer, rng=seed)
        assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [grad_right, grad_other_form])
def test_bethe_gradient_accepts(answer):
    for seed in range(10):                                  # exact to 1e-12 on every one
        ex.bethe_gradient(answer, rng=seed)


# -- Exercise 2: one EP step ------------------------------------------------------------------

def _cavities(fg, messages, a, remove=True):
    out = {}
    for i in fg.factors[a].variables:
        q_i = np.prod([messages[(b, i)] for b in fg.neighbours(i)], axis=0)
        out[i] = q_i / messages[(a, i)] if remove else q_i
    return out


def _tilted(fg, cavity, a):
    names = fg.factors[a].variables
    p_hat = np.array(fg.factors[a].table)
    for k, i in enumerate(names):
        p_hat = p_hat * np.expand_dims(cavity[i], [j for j in range(len(names)) if j != k])
    return p_hat / p_hat.sum()


def _marginal(p_hat, k):
    return p_hat.sum(axis=tuple(j for j in range(p_hat.ndim) if j != k))


def step_right(fg, messages, a):
    cav = _cavities(fg, messages, a)
    p_hat = _tilted(fg, cav, a)
    return {i: _marginal(p_hat, k) / cav[i] for k, i in enumerate(fg.factors[a].variables)}


def step_pairwise_only(fg, messages, a):  # BP's sum over the other variable: right for pairs only
    names = fg.factors[a].variables
    cav = _cavities(fg, messages, a)
    table = np.array(fg.factors[a].table)
    return {names[0]: 5.0 * table @ cav[names[1]], names[1]: 0.1 * cav[names[0]] @ table}


def step_by_log_division(fg, messages, a):  # correct too: logs, product of the other messages
    names = fg.factors[a].variables
    cav = {i: np.exp(sum(np.log(messages[(b, i)]) for b in fg.neighbours(i) if b != a)
                     if len(fg.neighbours(i)) > 1 else np.zeros(fg.cardinalities[i])) for i in names}
    p_hat = _tilted(fg, cav, a)
    return {i: np.exp(np.log(_marginal(p_hat, k)) - np.log(cav[i])) for k, i in enumerate(names)}


def step_no_division(fg, messages, a):  # returns the new belief q_i^new, not the message
    p_hat = _tilted(fg, _cavities(fg, messages, a), a)
    return {i: _marginal(p_hat, k) for k, i in enumerate(fg.factors[a].variables)}


def step_no_cavity(fg, messages, a):  # tilts the full q (factor a counted twice)
    q = _cavities(fg, messages, a, remove=False)
    p_hat = _tilted(fg, q, a)
    return {i: _marginal(p_hat, k) / q[i] for k, i in enumerate(fg.factors[a].variables)}


def step_divides_by_belief(fg, messages, a):  # right tilt, but divides by q_i, not the cavity
    cav = _cavities(fg, messages, a)
    q = _cavities(fg, messages, a, remove=False)
    p_hat = _tilted(fg, cav, a)
    return {i: _marginal(p_hat, k) / q[i] for k, i in enumerate(fg.factors[a].variables)}


def step_i_projection(fg, messages, a):  # mean-field update exp(E_cavity[log ψ_a]): I-, not M-
    names = fg.factors[a].variables
    cav = _cavities(fg, messages, a)
    log_table = np.log(np.array(fg.factors[a].table))
    return {names[0]: np.exp(log_table @ cav[names[1]]), names[1]: np.exp(cav[names[0]] @ log_table)}


def step_swapped_axes(fg, messages, a):  # each variable gets the other variable's marginal
    cav = _cavities(fg, messages, a)
    p_hat = _tilted(fg, cav, a)
    return {i: _marginal(p_hat, 1 - k) / cav[i] for k, i in enumerate(fg.factors[a].variables)}


def step_old_messages(fg, messages, a):  # no update at all
    return {i: messages[(a, i)] for i in fg.factors[a].variables}


def step_via_course(fg, messages, a):  # the forbidden shortcut
    from course_lib import expectation_propagation
    return expectation_propagation.ep_step(fg, messages, a)


@pytest.mark.parametrize("answer", [step_no_division, step_no_cavity, step_divides_by_belief,
                                    step_i_projection, step_pairwise_only, step_swapped_axes, step_old_messages,
                                    step_via_course, lambda fg, messages, a: None,
                                    lambda fg, messages, a: 1 / 0])
def test_ep_moment_matching_rejects(answer):
    with pytest.raises(AssertionError) as err:
        ex.ep_moment_matching(answer, rng=13)
    assert str(err.value).count("\n") <= 1


@pytest.mark.parametrize("answer", [step_right, step_by_log_division])
def test_ep_moment_matching_accepts(answer):
    for seed in range(3):
        ex.ep_moment_matching(answer, rng=seed)
