"""mlp.gradients(snapshots=k): the same gradients as the one-solve route and as finite
differences, with at most k layer inputs stored (the schedule's replay is counted)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import checkpoint, checks, mlp


def _net(depth, width, batch, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, width + 1)) for _ in range(depth + 1)]
    weights = [rng.normal(size=(m, n)) / np.sqrt(n) for n, m in zip(sizes, sizes[1:])]
    biases = [0.1 * rng.normal(size=(m, 1)) for m in sizes[1:]]
    return weights, biases, rng.normal(size=(sizes[0], batch)), rng.normal(size=(sizes[-1], batch))


@settings(max_examples=40)
@given(st.integers(1, 9), st.integers(1, 12), st.integers(0, 10**6),
       st.sampled_from(["tanh", "sigmoid", "relu"]))
def test_checkpointed_gradients_equal_the_one_solve(depth, snapshots, seed, activation):
    W, b, x, y = _net(depth, 5, 3, seed)
    dW, db = mlp.gradients(W, b, x, y, activation)
    cW, cb = mlp.gradients(W, b, x, y, activation, snapshots=snapshots)
    for got, want in zip(cW + cb, dW + db, strict=True):
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14)


def test_checkpointed_gradients_against_finite_differences():
    W, b, x, y = _net(4, 4, 2, 7)
    cW, cb = mlp.gradients(W, b, x, y, snapshots=2)

    def loss_of(theta):
        sizes = [w.size for w in W] + [c.size for c in b]
        parts = np.split(theta, np.cumsum(sizes)[:-1])
        ws = [p.reshape(w.shape) for p, w in zip(parts[:len(W)], W)]
        bs = [p.reshape(c.shape) for p, c in zip(parts[len(W):], b)]
        return mlp.loss(ws, bs, x, y)

    theta = np.concatenate([a.ravel() for a in W + b])
    checks.grad_matches(loss_of, theta, np.concatenate([a.ravel() for a in cW + cb]))


def test_at_most_k_inputs_are_stored(monkeypatch):
    W, b, x, y = _net(12, 3, 2, 1)
    held = []
    real = checkpoint.schedule

    def spy(n, s):
        actions = real(n, s)
        count, peak = 0, 0
        for a, _ in actions:
            count += (a == "store") - (a == "free")
            peak = max(peak, count)
        held.append((n, s, peak))
        return actions

    monkeypatch.setattr(checkpoint, "schedule", spy)
    mlp.gradients(W, b, x, y, snapshots=3)
    assert held == [(12, 3, 3)]


@pytest.mark.parametrize("snapshots, error, message", [
    (0, ValueError, "at least 1"), (2.0, TypeError, "integer"), (True, TypeError, "integer"),
    (-2, ValueError, "snapshots must be at least 1, got -2"), (2.5, TypeError, "got 2.5"),
    ("3", TypeError, "snapshots must be an integer"),
])
def test_bad_snapshots_are_named(snapshots, error, message):
    W, b, x, y = _net(2, 3, 2, 0)
    with pytest.raises(error, match=message):
        mlp.gradients(W, b, x, y, snapshots=snapshots)


@pytest.mark.parametrize("depth, snapshots", [(1, 1), (3, 4), (5, 50)])
def test_more_snapshots_than_layers_is_fine(depth, snapshots):
    W, b, x, y = _net(depth, 4, 3, depth)
    dW, db = mlp.gradients(W, b, x, y)
    cW, cb = mlp.gradients(W, b, x, y, snapshots=snapshots)
    for got, want in zip(cW + cb, dW + db, strict=True):
        assert np.allclose(got, want, rtol=1e-12, atol=1e-14)
