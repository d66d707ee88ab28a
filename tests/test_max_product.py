r"""Tests for course_lib.max_product (bp.max_product): MAP on trees against enumeration.

Oracle: every configuration listed by course_lib.enumeration.assignments, its unnormalised value
Π_a f_a(x_a) computed entry by entry with Python floats (no BP, no log_joint): the largest value
among those consistent with the evidence must equal exp of the returned log value, and the
returned configuration must attain it. Random trees have factors of one, two and three
variables, several components, and small integer tables (many ties and zeros) or random ones.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import bp
from course_lib.enumeration import assignments
from course_lib.factor_graph import FactorGraph, chain_model, ising_cycle, random_tree_model


@st.composite
def random_trees(draw):
    r"""(factor graph, evidence): a random forest of factors over ≤ 7 variables."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(1, 7))
    cards = {f"v{i}": int(rng.integers(1, 4)) for i in range(n)}
    fg = FactorGraph(cards)
    names = list(cards)
    ties = draw(st.booleans())

    def table(scope):
        shape = tuple(cards[v] for v in scope)
        t = rng.integers(0, 3, size=shape).astype(float) if ties else rng.random(shape) ** 3
        t.flat[int(rng.integers(t.size))] += 1.0  # never all zero
        return t

    placed = [names[0]]
    for v in names[1:]:  # join v (and maybe the next new one) to one placed variable, or not
        if rng.random() < 0.85:
            anchor = placed[int(rng.integers(len(placed)))]
            scope = (anchor, v) if rng.random() < 0.5 else (v, anchor)
            fg.add_factor(scope, table(scope))
        placed.append(v)
    for v in names:  # unary factors
        if rng.random() < 0.5:
            fg.add_factor((v,), table((v,)))
    if n >= 3 and rng.random() < 0.5:  # a three-variable factor on a new leaf component
        extra = FactorGraph({**cards, "w0": 2, "w1": 2})
        for f in fg.factors:
            extra.add_factor(f.variables, f.table)
        cards = extra.cardinalities
        scope = (names[-1], "w0", "w1")
        extra.add_factor(scope, table(scope))
        fg = extra
    evidence = {}
    for v in fg.variables:
        if rng.random() < 0.25:
            evidence[v] = int(rng.integers(fg.cardinalities[v]))
    return fg, evidence


def enumerate_values(fg, evidence):
    r"""{configuration: Π_a f_a(x_a)} over the configurations consistent with the evidence."""
    names = fg.variables
    values = {}
    for row in assignments([fg.cardinalities[v] for v in names]).tolist():
        x = dict(zip(names, row))
        if any(x[v] != e for v, e in evidence.items()):
            continue
        p = 1.0
        for f in fg.factors:
            p *= float(f.table[tuple(x[v] for v in f.variables)])
        values[tuple(row)] = p
    return values


@settings(deadline=None, max_examples=150)
@given(random_trees())
def test_max_product_is_the_enumerated_map(case):
    fg, evidence = case
    values = enumerate_values(fg, evidence)
    best = max(values.values())
    if best == 0:  # with evidence: "probability zero"; without: "no configuration of positive weight"
        with pytest.raises(ValueError, match="probability zero|positive weight"):
            bp.max_product(fg, evidence)
        return
    x, log_value = bp.max_product(fg, evidence)
    assert list(x) == list(fg.variables) and all(type(s) is int for s in x.values())
    assert all(x[v] == e for v, e in evidence.items())  # observed variables at their value
    assert math.isclose(log_value, math.log(best), rel_tol=1e-9, abs_tol=1e-9)
    got = values[tuple(x[v] for v in fg.variables)]
    assert math.isclose(got, best, rel_tol=1e-9)  # the configuration attains the maximum


@settings(deadline=None, max_examples=30)
@given(st.integers(2, 7), st.integers(2, 3), st.integers(0, 1000))
def test_max_product_on_the_library_trees_and_chains(n, states, seed):
    for fg in (random_tree_model(n, states, rng=seed), chain_model(n, states, rng=seed)):
        values = enumerate_values(fg, {})
        x, log_value = bp.max_product(fg)
        assert math.isclose(log_value, math.log(max(values.values())), rel_tol=1e-9)
        assert math.isclose(values[tuple(x.values())], max(values.values()), rel_tol=1e-9)


def test_ties_are_decoded_consistently():
    r"""Two maximising configurations (0, 0) and (1, 1): each variable's max-marginal is flat,
    so separate argmaxes could give (0, 1), of value 0; the walk gives a real maximiser."""
    fg = FactorGraph({"A": 2, "B": 2})
    fg.add_factor(("A", "B"), [[1.0, 0.0], [0.0, 1.0]])
    x, log_value = bp.max_product(fg)
    assert x["A"] == x["B"] and log_value == 0.0


def test_max_product_runs_no_second_sum_product():
    r"""bp.max_product is the function of the max_product module (one re-export, no copy)."""
    from course_lib import max_product

    assert bp.max_product is max_product.max_product


@pytest.mark.parametrize("call, error, pattern", [
    (lambda: bp.max_product("not a graph"), TypeError, "expected a FactorGraph"),
    (lambda: bp.max_product(chain_model(3), {"nope": 0}), ValueError, "unknown variable 'nope'"),
    (lambda: bp.max_product(chain_model(3), {"x0": 5}), ValueError, "out of range"),
    (lambda: bp.max_product(chain_model(3), {"x0": 0.5}), TypeError, "integer state"),
    (lambda: bp.max_product(chain_model(3), [("x0", 1)]), TypeError, "mapping"),
    (lambda: bp.max_product(ising_cycle(4, 0.5)), ValueError,
     "exact on trees only.*cycle 'x"),
])
def test_bad_input_names_the_culprit(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_zero_probability_evidence_is_refused():
    fg = FactorGraph({"A": 2, "B": 2})
    fg.add_factor(("A", "B"), [[1.0, 0.0], [0.0, 0.0]])  # only A = B = 0 has weight
    with pytest.raises(ValueError, match=r"evidence \{'B': 1\} has probability zero"):
        bp.max_product(fg, {"B": 1})


@settings(deadline=None, max_examples=40)
@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 8))
def test_max_product_on_an_hmm_is_viterbi(seed, K, T):
    r"""The HMM as a chain factor graph: max-product's value = semiring.viterbi's log p(s, o),
    two independent routes (tree messages and decoding vs. a block back substitution)."""
    from course_lib import semiring

    rng = np.random.default_rng(seed)
    initial, transition, emission = (p / p.sum(axis=-1, keepdims=True) for p in
                                     (rng.random(K) + 0.1, rng.random((K, K)) + 0.1,
                                      rng.random((K, 3)) + 0.1))
    observed = rng.integers(0, 3, size=T).tolist()
    hmm = FactorGraph({f"s{t}": K for t in range(T)})
    hmm.add_factor(("s0",), initial * emission[:, observed[0]])
    for t in range(1, T):
        hmm.add_factor((f"s{t - 1}", f"s{t}"), transition)
        hmm.add_factor((f"s{t}",), emission[:, observed[t]])
    states, log_value = bp.max_product(hmm)
    path, log_p = semiring.viterbi(initial, transition, emission, observed)
    assert math.isclose(log_value, log_p, rel_tol=1e-9, abs_tol=1e-12)
    log_joint = hmm.log_joint()
    assert math.isclose(log_joint[tuple(states.values())], log_p, rel_tol=1e-9, abs_tol=1e-12)
