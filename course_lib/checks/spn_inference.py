r"""Exercise checks for notebooks/09_sum_product_networks.ipynb (built on :mod:`.exercise`).

- :func:`downward_pass`: the backward (downward) pass of an SPN written by the student —
  the sum rule and the product rule — against ``spn.derivatives`` on fresh random SPNs;
- :func:`one_solve_marginals`: every marginal from exactly one ``backslash`` solve of the
  Lagrange system of ``spn.to_graph``, against ``spn.marginals`` on fresh random SPNs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from course_lib import autodiff, lagrange, spn
from course_lib.substitution import backslash

from .exercise import agree, call, counting, forbidding, fresh_rng, mapping, ok

__all__ = ["downward_pass", "one_solve_marginals", "shared_spn", "random_evidence",
           "upward_values"]

_SPN_PASSES = {"spn.derivatives": spn.derivatives, "spn.log_derivatives": spn.log_derivatives,
               "spn.marginals": spn.marginals}
_OTHER_SOLVERS = {"np.linalg.solve": np.linalg.solve, "np.linalg.inv": np.linalg.inv,
                  "np.linalg.lstsq": np.linalg.lstsq, "scipy.linalg.solve": scipy.linalg.solve,
                  "scipy.linalg.solve_triangular": scipy.linalg.solve_triangular,
                  "scipy.sparse.linalg.spsolve": scipy.sparse.linalg.spsolve,
                  "scipy.sparse.linalg.spsolve_triangular":
                      scipy.sparse.linalg.spsolve_triangular,
                  "lagrange.adjoints": lagrange.adjoints, "autodiff.vjp": autodiff.vjp,
                  "autodiff.jacobian": autodiff.jacobian}


def shared_spn(rng: np.random.Generator) -> spn.Node:
    r"""A small complete, decomposable SPN that is a DAG: nodes with two parents, indicators.

        S = w₀ λ_{A=0} · L_B · N_C  +  w₁ λ_{A=1} · (v₀ L'_B + v₁ L''_B) · N_C,
        N_C = u₀ (L_C L_D) + u₁ (L'_C L'_D)   (shared by both products)
    """
    def cat(var):
        return spn.Categorical(var, rng.dirichlet(np.ones(2)))

    shared = spn.Sum([spn.Product([cat("C"), cat("D")]), spn.Product([cat("C"), cat("D")])],
                     rng.dirichlet(np.ones(2)))
    inner_b = spn.Sum([cat("B"), cat("B")], rng.dirichlet(np.ones(2)))
    return spn.Sum([spn.Product([spn.Indicator("A", 0), cat("B"), shared]),
                    spn.Product([spn.Indicator("A", 1), inner_b, shared])],
                   rng.uniform(0.2, 1.0, 2))                # weights need not sum to 1


def random_evidence(root: spn.Node, rng: np.random.Generator) -> dict[str, int]:
    r"""Each variable observed with probability 1/2 (at least one), at a uniform state."""
    k, names = spn.cardinalities(root), spn.variables(root)
    seen = [X for X in names if rng.random() < 0.5] or [names[int(rng.integers(len(names)))]]
    return {X: int(rng.integers(k[X])) for X in seen}


def upward_values(root: spn.Node, evidence: dict[str, int]) -> dict[spn.Node, float]:
    r"""S_i(e) of every node of ``spn.topological_order(root)``: ``spn.value`` of its sub-network."""
    k = spn.cardinalities(root)
    values = {}
    for node in spn.topological_order(root):
        inside = spn.scope(node)
        values[node] = spn.value(node, {X: v for X, v in evidence.items() if X in inside},
                                 cardinalities={X: k[X] for X in inside})
    return values


def _fresh_networks(r: np.random.Generator, trees: int = 3, dags: int = 2,
                    largest: int = 4) -> list[spn.Node]:
    nets = [spn.random_spn(int(r.integers(2, largest + 1)), r, n_states=int(r.integers(2, 4)),
                           n_children=2) for _ in range(trees)]
    return nets + [shared_spn(r) for _ in range(dags)]


def downward_pass(downward: Callable, rng=None) -> None:
    r"""Check ``downward(order, values)`` = {(X, v): ∂S/∂λ_{X=v}(e)} on fresh random SPNs.

    ``order`` = ``spn.topological_order(root)`` (children first, root last), ``values`` =
    {node: S_i(e)}. The adjoints ∂S/∂S_i start at 1 on the root and flow down in reverse
    order,

        sum k:      ∂S/∂S_c += w_c ∂S/∂S_k,
        product k:  ∂S/∂S_c += ∂S/∂S_k Π_{c'≠c} S_{c'},
        leaves:     ∂S/∂λ_{X=v} += ∂S/∂S_i (indicator λ_{X=v}),  += π_v ∂S/∂S_i (categorical).

    Tried on three random tree SPNs and two DAGs (shared children, indicator leaves that the
    evidence sets to 0) with fresh evidence, every entry against ``spn.derivatives``; the
    answer may not call spn's passes, lagrange, backslash or autodiff.
    """
    r = fresh_rng(rng)
    forbidden = {**_SPN_PASSES, **_OTHER_SOLVERS, "backslash": backslash,
                 "lagrange.lagrange_matrix": lagrange.lagrange_matrix}
    cases = []
    for root in _fresh_networks(r):                         # the oracles, before the spies
        evidence = random_evidence(root, r)
        cases.append((spn.topological_order(root), upward_values(root, evidence), evidence,
                      spn.derivatives(root, evidence)))
    with forbidding(forbidden, "write the downward pass yourself (sum rule, product rule)",
                    downward):
        for order, values, evidence, expected in cases:
            got = call(downward, order, dict(values), name="downward")
            what = f"downward(...) on a random SPN of {len(order)} nodes, evidence {evidence}"
            got = mapping(got, what, expected.keys())
            for key, value in expected.items():
                agree(got[key], value, f"∂S/∂λ_{key[0]}={key[1]}", where=f"({what})",
                      rtol=1e-9, atol=1e-12)
    ok("the downward pass agrees with spn.derivatives on fresh random SPNs and evidence")


def one_solve_marginals(marginals_of: Callable, rng=None) -> None:
    r"""Check ``marginals_of(root, evidence)`` = {X: P(X | e)} from exactly one backslash.

        A = Jᵀ − I of spn.to_graph(root) at λ(e),   A ∂ = −e_root  (one back substitution),
        P(X = v | e) = ∂S/∂λ_{X=v} / Σ_u ∂S/∂λ_{X=u}   (P(X | e without X) for observed X)

    Tried on two random tree SPNs (2–3 variables) and a random DAG with fresh evidence, every
    entry against ``spn.marginals``; ``backslash`` must be called exactly once per call, and no other solver
    (numpy/scipy solves, lagrange.adjoints, autodiff) nor spn's own passes may be used.
    """
    r = fresh_rng(rng)
    cases = []
    for root in _fresh_networks(r, trees=2, dags=1, largest=3):  # small: the answer runs sympy
        evidence = random_evidence(root, r)
        cases.append((root, evidence, spn.marginals(root, evidence)))
    with counting({"backslash": backslash}, marginals_of) as calls, \
            forbidding({**_SPN_PASSES, **_OTHER_SOLVERS},
                       "get the marginals from one backslash solve", marginals_of):
        for root, evidence, expected in cases:
            before = calls["backslash"]
            got = call(marginals_of, root, dict(evidence), name="marginals_of")
            solves = calls["backslash"] - before
            if solves != 1:
                raise AssertionError(f"marginals_of called backslash {solves} times for one "
                                     "network and evidence; the exercise asks for exactly one "
                                     "solve that gives every marginal")
            what = f"marginals_of(random SPN, {evidence})"
            got = mapping(got, what, expected.keys())
            for X, p in expected.items():
                agree(got[X], p, f"P({X} | e)", where=f"({what})", rtol=1e-8, atol=1e-12)
    ok("every marginal from one backslash solve agrees with spn.marginals on fresh SPNs")
