"""Tests for course_lib.factor_graph.

Oracles: joints written out by hand with explicit loops over configurations, closed forms
for two-spin Ising models, and networkx (``is_forest``) for the cycle detection.
"""

import math

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.enumeration import assignments
from course_lib.factor_graph import (
    FactorGraph,
    chain_model,
    ising_cycle,
    ising_grid,
    ising_model,
    random_tree_model,
)


def small_graph():
    fg = FactorGraph({"A": 2, "B": 3, "C": 2})
    fg.add_factor(("B", "A"), [[1.0, 2.0], [3.0, 0.5], [0.0, 1.0]])  # scope order ≠ axis order
    fg.add_factor(("C",), [0.25, 0.75])
    fg.add_factor(("A", "C"), [[2.0, 1.0], [1.0, 4.0]])
    return fg


def hand_joint(fg):
    """Oracle: Π_a f_a(x_a) by an explicit loop over every configuration, then normalised."""
    names, card = fg.variables, fg.cardinalities
    out = np.zeros([card[v] for v in names])
    for x in map(tuple, assignments([card[v] for v in names]).tolist()):
        value = dict(zip(names, x))
        weight = 1.0
        for f in fg.factors:
            weight *= f.table[tuple(value[v] for v in f.variables)]
        out[x] = weight
    return out / out.sum()


def test_joint_matches_hand_enumeration_in_variable_order():
    fg = small_graph()
    joint = fg.joint()
    assert joint.shape == (2, 3, 2)
    np.testing.assert_allclose(joint, hand_joint(fg), rtol=1e-13)
    assert joint.sum() == pytest.approx(1.0)


def test_joint_with_evidence_is_the_conditional():
    fg = small_graph()
    full = hand_joint(fg)
    conditional = fg.joint({"B": 1, "C": 0})
    expected = np.zeros_like(full)
    expected[:, 1, 0] = full[:, 1, 0] / full[:, 1, 0].sum()
    np.testing.assert_allclose(conditional, expected, atol=1e-15)
    log_joint = fg.log_joint({"B": 1})
    assert np.all(np.isneginf(log_joint[:, [0, 2], :]))


def test_joint_refuses_large_graphs_and_zero_evidence():
    fg = FactorGraph({f"x{i}": 4 for i in range(12)})
    with pytest.raises(ValueError, match=r"16777216 entries, above max_size=4194304"):
        fg.joint()
    tiny = FactorGraph({"A": 4, "B": 4})
    with pytest.raises(ValueError, match="16 entries, above max_size=15"):
        tiny.joint(max_size=15)
    assert tiny.joint(max_size=16).shape == (4, 4)
    small = small_graph()
    with pytest.raises(ValueError, match=r"evidence \{'A': 0, 'B': 2\} has probability zero"):
        small.joint({"A": 0, "B": 2})


def test_structure_queries():
    fg = small_graph()
    assert fg.variables == ("A", "B", "C")
    assert fg.cardinalities == {"A": 2, "B": 3, "C": 2}
    assert fg.neighbours("A") == (0, 2)
    assert fg.neighbours("C") == (1, 2)
    assert fg.factor_neighbours(0) == ("B", "A")
    assert fg.markov_blanket("A") == ("B", "C")
    assert fg.markov_blanket("B") == ("A",)
    assert fg.edges() == [(0, "B"), (0, "A"), (1, "C"), (2, "A"), (2, "C")]
    assert fg.num_edges() == 5
    assert fg.is_forest() and fg.find_cycle() is None
    g = fg.to_networkx()
    assert g.number_of_nodes() == 6 and g.number_of_edges() == 5
    assert g.nodes["A"]["kind"] == "variable" and g.nodes[0]["scope"] == ("B", "A")
    assert "3 factors" in repr(fg)


def test_cards_of_one_and_copies():
    fg = FactorGraph({"A": 1, "B": 2})
    table = np.array([[1.0, 3.0]])
    fg.add_factor(("A", "B"), table)
    table[0, 0] = 100.0  # the graph keeps its own copy
    assert fg.factors[0].table[0, 0] == 1.0
    assert not fg.factors[0].table.flags.writeable
    np.testing.assert_allclose(fg.joint(), [[0.25, 0.75]])
    cards = {"X": 2}
    g = FactorGraph(cards)
    cards["Y"] = 3
    assert g.variables == ("X",)


@st.composite
def random_bipartite(draw):
    n = draw(st.integers(1, 6))
    names = [f"v{i}" for i in range(n)]
    scopes = draw(st.lists(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True),
                           max_size=7))
    fg = FactorGraph(dict.fromkeys(names, 2))
    for scope in scopes:
        fg.add_factor(tuple(scope), np.ones((2,) * len(scope)))
    return fg


@settings(max_examples=150, deadline=None)
@given(random_bipartite())
def test_find_cycle_agrees_with_networkx(fg):
    g = fg.to_networkx()
    cycle = fg.find_cycle()
    assert (cycle is None) == nx.is_forest(g)
    if cycle is not None:
        assert len(cycle) >= 4 and len(set(cycle)) == len(cycle)
        for u, w in zip(cycle, cycle[1:] + cycle[:1]):
            assert g.has_edge(u, w)


def test_ising_two_spins_closed_form():
    J, h0, h1 = 0.7, -0.3, 0.5
    fg = ising_model(2, [(0, 1)], J, [h0, h1])
    spins = np.array([-1, 1])
    weights = np.exp(J * np.outer(spins, spins) + h0 * spins[:, None] + h1 * spins[None, :])
    np.testing.assert_allclose(fg.joint(), weights / weights.sum())
    assert fg.variables == ("x0", "x1")


def test_model_builders_shapes():
    ring = ising_cycle(5, -1.0, 0.2)
    assert len(ring.factors) == 10 and ring.find_cycle() is not None
    grid = ising_grid(3, 4, 0.5)
    assert len(grid.factors) == 12 + (3 * 3 + 2 * 4)
    chain = chain_model(50, 3, rng=1)
    assert chain.is_forest() and len(chain.factors) == 99
    tree = random_tree_model(200, 2, rng=np.random.default_rng(0))
    assert tree.is_forest() and tree.num_edges() == 200 + 2 * 199
    np.testing.assert_array_equal(chain_model(5, rng=3).factors[7].table,
                                  chain_model(5, rng=3).factors[7].table)


# ---------------------------------------------------------------------- bad input
def test_bad_cardinalities():
    with pytest.raises(TypeError, match="mapping"):
        FactorGraph([("A", 2)])
    with pytest.raises(ValueError, match="at least one variable"):
        FactorGraph({})
    with pytest.raises(TypeError, match="strings"):
        FactorGraph({1: 2})
    with pytest.raises(ValueError, match="'A' must have at least 1 state, got 0"):
        FactorGraph({"A": 0})
    with pytest.raises(TypeError, match="'A' must be an integer"):
        FactorGraph({"A": 2.0})
    with pytest.raises(TypeError, match="integer"):
        FactorGraph({"A": True})


@pytest.mark.parametrize("scope, table, error, match", [
    (("A", "Z"), np.ones((2, 2)), ValueError, "unknown variable 'Z'"),
    (("A", "A"), np.ones((2, 2)), ValueError, "'A'.* more than once"),
    (("A", "B"), np.ones((3, 2)), ValueError, r"expected table shape \(2, 3\), got \(3, 2\)"),
    (("A",), [1.0, -0.5], ValueError, r"nonnegative, entry \(1,\) is -0.5"),
    (("A",), [1.0, np.nan], ValueError, "finite"),
    (("A",), [np.inf, 1.0], ValueError, "finite"),
    (("A",), [1j, 1.0], TypeError, "real numeric"),
    (("A",), ["a", "b"], TypeError, "real numeric"),
    (("A",), [0.0, 0.0], ValueError, "identically zero"),
    ((), [], ValueError, "at least one variable"),
    ("A", [1.0, 1.0], TypeError, "not a single string"),
    (("A", 3), np.ones((2, 2)), TypeError, "strings"),
    (5, [1.0], TypeError, "tuple of names"),
])
def test_add_factor_rejects(scope, table, error, match):
    fg = FactorGraph({"A": 2, "B": 3})
    with pytest.raises(error, match=match):
        fg.add_factor(scope, table)
    assert fg.factors == ()  # nothing half-added


def test_add_factors_batch_checks():
    fg = FactorGraph({"A": 2, "B": 2, "C": 3})
    assert fg.add_factors([("A",), ("B",)], [[1, 2], [3, 4]]) == [0, 1]
    assert fg.add_factors([], np.zeros((0, 2))) == []
    with pytest.raises(ValueError, match="share one shape"):
        fg.add_factors([("A",), ("C",)], np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"expected table shape \(2, 2\)"):
        fg.add_factors([("A",), ("B",)], np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"over \('B',\) \(tables\[1\]\) is identically zero"):
        fg.add_factors([("A",), ("B",)], [[1, 1], [0, 0]])
    with pytest.raises(ValueError, match="nonnegative"):
        fg.add_factors([("A",), ("B",)], [[1, 1], [0, -1]])
    assert len(fg.factors) == 2


def test_bad_queries_and_evidence():
    fg = small_graph()
    with pytest.raises(ValueError, match="unknown variable 'Q'"):
        fg.neighbours("Q")
    with pytest.raises(ValueError, match="unknown variable 'Q'"):
        fg.markov_blanket("Q")
    with pytest.raises(TypeError, match="strings"):
        fg.neighbours(0)
    with pytest.raises(ValueError, match="unknown variable 'Q'"):
        fg.log_joint({"Q": 1})
    with pytest.raises(ValueError, match="no factor 3"):
        fg.factor_neighbours(3)
    with pytest.raises(TypeError, match="integer index"):
        fg.factor_neighbours("0")
    with pytest.raises(ValueError, match="unknown variable 'Q'"):
        fg.joint({"Q": 0})
    with pytest.raises(ValueError, match=r"'B' = 3 is out of range: 'B' has states 0..2"):
        fg.joint({"B": 3})
    with pytest.raises(ValueError, match="out of range"):
        fg.joint({"B": -1})
    with pytest.raises(TypeError, match="integer state index"):
        fg.joint({"B": 1.0})
    with pytest.raises(TypeError, match="mapping"):
        fg.check_evidence(["B"])
    assert fg.check_evidence({"B": np.int64(2)}) == {"B": 2}


def test_bad_builder_arguments():
    with pytest.raises(ValueError, match="coupling must be a number or have shape"):
        ising_model(3, [(0, 1), (1, 2)], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="self-loop"):
        ising_model(3, [(1, 1)], 1.0)
    with pytest.raises(ValueError, match="pair of spin indices"):
        ising_model(3, [(0, 3)], 1.0)
    with pytest.raises(ValueError, match="field must be finite"):
        ising_model(2, [(0, 1)], 1.0, [0.0, math.inf])
    with pytest.raises(ValueError, match="n ≥ 3"):
        ising_cycle(2, 1.0)
    with pytest.raises(ValueError, match="rows"):
        ising_grid(0, 3, 1.0)
    with pytest.raises(ValueError, match="positive integer"):
        chain_model(0)
    with pytest.raises(TypeError, match="rng"):
        random_tree_model(5, rng="seed")
