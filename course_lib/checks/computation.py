r"""Exercise checks for notebooks/01_computation_as_equations.ipynb (built on :mod:`.exercise`).

- :func:`unrolled_rnn` — a Graph with inputs h0, w, u and nodes h1, h2, h3, h_t = tanh(w h_{t−1} + u);
- :func:`clip_graph` — a Graph computing clip(x) = min(max(x, 0), 1) with indicator functions
  (Heaviside) or Piecewise, not Min/Max/Abs; its values and slopes tested at fresh points;
- :func:`forward_pass_function` — ``forward_pass(equations, inputs)``: evaluate equations given
  in any order, each function once; a cycle raises ValueError.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import sympy

from ..graph import Graph
from . import exercise as ex

__all__ = ["unrolled_rnn", "clip_graph", "forward_pass_function"]


def _graph(answer: Any, name: str, inputs: set[str], nodes: set[str]) -> Graph:
    ex.answered(answer, name)
    if not isinstance(answer, Graph):
        raise AssertionError(f"`{name}` should be a Graph (Graph.from_assignments(...)), "
                             f"got {type(answer).__name__}")
    if set(answer.inputs) != inputs:
        raise AssertionError(f"`{name}` should have the inputs {sorted(inputs)}, "
                             f"got {sorted(answer.inputs)}")
    missing = nodes - set(answer.assigned)
    if missing:
        raise AssertionError(f"`{name}` has no node {sorted(missing)[0]!r} "
                             f"(its nodes: {list(answer.assigned)})")
    return answer


def _forward(g: Graph, values: dict[str, float], name: str) -> dict[str, float]:
    try:
        return g.forward(values)
    except (ValueError, TypeError, ArithmeticError) as err:
        raise AssertionError(f"`{name}.forward({values})` raised {type(err).__name__}: "
                             f"{str(err)[:120]}") from None


def unrolled_rnn(g2: Any, rng: np.random.Generator | int | None = None, cases: int = 4) -> None:
    r"""s_t = tanh(w s_{t−1} + u) for t = 1, 2, 3, unrolled: every s_t at fresh (s0, w, u)."""
    g2 = _graph(g2, "g2", {"s0", "w", "u"}, {"s1", "s2", "s3"})
    r = ex.fresh_rng(rng)
    for _ in range(cases):
        s0, w, u = (float(v) for v in r.uniform(-1.5, 1.5, size=3))
        z = _forward(g2, {"s0": s0, "w": w, "u": u}, "g2")
        s = s0
        for t in (1, 2, 3):
            s = math.tanh(w * s + u)  # the loop itself is the oracle
            ex.agree(z[f"s{t}"], s, f"s{t}", where=f"at s0 = {s0:.3g}, w = {w:.3g}, u = {u:.3g}")
    ex.ok("the unrolled loop: s1, s2, s3 match the loop at fresh inputs")


_NOT_INDICATORS = {
    sympy.Min: "the exercise asks for indicator functions (Heaviside) or Piecewise, "
               "the way a branch is written; Min and Max hide the branch",
    sympy.Max: "the exercise asks for indicator functions (Heaviside) or Piecewise, "
               "the way a branch is written; Min and Max hide the branch",
    sympy.Abs: "the exercise asks for indicator functions (Heaviside) or Piecewise, "
               "not a formula with |·|",
}


def clip_graph(g3: Any, rng: np.random.Generator | int | None = None, cases: int = 3) -> None:
    r"""c = clip(x) = min(max(x, 0), 1), written with Heaviside or Piecewise: the value and the
    slope dc/dx (0, 1, 0 on the three pieces) at fresh points of every piece."""
    g3 = _graph(g3, "g3", {"x"}, {"c"})
    for name in g3.assigned:
        ex.expression(g3.expressions[name], f"the equation of {name!r}", forbidden=_NOT_INDICATORS)
    if not any(g3.expressions[n].has(sympy.Heaviside, sympy.Piecewise) for n in g3.assigned):
        raise AssertionError("`g3` should write the branches with indicator functions "
                             "(Heaviside(...)) or Piecewise(...)")
    from .. import lagrange  # the slope by the course's back substitution

    r = ex.fresh_rng(rng)
    for _ in range(cases):
        for lo, hi, slope in ((-2.0, -0.05, 0.0), (0.05, 0.95, 1.0), (1.05, 3.0, 0.0)):
            x = float(r.uniform(lo, hi))
            z = _forward(g3, {"x": x}, "g3")
            ex.agree(z["c"], min(max(x, 0.0), 1.0), "clip(x)", where=f"at x = {x:.4g}")
            got = lagrange.adjoints(g3, {"x": x}, "c")["x"]
            ex.agree(got, slope, "dc/dx", where=f"at x = {x:.4g}")
    ex.ok("clip with indicator functions: values and slopes on every piece at fresh points")


# -- the forward pass as a mechanism ------------------------------------------------------

# (template, python function): the arguments in the order given
_OPS = [
    ("{0} * {1}", lambda a, b: a * b),
    ("{0} - 2*{1}", lambda a, b: a - 2 * b),
    ("{0} * exp(-{1}**2)", lambda a, b: a * math.exp(-b * b)),
    ("sin({0})", math.sin),
    ("tanh(2*{0})", lambda a: math.tanh(2 * a)),
    ("{0}**2 - {0}", lambda a: a * a - a),
]


class _Counted:
    def __init__(self, fn, label: str):
        self.fn, self.label, self.calls = fn, label, 0

    def __call__(self, *args):
        self.calls += 1
        return self.fn(*args)

    def __repr__(self) -> str:
        return self.label


class _TooSlow(Exception):
    pass


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    r"""Stop an answer that loops forever (e.g. on a cycle); only in the main thread on Unix."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(*_):
        raise _TooSlow(f"did not finish within {seconds:g} s (does it loop forever on a cycle?)")

    old = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _random_system(r: np.random.Generator):
    r"""(equations in shuffled order, inputs, the same computation as a Graph)."""
    names = [f"{c}{k}" for k, c in enumerate(r.permutation(list("abcdeghkmpqrstuv")))]
    n_inputs, n_nodes = int(r.integers(2, 4)), int(r.integers(6, 10))
    names = names[:n_nodes]
    equations, assignments = {}, []
    for position in range(n_inputs, n_nodes):
        template, fn = _OPS[int(r.integers(len(_OPS)))]
        arity = 2 if "{1}" in template else 1
        # mostly the node just before (a deep graph), and any earlier node, in either order
        first = names[position - 1] if r.random() < 0.7 else str(r.choice(names[:position]))
        args = (first, str(r.choice(names[:position])))[:arity]
        if arity == 2 and r.random() < 0.5:
            args = args[::-1]
        name = names[position]
        equations[name] = (_Counted(fn, name), args)
        assignments.append((name, template.format(*args)))
    inputs = {name: float(r.uniform(-1.2, 1.2)) for name in names[:n_inputs]}
    graph = Graph.from_assignments(assignments, inputs=list(inputs))
    order = r.permutation(len(equations))
    keys = list(equations)
    return {keys[i]: equations[keys[i]] for i in order}, inputs, graph


def forward_pass_function(forward_pass: Any, rng: np.random.Generator | int | None = None,
                          cases: int = 4) -> None:
    r"""``forward_pass(equations, inputs)`` with equations {name: (function, argument names)} in
    any order returns every node's value z_i = f_i(z_a(i)), calling each function once, on fresh
    random computations; on a cycle it raises ValueError."""
    r = ex.fresh_rng(rng)
    for _ in range(cases):
        equations, inputs, graph = _random_system(r)
        expected = graph.forward(inputs)  # the oracle: the course's Graph
        with _time_limit(3.0):
            got = ex.call(forward_pass, dict(equations), dict(inputs), name="forward_pass")
        shown = ", ".join(f"{k} = f({', '.join(a)})" for k, (_, a) in equations.items())
        ex.mapping(got, "forward_pass(...)", expected)
        for counted, _ in equations.values():
            if counted.calls != 1:
                raise AssertionError(f"for {shown}: the function of {counted.label} was called "
                                     f"{counted.calls} times; evaluate each equation exactly once")
        for name in expected:
            ex.agree(got[name], expected[name], f"z[{name!r}]", where=f"for {shown}")
    # a cycle: p reads r, q reads p, r reads q; s is fine
    cyclic = {"p": (lambda a: a + 1, ("r",)), "s": (lambda a: 2 * a, ("x",)),
              "q": (lambda a: a * a, ("p",)), "r": (lambda a, b: a - b, ("q", "x"))}
    try:
        with _time_limit(3.0):
            forward_pass(cyclic, {"x": 0.5})
    except ValueError:
        pass
    except _TooSlow as err:
        raise AssertionError(f"forward_pass on the cycle p → q → r → p {err}") from None
    except Exception as err:  # noqa: BLE001 — any other error is the answer's
        raise AssertionError(f"forward_pass on the cycle p → q → r → p should raise ValueError, "
                             f"raised {type(err).__name__}: {str(err)[:100]}") from None
    else:
        raise AssertionError("forward_pass on the cycle p → q → r → p should raise ValueError "
                             "(no order evaluates it), but it returned")
    ex.ok("the forward pass: every node once, in an order that respects a(i); a cycle refused")
