r"""Tests for course_lib.mlp: gradients by back substitution on the operator system.

Oracles, written here independently of the module: a plain numpy forward pass and loss,
central finite differences of that loss, and sympy.diff of the loss of a tiny network.
"""

import re

import numpy as np
import pytest
import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from course_lib import mlp
from course_lib.operators import Hadamard, Identity
from course_lib.substitution import block_multiply, forward_substitute

ACTIVATIONS = ["tanh", "sigmoid", "relu"]
H = {"tanh": np.tanh, "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "relu": lambda z: np.maximum(z, 0)}


def reference_preactivations(weights, biases, x, activation):
    """Z_i = W_i X_{i−1} + b_i for every layer, by a plain loop."""
    zs, X = [], x
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        zs.append(W @ X + b)
        X = zs[-1] if i == len(weights) - 1 else H[activation](zs[-1])
    return zs


def reference_loss(weights, biases, x, y, activation):
    out = reference_preactivations(weights, biases, x, activation)[-1]
    return 0.5 * np.sum((out - y) ** 2)


def finite_differences(weights, biases, x, y, activation, eps=1e-6):
    r"""∂ℓ/∂p ≈ (ℓ(p + ε) − ℓ(p − ε)) / 2ε for every parameter entry p."""
    params = [W.copy() for W in weights] + [b.copy() for b in biases]
    grads = [np.zeros_like(p) for p in params]
    n = len(weights)
    for p, g in zip(params, grads, strict=True):
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = reference_loss(params[:n], params[n:], x, y, activation)
            p[idx] = old - eps
            down = reference_loss(params[:n], params[n:], x, y, activation)
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
    return grads[:n], grads[n:]


@st.composite
def networks(draw, activations=ACTIVATIONS):
    """(weights, biases, x, y, activation) for a random small network."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    batch = draw(st.integers(1, 3))
    activation = draw(st.sampled_from(activations))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    weights = [rng.normal(size=(m, n)) for n, m in zip(sizes, sizes[1:], strict=False)]
    biases = [rng.normal(size=(m, 1)) for m in sizes[1:]]
    x, y = rng.normal(size=(sizes[0], batch)), rng.normal(size=(sizes[-1], batch))
    if activation == "relu":  # keep away from the kink at 0, where the derivative jumps
        hidden = reference_preactivations(weights, biases, x, activation)[:-1]
        assume(all(np.abs(z).min() > 1e-3 for z in hidden))
    return weights, biases, x, y, activation


# -- the gradient against independent oracles -------------------------------------------------


@settings(deadline=None, max_examples=60)
@given(networks())
def test_gradients_match_finite_differences(net):
    weights, biases, x, y, activation = net
    dweights, dbiases = mlp.gradients(weights, biases, x, y, activation)
    fd_weights, fd_biases = finite_differences(weights, biases, x, y, activation)
    for got, want in zip(dweights + dbiases, fd_weights + fd_biases, strict=True):
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_sympy_on_a_tiny_network(activation):
    r"""2-2-1 network, batch 2: ∂ℓ/∂p by sympy.diff of the loss written out symbolically."""
    rng = np.random.default_rng(7)
    W1s, b1s = sympy.Matrix(2, 2, sympy.symbols("w1_:4")), sympy.Matrix(sympy.symbols("b1_:2"))
    W2s, b2s = sympy.Matrix(1, 2, sympy.symbols("w2_:2")), sympy.Matrix([sympy.Symbol("b2")])
    h = {"tanh": sympy.tanh, "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)),
         "relu": lambda z: sympy.Max(0, z)}[activation]
    x, y = rng.normal(size=(2, 2)), rng.normal(size=(1, 2))
    X1 = (W1s * sympy.Matrix(x) + b1s * sympy.ones(1, 2)).applyfunc(h)
    X2 = W2s * X1 + b2s * sympy.ones(1, 2)
    loss = sum((X2[0, k] - y[0, k]) ** 2 for k in range(2)) / 2
    symbols = list(W1s) + list(b1s) + list(W2s) + list(b2s)
    values = rng.normal(size=len(symbols))
    at = dict(zip(symbols, values, strict=True))
    exact = [float(sympy.diff(loss, s).subs(at)) for s in symbols]

    weights = [values[:4].reshape(2, 2), values[6:8].reshape(1, 2)]
    biases = [values[4:6].reshape(2, 1), values[8:9].reshape(1, 1)]
    if activation == "relu":
        assert np.abs(weights[0] @ x + biases[0]).min() > 1e-3
    dweights, dbiases = mlp.gradients(weights, biases, x, y, activation)
    ours = np.concatenate([dweights[0].ravel(), dbiases[0].ravel(), dweights[1].ravel(),
                           dbiases[1].ravel()])
    assert np.allclose(ours, exact, rtol=1e-10, atol=1e-12)
    assert np.isclose(mlp.loss(weights, biases, x, y, activation), float(loss.subs(at)))


@settings(deadline=None, max_examples=40)
@given(networks(), st.integers(0, 2**32 - 1))
def test_forward_substitution_gives_the_same_directional_derivative(net, seed):
    r"""Forward mode: dX = (I − L)⁻¹ D dP, and dℓ = ⟨X_L − y, dX_L⟩ = ⟨∇ℓ, dP⟩."""
    weights, biases, x, y, activation = net
    rng = np.random.default_rng(seed)
    dP = [rng.normal(size=p.shape) for pair in zip(weights, biases, strict=True) for p in pair]
    L, D = mlp.perturbation_system(weights, biases, x, activation)
    I_minus_L = np.full(L.shape, None, dtype=object)
    for i in range(L.shape[0]):
        I_minus_L[i, i] = Identity()
        if i > 0:
            I_minus_L[i, i - 1] = -L[i, i - 1]
    dX = forward_substitute(I_minus_L, list(block_multiply(D, dP)))
    X_L = mlp.forward(weights, biases, x, activation)[-1]
    forward_mode = np.sum((X_L - y) * dX[-1])
    dweights, dbiases = mlp.gradients(weights, biases, x, y, activation)
    reverse_mode = sum(np.sum(g * d) for g, d in zip(
        [g for pair in zip(dweights, dbiases, strict=True) for g in pair], dP, strict=True))
    assert np.isclose(forward_mode, reverse_mode, rtol=1e-9, atol=1e-9)


# -- forward, loss, the system, training ------------------------------------------------------


@settings(deadline=None, max_examples=40)
@given(networks())
def test_forward_and_loss_match_the_reference(net):
    weights, biases, x, y, activation = net
    outputs = mlp.forward(weights, biases, x, activation)
    assert len(outputs) == len(weights) + 1 and outputs[0] is not None
    assert np.array_equal(outputs[0], x)
    assert np.allclose(outputs[-1], reference_preactivations(weights, biases, x, activation)[-1])
    assert np.isclose(mlp.loss(weights, biases, x, y, activation),
                      reference_loss(weights, biases, x, y, activation))


def test_perturbation_system_structure():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(4, 3)), rng.normal(size=(1, 4))]
    biases = [rng.normal(size=(m, 1)) for m in (3, 4, 1)]
    L, D = mlp.perturbation_system(weights, biases, rng.normal(size=(2, 5)))
    assert L.shape == (3, 3) and D.shape == (3, 6)
    nonzero = lambda M: {(i, j) for i, j in np.ndindex(M.shape) if M[i, j] is not None}
    assert nonzero(L) == {(1, 0), (2, 1)}  # strictly lower: layer i depends on layer i−1
    assert nonzero(D) == {(0, 0), (0, 1), (1, 2), (1, 3), (2, 4), (2, 5)}
    assert L[1, 0].out_shape == (4, 5) and D[0, 1].in_shape == (3, 1)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu"])
def test_perturbation_system_slopes_are_the_activation_derivative(activation):
    r"""Each Hadamard factor is Δ_i = h'(Z_i), checked against a central difference of h, and
    acts as Hadamard(Δ_i) does (its Δ_i is made from X_i when it acts, not stored)."""
    rng = np.random.default_rng(4)
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(2, 3))]
    biases = [rng.normal(size=(3, 1)), rng.normal(size=(2, 1))]
    x = rng.normal(size=(2, 6))
    L, D = mlp.perturbation_system(weights, biases, x, activation)
    Z = weights[0] @ x + biases[0]
    h, eps = mlp.ACTIVATIONS[activation][0], 1e-6
    slope = (h(Z + eps) - h(Z - eps)) / (2 * eps)
    hadamard = D[0, 0].outer  # D[1, W_1] = Hadamard(Δ_1) @ RightMultiply(X_0)
    assert np.allclose(hadamard.M, slope, atol=1e-6)
    assert repr(hadamard) == "Hadamard(3×6)" and hadamard.T is hadamard
    assert np.allclose(hadamard.dense((3, 6)), Hadamard(slope).dense((3, 6)), atol=1e-6)
    assert D[0, 1].outer is hadamard and isinstance(L[1, 0].outer, Identity)  # last: linear


def test_train_decreases_the_loss_and_keeps_the_inputs():
    rng = np.random.default_rng(1)
    weights = [rng.normal(size=(8, 2)) * 0.5, rng.normal(size=(1, 8)) * 0.5]
    biases = [np.zeros((8, 1)), np.zeros((1, 1))]
    x = rng.uniform(-1, 1, size=(2, 32))
    y = np.sin(2 * x[:1]) * x[1:]
    before = [W.copy() for W in weights]
    new_weights, new_biases, losses = mlp.train(weights, biases, x, y, 200, 0.01)
    assert len(losses) == 201
    assert losses[-1] < 0.5 * losses[0]
    assert np.isclose(losses[0], mlp.loss(weights, biases, x, y))
    assert np.isclose(losses[-1], mlp.loss(new_weights, new_biases, x, y))
    assert all(np.array_equal(W, W0) for W, W0 in zip(weights, before, strict=True))
    assert mlp.train(weights, biases, x, y, 0, 0.1)[2] == [losses[0]]


# -- bad input --------------------------------------------------------------------------------


def good():
    rng = np.random.default_rng(2)
    weights = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    biases = [rng.normal(size=(3, 1)), rng.normal(size=(1, 1))]
    return weights, biases, rng.normal(size=(2, 4)), rng.normal(size=(1, 4))


def with_(index, value):
    """The good arguments (weights, biases, x, y) with one piece replaced."""
    args = list(good())
    if isinstance(index, tuple):
        args[index[0]][index[1]] = value
    else:
        args[index] = value
    return args


BAD = [
    (with_(1, good()[1][:1]), ValueError, "2 weight matrices and 1 bias vectors"),
    (with_(0, []), ValueError, "0 weight matrices"),
    (with_((0, 1), np.ones((1, 5))), ValueError,
     r"weights\[1\] \(layer 2\) has shape \(1, 5\): it takes 5 inputs, but layer 1"),
    (with_((0, 0), np.ones((3, 7))), ValueError, r"weights\[0\].*takes 7 inputs, but x has 2"),
    (with_((1, 0), np.ones(3)), ValueError, r"biases\[0\] must be a 2-D array"),
    (with_((1, 1), np.ones((1, 4))), ValueError,
     r"biases\[1\] \(layer 2\) has shape \(1, 4\), expected \(1, 1\)"),
    (with_((0, 0), np.full((3, 2), np.nan)), ValueError, r"weights\[0\] contains non-finite"),
    (with_((1, 0), np.full((3, 1), np.inf)), ValueError, r"biases\[0\] contains non-finite"),
    (with_(2, np.array([[np.nan] * 4, [0] * 4])), ValueError, "x contains non-finite"),
    (with_(3, np.full((1, 4), -np.inf)), ValueError, "y contains non-finite"),
    (with_(3, np.ones((1, 5))), ValueError, r"y has shape \(1, 5\), expected \(1, 4\)"),
    (with_(2, np.ones(2)), ValueError, "x must be a 2-D array"),
    (with_((0, 0), np.array([["a"] * 2] * 3)), TypeError, r"weights\[0\] must be a real numeric"),
    (with_(0, np.ones((2, 2, 2))), TypeError, "lists of arrays"),
]


@pytest.mark.parametrize(("args", "error", "pattern"), BAD)
def test_bad_input_names_the_culprit(args, error, pattern):
    with pytest.raises(error, match=pattern):
        mlp.gradients(*args)


@st.composite
def poisoned_networks(draw):
    r"""A network whose inputs hold nans or infs in one or two of its arrays, each bad entry
    placed where its partner in the product W_i X_{i−1} is zero when that can be arranged (so
    that only ±inf·0 = nan can reveal it): x's row j is zeroed for a bad W_1[k, j], W_1's column
    j for a bad x[j, c], and with relu X_{i−1}'s row j (a bias of −10³) for a bad W_i[k, j].

    Returns (args, activation, expected): args = [weights, biases, x, y] and expected the name
    of the first array holding a non-finite value in the order weights, biases, x, y — found
    here with np.isfinite, independently of the module.
    """
    weights, biases, x, y, activation = draw(networks())
    args = [[W.copy() for W in weights], [b.copy() for b in biases], x.copy(), y.copy()]
    pieces = [(0, i) for i in range(len(weights))] + [(1, i) for i in range(len(biases))]
    pieces += [(2, None), (3, None)]
    for which, i in draw(st.lists(st.sampled_from(pieces), min_size=1, max_size=2, unique=True)):
        arr = args[which] if i is None else args[which][i]
        k, j = draw(st.integers(0, arr.shape[0] - 1)), draw(st.integers(0, arr.shape[1] - 1))
        arr[k, j] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        if draw(st.booleans()):  # hide it behind a zero partner where possible
            if which == 0 and i == 0:
                args[2][j, :] = 0.0
            elif which == 0 and activation == "relu":
                args[1][i - 1][j] = -1e3  # X_{i−1}[j, :] = relu(… − 1000) = 0
            elif which == 2:
                args[0][0][:, k] = 0.0
    names = [f"weights[{i}]" for i in range(len(weights))]
    names += [f"biases[{i}]" for i in range(len(biases))] + ["x", "y"]
    arrays = list(args[0]) + list(args[1]) + [args[2], args[3]]
    expected = [n for n, a in zip(names, arrays, strict=True) if not np.isfinite(a).all()]
    return args, activation, expected


@settings(deadline=None, max_examples=150)
@given(poisoned_networks())
def test_a_nan_or_inf_anywhere_in_the_input_is_named(poisoned):
    r"""The inputs are not scanned up front; the forward pass's check of every Z_i implies
    their finiteness. Every public function must still name the first non-finite input."""
    (weights, biases, x, y), activation, bad = poisoned
    first = re.escape(bad[0]) + r" contains non-finite values"
    for call in (lambda: mlp.gradients(weights, biases, x, y, activation),
                 lambda: mlp.loss(weights, biases, x, y, activation),
                 lambda: mlp.train(weights, biases, x, y, 2, 0.01, activation)):
        with pytest.raises(ValueError, match=first):
            call()
    without_y = [name for name in bad if name != "y"]
    if without_y:
        with pytest.raises(ValueError, match=re.escape(without_y[0]) + " contains non-finite"):
            mlp.forward(weights, biases, x, activation)
        with pytest.raises(ValueError, match=re.escape(without_y[0]) + " contains non-finite"):
            mlp.perturbation_system(weights, biases, x, activation)
    else:
        assert np.isfinite(mlp.forward(weights, biases, x, activation)[-1]).all()


def test_bad_activation_lists_the_valid_ones():
    for call in (lambda: mlp.gradients(*good(), activation="softplus"),
                 lambda: mlp.forward(*good()[:3], activation="softplus"),
                 lambda: mlp.loss(*good(), activation="softplus")):
        with pytest.raises(ValueError, match="unknown activation 'softplus'; valid: tanh, sigmoid, relu"):
            call()


@pytest.mark.parametrize(("steps", "rate", "pattern"), [
    (-1, 0.1, "steps must be a nonnegative integer"),
    (2.5, 0.1, "steps must be a nonnegative integer"),
    (True, 0.1, "steps must be a nonnegative integer"),
    (3, 0.0, "learning_rate must be a positive finite number"),
    (3, np.nan, "learning_rate must be a positive finite number"),
    (3, "fast", "learning_rate must be a positive finite number"),
])
def test_bad_training_arguments(steps, rate, pattern):
    with pytest.raises(ValueError, match=pattern):
        mlp.train(*good(), steps, rate)


def test_divergence_and_overflow_are_errors_not_nans():
    with pytest.raises(ValueError, match="training diverged after [0-9]+ steps"):
        mlp.train(*good(), 200, 1e3)
    weights, biases, x, y = good()
    weights[1] = np.full((1, 3), 1e200)
    x = np.full((2, 4), 1e200)
    with pytest.raises(ValueError, match="overflowed in layer"):
        mlp.gradients([np.full((3, 2), 1e200), weights[1]], biases, x, y, "relu")
