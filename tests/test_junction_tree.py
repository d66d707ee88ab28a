"""Junction-tree marginals against brute-force enumeration on random small loopy graphs (with
and without evidence), the tree's structure (running intersection), its cost, and bad input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import bp, junction_tree
from course_lib.factor_graph import FactorGraph, ising_grid


def random_loopy_graph(seed):
    """A random model with pairwise factors on a random graph holding a cycle, plus some unary and
    three-variable factors, cardinalities 2–3."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 8))
    card = {f"x{i}": int(rng.integers(2, 4)) for i in range(n)}
    names = list(card)
    fg = FactorGraph(card)
    cycle = [names[i] for i in rng.permutation(n)[: int(rng.integers(3, n + 1))]]
    scopes = [(cycle[i], cycle[(i + 1) % len(cycle)]) for i in range(len(cycle))]
    for _ in range(int(rng.integers(0, 5))):
        k = int(rng.integers(1, 4))
        scopes.append(tuple(rng.choice(names, size=min(k, n), replace=False)))
    for scope in scopes:
        fg.add_factor(scope, rng.uniform(0.05, 3.0, [card[v] for v in scope]))
    return fg, rng


def assert_marginals_equal(got, expected):
    assert set(got) == set(expected)
    for v in expected:
        np.testing.assert_allclose(got[v], expected[v], rtol=1e-9, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6))
def test_marginals_match_enumeration_on_loopy_graphs(seed):
    fg, rng = random_loopy_graph(seed)
    assert not fg.is_forest()
    order = [str(v) for v in rng.permutation(fg.variables)]
    assert_marginals_equal(bp.junction_tree_marginals(fg, order), bp.exact_marginals(fg))


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10**6))
def test_marginals_with_evidence_match_enumeration(seed):
    fg, rng = random_loopy_graph(seed)
    observed = [str(v) for v in rng.choice(fg.variables, size=int(rng.integers(1, 3)),
                                           replace=False)]
    evidence = {v: int(rng.integers(fg.cardinalities[v])) for v in observed}
    order = [str(v) for v in rng.permutation(fg.variables)]
    r = junction_tree.calibrate(fg, order, evidence)
    assert_marginals_equal(r.marginals, bp.exact_marginals(fg, evidence))
    assert r.log_partition == pytest.approx(bp.exact_log_partition(fg, evidence), rel=1e-10,
                                            abs=1e-10)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6))
def test_running_intersection_and_cost(seed):
    fg, rng = random_loopy_graph(seed)
    order = [str(v) for v in rng.permutation(fg.variables)]
    r = junction_tree.calibrate(fg, order)
    # running intersection: the cliques holding a variable form a connected subtree
    for v in fg.variables:
        holding = {k for k, c in enumerate(r.cliques) if v in c}
        tops = [k for k in holding if r.parents[k] not in holding]
        assert len(tops) == 1, (v, holding)
    # every factor's scope lies in some clique
    for f in fg.factors:
        assert any(set(f.variables) <= set(c) for c in r.cliques)
    sizes = [int(np.prod([fg.cardinalities[u] for u in c])) for c in r.cliques]
    children = [sum(1 for p in r.parents if p == k) for k in range(len(r.cliques))]
    # upward: one table per clique; downward: one per child and one for the belief
    assert r.operations == sum(s * (2 + c) for s, c in zip(sizes, children))


def test_grid_with_a_good_and_a_bad_order():
    fg = ising_grid(3, 3, 0.4, 0.2)
    exact = bp.exact_marginals(fg)
    columns = [f"x{r * 3 + c}" for c in range(3) for r in range(3)]
    for order in (list(fg.variables), columns, list(reversed(fg.variables))):
        assert_marginals_equal(bp.junction_tree_marginals(fg, order), exact)


def test_a_variable_in_no_factor_is_uniform():
    fg = FactorGraph({"a": 2, "b": 3, "c": 2})
    fg.add_factor(("a", "c"), [[1.0, 2.0], [3.0, 4.0]])
    for order in itertools.permutations(fg.variables):
        got = bp.junction_tree_marginals(fg, list(order))
        np.testing.assert_allclose(got["b"], np.full(3, 1 / 3))
        assert_marginals_equal(got, bp.exact_marginals(fg))


@pytest.mark.parametrize("order, message", [
    (["a"], "misses b"),
    (["a", "a", "b"], "'a' twice"),
    (["a", "b", "z"], "'z', which is not a variable"),
    ("a b", "list of variable names"),
])
def test_bad_orders_are_named(order, message):
    fg = FactorGraph({"a": 2, "b": 2})
    fg.add_factor(("a", "b"), np.ones((2, 2)))
    with pytest.raises((ValueError, TypeError), match=message):
        bp.junction_tree_marginals(fg, order)


@pytest.mark.parametrize("evidence, message", [
    ({"z": 0}, "z"),
    ({"a": 5}, "a"),
    ({"a": 1, "b": 1}, "probability zero|zero"),
])
def test_bad_evidence_is_named_as_bp_names_it(evidence, message):
    fg = FactorGraph({"a": 2, "b": 2})
    fg.add_factor(("a", "b"), [[1.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match=message) as jt_error:
        bp.junction_tree_marginals(fg, ["a", "b"], evidence)
    with pytest.raises(ValueError) as bp_error:
        bp.exact_marginals(fg, evidence)
    assert str(jt_error.value) == str(bp_error.value)


def test_not_a_factor_graph():
    with pytest.raises(TypeError, match="FactorGraph"):
        bp.junction_tree_marginals({"a": 2}, ["a"])
