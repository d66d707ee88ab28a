r"""Tests for course_lib.substitution: one recurrence x_i = M_ii⁻¹ (b_i − Σ_{j≠i} M_ij x_j).

Oracles: numpy.linalg.solve on the dense (assembled) matrix, sympy's own LUsolve, and the
residual Σ_j M_ij x_j − b_i computed directly.
"""

import weakref

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.operators import Hadamard, Identity, LeftMultiply, Operator, RightMultiply, Zero
from course_lib.substitution import (
    SubstitutionStep,
    all_finite,
    back_substitute,
    back_substitution_steps,
    backslash,
    block_multiply,
    forward_substitute,
    forward_substitution_steps,
    plain_substitution,
    substitute,
)

seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 8)


def triangular(rng, n, upper=True, density=0.7):
    r"""A well-conditioned triangular matrix: |U_ii| ∈ [1, 3], off-diagonal ∈ [−1, 1], some zeros."""
    M = rng.uniform(-1, 1, size=(n, n)) * (rng.random((n, n)) < density)
    M = np.triu(M, 1) if upper else np.tril(M, -1)
    return M + np.diag(rng.uniform(1, 3, n) * rng.choice([-1, 1], n))


def solve(M, b):
    return backslash(M, b) if np.allclose(M, np.triu(M)) else forward_substitute(M, b)


# -- float arrays -----------------------------------------------------------------------------


@settings(deadline=None, max_examples=80)
@given(sizes, st.sampled_from([None, 1, 3]), st.booleans(), seeds)
def test_dense_matches_numpy_solve(n, columns, upper, seed):
    rng = np.random.default_rng(seed)
    M = triangular(rng, n, upper)
    b = rng.normal(size=n if columns is None else (n, columns))
    x = backslash(M, b) if upper else forward_substitute(M, b)
    assert x.shape == b.shape
    assert np.allclose(x, np.linalg.solve(M, b), rtol=1e-9, atol=1e-9)


def test_dense_integer_and_complex_input():
    U = np.array([[2, 1], [0, 4]])
    assert np.allclose(backslash(U, [3, 4]), [1.0, 1.0])
    Uc = np.array([[1j, 1], [0, 2]])
    assert np.allclose(backslash(Uc, [1 + 1j, 2]), np.linalg.solve(Uc, [1 + 1j, 2]))


def test_aliases_and_empty_system():
    assert back_substitute is backslash
    assert backslash(np.zeros((0, 0)), np.zeros(0)).shape == (0,)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(0)
    U, b = triangular(rng, 4), rng.normal(size=4)
    U0, b0 = U.copy(), b.copy()
    backslash(U, b)
    assert np.array_equal(U, U0) and np.array_equal(b, b0)


# -- sympy ------------------------------------------------------------------------------------


@settings(deadline=None, max_examples=20)
@given(st.integers(1, 4), st.booleans(), seeds)
def test_sympy_is_exact(n, upper, seed):
    rng = np.random.default_rng(seed)
    entries = rng.integers(-5, 6, size=(n, n))
    diagonal = rng.choice([-3, -2, -1, 1, 2, 3, 7], size=n)
    off = np.triu(entries, 1) if upper else np.tril(entries, -1)
    M = sympy.Matrix(off.tolist()) + sympy.diag(*diagonal.tolist())
    b = sympy.Matrix(rng.integers(-9, 10, size=(n, 2)).tolist())
    x = backslash(M, b) if upper else forward_substitute(M, b)
    assert isinstance(x, sympy.MatrixBase)
    assert x == M.LUsolve(b)  # exact rationals, no rounding
    assert M * x == b


def test_sympy_symbolic_entries():
    a, c, d, e = sympy.symbols("a c d e", nonzero=True)
    U = sympy.Matrix([[a, c, 0], [0, -1, d], [0, 0, e]])
    b = sympy.Matrix([1, 2, 3])
    x = backslash(U, b)
    assert sympy.simplify(U * x - b) == sympy.zeros(3, 1)
    assert x[2] == 3 / e
    assert backslash(U, [1, 2, 3]) == x  # b may be a list


# -- object arrays: blocks --------------------------------------------------------------------


@st.composite
def block_systems(draw, upper=True):
    """(object array of blocks with zero elements as 0/None/zero blocks, list of b blocks, dense)."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(st.integers(1, 4))
    size = [draw(st.integers(1, 3)) for _ in range(n)]
    k = draw(st.sampled_from([None, 1, 2]))
    U = np.empty((n, n), dtype=object)
    for i in range(n):
        for j in range(n):
            if i == j:
                U[i, j] = rng.normal(size=(size[i], size[i])) + 4 * np.eye(size[i])
            elif (j > i) == upper and rng.random() < 0.7:
                U[i, j] = rng.normal(size=(size[i], size[j]))
            else:
                U[i, j] = [0, None, np.zeros((size[i], size[j]))][rng.integers(3)]
    b = [rng.normal(size=s if k is None else (s, k)) for s in size]
    dense = np.block([[np.zeros((size[i], size[j])) if U[i, j] is None or np.isscalar(U[i, j])
                       else U[i, j] for j in range(n)] for i in range(n)])
    return U, b, dense


@settings(deadline=None, max_examples=60)
@given(st.booleans(), st.data())
def test_blocks_match_the_dense_solve(upper, data):
    U, b, dense = data.draw(block_systems(upper))
    x = backslash(U, b) if upper else forward_substitute(U, b)
    assert x.dtype == object and len(x) == len(b)
    assert all(xi.shape == bi.shape for xi, bi in zip(x, b, strict=True))
    assert np.allclose(np.concatenate(list(x)), np.linalg.solve(dense, np.concatenate(b)))


def test_blocks_with_scalar_diagonal():
    rng = np.random.default_rng(1)
    B = rng.normal(size=(2, 3))
    U = np.empty((2, 2), dtype=object)
    U[:] = [[-1, B], [0, 2.5]]
    b = [rng.normal(size=2), rng.normal(size=3)]
    x = backslash(U, b)
    assert np.allclose(x[1], b[1] / 2.5)
    assert np.allclose(-x[0] + B @ x[1], b[0])


# -- object arrays: operators -----------------------------------------------------------------


@st.composite
def operator_systems(draw, upper=True):
    """An operator-valued triangular system whose unknowns X_i have random shapes."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(st.integers(1, 4))
    shapes = [(draw(st.integers(1, 3)), draw(st.integers(1, 3))) for _ in range(n)]
    U = np.full((n, n), None, dtype=object)
    # one Hadamard per column, shared as the right factor of that column's kind-4 elements
    column_factor = [Hadamard(rng.normal(size=shape)) for shape in shapes]
    for i in range(n):
        (p, q) = shapes[i]
        choice = rng.integers(6)
        U[i, i] = [Identity(), -Identity(), -1, 2.5, 3 * Identity(),
                   Hadamard(rng.uniform(1, 2, size=(p, q)))][choice]
        for j in range(n):
            if j != i and (j > i) == upper:
                (r, s) = shapes[j]
                kind = rng.integers(6)
                if kind == 0:
                    U[i, j] = Zero()
                elif kind == 1:  # X_j (r×s) ↦ B X_j A: (p×r)(r×s)(s×q)
                    U[i, j] = LeftMultiply(rng.normal(size=(p, r))) @ RightMultiply(
                        rng.normal(size=(s, q)))
                elif kind == 2:
                    U[i, j] = -(Hadamard(rng.normal(size=(p, q))) @ LeftMultiply(
                        rng.normal(size=(p, r))) @ RightMultiply(rng.normal(size=(s, q))))
                elif kind == 4:  # c·(B (·) A) @ H_j, H_j shared down column j; c folded
                    c = [-1, 1, 2.5, -0.5][rng.integers(4)]
                    U[i, j] = c * (LeftMultiply(rng.normal(size=(p, r))) @ RightMultiply(
                        rng.normal(size=(s, q))) @ column_factor[j])
                    if rng.integers(2):
                        U[i, j] = -U[i, j]  # a multiple of a multiple
                elif kind == 5 and (p, q) == (r, s):  # ±X_j itself: the result must not alias it
                    U[i, j] = [Identity(), -Identity()][rng.integers(2)]
                else:
                    U[i, j] = 0
    b = [rng.normal(size=s) for s in shapes]
    return U, b, shapes


def dense_of(U, shapes):
    """The assembled matrix acting on (vec X_0, …, vec X_{n−1}), from each element's .dense."""
    rows = []
    for i, (p, q) in enumerate(shapes):
        row = []
        for j, shape in enumerate(shapes):
            m = U[i, j]
            size = (p * q, shape[0] * shape[1])
            if m is None or isinstance(m, Zero) or (np.isscalar(m) and i != j):
                row.append(np.zeros(size))
            elif np.isscalar(m):
                row.append(m * np.eye(p * q))
            else:
                row.append(m.dense(shape))
        rows.append(row)
    return np.block(rows)


def residuals(U, x, b):
    r"""Σ_j U_ij x_j − b_i, applying each element directly."""
    out = []
    for i in range(len(b)):
        total = -b[i]
        for j in range(len(b)):
            m = U[i, j]
            if m is None or getattr(m, "is_zero", False) or (np.isscalar(m) and m == 0):
                continue
            total = total + (m * x[j] if np.isscalar(m) else m @ x[j])
        out.append(total)
    return out


@settings(deadline=None, max_examples=60)
@given(st.booleans(), st.data())
def test_operators_match_the_dense_solve(upper, data):
    U, b, shapes = data.draw(operator_systems(upper))
    x = backslash(U, b) if upper else forward_substitute(U, b)
    assert [xi.shape for xi in x] == shapes
    blocks = list(x) + b  # no block of x is another one, or one of b (±Identity elements)
    assert not any(np.may_share_memory(a, c) for k, a in enumerate(blocks) for c in blocks[k + 1:])
    for r in residuals(U, x, b):
        assert np.allclose(r, 0, atol=1e-9)
    vec = lambda blocks: np.concatenate([B.ravel(order="F") for B in blocks])
    assert np.allclose(vec(x), np.linalg.solve(dense_of(U, shapes), vec(b)))


def _with_zero_blocks(U, b, upper, pick):
    """b with the blocks of the rows that have a nonzero off-diagonal element replaced by
    None (where pick says so), and the same b with explicit zero blocks instead."""
    n = len(b)
    zero = lambda m: m is None or getattr(m, "is_zero", False) or (
        np.isscalar(m) and m == 0) or (isinstance(m, np.ndarray) and not m.any())
    has_terms = [any(not zero(U[i, j]) for j in range(n) if (j > i) == upper and j != i)
                 for i in range(n)]
    chosen = [has_terms[i] and pick[i % len(pick)] for i in range(n)]
    return ([None if c else bi for c, bi in zip(chosen, b)],
            [np.zeros_like(bi) if c else bi for c, bi in zip(chosen, b)])


@settings(deadline=None, max_examples=60)
@given(st.booleans(), st.lists(st.booleans(), min_size=1, max_size=4), st.data())
def test_none_right_hand_side_blocks_are_zero_blocks(upper, pick, data):
    solve = backslash if upper else forward_substitute
    for U, b in (data.draw(operator_systems(upper))[:2], data.draw(block_systems(upper))[:2]):
        with_none, with_zeros = _with_zero_blocks(U, b, upper, pick)
        got, expected = solve(U, with_none), solve(U, with_zeros)
        for g, e in zip(got, expected, strict=True):
            assert g.shape == e.shape and np.allclose(g, e, atol=1e-12)


def test_none_right_hand_side_needs_a_term_to_give_its_shape():
    U = objects([[Identity(), None], [None, Identity()]])
    with pytest.raises(ValueError, match=r"b\[0\] is None .*row 0 of U has no nonzero"):
        backslash(U, [None, np.ones((2, 2))])


def test_none_right_hand_side_refuses_terms_of_different_shapes():
    U = objects([[Identity(), RightMultiply(np.ones((2, 3))), Identity()],
                 [None, Identity(), None], [None, None, Identity()]])
    with pytest.raises(ValueError, match=r"U\[0, 2\] x\[2\] has shape \(2, 2\), but "
                                         r"U\[0, 1\] x\[1\] has shape \(2, 3\)"):
        backslash(U, [None, np.ones((2, 2)), np.ones((2, 2))])


class Counting(Operator):
    """Wraps an operator and counts its applications."""

    def __init__(self, op):
        self.op, self.calls = op, 0
        self.in_shape, self.out_shape = op.in_shape, op.out_shape

    def _apply(self, X):
        self.calls += 1
        return self.op @ X


class Untouchable(Operator):
    """A structural zero that fails if the solver ever applies it."""

    is_zero = True

    def _apply(self, X):
        raise AssertionError("a zero element was applied")


def test_only_nonzero_elements_cost_work():
    rng = np.random.default_rng(2)
    n = 5
    U = np.full((n, n), None, dtype=object)
    counted = []
    for i in range(n):
        U[i, i] = -Identity()
        for j in range(i + 1, n):
            if (i + j) % 2:
                U[i, j] = Counting(Hadamard(rng.normal(size=(2, 2))))
                counted.append(U[i, j])
            else:
                U[i, j] = [0, None, Zero(), Untouchable()][(i * n + j) % 4]
    x = backslash(U, [rng.normal(size=(2, 2)) for _ in range(n)])
    assert len(x) == n
    assert [op.calls for op in counted] == [1] * len(counted)  # each nonzero applied once


def test_large_finite_blocks_are_not_mistaken_for_overflow():
    U = np.empty((1, 1), dtype=object)
    U[0, 0] = 1.0
    x = backslash(U, [np.array([1e308, 1e308])])  # the sum overflows, the entries do not
    assert np.array_equal(x[0], [1e308, 1e308])


@settings(deadline=None, max_examples=200)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1, max_size=30),
       st.sampled_from(["float64", "float32", "complex128", "int64", "bool"]))
def test_all_finite_agrees_with_testing_every_entry(values, dtype):
    r"""all_finite = np.isfinite(a).all(), also where Σ|a_k|² overflows (|a_k| ≥ 1e155)."""
    with np.errstate(all="ignore"):
        a = np.array(values)
        if dtype in ("int64", "bool"):
            a = np.nan_to_num(a, nan=0, posinf=1, neginf=-1).clip(-1e15, 1e15)
        a = a.astype(dtype)
        if dtype == "complex128":
            a = a + 1j * a[::-1]
    assert all_finite(a) == bool(np.isfinite(a).all())
    assert all_finite(a.reshape(1, -1).T) == all_finite(a)


def test_result_does_not_alias_b():
    U = np.empty((1, 1), dtype=object)
    U[0, 0] = Identity()
    b = [np.ones((2, 2))]
    x = backslash(U, b)
    x[0][0, 0] = 5.0
    assert b[0][0, 0] == 1.0


def test_block_multiply_matches_dense():
    rng = np.random.default_rng(3)
    B, A = rng.normal(size=(2, 3)), rng.normal(size=(4, 4))
    M = np.empty((2, 2), dtype=object)
    M[:] = [[LeftMultiply(B), None], [2.0, RightMultiply(A) - Identity()]]
    x = [rng.normal(size=(3, 4)), rng.normal(size=(3, 4))]
    y = block_multiply(M, x)
    assert np.allclose(y[0], B @ x[0])
    assert np.allclose(y[1], 2 * x[0] + x[1] @ A - x[1])
    M[0, 0] = Identity()
    assert block_multiply(M, x)[0] is not x[0]
    with pytest.raises(ValueError, match="x has 1 blocks but M has 2 columns"):
        block_multiply(M, x[:1])


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(1, 4))
def test_block_multiply_applies_a_shared_right_factor_once(seed, rows):
    r"""Rows whose column-0 elements are 𝒜_k @ ℬ with one ℬ: ℬ x_0 is computed once, and every
    y_k equals 𝒜_k (ℬ x_0) computed directly; no y_k is the shared product or an x_j."""
    rng = np.random.default_rng(seed)
    shared = Counting(Hadamard(rng.normal(size=(3, 2))))
    outers = [Identity()] + [LeftMultiply(rng.normal(size=(2, 3))) for _ in range(rows - 1)]
    M = np.full((rows, 2), None, dtype=object)
    for k, outer in enumerate(outers):
        M[k, 0] = outer @ shared
    M[0, 1] = Identity()
    x = [rng.normal(size=(3, 2)), rng.normal(size=(3, 2))]
    y = block_multiply(M, x)
    assert shared.calls == 1
    product = shared.op.M * x[0]
    assert np.allclose(y[0], product + x[1])
    for k in range(1, rows):
        assert np.allclose(y[k], outers[k].B @ product)
    ys = list(y)
    assert all(a is not b for i, a in enumerate(ys) for b in ys[i + 1:] + x)
    M[0, 1] = None  # y_0 = Identity (ℬ x_0): a copy while rows 1… still share ℬ x_0
    made = []
    shared._apply = lambda X: made.append(shared.op @ X) or made[-1]
    y = block_multiply(M, x)
    assert len(made) == 1 and np.array_equal(y[0], made[0])
    assert (y[0] is not made[0]) == (rows > 1)  # with one user, nobody else holds ℬ x_0


@settings(deadline=None, max_examples=40)
@given(seeds, st.integers(1, 4), st.booleans())
def test_backslash_applies_a_shared_right_factor_once(seed, users, with_rhs):
    r"""Rows 0…users−1 read the last unknown through c_k·𝒜_k @ ℬ with one ℬ: ℬ x_last is
    computed once for all of them, the solution solves the system, and no x_i aliases another
    x_j, b_i or the shared product, even where 𝒜_k is the identity and c_k = −1."""
    rng = np.random.default_rng(seed)
    n = users + 1
    shared = Counting(Hadamard(rng.normal(size=(2, 3))))
    U = np.full((n, n), None, dtype=object)
    for k in range(users):
        U[k, k] = Identity()
        outer = Identity() if k < 2 else LeftMultiply(rng.normal(size=(2, 2)))
        U[k, n - 1] = [-1, -1, 1, 3.0][k % 4] * (outer @ shared)  # rows 0, 1: x_k = ℬ x_last
    U[n - 1, n - 1] = Identity()
    b = [rng.normal(size=(2, 3)) if with_rhs else None for _ in range(users)]
    b.append(rng.normal(size=(2, 3)))
    x = backslash(U, b)
    assert shared.calls == 1
    for r in residuals(U, x, [np.zeros((2, 3)) if bi is None else bi for bi in b]):
        assert np.allclose(r, 0, atol=1e-12)
    blocks = list(x) + [bi for bi in b if bi is not None]
    assert not any(np.may_share_memory(a, c) for k, a in enumerate(blocks) for c in blocks[k + 1:])


def test_scalar_multiples_are_folded_not_applied():
    r"""b − (−𝒜)x is computed as b + 𝒜x: the multiple itself is never applied."""
    inner = Counting(LeftMultiply(np.array([[2.0]])))
    minus = -inner
    minus._apply = lambda X: pytest.fail("the scalar multiple was applied, not folded")
    U = objects([[Identity(), minus], [None, Identity()]])
    x = backslash(U, [None, np.array([[3.0]])])
    assert inner.calls == 1 and x[0][0, 0] == 6.0


# -- keep: unknowns that are not wanted are let go early --------------------------------------


@settings(deadline=None, max_examples=60)
@given(st.booleans(), st.data())
def test_keep_returns_the_kept_unknowns_and_none_for_the_others(upper, data):
    solve = backslash if upper else forward_substitute
    for U, b in (data.draw(operator_systems(upper))[:2], data.draw(block_systems(upper))[:2]):
        keep = data.draw(st.sets(st.integers(0, len(b) - 1)))
        full, kept = solve(U, b), solve(U, b, keep=keep)
        assert len(kept) == len(full)
        for k, (a, c) in enumerate(zip(kept, full, strict=True)):
            assert (a is None) if k not in keep else np.array_equal(a, c)


class Watched(Operator):
    """Applies an operator and keeps a weak reference to the matrix it was applied to."""

    def __init__(self, op):
        self.op, self.seen = op, None
        self.in_shape, self.out_shape = op.in_shape, op.out_shape

    def _apply(self, X):
        self.seen = weakref.ref(X)
        return self.op @ X


class Probe(Operator):
    """Identity that records, when applied, whether the watched matrix was still alive."""

    def __init__(self, watched):
        self.watched, self.alive = watched, []

    def _apply(self, X):
        self.alive.append(self.watched.seen() is not None)
        return X.copy()


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("keep", [None, [0, 1], [0, 1, 2]])
def test_an_unknown_not_kept_is_let_go_after_its_last_product(shared, keep):
    r"""x_2 is read by row 1 only (or by rows 1 and 0 through one shared right factor ℬ, so
    row 0 reads ℬ x_2, not x_2). By the time row 0 is solved, x_2 must be gone unless kept —
    as backprop drops an adjoint it has passed on — and the solution must not change."""
    rng = np.random.default_rng(0)
    watched = Watched(Hadamard(rng.normal(size=(2, 2))))
    probe = Probe(watched)
    U = np.full((3, 3), None, dtype=object)
    U[0, 0] = U[1, 1] = U[2, 2] = Identity()
    if shared:  # row 0 reads ℬ x_2 through probe @ ℬ, row 1 through 2·ℬ
        U[1, 2], U[0, 2] = 2.0 * (Identity() @ watched), probe @ watched
        U[0, 1] = LeftMultiply(rng.normal(size=(2, 2)))
    else:  # x_2 → row 1 → x_1 → row 0 (through the probe)
        U[1, 2], U[0, 1] = 2.0 * watched, probe
    b = [rng.normal(size=(2, 2)) for _ in range(3)]
    x = backslash(U, b, keep=keep)
    assert probe.alive == [keep is None or 2 in keep]
    reference = backslash(U, b)
    for k in range(3):
        assert (x[k] is None) == (keep is not None and k not in keep)
        assert x[k] is None or np.array_equal(x[k], reference[k])


# -- the step-by-step generator ---------------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 6), st.booleans(), seeds)
def test_steps_replay_the_solve(n, upper, seed):
    rng = np.random.default_rng(seed)
    M, b = triangular(rng, n, upper), rng.normal(size=n)
    steps = list(back_substitution_steps(M, b) if upper else forward_substitution_steps(M, b))
    assert all(isinstance(s, SubstitutionStep) for s in steps)
    order = list(range(n - 1, -1, -1)) if upper else list(range(n))
    assert [s.row for s in steps] == order
    for k, s in enumerate(steps):
        # x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j), from the record alone
        assert np.isclose(s.value, (s.rhs - sum(m * xj for _, m, xj in s.terms)) / s.diagonal)
        assert {j for j, _, _ in s.terms} == {j for j in order[:k] if M[s.row, j] != 0}
        assert [v is None for v in s.solution] == [i not in order[: k + 1] for i in range(n)]
    assert np.allclose(steps[-1].solution, solve(M, b))


def test_steps_for_operators_and_sympy():
    S = sympy.Matrix([[2, 1], [0, 4]])
    steps = list(back_substitution_steps(S, [3, 4]))
    assert [s.row for s in steps] == [1, 0]
    assert steps[-1].value == sympy.Matrix([[1]])
    E = np.empty((2, 2), dtype=object)
    E[:] = [[-Identity(), Hadamard(np.full((1, 2), 2.0))], [None, Identity()]]
    steps = list(back_substitution_steps(E, [np.ones((1, 2)), np.ones((1, 2))]))
    assert steps[0].terms == () and steps[1].terms[0][0] == 1
    assert np.allclose(steps[1].value, -(1 - 2))


def test_steps_check_input_before_iterating():
    with pytest.raises(ValueError, match="square"):
        back_substitution_steps(np.ones((2, 3)), np.ones(2))


# -- bad input --------------------------------------------------------------------------------


def objects(rows):
    M = np.empty((len(rows), len(rows[0])), dtype=object)
    M[:] = rows
    return M


BAD = [
    (lambda: backslash(np.ones((2, 3)), np.ones(2)), ValueError, r"square.*\(2, 3\)"),
    (lambda: backslash(np.ones((2, 2, 2)), np.ones(2)), ValueError, "object array"),
    (lambda: backslash(np.eye(3), np.ones(4)), ValueError, r"b must have 3 rows.*\(4,\)"),
    (lambda: backslash(np.eye(3), np.ones((3, 2, 1))), ValueError, "b must have 3 rows"),
    (lambda: backslash(np.array([[1.0, 2, 3], [0, 1, 0], [5, 0, 1]]), np.ones(3)), ValueError,
     r"not upper triangular.*U\[2, 0\] = 5\.0 \(row 2, column 0\)"),
    (lambda: forward_substitute(np.array([[1.0, 2], [0, 1]]), np.ones(2)), ValueError,
     r"L is not lower triangular.*above.*L\[0, 1\]"),
    (lambda: backslash(np.diag([1.0, 0, 2]), np.ones(3)), ValueError, r"U\[1, 1\] is zero: row 1"),
    (lambda: backslash(np.array([[1.0, np.nan], [0, 1]]), np.ones(2)), ValueError,
     r"U\[0, 1\] = nan is not finite"),
    (lambda: backslash(np.eye(2), [1.0, np.inf]), ValueError, r"b\[1\] = inf is not finite"),
    (lambda: backslash(np.array([["a"]]), [1.0]), TypeError, "U must be numeric"),
    (lambda: backslash(np.diag([1e-300, 1.0]), [1e300, 1.0]), ValueError,
     r"row 0 .*not finite.*U\[0, 0\]"),
    # object arrays
    (lambda: backslash(objects([[1e-300, 0], [0, 1]]), [1e300, 1.0]), ValueError,
     r"row 0 .*not finite"),
    (lambda: backslash(objects([[np.eye(2), np.ones((2, 3))], [0, np.eye(2)]]),
                       [np.ones(2), np.ones(2)]), ValueError,
     r"block U\[0, 1\] has shape \(2, 3\), expected \(2, 2\)"),
    (lambda: backslash(objects([[np.eye(2), 0], [0, np.ones((2, 2))]]),
                       [np.ones(2), np.ones(2)]), ValueError, r"U\[1, 1\] is singular \(row 1\)"),
    (lambda: backslash(objects([[np.eye(3), 0], [0, np.eye(2)]]), [np.ones(2), np.ones(2)]),
     ValueError, r"diagonal block U\[0, 0\] has shape \(3, 3\)"),
    (lambda: backslash(objects([[1, 0], [Identity(), 1]]), [np.ones((2, 2))] * 2), ValueError,
     r"not upper triangular.*U\[1, 0\]"),
    (lambda: backslash(objects([[Identity(), 0], [0, Zero()]]), [np.ones((2, 2))] * 2),
     ValueError, r"U\[1, 1\] is zero: row 1"),
    (lambda: backslash(objects([[None]]), [np.ones(2)]), ValueError, r"U\[0, 0\] is zero"),
    (lambda: backslash(objects([[Identity() + Identity()]]), [np.ones((2, 2))]), ValueError,
     r"U\[0, 0\] is not invertible"),
    (lambda: backslash(objects([[Hadamard(np.array([[0.0, 1.0]]))]]), [np.ones((1, 2))]),
     ValueError, r"U\[0, 0\] is not invertible: Hadamard\(1×2\) .*zero entry"),
    (lambda: backslash(objects([["x"]]), [1.0]), TypeError, r"U\[0, 0\] is a str"),
    (lambda: backslash(objects([[1, object()], [0, 1]]), [1.0, 1.0]), TypeError,
     r"U\[0, 1\] is a object"),
    (lambda: backslash(objects([[1, 0], [0, 1]]), [1.0]), ValueError,
     "sequence of 2 blocks.*got 1 blocks"),
    (lambda: backslash(objects([[1.0, np.nan], [0, 1]]), [1.0, 1.0]), ValueError,
     r"U\[0, 1\] = nan is not finite"),
    (lambda: backslash(objects([[1, 0], [0, 1]]), [np.ones(2), np.array([np.nan])]),
     ValueError, r"b\[1\] contains non-finite"),
    (lambda: backslash(objects([[Identity(), LeftMultiply(np.ones((2, 3)))], [0, Identity()]]),
                       [np.ones((2, 2)), np.ones((4, 2))]), ValueError,
     r"U\[0, 1\] cannot multiply x\[1\] of shape \(4, 2\).*LeftMultiply\(2×3\)"),
    (lambda: backslash(objects([[Identity(), RightMultiply(np.ones((2, 3)))], [0, Identity()]]),
                       [np.ones((2, 2)), np.ones((2, 2))]), ValueError,
     r"U\[0, 1\] x\[1\] has shape \(2, 3\), but b\[0\] has shape \(2, 2\)"),
    (lambda: backslash(objects([[Hadamard(np.ones((2, 2)))]]), [np.ones((3, 3))]), ValueError,
     r"inverse of U\[0, 0\] cannot act on row 0"),
    (lambda: backslash("upper", [1.0]), TypeError, "U must be a numeric array.*got str 'upper'"),
    (lambda: forward_substitute([["a", "b"], ["c", "d"]], [1.0, 1.0]), TypeError,
     "L must be a numeric array.*got list"),
    # keep
    (lambda: backslash(np.eye(2), np.ones(2), keep=[0]), ValueError,
     "keep applies to systems of blocks or operators"),
    (lambda: backslash(sympy.eye(2), [1, 1], keep=[0]), ValueError, "a MutableDenseMatrix system"),
    (lambda: backslash(objects([[1, 0], [0, 1]]), [1.0, 1.0], keep=[2]), ValueError,
     r"keep holds 2, but the unknowns are numbered 0 … 1"),
    (lambda: backslash(objects([[1, 0], [0, 1]]), [1.0, 1.0], keep=[0.5]), TypeError,
     "keep must hold integer indices, got 0.5"),
    (lambda: backslash(objects([[1, 0], [0, 1]]), [1.0, 1.0], keep=1), TypeError,
     "keep must be a collection of unknown indices, got 1"),
    (lambda: forward_substitute(objects([[1, 0], [0, 1]]), [1.0, 1.0], keep=[True]), TypeError,
     "keep must hold integer indices, got True"),
    # sympy
    (lambda: backslash(sympy.Matrix([[1, 0], [2, 1]]), [1, 1]), ValueError, r"U\[1, 0\] = 2"),
    (lambda: backslash(sympy.Matrix([[1, 1], [0, 0]]), [1, 1]), ValueError, r"row 1"),
    (lambda: backslash(sympy.Matrix([[1, 1], [0, 1]]), [1, 1, 1]), ValueError, "b must have 2 rows"),
    (lambda: backslash(sympy.Matrix([[1, sympy.oo], [0, 1]]), [1, 1]), ValueError, "not finite"),
    (lambda: backslash(sympy.Matrix([[1, 1, 1], [0, 1, 1]]), [1, 1]), ValueError, r"\(2, 3\)"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), BAD)
def test_bad_input_names_the_culprit(call, error, pattern):
    with pytest.raises(error, match=pattern) as info:
        call()
    assert info.value.__cause__ is None  # no chained numpy traceback behind the message


# -- the teaching kernel and the engine: one recurrence, two kinds of system ------------------


@settings(deadline=None, max_examples=60)
@given(sizes, st.sampled_from([None, 2]), st.booleans(), seeds)
def test_plain_kernel_agrees_with_the_engine_on_floats(n, columns, upper, seed):
    rng = np.random.default_rng(seed)
    M = triangular(rng, n, upper)
    b = rng.normal(size=n if columns is None else (n, columns))
    plain = np.array(plain_substitution(M, b, upper=upper))
    assert np.allclose(plain, backslash(M, b) if upper else forward_substitute(M, b),
                       rtol=1e-12, atol=1e-12)


@settings(deadline=None, max_examples=20)
@given(st.integers(1, 4), st.booleans(), seeds)
def test_plain_kernel_agrees_with_the_engine_on_sympy(n, upper, seed):
    rng = np.random.default_rng(seed)
    M = sympy.Matrix(triangular(rng, n, upper).round(1)).applyfunc(sympy.nsimplify)
    b = sympy.Matrix(rng.integers(-3, 4, size=n).tolist())
    engine = backslash(M, b) if upper else forward_substitute(M, b)
    assert sympy.Matrix(plain_substitution(M, list(b), upper=upper)) == engine


@settings(deadline=None, max_examples=40)
@given(st.booleans(), st.data())
def test_plain_kernel_agrees_with_the_engine_on_blocks_and_operators(upper, data):
    solve = backslash if upper else forward_substitute
    for U, b in (data.draw(block_systems(upper))[:2], data.draw(operator_systems(upper))[:2]):
        plain = plain_substitution(U, b, upper=upper)
        for p, e in zip(plain, solve(U, b), strict=True):
            assert np.allclose(p, e, rtol=1e-10, atol=1e-12)


def test_the_kernel_is_short_and_states_the_recurrence():
    r"""Lesson 03 shows the kernel with inspect.getsource: it must stay a screenful."""
    import inspect

    source = inspect.getsource(substitute)
    code = [line for line in source.splitlines() if line.strip() and not line.strip().startswith(
        ("#", "r\"\"\"", "\"\"\""))]
    assert len(source.splitlines()) <= 30
    assert "x_i = M_ii⁻¹ (b_i − Σ_j M_ij x_j)" in source and "⊕" in source
    assert len(code) >= 8  # the loop itself is there, not a call elsewhere
