r"""Triangular solves, written once for every kind of matrix element.

Back substitution solves an upper-triangular system U x = b from the bottom row up,

    x_i = U_ii⁻¹ (b_i − Σ_{j>i} U_ij x_j),    i = n−1, …, 1, 0,

and forward substitution solves a lower-triangular L x = b from the top row down,

    x_i = L_ii⁻¹ (b_i − Σ_{j<i} L_ij x_j),    i = 0, 1, …, n−1.

Both are one recurrence, x_i = M_ii⁻¹ (b_i − Σ_{j≠i} M_ij x_j), visited in two row orders;
`_substitute` is the only place it is written. As in Edelman, Akyürek & Wang (2023), the
recurrence never asks what a matrix element *is*. It needs a product M_ij x_j, a difference, and
the action of M_ii⁻¹, which each kind of input supplies:

* float (or complex) numpy arrays: a row is one vectorised product U[i, J] @ x[J] over the
  solved indices J; M_ii⁻¹ is a division. b may be a vector or a matrix of right-hand sides.
* sympy Matrices: exact arithmetic, the result is a sympy Matrix.
* 2-D numpy object arrays whose elements are numbers, 2-D numpy blocks, or operators (anything
  with `@` and `.T`, e.g. `course_lib.operators`); b is then a sequence of blocks, where None
  stands for a zero block (its row starts from −Σ_j M_ij x_j, so no zeros are allocated). Zero
  elements (0, None, an all-zero block, anything with `is_zero` true) are skipped once, up
  front, so only the nonzero off-diagonal elements cost work. A diagonal element may be a
  nonzero number, an invertible block (`numpy.linalg.solve`) or an operator with an
  `inverse()` method.

Two savings on operator elements, both exact (`_Products`): a multiple c·𝒜 (an object with
scalar `.c` and `.op`, like `operators.Scaled`) is applied as 𝒜 and its factor folded into the
sum, so b_i − (−1)·𝒜x_j costs no pass to negate; and compositions 𝒜 @ ℬ in one column j with
the same right factor ℬ (the same object) share ℬ x_j, computed once — in an MLP's adjoint
system Hadamard(Δ_i) λ_i serves the λ_{i−1}, W_i and b_i rows, as hand-written backprop
computes Δ_i ∘ λ_i once. And with `keep=` the caller names the unknowns it wants; each other
x_j is let go as soon as no product still to be formed reads it (after a shared ℬ x_j is made,
its users no longer need x_j), as backprop drops an adjoint it has passed on: an MLP's solve
then peaks at the memory of hand-written backprop (benchmarks/bench_mlp.py measures it).

The generator `back_substitution_steps` runs the same recurrence and yields one record per row.
"""

from __future__ import annotations

import cmath
import numbers
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy


@dataclass(frozen=True)
class SubstitutionStep:
    r"""One solved row of a triangular system: x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j)."""

    row: int  # i
    rhs: Any  # b_i
    terms: tuple[tuple[int, Any, Any], ...]  # (j, M_ij, x_j) for every nonzero M_ij, j ≠ i
    diagonal: Any  # M_ii
    value: Any  # the new x_i
    solution: tuple[Any, ...]  # x so far; None for the rows not solved yet


# -- the recurrence ---------------------------------------------------------------------------


def _substitute(system: _Dense | _Elements, rows: Sequence[int]) -> Iterator[tuple[int, list]]:
    r"""Solve the rows in the given order: x_i = M_ii⁻¹ (b_i − Σ_{j≠i} M_ij x_j).

    Yields (i, terms) after each row, terms being the (j, M_ij) that were used; `system.x`
    holds the solution so far.
    """
    x = system.x
    for i in rows:
        terms = system.row(i)  # the nonzero M_ij, j already solved
        r = system.b[i]  # None: a zero block, b_i = 0
        for j, m_ij in terms:
            r = system.subtract(r, i, j, m_ij, x[j])  # r ← r − M_ij x_j: b_i − Σ_j M_ij x_j
        x[i] = system.solve_diagonal(i, r)  # x_i = M_ii⁻¹ (…)
        yield i, terms


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
    system = _system(U, b, "U", upper=True, keep=keep)
    for _ in _substitute(system, range(system.n - 1, -1, -1)):
        pass
    return system.result()


back_substitute = backslash


def forward_substitute(L: Any, b: Any, *, keep: Iterable[int] | None = None) -> Any:
    r"""Solve the lower-triangular system L x = b by forward substitution.

        x_i = L_ii⁻¹ (b_i − Σ_{j<i} L_ij x_j),    i = 0, …, n−1.

    Same inputs, outputs and recurrence as `backslash`, rows visited top to bottom.
    """
    system = _system(L, b, "L", upper=False, keep=keep)
    for _ in _substitute(system, range(system.n)):
        pass
    return system.result()


def back_substitution_steps(U: Any, b: Any) -> Iterator[SubstitutionStep]:
    r"""Back substitution one row at a time, bottom row first, as `SubstitutionStep` records.

        x_i = U_ii⁻¹ (b_i − Σ_{j>i} U_ij x_j);

    the last record's `solution` is backslash(U, b) as a tuple. Input is checked at once.
    """
    system = _system(U, b, "U", upper=True)
    return _steps(system, range(system.n - 1, -1, -1))


def forward_substitution_steps(L: Any, b: Any) -> Iterator[SubstitutionStep]:
    r"""Forward substitution one row at a time, top row first: x_i = L_ii⁻¹ (b_i − Σ_{j<i} L_ij x_j)."""
    system = _system(L, b, "L", upper=False)
    return _steps(system, range(system.n))


def _steps(system: _Dense | _Elements, rows: Sequence[int]) -> Iterator[SubstitutionStep]:
    solved: set[int] = set()
    for i, terms in _substitute(system, rows):
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
    are formed as in the solves (`_Products`): a right factor ℬ shared by compositions 𝒜 @ ℬ
    in one column is applied to x_j once. No y_i is one of the x_j or a shared product.
    """
    M = np.asarray(M)
    if M.ndim != 2:
        raise ValueError(f"M must be a 2-D matrix, got shape {M.shape}")
    if len(x) != M.shape[1]:
        raise ValueError(f"x has {len(x)} blocks but M has {M.shape[1]} columns")
    nonzero = [[(j, M[i, j]) for j in range(M.shape[1]) if not _is_zero(M[i, j])]
               for i in range(M.shape[0])]
    products = _Products((i, j, m) for i, row in enumerate(nonzero) for j, m in row)
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


class _Products:
    r"""The products M_ij x_j of the nonzero elements of one matrix, as c·t with M_ij x_j = c t.

    An element c·𝒜 (an operator with scalar `.c` and `.op`, such as `operators.Scaled`, nested
    or not) returns its factor c apart from t = 𝒜 x_j, so the caller folds c into its sum. An
    element 𝒜 @ ℬ (`.outer`, `.inner`) whose right factor ℬ — the same object — occurs in
    several elements of column j applies ℬ to x_j once: the product is kept until its last
    user has taken it, then dropped. Other elements, numbers and blocks are applied directly.
    `needs(j)` says whether a product still to be formed reads x_j itself.
    """

    def __init__(self, elements: Any) -> None:
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
            return c, _product(op, xj, name, i, j)
        if key not in self.values:
            self.reads[j] -= 1
            self.values[key] = _product(inner, xj, name, i, j)
        shared = self.values[key]
        self.users[key] -= 1
        if self.users[key] == 0:  # the last user: let it go
            del self.users[key], self.values[key]
        return c, _product(op.outer, shared, name, i, j)

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
    if _is_number(m) or isinstance(m, np.ndarray | sympy.MatrixBase):
        return 1, m, None
    c = 1
    while _is_scalar_multiple(m):
        c, m = c * m.c, m.op
    inner = getattr(m, "inner", None) if hasattr(m, "outer") else None
    return c, m, inner


def _is_scalar_multiple(m: Any) -> bool:
    return (hasattr(m, "op") and _is_plain_number(getattr(m, "c", None))
            and not isinstance(m.c, bool))


# -- element arithmetic -----------------------------------------------------------------------


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


_is_number = _type_test((numbers.Number, sympy.Basic), "A Python, numpy or sympy number.")
_is_plain_number = _type_test((numbers.Number,), "A Python or numpy number (or sympy's).")


def _is_zero(e: Any) -> bool:
    if e is None:
        return True
    if isinstance(e, np.ndarray):
        return not e.any()
    if _is_plain_number(e):
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


def _shape(e: Any) -> tuple[int, ...]:
    return tuple(getattr(e, "shape", ()))


def _product(m: Any, x: Any, name: str, i: int, j: int) -> Any:
    r"""The product M_ij x_j (of the matrix called `name`): a number scales, a block or an
    operator acts with @."""
    try:
        return m * x if _is_number(m) else m @ x
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name}[{i}, {j}] cannot multiply x[{j}] of shape {_shape(x)}: {err}"
                         ) from None


# -- systems: one per kind of input, each supplying the arithmetic ----------------------------


def _system(M: Any, b: Any, name: str, upper: bool, keep: Iterable[int] | None = None
            ) -> _Dense | _Elements:
    """Check the input and wrap it in the system class for its kind of element."""
    arr = M if isinstance(M, sympy.MatrixBase | np.ndarray) else np.asarray(M)
    if arr is not M and arr.dtype.kind not in "biufcO":  # a str, a list of strings, ...
        raise TypeError(f"{name} must be a numeric array, a sympy Matrix or a 2-D object array "
                        f"of blocks or operators, got {type(M).__name__} {M!r:.40}")
    if keep is not None and not (isinstance(arr, np.ndarray) and arr.dtype == object):
        raise ValueError("keep applies to systems of blocks or operators (2-D object arrays); "
                         f"a {type(M).__name__} system returns every unknown")
    if isinstance(arr, sympy.MatrixBase):
        return _sympy_system(arr, b, name, upper)
    if arr.dtype == object:
        return _Elements(arr, b, name, upper, result=_object_result, keep=keep)
    return _Dense(arr, b, name, upper)


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


def _check_square(shape: tuple[int, ...], name: str) -> int:
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


class _Dense:
    r"""Float or complex arrays: one row is one vectorised product U[i, J] @ x[J]."""

    def __init__(self, M: np.ndarray, b: Any, name: str, upper: bool) -> None:
        self.n = _check_square(M.shape, name)
        b = np.asarray(b)
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
        self.M, self.b, self.name, self.upper = M, b, name, upper
        self.x = np.zeros(b.shape, dtype=np.result_type(M, b, float))

    def row(self, i: int) -> list[tuple[slice, np.ndarray]]:
        known = slice(i + 1, self.n) if self.upper else slice(0, i)
        return [(known, self.M[i, known])]  # the whole solved part of the row, as one block

    def subtract(self, r: np.ndarray, i: int, j: slice, m: np.ndarray, xj: np.ndarray) -> Any:
        return r - m @ xj  # b_i − Σ_{j∈J} U_ij x_j, the sum in one product

    def solve_diagonal(self, i: int, r: Any) -> Any:
        with np.errstate(all="ignore"):  # overflow is reported below, as a ValueError
            v = r / self.M[i, i]
        if not np.isfinite(v).all():
            raise _overflow(self.name, i)
        return v

    def diagonal(self, i: int) -> Any:
        return self.M[i, i].item()

    def value(self, i: int) -> Any:
        return self.x[i].copy() if self.x.ndim == 2 else self.x[i].item()

    def describe(self, terms: list) -> tuple[tuple[int, Any, Any], ...]:
        [(known, m)] = terms
        js = range(self.n)[known]
        return tuple((j, m[k].item(), self.value(j)) for k, j in enumerate(js) if m[k] != 0)

    def result(self) -> np.ndarray:
        return self.x


class _Elements:
    r"""Elements that are numbers, blocks or operators; zeros are found once and skipped."""

    def __init__(self, M: np.ndarray, b: Any, name: str, upper: bool, result: Any,
                 keep: Iterable[int] | None = None) -> None:
        self.n = n = _check_square(M.shape, name)
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
        operator_diagonal = [not (_is_number(M[j, j]) or isinstance(M[j, j], np.ndarray))
                             for j in range(n)]
        for i, j, m in ((i, j, m) for i, row in enumerate(M.tolist())  # row-major: errors
                        for j, m in enumerate(row) if m is not None):  # name the first culprit
            where = f"{name}[{i}, {j}]"
            _check_element(m, where)
            if i == j or _is_zero(m):
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
        self.products = _Products((i, j, m) for i, row in enumerate(self.rows) for j, m in row)

    def row(self, i: int) -> list[tuple[int, Any]]:
        return self.rows[i]

    def subtract(self, r: Any, i: int, j: int, m: Any, xj: Any) -> Any:
        r"""r − M_ij x_j, with M_ij x_j = c·t from `_Products` and c folded in (r None is 0)."""
        c, t = self.products.product(i, j, xj, self.name)
        if self.released is not None and j in self.released and not self.products.needs(j):
            self.x[j] = None  # not wanted, and every product of x_j has been formed
        if self.b[i] is not None:
            expected = _shape(self.b[i])
        else:  # a zero b_i takes the shape of its row's first term
            expected = self.first_shape.setdefault(i, _shape(t))
        if _shape(t) != expected:  # numpy would broadcast silently
            first = self.rows[i][0][0]
            against = f"b[{i}]" if self.b[i] is not None else f"{self.name}[{i}, {first}] x[{first}]"
            raise ValueError(
                f"{self.name}[{i}, {j}] x[{j}] has shape {_shape(t)}, "
                f"but {against} has shape {expected}"
            )
        if r is None:
            return self.products.owned(t, xj) if c == -1 else (-t if c == 1 else -c * t)
        return r + t if c == -1 else (r - t if c == 1 else r - c * t)

    def solve_diagonal(self, i: int, r: Any) -> Any:
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
                v = v.copy()  # pivot returns r itself: never alias b
                v = v.copy()
        elif _is_plain_number(v) and not np.isfinite(complex(v)):
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
    elif _is_plain_number(m):
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
    if _is_zero(d):
        raise _zero_pivot(name, i)
    if _is_number(d):
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


# -- sympy ------------------------------------------------------------------------------------


def _sympy_system(M: sympy.MatrixBase, b: Any, name: str, upper: bool) -> _Elements:
    r"""Exact solve: the elements are sympy scalars and each b_i is a 1×k row of b."""
    n = _check_square(M.shape, name)
    B = b if isinstance(b, sympy.MatrixBase) else sympy.Matrix(b)
    if B.rows != n:
        raise ValueError(f"b must have {n} rows to match {name} of shape {M.shape}, got {B.shape}")
    elements = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            elements[i, j] = M[i, j]
    k = B.cols
    return _Elements(elements, [B.row(i) for i in range(n)], name, upper,
                     result=lambda x: sympy.Matrix.vstack(*x) if x else sympy.zeros(0, k))
