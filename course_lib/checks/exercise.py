r"""What every exercise check is made of: fresh inputs, the student's answer called safely,
entry-by-entry comparison, spies that verify the method, and one-line messages.

An exercise check judges the answer, not the notebook's printed numbers:

- the answer is a function or an expression, and the check evaluates it at inputs drawn
  afresh on every run (:func:`fresh_rng`), so typing in a number the notebook or a failing
  check printed does not pass the next run;
- every entry is compared (:func:`agree`), never a sum or a norm;
- where the prompt names a method ("one back substitution", "no finite differences"),
  :func:`counting` and :func:`forbidding` wrap the solvers the answer may or may not call;
- a name left from an earlier run cannot pass: the answer cell resets its names to
  ``None`` before the solution, so an answer cell that raises leaves ``None`` behind, and
  :func:`answered` fails on it ("no answer yet");
- a wrong type, shape or symbol is reported in one line (:func:`array`, :func:`expression`),
  never as a traceback from inside numpy or sympy.

Failures raise :class:`AssertionError` (nbgrader's autograder counts them as a lost point);
success prints one ``ok`` line (:func:`ok`) that holds no number the answer could copy.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import sympy

__all__ = ["answered", "fresh_rng", "call", "array", "mapping", "agree", "ok", "expression",
           "same_expression", "counting", "forbidding", "Calls"]

_UNANSWERED = (None, Ellipsis, NotImplemented)


def answered(value: Any, name: str) -> Any:
    r"""Fail with "no answer yet" if the exercise left ``name`` as None (or ``...``)."""
    if any(value is u for u in _UNANSWERED):
        raise AssertionError(f"no answer yet: `{name}` is {value!r}. Write your answer in the "
                             "exercise cell and run it; if that cell raised, fix the error first.")
    return value


def fresh_rng(rng: np.random.Generator | int | None = None) -> np.random.Generator:
    r"""Inputs no notebook printed: a generator seeded from the operating system (or ``rng``)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


def _short(value: Any, limit: int = 70) -> str:
    if isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, suppress_small=True, max_line_width=10**6,
                               threshold=12)
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call(fn: Any, *args: Any, name: str, **kwargs: Any) -> Any:
    r"""Call the student's function ``name`` and turn any error it raises into one line."""
    answered(fn, name)
    if not callable(fn):
        raise AssertionError(f"`{name}` should be a function (def {name}(...): ...), "
                             f"got {type(fn).__name__} {_short(fn)}")
    try:
        return fn(*args, **kwargs)
    except _Forbidden:
        raise
    except Exception as err:  # noqa: BLE001 — any error of the answer is the answer's
        shown = ", ".join([_short(a, 30) for a in args]
                          + [f"{k}={_short(v, 30)}" for k, v in kwargs.items()])
        raise AssertionError(f"`{name}({shown})` raised {type(err).__name__}: "
                             f"{_short(str(err), 160)}") from None


def array(got: Any, what: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    r"""``got`` as a float array of the given shape, or a one-line AssertionError saying why not."""
    answered(got, what)
    if isinstance(got, (str, bytes, Mapping, set)) or isinstance(got, sympy.Basic) and not got.is_number:
        raise AssertionError(f"{what} should be a number or an array of numbers, "
                             f"got {type(got).__name__} {_short(got)}")
    try:
        a = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise AssertionError(f"{what} should be a number or an array of numbers, "
                             f"got {type(got).__name__} {_short(got)}") from None
    if shape is not None and a.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, got shape {a.shape}"
                             + (" (transposed?)" if a.shape == tuple(shape)[::-1] else ""))
    if not np.all(np.isfinite(a)):
        raise AssertionError(f"{what} holds nan or inf: {_short(a)}")
    return a


def mapping(got: Any, what: str, keys: Iterable[Any]) -> Mapping:
    r"""``got`` as a dict with exactly ``keys``, or a one-line AssertionError."""
    answered(got, what)
    keys = list(keys)
    if not isinstance(got, Mapping):
        raise AssertionError(f"{what} should be a dict with keys {sorted(map(str, keys))}, "
                             f"got {type(got).__name__} {_short(got)}")
    missing = [k for k in keys if k not in got]
    extra = [k for k in got if k not in keys]
    if missing or extra:
        raise AssertionError(f"{what} should have keys {sorted(map(str, keys))}; "
                             + (f"missing {sorted(map(str, missing))}" if missing else "")
                             + ("; " if missing and extra else "")
                             + (f"unexpected {sorted(map(str, extra))}" if extra else ""))
    return got


def agree(got: Any, expected: Any, what: str, *, where: str = "", rtol: float = 1e-8,
          atol: float = 1e-10) -> None:
    r"""Every entry: |got − expected| ≤ atol + rtol·|expected|; else say which entry is off."""
    e = np.asarray(expected, dtype=float)
    g = array(got, what, e.shape)
    bad = ~np.isclose(g, e, rtol=rtol, atol=atol)
    if bad.any():
        at = f" {where}" if where else ""
        if e.ndim == 0:
            raise AssertionError(f"{what}{at}: expected {float(e):.6g}, got {float(g):.6g}")
        k = tuple(int(i) for i in np.argwhere(bad)[0])
        hint = ""
        if np.allclose(g, -e, rtol=rtol, atol=atol):
            hint = " (every entry has the wrong sign)"
        elif e.ndim == 2 and e.shape[0] == e.shape[1] and np.allclose(g, e.T, rtol=rtol, atol=atol):
            hint = " (it is the transpose)"
        raise AssertionError(f"{what}{at}: {int(bad.sum())} of {e.size} entries are off{hint}; "
                             f"entry {list(k)}: expected {e[k]:.6g}, got {g[k]:.6g}")


def ok(what: str) -> None:
    r"""The one line a passing check prints."""
    print(f"ok {what}")


# -- sympy answers ----------------------------------------------------------------------


def expression(got: Any, what: str, allowed: Iterable[sympy.Symbol] | None = None,
               forbidden: Mapping[Any, str] | None = None) -> sympy.Expr:
    r"""``got`` as a sympy expression in the ``allowed`` symbols, without ``forbidden`` functions.

    ``forbidden`` maps a sympy class (e.g. ``sympy.Max``) to the reason it is not accepted.
    """
    answered(got, what)
    if isinstance(got, str):
        raise AssertionError(f"{what} should be a sympy expression, got the string {got!r} "
                             "(build it from sympy symbols, or use sympy.sympify)")
    try:
        expr = sympy.sympify(got)
    except (sympy.SympifyError, TypeError, ValueError):
        raise AssertionError(f"{what} should be a sympy expression, "
                             f"got {type(got).__name__} {_short(got)}") from None
    if not isinstance(expr, sympy.Expr):
        raise AssertionError(f"{what} should be one sympy expression, got {type(expr).__name__} "
                             f"{_short(expr)}")
    if allowed is not None:
        allowed = set(allowed)
        extra = expr.free_symbols - allowed
        if extra:
            raise AssertionError(f"{what} uses {sorted(map(str, extra))}, which the exercise does "
                                 f"not define; write it in {sorted(map(str, allowed))}")
    for kind, reason in (forbidden or {}).items():
        if expr.has(kind):
            raise AssertionError(f"{what} uses {getattr(kind, '__name__', kind)}: {reason}")
    return expr


def same_expression(got: Any, expected: sympy.Expr, what: str, *,
                    allowed: Iterable[sympy.Symbol] | None = None,
                    definitions: Mapping[sympy.Symbol, sympy.Expr] | None = None,
                    forbidden: Mapping[Any, str] | None = None,
                    sample: Callable[[np.random.Generator], Mapping[sympy.Symbol, float]] | None = None,
                    rng: np.random.Generator | int | None = None, points: int = 6,
                    rtol: float = 1e-9) -> sympy.Expr:
    r"""Accept every form equal to ``expected``; reject the rest with both expressions shown.

    ``definitions`` (e.g. {z6: σ(z5)}) are substituted into both sides first, so an answer
    that names an intermediate node is equivalent to one written in the inputs. Equality is
    proved by simplification when sympy manages, and otherwise tested at ``points`` fresh
    random points (``sample(rng)`` gives one point; default: each free symbol uniform in
    [0.3, 1.7], away from the usual singularities). Returns the student's expression.
    """
    expr = expression(got, what, allowed, forbidden)
    subs = dict(definitions or {})

    def expand_definitions(e: sympy.Expr) -> sympy.Expr:
        for _ in range(len(subs) + 1):  # definitions may refer to each other
            new = e.subs(subs)
            if new == e:
                break
            e = new
        return e

    g, e = expand_definitions(expr), expand_definitions(sympy.sympify(expected))
    difference = g - e
    for rewrite in (sympy.expand, sympy.cancel):
        try:
            if rewrite(difference) == 0:
                return expr
        except (TypeError, ValueError, sympy.PolynomialError):
            pass
    r = fresh_rng(rng)
    symbols = sorted(g.free_symbols | e.free_symbols, key=str)
    for _ in range(points):
        point = dict(sample(r)) if sample else {s: float(r.uniform(0.3, 1.7)) for s in symbols}
        try:
            gv = complex(g.evalf(subs=point))
            ev = complex(e.evalf(subs=point))
        except (TypeError, ValueError):
            raise AssertionError(f"{what} could not be evaluated to a number at a test point: "
                                 f"{_short(expr)}") from None
        if not abs(gv - ev) <= rtol * max(1.0, abs(ev)):
            raise AssertionError(f"{what} differs from the expected expression:\n"
                                 f"  expected {_short(expected, 120)}\n  got      {_short(expr, 120)}")
    return expr


# -- spies: verify the method ------------------------------------------------------------


class _Forbidden(AssertionError):
    r"""Raised by a forbidden function: the answer used the shortcut the prompt rules out."""


class Calls(dict):
    r"""Number of calls per spied function name, filled while a :func:`counting` block runs."""


def _bindings(function: Callable, namespaces: Iterable[dict]) -> list[tuple[Any, str]]:
    r"""Every (module or namespace, attribute) bound to ``function``: course_lib, numpy, scipy
    modules already imported, the function's own module (``math`` for ``math.comb``), plus the
    given namespaces (e.g. the notebook's globals)."""
    found = []
    home = getattr(function, "__module__", None) or ""  # e.g. "math" for math.comb
    for mod_name, module in list(sys.modules.items()):
        if not isinstance(module, types.ModuleType):
            continue
        if not (mod_name.startswith(("course_lib", "numpy", "scipy")) or mod_name == home):
            continue
        for attr, value in list(vars(module).items()):
            if value is function:
                found.append((module, attr))
    for ns in namespaces:
        for attr, value in list(ns.items()):
            if value is function:
                found.append((ns, attr))
    return found


@contextlib.contextmanager
def _patched(functions: Mapping[str, Callable], wrap: Callable[[str, Callable], Callable],
             namespaces: Iterable[dict]) -> Iterator[None]:
    namespaces = list(namespaces)
    saved = []
    try:
        for name, function in functions.items():
            wrapper = wrap(name, function)
            for owner, attr in _bindings(function, namespaces):
                if isinstance(owner, dict):
                    saved.append((owner, attr, owner[attr]))
                    owner[attr] = wrapper
                else:
                    saved.append((owner, attr, getattr(owner, attr)))
                    setattr(owner, attr, wrapper)
        yield
    finally:
        for owner, attr, original in reversed(saved):
            if isinstance(owner, dict):
                owner[attr] = original
            else:
                setattr(owner, attr, original)


def namespaces_of(*answers: Any) -> list[dict]:
    r"""The global namespaces the student's functions run in (the notebook's globals)."""
    spaces, seen = [], set()
    for fn in answers:
        ns = getattr(fn, "__globals__", None)
        if ns is not None and id(ns) not in seen:
            seen.add(id(ns))
            spaces.append(ns)
    return spaces


@contextlib.contextmanager
def counting(functions: Mapping[str, Callable], *answers: Any) -> Iterator[Calls]:
    r"""Count calls of each named function, wherever it is bound (course_lib, numpy, scipy, and
    the globals of the student's functions ``answers``). Yields a dict name → count."""
    calls = Calls({name: 0 for name in functions})

    def wrap(name: str, function: Callable) -> Callable:
        def spy(*args, **kwargs):
            calls[name] += 1
            return function(*args, **kwargs)
        return spy

    with _patched(functions, wrap, namespaces_of(*answers)):
        yield calls


@contextlib.contextmanager
def forbidding(functions: Mapping[str, Callable], reason: str, *answers: Any) -> Iterator[None]:
    r"""Make each named function fail with "the exercise asks you to {reason}" while the block
    runs (wherever it is bound, as in :func:`counting`)."""

    def wrap(name: str, function: Callable) -> Callable:
        def refuse(*args, **kwargs):
            raise _Forbidden(f"this exercise asks you to {reason}; your answer called {name}")
        return refuse

    with _patched(functions, wrap, namespaces_of(*answers)):
        yield
