r"""Exercise checks for notebooks/07_belief_propagation.ipynb (built on :mod:`.exercise`).

- :func:`message_updates`: the two sum–product updates written by the student,
  on fresh random tables and messages and against the final messages of ``bp`` on fresh
  random factor graphs;
- :func:`shared_bias_slope`: ∂ log Z/∂ξ of a bias ξ shared by every θ_t(1) of a chain,
  by backprop of the forward algorithm, against enumeration on fresh random chains.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import numpy as np

from course_lib import autodiff, bp, lagrange
from course_lib.factor_graph import FactorGraph, chain_model
from course_lib.substitution import backslash

from .exercise import agree, array, call, counting, forbidding, fresh_rng, ok

__all__ = ["message_updates", "shared_bias_slope", "random_message_graph"]

_BP_SOLVERS = {"bp.belief_propagation": bp.belief_propagation,
               "bp.exact_marginals": bp.exact_marginals,
               "bp.exact_log_partition": bp.exact_log_partition}


@contextlib.contextmanager
def _no_enumeration() -> Iterator[None]:
    r"""While the block runs, ``FactorGraph.joint`` / ``log_joint`` (enumeration) refuse."""
    saved = {name: getattr(FactorGraph, name) for name in ("joint", "log_joint")}

    def refuse(name):
        def method(self, *args, **kwargs):
            raise AssertionError("this exercise asks for backprop of log Z, not enumeration; "
                                 f"your answer called FactorGraph.{name}")
        return method

    try:
        for name in saved:
            setattr(FactorGraph, name, refuse(name))
        yield
    finally:
        for name, method in saved.items():
            setattr(FactorGraph, name, method)


def _normalised(m: np.ndarray) -> np.ndarray:
    return m / m.sum()


def _factor_message_oracle(table: np.ndarray, incoming: list, target: int) -> np.ndarray:
    r"""ν_{a→x} = Σ_{x_a∖x} ψ_a Π_{y≠x} ν_{y→a}, normalised, by one einsum."""
    axes = list(range(table.ndim))
    operands = [table, axes]
    for k, m in enumerate(incoming):
        if k != target:
            operands += [np.asarray(m), [k]]
    return _normalised(np.einsum(*operands, [target]))


def random_message_graph(rng: np.random.Generator) -> FactorGraph:
    r"""A random tree-shaped factor graph with one-, two- and three-variable factors.

    A path x0 – x1 – x2 of pairwise factors, a three-variable factor (x2, x3, x4), a
    pairwise factor (x1, x5), one-variable factors on some variables; 2–4 states each.
    """
    card = {f"x{i}": int(rng.integers(2, 5)) for i in range(6)}
    fg = FactorGraph(card)

    def table(*names):
        return np.exp(rng.normal(0.0, 1.0, [card[v] for v in names]))

    for scope in [("x0", "x1"), ("x1", "x2"), ("x2", "x3", "x4"), ("x5", "x1")]:
        order = list(scope)
        rng.shuffle(order)                         # the target is not always the last axis
        fg.add_factor(tuple(order), table(*order))
    for v in card:
        if rng.random() < 0.6:
            fg.add_factor((v,), table(v))
    return fg


def message_updates(factor_message: Callable, variable_message: Callable, rng=None) -> None:
    r"""Check the two sum–product updates on fresh inputs.

        factor_message(table, incoming, target)
            = ν_{a→x}(x) ∝ Σ_{x_a∖x} ψ_a(x_a) Π_{y∈N(a)∖x} ν_{y→a}(y)   (x: axis ``target``)
        variable_message(incoming, target)
            = ν_{x→a}(x) ∝ Π_{b∈N(x)∖a} ν_{b→x}(x)                      (a: ``incoming[target]``)

    both normalised to sum to 1. Tried on random tables of 1–3 axes with random messages (no
    slot all ones, so the skipped message matters), then on every edge of three random factor
    graphs against the final messages of ``bp.belief_propagation`` (tree schedule). The
    answer may not call belief propagation or enumeration.
    """
    r = fresh_rng(rng)
    fm, vm = "factor_message", "variable_message"
    cases = []  # (function, name, arguments, expected, what, where, rtol) — oracles first
    for case in range(6):                                   # random tables and messages
        k = (3, 2, 1, 3, 2, 3)[case]
        shape = tuple(int(c) for c in r.integers(2, 5, size=k))
        table = np.exp(r.normal(0.0, 1.0, shape))
        incoming = [r.uniform(0.2, 2.0, c) for c in shape]
        target = int(r.integers(k))
        cases.append((factor_message, fm, (table, incoming, target),
                      _factor_message_oracle(table, incoming, target),
                      f"{fm}(table of shape {shape}, incoming, target={target})", "", 1e-8))
        messages = [r.uniform(0.2, 2.0, shape[0]) for _ in range(int(r.integers(1, 5)))]
        target = int(r.integers(len(messages)))
        others = [m for j, m in enumerate(messages) if j != target]
        expected = _normalised(np.prod(others, axis=0)) if others else np.full(shape[0],
                                                                              1 / shape[0])
        cases.append((variable_message, vm, (messages, target), expected,
                      f"{vm}(list of {len(messages)} messages, target={target})", "", 1e-8))
    for _ in range(3):                                      # against bp on random graphs
        fg = random_message_graph(r)
        result = bp.belief_propagation(fg, schedule="tree")
        for a, factor in enumerate(fg.factors):
            incoming = [result.message(y, a) for y in factor.variables]
            for pos, x in enumerate(factor.variables):
                cases.append((factor_message, fm, (factor.table, incoming, pos),
                              result.message(a, x), f"ν_(factor {a} → {x}) from {fm}",
                              f"on a random graph (scope {factor.variables})", 1e-7))
        for x in fg.variables:
            around = list(fg.neighbours(x))
            incoming = [result.message(b, x) for b in around]
            for pos, a in enumerate(around):
                cases.append((variable_message, vm, (incoming, pos), result.message(x, a),
                              f"ν_({x} → factor {a}) from {vm}", "on a random graph", 1e-7))
    with forbidding(_BP_SOLVERS, "write the message update yourself, without belief "
                    "propagation or enumeration", factor_message, variable_message):
        for fn, name, args, expected, what, where, rtol in cases:
            copies = [[m.copy() for m in a] if isinstance(a, list) else
                      a.copy() if isinstance(a, np.ndarray) else a for a in args]
            agree(call(fn, *copies, name=name), expected, what, where=where, rtol=rtol,
                  atol=1e-12)
    ok("both message updates agree with belief propagation on fresh random tables and graphs")


def shared_bias_slope(slope_of: Callable, rng=None) -> None:
    r"""Check ``slope_of(chain)`` = ∂ log Z/∂ξ at ξ = 0, by backprop, on fresh random chains.

        log Z(ξ) = log Σ_x exp( Σ_t θ_t(x_t) + ξ Σ_t 1[x_t = 1] + Σ_t θ_{t−1,t}(x_{t−1}, x_t) ),
        ∂ log Z/∂ξ |_{ξ=0} = Σ_t P(x_t = 1) = E[number of t with x_t = 1]

    ``chain`` is a ``chain_model(T, K)`` (factors φ_0 … φ_{T−1}, then ψ_1 … ψ_{T−1}). Tried
    on three random chains (3 variables with 2–3 states, 3 with 2, 4 with 2) against enumeration; the answer
    must run backprop (``lagrange.adjoints``, or ``lagrange.lagrange_matrix`` with
    ``backslash``) and may not enumerate or run belief propagation.
    """
    r = fresh_rng(rng)
    spies = {"lagrange.adjoints": lagrange.adjoints, "backslash": backslash}
    forbidden = {**_BP_SOLVERS, "autodiff.vjp": autodiff.vjp,
                 "autodiff.jacobian": autodiff.jacobian}
    chains = []
    for T, K in [(3, int(r.integers(2, 4))), (3, 2), (4, 2)]:  # small: the answer runs sympy
        chain = chain_model(T, K, rng=int(r.integers(2**31)),
                            concentration=float(r.uniform(0.5, 1.2)))
        exact = bp.exact_marginals(chain)                   # the oracle, before the spies
        chains.append((chain, T, K, sum(exact[f"x{t}"][1] for t in range(T))))
    with counting(spies, slope_of) as calls, _no_enumeration(), \
            forbidding(forbidden, "differentiate log Z by backprop of the forward algorithm",
                       slope_of):
        for chain, T, K, expected in chains:
            before = calls["lagrange.adjoints"] + calls["backslash"]
            got = array(call(slope_of, chain, name="slope_of"),
                        f"slope_of(chain of {T} variables, {K} states)", ())
            if calls["lagrange.adjoints"] + calls["backslash"] == before:
                raise AssertionError("slope_of computed no adjoints: build the tied graph and "
                                     "call lagrange.adjoints on it (one backward solve)")
            agree(got, expected, f"∂ log Z/∂ξ for a chain of {T} variables with {K} states",
                  rtol=1e-7)
    ok("∂ log Z/∂ξ by backprop = the expected number of ones, on fresh random chains")
