"""Tests for course_lib.kl against independent oracles.

Oracles: closed forms (Bernoulli KL), a generic constrained optimiser (scipy's SLSQP on
the primal problem min_q KL(q‖p) s.t. E_q[f] = t), the Pythagorean identity, conditioning
written out by hand, and random competitors for the projections' optimality.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from course_lib import kl


@st.composite
def distributions(draw, shapes=((4,), (2, 3), (3, 3), (2, 2, 2)), zeros=False):
    shape = draw(st.sampled_from(shapes))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    p = rng.dirichlet(np.ones(math.prod(shape))).reshape(shape)
    if zeros:
        p[rng.random(shape) < 0.25] = 0.0
        if p.sum() == 0:
            p.flat[0] = 1.0
        p = p / p.sum()
    return p


# ---------------------------------------------------------------------- KL itself
def test_kl_bernoulli_closed_form_and_conventions():
    a, b = 0.3, 0.6
    expected = a * math.log(a / b) + (1 - a) * math.log((1 - a) / (1 - b))
    assert kl.kl_divergence([a, 1 - a], [b, 1 - b]) == pytest.approx(expected, rel=1e-14)
    assert kl.kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(math.log(2))  # 0 log 0 = 0
    assert kl.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf  # p > 0 = q
    assert kl.kl_divergence([0.0, 1.0], [0.0, 1.0]) == 0.0
    assert kl.kl_divergence([[0.25, 0.25], [0.5, 0.0]], [[0.25, 0.25], [0.5, 0.0]]) == 0.0


@settings(max_examples=60, deadline=None)
@given(distributions(zeros=True), st.integers(0, 2**32 - 1))
def test_kl_is_nonnegative_and_zero_only_at_equality(p, seed):
    q = np.random.default_rng(seed).dirichlet(np.ones(p.size)).reshape(p.shape)
    d = kl.kl_divergence(p, q)
    assert d >= 0
    assert kl.kl_divergence(p, p) == 0.0
    if not np.allclose(p, q):
        assert d > 0


@pytest.mark.parametrize("p, q, error, match", [
    ([0.5, 0.4], [0.5, 0.5], ValueError, r"p must sum to 1 \(tolerance 1e-09\), but sums to 0.9"),
    ([0.5, 0.5], [0.7, 0.7], ValueError, r"q must sum to 1 .* sums to 1.4"),
    ([1.5, -0.5], [0.5, 0.5], ValueError, r"p must be nonnegative, but p\[1\] = -0.5"),
    ([0.5, 0.5], [1.5, -0.5], ValueError, "q must be nonnegative"),
    ([0.5, 0.5], [0.25, 0.25, 0.5], ValueError, r"same shape, got p \(2,\) and q \(3,\)"),
    ([0.5, np.nan], [0.5, 0.5], ValueError, "p must be finite"),
    (1.0, 1.0, ValueError, "at least one axis"),
    ([], [], ValueError, "non-empty"),
    ([0.5j, 0.5], [0.5, 0.5], TypeError, "p must be a real numeric array"),
    ([0.5, 0.5], ["a", "b"], TypeError, "q must be a real numeric array"),
])
def test_kl_rejects(p, q, error, match):
    with pytest.raises(error, match=match):
        kl.kl_divergence(p, q)


def test_sum_tolerance_is_1e9():
    assert kl.kl_divergence([0.5, 0.5 + 5e-10], [0.5, 0.5]) >= 0
    with pytest.raises(ValueError, match="sums to"):
        kl.kl_divergence([0.5, 0.5 + 5e-9], [0.5, 0.5])


# ---------------------------------------------------------------------- I-projection
@st.composite
def linear_families(draw, zeros=False):
    r"""(p, features, targets) with targets = E_r[f] for a random r on the support of p."""
    p = draw(distributions(zeros=zeros))
    k = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    features = rng.normal(size=(k,) + p.shape)
    r = rng.dirichlet(np.ones(p.size)).reshape(p.shape) * (p > 0)
    r = r / r.sum()
    targets = (features * r).sum(axis=tuple(range(1, p.ndim + 1)))
    return p, features, targets


def expectations(q, features):
    return (features * q).sum(axis=tuple(range(1, q.ndim + 1)))


def _stalled_cases():
    r"""Two I-projections on which plain Newton stalled (found by hypothesis): its first step
    leapt to where q sat on two states; and a state of p at 10⁻¹⁷ that the target gives 1/3."""
    p = np.array([0.39494071, 0.59223638, 0.01150477, 0.00131815])
    features = np.array([[0.38062255, 0.30352209, -0.28043583, -0.36328155],
                         [0.7784228, -0.36708129, -0.41302384, -1.02835601]])
    yield p / p.sum(), features, np.array([-0.30500636, -0.81079333])
    features = np.random.default_rng(5).normal(size=(2, 4))
    yield (np.array([0.0, 0.75, 0.25 - 1e-17, 1e-17]), features,
           features @ np.array([0.0, 1 / 3, 1 / 3, 1 / 3]))


@pytest.mark.parametrize("case", list(_stalled_cases()))
def test_i_projection_converges_where_plain_newton_stalled(case):
    p, features, targets = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Newton's method stopped" warning
        q, theta = kl.i_projection(p, features, targets, return_theta=True)
    np.testing.assert_allclose(features @ q, targets, atol=1e-8)
    support = p > 0
    log_ratio = np.log(q[support]) - np.log(p[support]) - (theta @ features)[support]
    assert np.ptp(log_ratio) < 1e-6  # q ∝ p exp(θ·f): an exponential tilt


@settings(max_examples=60, deadline=None)
@given(linear_families(zeros=True))
def test_i_projection_meets_constraints_and_is_an_exponential_tilt(case):
    p, features, targets = case
    q, theta = kl.i_projection(p, features, targets, return_theta=True)
    assert q.shape == p.shape and q.sum() == pytest.approx(1.0) and np.all(q >= 0)
    np.testing.assert_allclose(expectations(q, features), targets, atol=1e-8)
    assert np.all(q[p == 0] == 0)
    support = p > 0
    if np.all(q[support] > 0):  # interior targets: log q − log p − θ·f is constant
        log_ratio = np.log(q[support]) - np.log(p[support]) - np.tensordot(theta, features,
                                                                           1)[support]
        assert np.ptp(log_ratio) < 1e-7


@settings(max_examples=60, deadline=None)
@given(linear_families(), st.integers(0, 2**32 - 1))
def test_pythagorean_identity(case, seed):
    """KL(r‖p) = KL(r‖q*) + KL(q*‖p) for r in the family, built as another I-projection."""
    p, features, targets = case
    q = kl.i_projection(p, features, targets)
    other = np.random.default_rng(seed).dirichlet(np.ones(p.size)).reshape(p.shape)
    r = kl.i_projection(other, features, targets)
    np.testing.assert_allclose(expectations(r, features), targets, atol=1e-8)
    lhs = kl.kl_divergence(r, p)
    rhs = kl.kl_divergence(r, q) + kl.kl_divergence(q, p)
    assert lhs == pytest.approx(rhs, abs=1e-8)


def slsqp_i_projection(p, features, targets):
    """Oracle: the primal problem handed to a generic optimiser."""
    flat_p, flat_f = p.ravel(), features.reshape(len(features), -1)

    def objective(q):
        q = np.maximum(q, 1e-300)
        return float(np.sum(q * (np.log(q) - np.log(flat_p))))

    def gradient(q):
        return np.log(np.maximum(q, 1e-300)) - np.log(flat_p) + 1

    constraints = [{"type": "eq", "fun": lambda q: flat_f @ q - targets, "jac": lambda q: flat_f},
                   {"type": "eq", "fun": lambda q: q.sum() - 1, "jac": lambda q: np.ones_like(q)}]
    res = minimize(objective, flat_p, jac=gradient, method="SLSQP", constraints=constraints,
                   bounds=[(1e-12, 1)] * p.size, options={"ftol": 1e-14, "maxiter": 1000})
    return res


@settings(max_examples=40, deadline=None)
@given(linear_families())
def test_i_projection_agrees_with_slsqp(case):
    p, features, targets = case
    q = kl.i_projection(p, features, targets)
    res = slsqp_i_projection(p, features, targets)
    assume(res.success)
    assert kl.kl_divergence(q, p) <= res.fun + 1e-9  # never worse than the generic optimiser
    np.testing.assert_allclose(q.ravel(), res.x, atol=1e-4)


def test_infeasible_and_boundary_targets():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    f = np.array([[0.0, 1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match=r"targets \[3.5\] are infeasible.*convex hull"):
        kl.i_projection(p, f, [3.5])
    q = kl.i_projection(p, f, [3.0])  # the maximum: all mass on the last state
    np.testing.assert_allclose(q, [0, 0, 0, 1], atol=1e-12)
    zero_p = np.array([0.5, 0.5, 0.0, 0.0])
    with pytest.raises(ValueError, match="infeasible"):  # hull over the support of p only
        kl.i_projection(zero_p, f, [2.0])
    two = np.array([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0]])
    q = kl.i_projection(p, two, [1.0, 1.0])  # E[f1] = E[f2] = 1 forces state 1
    np.testing.assert_allclose(q, [0, 1, 0, 0], atol=1e-12)


def test_dependent_features_are_fine():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    f = np.array([[0.0, 1.0, 2.0, 3.0], [0.0, 2.0, 4.0, 6.0]])  # f2 = 2 f1
    q = kl.i_projection(p, f, [1.0, 2.0])
    np.testing.assert_allclose(expectations(q, f), [1.0, 2.0], atol=1e-10)
    np.testing.assert_allclose(q, kl.i_projection(p, f[:1], [1.0]), atol=1e-10)
    with pytest.raises(ValueError, match="infeasible"):
        kl.i_projection(p, f, [1.0, 1.0])


def test_i_projection_rejects_bad_input():
    p = np.array([0.25, 0.75])
    with pytest.raises(ValueError, match=r"features must have shape \(K,\) \+ p.shape"):
        kl.i_projection(p, np.ones(2), [1.0])
    with pytest.raises(ValueError, match=r"targets must have shape \(1,\)"):
        kl.i_projection(p, np.ones((1, 2)), [1.0, 2.0])
    with pytest.raises(ValueError, match="features must be finite"):
        kl.i_projection(p, [[np.inf, 0.0]], [0.0])
    with pytest.raises(ValueError, match="targets must be finite"):
        kl.i_projection(p, [[1.0, 0.0]], [np.nan])
    with pytest.raises(ValueError, match="p must sum to 1"):
        kl.i_projection([0.5, 0.6], [[1.0, 0.0]], [0.5])
    with pytest.raises(TypeError, match="features"):
        kl.i_projection(p, [["a", "b"]], [0.5])
    with pytest.raises(ValueError, match="tol"):
        kl.i_projection(p, [[1.0, 0.0]], [0.5], tol=0)


# ---------------------------------------------------------------------- conditioning
@settings(max_examples=40, deadline=None)
@given(distributions(shapes=((2, 3), (3, 2, 2))), st.data())
def test_condition_is_bayes_rule_and_an_i_projection(p, data):
    axis = data.draw(st.integers(0, p.ndim - 1))
    value = data.draw(st.integers(0, p.shape[axis] - 1))
    q = kl.condition(p, {axis: value})
    index = [slice(None)] * p.ndim
    index[axis] = value
    expected = np.zeros_like(p)
    expected[tuple(index)] = p[tuple(index)] / p[tuple(index)].sum()  # p(x | e) by hand
    np.testing.assert_allclose(q, expected, atol=1e-15)
    indicator = np.zeros((1,) + p.shape)
    indicator[(0,) + tuple(index)] = 1.0
    np.testing.assert_allclose(kl.i_projection(p, indicator, [1.0]), expected, atol=1e-10)


def test_condition_rejects():
    p = np.array([[0.5, 0.0], [0.5, 0.0]])
    with pytest.raises(ValueError, match=r"evidence \{1: 1\} has probability zero"):
        kl.condition(p, {1: 1})
    with pytest.raises(ValueError, match="axis 2"):
        kl.condition(p, {2: 0})
    with pytest.raises(ValueError, match="out of range"):
        kl.condition(p, {0: 2})
    with pytest.raises(TypeError, match="integer"):
        kl.condition(p, {0: 0.5})
    with pytest.raises(TypeError, match="mapping"):
        kl.condition(p, [(0, 1)])


# ---------------------------------------------------------------------- M-projection
@settings(max_examples=40, deadline=None)
@given(distributions(zeros=True), st.integers(0, 2**32 - 1))
def test_m_projection_beats_every_other_product(p, seed):
    q, factors = kl.m_projection_product(p, return_factors=True)
    for i, factor in enumerate(factors):
        np.testing.assert_allclose(factor, p.sum(axis=tuple(j for j in range(p.ndim) if j != i)))
    best = kl.kl_divergence(p, q)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        other = kl.m_projection_product(np.ones(p.shape) / p.size)
        for i in range(p.ndim):
            shape = [1] * p.ndim
            shape[i] = p.shape[i]
            other = other * rng.dirichlet(np.ones(p.shape[i])).reshape(shape) * p.shape[i]
        assert best <= kl.kl_divergence(p, other / other.sum()) + 1e-12


# ---------------------------------------------------------------------- IPF
@settings(max_examples=30, deadline=None)
@given(distributions(shapes=((2, 3, 2), (3, 3, 2))), st.integers(0, 2**32 - 1))
def test_ipf_converges_to_its_targets_and_to_the_i_projection(p, seed):
    r = np.random.default_rng(seed).dirichlet(np.ones(p.size)).reshape(p.shape)
    targets = {(0, 1): r.sum(axis=2), (1, 2): r.sum(axis=0)}
    iterates = kl.ipf(p, targets, 300)
    assert len(iterates) == 301 and np.array_equal(iterates[0], p)
    final = iterates[-1]
    for axes, table in targets.items():
        np.testing.assert_allclose(kl.marginal(final, axes), table, atol=1e-8)
    # the limit is the I-projection onto the linear family of both marginal constraints
    features, values = [], []
    for axes, table in targets.items():
        for cell in np.ndindex(*table.shape):
            f = np.zeros(p.shape)
            index = [slice(None)] * p.ndim
            for a, c in zip(axes, cell):
                index[a] = c
            f[tuple(index)] = 1.0
            features.append(f)
            values.append(table[cell])
    projected = kl.i_projection(p, np.array(features), np.array(values))
    np.testing.assert_allclose(final, projected, atol=1e-7)


def test_ipf_steps_hit_each_target_exactly():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(12)).reshape(3, 4)
    r = rng.dirichlet(np.ones(12)).reshape(3, 4)
    targets = {(0,): r.sum(axis=1), (1,): r.sum(axis=0)}
    steps = kl.ipf(p, targets, 2, every_step=True)
    assert len(steps) == 5
    np.testing.assert_allclose(steps[1].sum(axis=1), targets[(0,)], atol=1e-15)
    np.testing.assert_allclose(steps[2].sum(axis=0), targets[(1,)], atol=1e-15)
    # two marginals of a product-free table: one cycle already fits both (classic 2-way IPF)
    independent = np.outer(targets[(0,)], targets[(1,)])
    np.testing.assert_allclose(kl.ipf(np.ones((3, 4)) / 12, targets, 1)[-1], independent)


def test_ipf_rejects_bad_targets():
    p = np.ones((2, 3)) / 6
    good = np.array([0.5, 0.5])
    for targets, error, match in [
        ({(1, 0): np.ones((3, 2)) / 6}, ValueError, "strictly increasing"),
        ({(0, 0): np.ones((2, 2)) / 4}, ValueError, "strictly increasing"),
        ({(2,): good}, ValueError, "outside 0..1"),
        ({(0,): np.ones(3) / 3}, ValueError, r"shape \(2,\)"),
        ({(0,): np.array([0.5, 0.6])}, ValueError, r"target \(0,\) must sum to 1"),
        ({(0,): np.array([1.5, -0.5])}, ValueError, "nonnegative"),
        ({(0,): good, (0, 1): np.array([[0.9, 0, 0], [0.1, 0, 0]])}, ValueError, "disagree"),
        ({0: good}, TypeError, "tuple of axis"),
        ({}, TypeError, "non-empty mapping"),
        ([((0,), good)], TypeError, "mapping"),
    ]:
        with pytest.raises(error, match=match):
            kl.ipf(p, targets, 3)
    with pytest.raises(ValueError, match="marginal of p is zero"):
        kl.ipf(np.array([[0.5, 0.5], [0.0, 0.0]]), {(0,): good}, 3)
    with pytest.raises(ValueError, match="iterations"):
        kl.ipf(p, {(0,): good}, -1)


# ---------------------------------------------------------------------- mean field
@settings(max_examples=40, deadline=None)
@given(distributions(shapes=((2, 2), (2, 3, 2), (3, 3, 3), (2, 2, 2, 2))))
def test_mean_field_kl_never_increases_and_ends_at_a_fixed_point(p):
    result = kl.mean_field(p, 60)
    history = np.array(result.kl_history)
    assert len(history) == 61
    assert np.all(np.diff(history) <= 1e-12)
    assert history[0] == pytest.approx(kl.kl_divergence(kl.m_projection_product(p), p))
    assert history[-1] == pytest.approx(kl.kl_divergence(result.q, p))
    np.testing.assert_allclose(result.q, kl.m_projection_product(result.q), atol=1e-12)
    again = kl.mean_field(p, 1, init=result.factors)  # a fixed point up to tolerance
    assert -1e-12 <= history[-1] - again.kl_history[1] <= 1e-7  # (convergence can be slow)


def test_mean_field_from_log_potentials_and_zeros():
    rng = np.random.default_rng(0)
    log_p = rng.normal(size=(2, 3, 2)) + 50.0
    p = np.exp(log_p - np.logaddexp.reduce(log_p.ravel()))
    a = kl.mean_field(log_p, 20, log_potentials=True)
    b = kl.mean_field(p, 20)
    np.testing.assert_allclose(a.q, b.q, atol=1e-12)
    np.testing.assert_allclose(a.kl_history, b.kl_history, atol=1e-12)
    zeros = np.array([[0.5, 0.0], [0.0, 0.5]])  # two modes: mean field picks one
    result = kl.mean_field(zeros, 10, init=[np.array([0.6, 0.4]), np.array([1.0, 0.0])])
    np.testing.assert_allclose(result.q, [[1, 0], [0, 0]], atol=1e-12)
    assert result.kl_history[-1] == pytest.approx(math.log(2))
    assert result.kl_history[0] == math.inf


def test_mean_field_rejects():
    p = np.ones((2, 2)) / 4
    with pytest.raises(ValueError, match="iterations"):
        kl.mean_field(p, -1)
    with pytest.raises(ValueError, match="one factor per axis"):
        kl.mean_field(p, 3, init=[np.array([0.5, 0.5])])
    with pytest.raises(ValueError, match=r"init\[1\] must have shape \(2,\)"):
        kl.mean_field(p, 3, init=[np.array([0.5, 0.5]), np.ones(3) / 3])
    with pytest.raises(ValueError, match=r"init\[0\] must sum to 1"):
        kl.mean_field(p, 3, init=[np.array([0.5, 0.6]), np.array([0.5, 0.5])])
    with pytest.raises(ValueError, match="−inf everywhere"):
        kl.mean_field(np.full((2, 2), -np.inf), 3, log_potentials=True)
    with pytest.raises(ValueError, match="finite numbers or −inf"):
        kl.mean_field(np.array([[0.0, np.inf]]), 3, log_potentials=True)
    with pytest.raises(ValueError, match="p must sum to 1"):
        kl.mean_field(np.ones((2, 2)), 3)
    with pytest.raises(ValueError, match="E\\[log p\\] = −inf"):
        kl.mean_field(np.array([[0.5, 0.0], [0.0, 0.5]]), 2)  # the marginal start is uniform


def test_marginal_and_m_projection_reject_bad_input():
    p = np.ones((2, 3)) / 6
    np.testing.assert_allclose(kl.marginal(p, (1,)), np.ones(3) / 3)
    with pytest.raises(ValueError, match="distinct indices in 0..1"):
        kl.marginal(p, (2,))
    with pytest.raises(ValueError, match="distinct"):
        kl.marginal(p, (0, 0))
    with pytest.raises(TypeError, match="sequence of axis indices"):
        kl.marginal(p, 0)
    with pytest.raises(TypeError, match="p must be a real numeric array"):
        kl.marginal([["a"]], (0,))
    with pytest.raises(ValueError, match="p must sum to 1"):
        kl.m_projection_product(np.ones((2, 2)))
    with pytest.raises(ValueError, match="p must be nonnegative"):
        kl.m_projection_product(np.array([1.5, -0.5]))
