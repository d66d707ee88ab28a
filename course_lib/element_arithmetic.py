r"""The arithmetic of matrix elements that are numbers, sympy scalars, numpy blocks or operators.

The back substitution of :mod:`course_lib.substitution` never asks what an element *is*: it
needs a product M_ij x_j, a difference and the action of M_ii⁻¹. This module supplies the
product and the zero test for every kind of element, and two savings on operator elements,
both exact (`Products`):

* a multiple c·𝒜 (an object with scalar `.c` and `.op`, like `operators.Scaled`) is applied
  as 𝒜 and its factor c returned apart, for the caller to fold into its sum — so
  b_i − (−1)·𝒜x_j costs no pass to negate;
* compositions 𝒜 @ ℬ in one column j with the same right factor ℬ (the same object) share
  ℬ x_j, computed once — in an MLP's adjoint system Hadamard(D_i) λ_i serves the λ_{i−1}, W_i
  and β_i rows, as hand-written backprop computes D_i ∘ λ_i once.
"""

from __future__ import annotations

import cmath
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np
import sympy


def _type_test(kinds: tuple[type, ...], doc: str) -> Any:
    r"""isinstance(e, kinds) cached per type of e: the test against abstract classes such as
    numbers.Number is slow, and a solve asks it several times for every element."""
    answers: dict[type, bool] = {}

    def test(e: Any) -> bool:
        kind = type(e)
        if kind not in answers:
            answers[kind] = issubclass(kind, kinds)
        return answers[kind]

    test.__doc__ = doc
    return test


is_number = _type_test((numbers.Number, sympy.Basic), "A Python, numpy or sympy number.")
is_plain_number = _type_test((numbers.Number,), "A Python or numpy number (or sympy's).")


def is_zero(e: Any) -> bool:
    r"""Whether the element is a zero: None, 0, an all-zero block, or anything with `is_zero`."""
    if e is None:
        return True
    if isinstance(e, np.ndarray):
        return not e.any()
    if is_plain_number(e):
        return e == 0
    return getattr(e, "is_zero", False) is True  # sympy zero, operators.Zero


def all_finite(a: np.ndarray) -> bool:
    r"""Whether every entry of a numeric array is finite.

    A nan or ±inf makes Σ|a_k|² non-finite, so one cheap pass (a BLAS dot product, about twice
    as fast as a.sum()) settles it, unless the sum of squares overflows; only then is every
    entry tested.
    """
    if a.dtype.kind not in "fc":
        return True  # integers and booleans are always finite
    # vdot is BLAS, not a ufunc: an overflow to inf raises no floating-point warning
    return cmath.isfinite(np.vdot(a, a)) or bool(np.isfinite(a).all())


def shape_of(e: Any) -> tuple[int, ...]:
    return tuple(getattr(e, "shape", ()))


def product(m: Any, x: Any, name: str, i: int, j: int) -> Any:
    r"""The product M_ij x_j (of the matrix called `name`): a number scales, a block or an
    operator acts with @."""
    try:
        return m * x if is_number(m) else m @ x
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name}[{i}, {j}] cannot multiply x[{j}] of shape {shape_of(x)}: {err}"
                         ) from None


class Products:
    r"""The products M_ij x_j of the nonzero elements of one matrix, as c·t with M_ij x_j = c t.

    An element c·𝒜 (an operator with scalar `.c` and `.op`, such as `operators.Scaled`, nested
    or not) returns its factor c apart from t = 𝒜 x_j, so the caller folds c into its sum. An
    element 𝒜 @ ℬ (`.outer`, `.inner`) whose right factor ℬ — the same object — occurs in
    several elements of column j applies ℬ to x_j once: the product is kept until its last
    user has taken it, then dropped. Other elements, numbers and blocks are applied directly.
    `needs(j)` says whether a product still to be formed reads x_j itself.
    """

    def __init__(self, elements: Iterable[tuple[int, int, Any]]) -> None:
        self.split: dict[tuple[int, int], tuple[Any, Any, Any]] = {}  # (i, j) -> (c, 𝒜, ℬ)
        self.users: dict[tuple[int, int], int] = {}  # (j, id(ℬ)) -> elements still to use ℬ x_j
        for i, j, m in elements:
            self.split[i, j] = c, op, inner = _split(m)
            if inner is not None:
                key = (j, id(inner))
                self.users[key] = self.users.get(key, 0) + 1
        self.users = {key: n for key, n in self.users.items() if n > 1}  # only shared ones
        self.values: dict[tuple[int, int], Any] = {}  # (j, id(ℬ)) -> ℬ x_j, while needed
        # reads of x_j still to come: one per element applied directly, one per shared ℬ
        self.reads: dict[int, int] = {}
        for (_, j), (_, _, inner) in self.split.items():
            if inner is None or (j, id(inner)) not in self.users:
                self.reads[j] = self.reads.get(j, 0) + 1
        for j, _ in self.users:
            self.reads[j] = self.reads.get(j, 0) + 1

    def product(self, i: int, j: int, xj: Any, name: str) -> tuple[Any, Any]:
        r"""(c, t) with M_ij x_j = c t, for the element at (i, j) given to the constructor."""
        c, op, inner = self.split[i, j]
        key = (j, id(inner))
        if inner is None or key not in self.users:
            self.reads[j] -= 1
            return c, product(op, xj, name, i, j)
        if key not in self.values:
            self.reads[j] -= 1
            self.values[key] = product(inner, xj, name, i, j)
        shared = self.values[key]
        self.users[key] -= 1
        if self.users[key] == 0:  # the last user: let it go
            del self.users[key], self.values[key]
        return c, product(op.outer, shared, name, i, j)

    def needs(self, j: int) -> bool:
        r"""Whether a product still to be formed reads x_j (not only a shared ℬ x_j)."""
        return self.reads.get(j, 0) > 0

    def owned(self, t: Any, xj: Any) -> Any:
        r"""t itself if it may become a block of a result, else a copy: an Identity-like 𝒜
        returns its input, which may be x_j or a product that other elements still share."""
        if not isinstance(t, np.ndarray):
            return t
        if any(isinstance(v, np.ndarray) and np.may_share_memory(t, v)
               for v in (xj, *self.values.values())):
            return t.copy()
        return t


def _split(m: Any) -> tuple[Any, Any, Any]:
    r"""(c, 𝒜, ℬ) with m = c·𝒜 and 𝒜 = 𝒜.outer @ ℬ when 𝒜 is a composition (else ℬ None).

    Numbers, arrays and sympy objects are (1, m, None)."""
    if is_number(m) or isinstance(m, np.ndarray | sympy.MatrixBase):
        return 1, m, None
    c = 1
    while _is_scalar_multiple(m):
        c, m = c * m.c, m.op
    inner = getattr(m, "inner", None) if hasattr(m, "outer") else None
    return c, m, inner


def _is_scalar_multiple(m: Any) -> bool:
    return (hasattr(m, "op") and is_plain_number(getattr(m, "c", None))
            and not isinstance(m.c, bool))
