r"""Exercise checks for notebooks/11_memory_and_second_order.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

import math

import numpy as np
import sympy

from course_lib import autodiff, checkpoint, symbolic
from course_lib.graph import Graph

from .exercise import agree, call, counting, forbidding, fresh_rng, ok

__all__ = ["schedule_simulator", "longest_chain_function", "hessian_function"]


def _illegal_schedules(n: int, s: int, rng: np.random.Generator) -> list[tuple[str, list]]:
    r"""Legal schedules for (n, s) broken in one way each, with what breaks them."""
    good = checkpoint.schedule(n, s)
    broken = []
    advance = next(k for k, (a, _) in enumerate(good) if a == "advance")
    broken.append(("a step reversed out of order",
                   [a for a in good if a != ("reverse", n - 1)] + [("reverse", n - 1)]))
    broken.append(("an advance from a state that is not current",
                   good[:advance] + [("advance", good[advance][1] + 1)] + good[advance + 1:]))
    store = next(k for k, (a, i) in enumerate(good) if a == "store" and i > 0)
    broken.append(("a restore of a state never stored",
                   good[:store] + [("restore", good[store][1] + 1)] + good[store:]))
    more = checkpoint.schedule(n, s + 1)
    if max(np.cumsum([(a == "store") - (a == "free") for a, _ in more])) > s:
        broken.append(("more states held than the snapshots allow", more))
    rng.shuffle(broken)
    return broken


def schedule_simulator(simulate, rng=None) -> None:
    r"""``simulate(actions, n, snapshots)`` replays a schedule and returns (advances, peak held);
    it must agree with the optimal count on fresh schedules and raise on illegal ones."""
    r = fresh_rng(rng)
    for _ in range(4):
        n, s = int(r.integers(3, 30)), int(r.integers(2, 6))
        actions = checkpoint.schedule(n, s)
        got = call(simulate, actions, n, s, name="simulate")
        if not (isinstance(got, tuple) and len(got) == 2):
            raise AssertionError(f"simulate should return (advances, peak held), got {got!r}")
        peak = max(np.cumsum([(a == "store") - (a == "free") for a, _ in actions]))
        agree(got[0], checkpoint.min_forward_steps(n, s), f"advances of a schedule for n={n}, s={s}")
        agree(got[1], peak, f"states held at most, n={n}, s={s}")
    n, s = int(r.integers(4, 20)), int(r.integers(2, 4))
    for what, actions in _illegal_schedules(n, s, r):
        try:
            simulate(actions, n, s)
        except Exception:  # noqa: BLE001 — any error is a refusal
            continue
        raise AssertionError(f"simulate accepted a schedule with {what} (n={n}, snapshots={s}); "
                             "it should raise")
    ok("the simulator counts advances and held states, and refuses illegal schedules")


def longest_chain_function(longest_chain, rng=None) -> None:
    r"""``longest_chain(s, r)`` = reach(s, r) = C(s + r, s) by the recurrence reach(s, r) =
    reach(s − 1, r) + reach(s, r − 1), without math.comb or course_lib.checkpoint."""
    r = fresh_rng(rng)
    cases = [(int(r.integers(1, 4)), 0), (1, int(r.integers(1, 9)))] + [
        (int(r.integers(2, 9)), int(r.integers(1, 9))) for _ in range(5)]
    expected = [math.comb(s + k, s) for s, k in cases]
    with forbidding({"math.comb": math.comb, "checkpoint.min_forward_steps":
                     checkpoint.min_forward_steps, "checkpoint.repetition_number":
                     checkpoint.repetition_number}, "use the recurrence", longest_chain):
        for (s, k), e in zip(cases, expected, strict=True):
            agree(call(longest_chain, s, k, name="longest_chain"), e, f"reach({s}, {k})")
    ok("reach(s, r) from the recurrence is the binomial coefficient C(s + r, s)")


def _random_graph(rng: np.random.Generator) -> tuple[Graph, dict]:
    n_in = int(rng.integers(2, 4))
    names = [f"x{j}" for j in range(n_in)]
    forms = ["sin({a})*{b}", "tanh({a} + {b})", "{a}*{b}", "exp({a}/2)", "{a}**2 + {b}"]
    assignments = []
    for k in range(int(rng.integers(2, 6))):
        a, b = rng.choice(names, 2)
        assignments.append((f"z{k}", forms[rng.integers(len(forms))].format(a=a, b=b)))
        names.append(f"z{k}")
    g = Graph.from_assignments(assignments, inputs=[f"x{j}" for j in range(n_in)])
    return g, {x: float(rng.uniform(-1, 1)) for x in g.inputs}


def hessian_function(hessian, rng=None) -> None:
    r"""``hessian(g, values, output)`` = the n_in × n_in Hessian by one ``autodiff.hvp`` per
    input (columns H e_j), exact: checked against sympy.hessian on fresh random graphs."""
    r = fresh_rng(rng)
    for _ in range(3):
        g, point = _random_graph(r)
        output = g.order[-1]
        formula = symbolic.output_expression(g, output)  # z_n in the inputs
        xs = [g.symbols[x] for x in g.inputs]
        exact = np.array(sympy.hessian(formula, xs).subs(
            {g.symbols[x]: v for x, v in point.items()}).evalf(), dtype=float)
        with counting({"autodiff.hvp": autodiff.hvp}, hessian) as calls:
            got = call(hessian, g, point, output, name="hessian")
        agree(got, exact, "the Hessian", rtol=1e-9, atol=1e-10)
        if calls["autodiff.hvp"] != len(g.inputs):
            raise AssertionError(f"expected one autodiff.hvp call per input ({len(g.inputs)}), "
                                 f"your function made {calls['autodiff.hvp']}")
    ok("the Hessian, one Hessian–vector product per column, exact")
