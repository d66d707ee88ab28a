r"""Triangular solves: one recurrence, written once, for every kind of matrix element.

Back substitution solves an upper-triangular system U x = b from the bottom row up,

    x_i = U_ii⁻¹ (b_i − Σ_{j>i} U_ij x_j),    i = n−1, …, 1, 0,

and forward substitution solves a lower-triangular L x = b from the top row down,

    x_i = L_ii⁻¹ (b_i − Σ_{j<i} L_ij x_j),    i = 0, 1, …, n−1.

Both are one recurrence, x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j) over the j whose x_j is already
known, visited in two row orders. Over a semiring (lesson 12) the same recurrence solves
x = b ⊕ (N ⊗ x) with ⊕ for + and ⊗ for ×: x_i = b_i ⊕ ⊕_{j>i} N_ij ⊗ x_j.

:func:`substitute` is the only place the recurrence is written. As in Edelman, Akyürek & Wang
(2023), it never asks what a matrix element *is*: the *system* it is handed supplies the
nonzero elements of a row, one elimination r ← r − M_ij x_j (or r ⊕ N_ij ⊗ x_j) and the pivot
x_i = M_ii⁻¹ r. :class:`PlainSystem` is such a system written for reading: a dense matrix and
an *algebra* (:data:`ARITHMETIC` for numbers, sympy, numpy blocks and operators; a
:class:`course_lib.semiring.Semiring` for the semirings). The public solves below hand
:func:`substitute` the tuned systems of :mod:`course_lib.substitution_engine` (vectorised rows,
zeros skipped once, shared products, ``keep=``), which agree with :class:`PlainSystem`.

Inputs of :func:`backslash` and :func:`forward_substitute`:

* float (or complex) numpy arrays; b may be a vector or a matrix of right-hand sides.
* sympy Matrices: exact arithmetic, the result is a sympy Matrix.
* 2-D numpy object arrays whose elements are numbers, 2-D numpy blocks, or operators (anything
  with `@` and `.T`, e.g. `course_lib.operators`); b is then a sequence of blocks, where None
  stands for a zero block. A diagonal element may be a nonzero number, an invertible block or
  an operator with an `inverse()` method.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.element_arithmetic import Products, all_finite, is_number, is_zero
from course_lib.substitution_engine import make_system

__all__ = [
    "substitute", "PlainSystem", "Arithmetic", "ARITHMETIC", "plain_substitution",
    "backslash", "back_substitute", "forward_substitute", "back_substitution_steps",
    "forward_substitution_steps", "SubstitutionStep", "block_multiply", "all_finite",
]


# -- the recurrence ---------------------------------------------------------------------------


def substitute(system: Any, rows: Iterable[Any]) -> Iterator[tuple[Any, list]]:
    r"""Solve the rows of a triangular system in the given order, each from the known unknowns:

        x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j)     numbers, sympy, blocks, operators: U x = b
        x_i = b_i ⊕ ⊕_j N_ij ⊗ x_j            a semiring: x = b ⊕ (N ⊗ x), no pivot

    the sum running over the j whose x_j is already known (j > i when the rows go n−1, …, 0).
    The system supplies ``b``, the unknowns ``x``, ``row(i)`` (the nonzero M_ij with x_j
    known), ``eliminate(r, i, j, M_ij, x_j)`` and ``pivot(i, r)``. Yields (i, terms) after
    each row; ``system.x`` holds the solution so far.
    """
    x = system.x
    for i in rows:
        terms = system.row(i)                          # the nonzero M_ij whose x_j is known
        r = system.b[i]                                # r = b_i
        for j, m_ij in terms:
            r = system.eliminate(r, i, j, m_ij, x[j])  # r ← r − M_ij x_j  (r ⊕ N_ij ⊗ x_j)
        x[i] = system.pivot(i, r)                      # x_i = M_ii⁻¹ r     (x_i = r)
        yield i, terms


class Arithmetic:
    r"""What − M_ij x_j and M_ii⁻¹ mean for numbers, sympy scalars, numpy blocks and operators."""

    @staticmethod
    def is_zero(m: Any) -> bool:
        return is_zero(m)  # None, 0, an all-zero block, operators.Zero

    @staticmethod
    def eliminate(r: Any, m: Any, x: Any) -> Any:
        return r - (m * x if is_number(m) else m @ x)  # r − M_ij x_j: a number scales, a block acts

    @staticmethod
    def pivot(d: Any, r: Any) -> Any:
        if is_number(d):
            return r / d  # M_ii⁻¹ r for a number
        if isinstance(d, np.ndarray):
            return np.linalg.solve(d, r)  # … for a block: solve M_ii x_i = r
        return d.inverse() @ r  # … for an operator


ARITHMETIC = Arithmetic()


class PlainSystem:
    r"""A triangular system written for reading: a dense matrix M (indexed M[i, j]), b, an algebra.

    ``row(i)`` lists the (j, M_ij) with j ≠ i, x_j already known and M_ij not the algebra's
    zero; ``eliminate`` and ``pivot`` ask the algebra. No checks, no savings: the engine's
    systems (:mod:`course_lib.substitution_engine`) add those and give the same answers.
    """

    def __init__(self, M: Any, b: Sequence[Any], algebra: Any = ARITHMETIC) -> None:
        self.M, self.b, self.algebra = M, list(b), algebra
        self.x: list[Any] = [None] * len(self.b)  # None: not known yet

    def row(self, i: int) -> list[tuple[int, Any]]:
        return [(j, self.M[i, j]) for j in range(len(self.b))
                if j != i and self.x[j] is not None and not self.algebra.is_zero(self.M[i, j])]

    def eliminate(self, r: Any, i: int, j: int, m: Any, xj: Any) -> Any:
        return self.algebra.eliminate(r, m, xj)

    def pivot(self, i: int, r: Any) -> Any:
        return self.algebra.pivot(self.M[i, i], r)


def plain_substitution(M: Any, b: Sequence[Any], algebra: Any = ARITHMETIC,
                       upper: bool = True) -> list[Any]:
    r"""x with M x = b (or x = b ⊕ N ⊗ x over a semiring) by :func:`substitute` on a
    :class:`PlainSystem`: rows n−1, …, 0 when ``upper``, else 0, …, n−1. Returns x as a list."""
    system = PlainSystem(M, b, algebra)
    n = len(system.b)
    for _ in substitute(system, range(n - 1, -1, -1) if upper else range(n)):
        pass
    return system.x


# -- the public solves: the engine's systems through the same recurrence ----------------------


@dataclass(frozen=True)
class SubstitutionStep:
    r"""One solved row of a triangular system: x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j)."""

    row: int  # i
    rhs: Any  # b_i
    terms: tuple[tuple[int, Any, Any], ...]  # (j, M_ij, x_j) for every nonzero M_ij, j ≠ i
    diagonal: Any  # M_ii
    value: Any  # the new x_i
    solution: tuple[Any, ...]  # x so far; None for the rows not solved yet


def backslash(U: Any, b: Any, *, keep: Iterable[int] | None = None) -> Any:
    r"""Solve the upper-triangular system U x = b by back substitution (U \ b).

        x_i = U_ii⁻¹ (b_i − Σ_{j>i} U_ij x_j),    i = n−1, …, 0.

    U is a float array (b a vector or a matrix of right-hand sides), a sympy Matrix (solved
    exactly; returns a sympy Matrix), or a 2-D object array of numbers, blocks and operators
    (b a sequence of blocks; returns a 1-D object array of blocks x_i).

    keep (object arrays only): the indices of the unknowns wanted. Every other x_j is let go
    as soon as no product still to be formed needs it — as backprop drops an adjoint once it
    has passed it on — and the result holds None in its place. Default: keep them all.

    Cost: one pass over the nonzero elements above the diagonal. For dense float arrays this is
    one Python step per row; scipy.linalg.solve_triangular runs the same recurrence in compiled
    code and is much faster for large n.
    """
    system = make_system(U, b, "U", upper=True, keep=keep)
    for _ in substitute(system, range(system.n - 1, -1, -1)):
        pass
    return system.result()


back_substitute = backslash


def forward_substitute(L: Any, b: Any, *, keep: Iterable[int] | None = None) -> Any:
    r"""Solve the lower-triangular system L x = b by forward substitution.

        x_i = L_ii⁻¹ (b_i − Σ_{j<i} L_ij x_j),    i = 0, …, n−1.

    Same inputs, outputs and recurrence as `backslash`, rows visited top to bottom.
    """
    system = make_system(L, b, "L", upper=False, keep=keep)
    for _ in substitute(system, range(system.n)):
        pass
    return system.result()


def back_substitution_steps(U: Any, b: Any) -> Iterator[SubstitutionStep]:
    r"""Back substitution one row at a time, bottom row first, as `SubstitutionStep` records.

        x_i = U_ii⁻¹ (b_i − Σ_{j>i} U_ij x_j);

    the last record's `solution` is backslash(U, b) as a tuple. Input is checked at once.
    """
    system = make_system(U, b, "U", upper=True)
    return _steps(system, range(system.n - 1, -1, -1))


def forward_substitution_steps(L: Any, b: Any) -> Iterator[SubstitutionStep]:
    r"""Forward substitution one row at a time, top row first: x_i = L_ii⁻¹ (b_i − Σ_{j<i} L_ij x_j)."""
    system = make_system(L, b, "L", upper=False)
    return _steps(system, range(system.n))


def _steps(system: Any, rows: Sequence[int]) -> Iterator[SubstitutionStep]:
    solved: set[int] = set()
    for i, terms in substitute(system, rows):
        solved.add(i)
        yield SubstitutionStep(
            row=i,
            rhs=system.b[i],
            terms=system.describe(terms),
            diagonal=system.diagonal(i),
            value=system.value(i),
            solution=tuple(system.value(k) if k in solved else None for k in range(system.n)),
        )


def block_multiply(M: np.ndarray, x: Sequence[Any]) -> np.ndarray:
    r"""Multiply a matrix of numbers, blocks or operators by a vector of blocks: y_i = Σ_j M_ij x_j.

    Zero elements are skipped; a row without nonzero elements gives the number 0. The products
    are formed as in the solves (`Products`): a right factor ℬ shared by compositions 𝒜 @ ℬ
    in one column is applied to x_j once. No y_i is one of the x_j or a shared product.
    """
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"M must be a 2-D matrix, got shape {M.shape}")
    if len(x) != M.shape[1]:
        raise ValueError(f"x has {len(x)} blocks but M has {M.shape[1]} columns")
    nonzero = [[(j, M[i, j]) for j in range(M.shape[1]) if not is_zero(M[i, j])]
               for i in range(M.shape[0])]
    products = Products((i, j, m) for i, row in enumerate(nonzero) for j, m in row)
    y = np.empty(M.shape[0], dtype=object)
    for i, row in enumerate(nonzero):
        total = None
        for j, _ in row:
            c, t = products.product(i, j, x[j], "M")
            if total is None:
                total = products.owned(t, x[j]) if c == 1 else c * t
            else:
                total = total + t if c == 1 else total + c * t  # y_i = Σ_j c_ij t_ij
        y[i] = 0 if total is None else total
    return y
