r"""Exercise checks for notebooks/03_lagrange_matrix.ipynb (built on :mod:`.exercise`).

- :func:`rows_of_A`: two rows of A = Jᵀ − I written by hand, any equivalent form;
- :func:`adjoints_by_rows`: the student's own back substitution over the rows of A,
  walked on the graph, against ``lagrange.adjoints`` on fresh random graphs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.sparse.linalg
import sympy

from .. import autodiff, lagrange, symbolic
from ..graph import Graph
from ..substitution import backslash, forward_substitute
from . import exercise
from .exercise import answered, array, call, forbidding, fresh_rng, mapping, ok, same_expression

__all__ = ["EXERCISE_ASSIGNMENTS", "rows_of_A", "adjoints_by_rows",
           "random_graph"]

# -- Exercise 1 ---------------------------------------------------------------------------

#: The graph of Exercise 1: z2 and z3 each have two users.
EXERCISE_ASSIGNMENTS = [("z3", "z1*z2"), ("z4", "sigmoid(z3)"), ("z5", "z2*z4"),
                        ("z6", "z3*z5")]
_EXERCISE_INPUTS = ["z1", "z2"]


def rows_of_A(row_z2: dict, row_z3: dict, rng=None) -> None:
    r"""Rows z2 and z3 of A = Jᵀ − I for ``EXERCISE_ASSIGNMENTS``, nonzeros only.

        A[i, i] = −1,   A[i, k] = ∂f_k/∂z_i  for each user k ∈ b(i).

    Keys are column names; entries are sympy expressions in z1 … z6, any equivalent form
    (the node definitions are substituted before comparing, so z4(1 − z4) = σ′(z3) passes).
    """
    g = Graph.from_assignments(EXERCISE_ASSIGNMENTS, _EXERCISE_INPUTS)
    A, _ = lagrange.lagrange_matrix(g, None, "z6")
    symbols = [g.symbols[name] for name in g.order]
    definitions = {g.symbols[k]: e for k, e in g.expressions.items()}
    r = fresh_rng(rng)
    for name, row in (("z2", row_z2), ("z3", row_z3)):
        what = f"row_{name}"
        answered(row, what)
        if not isinstance(row, dict):
            raise AssertionError(f"{what} should be a dict {{column name: entry}}, "
                                 f"got {type(row).__name__}")
        row = {str(key): value for key, value in row.items()}
        i = g.index(name)
        columns = [k for k in g.order if A[i, g.index(k)] != 0]
        missing = [k for k in columns if k not in row]
        extra = [k for k in row if k not in columns and not (k in g.order and _is_zero(row[k]))]
        if missing or extra:
            raise AssertionError(
                f"{what}: the nonzero columns are the diagonal and the users b({name}); "
                + (f"missing {missing}" if missing else "")
                + ("; " if missing and extra else "")
                + (f"{extra} should not be there (zero in this row)" if extra else ""))
        for k in columns:
            _same_entry(row[k], A[i, g.index(k)], f"{what}[{k!r}]", symbols, definitions, r)
    ok("rows z2 and z3 of A: every nonzero entry, in any equivalent form")


def _is_zero(value) -> bool:
    r"""An explicit zero entry (a full row written out): 0, 0.0 or a sympy expression equal to 0."""
    try:
        return sympy.simplify(sympy.sympify(value)) == 0
    except (sympy.SympifyError, TypeError, ValueError, AttributeError):
        return False


def _same_entry(got, expected, what: str, symbols, definitions, r: np.random.Generator) -> None:
    r"""``same_expression``, but a wrong entry is reported by its value at a fresh point, not by
    the expected formula (typing that formula in would then pass: the graph is fixed)."""
    try:
        same_expression(got, expected, what, allowed=symbols, definitions=definitions, rng=r)
    except AssertionError as err:
        if " differs: at " not in str(err):
            raise
        expand = {s: e for s, e in definitions.items()}
        g_expr, e_expr = sympy.sympify(got), sympy.sympify(expected)
        for _ in range(len(expand) + 1):
            g_expr, e_expr = g_expr.subs(expand), e_expr.subs(expand)
        inputs = sorted(g_expr.free_symbols | e_expr.free_symbols, key=str)
        for _ in range(20):  # a point where they differ (same_expression found one)
            point = {s: round(float(r.uniform(0.3, 1.7)), 3) for s in inputs}
            gv, ev = float(g_expr.evalf(subs=point)), float(e_expr.evalf(subs=point))
            if not np.isclose(gv, ev, rtol=1e-9, atol=1e-12):
                break
        at = ", ".join(f"{s} = {v}" for s, v in point.items())
        sign = " (the sign?)" if np.isclose(gv, -ev, rtol=1e-9, atol=1e-12) else ""
        raise AssertionError(f"{what} = {exercise._short(got, 50)} is not the entry: at {at} it "
                             f"is {gv:.4g}, the entry is {ev:.4g}{sign}") from None


# -- Exercise 2 ---------------------------------------------------------------------------

_UNARY = ["tanh({})", "sin({})", "sigmoid({})", "tanh({})**2", "exp(tanh({}))",
          "log(1 + ({})**2)"]  # bounded or slowly growing: values and partials stay tame


def random_graph(r: np.random.Generator, nodes: int | None = None
                 ) -> tuple[Graph, str, dict[str, float]]:
    r"""A random DAG of smooth expressions (``nodes`` of them if given, else 4 to 11), an output
    (sometimes not the last node, so some nodes do not reach it), input values in [−1.5, 1.5]."""
    n_inputs, n_assigned = int(r.integers(1, 4)), int(r.integers(3, 9))
    if nodes is not None:
        n_assigned = nodes - n_inputs
    names = [f"z{i + 1}" for i in range(n_inputs)]
    assignments = []
    for j in range(n_assigned):
        how_many = min(len(names), int(r.integers(1, 4)))
        recent = names[-4:] if r.random() < 0.7 and len(names) >= how_many + 1 else names
        args = [recent[int(i)] for i in r.choice(len(recent), size=min(how_many, len(recent)),
                                                 replace=False)]
        if len(args) == 1:
            combined = args[0]
        elif len(args) == 2:
            combined = f"{args[0]}*{args[1]}" if r.random() < 0.5 else f"{args[0]} - {args[1]}"
        else:
            combined = f"{args[0]}*{args[1]} + {args[2]}"
        name = f"z{n_inputs + j + 1}"
        assignments.append((name, _UNARY[int(r.integers(len(_UNARY)))].format(combined)))
        names.append(name)
    g = Graph.from_assignments(assignments, names[:n_inputs])
    output = g.order[-1] if r.random() < 0.5 else g.order[-2]
    values = {x: float(r.uniform(-1.5, 1.5)) for x in g.inputs}
    return g, output, values


_SOLVERS = {
    "backslash": backslash, "forward_substitute": forward_substitute,
    "numpy.linalg.solve": np.linalg.solve, "numpy.linalg.inv": np.linalg.inv,
    "numpy.linalg.pinv": np.linalg.pinv, "numpy.linalg.lstsq": np.linalg.lstsq,
    "scipy.linalg.solve": scipy.linalg.solve, "scipy.linalg.inv": scipy.linalg.inv,
    "scipy.linalg.pinv": scipy.linalg.pinv, "scipy.linalg.lu_factor": scipy.linalg.lu_factor,
    "scipy.linalg.solve_triangular": scipy.linalg.solve_triangular,
    "scipy.sparse.linalg.spsolve": scipy.sparse.linalg.spsolve,
    "scipy.sparse.linalg.spsolve_triangular": scipy.sparse.linalg.spsolve_triangular,
    "lagrange.adjoints": lagrange.adjoints, "lagrange.sparse_adjoints": lagrange.sparse_adjoints,
    # "without building A": the matrices themselves are off limits too
    "lagrange.lagrange_matrix": lagrange.lagrange_matrix,
    "lagrange.jacobian_matrix": lagrange.jacobian_matrix,
    "autodiff.vjp": autodiff.vjp, "autodiff.jvp": autodiff.jvp,
    "autodiff.jacobian": autodiff.jacobian, "autodiff.jacobian_with_cost": autodiff.jacobian_with_cost,
    "symbolic.solve_adjoints": symbolic.solve_adjoints,
}


def adjoints_by_rows(backprop: Callable, rng=None, graphs: int = 3) -> None:
    r"""The student's back substitution on fresh random graphs against ``lagrange.adjoints``:

        λ_i = [i = output] + Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i,   i = n, n − 1, …, 1,

    every node's λ compared; no solver (backslash, numpy/scipy solves or inverses,
    lagrange.adjoints, autodiff) and no ready-made matrix (lagrange.lagrange_matrix,
    lagrange.jacobian_matrix) may be called inside ``backprop``: it walks the graph.
    """
    r = fresh_rng(rng)
    # the last graph has 12 nodes: z10 < z2 as strings, so a visit in name order fails
    cases = [random_graph(r) for _ in range(graphs - 1)] + [random_graph(r, nodes=12)]
    if all(out == g.order[-1] for g, out, _ in cases):  # one output that is not the last node
        g, _, values = cases[-1]
        cases[-1] = (g, g.order[-2], values)
    for g, output, values in cases:
        expected = lagrange.adjoints(g, values, output)  # the oracle, outside the forbidding
        with forbidding(_SOLVERS, "write the back substitution yourself", backprop):
            got = call(backprop, g, values, output, name="backprop")
        got = mapping(got, "backprop(g, values, output)", g.order)
        lam = array([got[name] for name in g.order], "the λ's of backprop (one number per node)",
                    (len(g),))
        want = np.array([expected[name] for name in g.order]) + 0.0  # no "-0" in messages
        bad = ~np.isclose(lam, want, rtol=1e-9, atol=1e-12)
        if bad.any():
            k = int(np.argmax(bad))
            hint = " (every λ has the wrong sign)" if np.allclose(lam, -want) else ""
            raise AssertionError(f"λ_{g.order[k]} on {g!r} with output {output}: expected "
                                 f"{want[k]:.6g}, got {lam[k]:.6g} ({int(bad.sum())} of {len(g)} "
                                 f"nodes off{hint})")
    ok("your back substitution agrees with lagrange.adjoints on fresh random graphs")
