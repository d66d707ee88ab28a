"""Expectation propagation with the fully factorised family, against independent oracles:
scipy.optimize's direct minimisation of KL(p̂‖Π q_i) for the moment-matching step, BP's
factor-to-variable message for the update, enumeration (trees) and loopy BP (cycles) for the
fixed point."""

import numpy as np
import pytest
import scipy.optimize
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax

from course_lib import bp, kl
from course_lib import expectation_propagation as ep
from course_lib.factor_graph import FactorGraph, ising_cycle, random_tree_model

seeds = st.integers(0, 2**31 - 1)


def random_messages(fg, rng):
    return {(a, x): rng.dirichlet(np.full(fg.cardinalities[x], 2.0))
            for a, f in enumerate(fg.factors) for x in f.variables}


def loopy_model(rng):
    n = int(rng.integers(3, 6))
    return ising_cycle(n, coupling=float(rng.uniform(-0.8, 0.8)), field=list(rng.uniform(-0.5, 0.5, n)))


@settings(max_examples=30, deadline=None)
@given(seeds, st.integers(2, 3), st.integers(2, 3))
def test_moment_matching_is_the_m_projection_found_by_direct_minimisation(seed, k1, k2):
    r"""argmin over q_1 ⊗ q_2 of KL(p̂‖q), by BFGS on softmax logits, = the marginals of p̂."""
    rng = np.random.default_rng(seed)
    fg = FactorGraph({"u": k1, "v": k2})
    fg.add_factor(("u", "v"), np.exp(rng.normal(0, 1, (k1, k2))))
    fg.add_factor(("u",), np.exp(rng.normal(0, 1, k1)))
    fg.add_factor(("v",), np.exp(rng.normal(0, 1, k2)))
    p_hat = ep.tilted(fg, random_messages(fg, rng), 0)

    def cross_entropy(logits):   # KL(p̂‖q) up to the constant −H(p̂)
        log_q1, log_q2 = log_softmax(logits[:k1]), log_softmax(logits[k1:])
        return -float(np.sum(p_hat * (log_q1[:, None] + log_q2[None, :])))

    best = scipy.optimize.minimize(cross_entropy, np.zeros(k1 + k2), method="BFGS",
                                   options={"gtol": 1e-10})
    q1, q2 = np.exp(log_softmax(best.x[:k1])), np.exp(log_softmax(best.x[k1:]))
    _, (m1, m2) = kl.m_projection_product(p_hat, return_factors=True)
    np.testing.assert_allclose(q1, m1, atol=1e-6)
    np.testing.assert_allclose(q2, m2, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(seeds, st.booleans())
def test_one_step_equals_bps_factor_message_from_the_cavities(seed, loopy):
    rng = np.random.default_rng(seed)
    fg = loopy_model(rng) if loopy else random_tree_model(int(rng.integers(2, 6)), states=3, rng=seed)
    messages = random_messages(fg, rng)
    for a, factor in enumerate(fg.factors):
        new = ep.ep_step(fg, messages, a)
        for k, x in enumerate(factor.variables):
            table = np.array(factor.table)            # Σ_{x_a∖x_i} ψ_a Π_{j≠i} Π_{b∋j, b≠a} ν_{b→j}
            for j, y in enumerate(factor.variables):
                if y != x:
                    incoming = np.prod([messages[(b, y)] for b in fg.neighbours(y) if b != a]
                                       or [np.ones(fg.cardinalities[y])], axis=0)
                    table = np.moveaxis(np.moveaxis(table, j, -1) * incoming, -1, j)
            expected = table.sum(axis=tuple(i for i in range(table.ndim) if i != k))
            np.testing.assert_allclose(new[x], expected / expected.sum(), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seeds, st.integers(2, 6), st.integers(2, 3))
def test_ep_on_a_tree_returns_the_exact_marginals(seed, n, states):
    fg = random_tree_model(n, states=states, rng=seed)
    result = ep.expectation_propagation(fg)
    exact = bp.exact_marginals(fg)
    assert result.converged
    for x in fg.variables:
        np.testing.assert_allclose(result.marginals[x], exact[x], atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seeds)
def test_ep_on_a_cycle_lands_on_loopy_bps_fixed_point(seed):
    fg = loopy_model(np.random.default_rng(seed))
    result = ep.expectation_propagation(fg, tol=1e-12)
    loopy = bp.belief_propagation(fg, tol=1e-12)
    assert result.converged and loopy.converged
    for x in fg.variables:
        np.testing.assert_allclose(result.marginals[x], loopy.marginals[x], atol=1e-8)


def test_cavity_times_the_removed_message_is_the_belief():
    rng = np.random.default_rng(0)
    fg = loopy_model(rng)
    messages = random_messages(fg, rng)
    q = ep.beliefs(fg, messages)
    for a in range(len(fg.factors)):
        for x, c in ep.cavity(fg, messages, a).items():
            product = c * messages[(a, x)]
            np.testing.assert_allclose(product / product.sum(), q[x], rtol=1e-12)


def test_damping_reaches_the_same_fixed_point_and_non_convergence_warns():
    fg = ising_cycle(4, coupling=0.6, field=[0.2, -0.1, 0.3, 0.0])
    plain, damped = ep.expectation_propagation(fg), ep.expectation_propagation(fg, damping=0.5)
    assert damped.iterations > plain.iterations
    for x in fg.variables:
        np.testing.assert_allclose(damped.marginals[x], plain.marginals[x], atol=1e-8)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        assert not ep.expectation_propagation(fg, max_iters=1).converged


def test_bad_input_is_named():
    fg = ising_cycle(3, coupling=0.5)
    good = ep.uniform_messages(fg)
    with pytest.raises(TypeError, match="FactorGraph"):
        ep.ep_step({"x": 2}, good, 0)
    with pytest.raises(ValueError, match="no entry for the edge"):
        ep.ep_step(fg, {k: v for k, v in list(good.items())[1:]}, 0)
    with pytest.raises(ValueError, match="shape"):
        ep.ep_step(fg, {**good, (0, "x0"): np.ones(3)}, 0)
    with pytest.raises(ValueError, match="positive"):
        ep.cavity(fg, {**good, (0, "x0"): np.array([0.0, 1.0])}, 0)
    with pytest.raises(ValueError, match="out of range"):
        ep.tilted(fg, good, 99)
    with pytest.raises(TypeError, match="factor index"):
        ep.ep_step(fg, good, "0")
    with pytest.raises(ValueError, match="damping"):
        ep.expectation_propagation(fg, damping=1.0)
    with pytest.raises(ValueError, match="max_iters"):
        ep.expectation_propagation(fg, max_iters=0)
    zero = FactorGraph({"u": 2})
    zero.add_factor(("u",), [0.0, 1.0])
    with pytest.raises(ValueError, match="strictly positive"):
        ep.expectation_propagation(zero)
