"""Variable elimination against enumeration (log Z), and its fill-in and induced width against
an independent elimination on the moral graph written here; orders validated."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import bp, elimination
from course_lib.factor_graph import FactorGraph, ising_grid


def random_factor_graph(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    card = {f"v{i}": int(rng.integers(2, 4)) for i in range(n)}
    fg = FactorGraph(card)
    names = list(card)
    for _ in range(int(rng.integers(1, 8))):
        k = int(rng.integers(1, 4))
        scope = tuple(rng.choice(names, size=min(k, n), replace=False))
        fg.add_factor(scope, rng.uniform(0.1, 2.0, [card[v] for v in scope]))
    return fg, rng


def independent_width_and_fill(fg, order):
    edges = {frozenset(p) for f in fg.factors for p in itertools.combinations(f.variables, 2)}
    alive, fill, width = set(fg.variables), set(), 0
    for v in order:
        nb = {u for u in alive if u != v and frozenset((u, v)) in edges}
        width = max(width, len(nb))
        for a, b in itertools.combinations(sorted(nb), 2):
            if frozenset((a, b)) not in edges:
                edges.add(frozenset((a, b)))
                fill.add(frozenset((a, b)))
        alive.remove(v)
    return width, fill


@settings(max_examples=80)
@given(st.integers(0, 10**6))
def test_log_partition_width_and_fill_in_against_independent_oracles(seed):
    fg, rng = random_factor_graph(seed)
    order = list(rng.permutation(fg.variables))
    r = elimination.eliminate(fg, order)
    assert r.log_partition == pytest.approx(bp.exact_log_partition(fg), rel=1e-10, abs=1e-10)
    width, fill = independent_width_and_fill(fg, order)
    assert r.induced_width == width and r.fill_in == fill


@settings(max_examples=40)
@given(st.integers(0, 10**6))
def test_evidence_matches_enumeration(seed):
    fg, rng = random_factor_graph(seed)
    v = fg.variables[0]
    evidence = {v: int(rng.integers(fg.cardinalities[v]))}
    r = elimination.eliminate(fg, list(reversed(fg.variables)), evidence)
    assert r.log_partition == pytest.approx(bp.exact_log_partition(fg, evidence), rel=1e-10,
                                            abs=1e-10)


def test_grid_orders_width_and_greedy_orders():
    fg = ising_grid(4, 4, 0.3, 0.1)
    row_major = list(fg.variables)
    r = elimination.eliminate(fg, row_major)
    assert r.induced_width == 4  # a frontier of one row
    assert r.log_partition == pytest.approx(bp.exact_log_partition(fg))
    for order in (elimination.min_degree_order(fg), elimination.min_fill_order(fg)):
        assert sorted(order) == sorted(fg.variables)
        assert elimination.eliminate(fg, order).log_partition == pytest.approx(r.log_partition)


@pytest.mark.parametrize("order, message", [
    (["v0"], "misses"),
    (["v0", "v0", "v1"], "twice"),
    (["v0", "v1", "w"], "not a variable"),
    ("v0 v1", "list of variable names"),
])
def test_bad_orders_are_named(order, message):
    fg = FactorGraph({"v0": 2, "v1": 2})
    fg.add_factor(("v0", "v1"), np.ones((2, 2)))
    with pytest.raises((ValueError, TypeError), match=message):
        elimination.eliminate(fg, order)
