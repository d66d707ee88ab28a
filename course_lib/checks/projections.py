r"""Exercise checks for notebooks/08_kl_projections.ipynb (built on :mod:`.exercise`).

Each check calls the student's function on inputs drawn afresh (:func:`.exercise.fresh_rng`)
and compares every entry with an oracle computed independently, outside any forbidding block.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
import sympy
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import logsumexp

from course_lib import kl, lagrange
from course_lib.factor_graph import ising_cycle, random_tree_model
from course_lib.graph import Graph

from .exercise import agree, array, call, forbidding, fresh_rng, mapping, ok

__all__ = ["tilt_by_newton", "log_partition_graph", "lifted_covariance", "bethe_gradient"]


_SOLVERS = {f"scipy.optimize.{name}": getattr(scipy.optimize, name)
            for name in ("brentq", "brenth", "bisect", "ridder", "newton", "root_scalar", "root",
                         "fsolve", "minimize", "minimize_scalar")}


def tilt_by_newton(tilt_to_mean, rng=None, cases: int = 5) -> None:
    r"""``tilt_to_mean(p, f, t)`` returns ``(q, theta)``: the I-projection of ``p`` onto
    {q : E_q[f] = t} for one feature, written by hand (Newton or bisection on the dual).

        q_θ(x) = p(x) e^{θ f(x)} / Z(θ),   G(θ) = log Z(θ) − θ t,   G'(θ) = E_{q_θ}[f] − t

    Fresh random p, f and t (inside the range of f) each run; ``kl.i_projection`` and the
    scipy.optimize solvers are forbidden while the answer runs. Both q (every entry) and θ
    are compared with ``kl.i_projection`` to 1e-8, so a handful of fixed steps does not pass.
    """
    r = fresh_rng(rng)
    forbidden = {"kl.i_projection": kl.i_projection, **_SOLVERS}
    for _ in range(cases):
        k = int(r.integers(4, 8))
        p = r.dirichlet(np.full(k, 4.0))              # no state nearly impossible
        f = np.round(r.normal(0, 1.0, k), 2)
        mean = float(p @ f)                           # t between E_p[f] and an end of f's range
        end = float(f.max() if r.uniform() < 0.5 else f.min())
        t = mean + (end - mean) * float(r.uniform(0.1, 0.5))
        q_ref, theta_ref = kl.i_projection(p, f[None], [t], return_theta=True)   # the oracle
        with forbidding(forbidden, "write the tilt and the 1-D solve yourself", tilt_to_mean):
            answer = call(tilt_to_mean, p.copy(), f.copy(), t, name="tilt_to_mean")
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise AssertionError("tilt_to_mean(p, f, t) should return a pair (q, theta), got "
                                 f"{type(answer).__name__}")
        q, theta = answer
        where = f"for f={f.tolist()}, t={t:.3f}"
        agree(array(q, "q", p.shape), q_ref, "q", where=where, rtol=1e-8, atol=1e-10)
        theta = array(theta, "theta")
        if theta.size != 1:
            raise AssertionError(f"theta should be one number (one feature), got shape {theta.shape}")
        agree(theta.reshape(()), theta_ref[0], "theta", where=where, rtol=1e-8, atol=1e-10)
    ok("tilt_to_mean gives the I-projection and its tilt θ on fresh problems, "
       "without kl.i_projection")


def log_partition_graph(log_z_graph, rng=None, cases: int = 4) -> None:
    r"""``log_z_graph(features)`` builds a Graph whose output ``logZ`` is log Σ_x e^{θ·f(x)}
    with inputs ``th0 … th{d−1}``; its backward pass must return the moments.

        ∂ log Z / ∂θ_k = Σ_x f_k(x) e^{θ·f(x)} / Σ_x e^{θ·f(x)} = E_{p_θ}[f_k]

    ``features`` is an integer array of shape (states, d). The check draws fresh features and a
    fresh θ, runs ``lagrange.adjoints`` on the student's graph itself, and compares the forward
    value with log-sum-exp and the adjoints of the inputs with E_{p_θ}[f] from enumeration.
    """
    r = fresh_rng(rng)
    for _ in range(cases):
        states, d = int(r.integers(3, 6)), int(r.integers(2, 4))
        features = r.integers(-2, 3, size=(states, d))
        theta = np.round(r.normal(0, 0.7, d), 3)
        graph = call(log_z_graph, features.copy(), name="log_z_graph")
        if not isinstance(graph, Graph):
            raise AssertionError(f"log_z_graph(features) should return a Graph, got "
                                 f"{type(graph).__name__}")
        names = [f"th{k}" for k in range(d)]
        if sorted(graph.inputs) != sorted(names):
            raise AssertionError(f"the graph's inputs should be {names} (one per feature), "
                                 f"got {list(graph.inputs)}")
        if "logZ" not in graph.order:
            raise AssertionError(f"the graph should have an output node 'logZ'; its nodes are "
                                 f"{list(graph.order)}")
        point = dict(zip(names, theta.tolist()))
        scores = features @ theta
        where = f"for features {features.tolist()} at θ={theta.tolist()}"
        agree(graph.forward(point)["logZ"], logsumexp(scores), "the forward value logZ",
              where=where, rtol=1e-10, atol=1e-12)
        lam = lagrange.adjoints(graph, point, "logZ")
        moments = features.T @ np.exp(scores - logsumexp(scores))
        agree([lam[n] for n in names], moments, "the adjoints ∂logZ/∂θ_k", where=where,
              rtol=1e-9, atol=1e-12)
    ok("one backward pass through your log Z graph gives E_p[f], on fresh feature tables")


_LIFT_GRAPHS = (("v = x*w + c", [("v", "x*w + c"), ("y", "sigmoid(v)")], ["x", "w", "c"]),
                ("u = w*x, y = tanh(u)", [("u", "w*x"), ("y", "tanh(u)")], ["x", "w"]),
                ("a = x + w, y = a*sin(x)", [("a", "x + w"), ("y", "a*sin(x)")], ["x", "w"]))


def _lifted_oracle(graph: Graph, point: dict, tau: float, n: int) -> dict:
    r"""Cov(τ ε_i, y) over independent ε_i ~ N(0, 1), by an n-point Gauss–Hermite grid per node."""
    t, w = hermegauss(n)
    grids = np.meshgrid(*[t] * len(graph.order), indexing="ij")
    weight = np.prod(np.meshgrid(*[w / w.sum()] * len(graph.order), indexing="ij"), axis=0)
    noise = {name: tau * g for name, g in zip(graph.order, grids)}
    z = {}
    for name in graph.order:
        if name in graph.inputs:
            z[name] = point[name] + noise[name]
        else:
            f = sympy.lambdify([graph.symbols[a] for a in graph.arguments(name)],
                               graph.expressions[name], "numpy")
            z[name] = f(*(z[a] for a in graph.arguments(name))) + noise[name]
    y = z[graph.order[-1]]
    y_mean = np.sum(weight * y)
    return {name: float(np.sum(weight * noise[name] * (y - y_mean))) for name in graph.order}


def lifted_covariance(shift_of, rng=None, tau: float = 0.3, n: int = 8) -> None:
    r"""``shift_of(graph, point, tau, n)`` returns {node: Cov(τ ε_i, y)}: the first-order shift
    d E_{q_θ}[τ ε_i]/dθ at θ = 0 of each node's noise under the tilt e^{θ y} of the lifted graph

        z_i = z_i⁰ + τ ε_i (inputs),   z_i = f_i(z_a(i)) + τ ε_i (the others),   ε_i ~ N(0, 1),

    computed by n-point Gauss–Hermite quadrature per node. Fresh graphs and points each run, at
    τ = 0.3, where the delta-limit shortcut τ² λ_i (the adjoints at the noiseless point) is off
    by about 1–10 %: only the covariance itself passes (rtol 1e-6).
    """
    r = fresh_rng(rng)
    cases = [_LIFT_GRAPHS[k] for k in r.permutation(len(_LIFT_GRAPHS))[:2]]
    for label, assignments, inputs in cases:
        graph = Graph.from_assignments(assignments, inputs=inputs)
        point = {name: float(np.round(r.uniform(-1.2, 1.2), 3)) for name in inputs}
        expected = _lifted_oracle(graph, point, tau, n)
        got = mapping(call(shift_of, graph, dict(point), tau, n, name="shift_of"),
                      f"shift_of(graph, point, {tau}, {n})", graph.order)
        where = f"for {label} at {point}, τ = {tau}"
        for name in graph.order:
            agree(array(got[name], f"the shift of node {name}", ()), expected[name],
                  f"the shift of node {name}", where=where, rtol=1e-6, atol=1e-12)
    ok("shift_of computes Cov(τ ε_i, y) on the lifted graph, on 2 fresh graphs and points")


def _bethe_oracle(fg, beliefs, factor_beliefs) -> float:
    r"""F_Bethe written independently: entropies and energies accumulated factor by factor."""
    degree = {x: 0 for x in fg.variables}
    total = 0.0
    for f, b in zip(fg.factors, factor_beliefs):
        for x in f.variables:
            degree[x] += 1
        total += float(np.sum(b * np.log(b)) - np.sum(b * np.log(f.table)))   # −H(b_a) − E[log f_a]
    for x in fg.variables:
        b = beliefs[x]
        total += (1 - degree[x]) * float(np.sum(b * np.log(b)))           # + (d_i − 1) H(b_i)
    return total


def _fresh_model(r: np.random.Generator, k: int):
    if k % 2 == 0:
        n = int(r.integers(3, 6))
        return ising_cycle(n, coupling=float(r.uniform(-0.8, 0.8)), field=list(r.uniform(-0.5, 0.5, n)))
    return random_tree_model(int(r.integers(3, 5)), states=int(r.integers(2, 4)), rng=int(r.integers(2**31)))


def bethe_gradient(gradient_of, rng=None, cases: int = 2, h: float = 1e-6) -> None:
    r"""``gradient_of(fg, var_beliefs, factor_beliefs)`` returns ``(var_grad, factor_grad)``: the
    partial derivatives of F_Bethe with respect to every belief entry, each belief treated as free,

        ∂F/∂b_a(x_a) = log(b_a(x_a) / f_a(x_a)) + 1,    ∂F/∂b_i(x_i) = −(d_i − 1)(log b_i(x_i) + 1),

    as a dict {variable: array} and a list of arrays shaped like the factor tables. Tried on fresh
    loopy and tree models at random beliefs; every entry is compared with a central difference of
    an independent F_Bethe (rtol 1e-6).
    """
    r = fresh_rng(rng)
    for k in range(cases):
        fg = _fresh_model(r, k)
        var_b = {x: r.dirichlet(np.full(fg.cardinalities[x], 3.0)) for x in fg.variables}
        fac_b = [r.dirichlet(np.full(f.table.size, 3.0)).reshape(f.table.shape) for f in fg.factors]
        answer = call(gradient_of, fg, {x: b.copy() for x, b in var_b.items()},
                      [b.copy() for b in fac_b], name="gradient_of")
        if not isinstance(answer, tuple) or len(answer) != 2:
            raise AssertionError("gradient_of(...) should return a pair (var_grad, factor_grad), got "
                                 f"{type(answer).__name__}")
        var_grad = mapping(answer[0], "var_grad", fg.variables)
        if not isinstance(answer[1], (list, tuple)) or len(answer[1]) != len(fg.factors):
            raise AssertionError(f"factor_grad should be a list of {len(fg.factors)} arrays, one per "
                                 f"factor, got {type(answer[1]).__name__}")
        shape = "a cycle" if k % 2 == 0 else "a tree"
        for x in fg.variables:
            expected = np.zeros_like(var_b[x])
            for j in range(var_b[x].size):
                up, down = dict(var_b), dict(var_b)
                up[x], down[x] = var_b[x].copy(), var_b[x].copy()
                up[x][j] += h
                down[x][j] -= h
                expected[j] = (_bethe_oracle(fg, up, fac_b) - _bethe_oracle(fg, down, fac_b)) / (2 * h)
            agree(array(var_grad[x], f"var_grad[{x!r}]", expected.shape), expected, f"var_grad[{x!r}]",
                  where=f"on {shape}", rtol=1e-6, atol=1e-8)
        for a, f in enumerate(fg.factors):
            expected = np.zeros_like(fac_b[a])
            for j in np.ndindex(fac_b[a].shape):
                up, down = list(fac_b), list(fac_b)
                up[a], down[a] = fac_b[a].copy(), fac_b[a].copy()
                up[a][j] += h
                down[a][j] -= h
                expected[j] = (_bethe_oracle(fg, var_b, up) - _bethe_oracle(fg, var_b, down)) / (2 * h)
            agree(array(answer[1][a], f"factor_grad[{a}]", expected.shape), expected,
                  f"factor_grad[{a}] (factor over {f.variables})", where=f"on {shape}", rtol=1e-6,
                  atol=1e-8)
    ok(f"gradient_of gives every partial derivative of F_Bethe, on {cases} fresh models")
