r"""Longest paths in a directed acyclic graph, by rounds of Kahn's algorithm.

For a DAG given by the sparsity pattern of a square matrix (row i reads the columns j with a
stored entry, an edge i → j), the *level* of a node is the number of edges of the longest path
that starts there:

    level_i = 0 if row i reads nothing,    level_i = 1 + max_{j read by i} level_j.

It is the (max, +) closure of lesson 12 with every edge weighing 1 (tests/test_semiring.py
checks one against the other). Rows of one level read only rows of lower levels, so a level is
a batch of rows that a back substitution may solve together (:mod:`course_lib.semiring_systems`);
the largest level is the longest path of the DAG, after which Jacobi is exact (lesson 06).

Computed by peeling: round 0 is every node that reads nothing; round k every node whose last
unsolved successor was removed in round k − 1. Each round is a few numpy operations on the
edges into the removed nodes, so the whole pass costs O(edges log edges), not O(levels · n).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

__all__ = ["levels", "level_batches", "longest_path_length"]


def _ragged_positions(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    r"""The concatenation of range(starts[k], ends[k]) over k, without a Python loop."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.intp)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return offsets + np.arange(total)


def levels(pattern) -> np.ndarray:
    r"""level_i = edges on the longest path from node i (row i reads the columns it stores).

    ``pattern``: a square scipy.sparse matrix or a 2-D array (nonzero entries are edges). The
    graph must be acyclic (``ValueError`` naming how many nodes lie on or behind a cycle).
    """
    A = scipy.sparse.csr_array(pattern) if not scipy.sparse.issparse(pattern) else pattern.tocsr()
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"the DAG must be a square matrix, got shape {A.shape}")
    n = A.shape[0]
    out_degree = np.diff(A.indptr).astype(np.intp)  # stored entries of each row
    readers = A.tocsc()  # column j: the rows that read x_j
    col_ptr, reader_rows = readers.indptr, readers.indices
    level = np.full(n, -1, dtype=np.intp)
    frontier = np.flatnonzero(out_degree == 0)
    round_number = 0
    while frontier.size:
        level[frontier] = round_number
        hit = reader_rows[_ragged_positions(col_ptr[frontier], col_ptr[frontier + 1])]
        if hit.size == 0:
            break
        rows, counts = np.unique(hit, return_counts=True)
        out_degree[rows] -= counts  # each removed successor ends one wait
        frontier = rows[out_degree[rows] == 0]
        round_number += 1
    stuck = np.flatnonzero(level < 0)
    if stuck.size:
        raise ValueError(f"the graph has a cycle: {stuck.size} nodes (e.g. node {stuck[0]}) lie "
                         "on or behind one, so no order solves them")
    return level


def level_batches(level: np.ndarray) -> list[np.ndarray]:
    r"""The nodes grouped by level, lowest first: batches[k] = the nodes with level k, sorted."""
    order = np.argsort(level, kind="stable")
    cuts = np.flatnonzero(np.diff(level[order])) + 1
    return np.split(order, cuts) if order.size else []


def longest_path_length(pattern) -> int:
    r"""Number of edges on the longest path of the DAG (0 for a graph without edges)."""
    level = levels(pattern)
    return int(level.max(initial=0))
