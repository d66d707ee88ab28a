r"""Reverse and forward mode as the two triangular solves of one Jacobian.

With the local Jacobian J (strictly lower triangular in topological order):

- reverse mode, a vector–Jacobian product: (I − Jᵀ) λ = v, solved by back
  substitution; λ_i = v_i + Σ_{k∈b(i)} λ_k ∂f_k/∂z_i = Σ_k v_k dz_k/dz_i.
  Backprop is the case v = e_n (one scalar output): then λ = −A⁻¹ e_n with A = Jᵀ − I.
- forward mode, a Jacobian–vector product: (I − J) t = u, solved by forward
  substitution; t_k = u_k + Σ_{i∈a(k)} ∂f_k/∂z_i t_i = Σ_j dz_k/dz_j u_j.

A full m × n Jacobian of outputs by inputs costs m reverse solves (one per
output) or n forward solves (one per input). Both use the one generic solver of
:mod:`course_lib.substitution`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from course_lib.graph import Graph
from course_lib.lagrange import check_output, jacobian_matrix
from course_lib.substitution import backslash, forward_substitute

__all__ = ["vjp", "jvp", "jacobian", "jacobian_with_cost", "hvp"]


def _seed(g: Graph, seeds: Mapping[str, float], allowed: Sequence[str], what: str) -> np.ndarray:
    r"""The right-hand side vector (v or u) in ``g.order`` from ``{node: number}``."""
    if not isinstance(seeds, Mapping):
        raise TypeError(f"{what}s must be a mapping {{node name: number}}, "
                        f"got {type(seeds).__name__}")
    vector = np.zeros(len(g.order))
    for name, value in seeds.items():
        if name not in allowed:
            kind = "an input" if allowed is g.inputs else "a node"
            raise ValueError(f"{what} given for {name!r}, which is not {kind} of the graph; "
                             f"expected one of {', '.join(allowed)}")
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{what} for {name!r} must be a real number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"{what} for {name!r} is not finite: {value}")
        vector[g.index(name)] = float(value)
    return vector


def vjp(g: Graph, values: Mapping[str, float], cotangents: Mapping[str, float]) -> dict[str, float]:
    r"""Vector–Jacobian product: {node i: Σ_k v_k dz_k/dz_i}, from (I − Jᵀ) λ = v.

    ``cotangents`` = {node k: v_k} (missing nodes have v_k = 0). Solved by back
    substitution, from the last node to the first.
    """
    v = _seed(g, cotangents, g.order, "cotangent")
    J = jacobian_matrix(g, values)
    lam = backslash(np.eye(len(g.order)) - J.T, v)  # (I − Jᵀ) λ = v
    return {name: float(lam[g.index(name)]) for name in g.order}


def jvp(g: Graph, values: Mapping[str, float], tangents: Mapping[str, float]) -> dict[str, float]:
    r"""Jacobian–vector product: {node k: Σ_j dz_k/dz_j u_j}, from (I − J) t = u.

    ``tangents`` = {input j: u_j} (missing inputs have u_j = 0). Solved by forward
    substitution, from the first node to the last.
    """
    u = _seed(g, tangents, g.inputs, "tangent")
    J = jacobian_matrix(g, values)
    t = forward_substitute(np.eye(len(g.order)) - J, u)  # (I − J) t = u
    return {name: float(t[g.index(name)]) for name in g.order}


def jacobian_with_cost(g: Graph, values: Mapping[str, float], inputs: Sequence[str],
                       outputs: Sequence[str], mode: str = "reverse") -> tuple[np.ndarray, int]:
    r"""The Jacobian D[o, j] = dz_o/dz_j and the number of triangular solves it took.

    ``mode="reverse"``: one VJP per output (row o from v = e_o): m solves.
    ``mode="forward"``: one JVP per input (column j from u = e_j): n solves.
    """
    inputs, outputs = _names(g, inputs, "inputs", g.inputs), _names(g, outputs, "outputs", g.order)
    if mode not in ("reverse", "forward"):
        raise ValueError(f"mode must be 'reverse' or 'forward', got {mode!r}")
    n = len(g.order)
    J = jacobian_matrix(g, values)
    D = np.zeros((len(outputs), len(inputs)))
    cols = [g.index(j) for j in inputs]
    rows = [g.index(o) for o in outputs]
    if mode == "reverse":
        upper = np.eye(n) - J.T
        for r, o in enumerate(rows):
            D[r, :] = backslash(upper, np.eye(n)[o])[cols]  # λ for v = e_o, read at the inputs
        return D, len(outputs)
    lower = np.eye(n) - J
    for c, j in enumerate(cols):
        D[:, c] = forward_substitute(lower, np.eye(n)[j])[rows]  # t for u = e_j, read at outputs
    return D, len(inputs)


def jacobian(g: Graph, values: Mapping[str, float], inputs: Sequence[str],
             outputs: Sequence[str], mode: str = "reverse") -> np.ndarray:
    r"""The Jacobian D[o, j] = dz_o/dz_j, shape (len(outputs), len(inputs)).

    By m reverse solves (``mode="reverse"``) or n forward solves (``mode="forward"``);
    both give the same matrix.
    """
    return jacobian_with_cost(g, values, inputs, outputs, mode)[0]


def _names(g: Graph, names: Sequence[str], what: str, allowed: Sequence[str]) -> list[str]:
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise TypeError(f"{what} must be a list of node names, got {names!r}")
    if not names:
        raise ValueError(f"{what} must name at least one node")
    for name in names:
        if name not in allowed:
            kind = "an input" if allowed is g.inputs else "a node"
            raise ValueError(f"{what}: {name!r} is not {kind} of the graph; expected one of "
                             f"{', '.join(allowed)}")
    return list(names)


def hvp(g: Graph, values: Mapping[str, float], output: str,
        direction: Mapping[str, float]) -> dict[str, float]:
    r"""Hessian–vector product {input i: Σ_j ∂²z_n/∂x_i∂x_j u_j}, by forward-over-reverse.

    The adjoints solve A(z) λ = −e_n with A = Jᵀ − I (on an input's row that equation reads
    λ_i = Σ_k J_ki λ_k, the gradient). Move the inputs along u: every node moves with the
    tangent t = (I − J)⁻¹ u (forward mode), J with J̇_ki = Σ_j ∂²f_k/∂z_i∂z_j t_j, and
    differentiating A λ = −e_n gives

        A λ̇ = −J̇ᵀ λ,

    a triangular system with the same A: λ̇ is one more back substitution, and on the inputs'
    rows λ̇_i = d/dε ∂z_n/∂x_i (x + εu) = (H u)_i. No finite differences.

    ``direction`` = {input j: u_j} (missing inputs have u_j = 0).
    """
    check_output(g, output)
    u = _seed(g, direction, g.inputs, "direction")
    n = len(g.order)
    J = jacobian_matrix(g, values)
    A = J.T - np.eye(n)
    e_n = np.zeros(n)
    e_n[g.index(output)] = 1.0
    lam = backslash(A, -e_n)  # A λ = −e_n: backprop
    t = forward_substitute(np.eye(n) - J, u)  # (I − J) t = u: every node's tangent
    J_dot = np.zeros((n, n))
    for (k, i, j), d2 in g.second_partial_values(values).items():
        J_dot[g.index(k), g.index(i)] += d2 * t[g.index(j)]  # J̇_ki = Σ_j ∂²f_k/∂z_i∂z_j t_j
    lam_dot = backslash(A, -J_dot.T @ lam)  # A λ̇ = −J̇ᵀ λ: the same triangular solve
    return {name: float(lam_dot[g.index(name)]) for name in g.inputs}
