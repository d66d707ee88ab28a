r"""Gradients of a multilayer perceptron by one back substitution on operator-valued matrices.

Following Edelman, Akyürek & Wang (2023). The network, for layers i = 1, …, m (in code,
weights[i−1] is W_i and biases[i−1] is β_i):

    X_0 = x                          shape (n_0, batch)
    X_i = g(W_i X_{i−1} + β_i)       W_i of shape (n_i, n_{i−1}), β_i of shape (n_i, 1)

with the activation g applied on every layer but the last, which is linear, and the loss

    ℓ = ½ ‖X_m − y‖²_F.

Perturbing the parameters P = (W_1, β_1, …, W_m, β_m) perturbs each layer by

    dX_i = D_i ∘ (W_i dX_{i−1} + dW_i X_{i−1} + dβ_i 1ᵀ),    D_i = g'(W_i X_{i−1} + β_i),

(D_m = 1; for relu, g'(0) is taken as 0), a strictly lower-triangular system with operator
elements (Edelman et al. write J_X and J_P as L and D),

    dX = J_X dX + J_P dP,    J_X[i, i−1] = Hadamard(D_i) @ LeftMultiply(W_i),
                             J_P[i, W_i] = Hadamard(D_i) @ RightMultiply(X_{i−1}),
                             J_P[i, β_i] = Hadamard(D_i) @ RightMultiply(1ᵀ).

Since dℓ = ⟨X_m − y, dX_m⟩ = ⟨r, (I − J_X)⁻¹ J_P dP⟩ with r = (0, …, 0, X_m − y), the gradient is

    ∇_P ℓ = J_Pᵀ• λ,    where    (I − J_X)ᵀ• λ = r

is upper triangular: `substitution.backslash` solves it, and that solve is backpropagation.
`gradients` makes it one solve: with the parameters as nodes of the computation, listed first,
its Jacobian is J = [[0, 0], [J_P, J_X]], and the two equations above are the rows of

    (I − J)ᵀ• [∇_P ℓ; λ] = [[I, −J_Pᵀ•], [0, (I − J_X)ᵀ•]] [∇_P ℓ; λ] = [0; r],

upper triangular again. (I − J)ᵀ• is −(Jᵀ − I), notebook 03's Lagrange matrix with operator
elements. The code lists the nodes in the order they are computed, W_1, β_1, X_1, W_2, …: the
same system with rows and columns permuted, still upper triangular, and back substitution then
meets the unknowns in backprop's order, λ_m, ∂ℓ/∂β_m, ∂ℓ/∂W_m, λ_{m−1}, …
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from types import MappingProxyType

import numpy as np
import scipy.special

from course_lib import checkpoint
from course_lib.operators import Hadamard, Identity, LeftMultiply, RightMultiply
from course_lib.substitution import all_finite, backslash


def _relu(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    return np.maximum(z, 0.0, out=out)  # max(z, 0)


def _tanh_slope(a: np.ndarray) -> np.ndarray:
    d = np.square(a)
    return np.subtract(1.0, d, out=d)  # 1 − a², in one new array


def _sigmoid_slope(a: np.ndarray) -> np.ndarray:
    d = np.subtract(1.0, a)
    d *= a  # a (1 − a)
    return d


def _relu_slope(a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(float)  # g'(0) taken as 0


# name -> (g, g' written in terms of a = g(z), which the forward pass already holds).
# Each g is a ufunc-like g(z, out=None), so the forward pass can overwrite z with g(z): large
# temporaries cost page faults, and the pass makes one new array per layer, not three.
ACTIVATIONS = MappingProxyType({
    "tanh": (np.tanh, _tanh_slope),
    "sigmoid": (scipy.special.expit, _sigmoid_slope),
    "relu": (_relu, _relu_slope),
})


def forward(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray,
            activation: str = "tanh") -> list[np.ndarray]:
    r"""The layer outputs [X_0, X_1, …, X_m]: X_0 = x, X_i = g(W_i X_{i−1} + β_i), X_m linear."""
    weights, biases, x, _ = _check(weights, biases, x, None, activation)
    return _forward(weights, biases, x, activation)


def loss(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray,
         y: np.ndarray, activation: str = "tanh") -> float:
    r"""ℓ = ½ ‖X_m − y‖²_F, summed over the batch."""
    weights, biases, x, y = _check(weights, biases, x, y, activation)
    return _residual_and_loss(_forward(weights, biases, x, activation, y)[-1], y)[1]


def perturbation_system(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray],
                        x: np.ndarray, activation: str = "tanh"
                        ) -> tuple[np.ndarray, np.ndarray]:
    r"""The operator matrices (J_X, J_P) of dX = J_X dX + J_P dP at the given parameters.

    Rows are the layers dX_1 … dX_m; the columns of J_P are dW_1, dβ_1, …, dW_m, dβ_m.
        J_X[i, i−1] = Hadamard(D_i) @ LeftMultiply(W_i),      D_i = g'(W_i X_{i−1} + β_i)
        J_P[i, W_i] = Hadamard(D_i) @ RightMultiply(X_{i−1}),  J_P[i, β_i] = Hadamard(D_i) @ RightMultiply(1ᵀ)
    with no Hadamard factor on the linear last layer (D_m = 1). Zeros are None.
    """
    weights, biases, x, _ = _check(weights, biases, x, None, activation)
    return _perturbation_system(weights, _forward(weights, biases, x, activation), activation)


def gradients(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray,
              y: np.ndarray, activation: str = "tanh", snapshots: int | None = None
              ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    r"""(∂ℓ/∂W_i, ∂ℓ/∂β_i) for every layer, by one back substitution on the operator system

        [ I   −J_Pᵀ•      ] [∇_P ℓ]   [      0       ]
        [ 0   (I − J_X)ᵀ• ] [  λ  ] = [(0, …, X_m − y)],

    whose rows say (I − J_X)ᵀ• λ = r and ∇_P ℓ = J_Pᵀ• λ. Only ∇_P ℓ is kept (`keep=`): each λ_i
    is let go once D_i ∘ λ_i has been formed, as hand-written backprop lets its δ_i go.

    snapshots=k: keep at most k layer inputs X_i and recompute the others, following the optimal
    binomial schedule `checkpoint.schedule(m, k)`. The same system is then solved in segments:
    reversing layer i is one back substitution on its rows (∂ℓ/∂W_i, ∂ℓ/∂β_i, λ_{i−1}, given
    λ_i), after recomputing X_i from the stored X_{i−1}. Same gradients; k ≥ m stores all.
    """
    weights, biases, x, y = _check(weights, biases, x, y, activation)
    if snapshots is not None:
        if isinstance(snapshots, bool) or not isinstance(snapshots, int | np.integer):
            raise TypeError(f"snapshots must be an integer or None, got {snapshots!r}")
        if snapshots < 1:
            raise ValueError(f"snapshots must be at least 1, got {snapshots}")
        return _checkpointed_gradients(weights, biases, x, y, activation, int(snapshots))
    _, grads = _loss_and_gradients(weights, biases, x, y, activation)
    return grads


def train(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray,
          y: np.ndarray, steps: int, learning_rate: float, activation: str = "tanh"
          ) -> tuple[list[np.ndarray], list[np.ndarray], list[float]]:
    r"""Gradient descent P ← P − η ∇_P ℓ for `steps` steps; the inputs are not modified.

    Returns (weights, biases, losses) with losses[k] the loss after k steps (steps + 1 values).
    """
    weights, biases, x, y = _check(weights, biases, x, y, activation)
    if isinstance(steps, bool) or not isinstance(steps, int | np.integer) or steps < 0:
        raise ValueError(f"steps must be a nonnegative integer, got {steps!r}")
    if (not isinstance(learning_rate, numbers.Real) or isinstance(learning_rate, bool)
            or not np.isfinite(learning_rate) or learning_rate <= 0):
        raise ValueError(f"learning_rate must be a positive finite number, got {learning_rate!r}")
    weights, biases = [W.copy() for W in weights], [b.copy() for b in biases]
    losses = []
    for step in range(steps + 1):
        try:
            if step == steps:
                output = _forward(weights, biases, x, activation, y)[-1]
                losses.append(_residual_and_loss(output, y)[1])
                break
            value, (dweights, dbiases) = _loss_and_gradients(weights, biases, x, y, activation)
        except ValueError as err:
            if step == 0:  # the caller's own parameters: a bad input or an overflow as such
                raise
            raise ValueError(f"training diverged after {step} steps ({err}); "
                             "try a smaller learning_rate") from None
        losses.append(value)
        for W, dW in zip(weights, dweights, strict=True):
            W -= learning_rate * dW  # W_i ← W_i − η ∂ℓ/∂W_i
        for b, db in zip(biases, dbiases, strict=True):
            b -= learning_rate * db  # β_i ← β_i − η ∂ℓ/∂β_i
    return weights, biases, losses


# -- the computation, on input of checked types and shapes ------------------------------------


def _forward(weights: list, biases: list, x: np.ndarray, activation: str,
             y: np.ndarray | None = None) -> list[np.ndarray]:
    r"""[X_0, …, X_m], checking each Z_i = W_i X_{i−1} + β_i for nan and inf before g acts.

    That check is also the input check: in IEEE arithmetic a nan or ±inf among W_i, β_i and
    X_{i−1} makes Z_i non-finite (each W_i[k, j] X_{i−1}[j, c] enters the sum, and ±inf·0 is
    nan), so only then are the inputs scanned, to name the culprit (`_blame`). Z_i is checked
    before g because a saturating g would hide an inf: tanh(inf) = 1.
    """
    outputs = [x]
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        outputs.append(_layer(W, b, outputs[-1], activation, i == len(weights) - 1,
                              lambda i=i: _blame(weights, biases, x, y, "the forward pass "
                                                 f"overflowed in layer {i + 1}: weights or inputs "
                                                 "are too large")))
    return outputs


def _layer(W: np.ndarray, b: np.ndarray, X: np.ndarray, activation: str, last: bool,
           blame: Callable[[], ValueError]) -> np.ndarray:
    r"""X_i = g(W_i X_{i−1} + β_i), linear when `last`; raises blame() if Z_i is not finite."""
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        z = W @ X
        z += b  # Z_i = W_i X_{i−1} + β_i
    if not all_finite(z):
        raise blame()
    return z if last else ACTIVATIONS[activation][0](z, out=z)  # the last layer is linear


def _residual_and_loss(output: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    r"""(X_m − y, ℓ = ½ ‖X_m − y‖²_F) for a finite X_m: a non-finite ℓ is y's fault or overflow."""
    with np.errstate(over="ignore", invalid="ignore"):  # checked below
        residual = output - y
    value = 0.5 * float(np.vdot(residual, residual))  # BLAS: an overflow to inf raises no warning
    if not np.isfinite(value):
        raise _blame([], [], None, y, "the loss overflowed: the outputs are too far from y")
    return residual, value


def _blame(weights: list, biases: list, x: np.ndarray | None, y: np.ndarray | None,
           otherwise: str) -> ValueError:
    r"""The error for a non-finite result: the first input holding a nan or inf, in the order
    weights, biases, x, y (so the same input is named whatever result showed it), or else
    `otherwise` — finite input, so the arithmetic overflowed."""
    named = [(W, f"weights[{i}]") for i, W in enumerate(weights)]
    named += [(b, f"biases[{i}]") for i, b in enumerate(biases)] + [(x, "x"), (y, "y")]
    for arr, label in named:
        if arr is not None and not all_finite(arr):
            return ValueError(f"{label} contains non-finite values (nan or inf)")
    return ValueError(otherwise)


class _Slope(Hadamard):
    r"""Hadamard(D) with D = g'(Z) computed from the layer output X = g(Z) when it acts.

    D is not stored: while a backward pass runs, the system then holds the activations X_i
    (which J_P needs anyway) and not also their slopes, as hand-written backprop does; `backslash`
    applies each Hadamard(D_i) once, sharing D_i ∘ λ_i among its three users. `.M` makes D.
    """

    def __init__(self, output: np.ndarray, slope: Callable[[np.ndarray], np.ndarray]) -> None:
        self.output, self.slope = output, slope
        self.in_shape = self.out_shape = output.shape

    @property
    def M(self) -> np.ndarray:
        return self.slope(self.output)

    def _apply(self, X: np.ndarray) -> np.ndarray:
        delta = self.slope(self.output)  # a new array: D ∘ X can overwrite it
        delta *= X
        return delta

    def __repr__(self) -> str:
        return f"Hadamard({self.output.shape[0]}×{self.output.shape[1]})"


def _perturbation_system(weights: list, outputs: list, activation: str
                         ) -> tuple[np.ndarray, np.ndarray]:
    slope = ACTIVATIONS[activation][1]
    n = len(weights)
    L = np.full((n, n), None, dtype=object)
    D = np.full((n, 2 * n), None, dtype=object)
    ones = np.ones((1, outputs[0].shape[1]))
    for i, W in enumerate(weights):  # row i is layer i+1: X_{i+1} from X_i
        reads, D[i, 2 * i], D[i, 2 * i + 1] = _layer_elements(
            W, outputs[i], outputs[i + 1], None if i == n - 1 else slope, ones)
        if i > 0:  # layer 1 reads x, which is not an unknown
            L[i, i - 1] = reads
    return L, D


def _layer_elements(W: np.ndarray, X_in: np.ndarray, X_out: np.ndarray, slope, ones):
    r"""(J_X, J_W, J_β) elements of one layer: D ∘ (W ·), D ∘ (dW X_in), D ∘ (dβ 1ᵀ).

    D ∘ (·) with D = g'(Z), made from X_out when applied; the linear last layer (slope None)
    has none (the arrays are checked once, so the operators skip their own checks)."""
    delta = Identity() if slope is None else _Slope(X_out, slope)
    return (delta @ LeftMultiply(W, check=False),  # dX_i ∋ D_i ∘ (W_i dX_{i−1})
            delta @ RightMultiply(X_in, check=False),  # D_i ∘ (dW_i X_{i−1})
            delta @ RightMultiply(ones, check=False))  # D_i ∘ (dβ_i 1ᵀ)


def _adjoint_system(L: np.ndarray, D: np.ndarray) -> np.ndarray:
    r"""(I − J)ᵀ• for the Jacobian J of the whole computation, zeros as None.

    The nodes are the parameters and the layers in the order they are computed: W_1, β_1, X_1,
    W_2, β_2, X_2, …, W_m, β_m, X_m (node 3(i−1) + k for k = 0, 1, 2). Row X_i of J holds
    J_P[i, W_i], J_P[i, β_i] and J_X[i, i−1] (code: D, L); the parameters' rows are zero. Back
    substitution then meets the unknowns in backprop's order: λ_m, ∂ℓ/∂β_m, ∂ℓ/∂W_m, λ_{m−1}, …
    """
    layers = L.shape[0]
    node_of_column = [3 * (k // 2) + k % 2 for k in range(2 * layers)]  # dW_i, dβ_i in J_P
    node_of_column += [3 * k + 2 for k in range(layers)]  # dX_i in J_X
    adjoint = np.full((3 * layers, 3 * layers), None, dtype=object)
    for i, row in enumerate(np.hstack([D, L]).tolist()):  # row X_i of J
        for k, element in enumerate(row):  # ((I − J)ᵀ•)[k, i] = −(J[i, k])ᵀ•, as transpose_dot
            if element is not None:
                adjoint[node_of_column[k], 3 * i + 2] = -element.T
    np.fill_diagonal(adjoint, Identity())  # one object: Identity holds no state
    return adjoint


def _loss_and_gradients(weights: list, biases: list, x: np.ndarray, y: np.ndarray,
                        activation: str) -> tuple[float, tuple[list, list]]:
    outputs = _forward(weights, biases, x, activation, y)  # checks the inputs' finiteness
    residual, value = _residual_and_loss(outputs[-1], y)
    L, D = _perturbation_system(weights, outputs, activation)
    # ∂ℓ/∂X_m = X_m − y; every other block of the right-hand side is zero (None: no array)
    rhs = [None] * (3 * len(weights) - 1) + [residual]
    with np.errstate(over="ignore", invalid="ignore"):  # overflow is checked, and raised, below
        try:
            # only the gradients are wanted: each λ_i is let go once D_i ∘ λ_i is formed
            parameters = [k for k in range(len(rhs)) if k % 3 != 2]
            solution = backslash(_adjoint_system(L, D), rhs, keep=parameters)
        except ValueError as err:  # the input is finite (the forward pass showed it): overflow
            raise ValueError(f"the gradient overflowed: weights or inputs are too large ({err})"
                             ) from None
    return value, (list(solution[0::3]), list(solution[1::3]))


def _checkpointed_gradients(weights: list, biases: list, x: np.ndarray, y: np.ndarray,
                            activation: str, snapshots: int) -> tuple[list, list]:
    r"""Replay `checkpoint.schedule(m, snapshots)` on the chain X_{i+1} = layer(X_i); reversing
    step i recomputes its output and solves its rows (W, β, X_in, X_out) by one back substitution:

        ∂ℓ/∂W = J_Wᵀ• λ_out,   ∂ℓ/∂β = J_βᵀ• λ_out,   λ_in = J_Xᵀ• λ_out  (code: D_W, D_b, L).
    """
    layers, slope = len(weights), ACTIVATIONS[activation][1]
    ones = np.ones((1, x.shape[1]))
    dweights: list = [None] * layers
    dbiases: list = [None] * layers
    lam = [None]  # λ of the output of the next step to reverse

    def step(i: int, X: np.ndarray) -> np.ndarray:
        return _layer(weights[i], biases[i], X, activation, i == layers - 1,
                      lambda: _blame(weights, biases, x, y, "the forward pass overflowed in "
                                     f"layer {i + 1}: weights or inputs are too large"))

    def reverse(i: int, X: np.ndarray) -> None:
        output = step(i, X)
        if i == layers - 1:
            lam[0] = _residual_and_loss(output, y)[0]  # ∂ℓ/∂X_m = X_m − y
        L, D_W, D_b = _layer_elements(weights[i], X, output, None if i == layers - 1 else slope,
                                      ones)
        column = [-D_W.T, -D_b.T] + ([-L.T] if i > 0 else [])  # layer 1 reads x: no λ_0
        k = len(column)
        system = np.full((k + 1, k + 1), None, dtype=object)
        np.fill_diagonal(system, Identity())
        system[:k, k] = column
        with np.errstate(over="ignore", invalid="ignore"):
            solution = backslash(system, [None] * k + [lam[0]], keep=range(k))
        if not all(all_finite(s) for s in solution[:k]):
            raise ValueError("the gradient overflowed: weights or inputs are too large")
        dweights[i], dbiases[i], lam[0] = solution[0], solution[1], solution[k - 1]

    checkpoint.replay(checkpoint.schedule(layers, snapshots), x, step, reverse)
    return dweights, dbiases


# -- input checks ----------------------------------------------------------------------------


def _array(a: object, label: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{label} must be a real numeric array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{label} must be a 2-D array, got shape {arr.shape}")
    return arr.astype(float, copy=False)


def _check(weights: Sequence, biases: Sequence, x: object, y: object | None, activation: str
           ) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray, np.ndarray | None]:
    r"""Types and shapes, as float arrays. Finiteness is not scanned here: the forward pass's
    check of every Z_i (and of ℓ) implies it, and names the culprit when it fails (`_blame`)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; valid: {', '.join(ACTIVATIONS)}")
    if isinstance(weights, np.ndarray) or isinstance(biases, np.ndarray):
        raise TypeError("weights and biases must be lists of arrays, one per layer")
    if len(weights) == 0 or len(weights) != len(biases):
        raise ValueError(f"got {len(weights)} weight matrices and {len(biases)} bias vectors; "
                         "need the same positive number, one per layer")
    weights = [_array(W, f"weights[{i}]") for i, W in enumerate(weights)]
    biases = [_array(b, f"biases[{i}]") for i, b in enumerate(biases)]
    x = _array(x, "x")
    rows = x.shape[0]
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):  # weights[i] is W_{i+1}
        source = "x has" if i == 0 else f"layer {i} (weights[{i - 1}]) gives"
        if W.shape[1] != rows:
            raise ValueError(f"weights[{i}] (layer {i + 1}) has shape {W.shape}: it takes "
                             f"{W.shape[1]} inputs, but {source} {rows} rows")
        if b.shape != (W.shape[0], 1):
            raise ValueError(f"biases[{i}] (layer {i + 1}) has shape {b.shape}, expected "
                             f"({W.shape[0]}, 1) to match weights[{i}] of shape {W.shape}")
        rows = W.shape[0]
    if y is not None:
        y = _array(y, "y")
        if y.shape != (rows, x.shape[1]):
            raise ValueError(f"y has shape {y.shape}, expected {(rows, x.shape[1])}: "
                             f"(outputs of the last layer, batch size of x)")
    return weights, biases, x, y


__all__ = ["ACTIVATIONS", "forward", "gradients", "loss", "perturbation_system", "train"]
