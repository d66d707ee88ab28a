"""Lesson 09's exercise checks reject realistic wrong answers and accept other right forms."""

import math

import numpy as np
import pytest

from course_lib import checks, lagrange, spn
from course_lib.substitution import backslash

SEEDS = [0, 1, 2]


# ------------------------------------------------------- Exercise 1: the downward pass
def _zeros(order):
    root = order[-1]
    k = spn.cardinalities(root)
    return {(X, v): 0.0 for X in spn.variables(root) for v in range(k[X])}


def downward(order, values, *, sum_rule=None, product_rule=None, reverse=True, accumulate=True,
             table=True):
    """The notebook's solution, with switches that make the usual mistakes."""
    adjoint = {node: 0.0 for node in order}
    adjoint[order[-1]] = 1.0
    d = _zeros(order)
    for node in (reversed(order) if reverse else order):
        a = adjoint[node]
        if isinstance(node, spn.Indicator):
            d[node.variable, node.value] += a
        elif isinstance(node, spn.Categorical):
            for v, t in enumerate(node.probabilities):
                d[node.variable, v] += (t if table else 1.0) * a
        elif isinstance(node, spn.Sum):
            for w, c in zip(node.weights, node.children):
                share = sum_rule(w, a) if sum_rule else w * a
                adjoint[c] = adjoint[c] + share if accumulate else share
        else:
            for j, c in enumerate(node.children):
                others = (product_rule(node, c, values) if product_rule else
                          math.prod(values[o] for i, o in enumerate(node.children) if i != j))
                adjoint[c] = adjoint[c] + a * others if accumulate else a * others
    return d


def downward_right(order, values):
    return downward(order, values)


def downward_dict_of_lists(order, values):  # another right form: adjoints in a list by position
    position = {node: i for i, node in enumerate(order)}
    adj = [0.0] * len(order)
    adj[-1] = 1.0
    d = _zeros(order)
    for i in range(len(order) - 1, -1, -1):
        node = order[i]
        if isinstance(node, spn.Sum):
            for w, c in zip(node.weights, node.children):
                adj[position[c]] += w * adj[i]
        elif isinstance(node, spn.Product):
            kids = [values[c] for c in node.children]
            for j, c in enumerate(node.children):
                adj[position[c]] += adj[i] * np.prod(kids[:j] + kids[j + 1:])
        elif isinstance(node, spn.Indicator):
            d[node.variable, node.value] += adj[i]
        else:
            for v, t in enumerate(node.probabilities):
                d[node.variable, v] += t * adj[i]
    return d


def downward_no_weight(order, values):
    return downward(order, values, sum_rule=lambda w, a: a)


def downward_product_with_itself(order, values):  # a · S_product instead of the others
    return downward(order, values, product_rule=lambda node, c, vals: vals[node])


def downward_divides(order, values):  # S_product / S_c: fails where a child is 0
    return downward(order, values, product_rule=lambda node, c, vals: vals[node] / vals[c])


def downward_overwrites(order, values):  # = instead of += (wrong on shared children)
    return downward(order, values, accumulate=False)


def downward_wrong_direction(order, values):  # children first: nothing has arrived yet
    return downward(order, values, reverse=False)


def downward_forgets_table(order, values):
    return downward(order, values, table=False)


def downward_by_library(order, values):  # the forbidden shortcut
    return spn.derivatives(order[-1])


def downward_via_graph(order, values):  # forbidden too: lesson 03's solver does it for you
    g = spn.to_graph(order[-1])
    lam = lagrange.adjoints(g, spn.indicators(order[-1]), g.order[-1])
    return {key: lam[spn.indicator_name(*key)] for key in _zeros(order)}


def downward_returns_values(order, values):  # forward values instead of adjoints
    d = _zeros(order)
    for node in order:
        if isinstance(node, (spn.Indicator, spn.Categorical)):
            for key in d:
                if key[0] == node.variable:
                    d[key] = values[node]
    return d


@pytest.mark.parametrize("seed", SEEDS)
def test_downward_pass_accepts_right_answers(seed, capsys):
    checks.spn_inference.downward_pass(downward_right, rng=seed)
    checks.spn_inference.downward_pass(downward_dict_of_lists, rng=seed)
    out = capsys.readouterr().out
    assert out.count("ok ") == 2 and not any(ch.isdigit() for ch in out)


@pytest.mark.parametrize("wrong", [downward_no_weight, downward_product_with_itself,
                                   downward_overwrites, downward_wrong_direction,
                                   downward_forgets_table, downward_by_library,
                                   downward_via_graph, downward_returns_values, None])
@pytest.mark.parametrize("seed", SEEDS)
def test_downward_pass_rejects_wrong_answers(wrong, seed):
    with pytest.raises(AssertionError) as err:
        checks.spn_inference.downward_pass(wrong, rng=seed)
    assert len(str(err.value).splitlines()) <= 2


def test_dividing_by_a_child_fails_where_the_evidence_zeroes_an_indicator():
    """Some seed gives evidence on A, so one product has a zero child: S_k / S_c breaks."""
    rejected = 0
    for seed in range(6):
        try:
            checks.spn_inference.downward_pass(downward_divides, rng=seed)
        except AssertionError:
            rejected += 1
    assert rejected >= 1


def test_overwriting_is_caught_only_because_the_check_has_shared_children():
    root = checks.spn_inference.shared_spn(np.random.default_rng(0))
    parents = {}
    for node in spn.topological_order(root):
        for c in node.children:
            parents[c] = parents.get(c, 0) + 1
    assert max(parents.values()) == 2


# --------------------------------------------- Exercise 2: all marginals, one backslash
def one_solve(root, evidence):  # the notebook's solution
    g = spn.to_graph(root)
    A, b = lagrange.lagrange_matrix(g, spn.indicators(root, evidence), g.order[-1])
    adjoint = backslash(A, b)
    k = spn.cardinalities(root)
    out = {}
    for X in spn.variables(root):
        row = np.array([adjoint[g.index(spn.indicator_name(X, v))] for v in range(k[X])])
        out[X] = row / row.sum()
    return out


def one_solve_by_names(root, evidence):  # another right form: read rows through a dict
    g = spn.to_graph(root)
    A, b = lagrange.lagrange_matrix(g, spn.indicators(root, evidence), g.order[-1])
    by_name = dict(zip(g.order, backslash(A, b)))
    out = {}
    for X, k in spn.cardinalities(root).items():
        row = [by_name[f"lambda_{X}_{v}"] for v in range(k)]
        out[X] = np.array(row) / sum(row)
    return out


def one_solve_unnormalised(root, evidence):
    g = spn.to_graph(root)
    A, b = lagrange.lagrange_matrix(g, spn.indicators(root, evidence), g.order[-1])
    adjoint = backslash(A, b)
    return {X: np.array([adjoint[g.index(spn.indicator_name(X, v))] for v in range(k)])
            for X, k in spn.cardinalities(root).items()}


def one_solve_per_variable(root, evidence):  # a solve for each variable
    return {X: one_solve(root, evidence)[X] for X in spn.variables(root)}


def one_solve_by_numpy(root, evidence):  # another solver
    g = spn.to_graph(root)
    A, b = lagrange.lagrange_matrix(g, spn.indicators(root, evidence), g.order[-1])
    adjoint = np.linalg.solve(A, b)
    k = spn.cardinalities(root)
    return {X: np.array([adjoint[g.index(spn.indicator_name(X, v))] for v in range(k[X])])
            / sum(adjoint[g.index(spn.indicator_name(X, v))] for v in range(k[X]))
            for X in k}


def one_solve_library(root, evidence):  # the forbidden shortcut
    return spn.marginals(root, evidence)


def one_solve_transposed(root, evidence):  # (Jᵀ − I)ᵀ: a lower-triangular system
    g = spn.to_graph(root)
    A, b = lagrange.lagrange_matrix(g, spn.indicators(root, evidence), g.order[-1])
    adjoint = backslash(A.T, b)
    k = spn.cardinalities(root)
    return {X: np.array([adjoint[g.index(spn.indicator_name(X, v))] for v in range(k[X])])
            for X in k}


def one_solve_ignores_evidence(root, evidence):
    return one_solve(root, {})


def one_solve_joint_normalisation(root, evidence):  # normalised over all indicators at once
    g = spn.to_graph(root)
    A, b = lagrange.lagrange_matrix(g, spn.indicators(root, evidence), g.order[-1])
    adjoint = backslash(A, b)
    k = spn.cardinalities(root)
    rows = {X: np.array([adjoint[g.index(spn.indicator_name(X, v))] for v in range(k[X])])
            for X in k}
    total = sum(r.sum() for r in rows.values())
    return {X: r / total for X, r in rows.items()}


@pytest.mark.parametrize("seed", SEEDS)
def test_one_solve_marginals_accepts_right_answers(seed, capsys):
    checks.spn_inference.one_solve_marginals(one_solve, rng=seed)
    checks.spn_inference.one_solve_marginals(one_solve_by_names, rng=seed)
    assert capsys.readouterr().out.count("ok ") == 2


@pytest.mark.parametrize("wrong", [one_solve_unnormalised, one_solve_per_variable,
                                   one_solve_by_numpy, one_solve_library, one_solve_transposed,
                                   one_solve_ignores_evidence, one_solve_joint_normalisation,
                                   None])
@pytest.mark.parametrize("seed", SEEDS)
def test_one_solve_marginals_rejects_wrong_answers(wrong, seed):
    with pytest.raises(AssertionError) as err:
        checks.spn_inference.one_solve_marginals(wrong, rng=seed)
    assert len(str(err.value).splitlines()) <= 2


def test_the_solver_spies_are_gone_after_a_check():
    with pytest.raises(AssertionError, match="backslash 3 times|times"):
        checks.spn_inference.one_solve_marginals(one_solve_per_variable, rng=0)
    assert np.allclose(np.linalg.solve(np.eye(2), np.ones(2)), 1.0)
    assert spn.marginals(spn.Sum([spn.Categorical("X", [0.5, 0.5])], [1.0]))["X"][0] == 0.5
