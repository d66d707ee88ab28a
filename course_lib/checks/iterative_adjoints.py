r"""Exercise checks for notebooks/06_adjoints_converging.ipynb (built on :mod:`.exercise`).

Every check draws fresh systems, calls the student's function on them and compares every
entry with an oracle computed outside the forbidding block by another route
(``iterative.gauss_seidel``, a forward-mode solve, a Hessian known in closed form).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg
import sympy

from course_lib import autodiff, iterative, lagrange
from course_lib.graph import Graph
from course_lib.substitution import backslash, forward_substitute

from .exercise import agree, array, call, counting, forbidding, fresh_rng, ok
from .values import central_difference

__all__ = ["gauss_seidel_sweep", "implicit_weight_gradient", "gradient_descent_rate"]

_SOLVERS = {"np.linalg.solve": np.linalg.solve, "np.linalg.inv": np.linalg.inv,
            "np.linalg.lstsq": np.linalg.lstsq, "scipy.linalg.solve": scipy.linalg.solve,
            "scipy.linalg.solve_triangular": scipy.linalg.solve_triangular,
            "backslash": backslash, "forward_substitute": forward_substitute,
            "lagrange.adjoints": lagrange.adjoints}
_GRADIENTS = {"lagrange.adjoints": lagrange.adjoints, "autodiff.vjp": autodiff.vjp,
              "autodiff.jacobian": autodiff.jacobian, "checks.central_difference": central_difference}
_ITERATIVE = {f"iterative.{name}": getattr(iterative, name)
              for name in ("jacobi", "gauss_seidel", "implicit_adjoint")}


def random_local_jacobian(rng: np.random.Generator, n: int, dag: bool) -> np.ndarray:
    r"""A sparse J with zero diagonal: strictly lower triangular (a DAG) or with cycles."""
    J = rng.uniform(-1, 1, size=(n, n)) * (rng.random((n, n)) < 0.4)
    J = np.tril(J, -1) if dag else J - np.diag(np.diag(J))
    return J if dag else J / max(1.0, 1.2 * iterative.spectral_radius(J))


def gauss_seidel_sweep(answer: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``answer(J, v, lam, order)`` returns λ after one Gauss–Seidel sweep on (I − Jᵀ)λ = v:
    for i in ``order``, λ_i ← v_i + Σ_k J[k, i] λ_k with the newest values. Tried on fresh
    random J (DAGs and cyclic), v, starting λ and orders; compared entry by entry with
    iterative.gauss_seidel on A = Jᵀ − I, b = −v; solvers and ``iterative`` forbidden.
    """
    r = fresh_rng(rng)
    for case in range(4):
        n = int(r.integers(5, 10))
        J, v = random_local_jacobian(r, n, dag=case % 2 == 0), r.normal(size=n)
        A, b = J.T - np.eye(n), -v
        order = [int(i) for i in r.permutation(n)]
        start = r.normal(size=n) if case >= 2 else np.zeros(n)
        # a sweep is affine: from λ0 it is λ0 + (one sweep from 0 on the residual b − Aλ0)
        expected = start + iterative.gauss_seidel(A, b - A @ start, 1, order=order)[1]
        three = iterative.gauss_seidel(A, b, 3, order=order)[1:]
        with forbidding({**_SOLVERS, **_ITERATIVE}, "write the sweep yourself", answer):
            got = call(answer, J.copy(), v.copy(), start.copy(), list(order), name="sweep")
            lam, repeated = np.zeros(n), []
            for _ in range(3):
                lam = array(call(answer, J.copy(), v.copy(), np.array(lam, dtype=float), list(order),
                                 name="sweep"), "sweep(J, v, lam, order)", (n,))
                repeated.append(lam)
        where = f"(n = {n}, order {order}, {'DAG' if case % 2 == 0 else 'with cycles'})"
        agree(got, expected, "λ after one sweep", where=where)
        agree(repeated, three, "λ after sweeps 1, 2, 3 from λ = 0", where=where)
    ok("one Gauss–Seidel sweep on (I − Jᵀ)λ = v, on fresh systems and orders")


def implicit_weight_gradient(answer: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``answer(z_star, lam)`` returns dℓ/dW, (dℓ/dW)_ij = (1 − z*_i²) λ_i z*_j, for the layer
    z = tanh(Wz + u). Tried on fresh layers; compared entry by entry with forward mode:
    dℓ/dW_ij = vᵀ(I − J)⁻¹ diag(1 − z*²) e_i z*_j, one tangent solve per entry, v = z* − y.
    """
    r = fresh_rng(rng)
    for _ in range(3):
        m = int(r.integers(3, 7))
        W = r.normal(size=(m, m))
        W *= float(r.uniform(0.3, 0.8)) / iterative.spectral_radius(W)
        u, target = r.normal(size=m), r.uniform(-0.5, 0.5, size=m)
        f, jacobian_of_f = iterative.tanh_layer(W, u)
        z = iterative.fixed_point(f, np.zeros(m), iterations=5000, tol=1e-15).z
        J = jacobian_of_f(z)
        v = z - target
        lam = np.linalg.solve(np.eye(m) - J.T, v)
        expected = np.empty((m, m))
        for i in range(m):
            for j in range(m):
                du = np.zeros(m)
                du[i] = (1 - z[i] ** 2) * z[j]  # ∂f/∂W_ij
                expected[i, j] = v @ np.linalg.solve(np.eye(m) - J, du)
        got = call(answer, z.copy(), lam.copy(), name="dl_dW")
        agree(got, expected, "dℓ/dW", where=f"(a fresh {m}×{m} layer)", rtol=1e-8, atol=1e-12)
    ok("dℓ/dW = diag(1 − z*²) λ z*ᵀ, on fresh layers")


def _loss_graph(Q: np.ndarray, a: float) -> Graph:
    r"""ℓ(P) = ½ PᵀQP + a Σ_i (1 − cos P_i) as a Graph with inputs P0 … P_{k−1} and output l."""
    P = sympy.symbols(f"P0:{len(Q)}")
    quadratic = sum(sympy.Float(Q[i, j] / 2) * P[i] * P[j]
                    for i in range(len(Q)) for j in range(len(Q)))
    return Graph.from_assignments([("q", quadratic), ("c", sum(1 - sympy.cos(x) for x in P)),
                                   ("l", f"q + {a!r}*c")], inputs=[str(x) for x in P])


def gradient_descent_rate(answer: Callable, rng: np.random.Generator | int | None = None) -> None:
    r"""``answer(graph, values, output, eta)`` returns ρ(I − ηH), H the Hessian of ``output``
    with respect to the graph's inputs at ``values``, its columns H e_j from ``autodiff.hvp``
    (forward-over-reverse, exact). Tried on fresh losses ℓ(P) = ½PᵀQP + a Σ_i (1 − cos P_i),
    whose Hessian Q + a diag(cos P) is known exactly, with η making either end of the spectrum
    of I − ηH the largest in size. Gradient routes (lagrange.adjoints, autodiff.vjp, jacobian,
    checks.central_difference) are forbidden: no finite differences of gradients.
    """
    r = fresh_rng(rng)
    for case in range(3):
        k = int(r.integers(2, 5))
        B = r.normal(size=(k, k))
        Q, a = B @ B.T / k + np.eye(k), round(float(r.uniform(0.1, 0.5)), 3)
        graph, P = _loss_graph(Q, a), r.normal(size=k)
        H = Q + a * np.diag(np.cos(P))
        eig = np.linalg.eigvalsh(H)
        # η > 2/(e_min + e_max) makes |1 − η e_max| the largest, η below it |1 − η e_min|
        eta = float(r.uniform(1.05, 1.3) if case % 2 else r.uniform(0.3, 0.9)) * 2 / (eig[0] + eig[-1])
        expected = float(np.max(np.abs(np.linalg.eigvals(np.eye(k) - eta * H))))
        values = {f"P{i}": float(P[i]) for i in range(k)}
        with forbidding(_GRADIENTS, "build H from Hessian–vector products (autodiff.hvp)", answer), \
                counting({"autodiff.hvp": autodiff.hvp}, answer) as calls:
            got = call(answer, graph, dict(values), "l", eta, name="gd_rate")
        got = array(got, "gd_rate(graph, values, output, eta)", ())
        agree(got, expected, "ρ(I − ηH)", where=f"(k = {k} inputs, η = {eta:.4g})", rtol=1e-9)
        if calls["autodiff.hvp"] < k:
            raise AssertionError(f"gd_rate made {calls['autodiff.hvp']} autodiff.hvp calls for k = {k} "
                                 "inputs; build H column by column, H e_j = one hvp each")
    ok("ρ(I − ηH) from Hessian–vector products, on fresh losses")
