r"""Exercise checks for notebooks/00_start_here.ipynb (built on :mod:`.exercise`).

- :func:`derivative` — a sympy expression for d/dx (x³ sin x), in any equivalent form;
- :func:`users_function` — ``users_of(arguments)``: b(i) = {k : i ∈ a(k)} on fresh random graphs;
- :func:`chain_derivative_function` — ``chain_derivative(functions, derivatives, x)``: the chain
  rule along a chain z_k = f_k(z_{k−1}), with every function and derivative called once.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy

from . import exercise as ex

__all__ = ["derivative", "users_function", "chain_derivative_function"]

X = sympy.Symbol("x")


def derivative(answer: Any, rng: np.random.Generator | int | None = None) -> None:
    r"""``answer`` = d/dx (x³ sin x) = 3x² sin x + x³ cos x, in any form (tested at fresh x)."""
    ex.same_expression(answer, sympy.diff(X**3 * sympy.sin(X), X), "`derivative`",
                       allowed={X}, rng=rng,
                       sample=lambda r: {X: float(r.uniform(-3.0, 3.0))})
    ex.ok("d/dx x³ sin x: your expression equals the derivative at fresh points")


# -- users b(i) from arguments a(i) ----------------------------------------------------------


def _random_arguments(r: np.random.Generator) -> dict[str, tuple[str, ...]]:
    r"""A random DAG as {node: a(node)}: inputs map to (), names shuffled, dict order shuffled."""
    names = [f"{c}{k}" for c, k in zip(r.permutation(list("abcdefghpqrstuvw")), range(99))]
    n_inputs, n_nodes = int(r.integers(2, 4)), int(r.integers(5, 9))
    names = names[:n_nodes]
    args: dict[str, tuple[str, ...]] = {}
    for position, name in enumerate(names):
        if position < n_inputs:
            args[name] = ()
        else:
            size = int(r.integers(1, min(3, position) + 1))
            args[name] = tuple(r.choice(names[:position], size=size, replace=False).tolist())
    order = r.permutation(len(names))
    return {names[i]: args[names[i]] for i in order}


def users_function(users_of: Any, rng: np.random.Generator | int | None = None,
                   cases: int = 4) -> None:
    r"""``users_of(arguments)`` returns b(i) = {k : i ∈ a(k)} for every node i (empty if none),
    on ``cases`` fresh random graphs given as {node: a(node)}."""
    r = ex.fresh_rng(rng)
    for _ in range(cases):
        arguments = _random_arguments(r)
        expected = {i: {k for k, a in arguments.items() if i in a} for i in arguments}
        got = ex.call(users_of, {k: tuple(v) for k, v in arguments.items()}, name="users_of")
        ex.mapping(got, "users_of(arguments)", arguments)
        for i in arguments:
            try:
                users = set(got[i])
            except TypeError:
                raise AssertionError(f"users_of(arguments)[{i!r}] should be a list, tuple or set "
                                     f"of names, got {got[i]!r}") from None
            if users != expected[i]:
                shown = {k: v for k, v in arguments.items() if v}
                raise AssertionError(f"for a(k) = {shown}: b({i}) should be "
                                     f"{sorted(expected[i])}, got {sorted(map(str, users))}")
    ex.ok("b(i): the users of every node, on fresh random graphs")


# -- the chain rule as a mechanism -----------------------------------------------------------

# (name, complex function for the oracle, python function, python derivative)
_LINKS = [
    ("sin", cmath.sin, math.sin, math.cos),
    ("tanh", cmath.tanh, math.tanh, lambda t: 1 - math.tanh(t) ** 2),
    ("exp(t/2)", lambda t: cmath.exp(t / 2), lambda t: math.exp(t / 2),
     lambda t: math.exp(t / 2) / 2),
    ("t**2 + 1", lambda t: t * t + 1, lambda t: t * t + 1, lambda t: 2 * t),
    ("sigmoid", lambda t: 1 / (1 + cmath.exp(-t)), lambda t: 1 / (1 + math.exp(-t)),
     lambda t: math.exp(-t) / (1 + math.exp(-t)) ** 2),
]
_STEP = 1e-30  # complex step: Im f(x + ih) / h = f'(x) to rounding, with no cancellation


class _Counted:
    r"""A function that counts its calls (the check verifies each is called once)."""

    def __init__(self, fn: Callable[[float], float], label: str):
        self.fn, self.label, self.calls = fn, label, 0

    def __call__(self, t):
        self.calls += 1
        return self.fn(t)

    def __repr__(self) -> str:
        return self.label


def chain_derivative_function(chain_derivative: Any, rng: np.random.Generator | int | None = None,
                              cases: int = 5) -> None:
    r"""``chain_derivative(functions, derivatives, x)`` returns dz_m/dx for z_0 = x,
    z_k = f_k(z_{k−1}):  dz_m/dx = f_m′(z_{m−1}) ··· f_2′(z_1) f_1′(z_0),
    on fresh random chains of length 1–5 and fresh x; each f_k and f_k′ called at most once.
    The oracle is the complex step Im z_m(x + ih)/h, which uses the functions only."""
    r = ex.fresh_rng(rng)
    lengths = [1, 3, 5] + [int(r.integers(2, 6)) for _ in range(max(0, cases - 3))]
    for m in lengths:
        picks = [_LINKS[int(j)] for j in r.integers(0, len(_LINKS), size=m)]
        x = float(r.uniform(-1.2, 1.2))
        z = complex(x, _STEP)  # the oracle: the complex step through the functions alone
        for _, complex_fn, _, _ in picks:
            z = complex_fn(z)
        expected = z.imag / _STEP
        fs = [_Counted(py, f"f{k + 1} = {name}") for k, (name, _, py, _) in enumerate(picks)]
        dfs = [_Counted(d, f"f{k + 1}′") for k, (_, _, _, d) in enumerate(picks)]
        got = ex.call(chain_derivative, list(fs), list(dfs), x, name="chain_derivative")
        where = f"for the chain {' then '.join(name for name, *_ in picks)} at x = {x:.4g}"
        many = [c for c in fs + dfs if c.calls > 1]
        if many:
            raise AssertionError(f"{where}: {many[0].label.split(' =')[0]} was called "
                                 f"{many[0].calls} times; run the forward pass once, keep "
                                 "z_0, …, z_m, and reuse them")
        unused = [c for c in dfs if c.calls == 0]
        if unused:
            raise AssertionError(f"{where}: {unused[0].label} was never called; the chain rule "
                                 "multiplies every local derivative f_k′(z_{k−1})")
        ex.agree(got, expected, "dz_m/dx", where=where, rtol=1e-10, atol=1e-12)
    ex.ok("the chain rule: every local derivative at the stored forward value, each used once")
