r"""Tests for course_lib.spn: the network polynomial, its derivatives, marginals, sampling, MPE.

Oracles, all written here and none calling the module's passes:
- ``polynomial``: a memoised recursive evaluation of S(λ) at any indicator values;
- brute-force enumeration of the distribution P(x) ∝ S(x) over complete assignments x;
- multilinearity: for a complete and decomposable SPN,
  ∂S/∂λ_{X=v}(e) = S(λ(e) with X's indicators set to the one-hot vector of v);
- ``sympy.diff`` of the polynomial built as a sympy expression (any SPN, valid or not);
- ``course_lib.lagrange.adjoints`` on ``to_graph`` (the course's back substitution);
- closed forms for a deep chain whose value underflows float64.
"""

from __future__ import annotations

import math
import re
import time

import numpy as np
import pytest
import scipy.stats
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import lagrange, spn
from course_lib.enumeration import assignments as every_assignment
from course_lib.graph import Graph

CASES = settings(max_examples=60, deadline=None)
FEW_CASES = settings(max_examples=20, deadline=None)


# ------------------------------------------------------------------ strategies
@st.composite
def probability_vectors(draw, k: int) -> list[float]:
    raw = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1.0)), min_size=k, max_size=k))
    total = sum(raw)
    return [1.0 / k] * k if total == 0 else [x / total for x in raw]


def weights(k: int):
    r"""k sum weights ≥ 0, not normalised, occasionally zero."""
    return st.lists(st.one_of(st.floats(0.05, 3.0), st.just(0.0)), min_size=k, max_size=k)


def draw_leaf(draw, var: str, n_states: int, mixture: bool = True) -> spn.Node:
    kinds = ["categorical", "indicator"] + (["mixture"] if mixture else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "categorical":
        return spn.Categorical(var, draw(probability_vectors(n_states)))
    if kind == "indicator":
        return spn.Indicator(var, draw(st.integers(0, n_states - 1)))
    k = draw(st.integers(2, 3))
    return spn.Sum([draw_leaf(draw, var, n_states, mixture=False) for _ in range(k)],
                   draw(weights(k)))


@st.composite
def valid_spns(draw, max_vars: int = 4, max_depth: int = 3):
    r"""(root, states): a random complete and decomposable SPN with shared sub-networks.

    Built recursively: a scope of one variable is a leaf (or a sum of leaves); a larger
    scope is a product over a random partition of it, or a sum of 2–3 SPNs over it. An
    already built SPN over the same scope is reused now and then (the SPN is a DAG).
    """
    names = [f"X{j}" for j in range(draw(st.integers(1, max_vars)))]
    states = {x: draw(st.integers(2, 3)) for x in names}
    pool: dict[tuple[str, ...], list[spn.Node]] = {}

    def build(scope: tuple[str, ...], depth: int) -> spn.Node:
        if pool.get(scope) and draw(st.integers(0, 3)) == 0:
            return draw(st.sampled_from(pool[scope]))
        if len(scope) == 1:
            node = draw_leaf(draw, scope[0], states[scope[0]])
        elif depth >= max_depth or draw(st.booleans()):
            labels = draw(st.lists(st.integers(0, len(scope) - 1), min_size=len(scope),
                                   max_size=len(scope)))
            blocks = [tuple(x for x, b in zip(scope, labels) if b == label)
                      for label in sorted(set(labels))]
            if len(blocks) == 1:
                blocks = [scope[:1], scope[1:]]
            node = spn.Product([build(b, depth + 1) for b in blocks])
        else:
            k = draw(st.integers(2, 3))
            node = spn.Sum([build(scope, depth + 1) for _ in range(k)], draw(weights(k)))
        pool.setdefault(scope, []).append(node)
        return node

    return build(tuple(names), 0), states


@st.composite
def any_spns(draw, max_vars: int = 3):
    r"""(root, states): a random SPN DAG that may be incomplete or not decomposable.

    Sums and products take 1–3 children drawn from all earlier nodes (repeats allowed,
    so a product may contain a child twice and the polynomial need not be multilinear).
    """
    names = [f"X{j}" for j in range(draw(st.integers(1, max_vars)))]
    states = {x: draw(st.integers(2, 3)) for x in names}
    pool: list[spn.Node] = []
    for _ in range(draw(st.integers(1, 4))):
        var = draw(st.sampled_from(names))
        pool.append(draw_leaf(draw, var, states[var], mixture=False))
    for _ in range(draw(st.integers(1, 6))):
        children = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))
        if draw(st.booleans()):
            pool.append(spn.Sum(children, draw(weights(len(children)))))
        else:
            pool.append(spn.Product(children))
    root = pool[-1]
    used = {leaf.variable for leaf in walk(root) if not leaf.children}
    return root, {x: k for x, k in states.items() if x in used}


@st.composite
def evidence_for(draw, states: dict[str, int]) -> dict[str, int]:
    observed = draw(st.lists(st.sampled_from(sorted(states)), unique=True)) if states else []
    return {x: draw(st.integers(0, states[x] - 1)) for x in observed}


@st.composite
def spn_with_evidence(draw, spns):
    root, states = draw(spns)
    return root, states, draw(evidence_for(states))


# --------------------------------------------------------------------- oracles
def walk(root: spn.Node) -> list[spn.Node]:
    r"""Every node reachable from root once (recursive; small test networks only)."""
    seen: dict[int, spn.Node] = {}

    def visit(node):
        if id(node) not in seen:
            seen[id(node)] = node
            for c in node.children:
                visit(c)

    visit(root)
    return list(seen.values())


def polynomial(root: spn.Node, lam: dict[tuple[str, int], float], maximise: bool = False) -> float:
    r"""S(λ) by memoised recursion; with ``maximise`` the max-product network M(λ)."""
    memo: dict[int, float] = {}

    def ev(node) -> float:
        if id(node) not in memo:
            if isinstance(node, spn.Indicator):
                r = lam[(node.variable, node.value)]
            elif isinstance(node, spn.Categorical):
                terms = [t * lam[(node.variable, v)] for v, t in enumerate(node.probabilities)]
                r = max(terms) if maximise else sum(terms)
            elif isinstance(node, spn.Sum):
                terms = [w * ev(c) for w, c in zip(node.weights, node.children)]
                r = max(terms) if maximise else sum(terms)
            else:
                r = math.prod(ev(c) for c in node.children)
            memo[id(node)] = r
        return memo[id(node)]

    return ev(root)


def indicator_values(states: dict[str, int], evidence: dict[str, int]) -> dict:
    return {(x, v): 0.0 if x in evidence and evidence[x] != v else 1.0
            for x, k in states.items() for v in range(k)}


def one_hot(states: dict[str, int], x: dict[str, int]) -> dict:
    return {(var, v): float(x[var] == v) for var, k in states.items() for v in range(k)}


def assignments(states: dict[str, int], evidence: dict[str, int] | None = None):
    r"""Every complete assignment x ⊨ e, as dicts in sorted variable order."""
    names = sorted(states)
    for combo in every_assignment([states[x] for x in names]).tolist():
        x = dict(zip(names, combo))
        if all(x[v] == e for v, e in (evidence or {}).items()):
            yield x


def enumerated_marginal(root, states, evidence, var) -> np.ndarray | None:
    r"""P(var | e) (P(var | e without var) if observed) by enumeration; None if P(e) = 0."""
    rest = {x: v for x, v in evidence.items() if x != var}
    table = np.zeros(states[var])
    for x in assignments(states, rest):
        table[x[var]] += polynomial(root, one_hot(states, x))
    return None if table.sum() == 0 else table / table.sum()


def sympy_polynomial(root: spn.Node):
    r"""(expression, symbols) of S(λ) with one sympy Symbol per indicator (independent build)."""
    symbols: dict[tuple[str, int], sympy.Symbol] = {}

    def lam(var, v):
        return symbols.setdefault((var, v), sympy.Symbol(f"l_{var}_{v}"))

    memo: dict[int, sympy.Expr] = {}

    def ev(node):
        if id(node) not in memo:
            if isinstance(node, spn.Indicator):
                r = lam(node.variable, node.value)
            elif isinstance(node, spn.Categorical):
                r = sum(sympy.Float(t) * lam(node.variable, v)
                        for v, t in enumerate(node.probabilities))
            elif isinstance(node, spn.Sum):
                r = sum(sympy.Float(w) * ev(c) for w, c in zip(node.weights, node.children))
            else:
                r = sympy.Mul(*(ev(c) for c in node.children))
            memo[id(node)] = r
        return memo[id(node)]

    return ev(root), symbols


def close(a: float, b: float, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


# --------------------------------------------------------------- value, derivatives
@CASES
@given(spn_with_evidence(valid_spns()))
def test_value_is_the_sum_over_consistent_complete_assignments(case):
    root, states, e = case
    brute = sum(polynomial(root, one_hot(states, x)) for x in assignments(states, e))
    assert close(spn.value(root, e, cardinalities=states), brute)


@CASES
@given(spn_with_evidence(any_spns()))
def test_value_is_the_polynomial_at_the_evidence_indicators_for_any_spn(case):
    root, states, e = case
    expected = polynomial(root, indicator_values(states, e))
    assert close(spn.value(root, e, cardinalities=states), expected)


@CASES
@given(spn_with_evidence(valid_spns()))
def test_derivatives_are_the_polynomial_with_one_variable_set(case):
    r"""Multilinearity: ∂S/∂λ_{X=v}(e) = S(λ(e) with λ_{X=·} = one-hot(v)), valid SPNs."""
    root, states, e = case
    d = spn.derivatives(root, e, cardinalities=states)
    assert set(d) == {(x, v) for x, k in states.items() for v in range(k)}
    for (x, v), got in d.items():
        lam = indicator_values(states, e)
        lam.update({(x, u): float(u == v) for u in range(states[x])})
        assert close(got, polynomial(root, lam)), (x, v)


@CASES
@given(spn_with_evidence(any_spns()))
def test_derivatives_match_sympy_diff_for_any_spn(case):
    root, states, e = case
    expr, symbols = sympy_polynomial(root)
    point = {s: indicator_values(states, e)[key] for key, s in symbols.items()}
    d = spn.derivatives(root, e, cardinalities=states)
    for key, got in d.items():
        exact = float(sympy.diff(expr, symbols[key]).subs(point)) if key in symbols else 0.0
        assert close(got, exact), (key, got, exact)


def test_zeros_in_products_are_handled_without_division():
    r"""S = λ_{X=0} λ_{Y=0}: at X=1, Y=1 both factors are 0, yet ∂S/∂λ_{X=0} needs λ_{Y=0}."""
    root = spn.Product([spn.Indicator("X", 0), spn.Indicator("Y", 0)])
    d = spn.derivatives(root, {"X": 1}, cardinalities={"X": 2, "Y": 2})
    assert d == {("X", 0): 1.0, ("X", 1): 0.0, ("Y", 0): 0.0, ("Y", 1): 0.0}
    d = spn.derivatives(root, {"X": 1, "Y": 1}, cardinalities={"X": 2, "Y": 2})
    assert all(v == 0.0 for v in d.values())  # each derivative is the *other* factor, 0
    # three factors, two of them zero: ∂S/∂(third) = 0 exactly, ∂S/∂(a zero one) = 0 too
    root = spn.Product([spn.Indicator("X", 0), spn.Indicator("Y", 0), spn.Indicator("Z", 0)])
    d = spn.derivatives(root, {"X": 1, "Y": 1}, cardinalities={"X": 2, "Y": 2, "Z": 2})
    assert d[("Z", 0)] == 0.0 and d[("X", 0)] == 0.0
    d = spn.derivatives(root, {"X": 1}, cardinalities={"X": 2, "Y": 2, "Z": 2})
    assert d[("X", 0)] == 1.0 and d[("Y", 0)] == 0.0


def test_shared_child_is_evaluated_once_and_its_adjoint_sums_over_parents():
    leaf = spn.Categorical("X", [0.25, 0.75])
    root = spn.Sum([leaf, leaf, spn.Indicator("X", 1)], [1.0, 2.0, 0.5])
    assert len(spn.topological_order(root)) == 3
    d = spn.derivatives(root)
    assert close(d[("X", 0)], 3 * 0.25) and close(d[("X", 1)], 3 * 0.75 + 0.5)


# ------------------------------------------------------------------- marginals
@CASES
@given(spn_with_evidence(valid_spns()))
def test_marginals_match_enumeration(case):
    root, states, e = case
    p_e = sum(polynomial(root, one_hot(states, x)) for x in assignments(states, e))
    if p_e == 0:
        with pytest.raises(ValueError, match="probability zero"):
            spn.marginals(root, e, cardinalities=states)
        return
    for log_space in (False, True):
        m = spn.marginals(root, e, cardinalities=states, log_space=log_space)
        assert sorted(m) == sorted(states)
        for x in states:
            expected = enumerated_marginal(root, states, e, x)
            np.testing.assert_allclose(m[x], expected, rtol=1e-9, atol=1e-12)


def test_marginals_do_not_need_normalised_weights():
    a = spn.Product([spn.Categorical("X", [0.2, 0.8]), spn.Categorical("Y", [0.5, 0.5])])
    b = spn.Product([spn.Categorical("X", [0.9, 0.1]), spn.Categorical("Y", [0.3, 0.7])])
    m1 = spn.marginals(spn.Sum([a, b], [0.25, 0.75]), {"Y": 1})
    m2 = spn.marginals(spn.Sum([a, b], [10.0, 30.0]), {"Y": 1})
    for x in ("X", "Y"):
        np.testing.assert_allclose(m1[x], m2[x], rtol=1e-12)
    p = np.array([0.25 * 0.5, 0.75 * 0.7])  # P(component, Y = 1)
    np.testing.assert_allclose(m1["X"], (p[0] * np.array([0.2, 0.8]) + p[1] * np.array([0.9, 0.1]))
                               / p.sum(), rtol=1e-12)
    np.testing.assert_allclose(m1["Y"], [0.25 * 0.5 + 0.75 * 0.3, 0.25 * 0.5 + 0.75 * 0.7])


def test_darwiche_style_example_by_hand():
    r"""A two-component mixture: marginals by Bayes' rule, written out."""
    c0 = spn.Product([spn.Categorical("A", [0.9, 0.1]), spn.Categorical("B", [0.7, 0.3])])
    c1 = spn.Product([spn.Categorical("A", [0.2, 0.8]), spn.Categorical("B", [0.1, 0.9])])
    root = spn.Sum([c0, c1], [0.6, 0.4])
    post = np.array([0.6 * 0.3, 0.4 * 0.9])  # P(component, B = 1)
    m = spn.marginals(root, {"B": 1})
    np.testing.assert_allclose(m["A"], (post[0] * np.array([0.9, 0.1])
                                        + post[1] * np.array([0.2, 0.8])) / post.sum())
    assert close(spn.value(root, {"B": 1}), post.sum())


# -------------------------------------------------------------------- to_graph
@FEW_CASES
@given(spn_with_evidence(st.one_of(valid_spns(max_vars=3, max_depth=2), any_spns())))
def test_lagrange_adjoints_of_the_graph_equal_derivatives(case):
    root, states, e = case
    g = spn.to_graph(root, cardinalities=states)
    assert isinstance(g, Graph)
    names = [f"lambda_{x}_{v}" for x in sorted(states) for v in range(states[x])]
    assert list(g.inputs) == names
    assert all(re.fullmatch(r"(s|p|leaf)\d+", n) for n in g.assigned)
    assert g.order[-1] == g.assigned[-1] and not g.users(g.order[-1])  # the root is the sink
    values = spn.indicators(root, e, cardinalities=states)
    assert set(values) == set(names)
    adj = lagrange.adjoints(g, values, g.order[-1])
    d = spn.derivatives(root, e, cardinalities=states)
    for (x, v), got in d.items():
        assert close(adj[f"lambda_{x}_{v}"], got), (x, v)
    assert close(g.forward(values)[g.order[-1]], spn.value(root, e, cardinalities=states))


def test_to_graph_small_example():
    root = spn.Sum([spn.Categorical("X0", [0.3, 0.7]), spn.Indicator("X0", 1)], [0.5, 0.5])
    g = spn.to_graph(root)
    assert g.inputs == ("lambda_X0_0", "lambda_X0_1")
    assert g.order == ("lambda_X0_0", "lambda_X0_1", "leaf0", "leaf1", "s2")
    assert spn.indicator_name("X0", 1) == "lambda_X0_1"
    adj = lagrange.adjoints(g, spn.indicators(root), "s2")
    assert close(adj["lambda_X0_0"], 0.15) and close(adj["lambda_X0_1"], 0.85)


# ------------------------------------------------------------------- log space
@CASES
@given(spn_with_evidence(st.one_of(valid_spns(), any_spns())))
def test_log_space_equals_linear_space(case):
    root, states, e = case
    s = spn.value(root, e, cardinalities=states)
    log_s = spn.log_value(root, e, cardinalities=states)
    assert (log_s == -math.inf) if s == 0 else close(log_s, math.log(s), 1e-9, 1e-9)
    d = spn.derivatives(root, e, cardinalities=states)
    log_d = spn.log_derivatives(root, e, cardinalities=states)
    for key, x in d.items():
        assert (log_d[key] == -math.inf) if x == 0 else close(log_d[key], math.log(x), 1e-9, 1e-9)


def deep_chain(levels: int) -> spn.Node:
    r"""S_k = ½ Cat(X_k, [.01, .99]) S_{k−1} + ½ Cat(X_k, [.02, .98]) S_{k−1}, sharing S_{k−1}.

    The bottom S_0 mixes two product distributions over Y and Z. With every X_k
    observed at 0: S = 0.015^levels · P(evidence on Y, Z), which underflows float64.
    """
    node = spn.Sum([spn.Product([spn.Categorical("Y", [0.9, 0.1]), spn.Categorical("Z", [0.2, 0.8])]),
                    spn.Product([spn.Categorical("Y", [0.3, 0.7]), spn.Categorical("Z", [0.6, 0.4])])],
                   [0.4, 0.6])
    for k in range(levels):
        x = f"X{k:05d}"
        node = spn.Sum([spn.Product([spn.Categorical(x, [0.01, 0.99]), node]),
                        spn.Product([spn.Categorical(x, [0.02, 0.98]), node])], [0.5, 0.5])
    return node


def test_deep_spn_underflows_in_linear_space_but_log_space_gives_exact_marginals():
    levels = 2000
    root = deep_chain(levels)
    assert len(spn.topological_order(root)) >= 10_000  # no recursion limit anywhere
    assert spn.is_complete(root) and spn.is_decomposable(root)
    e = {f"X{k:05d}": 0 for k in range(levels)} | {"Z": 1}
    assert spn.value(root, e) == 0.0  # 0.015^2000 underflows
    with pytest.raises(ValueError, match="log_space=True"):
        spn.marginals(root, e)
    p_z1 = 0.4 * 0.8 + 0.6 * 0.4
    assert close(spn.log_value(root, e), levels * math.log(0.015) + math.log(p_z1), 1e-10)
    m = spn.marginals(root, e, log_space=True)
    y = np.array([0.4 * 0.9 * 0.8 + 0.6 * 0.3 * 0.4, 0.4 * 0.1 * 0.8 + 0.6 * 0.7 * 0.4])
    np.testing.assert_allclose(m["Y"], y / y.sum(), rtol=1e-10)
    np.testing.assert_allclose(m["Z"], [0.4 * 0.2 + 0.6 * 0.6, p_z1], rtol=1e-10)
    for k in (0, 1000, levels - 1):
        np.testing.assert_allclose(m[f"X{k:05d}"], [0.015, 0.985], rtol=1e-10)
    # sampling and MPE also work on it (they run in log space)
    x = spn.sample(root, 50, np.random.default_rng(0), e)
    assert (x[:, :levels] == 0).all() and (x[:, -1] == 1).all()
    best, log_m = spn.mpe(root, e, log_space=True)
    assert best["Y"] == 0 and best["Z"] == 1  # 0.4·0.9·0.8 > 0.6·0.7·0.4
    assert close(log_m, levels * math.log(0.5 * 0.02) + math.log(0.4 * 0.9 * 0.8), 1e-10)


def test_deep_chain_of_ten_thousand_products_is_fast_and_recursion_free():
    node = spn.Categorical("X00000", [0.5, 0.5])
    for k in range(1, 5000):
        node = spn.Product([spn.Categorical(f"X{k:05d}", [0.01, 0.99]), node])
    assert len(spn.topological_order(node)) == 9999
    start = time.perf_counter()
    m = spn.marginals(node, {"X04999": 0}, log_space=True)
    assert time.perf_counter() - start < 10.0
    np.testing.assert_allclose(m["X00000"], [0.5, 0.5])
    np.testing.assert_allclose(m["X04999"], [0.01, 0.99])


# -------------------------------------------------------------------- sampling
def mixture() -> spn.Node:
    c0 = spn.Product([spn.Categorical("A", [0.9, 0.1]), spn.Categorical("B", [0.7, 0.2, 0.1])])
    c1 = spn.Product([spn.Categorical("A", [0.2, 0.8]), spn.Categorical("B", [0.1, 0.3, 0.6])])
    c2 = spn.Product([spn.Indicator("A", 1), spn.Categorical("B", [0.3, 0.3, 0.4])])
    return spn.Sum([c0, c1, c2], [1.0, 2.0, 1.0])


def test_sample_marginal_frequencies_are_within_four_sigma():
    root, n = mixture(), 40_000
    for e in ({}, {"B": 2}):
        x = spn.sample(root, n, np.random.default_rng(1), e)
        assert x.shape == (n, 2) and x.dtype.kind == "i"
        m = spn.marginals(root, e)
        for j, var in enumerate(spn.variables(root)):
            if var in e:
                assert (x[:, j] == e[var]).all()
                continue
            freq = np.bincount(x[:, j], minlength=len(m[var])) / n
            sigma = np.sqrt(m[var] * (1 - m[var]) / n)
            assert np.all(np.abs(freq - m[var]) <= 4 * sigma + 1e-12), (var, freq, m[var])


def chi_square_p_value(counts: np.ndarray, expected: np.ndarray) -> float:
    r"""Pearson's test; cells expecting fewer than 5 are pooled into one."""
    small = expected < 5
    if small.any():
        counts = np.append(counts[~small], counts[small].sum())
        expected = np.append(expected[~small], expected[small].sum())
    if len(expected) < 2:
        return 1.0
    stat = np.sum((counts - expected) ** 2 / expected)
    return scipy.stats.chi2.sf(stat, len(expected) - 1)


@FEW_CASES
@given(spn_with_evidence(valid_spns(max_vars=3)))
def test_sampled_joint_distribution_passes_a_chi_square_test(case):
    root, states, e = case
    probs = {tuple(x.values()): polynomial(root, one_hot(states, x))
             for x in assignments(states, e)}
    total = sum(probs.values())
    if total == 0:
        with pytest.raises(ValueError, match="probability zero"):
            spn.sample(root, 10, 0, e, cardinalities=states)
        return
    n = 20_000
    x = spn.sample(root, n, np.random.default_rng(2), e, cardinalities=states)
    assert x.shape == (n, len(states)) and (x >= 0).all()
    cells = list(probs)
    index = {c: i for i, c in enumerate(cells)}
    counts = np.zeros(len(cells))
    for row in map(tuple, x.tolist()):
        assert row in index, f"sample {row} contradicts the evidence {e}"
        counts[index[row]] += 1
    expected = n * np.array([probs[c] for c in cells]) / total
    assert counts[expected == 0].sum() == 0  # impossible assignments are never drawn
    assert chi_square_p_value(counts[expected > 0], expected[expected > 0]) > 1e-6


def test_sample_is_reproducible_and_accepts_a_seed():
    root = mixture()
    a = spn.sample(root, 100, 7)
    b = spn.sample(root, 100, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert spn.sample(root, 0, 7).shape == (0, 2)


# ------------------------------------------------------------------------- MPE
@st.composite
def selective_spns(draw, max_vars: int = 4):
    r"""(root, states): sums split one variable's states into disjoint groups (selective)."""
    names = [f"X{j}" for j in range(draw(st.integers(1, max_vars)))]
    states = {x: draw(st.integers(2, 3)) for x in names}

    def build(scope: tuple[str, ...]) -> spn.Node:
        if len(scope) > 1 and draw(st.booleans()):
            cut = draw(st.integers(1, len(scope) - 1))
            return spn.Product([build(scope[:cut]), build(scope[cut:])])
        x = draw(st.sampled_from(scope))
        rest = tuple(v for v in scope if v != x)
        group = draw(st.lists(st.integers(0, 1), min_size=states[x], max_size=states[x]))
        groups = [[v for v in range(states[x]) if group[v] == g] for g in (0, 1)]
        children = []
        for members in (g for g in groups if g):
            theta = np.zeros(states[x])
            theta[members] = draw(probability_vectors(len(members)))
            leaf = spn.Categorical(x, theta / theta.sum())
            children.append(spn.Product([leaf, build(rest)]) if rest else leaf)
        if len(children) == 1:
            return children[0]
        return spn.Sum(children, draw(weights(len(children))))

    return build(tuple(names)), states


@CASES
@given(spn_with_evidence(selective_spns()))
def test_mpe_on_selective_spns_is_the_enumerated_argmax(case):
    root, states, e = case
    scores = {tuple(x.values()): polynomial(root, one_hot(states, x))
              for x in assignments(states, e)}
    best = max(scores.values())
    if best == 0:
        with pytest.raises(ValueError, match="probability zero"):
            spn.mpe(root, e, cardinalities=states)
        return
    x, m = spn.mpe(root, e, cardinalities=states)
    assert list(x) == sorted(states) and all(x[v] == e[v] for v in e)
    assert close(m, best)
    assert close(scores[tuple(x.values())], best)  # x* is an argmax (ties allowed)


@CASES
@given(spn_with_evidence(valid_spns()))
def test_mpe_is_the_exact_maximum_of_the_max_product_network(case):
    r"""In general max-product maximises M(x) (sums → weighted max), a lower bound on S(x)."""
    root, states, e = case
    m_scores = {tuple(x.values()): polynomial(root, one_hot(states, x), maximise=True)
                for x in assignments(states, e)}
    best_m = max(m_scores.values())
    if best_m == 0:
        with pytest.raises(ValueError, match="probability zero"):
            spn.mpe(root, e, cardinalities=states)
        return
    x, m = spn.mpe(root, e, cardinalities=states)
    assert all(x[v] == e[v] for v in e)
    assert close(m, best_m) and close(m_scores[tuple(x.values())], best_m)
    s_star = polynomial(root, one_hot(states, x))
    best_s = max(polynomial(root, one_hot(states, y)) for y in assignments(states, e))
    assert s_star >= m * (1 - 1e-12) and best_s >= s_star * (1 - 1e-12)


def test_max_product_is_not_the_mpe_of_a_non_selective_spn():
    r"""S = 0.4 λ_{X=0} + 0.3 λ_{X=1} + 0.3 λ_{X=1}: P(X=1) = 0.6, but one tree gives 0.4."""
    root = spn.Sum([spn.Indicator("X", 0), spn.Indicator("X", 1), spn.Indicator("X", 1)],
                   [0.4, 0.3, 0.3])
    x, m = spn.mpe(root)
    assert x == {"X": 0} and close(m, 0.4)
    assert spn.value(root, {"X": 1}) > spn.value(root, {"X": 0})


# --------------------------------------------------------- structure properties
def oracle_scopes(root) -> dict[int, frozenset]:
    memo: dict[int, frozenset] = {}

    def sc(node):
        if id(node) not in memo:
            memo[id(node)] = (frozenset().union(*(sc(c) for c in node.children))
                              if node.children else frozenset([node.variable]))
        return memo[id(node)]

    sc(root)
    return memo


@CASES
@given(any_spns())
def test_is_complete_and_is_decomposable_match_the_definitions(case):
    root, states = case
    scopes = oracle_scopes(root)
    nodes = walk(root)
    complete = all(len({scopes[id(c)] for c in n.children}) == 1
                   for n in nodes if isinstance(n, spn.Sum))
    decomposable = all(sum(len(scopes[id(c)]) for c in n.children)
                       == len(frozenset().union(*(scopes[id(c)] for c in n.children)))
                       for n in nodes if isinstance(n, spn.Product))
    assert spn.is_complete(root) is complete
    assert spn.is_decomposable(root) is decomposable
    assert spn.scope(root) == scopes[id(root)]
    assert spn.variables(root) == tuple(sorted(scopes[id(root)]))
    order = spn.topological_order(root)
    assert order[-1] is root and len(order) == len(nodes)
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(c)] < position[id(n)] for n in order for c in n.children)
    if complete and decomposable:
        spn.check_valid(root)
    else:
        with pytest.raises(ValueError, match="complete and decomposable"):
            spn.marginals(root, cardinalities=states)


@CASES
@given(valid_spns())
def test_generated_spns_are_valid(case):
    root, _ = case
    assert spn.is_complete(root) and spn.is_decomposable(root)


def test_incomplete_sum_names_node_and_scopes():
    root = spn.Sum([spn.Categorical("X", [0.5, 0.5]), spn.Categorical("Y", [0.5, 0.5])],
                   [0.5, 0.5], name="mix")
    assert not spn.is_complete(root) and spn.is_decomposable(root)
    with pytest.raises(ValueError, match=r"'mix'.*not complete.*\{X\} and \{Y\}"):
        spn.marginals(root)
    with pytest.raises(ValueError, match="not complete"):
        spn.check_valid(root)
    for f in (lambda: spn.sample(root, 5, 0), lambda: spn.mpe(root)):
        with pytest.raises(ValueError, match="not complete"):
            f()
    assert close(spn.value(root), 1.0)  # value and derivatives still work


def test_non_decomposable_product_names_node_and_shared_variable():
    x = spn.Categorical("X", [0.5, 0.5])
    root = spn.Product([spn.Categorical("Y", [0.5, 0.5]),
                        spn.Product([x, spn.Indicator("Z", 0)]), x], name="prod")
    assert spn.is_complete(root) and not spn.is_decomposable(root)
    with pytest.raises(ValueError, match=r"'prod'.*not decomposable.*children 1 and 2.*'X'"):
        spn.marginals(root)
    # S = Y · (X λ_{Z=0}) · X with X = ½λ_{X=0} + ½λ_{X=1}: ∂S/∂λ_{X=0} = 2 X · ½ = 1 at λ = 1
    assert spn.derivatives(root)[("X", 0)] == pytest.approx(1.0)


def test_cardinalities_are_inferred_from_leaves_or_given():
    root = spn.Product([spn.Indicator("A", 2), spn.Categorical("B", [0.5, 0.5])])
    assert spn.cardinalities(root) == {"A": 3, "B": 2}
    d = spn.derivatives(root, cardinalities={"A": 4})
    assert d[("A", 3)] == 0.0 and d[("A", 2)] == 1.0
    assert len(spn.indicators(root, cardinalities={"A": 4})) == 6
    with pytest.raises(ValueError, match="exactly 2"):
        spn.value(root, cardinalities={"B": 3})
    with pytest.raises(ValueError, match="at least 3"):
        spn.value(root, cardinalities={"A": 2})
    with pytest.raises(ValueError, match="not a variable"):
        spn.value(root, cardinalities={"C": 2})
    with pytest.raises(TypeError, match="cardinalities"):
        spn.value(root, cardinalities=[3, 2])


def test_random_spn_is_valid_and_its_marginals_are_distributions():
    root = spn.random_spn(9, np.random.default_rng(0), n_states=3)
    assert spn.is_complete(root) and spn.is_decomposable(root)
    assert spn.variables(root) == tuple(f"X{j}" for j in range(9))
    assert close(spn.value(root), 1.0)
    for row in spn.marginals(root, {"X3": 1}).values():
        assert close(row.sum(), 1.0)


def test_reprs_name_the_nodes():
    leaf = spn.Categorical("X", [0.25, 0.75], name="leafy")
    assert repr(leaf) == "Categorical('X', [0.25, 0.75], name='leafy')"
    assert repr(spn.Indicator("X", 1)) == "Indicator('X', 1)"
    assert repr(spn.Sum([leaf], [2.0])) == "Sum(children=1, weights=[2])"
    assert repr(spn.Product([leaf], name="p")) == "Product(children=1, name='p')"


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("make, error, pattern", [
    (lambda: spn.Indicator("X-1", 0), ValueError, "'X-1' is not an identifier"),
    (lambda: spn.Indicator("1X", 0), ValueError, "not an identifier"),
    (lambda: spn.Indicator(3, 0), TypeError, "must be a string"),
    (lambda: spn.Indicator("X", -1), ValueError, "nonnegative"),
    (lambda: spn.Indicator("X", 1.0), TypeError, "integer"),
    (lambda: spn.Indicator("X", True), TypeError, "integer"),
    (lambda: spn.Indicator("X", 0, name=3), TypeError, "node name"),
    (lambda: spn.Categorical("X", [0.5, 0.6]), ValueError, "sum to 1"),
    (lambda: spn.Categorical("X", [1.5, -0.5]), ValueError, "nonnegative.*entry 1"),
    (lambda: spn.Categorical("X", []), ValueError, "nonempty"),
    (lambda: spn.Categorical("X", [[0.5, 0.5]]), ValueError, "nonempty list"),
    (lambda: spn.Categorical("X", [math.nan, 1.0]), ValueError, "finite"),
    (lambda: spn.Categorical("X", ["a", "b"]), TypeError, "list of numbers"),
    (lambda: spn.Categorical("X y", [1.0]), ValueError, "identifier"),
    (lambda: spn.Sum([spn.Indicator("X", 0)], [0.5, 0.5]), ValueError, "1 children but 2 weights"),
    (lambda: spn.Sum([spn.Indicator("X", 0)] * 2, [0.5, -0.5]), ValueError, "nonnegative"),
    (lambda: spn.Sum([spn.Indicator("X", 0)], [math.inf]), ValueError, "finite"),
    (lambda: spn.Sum([], []), ValueError, "at least one child"),
    (lambda: spn.Sum(spn.Indicator("X", 0), [1.0]), TypeError, "list of nodes"),
    (lambda: spn.Sum([spn.Indicator("X", 0), "Y"], [1, 1], name="s"), TypeError,
     "Sum 's': child 1 is not an SPN node"),
    (lambda: spn.Product([]), ValueError, "at least one child"),
    (lambda: spn.Product([0.5]), TypeError, "not an SPN node"),
    (lambda: spn.Node(), TypeError, "abstract base class"),
])
def test_constructors_reject_bad_input(make, error, pattern):
    with pytest.raises(error, match=pattern):
        make()


PUBLIC_WITH_ROOT = [
    lambda r, **kw: spn.value(r, **kw),
    lambda r, **kw: spn.log_value(r, **kw),
    lambda r, **kw: spn.derivatives(r, **kw),
    lambda r, **kw: spn.log_derivatives(r, **kw),
    lambda r, **kw: spn.marginals(r, **kw),
    lambda r, **kw: spn.marginals(r, log_space=True, **kw),
    lambda r, **kw: spn.sample(r, 3, 0, **kw),
    lambda r, **kw: spn.mpe(r, **kw),
    lambda r, **kw: spn.indicators(r, **kw),
]


@pytest.mark.parametrize("call", PUBLIC_WITH_ROOT)
def test_every_pass_rejects_bad_evidence(call):
    root = mixture()
    with pytest.raises(ValueError, match="'C', which is not a variable.*A, B"):
        call(root, evidence={"C": 0})
    with pytest.raises(ValueError, match="B=3 is out of range.*3 states"):
        call(root, evidence={"B": 3})
    with pytest.raises(TypeError, match="evidence value of 'A'"):
        call(root, evidence={"A": 0.5})
    with pytest.raises(TypeError, match="evidence must be a mapping"):
        call(root, evidence=[("A", 0)])
    with pytest.raises(TypeError, match="expected an SPN node"):
        call("not a node")


@pytest.mark.parametrize("fn", [spn.topological_order, spn.variables, spn.cardinalities,
                                spn.scope, spn.is_complete, spn.is_decomposable,
                                spn.check_valid, spn.to_graph])
def test_structure_functions_reject_non_nodes(fn):
    with pytest.raises(TypeError, match="expected an SPN node"):
        fn([spn.Indicator("X", 0)])


def test_evidence_of_probability_zero_is_reported():
    root = spn.Product([spn.Categorical("A", [1.0, 0.0]), spn.Categorical("B", [0.5, 0.5])])
    assert spn.value(root, {"A": 1}) == 0.0 and spn.log_value(root, {"A": 1}) == -math.inf
    for f in (lambda: spn.marginals(root, {"A": 1}),
              lambda: spn.marginals(root, {"A": 1}, log_space=True),
              lambda: spn.sample(root, 5, 0, {"A": 1}),
              lambda: spn.mpe(root, {"A": 1})):
        with pytest.raises(ValueError, match="probability zero"):
            f()


def test_leaves_that_disagree_on_the_number_of_states_are_rejected():
    two, three = spn.Categorical("X", [0.5, 0.5]), spn.Categorical("X", [0.2, 0.3, 0.5])
    with pytest.raises(ValueError, match="disagree on its number of states.*2.*3"):
        spn.value(spn.Sum([two, three], [1, 1]))
    with pytest.raises(ValueError, match="state 2 of 'X'.*only 2 states"):
        spn.value(spn.Sum([two, spn.Indicator("X", 2)], [1, 1]))


def test_sample_mpe_and_helpers_reject_bad_arguments():
    root = mixture()
    with pytest.raises(ValueError, match="nonnegative integer number of samples"):
        spn.sample(root, -1, 0)
    with pytest.raises(ValueError, match="number of samples"):
        spn.sample(root, 2.5, 0)
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        spn.sample(root, 5, "seed")
    with pytest.raises(TypeError, match="rng must be"):
        spn.random_spn(3, None)
    with pytest.raises(ValueError, match="n_variables must be an integer ≥ 1"):
        spn.random_spn(0, 0)
    with pytest.raises(ValueError, match="n_children"):
        spn.random_spn(3, 0, n_children=0)
    with pytest.raises(ValueError, match="identifier"):
        spn.indicator_name("a b", 0)
    with pytest.raises(ValueError, match="nonnegative"):
        spn.indicator_name("a", -2)


@settings(deadline=None, max_examples=60)
@given(valid_spns())
def test_the_max_plus_backward_pass_gives_max_marginals(case):
    r"""The one backward pass over (max, +) in log space: log ∂_max M/∂λ_{X=v} is
    log max_{x: x_X = v} M(x), M the max-product network — checked by enumeration."""
    root, states = case
    net = spn.compile_network(root, states)
    ring = spn.SEMIRINGS["max-plus"]
    lam = spn.indicator_values(net, {}, ring)
    got = spn._backward(net, spn.upward_values(net, lam, ring), ring)
    for var, k in states.items():
        for v in range(k):
            best = max(polynomial(root, one_hot(states, x), maximise=True)
                       for x in assignments(states, {var: v}))
            assert math.isclose(math.exp(got[var][v]), best, rel_tol=1e-9, abs_tol=1e-300)
