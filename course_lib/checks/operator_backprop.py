r"""Exercise checks for notebooks/04_backslash_operators.ipynb (built on :mod:`.exercise`).

- :func:`scalar_mlp_gradient`: J_X, J_P and the gradient J_Pᵀ λ of a scalar tanh network of
  fresh depth, with exactly one backslash;
- :func:`dot_test_catches`: the student's broadcast adjoint, and the student's own
  dot-product test, which must pass right transposes and catch wrong ones.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.linalg

from .. import autodiff, lagrange
from ..graph import Graph
from ..operators import RightMultiply
from ..substitution import backslash, forward_substitute
from . import exercise
from .exercise import agree, array, call, counting, forbidding, fresh_rng, ok

__all__ = ["dot_test_catches", "scalar_mlp_gradient"]

# -- Exercise 2: the scalar MLP ----------------------------------------------------------


def _scalar_network(depth: int) -> Graph:
    names = ["x0"] + [v for i in range(1, depth + 1) for v in (f"w{i}", f"beta{i}")] + ["y"]
    layers = [(f"x{i}", f"tanh(w{i}*x{i - 1} + beta{i})") for i in range(1, depth + 1)]
    return Graph.from_assignments(layers + [("loss", f"(x{depth} - y)**2/2")], names)


_SOLVES = {"numpy.linalg.solve": np.linalg.solve, "numpy.linalg.inv": np.linalg.inv,
           "scipy.linalg.solve_triangular": scipy.linalg.solve_triangular,
           "scipy.linalg.solve": scipy.linalg.solve, "forward_substitute": forward_substitute,
           "numpy.linalg.pinv": np.linalg.pinv, "scipy.linalg.inv": scipy.linalg.inv,
           "lagrange.adjoints": lagrange.adjoints, "autodiff.vjp": autodiff.vjp,
           "autodiff.jvp": autodiff.jvp, "autodiff.jacobian": autodiff.jacobian,
           # J_X and J_P are the exercise: a Graph's ready-made Jacobian is off limits
           "lagrange.jacobian_matrix": lagrange.jacobian_matrix,
           "lagrange.lagrange_matrix": lagrange.lagrange_matrix}


def scalar_mlp_gradient(mlp_gradient: Callable, rng=None) -> None:
    r"""(J_X, J_P, ∇_P ℓ) of x_i = tanh(w_i x_{i−1} + β_i), ℓ = ½(x_m − y)², at fresh depth m:

        dx = J_X dx + J_P dP,   (I − J_X)ᵀ λ = g,   ∇_P ℓ = J_Pᵀ λ,

    J_X (m×m) and J_P (m×2m, columns w_1, β_1, …) against the graph's local Jacobian, the
    gradient against lagrange.adjoints (to 1e-9); exactly one backslash call, no other solver.
    """
    r = fresh_rng(rng)
    for depth in (3, int(r.integers(1, 5)), int(r.integers(4, 8))):
        w, beta = r.uniform(-1.5, 1.5, size=depth), r.uniform(-1, 1, size=depth)
        x0, y = float(r.uniform(-1, 1)), float(r.uniform(-1, 1))
        g = _scalar_network(depth)
        point = {"x0": x0, "y": y} | {f"w{i + 1}": float(w[i]) for i in range(depth)} \
            | {f"beta{i + 1}": float(beta[i]) for i in range(depth)}
        J = lagrange.jacobian_matrix(g, point)
        layers = [g.index(f"x{i}") for i in range(1, depth + 1)]
        params = [g.index(f"{v}{i}") for i in range(1, depth + 1) for v in ("w", "beta")]
        lam = lagrange.adjoints(g, point, "loss")
        where = f"(depth m = {depth})"
        with counting({"backslash": backslash}, mlp_gradient) as calls, \
                forbidding(_SOLVES, "build J_X, J_P yourself and solve with one backslash",
                           mlp_gradient):
            got = call(mlp_gradient, list(w), list(beta), x0, y, name="mlp_gradient")
        if not (isinstance(got, (tuple, list)) and len(got) == 3):
            raise AssertionError("mlp_gradient should return a tuple (J_X, J_P, gradient), got "
                                 f"{type(got).__name__} {exercise._short(got)}")
        if calls["backslash"] != 1:
            raise AssertionError(f"the exercise asks for exactly one backslash call; "
                                 f"mlp_gradient made {calls['backslash']} {where}")
        agree(got[0], J[np.ix_(layers, layers)], "J_X", where=where)
        agree(got[1], J[np.ix_(layers, params)], "J_P", where=where)
        gradient = got[2]
        if np.shape(gradient) in ((2 * depth, 1), (1, 2 * depth)):  # a column or row: fine
            gradient = np.ravel(gradient)
        agree(gradient, [lam[g.order[k]] for k in params], "the gradient (w_1, β_1, w_2, …)",
              where=where, rtol=1e-9, atol=1e-12)
    ok("J_X, J_P and the gradient from one backslash, at fresh weights and depths")


# -- Exercise 1: the dot-product test ----------------------------------------------------


def _transpose_cases(r: np.random.Generator) -> tuple[list, list]:
    r"""(right, wrong): (name, forward, adjoint, input shape[, hint]); every wrong adjoint has
    the right output shape, so only the numbers can give it away."""
    p, q, s = (int(v) for v in r.integers(2, 6, size=3))
    B, Bsq, C = r.normal(size=(s, p)), r.normal(size=(p, p)), r.normal(size=(q, q))
    M = r.normal(size=(p, q))
    ones = np.ones((1, q))
    big, tiny = 1e9, 1e-9  # the scale of 𝒜 must not matter: the gap is relative

    def broadcast(b):
        return b @ ones

    def shift(X):  # roll the rows down by one; its transpose rolls them up
        return np.roll(X, 1, axis=0)

    random_hint = "Use random X and Y, not ones or basis matrices."
    right = [
        ("X ↦ BX", lambda X: B @ X, lambda Y: B.T @ Y, (p, q)),
        ("b ↦ b 1ᵀ", broadcast, lambda Y: Y.sum(axis=1, keepdims=True), (p, 1)),
        ("X ↦ M∘(B_sq X)", lambda X: M * (Bsq @ X), lambda Y: Bsq.T @ (M * Y), (p, q)),
        ("X ↦ B_sq X Cᵀ", lambda X: Bsq @ X @ C.T, lambda Y: Bsq.T @ Y @ C, (p, q)),
        ("X ↦ 10⁹ B X", lambda X: big * (B @ X), lambda Y: big * (B.T @ Y), (p, q)),
    ]
    wrong = [
        ("X ↦ B_sq X with B_sq as its own transpose", lambda X: Bsq @ X, lambda Y: Bsq @ Y, (p, q),
         random_hint),
        ("b ↦ b 1ᵀ with the mean for the sum", broadcast,
         lambda Y: Y.mean(axis=1, keepdims=True), (p, 1), random_hint),
        ("X ↦ M∘(B_sq X) with the composition not reversed", lambda X: M * (Bsq @ X),
         lambda Y: M * (Bsq.T @ Y), (p, q), random_hint),
        ("X ↦ B_sq X Cᵀ with C transposed", lambda X: Bsq @ X @ C.T,
         lambda Y: Bsq.T @ Y @ C.T, (p, q), random_hint),
        ("a row shift used as its own transpose", shift, shift, (p + 1, q),  # ≥ 3 rows: not a swap
         "Ones (in X or in Y) cannot see a shift: draw both X and Y at random."),
        ("X ↦ 10⁻⁹ B_sq X with B_sq as its own transpose", lambda X: tiny * (Bsq @ X),
         lambda Y: tiny * (Bsq @ Y), (p, q),
         "Divide by ‖𝒜X‖ ‖Y‖, so that the scale of 𝒜 does not decide."),
    ]
    return right, wrong


def _gap(dot_test: Callable, forward: Callable, adjoint: Callable, shape: tuple) -> float:
    gap = call(dot_test, forward, adjoint, shape, name="dot_test")
    if isinstance(gap, (bool, np.bool_)):
        raise AssertionError("dot_test should return the relative discrepancy (a number), "
                             f"got {gap!r}")
    return float(array(gap, "dot_test(...)", ()))


def dot_test_catches(dot_test: Callable, broadcast_adjoint: Callable, rng=None) -> None:
    r"""The broadcast's transpose-dot, and the student's own dot-product test:

        ⟨b 1ᵀ, Y⟩ = ⟨b, Y 1⟩;   dot_test(forward, adjoint, in_shape) =
        |⟨𝒜X, Y⟩ − ⟨X, 𝒜ᵀ•Y⟩| / (‖𝒜X‖ ‖Y‖)  for random X, Y,

    which must stay below 1e-8 on right transposes (also at scale 10⁹) and exceed 1e-6 on wrong
    ones (a square matrix or a shift used as its own transpose, a mean for a sum, an unreversed
    composition, a wrong one at scale 10⁻⁹).
    """
    r = fresh_rng(rng)
    # at least two columns, so that a mean, Y itself or Y[:, :1] cannot pass for the sum
    for rows, cols in [(int(r.integers(1, 7)), int(r.integers(2, 7))) for _ in range(3)]:
        Y = r.normal(size=(rows, cols))
        expected = RightMultiply(np.ones((1, cols))).T @ Y
        agree(call(broadcast_adjoint, Y, name="broadcast_adjoint"), expected,
              "broadcast_adjoint(Y)", where=f"for Y of shape {Y.shape}")
    right, wrong = _transpose_cases(r)
    for name, forward, adjoint, shape in right:
        gap = _gap(dot_test, forward, adjoint, shape)
        if not 0 <= gap < 1e-8:
            raise AssertionError(f"dot_test rejects a right transpose ({name}): it returned "
                                 f"{gap:.3g}, should be at rounding level (< 1e-8)"
                                 + (" — a discrepancy is |…| ≥ 0" if gap < 0 else "")
                                 + (" — divide by ‖𝒜X‖ ‖Y‖" if name.startswith("X ↦ 10⁹") else ""))
    for name, forward, adjoint, shape, hint in wrong:
        gap = _gap(dot_test, forward, adjoint, shape)
        if not gap > 1e-6:
            raise AssertionError(f"dot_test misses a wrong transpose ({name}): it returned "
                                 f"{gap:.3g}.\n" + (hint if gap >= 0 else "A discrepancy is |…| ≥ 0."))
    ok("broadcast_adjoint is right, and your dot_test passes right transposes and catches "
       "wrong ones")

