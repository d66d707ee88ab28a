r"""Exercise checks for notebooks/05_reverse_mode_and_vjp.ipynb (built on :mod:`.exercise`).

Every check builds fresh random graphs, calls the student's function or class on them, and
compares every entry with an oracle computed outside the forbidding block by another route
(``autodiff.jacobian``, ``lagrange.adjoints``, or a hand-written numpy recursion).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg
import sympy

from course_lib import autodiff, lagrange
from course_lib.graph import Graph
from course_lib.substitution import backslash, forward_substitute

from .exercise import agree, answered, call, counting, forbidding, fresh_rng, ok

__all__ = ["cheaper_jacobian", "tape", "weight_copies"]

_SOLVERS = {"np.linalg.solve": np.linalg.solve, "np.linalg.inv": np.linalg.inv,
            "np.linalg.lstsq": np.linalg.lstsq, "scipy.linalg.solve": scipy.linalg.solve,
            "scipy.linalg.inv": scipy.linalg.inv,
            "scipy.linalg.solve_triangular": scipy.linalg.solve_triangular}
_AUTODIFF = {f"autodiff.{name}": getattr(autodiff, name) for name in autodiff.__all__}
_SHORTCUTS = {**_AUTODIFF, "lagrange.adjoints": lagrange.adjoints, **_SOLVERS}


# -- Exercise: a Jacobian in the cheaper mode ---------------------------------------------


def random_map(rng: np.random.Generator, n_in: int, n_out: int) -> Graph:
    r"""A random graph with inputs x1…x_{n_in}, two hidden nodes and outputs y1…y_{n_out}
    (a later output may read an earlier one, so outputs are not only leaves)."""
    xs = [f"x{i + 1}" for i in range(n_in)]
    a, b = rng.choice(xs, size=2)  # small integer coefficients keep sympy's partials quick
    mix = " + ".join(f"{int(rng.choice([-3, -2, -1, 1, 2, 3]))}*{x}" for x in xs)
    assignments = [("h1", f"tanh({mix})"), ("h2", f"{a}*{b} + sin({b})")]
    for o in range(n_out):
        c1, c2 = (int(c) for c in rng.choice([-3, -2, -1, 1, 2, 3], size=2))
        extra = f" + tanh(y{o})/2" if o > 0 and rng.random() < 0.5 else ""
        assignments.append((f"y{o + 1}", f"{c1}*h1 + {c2}*h2{extra}"))
    return Graph.from_assignments(assignments, inputs=xs)


def cheaper_jacobian(answer: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``answer(graph, values, inputs, outputs)`` returns ∂y/∂x (shape n_out × n_in) with
    the fewer triangular solves: n_out back substitutions (I − Jᵀ)λ = e_o if n_out ≤ n_in,
    else n_in forward substitutions (I − J)t = e_j; ``autodiff`` and dense solvers forbidden.
    Tried on fresh random graphs of both shapes; compared entry by entry with autodiff.jacobian.
    """
    r = fresh_rng(rng)
    shapes = [(int(r.integers(4, 7)), int(r.integers(1, 3))), (int(r.integers(1, 3)), int(r.integers(4, 7))),
              (int(r.integers(3, 6)), int(r.integers(2, 3))), (int(r.integers(2, 3)), int(r.integers(3, 6)))]
    for n_in, n_out in shapes:
        g = random_map(r, n_in, n_out)
        values = {x: float(r.uniform(-1, 1)) for x in g.inputs}
        inputs, outputs = list(g.inputs), [f"y{o + 1}" for o in range(n_out)]
        expected = autodiff.jacobian(g, values, inputs, outputs, mode="forward")
        spied = {"backslash": backslash, "forward_substitute": forward_substitute}
        with counting(spied, answer) as calls, forbidding(
                _SHORTCUTS, "build ∂y/∂x from your own triangular solves", answer):
            got = call(answer, g, dict(values), list(inputs), list(outputs), name="jacobian_cheaply")
        where = f"for a graph with n_in = {n_in} inputs and n_out = {n_out} outputs"
        agree(got, expected, "∂y/∂x", where=where, rtol=1e-7)
        back, fwd = calls["backslash"], calls["forward_substitute"]
        wants = {(n_out, 0)} if n_out < n_in else {(0, n_in)} if n_in < n_out else {(n_in, 0), (0, n_in)}
        if (back, fwd) not in wants:
            raise AssertionError(
                f"{where} the cheaper mode needs {min(n_in, n_out)} solve{'s' * (min(n_in, n_out) > 1)} "
                f"({'one back substitution per output' if n_out < n_in else 'one forward substitution per input'}); "
                f"your function ran {back} back and {fwd} forward substitutions")
    ok("∂y/∂x in the cheaper mode, on fresh graphs of both shapes")


# -- Exercise: a tape whose backward is the back substitution ------------------------------


def random_program(rng: np.random.Generator, n_inputs: int, n_ops: int) -> list[tuple]:
    r"""Random straight-line code: (name, kind, arguments, constant) with kinds add, mul,
    tanh, exp, addc (constant + node), mulc (node · constant). Nodes are reused (a node has
    several users), and unread nodes are summed at the end, so one output reads them all."""
    value = {f"x{i + 1}": float(rng.uniform(-1, 1)) for i in range(n_inputs)}
    program = [(name, "input", (), v) for name, v in value.items()]
    unread, k = list(value), 0

    def emit(kind, args, const=0.0):
        nonlocal k
        k += 1
        a = [value[x] for x in args]
        v = {"add": lambda: a[0] + a[1], "mul": lambda: a[0] * a[1], "tanh": lambda: math.tanh(a[0]),
             "exp": lambda: math.exp(a[0]), "addc": lambda: const + a[0],
             "mulc": lambda: const * a[0]}[kind]()
        name = f"v{k}"
        value[name] = v
        program.append((name, kind, tuple(args), const))
        for x in args:
            if x in unread:
                unread.remove(x)
        unread.append(name)

    for step in range(n_ops):
        names = list(value)
        kind = ["addc", "mulc"][step] if step < 2 else str(rng.choice(
            ["add", "mul", "tanh", "exp", "addc", "mulc", "mul"]))
        first = str(rng.choice(unread if rng.random() < 0.5 else names))
        second = str(rng.choice(names))
        if kind == "exp" and abs(value[first]) > 2 or kind == "mul" and abs(value[first] * value[second]) > 10:
            kind = "tanh"
        const = round(float(rng.uniform(-2, 2)), 3)
        emit(kind, (first, second) if kind in ("add", "mul") else (first,), const)
    while len(unread) > 1:
        emit("add", (unread[0], unread[1]))
    return program


def diamond_program(depth: int) -> list[tuple]:
    r"""x → t_k = tanh(z_k), z_{k+1} = t_k + z_k: 2^depth paths from x to the output."""
    program = [("x1", "input", (), 0.3)]
    last = "x1"
    for k in range(depth):
        program += [(f"t{k}", "tanh", (last,), 0.0), (f"z{k}", "add", (f"t{k}", last), 0.0)]
        last = f"z{k}"
    return program


def _run_program(Value: Any, program: list[tuple], flip: bool) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    seen = {"addc": 0, "mulc": 0}
    for name, kind, args, const in program:
        if kind in seen:  # the constant on the left in every other such operation
            left = (seen[kind] % 2 == 0) != flip
            seen[kind] += 1
        a = [nodes[x] for x in args]
        if kind == "input":
            nodes[name] = Value(const)
        elif kind == "add":
            nodes[name] = a[0] + a[1]
        elif kind == "mul":
            nodes[name] = a[0] * a[1]
        elif kind == "tanh":
            nodes[name] = a[0].tanh()
        elif kind == "exp":
            nodes[name] = a[0].exp()
        elif kind == "addc":
            nodes[name] = const + a[0] if left else a[0] + const
        else:
            nodes[name] = const * a[0] if left else a[0] * const
    return nodes


def program_graph(program: list[tuple]) -> tuple[Graph, dict[str, float]]:
    r"""The same program as a course Graph, and its input values."""
    form = {"add": "{0} + {1}", "mul": "{0}*{1}", "tanh": "tanh({0})", "exp": "exp({0})",
            "addc": "({c}) + {0}", "mulc": "({c})*{0}"}
    assignments = [(name, form[kind].format(*args, c=const)) for name, kind, args, const in program
                   if kind != "input"]
    inputs = {name: const for name, kind, _, const in program if kind == "input"}
    return Graph.from_assignments(assignments, inputs=list(inputs)), inputs


class _TooManyCalls(AssertionError):
    pass


def _limited_calls(fn: Callable[[], Any], limit: int) -> Any:
    r"""Run fn() and stop it once it has made more than ``limit`` Python function calls."""
    made = [0]

    def profile(frame, event, arg):
        if event == "call":
            made[0] += 1
            if made[0] > limit:
                raise _TooManyCalls()

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        return fn()
    finally:
        try:
            sys.setprofile(previous)
        except TypeError:  # a C-level profiler (cProfile) cannot be put back from Python
            sys.setprofile(None)


def _backward(Value: Any, program: list[tuple], flip: bool, limit: int | None = None) -> dict:
    def run():
        nodes = _run_program(Value, program, flip)
        nodes[program[-1][0]].backward()
        return nodes

    with forbidding({**_SHORTCUTS, "backslash": backslash, "forward_substitute": forward_substitute,
                     "lagrange.jacobian_matrix": lagrange.jacobian_matrix},
                    "write backward yourself, one update per node", Value.backward):
        if limit is None:
            return call(run, name="your Value program")
        return _limited_calls(run, limit)


def tape(Value: Any, rng: np.random.Generator | int | None = None) -> None:
    r"""``Value`` records each operation (+, *, tanh, exp; a plain number on either side of +
    and *) with its parents and local partials; ``out.backward()`` sets every node's ``.grad``
    to λ_i = Σ_{k∈b(i)} λ_k ∂f_k/∂z_i (λ_out = 1), visiting each node once, users first.
    Tried on fresh random expression graphs with shared nodes; every node's ``.data`` and
    ``.grad`` compared with Graph.forward and lagrange.adjoints; course solvers forbidden.
    """
    r = fresh_rng(rng)
    answered(Value, "Value")
    if not isinstance(Value, type) or not callable(getattr(Value, "backward", None)):
        raise AssertionError(f"`Value` should be a class with a backward method, got {Value!r}")
    for case in range(3):
        program = random_program(r, int(r.integers(2, 4)), int(r.integers(6, 10)))
        g, inputs = program_graph(program)
        z, lam = g.forward(inputs), lagrange.adjoints(g, inputs, program[-1][0])
        nodes = _backward(Value, program, flip=bool(case % 2))
        for field, expected in (("data", z), ("grad", lam)):
            for name, *_ in program:
                got = getattr(nodes[name], field, None)
                if isinstance(got, bool) or not isinstance(got, (int, float, np.floating, np.integer)):
                    raise AssertionError(f"every Value needs a number `.{field}`; node {name} has "
                                         f"{field} = {got!r}")
                if not math.isclose(got, expected[name], rel_tol=1e-9, abs_tol=1e-12):
                    what = g.expressions.get(name, "an input")
                    users = ", ".join(f"{k} = {g.expressions[k]}" for k in g.users(name)) or "none"
                    raise AssertionError(f".{field} of node {name} ({what}; its users: {users}): "
                                         f"expected {expected[name]:.6g}, got {float(got):.6g}")
    program = diamond_program(24)
    limit = 200 * len(program) + 2000
    try:
        nodes = _backward(Value, program, flip=False, limit=limit)
    except _TooManyCalls:
        raise AssertionError(
            f"backward made over {limit} Python calls on a graph of {len(program)} nodes with 2^24 "
            "paths: it follows every path; visit each node once, in reverse topological order"
        ) from None
    slope = 1.0  # dz_k/dz_{k−1} = 1 + (1 − tanh² z_{k−1}), multiplied along the chain
    for k in range(24):
        slope *= 2 - nodes[f"t{k}"].data ** 2 if hasattr(nodes[f"t{k}"], "data") else 0.0
    agree(getattr(nodes["x1"], "grad", None), slope, ".grad of the input of a deep diamond chain",
          rtol=1e-9)
    ok("Value.backward = back substitution, on fresh random graphs")


# -- Exercise: copies of a shared weight ---------------------------------------------------


def _bptt(xs: list[float], s0: float, w: float, u: float) -> dict[str, np.ndarray]:
    r"""s_t = tanh(w s_{t−1} + u x_t), ℓ = ½(s_T − 0.2)², differentiated by hand (numpy)."""
    h = [s0]
    for x in xs:
        h.append(math.tanh(w * h[-1] + u * x))
    lam_h = [0.0] * (len(xs) + 1)
    lam_h[-1] = h[-1] - 0.2
    for t in range(len(xs), 0, -1):
        lam_h[t - 1] = lam_h[t] * (1 - h[t] ** 2) * w
    slope = [lam_h[t] * (1 - h[t] ** 2) for t in range(1, len(xs) + 1)]
    return {"loss": np.array(0.5 * (h[-1] - 0.2) ** 2),
            "copies": np.array([s * h[t] for t, s in enumerate(slope)]),
            "u": np.array(sum(s * x for s, x in zip(slope, xs, strict=True)))}


def weight_copies(answer: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``answer(xs)`` returns a Graph with inputs s0, w, u, copy nodes w_t = w and steps
    s_t = tanh(w_t s_{t−1} + u x_t) (nodes s1 … sT), loss l = ½(s_T − 0.2)². Tried on fresh sequences xs;
    λ_{w_t} = λ_{s_t}(1 − s_t²) s_{t−1} checked for every copy t, and λ_w = Σ_t λ_{w_t}.
    """
    r = fresh_rng(rng)
    for _ in range(3):
        T = int(r.integers(2, 5))
        xs = [round(float(v), 3) for v in r.uniform(-1.5, 1.5, size=T)]
        g = call(answer, list(xs), name="copied_rnn")
        if not isinstance(g, Graph):
            raise AssertionError(f"copied_rnn(xs) should return a Graph, got {type(g).__name__}")
        copies = [f"w{t}" for t in range(1, T + 1)]
        if set(g.inputs) != {"s0", "w", "u"}:
            raise AssertionError(f"the graph's inputs should be s0, w, u; got {', '.join(g.inputs)}")
        missing = [name for name in [*copies, *(f"s{t}" for t in range(1, T + 1)), "l"]
                   if name not in g.expressions]
        if missing:
            raise AssertionError(f"for a sequence of length {T} the graph lacks the nodes {missing}")
        not_copies = [c for c in copies if sympy.simplify(g.expressions[c] - g.symbols["w"]) != 0]
        if not_copies:
            raise AssertionError(f"a copy node is assigned w itself; {not_copies[0]} = "
                                 f"{g.expressions[not_copies[0]]}")
        point = {"s0": float(r.uniform(-0.5, 0.5)), "w": float(r.uniform(0.3, 1.2)),
                 "u": float(r.uniform(0.5, 1.5))}
        want = _bptt(xs, point["s0"], point["w"], point["u"])
        where = f"for xs = {xs}"
        agree(g.forward(point)["l"], want["loss"], "the loss l", where=where, rtol=1e-9)
        lam = lagrange.adjoints(g, point, "l")
        for t, c in enumerate(copies):  # every copy, not only their sum
            agree(lam[c], want["copies"][t], f"λ_{c}, the adjoint of copy {t + 1} of {T},", where=where,
                  rtol=1e-8)
        agree(lam["w"], want["copies"].sum(), "λ_w", where=where, rtol=1e-8)
        agree(lam["u"], want["u"], "λ_u", where=where, rtol=1e-8)
    ok("every copy's adjoint is its step's term, and λ_w is their sum, on fresh sequences")
