r"""The elementary operators on matrices: left and right multiplication, Hadamard, Kronecker,
identity and zero, each with its transpose-dot and (where it has one) its inverse.

    LeftMultiply(B)    X ↦ B X          ᵀ•: X ↦ Bᵀ X
    RightMultiply(A)   X ↦ X A          ᵀ•: X ↦ X Aᵀ
    Hadamard(M)        X ↦ M ∘ X        ᵀ•: itself
    Kronecker(A, B)    X ↦ B X Aᵀ       ᵀ•: Kronecker(Aᵀ, Bᵀ)
    Identity()         X ↦ X
    Zero()             X ↦ 0

They combine through :class:`course_lib.operator_algebra.Operator` (sums, multiples, compositions),
and are re-exported from :mod:`course_lib.operators`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib.operator_algebra import (
    ANY,
    Operator,
    Shape,
    _fmt,
    _matrix,
)

__all__ = ["LeftMultiply", "RightMultiply", "Hadamard", "Kronecker", "Identity", "Zero"]


class LeftMultiply(Operator):
    r"""X ↦ B X.  Transpose-dot: X ↦ Bᵀ X.  On vec: I ⊗ B."""

    def __init__(self, B: Any, *, check: bool = True) -> None:
        self.B = _matrix(B, "B", "LeftMultiply", check)
        m, n = self.B.shape
        self.in_shape, self.out_shape, self.keeps = (n, None), (m, None), (False, True)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return self.B @ X

    @property
    def T(self) -> Operator:
        return LeftMultiply(self.B.T, check=False)

    def inverse(self) -> Operator:
        return LeftMultiply(_inv(self.B, repr(self)))

    def __repr__(self) -> str:
        return f"LeftMultiply({self.B.shape[0]}×{self.B.shape[1]})"


class RightMultiply(Operator):
    r"""X ↦ X A.  Transpose-dot: X ↦ X Aᵀ.  On vec: Aᵀ ⊗ I."""

    def __init__(self, A: Any, *, check: bool = True) -> None:
        self.A = _matrix(A, "A", "RightMultiply", check)
        p, q = self.A.shape
        self.in_shape, self.out_shape, self.keeps = (None, p), (None, q), (True, False)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return X @ self.A

    @property
    def T(self) -> Operator:
        return RightMultiply(self.A.T, check=False)

    def inverse(self) -> Operator:
        return RightMultiply(_inv(self.A, repr(self)))

    def __repr__(self) -> str:
        return f"RightMultiply({self.A.shape[0]}×{self.A.shape[1]})"


class Hadamard(Operator):
    r"""X ↦ M ∘ X (elementwise).  Self-adjoint: Hadamard(M)ᵀ• = Hadamard(M).  On vec: diag(vec M)."""

    def __init__(self, M: Any, *, check: bool = True) -> None:
        self.M = _matrix(M, "M", "Hadamard", check)
        self.in_shape = self.out_shape = self.M.shape

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return self.M * X

    @property
    def T(self) -> Operator:
        return self

    def inverse(self) -> Operator:
        if not self.M.all():
            raise ValueError(f"{self!r} is not invertible: M has a zero entry")
        return Hadamard(1.0 / self.M)

    def __repr__(self) -> str:
        return f"Hadamard({self.M.shape[0]}×{self.M.shape[1]})"


class Kronecker(Operator):
    r"""The operator of A ⊗ B on matrices: X ↦ B X Aᵀ, because (A ⊗ B) vec(X) = vec(B X Aᵀ).

    Transpose-dot: Kronecker(Aᵀ, Bᵀ), X ↦ Bᵀ X A.  Its `dense` matrix is numpy.kron(A, B).
    """

    def __init__(self, A: Any, B: Any, *, check: bool = True) -> None:
        self.A = _matrix(A, "A", "Kronecker", check)
        self.B = _matrix(B, "B", "Kronecker", check)
        (p, q), (m, n) = self.A.shape, self.B.shape
        self.in_shape, self.out_shape, self.keeps = (n, q), (m, p), (False, False)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return self.B @ X @ self.A.T

    @property
    def T(self) -> Operator:
        return Kronecker(self.A.T, self.B.T, check=False)

    def inverse(self) -> Operator:
        return Kronecker(_inv(self.A, repr(self)), _inv(self.B, repr(self)))

    def __repr__(self) -> str:
        (p, q), (m, n) = self.A.shape, self.B.shape
        return f"Kronecker({p}×{q} ⊗ {m}×{n})"


class Identity(Operator):
    r"""X ↦ X, for X of any shape (or of `shape` if given)."""

    def __init__(self, shape: Shape = ANY) -> None:
        self.in_shape = self.out_shape = tuple(shape)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        return X  # the only operator that returns its input rather than a new array

    @property
    def T(self) -> Operator:
        return self

    def inverse(self) -> Operator:
        return self

    def __repr__(self) -> str:
        return "Identity()" if self.in_shape == ANY else f"Identity({_fmt(self.in_shape)})"


class Zero(Operator):
    r"""X ↦ 0.  Unknown output dimensions are taken from X.  A triangular solve skips it."""

    is_zero = True

    def __init__(self, in_shape: Shape = ANY, out_shape: Shape | None = None) -> None:
        self.in_shape = tuple(in_shape)
        self.out_shape = self.in_shape if out_shape is None else tuple(out_shape)
        self.keeps = (self.out_shape[0] is None, self.out_shape[1] is None)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        shape = tuple(x if d is None else d for d, x in zip(self.out_shape, X.shape, strict=True))
        return np.zeros(shape, dtype=X.dtype)

    @property
    def T(self) -> Operator:
        return Zero(self.out_shape, self.in_shape)

    def inverse(self) -> Operator:
        raise ValueError("Zero() is not invertible")

    def __repr__(self) -> str:
        return "Zero()"


def _inv(A: np.ndarray, owner: str) -> np.ndarray:
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"{owner} is not invertible: its matrix has shape {A.shape}")
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        raise ValueError(f"{owner} is not invertible: its matrix is singular") from None
