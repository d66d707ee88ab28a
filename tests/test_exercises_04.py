"""Lesson 04's exercise checks, fed the wrong answers a student would really write and right
answers in other forms: each wrong one is rejected in one or two lines, each right one passes."""

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import operator_backprop
from course_lib.substitution import backslash


def rejected(check, *answer, match=None, seed=0):
    with pytest.raises(AssertionError, match=match) as err:
        check(*answer, rng=seed)
    assert len(str(err.value).splitlines()) <= 2
    return str(err.value)


# -- Exercise 1: a dot-product test with teeth --------------------------------------------


def broadcast_adjoint(Y):
    return Y.sum(axis=1, keepdims=True)


def dot_test(forward, adjoint, in_shape):
    r = np.random.default_rng()
    X = r.normal(size=in_shape)
    AX = forward(X)
    Y = r.normal(size=AX.shape)
    return abs(np.sum(AX * Y) - np.sum(X * adjoint(Y))) / (np.linalg.norm(AX) * np.linalg.norm(Y))


def dot_test_vec(forward, adjoint, in_shape):
    """Another right answer: several trials, vec and np.dot, the worst relative gap."""
    r, worst = np.random.default_rng(3), 0.0
    for _ in range(5):
        X = r.normal(size=in_shape)
        Y = r.normal(size=forward(X).shape)
        left = np.dot(forward(X).ravel(order="F"), Y.ravel(order="F"))
        right = np.dot(X.ravel(order="F"), adjoint(Y).ravel(order="F"))
        worst = max(worst, abs(left - right) / (np.linalg.norm(forward(X)) * np.linalg.norm(Y)))
    return worst


def dot_test_other_norm(forward, adjoint, in_shape):
    """Another right answer: uniform X, Y, np.vdot, normalised by ‖X‖ ‖𝒜ᵀ•Y‖ (also scale-free)."""
    r = np.random.default_rng()
    X = r.uniform(size=in_shape)
    Y = r.uniform(size=forward(X).shape)
    ATY = adjoint(Y)
    return abs(np.vdot(forward(X), Y) - np.vdot(X, ATY)) / (np.linalg.norm(X) * np.linalg.norm(ATY))


def dot_test_trace(forward, adjoint, in_shape):
    """Another right answer: the inner product as tr(Xᵀ Y), as the lesson defines it."""
    r = np.random.default_rng(7)
    X = r.normal(size=in_shape)
    AX = forward(X)
    Y = r.normal(size=AX.shape)
    return abs(np.trace(AX.T @ Y) - np.trace(X.T @ adjoint(Y))) / (np.linalg.norm(AX) * np.linalg.norm(Y))


def broadcast_adjoint_loop(Y):
    return np.array([[sum(row)] for row in Y])


def broadcast_adjoint_matmul(Y):  # Y 1, the 1 a column of ones; a list of lists also passes
    return (Y @ np.ones((Y.shape[1], 1))).tolist()


@pytest.mark.parametrize("test, adjoint", [(dot_test, broadcast_adjoint),
                                           (dot_test_vec, broadcast_adjoint_loop),
                                           (dot_test_other_norm, broadcast_adjoint_matmul),
                                           (dot_test_trace, broadcast_adjoint)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dot_test_accepts_right_answers(test, adjoint, seed, capsys):
    operator_backprop.dot_test_catches(test, adjoint, rng=seed)
    assert capsys.readouterr().out.startswith("ok ")


def always_zero(forward, adjoint, in_shape):  # the old exercise's loophole: no test at all
    return 0.0


def with_ones(forward, adjoint, in_shape):  # ⟨B1, 1⟩ = ⟨1, B1⟩ = sum(B): misses B for Bᵀ
    X = np.ones(in_shape)
    Y = np.ones(forward(X).shape)
    return abs(np.sum(forward(X) * Y) - np.sum(X * adjoint(Y))) / (
        np.linalg.norm(forward(X)) * np.linalg.norm(Y))


def with_basis_matrix(forward, adjoint, in_shape):  # one entry of each side: B₁₁ = (Bᵀ)₁₁
    X = np.zeros(in_shape)
    X[0, 0] = 1.0
    Y = np.zeros(forward(X).shape)
    Y[0, 0] = 1.0
    return abs(np.sum(forward(X) * Y) - np.sum(X * adjoint(Y))) / (
        np.linalg.norm(forward(X)) * np.linalg.norm(Y) + 1e-300)


def y_of_input_shape(forward, adjoint, in_shape):  # Y shaped like X: broadcasts silently
    r = np.random.default_rng(0)
    X, Y = r.normal(size=in_shape), r.normal(size=in_shape)
    AX = forward(X)
    return abs(np.sum(AX * Y) - np.sum(X * adjoint(Y))) / (np.linalg.norm(AX) * np.linalg.norm(Y))


def with_ones_for_Y(forward, adjoint, in_shape):  # random X, Y = ones: blind to a shift
    X = np.random.default_rng().normal(size=in_shape)
    AX = forward(X)
    Y = np.ones(AX.shape)
    return abs(np.sum(AX * Y) - np.sum(X * adjoint(Y))) / (np.linalg.norm(AX) * np.linalg.norm(Y))


def with_ones_for_X(forward, adjoint, in_shape):  # X = ones, random Y: blind to a shift too
    X = np.ones(in_shape)
    AX = forward(X)
    Y = np.random.default_rng().normal(size=AX.shape)
    return abs(np.sum(AX * Y) - np.sum(X * adjoint(Y))) / (np.linalg.norm(AX) * np.linalg.norm(Y))


def not_normalised(forward, adjoint, in_shape):  # |⟨𝒜X, Y⟩ − ⟨X, 𝒜ᵀ•Y⟩| without the division
    r = np.random.default_rng()
    X = r.normal(size=in_shape)
    AX = forward(X)
    Y = r.normal(size=AX.shape)
    return abs(np.sum(AX * Y) - np.sum(X * adjoint(Y)))


def no_absolute_value(forward, adjoint, in_shape):  # signed: negative on half the right ones
    r = np.random.default_rng(1)
    X = r.normal(size=in_shape)
    AX = forward(X)
    Y = r.normal(size=AX.shape)
    return (np.sum(AX * Y) - np.sum(X * adjoint(Y))) / (np.linalg.norm(AX) * np.linalg.norm(Y))


def ratio(forward, adjoint, in_shape):  # ⟨𝒜X, Y⟩ / ⟨X, 𝒜ᵀ•Y⟩: 1 when right, not 0
    r = np.random.default_rng()
    X = r.normal(size=in_shape)
    AX = forward(X)
    Y = r.normal(size=AX.shape)
    return np.sum(AX * Y) / np.sum(X * adjoint(Y))


def returns_bool(forward, adjoint, in_shape):
    return dot_test(forward, adjoint, in_shape) < 1e-8


@pytest.mark.parametrize("test, adjoint, match", [
    (always_zero, broadcast_adjoint, "misses a wrong transpose"),
    (with_ones, broadcast_adjoint, "misses a wrong transpose"),
    (with_basis_matrix, broadcast_adjoint, "misses a wrong transpose"),
    (y_of_input_shape, broadcast_adjoint, "rejects a right transpose|raised"),
    (returns_bool, broadcast_adjoint, "relative discrepancy"),
    (with_ones_for_Y, broadcast_adjoint, "shift"),
    (with_ones_for_X, broadcast_adjoint, "shift"),
    (not_normalised, broadcast_adjoint, r"10⁹|10⁻⁹"),
    (no_absolute_value, broadcast_adjoint, r"\|…\| ≥ 0"),
    (ratio, broadcast_adjoint, "rejects a right transpose"),
    (dot_test, lambda Y: Y.sum(axis=1), "shape"),  # keepdims forgotten: shape (p,), β is (p, 1)
    (dot_test, lambda Y: np.sum(Y), "shape"),  # one number: everything summed
    (dot_test, lambda Y: Y[:, :1], "entries are off"),  # the first column only
    (dot_test, lambda Y: Y.mean(axis=1, keepdims=True), "broadcast_adjoint"),  # a mean
    (dot_test, lambda Y: Y.sum(axis=0, keepdims=True), "shape"),  # the wrong axis
    (dot_test, lambda Y: Y, "shape"),  # the broadcast taken as its own transpose
    (dot_test, None, "no answer yet"),
    (None, broadcast_adjoint, "no answer yet"),
])
def test_dot_test_rejects_wrong_answers(test, adjoint, match):
    rejected(operator_backprop.dot_test_catches, test, adjoint, match=match)


# -- Exercise 2: a scalar MLP as a triangular solve ---------------------------------------


def forward_pass(w, beta, x0):
    xs = [x0]
    for w_i, beta_i in zip(w, beta):
        xs.append(np.tanh(w_i * xs[-1] + beta_i))
    return xs


def mlp_gradient(w, beta, x0, y, *, slope_shift=0, last_linear=False, bias_slope=True,
                 transpose_J_X=False, solver="backslash", J_X_sign=1, x_shift=0, g_sign=1,
                 columns="interleaved"):
    m, xs = len(w), forward_pass(w, beta, x0)
    slopes = [1 - xs[i + 1] ** 2 for i in range(m)]
    if last_linear:
        slopes[-1] = 1.0
    J_X, J_P = np.zeros((m, m)), np.zeros((m, 2 * m))
    for i in range(m):
        if i > 0:
            J_X[i, i - 1] = J_X_sign * slopes[i - slope_shift] * w[i]
        J_P[i, 2 * i] = slopes[i] * xs[i + x_shift]
        J_P[i, 2 * i + 1] = slopes[i] if bias_slope else 1.0
    if columns == "blocks":  # w_1 … w_m, then β_1 … β_m
        J_P = np.hstack([J_P[:, 0::2], J_P[:, 1::2]])
    g = np.zeros(m)
    g[-1] = g_sign * (xs[-1] - y)
    U = (np.eye(m) - J_X).T
    if solver == "backslash":
        lam = backslash(U, g)
    elif solver == "untransposed":  # (I − J_X) λ = g: lower triangular
        lam = backslash(np.eye(m) - J_X, g)
    elif solver == "plus":  # (I + J_X)ᵀ: the sign of J_X slipped in the system only
        lam = backslash((np.eye(m) + J_X).T, g)
    elif solver == "numpy":
        lam = np.linalg.solve(U, g)
    elif solver == "twice":
        lam = backslash(U, g)
        assert np.allclose(backslash(U, g), lam)  # "just checking"
    else:  # no solve at all: the gradient of the last layer only
        lam = g
    return (J_X.T if transpose_J_X else J_X), J_P, J_P.T @ lam


def mlp_gradient_vectorised(w, beta, x0, y):
    """Another right answer: diagonals built with numpy, returned as a list."""
    w, m = np.asarray(w), len(w)
    xs = np.array(forward_pass(w, beta, x0))
    slopes = 1 - xs[1:] ** 2
    J_X = np.diag(slopes[1:] * w[1:], k=-1)
    J_P = np.zeros((m, 2 * m))
    J_P[np.arange(m), 2 * np.arange(m)] = slopes * xs[:-1]
    J_P[np.arange(m), 2 * np.arange(m) + 1] = slopes
    lam = backslash(np.eye(m) - J_X.T, np.eye(m)[-1] * (xs[-1] - y))
    return [J_X, J_P, lam @ J_P]


def mlp_gradient_sech(w, beta, x0, y):
    """Another right answer: g' = sech²(s) from the pre-activations, λ as a column vector, so the
    gradient comes back of shape (2m, 1)."""
    m, xs = len(w), forward_pass(w, beta, x0)
    slopes = [1 / np.cosh(w[i] * xs[i] + beta[i]) ** 2 for i in range(m)]
    J_X = np.diag([slopes[i] * w[i] for i in range(1, m)], k=-1)
    J_P = np.zeros((m, 2 * m))
    for i in range(m):
        J_P[i, 2 * i: 2 * i + 2] = slopes[i] * xs[i], slopes[i]
    g = np.zeros((m, 1))
    g[-1, 0] = xs[-1] - y
    return J_X, J_P, J_P.T @ backslash((np.eye(m) - J_X).T, g)


def via_library_jacobian(w, beta, x0, y):  # J_X, J_P cut out of a Graph's J: not derived
    from course_lib import lagrange
    from course_lib.graph import Graph
    m = len(w)
    names = ["x0"] + [v for i in range(1, m + 1) for v in (f"w{i}", f"beta{i}")]
    g = Graph.from_assignments([(f"x{i}", f"tanh(w{i}*x{i - 1} + beta{i})") for i in range(1, m + 1)],
                               names)
    point = {"x0": x0} | {f"w{i + 1}": w[i] for i in range(m)} | {f"beta{i + 1}": beta[i] for i in range(m)}
    J = lagrange.jacobian_matrix(g, point)
    layers = [g.index(f"x{i}") for i in range(1, m + 1)]
    params = [g.index(f"{v}{i}") for i in range(1, m + 1) for v in ("w", "beta")]
    J_X, J_P = J[np.ix_(layers, layers)], J[np.ix_(layers, params)]
    r = np.zeros(m)
    r[-1] = forward_pass(w, beta, x0)[-1] - y
    return J_X, J_P, J_P.T @ backslash((np.eye(m) - J_X).T, r)


def printed_blocks(w, beta, x0, y):  # the lesson's printed J_X, J_P typed in, then one solve
    J_X = np.array([[0.0, 0.0, 0.0], [-1.0314, 0.0, 0.0], [0.0, 0.4319, 0.0]])
    J_P = np.array([[0.4658, 0.6655, 0, 0, 0, 0], [0, 0, 0.4971, 0.8595, 0, 0],
                    [0, 0, 0, 0, -0.3238, 0.8637]])
    r = np.array([0.0, 0.0, forward_pass(w, beta, x0)[-1] - y])
    return J_X, J_P, J_P.T @ backslash((np.eye(3) - J_X).T, r)


def finite_differences(w, beta, x0, y):
    J_X, J_P, _ = mlp_gradient(w, beta, x0, y)
    P = np.ravel(np.column_stack([w, beta]))

    def loss(P):
        return 0.5 * (forward_pass(P[0::2], P[1::2], x0)[-1] - y) ** 2

    grad = [(loss(P + 1e-6 * e) - loss(P - 1e-6 * e)) / 2e-6 for e in np.eye(len(P))]
    return J_X, J_P, np.array(grad)


@pytest.mark.parametrize("answer", [mlp_gradient, mlp_gradient_vectorised, mlp_gradient_sech])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mlp_gradient_accepts_right_answers(answer, seed, capsys):
    operator_backprop.scalar_mlp_gradient(answer, rng=seed)
    assert capsys.readouterr().out.startswith("ok ")


@pytest.mark.parametrize("answer, match", [
    (lambda *a: mlp_gradient(*a, transpose_J_X=True), r"J_X .*transpose|J_X .*off"),
    (lambda *a: mlp_gradient(*a, slope_shift=1), "J_X .*off"),  # g' of the layer below
    (lambda *a: mlp_gradient(*a, J_X_sign=-1), "J_X .*wrong sign"),  # −g'_i w_i below the diagonal
    (lambda *a: mlp_gradient(*a, x_shift=1), "J_P .*off"),  # g'_i x_i for g'_i x_{i−1}
    (lambda *a: mlp_gradient(*a, g_sign=-1), "gradient .*wrong sign"),  # ℓ' = y − x_m
    (lambda *a: mlp_gradient(*a, columns="blocks"), "J_P .*off"),  # w's first, then β's
    (lambda *a: mlp_gradient(*a, solver="untransposed"), "raised ValueError: .*upper triangular"),
    (lambda *a: mlp_gradient(*a, solver="plus"), "gradient .*off"),
    (via_library_jacobian, "your answer called lagrange.jacobian_matrix"),
    (printed_blocks, "J_X .*off"),
    (lambda *a: mlp_gradient(*a, bias_slope=False), "J_P .*off"),  # ∂x_i/∂β_i taken as 1
    (lambda *a: mlp_gradient(*a, last_linear=True), "off"),  # the lesson's linear last layer
    (lambda *a: mlp_gradient(*a, solver="none"), "made 0"),  # J_Pᵀ g, no solve
    (lambda *a: mlp_gradient(*a, solver="numpy"), "your answer called numpy.linalg.solve"),
    (lambda *a: mlp_gradient(*a, solver="twice"), "made 2"),
    (finite_differences, "entries are off"),  # one backslash for J_X, J_P, then FD: not exact
    (lambda *a: mlp_gradient(*a)[2], "should return a tuple"),  # the gradient alone
    (lambda w, beta, x0, y: mlp_gradient(w[:2], beta[:2], x0, y), "raised|shape"),  # fixed m
    (lambda *a: (np.zeros((3, 3)), np.zeros((3, 6)), np.zeros(6)), "made 0"),  # zeros of the printed shape
    (None, "no answer yet"),
])
def test_mlp_gradient_rejects_wrong_answers(answer, match):
    rejected(operator_backprop.scalar_mlp_gradient, answer, match=match)


def test_checks_are_reachable_as_the_notebook_calls_them():
    assert checks.operator_backprop.dot_test_catches is operator_backprop.dot_test_catches
    assert checks.operator_backprop.scalar_mlp_gradient is operator_backprop.scalar_mlp_gradient
