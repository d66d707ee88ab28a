r"""Value comparisons for the lessons' cells and the exercises' checks.

Each check prints exactly one line starting with ``ok`` when the answer is right,
and otherwise raises an ``AssertionError`` that shows what was expected and what
was got, so a student sees at once how far off the answer is.

- ``close(got, expected)``: numbers or arrays, |got − expected| ≤ atol + rtol·|expected|;
- ``sym_equal(got, expected)``: sympy expressions, got − expected rewrites to 0
  (expand, then cancel, then simplify);
- ``equal(got, expected)``: exact equality (names, tuples, sets, integers);
- ``grad_matches(f, x, grad)``: grad ≈ the central difference (f(x+h e_j) − f(x−h e_j)) / 2h.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import sympy

__all__ = ["close", "sym_equal", "equal", "grad_matches", "central_difference"]


def _label(what: str) -> str:
    return f" {what}" if what else ""


def _unanswered(got) -> None:
    if got is None or got is Ellipsis:
        raise AssertionError("no answer yet: the exercise cell left the value as "
                             f"{got!r}; fill in the solution and run the cell again")


def close(got, expected, rtol: float = 1e-7, atol: float = 1e-9, what: str = "") -> None:
    r"""Check |got − expected| ≤ atol + rtol·|expected| elementwise (dicts compared per key)."""
    _unanswered(got)
    if isinstance(expected, Mapping):
        if not isinstance(got, Mapping) or set(got) != set(expected):
            raise AssertionError(f"expected{_label(what)} a dict with keys {sorted(expected)}, "
                                 f"got {got!r}")
        for key in expected:
            _close_values(got[key], expected[key], rtol, atol, f"{what}[{key!r}]")
    elif _is_ragged(expected):  # e.g. a list of per-layer gradients of different shapes
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            raise AssertionError(f"expected{_label(what)} a list of {len(expected)} arrays, "
                                 f"got {got!r}")
        for k, (g, e) in enumerate(zip(got, expected)):
            _close_values(g, e, rtol, atol, f"{what}[{k}]")
    else:
        _close_values(got, expected, rtol, atol, what)
    print(f"ok{_label(what)}: matches to rtol={rtol:g}")


def _is_ragged(expected) -> bool:
    if not isinstance(expected, (list, tuple)) or not expected:
        return False
    return len({np.shape(e) for e in expected}) > 1


def _close_values(got, expected, rtol, atol, what) -> None:
    try:
        g = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"expected{_label(what)} a number or array, got {got!r}") from None
    e = np.asarray(expected, dtype=float)
    if g.shape != e.shape:
        raise AssertionError(f"expected{_label(what)} shape {e.shape}, got shape {g.shape}")
    if not np.allclose(g, e, rtol=rtol, atol=atol):
        raise AssertionError(f"{what or 'value'} is off:\n  expected {np.round(e, 10)}\n"
                             f"  got      {np.round(g, 10)}")


def sym_equal(got, expected, what: str = "") -> None:
    r"""Check that two sympy expressions are equal: simplify(got − expected) == 0."""
    _unanswered(got)
    try:
        difference = sympy.sympify(got) - sympy.sympify(expected)
    except (sympy.SympifyError, TypeError):
        raise AssertionError(f"expected{_label(what)} a sympy expression, got {got!r}") from None
    # cheap rewrites first; exactly 0 after any of them is a proof of equality
    for rewrite in (sympy.expand, sympy.cancel, sympy.simplify):
        difference = rewrite(difference)
        if difference == 0:
            break
    if difference != 0:
        raise AssertionError(f"{what or 'expression'} differs:\n  expected {expected}\n"
                             f"  got      {got}\n  difference simplifies to {difference}")
    shown = str(expected)
    print(f"ok{_label(what)}: equal to {shown if len(shown) <= 60 else shown[:57] + '...'}")


def equal(got, expected, what: str = "") -> None:
    r"""Check got == expected exactly (for names, orders, sets and integers)."""
    _unanswered(got)
    if got != expected:
        raise AssertionError(f"{what or 'value'} differs:\n  expected {expected!r}\n"
                             f"  got      {got!r}")
    print(f"ok{_label(what)}: {expected!r}")


def central_difference(f: Callable[[np.ndarray], float], x, h: float = 1e-6) -> np.ndarray:
    r"""∂f/∂x_j ≈ (f(x + h e_j) − f(x − h e_j)) / 2h for every entry x_j (error O(h²))."""
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        step = h * max(1.0, abs(x[j]))
        up, down = x.copy(), x.copy()
        up[j] += step
        down[j] -= step
        grad[j] = (float(f(up)) - float(f(down))) / (2 * step)
    return grad


def grad_matches(f: Callable[[np.ndarray], float], x, grad, rtol: float = 1e-5,
                 atol: float = 1e-7, what: str = "gradient") -> None:
    r"""Check a gradient against central differences of f at x."""
    _unanswered(grad)
    close(grad, central_difference(f, x), rtol=rtol, atol=atol, what=what)
