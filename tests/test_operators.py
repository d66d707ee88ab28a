r"""Tests for course_lib.operators.

Oracles: the dot-product test ⟨𝒜X, Y⟩ = ⟨X, 𝒜ᵀ•Y⟩ (Frobenius), the Kronecker closed forms of
each operator on column-major vec (numpy.kron), and plain numpy matrix products.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.operators import (
    Composition,
    Hadamard,
    Identity,
    Kronecker,
    LeftMultiply,
    Operator,
    RightMultiply,
    Scaled,
    Sum,
    Zero,
    transpose_dot,
)

dims = st.integers(1, 4)
seeds = st.integers(0, 2**32 - 1)
LEAVES = ("left", "right", "hadamard", "kronecker", "identity", "zero")
COMBINATIONS = ("scaled", "negated", "sum", "difference", "composition", "transposed")


def vec(X):
    return X.ravel(order="F")


def inner(X, Y):
    return float(np.sum(X * Y))  # ⟨X, Y⟩ = tr(XᵀY)


@st.composite
def operators(draw, in_shape, kinds=LEAVES + COMBINATIONS, depth=2):
    """(operator accepting X of in_shape, shape of its output), of one of the given kinds."""
    rng = np.random.default_rng(draw(seeds))
    m, n = in_shape
    kind = draw(st.sampled_from(kinds if depth > 0 else LEAVES))
    if kind == "left":
        p = draw(dims)
        return LeftMultiply(rng.normal(size=(p, m))), (p, n)
    if kind == "right":
        q = draw(dims)
        return RightMultiply(rng.normal(size=(n, q))), (m, q)
    if kind == "hadamard":
        return Hadamard(rng.normal(size=(m, n))), (m, n)
    if kind == "kronecker":  # X ↦ B X Aᵀ
        p, q = draw(dims), draw(dims)
        return Kronecker(rng.normal(size=(q, n)), rng.normal(size=(p, m))), (p, q)
    if kind == "identity":
        return Identity(), (m, n)
    if kind == "zero":
        return Zero(), (m, n)
    op, out = draw(operators(in_shape, depth=depth - 1))
    if kind == "scaled":
        return float(rng.normal()) * op, out
    if kind == "negated":
        return -op, out
    if kind in ("sum", "difference"):  # add an operator with the same input and output shapes
        other = LeftMultiply(rng.normal(size=(out[0], m))) @ RightMultiply(rng.normal(size=(n, out[1])))
        return (op + other if kind == "sum" else op - other), out
    if kind == "composition":
        outer, out2 = draw(operators(out, depth=depth - 1))
        return outer @ op, out2
    # transposed: an operator from `out` back to in_shape, transposed, maps in_shape to out
    back = LeftMultiply(rng.normal(size=(m, out[0]))) @ RightMultiply(rng.normal(size=(out[1], n)))
    return back.T + op, out


@st.composite
def operator_cases(draw, kinds=LEAVES + COMBINATIONS):
    in_shape = (draw(dims), draw(dims))
    op, out_shape = draw(operators(in_shape, kinds))
    rng = np.random.default_rng(draw(seeds))
    return op, rng.normal(size=in_shape), rng.normal(size=out_shape)


# -- the transpose-dot is the adjoint ---------------------------------------------------------


@pytest.mark.parametrize("kind", LEAVES + COMBINATIONS)
@settings(deadline=None, max_examples=40)
@given(data=st.data())
def test_dot_product_test_for_every_kind(kind, data):
    op, X, Y = data.draw(operator_cases((kind,)))
    AX = op @ X
    assert AX.shape == Y.shape
    # ⟨𝒜X, Y⟩ = ⟨X, 𝒜ᵀ•Y⟩
    assert np.isclose(inner(AX, Y), inner(X, op.T @ Y), rtol=1e-10, atol=1e-10)


@settings(deadline=None, max_examples=150)
@given(operator_cases())
def test_dot_product_test_for_random_expressions(case):
    op, X, Y = case
    assert np.isclose(inner(op @ X, Y), inner(X, op.T @ Y), rtol=1e-10, atol=1e-10)
    assert np.allclose(op.T.T @ X, op @ X)


@settings(deadline=None, max_examples=60)
@given(operator_cases())
def test_transpose_dot_is_the_matrix_transpose_on_vec(case):
    op, X, Y = case
    assert np.allclose(op.T.dense(Y.shape), op.dense(X.shape).T)
    assert np.allclose(op.dense(X.shape) @ vec(X), vec(op @ X))


def test_transpose_rules_by_name():
    rng = np.random.default_rng(0)
    A, B, M = rng.normal(size=(3, 4)), rng.normal(size=(2, 5)), rng.normal(size=(5, 3))
    assert np.array_equal(LeftMultiply(B).T.B, B.T)
    assert np.array_equal(RightMultiply(A).T.A, A.T)
    assert Hadamard(M).T.M is Hadamard(M).T.M and np.array_equal(Hadamard(M).T.M, M)
    kron = Kronecker(A, B).T
    assert np.array_equal(kron.A, A.T) and np.array_equal(kron.B, B.T)
    S, T = LeftMultiply(B), Hadamard(M)
    reversed_ = (S @ T).T  # (S∘T)ᵀ• = Tᵀ• ∘ Sᵀ•
    assert isinstance(reversed_, Composition)
    assert isinstance(reversed_.outer, Hadamard) and isinstance(reversed_.inner, LeftMultiply)
    assert isinstance((S + S).T, Sum) and (3 * S).T.c == 3


# -- dense matrices against numpy.kron --------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(dims, dims, dims, dims, seeds)
def test_dense_against_kron(m, n, p, q, seed):
    rng = np.random.default_rng(seed)
    B, A, M = rng.normal(size=(p, m)), rng.normal(size=(n, q)), rng.normal(size=(m, n))
    K1, K2 = rng.normal(size=(q, n)), rng.normal(size=(p, m))
    assert np.allclose(LeftMultiply(B).dense((m, n)), np.kron(np.eye(n), B))  # I ⊗ B
    assert np.allclose(RightMultiply(A).dense((m, n)), np.kron(A.T, np.eye(m)))  # Aᵀ ⊗ I
    assert np.allclose(Hadamard(M).dense((m, n)), np.diag(vec(M)))
    assert np.allclose(Kronecker(K1, K2).dense((m, n)), np.kron(K1, K2))
    assert np.array_equal(Identity().dense((m, n)), np.eye(m * n))
    assert np.array_equal(Zero().dense((m, n)), np.zeros((m * n, m * n)))


@settings(deadline=None, max_examples=40)
@given(dims, dims, dims, dims, seeds)
def test_vec_trick(m, n, p, q, seed):
    r"""(A ⊗ B) vec(X) = vec(B X Aᵀ): the identity that defines Kronecker's action."""
    rng = np.random.default_rng(seed)
    A, B, X = rng.normal(size=(q, n)), rng.normal(size=(p, m)), rng.normal(size=(m, n))
    assert np.allclose(np.kron(A, B) @ vec(X), vec(B @ X @ A.T))
    assert np.allclose(Kronecker(A, B) @ X, B @ X @ A.T)


@settings(deadline=None, max_examples=40)
@given(operator_cases(), seeds)
def test_dense_of_sums_scalars_and_compositions(case, seed):
    op, X, Y = case
    rng = np.random.default_rng(seed)
    c = float(rng.normal())
    other = LeftMultiply(rng.normal(size=(Y.shape[0], Y.shape[0])))
    n_in, n_out = X.shape, Y.shape
    assert np.allclose((c * op).dense(n_in), c * op.dense(n_in))
    assert np.allclose((op + op).dense(n_in), 2 * op.dense(n_in))
    assert np.allclose((other @ op).dense(n_in), other.dense(n_out) @ op.dense(n_in))


def test_values_of_each_operator():
    rng = np.random.default_rng(1)
    X, B, A, M = (rng.normal(size=s) for s in [(3, 4), (2, 3), (4, 5), (3, 4)])
    assert np.allclose(LeftMultiply(B) @ X, B @ X)
    assert np.allclose(RightMultiply(A) @ X, X @ A)
    assert np.allclose(Hadamard(M) @ X, M * X)
    assert np.allclose((Identity() @ X), X)
    assert np.array_equal(Zero() @ X, np.zeros((3, 4)))
    assert np.allclose((2.5 * LeftMultiply(B)) @ X, 2.5 * B @ X)
    assert np.allclose((LeftMultiply(B) / 2) @ X, B @ X / 2)
    assert np.allclose((-Hadamard(M)) @ X, -M * X)
    assert np.allclose((Hadamard(M) - Identity()) @ X, M * X - X)
    assert np.allclose((LeftMultiply(B) @ Hadamard(M)) @ X, B @ (M * X))
    assert np.allclose(LeftMultiply(B)(X), B @ X)
    assert np.allclose(sum([Hadamard(M), Identity()]) @ X, M * X + X)  # sum() starts at 0


def test_results_never_overwrite_the_input():
    X = np.arange(6.0).reshape(2, 3)
    before = X.copy()
    for op in [-Identity(), 3 * Identity(), -(Identity() @ Identity()), -Hadamard(np.ones((2, 3)))]:
        op @ X
    assert np.array_equal(X, before)


def test_array_at_operator_composes():
    rng = np.random.default_rng(2)
    B, M, X = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    op = B @ Hadamard(M)
    assert isinstance(op, Operator)
    assert np.allclose(op @ X, B @ (M * X))


def test_shapes_are_tracked():
    B, A = np.ones((2, 3)), np.ones((4, 5))
    assert LeftMultiply(B).in_shape == (3, None) and LeftMultiply(B).out_shape == (2, None)
    assert RightMultiply(A).in_shape == (None, 4) and RightMultiply(A).out_shape == (None, 5)
    op = LeftMultiply(B) @ RightMultiply(A)
    assert op.in_shape == (3, 4) and op.out_shape == (2, 5)
    assert (Hadamard(np.ones((2, 5))) @ op).in_shape == (3, 4)
    assert Kronecker(A, B).in_shape == (3, 5) and Kronecker(A, B).out_shape == (2, 4)
    assert (Identity() @ LeftMultiply(B)).out_shape == (2, None)
    assert op.output_shape((3, 4)) == (2, 5)


# -- inverses (used on the diagonal of a triangular solve) ------------------------------------


@settings(deadline=None, max_examples=40)
@given(dims, dims, seeds)
def test_inverse_undoes_the_operator(m, n, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    square = lambda k: rng.normal(size=(k, k)) + 3 * k * np.eye(k)
    nonzero = rng.uniform(0.5, 2, size=(m, n)) * rng.choice([-1, 1], size=(m, n))
    for op in [Identity(), -Identity(), Scaled(2.5, Identity()), LeftMultiply(square(m)),
               RightMultiply(square(n)), Hadamard(nonzero), Kronecker(square(n), square(m)),
               LeftMultiply(square(m)) @ Hadamard(nonzero)]:
        assert np.allclose(op.inverse() @ (op @ X), X), op


def test_operators_without_an_inverse():
    with pytest.raises(TypeError, match="no closed-form inverse"):
        (Identity() + Identity()).inverse()
    with pytest.raises(ValueError, match="not invertible"):
        Zero().inverse()
    with pytest.raises(ValueError, match=r"LeftMultiply\(2×2\) is not invertible.*singular"):
        LeftMultiply(np.ones((2, 2))).inverse()
    with pytest.raises(ValueError, match="shape"):
        RightMultiply(np.ones((2, 3))).inverse()
    with pytest.raises(ValueError, match="zero entry"):
        Hadamard(np.array([[1.0, 0.0]])).inverse()
    with pytest.raises(ValueError, match="factor is 0"):
        Scaled(0, Identity()).inverse()


# -- matrices of operators --------------------------------------------------------------------


def apply_blocks(M, x):
    """y_i = Σ_j M_ij x_j over the nonzero elements, written out for the test."""
    return [sum(M[i, j] @ x[j] for j in range(M.shape[1]) if M[i, j] is not None
                and not (np.isscalar(M[i, j]) and M[i, j] == 0)) for i in range(M.shape[0])]


def test_transpose_dot_of_a_matrix_of_operators():
    rng = np.random.default_rng(3)
    B, M = rng.normal(size=(2, 3)), rng.normal(size=(2, 4))
    blocks = np.empty((2, 2), dtype=object)
    blocks[:] = [[Identity(), 0], [LeftMultiply(B), Hadamard(M)]]
    T = transpose_dot(blocks)
    assert T[1, 0] == 0 and T[0, 1].B.shape == (3, 2) and np.array_equal(T[1, 1].M, M)
    # block dot-product test ⟨M x, y⟩ = ⟨x, Mᵀ• y⟩, with x = (X0 (3×4), X1 (2×4)) and y alike
    x = [rng.normal(size=(3, 4)), rng.normal(size=(2, 4))]
    y = [rng.normal(size=(3, 4)), rng.normal(size=(2, 4))]
    lhs = sum(map(inner, apply_blocks(blocks, x), y))
    assert np.isclose(lhs, sum(map(inner, x, apply_blocks(T, y))))
    numeric = rng.normal(size=(2, 3))
    assert np.array_equal(transpose_dot(numeric), numeric.T)


# -- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "error", "pattern"),
    [
        (lambda: LeftMultiply(np.ones((3, 4))) @ np.ones((5, 2)), ValueError,
         r"LeftMultiply\(3×4\) expects X of shape \(4, \*\), got \(5, 2\)"),
        (lambda: RightMultiply(np.ones((3, 4))) @ np.ones((5, 2)), ValueError,
         r"RightMultiply\(3×4\) expects X of shape \(\*, 3\), got \(5, 2\)"),
        (lambda: Hadamard(np.ones((3, 4))) @ np.ones((4, 3)), ValueError,
         r"Hadamard\(3×4\) expects X of shape \(3, 4\), got \(4, 3\)"),
        (lambda: Kronecker(np.ones((2, 3)), np.ones((4, 5))) @ np.ones((3, 5)), ValueError,
         r"Kronecker\(2×3 ⊗ 4×5\) expects X of shape \(5, 3\)"),
        (lambda: LeftMultiply(np.ones((3, 4))) @ np.ones(4), ValueError, r"2-D matrices.*\(4,\)"),
        (lambda: LeftMultiply(np.ones((3, 4))) @ LeftMultiply(np.ones((5, 6))), ValueError,
         r"LeftMultiply\(3×4\) @ LeftMultiply\(5×6\).*\(5, \*\) and \(4, \*\)"),
        (lambda: LeftMultiply(np.ones((3, 4))) + LeftMultiply(np.ones((2, 4))), ValueError,
         r"LeftMultiply\(3×4\) \+ LeftMultiply\(2×4\).*outputs"),
        (lambda: LeftMultiply(np.array([[1.0, np.nan]])), ValueError, "LeftMultiply: B .*non-finite"),
        (lambda: Hadamard(np.ones(3)), ValueError, r"Hadamard: M must be a 2-D matrix.*\(3,\)"),
        (lambda: RightMultiply(np.array([["a"]])), TypeError, "RightMultiply: A must be a numeric array"),
        (lambda: Scaled(np.inf, Identity()), ValueError, "finite number"),
        (lambda: Identity() * np.ones((2, 2)), TypeError, r"Identity\(\) \* ndarray.*op @ X"),
        (lambda: np.ones((2, 2)) * Identity(), TypeError, r"Identity\(\) \* ndarray"),
        (lambda: Identity() + np.ones((2, 2)), TypeError, "only be added to another operator"),
    ],
)
def test_bad_input_names_the_operator_and_shapes(make, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        make()
    assert info.value.__cause__ is None


def test_sum_never_broadcasts():
    op = Sum(RightMultiply(np.ones((3, 1))), Identity())  # (2×3) ↦ (2×1) + (2×3)
    with pytest.raises(ValueError, match=r"give shapes \(2, 1\) and \(2, 3\)"):
        op @ np.ones((2, 3))
