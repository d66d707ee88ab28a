r"""The systems that run the one back substitution over a semiring, one per shape of input.

:func:`course_lib.substitution.substitute` solves x = b ⊕ (N ⊗ x) row by row,
x_i = b_i ⊕ ⊕_j N_ij ⊗ x_j, on any object with ``b``, ``x``, ``row``, ``eliminate`` and
``pivot``. These three make that fast for the three shapes lesson 12 needs:

* `DenseRows` — N a dense float array: a row is one vectorised ⊗ and one ⊕-reduction over
  every known x_j (a BLAS dot for sum-product);
* `LevelRows` — N sparse (CSR), a big DAG: the rows are solved a *level* at a time
  (:func:`course_lib.dag.levels`: the rows of one level read only lower levels), each level by
  one gather of its edges and one segmented ⊕-reduction (``ufunc.reduceat``) — O(edges) numpy
  work and one Python step per level instead of per edge;
* `BlockRows` — a chain of S×S blocks (:class:`Block`): one vectorised block product per row,
  as Viterbi and forward–backward need.

Each gives the same x as :class:`~course_lib.substitution.PlainSystem` with the semiring as its
algebra (tests/test_semiring.py checks it on random systems).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from course_lib import dag
from course_lib.dag import _ragged_positions

__all__ = ["Block", "DenseRows", "LevelRows", "BlockRows", "reduce_plus"]


def reduce_plus(ring: Any, values: np.ndarray, axis: int = -1) -> np.ndarray:
    r"""⊕ over an axis: Σ, max, min, or log Σ exp (computed with the max shift, safe for −inf)."""
    if ring.name == "log-sum-exp":
        if values.shape[axis] == 0:
            return np.full(np.delete(values.shape, axis if axis >= 0 else values.ndim + axis),
                           -np.inf)
        m = np.max(values, axis=axis, keepdims=True)
        m = np.where(m == -np.inf, 0.0, m)  # an all-zero slice stays −inf below
        with np.errstate(divide="ignore"):
            s = np.log(np.sum(np.exp(values - m), axis=axis, keepdims=True)) + m
        return np.squeeze(s, axis=axis)
    return ring.plus.reduce(values, axis=axis, initial=ring.zero)


class Block:
    r"""A block element x ↦ M ⊗ (d ⊗ x) of a semiring: (M ⊗ (d ⊗ x))_s = ⊕_{s'} M_{ss'} ⊗ d_{s'} ⊗ x_{s'}.

    ``matrix`` M is S×S', ``right`` d (optional) a vector of length S' — a diagonal block applied
    first. One vectorised ⊗ and one ⊕-reduction per product.
    """

    is_zero = False

    def __init__(self, matrix: np.ndarray, right: np.ndarray | None, ring: Any) -> None:
        self.matrix, self.right, self.ring = matrix, right, ring

    def apply(self, x: np.ndarray) -> np.ndarray:
        ring = self.ring
        v = x if self.right is None else ring.times(self.right, x)  # d ⊗ x
        if ring.name == "sum-product":
            return self.matrix @ v  # Σ_{s'} M_{ss'} v_{s'}: BLAS
        if ring.name in ("max-plus", "min-plus"):
            return ring.plus.reduce(self.matrix + v, axis=1)  # max or min of M_{ss'} + v_{s'}
        return reduce_plus(ring, ring.times(self.matrix, v), axis=1)

    __matmul__ = apply

    def __repr__(self) -> str:
        return f"Block({self.matrix.shape[0]}×{self.matrix.shape[1]}, {self.ring.name})"


class DenseRows:
    r"""x = b ⊕ N ⊗ x with N a dense strictly upper-triangular array: row i reads x_{i+1 …}."""

    def __init__(self, N: np.ndarray, b: np.ndarray, ring: Any) -> None:
        self.N, self.b, self.ring = N, b, ring
        self.n = len(b)
        self.x = np.full(self.n, ring.zero)

    def row(self, i: int) -> list[tuple[slice, np.ndarray]]:
        known = slice(i + 1, self.n)
        return [(known, self.N[i, known])] if i + 1 < self.n else []

    def eliminate(self, r: float, i: int, j: slice, m: np.ndarray, xj: np.ndarray) -> float:
        ring = self.ring
        if ring.name == "sum-product":
            return r + m @ xj  # b_i + Σ_j N_ij x_j
        return ring.plus(r, reduce_plus(ring, ring.times(m, xj)))  # b_i ⊕ ⊕_j N_ij ⊗ x_j

    def pivot(self, i: int, r: float) -> float:
        return r


class LevelRows:
    r"""x = b ⊕ N ⊗ x with N in CSR form (row i reads the columns it stores), a level at a time.

    Iterate over :meth:`batches` (the rows of one level, lowest first) for the row order; every
    stored entry is an edge, and duplicates are ⊕-ed like separate edges.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 b: np.ndarray, ring: Any) -> None:
        self.indptr, self.indices, self.data, self.b, self.ring = indptr, indices, data, b, ring
        self.n = len(b)
        self.x = np.full(self.n, ring.zero)

    def batches(self) -> list[np.ndarray]:
        import scipy.sparse

        pattern = scipy.sparse.csr_array(
            (np.ones(len(self.indices), dtype=np.int8), self.indices, self.indptr),
            shape=(self.n, self.n))
        return dag.level_batches(dag.levels(pattern))

    def row(self, rows: np.ndarray) -> list[tuple[np.ndarray, tuple]]:
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        edges = _ragged_positions(starts, ends)
        if edges.size == 0:
            return []
        lengths = ends - starts
        reading = lengths > 0  # rows with at least one edge
        segment_starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[reading]
        return [(self.indices[edges], (self.data[edges], segment_starts, reading))]

    def eliminate(self, r: np.ndarray, rows: np.ndarray, cols: np.ndarray, m: tuple,
                  xj: np.ndarray) -> np.ndarray:
        data, segment_starts, reading = m
        ring = self.ring
        products = ring.times(data, xj)  # N_ij ⊗ x_j for every edge of these rows
        if ring.name == "log-sum-exp":
            reduced = _segment_logsumexp(products, segment_starts)
        else:
            reduced = ring.plus.reduceat(products, segment_starts)  # ⊕ over each row's edges
        r = np.array(r, dtype=float)
        r[reading] = ring.plus(r[reading], reduced)  # b_i ⊕ ⊕_j N_ij ⊗ x_j
        return r

    def pivot(self, rows: np.ndarray, r: np.ndarray) -> np.ndarray:
        return r


def _segment_logsumexp(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    r"""log Σ exp over the segments values[starts[k]:starts[k+1]], with the max shift."""
    m = np.maximum.reduceat(values, starts)
    m = np.where(m == -np.inf, 0.0, m)
    lengths = np.diff(np.append(starts, len(values)))
    with np.errstate(divide="ignore"):
        return np.log(np.add.reduceat(np.exp(values - np.repeat(m, lengths)), starts)) + m


class BlockRows:
    r"""x = b ⊕ N ⊗ x whose elements are :class:`Block` s: ``rows[i]`` lists the (j, N_ij).

    ``b[i]`` is a vector, or None for the zero vector of the semiring (its row then starts from
    its first product, so no zeros are allocated).
    """

    def __init__(self, rows: list[list[tuple[int, Block]]], b: list, ring: Any) -> None:
        self.rows, self.b, self.ring = rows, b, ring
        self.x: list[Any] = [None] * len(b)

    def row(self, i: int) -> list[tuple[int, Block]]:
        return self.rows[i]

    def eliminate(self, r: Any, i: int, j: int, m: Block, xj: np.ndarray) -> np.ndarray:
        t = m.apply(xj)  # N_ij ⊗ x_j
        return t if r is None else self.ring.plus(r, t)  # r ⊕ N_ij ⊗ x_j

    def pivot(self, i: int, r: Any) -> Any:
        return r
