r"""Every track's backward pass runs the one back substitution, substitution.substitute.

A spy replaces :func:`course_lib.substitution.substitute` (every caller reaches it through the
module attribute) and records which kind of system each call solved. Each track is run once;
the test fails if its backward pass finishes without passing through the spy — so a second
hand-written loop cannot creep back unnoticed. The answers are also checked against an
independent oracle, so the spy cannot pass on a track that merely calls and discards.
"""

import numpy as np
import pytest
import scipy.sparse

from course_lib import (
    autodiff,
    bp,
    iterative,
    lagrange,
    mlp,
    semiring,
    spn,
    substitution,
    symbolic,
)
from course_lib.factor_graph import chain_model
from course_lib.graph import Graph


@pytest.fixture
def spy(monkeypatch):
    calls = []
    original = substitution.substitute

    def recording(system, rows):
        calls.append(type(system).__name__)
        return original(system, rows)

    monkeypatch.setattr(substitution, "substitute", recording)
    return calls


def small_graph():
    g = Graph.from_assignments([("z3", "z1*z2"), ("z4", "sin(z3) + z1")], inputs=["z1", "z2"])
    return g, {"z1": 0.7, "z2": -1.3}


def test_lagrange_adjoints(spy):
    g, values = small_graph()
    lam = lagrange.adjoints(g, values, "z4")
    assert spy == ["DenseSystem"]
    z1, z2 = values["z1"], values["z2"]
    assert np.isclose(lam["z1"], np.cos(z1 * z2) * z2 + 1)  # d(sin(z1 z2) + z1)/dz1


def test_autodiff_vjp_and_jvp(spy):
    g, values = small_graph()
    autodiff.vjp(g, values, {"z4": 1.0})
    t = autodiff.jvp(g, values, {"z2": 1.0})
    assert spy == ["DenseSystem", "DenseSystem"]
    assert np.isclose(t["z4"], np.cos(values["z1"] * values["z2"]) * values["z1"])


def test_symbolic_adjoints(spy):
    g, _ = small_graph()
    symbolic.solve_adjoints(g, "z4")
    assert spy == ["ElementSystem"]


def test_mlp_gradients(spy):
    rng = np.random.default_rng(0)
    W = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    c = [rng.normal(size=(3, 1)), rng.normal(size=(1, 1))]
    x, y = rng.normal(size=(2, 4)), rng.normal(size=(1, 4))
    dW, _ = mlp.gradients(W, c, x, y)
    assert spy == ["ElementSystem"]
    eps, E = 1e-6, np.zeros_like(W[0])
    E[1, 0] = eps
    fd = (mlp.loss([W[0] + E, W[1]], c, x, y) - mlp.loss([W[0] - E, W[1]], c, x, y)) / (2 * eps)
    assert np.isclose(dW[0][1, 0], fd, rtol=1e-5)


def test_mlp_checkpointed_gradients(spy):
    rng = np.random.default_rng(1)
    W = [rng.normal(size=(3, 2)), rng.normal(size=(3, 3)), rng.normal(size=(1, 3))]
    c = [rng.normal(size=(3, 1)), rng.normal(size=(3, 1)), rng.normal(size=(1, 1))]
    x, y = rng.normal(size=(2, 4)), rng.normal(size=(1, 4))
    dW, _ = mlp.gradients(W, c, x, y, snapshots=1)
    assert spy == ["ElementSystem"] * 3  # one back substitution per reversed layer
    eps, E = 1e-6, np.zeros_like(W[1])
    E[2, 0] = eps
    fd = (mlp.loss([W[0], W[1] + E, W[2]], c, x, y)
          - mlp.loss([W[0], W[1] - E, W[2]], c, x, y)) / (2 * eps)
    assert np.isclose(dW[1][2, 0], fd, rtol=1e-5)


def test_autodiff_hvp(spy):
    g, values = small_graph()
    hu = autodiff.hvp(g, values, "z4", {"z1": 1.0})
    assert len(spy) >= 2 and set(spy) == {"DenseSystem"}  # the adjoint solve and its tangent
    z1, z2 = values["z1"], values["z2"]  # z4 = sin(z1 z2) + z1: the Hessian's first column
    assert np.isclose(hu["z1"], -np.sin(z1 * z2) * z2 ** 2)
    assert np.isclose(hu["z2"], np.cos(z1 * z2) - np.sin(z1 * z2) * z1 * z2)


@pytest.mark.parametrize("log_space", [False, True])
def test_spn_backward_pass(spy, log_space):
    root = spn.Sum([spn.Product([spn.Categorical("A", [0.2, 0.8]), spn.Categorical("B", [0.5, 0.5])]),
                    spn.Product([spn.Categorical("A", [0.6, 0.4]), spn.Categorical("B", [0.9, 0.1])])],
                   [0.3, 0.7])
    m = spn.marginals(root, {"B": 1}, log_space=log_space)
    assert spy == ["LevelRows"]
    joint = 0.3 * np.outer([0.2, 0.8], [0.5, 0.5]) + 0.7 * np.outer([0.6, 0.4], [0.9, 0.1])
    assert np.allclose(m["A"], joint[:, 1] / joint[:, 1].sum())


def test_spn_log_derivatives(spy):
    root = spn.Product([spn.Categorical("A", [0.2, 0.8]), spn.Indicator("B", 1)])
    d = spn.log_derivatives(root, {})
    assert spy == ["LevelRows"]
    assert np.isclose(d[("A", 1)], np.log(0.8)) and np.isclose(d[("B", 1)], 0.0)


def test_iterative_gauss_seidel(spy):
    A = np.array([[-1.0, 0.5, 0.2], [0.0, -1.0, 0.3], [0.0, 0.0, -1.0]])
    b = np.array([0.0, 0.0, -1.0])
    sweeps = iterative.gauss_seidel(A, b, 2)
    assert spy == ["DenseSystem", "DenseSystem"]
    assert np.allclose(sweeps[1], np.linalg.solve(A, b))  # one reverse sweep is exact


def test_bp_chain_forward_backward(spy):
    fg = chain_model(6, 3, rng=1)
    r = bp.belief_propagation(fg, {"x2": 0}, schedule="tree")
    assert spy == ["_NormalisedRows", "_NormalisedRows"]  # forward, then backward
    exact = bp.exact_marginals(fg, {"x2": 0})
    assert all(np.allclose(r.marginals[v], exact[v]) for v in fg.variables)


def test_semiring_tracks(spy):
    N = np.array([[np.inf, 1.0, 4.0], [np.inf, np.inf, 2.0], [np.inf, np.inf, np.inf]])
    assert semiring.closure_solve(N, [np.inf, np.inf, 0.0], "min-plus").tolist() == [3, 2, 0]
    sparse = scipy.sparse.csr_array(np.where(np.isinf(N), 0.0, N))  # stored entries = edges
    assert semiring.closure_solve(sparse, [np.inf, np.inf, 0.0], "min-plus").tolist() == [3, 2, 0]
    path, _ = semiring.viterbi([0.5, 0.5], [[0.9, 0.1], [0.2, 0.8]], [[0.7, 0.3], [0.1, 0.9]],
                               [0, 1])
    assert spy == ["DenseRows", "LevelRows", "BlockRows"]
    assert path == [0, 0]  # 0.5·0.7·0.9·0.3 = 0.0945 beats 0.5·0.7·0.1·0.9, 0.5·0.1·0.2·0.9, …


def test_the_spy_sees_a_track_that_skips_the_solver(spy):
    r"""The check itself can fail: a computation that never solves leaves the spy empty."""
    iterative.jacobi(np.array([[-1.0, 0.5], [0.0, -1.0]]), np.array([0.0, -1.0]), 3)
    assert spy == []
