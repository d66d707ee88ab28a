r"""Exercise checks for notebooks/08_kl_projections.ipynb (built on :mod:`.exercise`).

Each check calls the student's function on inputs drawn afresh (:func:`.exercise.fresh_rng`)
and compares every entry with an oracle computed independently, outside any forbidding block.
"""

from __future__ import annotations

import numpy as np
import scipy.optimize
from scipy.special import logsumexp

from course_lib import kl, lagrange
from course_lib.graph import Graph

from .exercise import agree, array, call, forbidding, fresh_rng, ok

__all__ = ["tilt_by_newton", "log_partition_graph"]


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
