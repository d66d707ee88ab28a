r"""The tuned engine behind the one back substitution: checked systems for every kind of element.

:func:`course_lib.substitution.substitute` runs the recurrence x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j)
on a *system*: an object with the right-hand side ``b``, the unknowns ``x``, and three methods,
``row(i)`` (the nonzero M_ij whose x_j is known), ``eliminate(r, i, j, M_ij, x_j)``
(r − M_ij x_j) and ``pivot(i, r)`` (M_ii⁻¹ r). :class:`~course_lib.substitution.PlainSystem` is
the readable one; the systems here give the same answers (tests/test_substitution.py checks
both on random systems of every kind) and add what makes the solve fast and safe:

* `DenseSystem` (float or complex arrays): a row is one vectorised product U[i, J] @ x[J] over
  every known index J at once, so a row costs one BLAS call, not one Python step per element.
* `ElementSystem` (numbers, blocks, operators in a 2-D object array): zeros are found once, up
  front, so only the nonzero off-diagonal elements cost work; products go through
  :class:`~course_lib.element_arithmetic.Products` (a shared right factor ℬ x_j formed once, a
  scalar c of c·𝒜 folded into the sum instead of applied); with ``keep=`` an unknown not wanted
  is let go as soon as no product still to be formed reads it, as backprop drops an adjoint it
  has passed on. Measured with benchmarks/bench_mlp.py (784-256-256-10, batch 256, one BLAS
  thread, paired shuffled rounds): `mlp.gradients` runs at 1.05–1.12× hand-written backprop
  (1.15–1.17× before `keep=`, measured the same way); `keep=` takes its peak memory from 4.63 MB
  to 3.61 MB (hand-written: 3.58 MB) and its page faults from 1148 to 887 per call (1015).
  Against the same recurrence on a PlainSystem (benchmarks/bench_substitution.py, medians of
  40 paired rounds on a loaded 2-core machine): the MLP system solves 1.17–1.22× faster with
  1.79× less peak memory (2.56 MB against 4.59 MB), and a dense float system of n = 400 is
  14–21× faster (one BLAS product per row instead of one Python step per element).
* `sympy_system`: exact arithmetic, each b_i a 1×k row of b.
* Every input is checked once, and every error names the culprit (row and column).
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import sympy

from course_lib.element_arithmetic import (
    Products,
    all_finite,
    is_number,
    is_plain_number,
    is_zero,
    shape_of,
)


def make_system(M: Any, b: Any, name: str, upper: bool, keep: Iterable[int] | None = None
                ) -> DenseSystem | ElementSystem:
    """Check the input and wrap it in the system class for its kind of element."""
    arr = M if isinstance(M, sympy.MatrixBase | np.ndarray) else np.asarray(M)
    if arr is not M and arr.dtype.kind not in "biufcO":  # a str, a list of strings, ...
        raise TypeError(f"{name} must be a numeric array, a sympy Matrix or a 2-D object array "
                        f"of blocks or operators, got {type(M).__name__} {M!r:.40}")
    if keep is not None and not (isinstance(arr, np.ndarray) and arr.dtype == object):
        raise ValueError("keep applies to systems of blocks or operators (2-D object arrays); "
                         f"a {type(M).__name__} system returns every unknown")
    if isinstance(arr, sympy.MatrixBase):
        return sympy_system(arr, b, name, upper)
    if arr.dtype == object:
        return ElementSystem(arr, b, name, upper, result=_object_result, keep=keep)
    return DenseSystem(arr, b, name, "upper" if upper else "lower")


def _check_keep(keep: Any, n: int) -> set[int]:
    """The indices in keep, each an integer in range(n)."""
    if isinstance(keep, str | bytes) or not isinstance(keep, Iterable):
        raise TypeError(f"keep must be a collection of unknown indices, got {keep!r}")
    indices = set()
    for k in keep:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral):
            raise TypeError(f"keep must hold integer indices, got {k!r}")
        if not 0 <= k < n:
            raise ValueError(f"keep holds {k}, but the unknowns are numbered 0 … {n - 1}")
        indices.add(int(k))
    return indices


def check_square(shape: tuple[int, ...], name: str) -> int:
    if len(shape) != 2 or shape[0] != shape[1]:
        hint = " (to pass blocks, use a 2-D object array)" if len(shape) > 2 else ""
        raise ValueError(f"{name} must be a square matrix, got shape {shape}{hint}")
    return shape[0]


def _triangle_error(name: str, upper: bool, i: int, j: int, value: Any) -> ValueError:
    kind, where = ("upper", "below") if upper else ("lower", "above")
    return ValueError(
        f"{name} is not {kind} triangular: its first nonzero entry {where} the diagonal is "
        f"{name}[{i}, {j}] = {value!r} (row {i}, column {j})"
    )


def _zero_pivot(name: str, i: int) -> ValueError:
    return ValueError(f"{name}[{i}, {i}] is zero: row {i} has no pivot, the system is singular")


def _overflow(name: str, i: int) -> ValueError:
    return ValueError(
        f"row {i} of the solution is not finite (overflow): {name}[{i}, {i}] is too close to "
        "singular, or the other elements or b are too large"
    )


class DenseSystem:
    r"""Float or complex arrays: one row is one vectorised product U[i, J] @ x[J].

    ``triangle`` is "upper" (back substitution: J = i+1 … n−1), "lower" (forward: J = 0 … i−1)
    or "none" (a Gauss–Seidel sweep: J = every j ≠ i, x starting from ``x0``; the caller has
    checked A and b).
    """

    def __init__(self, M: np.ndarray, b: Any, name: str, triangle: str = "upper",
                 x0: np.ndarray | None = None) -> None:
        self.n = check_square(M.shape, name)
        self.triangle = triangle
        b = np.asarray(b)
        if triangle != "none":
            self._check(M, b, name, triangle == "upper")
        self.M, self.b, self.name = M, b, name
        self.x = (np.zeros(b.shape, dtype=np.result_type(M, b, float)) if x0 is None
                  else np.array(x0, dtype=np.result_type(M, b, float)))

    def _check(self, M: np.ndarray, b: np.ndarray, name: str, upper: bool) -> None:
        if b.ndim not in (1, 2) or b.shape[0] != self.n:
            raise ValueError(
                f"b must have {self.n} rows to match {name} of shape {M.shape}, got shape {b.shape}"
            )
        for arr, label in ((M, name), (b, "b")):
            if arr.dtype.kind not in "biufc":
                raise TypeError(f"{label} must be numeric, got dtype {arr.dtype}")
            bad = np.argwhere(~np.isfinite(arr))
            if len(bad):
                where = ", ".join(map(str, bad[0]))
                raise ValueError(f"{label}[{where}] = {arr[tuple(bad[0])]} is not finite")
        outside = np.tril(M, -1) if upper else np.triu(M, 1)
        wrong = np.argwhere(outside)
        if len(wrong):
            i, j = wrong[0]
            raise _triangle_error(name, upper, int(i), int(j), M[i, j].item())
        zeros = np.flatnonzero(np.diagonal(M) == 0)
        if len(zeros):
            raise _zero_pivot(name, int(zeros[0]))

    def row(self, i: int) -> list[tuple[slice, np.ndarray]]:
        r"""The whole known part of row i as one block (two for a sweep: left and right of i)."""
        if self.triangle == "upper":
            parts = [slice(i + 1, self.n)]
        elif self.triangle == "lower":
            parts = [slice(0, i)]
        else:
            parts = [slice(0, i), slice(i + 1, self.n)]
        return [(known, self.M[i, known]) for known in parts]

    def eliminate(self, r: np.ndarray, i: int, j: slice, m: np.ndarray, xj: np.ndarray) -> Any:
        return r - m @ xj  # b_i − Σ_{j∈J} U_ij x_j, the sum in one product

    def pivot(self, i: int, r: Any) -> Any:
        with np.errstate(all="ignore"):  # overflow is reported below, as a ValueError
            v = r / self.M[i, i]
        if self.triangle != "none" and not np.isfinite(v).all():  # a sweep's caller watches
            raise _overflow(self.name, i)  # for divergence itself
        return v

    def diagonal(self, i: int) -> Any:
        return self.M[i, i].item()

    def value(self, i: int) -> Any:
        return self.x[i].copy() if self.x.ndim == 2 else self.x[i].item()

    def describe(self, terms: list) -> tuple[tuple[int, Any, Any], ...]:
        out = []
        for known, m in terms:
            for k, j in enumerate(range(self.n)[known]):
                if m[k] != 0:
                    out.append((j, m[k].item(), self.value(j)))
        return tuple(out)

    def result(self) -> np.ndarray:
        return self.x


class ElementSystem:
    r"""Elements that are numbers, blocks or operators; zeros are found once and skipped."""

    def __init__(self, M: np.ndarray, b: Any, name: str, upper: bool, result: Any,
                 keep: Iterable[int] | None = None) -> None:
        self.n = n = check_square(M.shape, name)
        # the unknowns to let go once no product still needs them (None: keep every one)
        self.released = None if keep is None else set(range(n)) - _check_keep(keep, n)
        b = list(b) if isinstance(b, Sequence | np.ndarray) else b
        if not isinstance(b, list) or len(b) != n:
            got = f"{len(b)} blocks" if isinstance(b, list) else f"a {type(b).__name__}"
            raise ValueError(f"b must be a sequence of {n} blocks to match {name}, got {got}")
        sizes = [_check_rhs(bi, i) for i, bi in enumerate(b)]
        zero_rows = [i for i, bi in enumerate(b) if bi is None]
        self.M, self.b, self.name, self._result = M, b, name, result
        self.x: list[Any] = [None] * n
        self.first_shape: dict[int, tuple[int, ...]] = {}
        self.rows: list[list[tuple[int, Any]]] = [[] for _ in range(n)]
        operator_diagonal = [not (is_number(M[j, j]) or isinstance(M[j, j], np.ndarray))
                             for j in range(n)]
        for i, j, m in ((i, j, m) for i, row in enumerate(M.tolist())  # row-major: errors
                        for j, m in enumerate(row) if m is not None):  # name the first culprit
            where = f"{name}[{i}, {j}]"
            _check_element(m, where)
            if i == j or is_zero(m):
                continue
            if (j < i) == upper:
                raise _triangle_error(name, upper, i, j, m)
            if isinstance(m, np.ndarray):
                if sizes[i] is None and b[i] is not None:
                    raise ValueError(f"{where} is an array block of shape {m.shape} but b[{i}] "
                                     "is not an array")
                cols = None if operator_diagonal[j] else sizes[j]
                _check_block(m, where, sizes[i], cols, i, j)
            self.rows[i].append((j, m))
        for i in zero_rows:
            if not self.rows[i]:
                raise ValueError(
                    f"b[{i}] is None (a zero block) and row {i} of {name} has no nonzero element "
                    f"off the diagonal, so x[{i}] = 0 with no shape to give it: pass a zero array")
        self.inverses = [_diagonal_action(M[i, i], name, i, sizes[i]) for i in range(n)]
        self.products = Products((i, j, m) for i, row in enumerate(self.rows) for j, m in row)

    def row(self, i: int) -> list[tuple[int, Any]]:
        return self.rows[i]

    def eliminate(self, r: Any, i: int, j: int, m: Any, xj: Any) -> Any:
        r"""r − M_ij x_j, with M_ij x_j = c·t from `Products` and c folded in (r None is 0)."""
        c, t = self.products.product(i, j, xj, self.name)
        if self.released is not None and j in self.released and not self.products.needs(j):
            self.x[j] = None  # not wanted, and every product of x_j has been formed
        if self.b[i] is not None:
            expected = shape_of(self.b[i])
        else:  # a zero b_i takes the shape of its row's first term
            expected = self.first_shape.setdefault(i, shape_of(t))
        if shape_of(t) != expected:  # numpy would broadcast silently
            first = self.rows[i][0][0]
            against = f"b[{i}]" if self.b[i] is not None else f"{self.name}[{i}, {first}] x[{first}]"
            raise ValueError(
                f"{self.name}[{i}, {j}] x[{j}] has shape {shape_of(t)}, "
                f"but {against} has shape {expected}"
            )
        if r is None:
            return self.products.owned(t, xj) if c == -1 else (-t if c == 1 else -c * t)
        return r + t if c == -1 else (r - t if c == 1 else r - c * t)

    def pivot(self, i: int, r: Any) -> Any:
        how, d = self.inverses[i]
        try:
            if how == "solve":
                v = np.linalg.solve(d, r)  # x_i = U_ii⁻¹ r for a block
            elif how == "divide":
                with np.errstate(all="ignore"):  # overflow is reported below
                    v = r / d
            else:
                v = d @ r  # d = U_ii.inverse(), an operator
        except np.linalg.LinAlgError:
            raise ValueError(f"the diagonal block {self.name}[{i}, {i}] is singular (row {i})"
                             ) from None
        except (ValueError, TypeError) as err:
            raise ValueError(f"the inverse of {self.name}[{i}, {i}] cannot act on row {i}: {err}"
                             ) from None
        if isinstance(v, np.ndarray):
            if v.dtype.kind in "fc" and not all_finite(v):
                raise _overflow(self.name, i)
            if self.b[i] is not None and np.may_share_memory(v, self.b[i]):  # an Identity
                v = v.copy()  # pivot returned r itself: never alias b
        elif is_plain_number(v) and not np.isfinite(complex(v)):
            raise _overflow(self.name, i)
        return v

    def diagonal(self, i: int) -> Any:
        return self.M[i, i]

    def value(self, i: int) -> Any:
        return self.x[i]

    def describe(self, terms: list) -> tuple[tuple[int, Any, Any], ...]:
        return tuple((j, m, self.x[j]) for j, m in terms)

    def result(self) -> Any:
        if self.released is not None:
            return self._result([None if k in self.released else v for k, v in enumerate(self.x)])
        return self._result(self.x)


def _object_result(x: list[Any]) -> np.ndarray:
    out = np.empty(len(x), dtype=object)
    for i, xi in enumerate(x):  # element by element, so numpy never stacks the blocks
        out[i] = xi
    return out


def _check_rhs(bi: Any, i: int) -> int | None:
    """Check b_i; return its number of rows when it is an array block, else None."""
    if isinstance(bi, np.ndarray) and bi.dtype != object:
        if bi.dtype.kind not in "biufc" or bi.ndim not in (1, 2):
            raise ValueError(f"b[{i}] must be a numeric vector or matrix, got {bi.dtype} {bi.shape}")
        if not all_finite(bi):
            raise ValueError(f"b[{i}] contains non-finite values (nan or inf)")
        return bi.shape[0]
    _check_element(bi, f"b[{i}]")
    return None


def _check_element(m: Any, where: str) -> None:
    """Numbers must be finite, arrays numeric and finite; anything else must support @."""
    if m is None or isinstance(m, bool):
        return
    if isinstance(m, np.ndarray):
        if m.dtype.kind not in "biufc":
            raise TypeError(f"{where} is an array of dtype {m.dtype}; blocks must be numeric")
        if not np.isfinite(m).all():
            raise ValueError(f"{where} contains non-finite values (nan or inf)")
    elif is_plain_number(m):
        if not np.isfinite(complex(m)):
            raise ValueError(f"{where} = {m!r} is not finite")
    elif isinstance(m, sympy.Basic | sympy.MatrixBase):
        if m.has(sympy.nan, sympy.oo, -sympy.oo, sympy.zoo):
            raise ValueError(f"{where} = {m} is not finite")
    elif not hasattr(m, "__matmul__"):
        raise TypeError(
            f"{where} is a {type(m).__name__}; elements must be numbers, numeric blocks, "
            "operators supporting @, or 0/None"
        )


def _check_block(m: np.ndarray, where: str, rows: int | None, cols: int | None,
                 i: int, j: int) -> None:
    """A block M_ij must map x_j (cols rows, if known) to the shape of b_i (rows rows, if known;
    b_i None is a zero block of the shape its row's terms give)."""
    if (m.ndim != 2 or (rows is not None and m.shape[0] != rows)
            or (cols is not None and m.shape[1] != cols)):
        expected = f"({'*' if rows is None else rows}, {'*' if cols is None else cols})"
        raise ValueError(
            f"block {where} has shape {m.shape}, expected {expected}"
            + ("" if rows is None else f": b[{i}] has {rows} rows")
            + ("" if cols is None else f" and x[{j}] has {cols} rows")
        )


def _diagonal_action(d: Any, name: str, i: int, size: int | None) -> tuple[str, Any]:
    """How to apply U_ii⁻¹: ('divide', number), ('solve', block) or ('apply', inverse operator)."""
    where = f"{name}[{i}, {i}]"
    if is_zero(d):
        raise _zero_pivot(name, i)
    if is_number(d):
        return "divide", d
    if isinstance(d, np.ndarray):
        if d.ndim != 2 or d.shape[0] != d.shape[1] or (size is not None and d.shape[0] != size):
            raise ValueError(
                f"diagonal block {where} has shape {d.shape}, expected a square "
                f"({size}, {size}) block to match the rows of b"
            )
        return "solve", d
    inverse = getattr(d, "inverse", None)
    if inverse is None:
        raise TypeError(
            f"{where} is a {type(d).__name__} without an inverse() method; a diagonal element "
            "must be a nonzero number, an invertible block, or an operator with .inverse()"
        )
    try:
        return "apply", inverse()
    except (ValueError, TypeError, ArithmeticError, np.linalg.LinAlgError) as err:
        raise ValueError(f"{where} is not invertible: {err}") from None


def sympy_system(M: sympy.MatrixBase, b: Any, name: str, upper: bool) -> ElementSystem:
    r"""Exact solve: the elements are sympy scalars and each b_i is a 1×k row of b."""
    n = check_square(M.shape, name)
    B = b if isinstance(b, sympy.MatrixBase) else sympy.Matrix(b)
    if B.rows != n:
        raise ValueError(f"b must have {n} rows to match {name} of shape {M.shape}, got {B.shape}")
    elements = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            elements[i, j] = M[i, j]
    k = B.cols
    return ElementSystem(elements, [B.row(i) for i in range(n)], name, upper,
                         result=lambda x: sympy.Matrix.vstack(*x) if x else sympy.zeros(0, k))
