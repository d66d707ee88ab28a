r"""Exercise checks for notebooks/14_bp_as_local_projections.ipynb (built on :mod:`.exercise`).

Each check calls the student's function on inputs drawn afresh (:func:`.exercise.fresh_rng`)
and compares every entry with an oracle computed independently, outside any forbidding block.
"""

from __future__ import annotations

import numpy as np

from course_lib import bp, expectation_propagation
from course_lib.factor_graph import FactorGraph, ising_cycle, random_tree_model

from .exercise import agree, array, call, forbidding, fresh_rng, mapping, ok

__all__ = ["bethe_gradient", "ep_moment_matching"]


def _bethe_oracle(fg, beliefs, factor_beliefs):
    r"""F_Bethe written independently: entropies and energies accumulated factor by factor."""
    degree = {x: 0 for x in fg.variables}
    total = 0.0
    for f, b in zip(fg.factors, factor_beliefs):
        for x in f.variables:
            degree[x] += 1
        total = total + np.sum(b * np.log(b)) - np.sum(b * np.log(f.table))   # −H(q_a) − E[log ψ_a]
    for x in fg.variables:
        b = beliefs[x]
        total = total + (1 - degree[x]) * np.sum(b * np.log(b))           # + (deg(i) − 1) H(q_i)
    return total                                    # complex beliefs allowed: the complex-step oracle


def _triple_model(r: np.random.Generator):
    r"""A factor on three variables, a pairwise one and two unary ones (a tree)."""
    cards = {v: int(r.integers(2, 4)) for v in "ABCD"}
    fg = FactorGraph(cards)
    for scope in (("A", "B", "C"), ("C", "D"), ("A",), ("D",)):
        fg.add_factor(scope, r.uniform(0.2, 2.0, size=[cards[v] for v in scope]))
    return fg


def _fresh_model(r: np.random.Generator, k: int):
    if k % 3 == 2:
        return _triple_model(r)
    if k % 3 == 0:
        n = int(r.integers(3, 6))
        return ising_cycle(n, coupling=float(r.uniform(-0.8, 0.8)), field=list(r.uniform(-0.5, 0.5, n)))
    return random_tree_model(int(r.integers(3, 5)), states=int(r.integers(2, 4)), rng=int(r.integers(2**31)))


def bethe_gradient(gradient_of, rng=None, cases: int = 2, h: float = 1e-30) -> None:
    r"""``gradient_of(fg, var_beliefs, factor_beliefs)`` returns ``(var_grad, factor_grad)``: the
    partial derivatives of F_Bethe with respect to every belief entry, each belief treated as free,

        ∂F/∂q_a(x_a) = log(q_a(x_a) / ψ_a(x_a)) + 1,    ∂F/∂q_i(x_i) = −(deg(i) − 1)(log q_i(x_i) + 1),

    as a dict {variable: array} and a list of arrays shaped like the factor tables. Tried on fresh
    loopy and tree models at random beliefs; every entry is compared with the complex-step derivative
    Im F(q + i h e_j)/h of an independent F_Bethe — exact to rounding — at rtol 1e-12, atol 1e-12,
    which no real difference quotient meets (their error is at least ~ε^{2/3} ≈ 4e-11).
    """
    r = fresh_rng(rng)
    for k in range(cases):
        fg = _fresh_model(r, k)
        var_b = {x: r.dirichlet(np.full(fg.cardinalities[x], 3.0)) for x in fg.variables}
        fac_b = [r.dirichlet(np.full(f.table.size, 3.0)).reshape(f.table.shape) for f in fg.factors]
        answer = call(gradient_of, fg, {x: b.copy() for x, b in var_b.items()},
                      [b.copy() for b in fac_b], name="gradient_of")
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise AssertionError("gradient_of(...) should return a pair (var_grad, factor_grad), got "
                                 f"{type(answer).__name__}")
        var_grad = mapping(answer[0], "var_grad", fg.variables)
        if not isinstance(answer[1], (list, tuple)) or len(answer[1]) != len(fg.factors):
            raise AssertionError(f"factor_grad should be a list of {len(fg.factors)} arrays, one per "
                                 f"factor, got {type(answer[1]).__name__}")
        shape = ("a cycle", "a tree", "a model with a three-variable factor")[k % 3]
        for x in fg.variables:
            expected = np.zeros_like(var_b[x])
            for j in range(var_b[x].size):
                up = dict(var_b)
                up[x] = var_b[x].astype(complex)
                up[x][j] += 1j * h
                expected[j] = _bethe_oracle(fg, up, fac_b).imag / h
            agree(array(var_grad[x], f"var_grad[{x!r}]", expected.shape), expected, f"var_grad[{x!r}]",
                  where=f"on {shape}", rtol=1e-12, atol=1e-12)
        for a, f in enumerate(fg.factors):
            expected = np.zeros_like(fac_b[a])
            for j in np.ndindex(fac_b[a].shape):
                up = list(fac_b)
                up[a] = fac_b[a].astype(complex)
                up[a][j] += 1j * h
                expected[j] = _bethe_oracle(fg, var_b, up).imag / h
            agree(array(answer[1][a], f"factor_grad[{a}]", expected.shape), expected,
                  f"factor_grad[{a}] (factor over {f.variables})", where=f"on {shape}", rtol=1e-12,
                  atol=1e-12)
    ok(f"gradient_of gives every partial derivative of F_Bethe, on {cases} fresh models")


def _bp_message(fg, messages, a: int, variable: str) -> np.ndarray:
    r"""BP's factor-to-variable message with the cavities as incoming messages (the oracle):
    ν_{a→i}(x_i) ∝ Σ_{x_a∖x_i} ψ_a(x_a) Π_{j∈a, j≠i} Π_{b∋j, b≠a} ν_{b→j}(x_j)."""
    factor = fg.factors[a]
    table = np.array(factor.table, dtype=float)
    for k, x in enumerate(factor.variables):
        if x == variable:
            continue
        incoming = np.ones(fg.cardinalities[x])
        for (b, y), m in messages.items():
            if y == x and b != a:
                incoming = incoming * m
        shape = [1] * table.ndim
        shape[k] = -1
        table = table * incoming.reshape(shape)
    k = factor.variables.index(variable)
    m = table.sum(axis=tuple(j for j in range(table.ndim) if j != k))
    return m / m.sum()


def ep_moment_matching(ep_step_of, rng=None, cases: int = 6) -> None:
    r"""``ep_step_of(fg, messages, a)`` returns {i: ν_{a→i}} for the variables i of factor a: one
    EP step with the fully factorised family, written by hand,

        q_i^{∖a} ∝ q_i / ν_{a→i},   p̂_a ∝ ψ_a Π_{i∈a} q_i^{∖a},   ν_{a→i}^new ∝ p̂_a(x_i) / q_i^{∖a}(x_i).

    Fresh random loopy and tree models with random positive messages each run, pairwise factors
    and, on a model with a three-variable factor, that factor or a unary one; the course's
    ``ep_step``, ``tilted``, ``cavity`` and ``expectation_propagation`` and BP are forbidden while
    the answer runs. Each message is compared, after scaling to sum 1 (any scale passes), with
    BP's factor-to-variable message from the cavities (rtol 1e-9).
    """
    r = fresh_rng(rng)
    forbidden = {f"expectation_propagation.{name}": getattr(expectation_propagation, name)
                 for name in ("ep_step", "tilted", "cavity", "expectation_propagation")}
    forbidden["bp.belief_propagation"] = bp.belief_propagation
    for k in range(cases):
        fg = _fresh_model(r, k)
        messages = {(a, x): r.dirichlet(np.full(fg.cardinalities[x], 2.0))
                    for a, f in enumerate(fg.factors) for x in f.variables}
        arity = (3 if k % 6 == 2 else 1) if k % 3 == 2 else 2  # the factor a to update
        a = int(r.choice([b for b, f in enumerate(fg.factors) if len(f.variables) == arity]))
        expected = {x: _bp_message(fg, messages, a, x) for x in fg.factors[a].variables}
        with forbidding(forbidden, "write the cavity, tilt and moment match yourself", ep_step_of):
            answer = call(ep_step_of, fg, {e: m.copy() for e, m in messages.items()}, a,
                          name="ep_step_of")
        got = mapping(answer, f"ep_step_of(fg, messages, {a})", fg.factors[a].variables)
        shape = ("a cycle", "a tree", "a model with a three-variable factor")[k % 3]
        for x in fg.factors[a].variables:
            m = array(got[x], f"the message ν_{{{a}→{x}}}", expected[x].shape)
            if np.any(m <= 0):
                raise AssertionError(f"the message ν_{{{a}→{x}}} on {shape} should be positive, "
                                     f"got {np.round(m, 4)}")
            agree(m / m.sum(), expected[x], f"the message ν_{{{a}→{x}}} (scaled to sum 1)",
                  where=f"on {shape}", rtol=1e-9, atol=1e-12)
    ok(f"ep_step_of moment-matches the tilted factor and divides out the cavity, on {cases} "
       "fresh models")
