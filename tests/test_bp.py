"""Tests for course_lib.bp against independent oracles.

Oracles: brute-force enumeration of the joint (``exact_marginals`` and
``exact_log_partition``, themselves checked against hand sums in test_factor_graph.py);
the forward(–backward) algorithm in log space written here from scratch for chains; and
a naive probability-domain sum–product written here with dicts and loops, run for the same
number of flooding iterations, for loopy graphs and damping.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import bp
from course_lib.factor_graph import FactorGraph, chain_model, ising_cycle, ising_grid, ising_model


# ---------------------------------------------------------------------- random trees
@st.composite
def random_trees(draw, max_variables=7, zeros=True, forest=True):
    r"""A random tree- (or forest-) structured factor graph and random evidence.

    Structure: each new factor joins an existing variable with 1 new variable (pairwise) or,
    sometimes, 2 new variables (a 3-variable factor); a forest may also start a new component.
    Unary factors sit on random variables (some twice). Scopes are randomly permuted, the
    variable order of the graph is shuffled, 2–4 states each. Tables are random, with some
    zero entries when ``zeros``.
    """
    n = draw(st.integers(1, max_variables))
    cards = [draw(st.integers(2, 4)) for _ in range(n)]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scopes, created = [], 1
    while created < n:
        if forest and draw(st.integers(0, 9)) == 0:
            created += 1  # a new component, joined by nothing
            continue
        anchor = draw(st.integers(0, created - 1))
        fresh = min(n - created, 2 if draw(st.integers(0, 4)) == 0 else 1)
        scopes.append([anchor] + list(range(created, created + fresh)))
        created += fresh
    for _ in range(draw(st.integers(0, n + 2))):
        scopes.append([draw(st.integers(0, n - 1))])
    names = [f"v{i}" for i in range(n)]
    order = rng.permutation(n)
    fg = FactorGraph({names[i]: cards[i] for i in order})
    for scope in scopes:
        scope = [scope[i] for i in rng.permutation(len(scope))]
        table = rng.gamma(1.0, size=[cards[i] for i in scope])
        if zeros:
            table[rng.random(table.shape) < 0.15] = 0.0
            if not table.any():
                table.flat[0] = 1.0
        fg.add_factor(tuple(names[i] for i in scope), table)
    observed = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=min(n, 3)))
    evidence = {names[i]: draw(st.integers(0, cards[i] - 1)) for i in observed}
    return fg, evidence


def exact_or_none(fg, evidence):
    try:
        return bp.exact_marginals(fg, evidence), bp.exact_log_partition(fg, evidence)
    except ValueError as err:
        assert "probability zero" in str(err) or "Z = 0" in str(err)
        return None


@settings(max_examples=80, deadline=None)
@given(random_trees(), st.sampled_from(["flooding", "tree"]), st.booleans())
def test_bp_on_trees_equals_enumeration(case, schedule, use_evidence):
    fg, evidence = case
    evidence = evidence if use_evidence else None
    exact = exact_or_none(fg, evidence)
    if exact is None:  # Z(e) = 0: BP must say so too
        with pytest.raises(ValueError, match="probability zero|Z = 0"):
            bp.belief_propagation(fg, evidence, schedule=schedule)
        return
    marginals, log_z = exact
    result = bp.belief_propagation(fg, evidence, schedule=schedule)
    assert result.converged
    for v in fg.variables:
        np.testing.assert_allclose(result.marginals[v], marginals[v], atol=1e-9, rtol=0)
    assert result.log_partition == pytest.approx(log_z, abs=1e-9 * max(1.0, abs(log_z)))


@settings(max_examples=40, deadline=None)
@given(random_trees(zeros=False))
def test_factor_beliefs_on_trees_are_exact_clique_marginals(case):
    fg, evidence = case
    joint = fg.joint(evidence)
    result = bp.belief_propagation(fg, evidence, schedule="tree")
    for factor, belief in zip(fg.factors, result.factor_marginals):
        axes = [fg.variables.index(v) for v in factor.variables]
        others = tuple(i for i in range(joint.ndim) if i not in axes)
        exact = np.moveaxis(joint.sum(axis=others), np.argsort(np.argsort(axes)),
                            np.arange(len(axes)))
        np.testing.assert_allclose(belief, exact, atol=1e-9, rtol=0)


@settings(max_examples=40, deadline=None)
@given(random_trees(zeros=False, forest=False))
def test_flooding_needs_about_diameter_iterations_on_a_tree(case):
    fg, _ = case
    result = bp.belief_propagation(fg)
    edges_on_longest_path = 2 * len(fg.variables) + 2  # generous bound on the diameter + 1
    assert result.iterations <= edges_on_longest_path
    assert len(result.history) == result.iterations + 1
    for v in fg.variables:
        np.testing.assert_allclose(result.history[-1][v], result.marginals[v])


def test_tree_schedule_single_sweep_and_history():
    fg = chain_model(6, 3, rng=1)
    result = bp.belief_propagation(fg, schedule="tree")
    assert (result.iterations, result.converged, result.schedule) == (1, True, "tree")
    assert len(result.history) == 2
    np.testing.assert_allclose(result.history[0]["x0"], np.ones(3) / 3)  # no evidence, no messages
    record_free = bp.belief_propagation(fg, schedule="tree", record_history=False)
    assert record_free.history == []


# ---------------------------------------------------------------------- long chains
def forward_backward_log(unary, pair):
    r"""Oracle: forward–backward in log space for p(x) ∝ Π φ_i(x_i) Π ψ_i(x_i, x_{i+1}).

    α_0 = log φ_0;  α_{i+1}(y) = log φ_{i+1}(y) + log Σ_x exp(α_i(x) + log ψ_i(x, y));
    β_{n−1} = 0;    β_i(x) = log Σ_y exp(log ψ_i(x, y) + log φ_{i+1}(y) + β_{i+1}(y)).
    Returns log Z = log Σ exp(α_{n−1}) and the log-marginals α_i + β_i − log Z.
    """
    with np.errstate(divide="ignore"):  # log 0 = −inf is fine here
        log_u, log_p = np.log(unary), np.log(pair)
    n = len(log_u)
    alpha, beta = np.empty_like(log_u), np.zeros_like(log_u)
    alpha[0] = log_u[0]
    for i in range(n - 1):
        alpha[i + 1] = log_u[i + 1] + np.logaddexp.reduce(alpha[i][:, None] + log_p[i], axis=0)
    for i in range(n - 2, -1, -1):
        beta[i] = np.logaddexp.reduce(log_p[i] + (log_u[i + 1] + beta[i + 1])[None, :], axis=1)
    log_z = np.logaddexp.reduce(alpha[-1])
    return log_z, alpha + beta - log_z


def chain_graph(unary, pair):
    n = len(unary)
    names = [f"x{i}" for i in range(n)]
    fg = FactorGraph({v: unary.shape[1] for v in names})
    fg.add_factors([(v,) for v in names], unary)
    fg.add_factors([(names[i], names[i + 1]) for i in range(n - 1)], pair)
    return fg


@pytest.mark.parametrize("scale", [1.0, 1e-5, 1e5])
def test_log_space_bp_on_a_chain_of_ten_thousand_equals_forward_algorithm(scale):
    """Z is far outside the float range (log Z ≈ ±10^5): only log space survives."""
    rng = np.random.default_rng(7)
    n, k = 10_000, 3
    unary = scale * rng.gamma(2.0, size=(n, k))
    pair = scale * rng.gamma(2.0, size=(n - 1, k, k))
    log_z, log_marginals = forward_backward_log(unary, pair)
    assert abs(log_z) > 1000 or scale == 1.0
    result = bp.belief_propagation(chain_graph(unary, pair), schedule="tree",
                                   record_history=False)
    assert result.log_partition == pytest.approx(log_z, rel=1e-10)
    for i in [0, 1, 17, n // 2, n - 2, n - 1]:
        np.testing.assert_allclose(result.marginals[f"x{i}"], np.exp(log_marginals[i]),
                                   atol=1e-10)


def test_flooding_on_a_short_chain_equals_forward_algorithm_with_evidence():
    rng = np.random.default_rng(3)
    n, k = 40, 2
    unary = rng.gamma(2.0, size=(n, k))
    pair = rng.gamma(2.0, size=(n - 1, k, k))
    clamped = unary.copy()
    clamped[5] = [0.0, clamped[5, 1]]  # evidence x5 = 1 as a unary indicator
    log_z, log_marginals = forward_backward_log(clamped, pair)
    result = bp.belief_propagation(chain_graph(unary, pair), {"x5": 1}, max_iters=500)
    assert result.converged and result.iterations <= n + 2
    assert result.log_partition == pytest.approx(log_z, rel=1e-10)
    for i in range(n):
        np.testing.assert_allclose(result.marginals[f"x{i}"], np.exp(log_marginals[i]),
                                   atol=1e-10)


# ---------------------------------------------------------------------- loopy graphs
def naive_loopy_bp(fg, iterations, damping):
    r"""Oracle: sum–product in the probability domain with dicts, the same flooding schedule.

    Start μ_{a→x} uniform, μ_{x→a} = Π_{b≠a} μ_{b→x}; each iteration computes every
    μ_{a→x} from the μ_{y→a}, damps μ ← (1−d) μ_new + d μ_old (normalised), then every μ_{x→a}.
    Returns the beliefs after each iteration.
    """
    card = fg.cardinalities
    scopes = [f.variables for f in fg.factors]
    edges = [(a, v) for a, scope in enumerate(scopes) for v in scope]
    to_var = {(a, v): np.ones(card[v]) / card[v] for a, v in edges}

    def from_vars():
        out = {}
        for a, v in edges:
            m = np.ones(card[v])
            for b, w in edges:
                if w == v and b != a:
                    m = m * to_var[(b, w)]
            out[(a, v)] = m / m.sum()
        return out

    def beliefs():
        result = {}
        for v in fg.variables:
            b = np.ones(card[v])
            for a, w in edges:
                if w == v:
                    b = b * to_var[(a, w)]
            result[v] = b / b.sum()
        return result

    to_factor, history = from_vars(), [beliefs()]
    for _ in range(iterations):
        new = {}
        for a, v in edges:
            table = fg.factors[a].table
            scope = scopes[a]
            m = np.zeros(card[v])
            for x in np.ndindex(*table.shape):
                weight = table[x]
                for pos, w in enumerate(scope):
                    if w != v:
                        weight = weight * to_factor[(a, w)][x[pos]]
                m[x[scope.index(v)]] += weight
            m = m / m.sum()
            new[(a, v)] = (1 - damping) * m + damping * to_var[(a, v)]
        to_var = new
        to_factor = from_vars()
        history.append(beliefs())
    return history


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.3, 0.6]))
def test_loopy_flooding_matches_a_naive_implementation_iteration_by_iteration(seed, damping):
    rng = np.random.default_rng(seed)
    fg = ising_grid(2, 3, rng.normal(0, 1.0, size=7), rng.normal(0, 0.5, size=6))
    fg.add_factor(("x0", "x4", "x5"), rng.gamma(1.0, size=(2, 2, 2)))  # a 3-variable factor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = bp.belief_propagation(fg, max_iters=8, damping=damping, tol=1e-300)
    expected = naive_loopy_bp(fg, 8, damping)
    assert len(result.history) == len(expected) == 9
    for got, want in zip(result.history, expected):
        for v in fg.variables:
            np.testing.assert_allclose(got[v], want[v], atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.05, 0.4))
def test_loopy_bp_converges_close_to_exact_or_reports_failure(seed, strength):
    rng = np.random.default_rng(seed)
    fg = ising_grid(3, 3, rng.uniform(-strength, strength, size=12), rng.normal(0, 0.3, size=9))
    exact = bp.exact_marginals(fg)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = bp.belief_propagation(fg)
    if not result.converged:
        assert any(issubclass(w.category, RuntimeWarning) for w in caught)
        return
    assert not caught
    error = max(np.abs(result.marginals[v] - exact[v]).max() for v in fg.variables)
    assert error < 0.05
    assert result.log_partition == pytest.approx(bp.exact_log_partition(fg), abs=0.1)


def test_frustrated_model_without_damping_warns_and_reports_non_convergence():
    """Antiferromagnetic K4: no assignment satisfies every coupling; undamped BP oscillates."""
    k4 = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    fg = ising_model(4, k4, coupling=-2.0, field=[0.1, 0.2, -0.1, 0.3])
    with pytest.warns(RuntimeWarning, match="did not converge"):
        result = bp.belief_propagation(fg, max_iters=200, damping=0.0)
    assert result.converged is False and result.iterations == 200
    assert result.residuals[-1] > 0.5  # a period-2 oscillation, not slow convergence
    assert all(abs(sum(b) - 1) < 1e-12 for b in result.marginals.values())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        damped = bp.belief_propagation(fg, max_iters=3000, damping=0.5)
    assert damped.converged


def test_single_cycle_ising_converges_with_damping():
    fg = ising_cycle(5, coupling=0.5, field=0.2)
    result = bp.belief_propagation(fg, damping=0.3)
    exact = bp.exact_marginals(fg)
    assert result.converged
    assert max(abs(result.marginals[v][1] - exact[v][1]) for v in fg.variables) < 0.05


# ---------------------------------------------------------------------- small cases
@pytest.mark.parametrize("damping", [0.0, 0.4])
def test_resumed_flooding_is_the_longer_run_to_the_last_bit(damping):
    fg = ising_model(4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)], -1.0,
                     [0.3, -0.2, 0.1, 0.25])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        short = bp.belief_propagation(fg, max_iters=17, damping=damping)
        longer = bp.belief_propagation(fg, max_iters=45, damping=damping, resume=short)
        fresh = bp.belief_propagation(fg, max_iters=45, damping=damping)
    assert not short.converged and short.iterations == 17
    assert (longer.iterations, longer.converged, longer.residuals, longer.log_partition) == \
        (fresh.iterations, fresh.converged, fresh.residuals, fresh.log_partition)
    for a, b in zip([longer.marginals, *longer.history], [fresh.marginals, *fresh.history]):
        assert all(np.array_equal(a[v], b[v]) for v in b)
    with pytest.raises(ValueError, match="damping"):
        bp.belief_propagation(fg, max_iters=45, damping=0.2 + damping, resume=short)
    with pytest.raises(ValueError, match="more than max_iters"):
        bp.belief_propagation(fg, max_iters=10, damping=damping, resume=short)
    with pytest.raises(ValueError, match="another graph"):
        bp.belief_propagation(ising_model(4, [(0, 1), (1, 2)], -1.0, [0.3, -0.2, 0.1, 0.25]),
                              max_iters=45, damping=damping, resume=short)
    path = ising_model(3, [(0, 1), (1, 2)], -1.0, [0.3, -0.2, 0.1])
    done = bp.belief_propagation(path, max_iters=45, damping=damping)
    assert done.converged
    with pytest.raises(ValueError, match="unconverged flooding"):
        bp.belief_propagation(path, max_iters=45, damping=damping, resume=done)


def test_isolated_variables_and_single_state_variables():
    fg = FactorGraph({"A": 3, "B": 1, "C": 2})
    fg.add_factor(("B", "C"), [[1.0, 3.0]])
    for schedule in ["flooding", "tree"]:
        result = bp.belief_propagation(fg, schedule=schedule)
        np.testing.assert_allclose(result.marginals["A"], np.ones(3) / 3)
        np.testing.assert_allclose(result.marginals["B"], [1.0])
        np.testing.assert_allclose(result.marginals["C"], [0.25, 0.75])
        assert result.log_partition == pytest.approx(math.log(3 * 4))
        assert result.log_partition == pytest.approx(bp.exact_log_partition(fg))
        observed = bp.belief_propagation(fg, {"A": 2}, schedule=schedule)
        np.testing.assert_allclose(observed.marginals["A"], [0, 0, 1])
        assert observed.log_partition == pytest.approx(math.log(4))


def test_messages_are_readable():
    fg = FactorGraph({"A": 2, "B": 3})
    fa = fg.add_factor(("A",), [1.0, 3.0])
    fab = fg.add_factor(("A", "B"), [[1, 2, 3], [3, 2, 1]])
    result = bp.belief_propagation(fg, schedule="tree")
    np.testing.assert_allclose(result.message(fa, "A"), [0.25, 0.75])  # μ_{a→x} = f_a
    np.testing.assert_allclose(result.message("A", fab), [0.25, 0.75])  # μ_{x→a} = Π others
    np.testing.assert_allclose(result.message(fab, "B"), np.array([10, 8, 6]) / 24)
    np.testing.assert_allclose(result.message("B", fab), np.ones(3) / 3)
    with pytest.raises(ValueError, match="no edge"):
        result.message(fa, "B")
    with pytest.raises(ValueError, match="no edge"):
        result.message(7, "A")


def test_explaining_away():
    """Two independent causes of one effect become dependent once the effect is seen."""
    fg = FactorGraph({"rain": 2, "sprinkler": 2, "wet": 2})
    fg.add_factor(("rain",), [0.8, 0.2])
    fg.add_factor(("sprinkler",), [0.7, 0.3])
    wet = np.array([[0.01, 0.9], [0.9, 0.99]])  # P(wet=1 | rain, sprinkler)
    fg.add_factor(("rain", "sprinkler", "wet"), np.stack([1 - wet, wet], axis=-1))
    wet_only = bp.belief_propagation(fg, {"wet": 1}, schedule="tree").marginals["rain"][1]
    both = bp.belief_propagation(fg, {"wet": 1, "sprinkler": 1}).marginals["rain"][1]
    assert both < wet_only
    assert both == pytest.approx(bp.exact_marginals(fg, {"wet": 1, "sprinkler": 1})["rain"][1])


# ---------------------------------------------------------------------- bad input
@pytest.fixture
def loop():
    return ising_cycle(3, 1.0)


def test_bad_graph_and_options(loop):
    with pytest.raises(TypeError, match="FactorGraph"):
        bp.belief_propagation({"A": 2})
    with pytest.raises(TypeError, match="FactorGraph"):
        bp.exact_marginals([[0.5, 0.5]])
    with pytest.raises(TypeError, match="FactorGraph"):
        bp.exact_log_partition(None)
    for kwargs, match in [
        ({"max_iters": 0}, "max_iters"), ({"max_iters": 2.5}, "max_iters"),
        ({"damping": 1.0}, "damping"), ({"damping": -0.1}, "damping"),
        ({"damping": "0.5"}, "damping"), ({"tol": 0.0}, "tol"), ({"tol": float("nan")}, "tol"),
        ({"schedule": "random"}, "schedule"), ({"schedule": "tree", "damping": 0.5}, "damp"),
    ]:
        with pytest.raises(ValueError, match=match):
            bp.belief_propagation(loop, **kwargs)


def test_tree_schedule_on_a_loop_names_the_cycle(loop):
    with pytest.raises(ValueError, match=r"cycle 'x\d' – factor \d+ – 'x\d'"):
        bp.belief_propagation(loop, schedule="tree")


def test_bad_evidence(loop):
    for schedule in ["flooding", "tree"]:
        g = loop if schedule == "flooding" else chain_model(3)
        with pytest.raises(ValueError, match="unknown variable 'y'"):
            bp.belief_propagation(g, {"y": 0}, schedule=schedule)
        with pytest.raises(ValueError, match="out of range"):
            bp.belief_propagation(g, {"x0": 2}, schedule=schedule)
        with pytest.raises(TypeError, match="integer"):
            bp.belief_propagation(g, {"x0": 0.5}, schedule=schedule)
        with pytest.raises(TypeError, match="mapping"):
            bp.belief_propagation(g, [("x0", 1)], schedule=schedule)
    for f in (bp.exact_marginals, bp.exact_log_partition):
        with pytest.raises(ValueError, match="unknown variable"):
            f(loop, {"nope": 1})


def test_evidence_of_probability_zero_is_an_error():
    fg = FactorGraph({"A": 2, "B": 2})
    fg.add_factor(("A", "B"), [[1.0, 0.0], [0.0, 1.0]])  # A = B
    fg.add_factor(("B",), [1.0, 0.0])  # B = 0
    for call in (lambda: bp.exact_marginals(fg, {"A": 1}),
                 lambda: bp.exact_log_partition(fg, {"A": 1}),
                 lambda: bp.belief_propagation(fg, {"A": 1}),
                 lambda: bp.belief_propagation(fg, {"A": 1}, schedule="tree")):
        with pytest.raises(ValueError, match=r"evidence \{'A': 1\} has probability zero"):
            call()
    consistent = bp.belief_propagation(fg, {"A": 0})
    np.testing.assert_allclose(consistent.marginals["B"], [1, 0])
    assert consistent.log_partition == pytest.approx(0.0)


def test_contradictory_factors_without_evidence_is_an_error():
    fg = FactorGraph({"A": 2})
    fg.add_factor(("A",), [1.0, 0.0])
    fg.add_factor(("A",), [0.0, 1.0])
    for call in (lambda: bp.exact_log_partition(fg), lambda: bp.belief_propagation(fg)):
        with pytest.raises(ValueError, match="Z = 0"):
            call()
