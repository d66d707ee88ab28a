r"""The Lagrange matrix ``A = Jᵀ − I``: backprop as one triangular solve.

Minimising ``z_n`` subject to the computation ``z_i = f_i(z_a(i))`` has the Lagrangian

    L(z, λ) = z_n − Σ_i λ_i (z_i − f_i(z_a(i))).

Setting ``∂L/∂z_i = 0`` for every node gives one linear equation per node,

    −λ_i + Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i = −[i = n],      i.e.      A λ = b,

with ``A = Jᵀ − I`` (``A[i, k] = J[k, i] = ∂f_k/∂z_i`` for ``k ∈ b(i)``, −1 on the
diagonal) and ``b = −e_n``. In topological order every user comes after its
arguments, so ``A`` is upper triangular: back substitution from the output up is
backpropagation, and its solution is the adjoint ``λ_i = ∂z_n/∂z_i`` of every node.
(An input has no constraint of its own; its row is the same formula, read as the
definition of its adjoint — the gradient ``∂L/∂z_i``.)

Dense systems are solved by the course's one generic solver,
:func:`course_lib.substitution.backslash`; large sparse ones by scipy's sparse
triangular solve (:func:`sparse_adjoints`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import sympy

from course_lib.graph import Graph
from course_lib.rng import as_generator
from course_lib.substitution import backslash

if TYPE_CHECKING:
    import scipy.sparse

__all__ = [
    "check_output",
    "jacobian_matrix",
    "lagrange_matrix",
    "lagrange_matrix_sparse",
    "adjoints",
    "sparse_adjoints",
    "random_dag_system",
]


def _scipy_sparse():
    r"""``scipy.sparse`` (with ``scipy.sparse.linalg``), imported on first use.

    Importing it takes 0.1–0.2 s; a lesson that never builds a sparse system need not pay.
    """
    import scipy.sparse
    import scipy.sparse.linalg

    return scipy.sparse


def _check_graph(g) -> Graph:
    if not isinstance(g, Graph):
        raise TypeError(f"g must be a course_lib.graph.Graph, got {type(g).__name__}; "
                        "build one with Graph.from_assignments")
    return g


def check_output(g: Graph, output: str) -> str:
    r"""Check that ``output`` names a node ``z_n`` of ``g`` and return it."""
    _check_graph(g)
    if not isinstance(output, str):
        raise TypeError(f"output must be a node name (a string), got {output!r}")
    if output not in g.order:
        raise ValueError(f"output {output!r} is not a node of the graph; "
                         f"the nodes are {', '.join(g.order)}")
    return output


def jacobian_matrix(g: Graph, values: Mapping[str, float] | None) -> np.ndarray | sympy.Matrix:
    r"""The local Jacobian ``J[k, i] = ∂f_k/∂z_i``, rows and columns in ``g.order``.

    Strictly lower triangular (an argument precedes its users). With ``values=None``
    a sympy Matrix of the symbolic partials; otherwise a float array evaluated at the
    forward point of ``values`` (``{input: number}``).
    """
    _check_graph(g)
    n = len(g.order)
    if values is None:
        J = sympy.zeros(n, n)
        partials = g.partials
    else:
        J = np.zeros((n, n))
        partials = g.partial_values(values)
    for (k, i), d in partials.items():
        J[g.index(k), g.index(i)] = d  # J[k, i] = ∂f_k/∂z_i
    return J


def lagrange_matrix(g: Graph, values: Mapping[str, float] | None,
                    output: str) -> tuple[np.ndarray, np.ndarray] | tuple[sympy.Matrix, sympy.Matrix]:
    r"""The stationarity system ``A λ = b`` of the Lagrangian: ``A = Jᵀ − I``, ``b = −e_n``.

    ``A[i, k] = ∂f_k/∂z_i`` for ``k ∈ b(i)``, ``A[i, i] = −1``, zero elsewhere: upper
    triangular in ``g.order``. With ``values=None`` both are sympy Matrices (``b`` a
    column); otherwise float arrays (``b`` of shape ``(n,)``).
    """
    check_output(g, output)
    n = len(g.order)
    J = jacobian_matrix(g, values)
    if values is None:
        A = J.T - sympy.eye(n)
        b = sympy.zeros(n, 1)
    else:
        A = J.T - np.eye(n)
        b = np.zeros(n)
    b[g.index(output)] = -1  # b = −e_n
    return A, b


def lagrange_matrix_sparse(g: Graph, values: Mapping[str, float],
                           output: str) -> tuple[scipy.sparse.csr_array, np.ndarray]:
    r"""``A = Jᵀ − I`` as a scipy CSR array and ``b = −e_n``, at the point ``values``.

    Same entries as :func:`lagrange_matrix`; only the ``|edges| + n`` nonzeros are stored.
    """
    check_output(g, output)
    if values is None:
        raise TypeError("lagrange_matrix_sparse needs numeric values {input: number}; "
                        "for the symbolic matrix use lagrange_matrix(g, None, output)")
    n = len(g.order)
    partials = g.partial_values(values)
    rows = [g.index(i) for (_, i) in partials] + list(range(n))
    cols = [g.index(k) for (k, _) in partials] + list(range(n))
    data = list(partials.values()) + [-1.0] * n  # A[i, k] = ∂f_k/∂z_i; A[i, i] = −1
    A = _scipy_sparse().coo_array((data, (rows, cols)), shape=(n, n)).tocsr()
    b = np.zeros(n)
    b[g.index(output)] = -1.0
    return A, b


def adjoints(g: Graph, values: Mapping[str, float], output: str) -> dict[str, float]:
    r"""Every adjoint ``λ_i = ∂z_n/∂z_i`` by back substitution on ``A λ = −e_n``.

    ``λ_n = 1``; ``λ_i = Σ_{k ∈ b(i)} λ_k ∂f_k/∂z_i``; nodes that do not reach the
    output get 0. Solved with the generic :func:`~course_lib.substitution.backslash`.
    """
    check_output(g, output)
    if values is None:
        raise TypeError("adjoints needs numeric values {input: number}; for symbolic "
                        "adjoints use course_lib.symbolic.solve_adjoints")
    A, b = lagrange_matrix(g, values, output)
    lam = backslash(A, b)
    return {name: float(lam[g.index(name)]) for name in g.order}


def _check_sparse_system(A, b) -> tuple[scipy.sparse.csr_array, np.ndarray, np.ndarray]:
    r"""Return ``A`` as canonical CSR, the row of each stored entry, and ``b`` as floats.

    Raises if ``A`` is not square, not upper triangular or has a zero on its diagonal.
    """
    sparse = _scipy_sparse()
    if not sparse.issparse(A):
        raise TypeError(f"A must be a scipy.sparse matrix or array, got {type(A).__name__}; "
                        "for a dense system use course_lib.substitution.backslash")
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be square, got shape {A.shape}")
    n = A.shape[0]
    b = np.asarray(b)
    if b.shape != (n,):
        raise ValueError(f"b must have shape ({n},) to match A of shape {A.shape}, "
                         f"got {b.shape}")
    if not (np.issubdtype(b.dtype, np.number) and np.all(np.isfinite(b))):
        raise ValueError("b must hold finite real numbers")
    A = sparse.csr_array(A, dtype=float)
    if not A.has_canonical_format:
        A = A.copy()
        A.sum_duplicates()
    if not np.all(np.isfinite(A.data)):
        raise ValueError("A has non-finite entries")
    row = np.repeat(np.arange(n), np.diff(A.indptr))  # the row of every stored entry
    below = (row > A.indices) & (A.data != 0)
    if below.any():
        j = int(np.argmax(below))
        raise ValueError(f"A is not upper triangular: A[{row[j]}, {A.indices[j]}] = "
                         f"{A.data[j]} lies below the diagonal")
    return A, row, b.astype(float)


def sparse_adjoints(A, b) -> np.ndarray:
    r"""Solve the upper-triangular sparse system ``A λ = b`` (for backprop ``b = −e_n``).

    Back substitution ``λ_i = (b_i − Σ_{k > i} A[i, k] λ_k) / A[i, i]``, done in
    compiled code by :func:`scipy.sparse.linalg.spsolve_triangular` (SuperLU's
    triangular solve): time and memory linear in the number of nonzeros.

    Each row is first divided by its diagonal entry, so scipy is called with
    ``unit_diagonal=True``: its own rescaling for a general diagonal is a sparse
    matrix product that costs several times the solve (``benchmarks/bench_sparse.py``).
    """
    A, row, b = _check_sparse_system(A, b)
    on_diagonal = row == A.indices
    d = np.zeros(A.shape[0])
    d[row[on_diagonal]] = A.data[on_diagonal]  # A[i, i]
    zero = np.flatnonzero(d == 0)
    if zero.size:
        raise ValueError(f"A has a zero on its diagonal at row {zero[0]}; "
                         "back substitution would divide by it")
    sparse = _scipy_sparse()
    scaled = sparse.csr_array((A.data / d[row], A.indices, A.indptr),
                              shape=A.shape)  # D⁻¹ A: row i divided by A[i, i]
    return sparse.linalg.spsolve_triangular(scaled, b / d, lower=False, unit_diagonal=True,
                                            overwrite_A=True, overwrite_b=True)


def random_dag_system(n: int, fan_in: int = 2,
                      seed: int | None = None) -> tuple[scipy.sparse.csr_array, np.ndarray]:
    r"""A random ``A = Jᵀ − I`` (CSR) and ``b = −e_n`` for a DAG of ``n`` nodes, without sympy.

    Nodes ``0 … fan_in − 1`` are inputs; every later node ``k`` reads ``fan_in`` distinct
    earlier nodes ``i`` chosen uniformly, with local partials ``J[k, i] = ∂f_k/∂z_i``
    drawn uniformly from ``[−1, 1]``. The output is the last node.
    """
    for name, v in (("n", n), ("fan_in", fan_in)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name} must be an integer, got {v!r}")
    if fan_in < 1:
        raise ValueError(f"fan_in must be at least 1, got {fan_in}")
    if n <= fan_in:
        raise ValueError(f"n must exceed fan_in (some node must read {fan_in} earlier "
                         f"nodes), got n={n}, fan_in={fan_in}")
    rng = as_generator(seed)
    users = np.arange(fan_in, n)  # node k, for each assigned node
    # Floyd's algorithm, vectorised over k: a uniform fan_in-subset of {0, …, k − 1}.
    args = np.empty((users.size, fan_in), dtype=np.int64)
    for s in range(fan_in):
        top = users - fan_in + s  # draw t ∈ {0, …, top}; if taken, take top itself
        t = np.floor(rng.random(users.size) * (top + 1)).astype(np.int64)
        taken = (args[:, :s] == t[:, None]).any(axis=1)
        args[:, s] = np.where(taken, top, t)
    partials = rng.uniform(-1.0, 1.0, size=args.shape)
    rows = np.concatenate([args.ravel(), np.arange(n)])  # row i = the argument
    cols = np.concatenate([np.repeat(users, fan_in), np.arange(n)])  # column k = the user
    data = np.concatenate([partials.ravel(), -np.ones(n)])  # A[i, k] = J[k, i]; A[i, i] = −1
    A = _scipy_sparse().coo_array((data, (rows, cols)), shape=(n, n)).tocsr()
    b = np.zeros(n)
    b[-1] = -1.0
    return A, b
