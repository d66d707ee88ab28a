r"""Exercise checks for notebooks/10_one_algorithm.ipynb (built on :mod:`.exercise`).

The lesson's two exercises (``chain_by_one_backslash``, ``mlp_by_one_backslash``) take a chain
or a network drawn afresh each run, call the student's function, and compare every entry with an oracle computed outside the spies. Where the prompt
says "one backslash", :func:`.exercise.counting` counts the calls of
``substitution.backslash`` and :func:`.exercise.forbidding` blocks every other route to the
answer (the library's adjoint, gradient and inference functions, dense and sparse solvers).
"""

from __future__ import annotations

import contextlib

import numpy as np
import scipy.linalg
import scipy.sparse.linalg

from course_lib import autodiff, bp, lagrange, mlp
from course_lib.factor_graph import FactorGraph, chain_model
from course_lib.substitution import backslash

from .exercise import (
    _Forbidden,
    _short,
    agree,
    array,
    call,
    counting,
    forbidding,
    fresh_rng,
    mapping,
    ok,
)

__all__ = ["chain_by_one_backslash", "mlp_by_one_backslash"]

# Each spied function costs one scan of the loaded modules (exercise._bindings), so the lists
# hold the routes a student would take, not every solver there is.
_SOLVERS = {"numpy.linalg.solve": np.linalg.solve, "numpy.linalg.inv": np.linalg.inv,
            "scipy.linalg.solve": scipy.linalg.solve,
            "scipy.linalg.solve_triangular": scipy.linalg.solve_triangular,
            "scipy.sparse.linalg.spsolve": scipy.sparse.linalg.spsolve}
_INFERENCE = {"lagrange.adjoints": lagrange.adjoints,
              "bp.belief_propagation": bp.belief_propagation,
              "bp.exact_marginals": bp.exact_marginals,
              "mlp.gradients": mlp.gradients, "autodiff.vjp": autodiff.vjp}


@contextlib.contextmanager
def _no_enumeration():
    r"""FactorGraph.joint refuses while the answer runs (enumeration is not a solve)."""
    original = FactorGraph.joint

    def refuse(self, *args, **kwargs):
        raise _Forbidden("this exercise asks you to solve the triangular system; your answer "
                         "enumerated the joint (FactorGraph.joint)")
    FactorGraph.joint = refuse
    try:
        yield
    finally:
        FactorGraph.joint = original


def _one_backslash(made: int) -> None:
    if made != 1:
        raise AssertionError(f"the exercise asks for exactly one backslash call; your answer "
                             f"made {made}")


def _fresh_chain(r: np.random.Generator):
    n, states = 3, int(r.integers(2, 4))
    return chain_model(n, states=states, rng=int(r.integers(2**31)), concentration=0.8)


def chain_by_one_backslash(chain_marginals, rng=None, cases: int = 2) -> None:
    r"""``chain_marginals(fg)`` assembles A = Jᵀ − I and r = −e_n of the chain's log Z graph
    itself and returns ``{variable: P(x_t)}`` from ONE backslash call.

        A λ = −e_n,   A[i, k] = ∂f_k/∂z_i (k ∈ b(i)),   A[i, i] = −1,   P(x_t = s) = λ_{θ_t(s)}

    Fresh chains (3 variables, 2–3 states, random tables) each run; backslash is counted (exactly one
    call), and lagrange.lagrange_matrix / jacobian_matrix / adjoints, BP, enumeration and
    every other solver are forbidden while the answer runs.
    """
    r = fresh_rng(rng)
    forbidden = {"lagrange.lagrange_matrix": lagrange.lagrange_matrix,
                 "lagrange.jacobian_matrix": lagrange.jacobian_matrix, **_INFERENCE, **_SOLVERS}
    chains = [_fresh_chain(r) for _ in range(cases)]
    oracles = [bp.exact_marginals(fg) for fg in chains]                        # outside the spies
    answers = []
    with forbidding(forbidden, "assemble A = Jᵀ − I yourself and solve it with one backslash",
                    chain_marginals), _no_enumeration(), \
            counting({"backslash": backslash}, chain_marginals) as calls:
        for fg in chains:
            before = calls["backslash"]
            answers.append(call(chain_marginals, fg, name="chain_marginals"))
            _one_backslash(calls["backslash"] - before)
    for fg, exact, got in zip(chains, oracles, answers):
        got = mapping(got, "chain_marginals(fg)", fg.variables)
        where = f"on a chain of {len(fg.variables)} variables with {fg.cardinalities['x0']} states"
        for x in fg.variables:
            agree(array(got[x], f"the marginal of {x}", exact[x].shape), exact[x],
                  f"the marginal of {x}", where=where, rtol=1e-8, atol=1e-11)
    ok(f"one backslash on the A you assembled gives every marginal, on {cases} fresh chains")


def mlp_by_one_backslash(mlp_gradients, rng=None, cases: int = 3) -> None:
    r"""``mlp_gradients(weights, biases, x, y)`` (sigmoid hidden layers, linear output) returns
    ``[∂ℓ/∂W_1, ∂ℓ/∂β_1, …]`` from ONE backslash call on (I − J_X)ᵀ• λ = (0, …, X_m − y).

        ∇_P ℓ = J_P^{T•} λ,   ℓ = ½ ‖X_m − y‖_F²

    Fresh networks (random widths and batch) each run; backslash counted, mlp.gradients,
    autodiff and other solvers forbidden. Every entry is compared with ``mlp.gradients``.
    """
    r = fresh_rng(rng)
    forbidden = {**_INFERENCE, **_SOLVERS}
    nets = []
    for _ in range(cases):
        sizes = [int(s) for s in r.integers(2, 5, size=int(r.integers(3, 5)))]
        batch = int(r.integers(2, 6))
        W = [r.normal(size=(b, a)) for a, b in zip(sizes, sizes[1:])]
        B = [r.normal(size=(b, 1)) for b in sizes[1:]]
        x, y = r.normal(size=(sizes[0], batch)), r.normal(size=(sizes[-1], batch))
        dW, dB = mlp.gradients(W, B, x, y, "sigmoid")                           # the oracle
        nets.append((sizes, W, B, x, y, [P for pair in zip(dW, dB) for P in pair]))
    answers = []
    with forbidding(forbidden, "use one backslash on (I − L)ᵀ•", mlp_gradients), \
            counting({"backslash": backslash}, mlp_gradients) as calls:
        for _sizes, W, B, x, y, _ in nets:
            before = calls["backslash"]
            answers.append(call(mlp_gradients, [w.copy() for w in W], [b.copy() for b in B],
                                x.copy(), y.copy(), name="mlp_gradients"))
            _one_backslash(calls["backslash"] - before)
    for (sizes, W, _, _, _, expected), got in zip(nets, answers):
        if not isinstance(got, (list, tuple)) or len(got) != len(expected):
            raise AssertionError(f"mlp_gradients should return a list of {len(expected)} arrays "
                                 f"[dW_1, db_1, …] for layer sizes {sizes}, got "
                                 f"{type(got).__name__} {_short(got)}")
        names = [f"∂ℓ/∂{k}_{i + 1}" for i in range(len(W)) for k in ("W", "b")]
        for name, g, e in zip(names, got, expected):
            agree(array(g, name, e.shape), e, name, where=f"for layer sizes {sizes}", rtol=1e-8,
                  atol=1e-11)
    ok(f"one backslash gives every weight and bias gradient, on {cases} fresh networks")
