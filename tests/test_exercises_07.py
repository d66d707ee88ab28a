"""Lesson 07's exercise checks reject realistic wrong answers and accept other right forms.

Every wrong answer below is code a student could write; each must be rejected with a short
message by the same check the notebook calls, and each alternative right answer accepted.
"""

import numpy as np
import pytest

from course_lib import bp, checks, lagrange
from course_lib.factor_graph import chain_model
from course_lib.graph import Graph

SEEDS = [0, 1, 2]


# ------------------------------------------------------------------ Exercise 1: the updates
def factor_message(table, incoming, target):  # the notebook's solution
    product = np.array(table, dtype=float)
    for k, m in enumerate(incoming):
        if k != target:
            shape = [1] * product.ndim
            shape[k] = len(m)
            product = product * np.reshape(m, shape)
    others = tuple(k for k in range(product.ndim) if k != target)
    message = product.sum(axis=others)
    return message / message.sum()


def variable_message(incoming, target):
    message = np.ones(len(incoming[0]))
    for k, m in enumerate(incoming):
        if k != target:
            message = message * m
    return message / message.sum()


def factor_message_einsum(table, incoming, target):  # another right form: move axes, einsum
    moved = np.moveaxis(np.asarray(table), target, 0)
    rest = [m for k, m in enumerate(incoming) if k != target]
    letters = "bcdefgh"[:len(rest)]
    spec = "a" + letters + "," + ",".join(letters) + "->a" if rest else "a->a"
    out = np.einsum(spec, moved, *rest)
    return out / np.sum(out)


def variable_message_logs(incoming, target):  # another right form: in log space
    logs = sum(np.log(m) for k, m in enumerate(incoming) if k != target) \
        if len(incoming) > 1 else np.zeros(len(incoming[0]))
    return np.exp(logs - np.logaddexp.reduce(logs))


def factor_times_every_message(table, incoming, target):  # multiplies incoming[target] too
    product = np.array(table, dtype=float)
    for k, m in enumerate(incoming):
        shape = [1] * product.ndim
        shape[k] = len(m)
        product = product * np.reshape(m, shape)
    message = product.sum(axis=tuple(k for k in range(product.ndim) if k != target))
    return message / message.sum()


def factor_not_normalised(table, incoming, target):
    out = factor_message(table, incoming, target)
    return out * np.sum(np.asarray(table))


def factor_sums_the_target_axis(table, incoming, target):  # sums over x instead of over x_a∖x
    product = np.array(table, dtype=float)
    for k, m in enumerate(incoming):
        if k != target:
            shape = [1] * product.ndim
            shape[k] = len(m)
            product = product * np.reshape(m, shape)
    message = product.sum(axis=target).ravel()[:np.shape(table)[target]]
    return message / message.sum()


def factor_ignores_messages(table, incoming, target):  # Σ f_a only (the leaves' message)
    t = np.asarray(table, dtype=float)
    message = t.sum(axis=tuple(k for k in range(t.ndim) if k != target))
    return message / message.sum()


def factor_by_bp(table, incoming, target):  # the forbidden shortcut
    bp.belief_propagation(None)
    return None


def variable_includes_own(incoming, target):
    message = np.prod(incoming, axis=0)
    return message / message.sum()


def variable_sums(incoming, target):  # adds the messages instead of multiplying
    message = np.ones(len(incoming[0])) if len(incoming) == 1 else \
        sum(m for k, m in enumerate(incoming) if k != target)
    return message / message.sum()


def variable_not_normalised(incoming, target):
    message = np.ones(len(incoming[0]))
    for k, m in enumerate(incoming):
        if k != target:
            message = message * m
    return 2.0 * message


@pytest.mark.parametrize("seed", SEEDS)
def test_message_updates_accept_right_answers(seed, capsys):
    checks.message_passing.message_updates(factor_message, variable_message, rng=seed)
    checks.message_passing.message_updates(factor_message_einsum, variable_message_logs,
                                           rng=seed)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and all(line.startswith("ok ") for line in out)
    assert not any(ch.isdigit() for ch in "".join(out))


@pytest.mark.parametrize("wrong", [factor_times_every_message, factor_not_normalised,
                                   factor_sums_the_target_axis, factor_ignores_messages,
                                   factor_by_bp, None, 0.25])
@pytest.mark.parametrize("seed", SEEDS)
def test_message_updates_reject_wrong_factor_messages(wrong, seed):
    with pytest.raises(AssertionError) as err:
        checks.message_passing.message_updates(wrong, variable_message, rng=seed)
    assert len(str(err.value).splitlines()) <= 2


@pytest.mark.parametrize("wrong", [variable_includes_own, variable_sums,
                                   variable_not_normalised])
@pytest.mark.parametrize("seed", SEEDS)
def test_message_updates_reject_wrong_variable_messages(wrong, seed):
    with pytest.raises(AssertionError) as err:
        checks.message_passing.message_updates(factor_message, wrong, rng=seed)
    assert len(str(err.value).splitlines()) <= 2


def test_the_skipped_message_matters_in_every_table_case():
    """The fault of the old check: an all-ones slot let `× incoming[target]` pass."""
    with pytest.raises(AssertionError, match="entries are off"):
        checks.message_passing.message_updates(factor_times_every_message, variable_message,
                                               rng=7)


# ------------------------------------------------------------ Exercise 2: a shared bias
def forward_assignments(T, K):  # as defined in the notebook
    rows = [(f"alpha0_{j}", f"exp(theta0_{j})") for j in range(K)]
    for t in range(1, T):
        for j in range(K):
            incoming = " + ".join(f"alpha{t - 1}_{i}*exp(omega{t}_{i}_{j})" for i in range(K))
            rows.append((f"alpha{t}_{j}", f"({incoming})*exp(theta{t}_{j})"))
    rows.append(("Z", " + ".join(f"alpha{T - 1}_{j}" for j in range(K))))
    rows.append(("logZ", "log(Z)"))
    return rows


def log_potentials_of(chain):
    T, K = len(chain.variables), chain.cardinalities["x0"]
    values = {f"theta{t}_{j}": float(np.log(chain.factors[t].table[j]))
              for t in range(T) for j in range(K)}
    values |= {f"omega{t}_{i}_{j}": float(np.log(chain.factors[T + t - 1].table[i, j]))
               for t in range(1, T) for i in range(K) for j in range(K)}
    return T, K, values


def tied_slope(chain, tie_state=1, first=0):
    T, K, values = log_potentials_of(chain)
    rows = []
    for name, expr in forward_assignments(T, K):
        for t in range(first, T):
            expr = expr.replace(f"exp(theta{t}_{tie_state})", f"exp(theta{t}_{tie_state} + xi)")
        rows.append((name, expr))
    g = Graph.from_assignments(rows, inputs=list(values) + ["xi"])
    return lagrange.adjoints(g, {**values, "xi": 0.0}, "logZ")["xi"]


def slope_of(chain):  # the notebook's solution
    return tied_slope(chain)


def slope_of_summing_adjoints(chain):  # another right form: Σ_t ∂ log Z/∂θ_t(1), no ξ
    T, K, values = log_potentials_of(chain)
    g = Graph.from_assignments(forward_assignments(T, K), inputs=list(values))
    lam = lagrange.adjoints(g, values, "logZ")
    return sum(lam[f"theta{t}_1"] for t in range(T))


def slope_ties_state_zero(chain):  # E[number of zeros]
    return tied_slope(chain, tie_state=0)


def slope_misses_t0(chain):  # the replace loop starts at t = 1
    return tied_slope(chain, first=1)


def slope_one_site(chain):  # ∂ log Z/∂θ_0(1) only
    T, K, values = log_potentials_of(chain)
    g = Graph.from_assignments(forward_assignments(T, K), inputs=list(values))
    return lagrange.adjoints(g, values, "logZ")["theta0_1"]


def slope_by_enumeration(chain):  # the forbidden shortcut
    marg = bp.exact_marginals(chain)
    return sum(m[1] for m in marg.values())


def slope_from_joint(chain):  # enumeration by the back door
    p = chain.joint()
    return float((p * (np.indices(p.shape) == 1).sum(axis=0)).sum())


def slope_hard_coded(chain):
    return 1.6247


def slope_forward_value(chain):  # the forward value log Z instead of its derivative
    T, K, values = log_potentials_of(chain)
    g = Graph.from_assignments(forward_assignments(T, K), inputs=list(values))
    lagrange.adjoints(g, values, "logZ")
    return g.forward(values)["logZ"]


@pytest.mark.parametrize("seed", SEEDS)
def test_shared_bias_slope_accepts_right_answers(seed, capsys):
    checks.message_passing.shared_bias_slope(slope_of, rng=seed)
    checks.message_passing.shared_bias_slope(slope_of_summing_adjoints, rng=seed)
    assert capsys.readouterr().out.count("ok ") == 2


@pytest.mark.parametrize("wrong", [slope_ties_state_zero, slope_misses_t0, slope_one_site,
                                   slope_by_enumeration, slope_from_joint, slope_hard_coded,
                                   slope_forward_value, None])
@pytest.mark.parametrize("seed", SEEDS)
def test_shared_bias_slope_rejects_wrong_answers(wrong, seed):
    with pytest.raises(AssertionError) as err:
        checks.message_passing.shared_bias_slope(wrong, rng=seed)
    assert len(str(err.value).splitlines()) <= 2


def test_enumeration_and_bp_are_restored_after_a_check():
    original = bp.exact_marginals
    with pytest.raises(AssertionError, match="enumeration"):
        checks.message_passing.shared_bias_slope(slope_from_joint, rng=0)
    assert bp.exact_marginals is original
    assert np.isclose(chain_model(3, 2, rng=0).joint().sum(), 1.0)
