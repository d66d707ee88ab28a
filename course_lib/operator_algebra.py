r"""The algebra of linear operators on matrices: the base class and how operators combine.

An :class:`Operator` maps a matrix X linearly to 𝒜X. Operators combine into c·𝒜 (:class:`Scaled`),
𝒜 + ℬ (:class:`Sum`) and 𝒜 @ ℬ (:class:`Composition`, first ℬ then 𝒜); `op @ X` applies, `op @ op`
composes, `*` only scales by a number. The transpose-dot 𝒜ᵀ• (`op.T`) is the adjoint for the
Frobenius inner product, ⟨𝒜X, Y⟩ = ⟨X, 𝒜ᵀ• Y⟩; :func:`transpose_dot` transposes a whole matrix
of operators. The elementary operators are in :mod:`course_lib.elementary_operators`; both are
re-exported from :mod:`course_lib.operators`.
"""

from __future__ import annotations

import cmath
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

Shape = tuple[int | None, int | None]
ANY: Shape = (None, None)


def _fmt(shape: Shape) -> str:
    return "(" + ", ".join("*" if d is None else str(d) for d in shape) + ")"


def _merge(a: Shape, b: Shape, where: Callable[[], str]) -> Shape:
    """Combine two partial shapes, raising if a known dimension disagrees."""
    if a == b:
        return a
    for da, db in zip(a, b, strict=True):
        if da is not None and db is not None and da != db:
            raise ValueError(f"{where()}: shapes {_fmt(a)} and {_fmt(b)} do not match")
    return (b[0] if a[0] is None else a[0], b[1] if a[1] is None else a[1])


def _pass_through(shape: Shape, other: Shape, keeps: tuple[bool, bool]) -> Shape:
    """Fill unknown dimensions of `shape` from `other` where the dimension passes through."""
    (rows, cols), (other_rows, other_cols) = shape, other
    return (other_rows if rows is None and keeps[0] else rows,
            other_cols if cols is None and keeps[1] else cols)


def _matrix(a: Any, role: str, owner: str, check: bool) -> np.ndarray:
    """A finite 2-D numeric array, or a ValueError naming the operator that wanted it.

    check=False trusts the caller (a transpose or inverse of a checked matrix, or a caller that
    has checked its arrays once), so that building operators costs no pass over the data.
    """
    arr = np.asarray(a)
    if not check:
        return arr
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{owner}: {role} must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{owner}: {role} must be a 2-D matrix, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{owner}: {role} contains non-finite values (nan or inf)")
    return arr.astype(float) if arr.dtype.kind in "biu" else arr


def _is_scalar(c: Any) -> bool:
    """A number but not a bool (the plain Python types first: the abstract-class test is slow)."""
    if type(c) in (float, int, complex):
        return True
    return isinstance(c, numbers.Number) and not isinstance(c, bool)


class Operator:
    r"""A linear map X ↦ 𝒜X on matrices; subclasses define `_apply`, `T` and shapes."""

    in_shape: Shape = ANY
    out_shape: Shape = ANY
    keeps: tuple[bool, bool] = (True, True)  # which dimensions of X pass through unchanged
    is_zero = False
    __array_ufunc__ = None  # make `array @ op` and `array * op` defer to the operator

    # -- application -------------------------------------------------------------------------
    def _apply(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def apply(self, X: Any) -> np.ndarray:
        r"""Return 𝒜X, checking that X is a matrix of a shape this operator accepts."""
        if type(X) is not np.ndarray:
            X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(f"{self!r} acts on 2-D matrices, got an array of shape {X.shape}")
        rows, cols = self.in_shape
        if (rows is not None and rows != X.shape[0]) or (cols is not None and cols != X.shape[1]):
            raise ValueError(f"{self!r} expects X of shape {_fmt(self.in_shape)}, got {X.shape}")
        return self._apply(X)

    __call__ = apply

    def output_shape(self, shape: tuple[int, int]) -> tuple[int, int]:
        r"""Shape of 𝒜X for X of the given shape."""
        return self.apply(np.zeros(shape)).shape

    # -- algebra -----------------------------------------------------------------------------
    def __matmul__(self, other: Any) -> Any:
        if isinstance(other, Operator):
            return Composition(self, other)  # 𝒜 @ ℬ composes
        if isinstance(other, np.ndarray | list | tuple) or _is_scalar(other):
            return self.apply(other)  # 𝒜 @ X applies
        return NotImplemented

    def __rmatmul__(self, other: Any) -> Any:
        if isinstance(other, np.ndarray):  # B @ 𝒜 = LeftMultiply(B) @ 𝒜
            from course_lib.elementary_operators import LeftMultiply  # defined on this base

            return Composition(LeftMultiply(other), self)
        return NotImplemented

    def __mul__(self, c: Any) -> Operator:
        if not _is_scalar(c):
            raise TypeError(f"{self!r} * {type(c).__name__}: `*` only multiplies an operator "
                            "by a number; use `op @ X` to apply it, `op1 @ op2` to compose")
        return Scaled(c, self)

    __rmul__ = __mul__

    def __truediv__(self, c: Any) -> Operator:
        if not _is_scalar(c):
            return NotImplemented
        return Scaled(1 / c, self)

    def __neg__(self) -> Operator:
        return Scaled(-1.0, self)

    def __add__(self, other: Any) -> Operator:
        if _is_scalar(other) and other == 0:  # lets sum([...]) start from 0
            return self
        if not isinstance(other, Operator):
            raise TypeError(f"{self!r} + {type(other).__name__}: an operator can only be added "
                            "to another operator (or to 0)")
        return Sum(self, other)

    __radd__ = __add__

    def __sub__(self, other: Any) -> Operator:
        return self + (-other if isinstance(other, Operator) else other)

    def __rsub__(self, other: Any) -> Operator:
        if _is_scalar(other) and other == 0:
            return -self
        return NotImplemented

    @property
    def T(self) -> Operator:
        r"""The transpose-dot 𝒜ᵀ•: ⟨𝒜X, Y⟩ = ⟨X, 𝒜ᵀ• Y⟩ for the Frobenius inner product."""
        raise NotImplementedError

    def inverse(self) -> Operator:
        r"""𝒜⁻¹ when it has a closed form; a TypeError otherwise."""
        raise TypeError(f"{self!r} has no closed-form inverse")

    def dense(self, shape: tuple[int, int]) -> np.ndarray:
        r"""The matrix of 𝒜 on column-major vec: dense(shape) @ vec(X) = vec(𝒜X).

        Built column by column from the basis matrices E_k (vec(E_k) = e_k), for X of `shape`.
        """
        m, n = shape
        out = self.output_shape((m, n))
        columns = np.zeros((out[0] * out[1], m * n))
        for k in range(m * n):
            E = np.zeros(m * n)
            E[k] = 1.0
            columns[:, k] = self.apply(E.reshape((m, n), order="F")).ravel(order="F")
        return columns


class Scaled(Operator):
    r"""X ↦ c 𝒜X.  Transpose-dot: c 𝒜ᵀ•.  Inverse: c⁻¹ 𝒜⁻¹."""

    def __init__(self, c: Any, op: Operator) -> None:
        if not _is_scalar(c) or not cmath.isfinite(c):
            raise ValueError(f"Scaled: the factor must be a finite number, got {c!r}")
        self.c, self.op = c, op
        self.in_shape, self.out_shape, self.keeps = op.in_shape, op.out_shape, op.keeps
        self.is_zero = c == 0 or op.is_zero

    def _apply(self, X: np.ndarray) -> np.ndarray:
        y = self.op.apply(X)
        if np.may_share_memory(y, X) or np.result_type(y, self.c) != y.dtype:
            return self.c * y
        y *= self.c  # y is a new array of ours: scale it in place
        return y

    @property
    def T(self) -> Operator:
        return Scaled(self.c, self.op.T)

    def inverse(self) -> Operator:
        if self.c == 0:
            raise ValueError(f"{self!r} is not invertible: the factor is 0")
        return Scaled(1 / self.c, self.op.inverse())

    def __repr__(self) -> str:
        return f"-{self.op!r}" if self.c == -1 else f"{self.c!r}·{self.op!r}"


class Sum(Operator):
    r"""X ↦ 𝒜X + ℬX.  Transpose-dot: 𝒜ᵀ• + ℬᵀ•."""

    def __init__(self, left: Operator, right: Operator) -> None:
        self.left, self.right = left, right
        self.in_shape = _merge(left.in_shape, right.in_shape, lambda: f"{self!r}, inputs")
        self.out_shape = _merge(left.out_shape, right.out_shape, lambda: f"{self!r}, outputs")
        self.keeps = (left.keeps[0] and right.keeps[0], left.keeps[1] and right.keeps[1])

    def _apply(self, X: np.ndarray) -> np.ndarray:
        a, b = self.left.apply(X), self.right.apply(X)
        if a.shape != b.shape:  # never let numpy broadcast two different shapes
            raise ValueError(f"{self!r}: the terms give shapes {a.shape} and {b.shape}")
        return a + b

    @property
    def T(self) -> Operator:
        return Sum(self.left.T, self.right.T)

    def __repr__(self) -> str:
        return f"({self.left!r} + {self.right!r})"


class Composition(Operator):
    r"""X ↦ 𝒜(ℬX), written 𝒜 @ ℬ.  Transpose-dot reverses the order: ℬᵀ• @ 𝒜ᵀ•."""

    def __init__(self, outer: Operator, inner: Operator) -> None:
        self.outer, self.inner = outer, inner
        _merge(inner.out_shape, outer.in_shape, lambda: f"{self!r}: inner output, outer input")
        # a dimension of the input (output) is known from the inner (outer) operator, or from
        # the other one when the dimension passes through unchanged
        self.keeps = (inner.keeps[0] and outer.keeps[0], inner.keeps[1] and outer.keeps[1])
        self.in_shape = _pass_through(inner.in_shape, outer.in_shape, inner.keeps)
        self.out_shape = _pass_through(outer.out_shape, inner.out_shape, outer.keeps)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return self.outer.apply(self.inner.apply(X))

    @property
    def T(self) -> Operator:
        return Composition(self.inner.T, self.outer.T)

    def inverse(self) -> Operator:
        return Composition(self.inner.inverse(), self.outer.inverse())

    def __repr__(self) -> str:
        return f"{self.outer!r} @ {self.inner!r}"


def transpose_dot(M: np.ndarray) -> np.ndarray:
    r"""The transpose-dot of a matrix of operators: (Mᵀ•)_ij = (M_ji)ᵀ•.

    Blocks are transposed, operators replaced by their adjoints, scalars and zeros (0, None)
    kept, so that ⟨M x, y⟩ = ⟨x, Mᵀ• y⟩ block by block.
    """
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"transpose_dot needs a 2-D matrix, got shape {M.shape}")
    if M.dtype != object:
        return M.T.copy()
    out = np.full(M.shape[::-1], None, dtype=object)
    for i, row in enumerate(M.tolist()):
        for j, m in enumerate(row):
            if m is not None:
                out[j, i] = m.T if isinstance(m, Operator) or not _is_scalar(m) else m
    return out


