r"""Model builders for the lessons: Ising models (ring, grid, any graph), random chains and trees.

Each returns a :class:`~course_lib.factor_graph.FactorGraph`; all are re-exported from
:mod:`course_lib.factor_graph`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from course_lib.rng import as_generator

if TYPE_CHECKING:  # factor_graph re-exports this module's builders, so it is imported at call time
    from course_lib.factor_graph import FactorGraph

__all__ = ["ising_model", "ising_cycle", "ising_grid", "chain_model", "random_tree_model"]


# ---------------------------------------------------------------------- model builders
def _per_item(value, count: int, what: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        arr = np.full(count, float(arr))
    if arr.shape != (count,):
        raise ValueError(f"{what} must be a number or have shape ({count},), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} must be finite, got {arr}")
    return arr


def ising_model(n: int, edges: Iterable[tuple[int, int]], coupling, field=0.0,
                prefix: str = "x") -> FactorGraph:
    r"""Binary pairwise model on spins ``s_i = 2 x_i − 1 ∈ {−1, +1}`` (state 0 ↔ −1).

        p(x) ∝ exp( Σ_{(u,v) ∈ edges} θ_uv s_u s_v + Σ_u θ_u s_u )

    in its natural parameters: one pairwise factor ``exp(θ_uv s_u s_v)`` per edge and one
    unary factor ``exp(θ_u s_u)`` per variable; variables are named ``f"{prefix}{u}"``.
    ``coupling`` θ_uv is a number or one value per edge; ``field`` θ_u a number or one value
    per variable. θ_uv < 0 (antiferromagnetic) around an odd cycle is *frustrated*: not every
    coupling can be satisfied.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    edge_list = [tuple(e) for e in edges]
    for e in edge_list:
        if len(e) != 2 or not all(isinstance(i, numbers.Integral) and 0 <= i < n for i in e):
            raise ValueError(f"edge {e!r} must be a pair of spin indices in 0..{n - 1}")
        if e[0] == e[1]:
            raise ValueError(f"edge {e!r} is a self-loop")
    couplings = _per_item(coupling, len(edge_list), "coupling")
    fields = _per_item(field, n, "field")
    from course_lib.factor_graph import FactorGraph

    spins = np.array([-1.0, 1.0])
    fg = FactorGraph({f"{prefix}{i}": 2 for i in range(n)})
    for i in range(n):
        fg.add_factor((f"{prefix}{i}",), np.exp(fields[i] * spins))  # exp(θ_u s_u)
    for (i, j), theta in zip(edge_list, couplings):
        fg.add_factor((f"{prefix}{i}", f"{prefix}{j}"),
                      np.exp(theta * np.outer(spins, spins)))  # exp(θ_uv s_u s_v)
    return fg


def ising_cycle(n: int, coupling, field=0.0) -> FactorGraph:
    r"""Ising model on a ring ``x0 – x1 – … – x_{n−1} – x0`` (a single loop, n ≥ 3).

        p(x) ∝ exp( Σ_u θ_{u,u+1} s_u s_{u+1 mod n} + Σ_u θ_u s_u )
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 3:
        raise ValueError(f"a cycle needs n ≥ 3 spins, got {n!r}")
    return ising_model(n, [(i, (i + 1) % n) for i in range(n)], coupling, field)


def ising_grid(rows: int, cols: int, coupling, field=0.0) -> FactorGraph:
    r"""Ising model on a ``rows × cols`` grid; spin ``(r, c)`` is variable ``x{r*cols + c}``.

        p(x) ∝ exp( Σ_{neighbours u~v} θ_uv s_u s_v + Σ_u θ_u s_u )

    Edges are listed row by row: first the horizontal, then the vertical ones.
    """
    for name, k in (("rows", rows), ("cols", cols)):
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"{name} must be a positive integer, got {k!r}")
    edges = [(r * cols + c, r * cols + c + 1) for r in range(rows) for c in range(cols - 1)]
    edges += [(r * cols + c, (r + 1) * cols + c) for r in range(rows - 1) for c in range(cols)]
    return ising_model(rows * cols, edges, coupling, field)


def chain_model(n: int, states: int = 2, rng=0, concentration: float = 1.0) -> FactorGraph:
    r"""A random chain (hidden-Markov-like) ``x0 – x1 – … – x_{n−1}`` with unary and pairwise factors.

        p(x) ∝ Π_i φ_i(x_i) Π_i ψ_i(x_i, x_{i+1})

    Tables are drawn as ``exp(concentration · N(0, 1))`` entries from ``rng`` (a Generator
    or a seed). Factor order: the unary factors of x0..x_{n−1}, then the pairwise ones.
    """
    return _pairwise_tree(n, states, rng, concentration, lambda gen: list(range(n - 1)))


def random_tree_model(n: int, states: int = 2, rng=0, concentration: float = 1.0) -> FactorGraph:
    r"""A random tree-structured pairwise model over ``x0 … x_{n−1}``.

        p(x) ∝ Π_i φ_i(x_i) Π_{i ≥ 1} ψ_i(x_{π(i)}, x_i),    π(i) uniform in {0, …, i − 1}

    (a random recursive tree: depth O(log n)). Tables are ``exp(concentration · N(0, 1))``
    entries. Factor order: unary factors, then the pairwise ones.
    """
    return _pairwise_tree(n, states, rng, concentration,
                          lambda gen: [int(gen.integers(i)) for i in range(1, n)])


def _pairwise_tree(n, states, rng, concentration, draw_parents) -> FactorGraph:
    r"""Unary φ_i and pairwise ψ_i(x_{π(i)}, x_i) tables exp(c·N(0,1)); π from ``draw_parents``.

    A chain is the tree with π(i) = i − 1. The tables are drawn before the parents, so both
    models use the random stream the same way.
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    from course_lib.factor_graph import FactorGraph

    gen = as_generator(rng)
    names = [f"x{i}" for i in range(n)]
    fg = FactorGraph({v: states for v in names})
    unary = np.exp(concentration * gen.standard_normal((n, states)))
    pair = np.exp(concentration * gen.standard_normal((max(n - 1, 0), states, states)))
    parents = draw_parents(gen)
    fg.add_factors([(v,) for v in names], unary)
    fg.add_factors([(names[parents[i - 1]], names[i]) for i in range(1, n)], pair)
    return fg
