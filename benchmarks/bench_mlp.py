r"""Time `mlp.gradients` (one back substitution on operator-valued matrices) against backprop.

Network 784-256-256-10, batch 256, float64, tanh. Rows of the printed table:

* forward            — `mlp.forward` alone;
* hand-written       — forward pass plus the textbook backward recurrence
                       δ_L = X_L − y,  δ_{i−1} = h'(Z_{i−1}) ∘ (W_iᵀ δ_i),  ∂W_i = δ_i X_{i−1}ᵀ;
* mlp.gradients      — forward pass, the operator system, `backslash`, and Dᵀ•;
* torch (optional)   — autograd on the same network, when torch is importable.

Targets: mlp.gradients within 1.2× of hand-written backprop, and at most 3× the forward pass.
The contenders take turns in each round (time.perf_counter); each ratio is the median over the
rounds of the two times measured in that round, steadier than a ratio of best times.

mlp.gradients does the same arithmetic as the hand-written loop (one back substitution on the
system with the parameters as nodes; Hadamard(Δ_i) λ_i formed once and shared by the rows
λ_{i−1}, W_i, b_i; Δ_i made from X_i when it acts) plus a little more, by design: it checks its
input (one pass over x and every W), builds the operator matrices and their transpose-dots
(Python objects: about 0.4 ms whatever the size) and checks every λ_i and gradient for
overflow. And it holds more memory at once: the solve keeps every λ_i (its solution), about
1 MB more at the peak than the hand-written loop, which frees δ_i as it goes. The columns
`faults/call` (minor page faults, from getrusage) and `peak MB` (tracemalloc) show it: glibc
gives freed memory back to the system after each call, so every page above the retained heap
is touched afresh, and a first touch costs about 4.5 µs on the sandboxed machines this course
is built on (typically 0.2–0.5 µs elsewhere). Hence the forward pass overwrites Z_i with h(Z_i)
and the system makes each slope Δ_i when it acts (storing them cost 256 more faults, ~0.06×).

Measured and tried (2026-11): paired medians over 40 rounds gave 1.19–1.24× here; with the
faults removed (glibc's trimming off, for diagnosis only) 1.20–1.21×, the rest being a fixed
cost of about 1 ms per call (checks and Python objects: a 4-3-3-2 network takes 0.9 ms). Dropping
the λ_i that no later row reads (a `keep=` option for backslash) freed 1 MB early but left the
faults unchanged: the 1.6 MB ∂ℓ/∂W_1 does not fit in the holes, so it was not kept. Negating in
place instead of allocating was slower. malloc tuning (MALLOC_TRIM_THRESHOLD_ and
MALLOC_MMAP_THRESHOLD_) removes the faults of both contenders but changes the environment, not
the code, and is not used.

Run:  python benchmarks/bench_mlp.py
On a busy machine, OPENBLAS_NUM_THREADS=1 gives steadier numbers.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
from targets import Target

from course_lib import mlp


def round_times(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, np.ndarray]:
    """Wall-clock time of each fn() in each of `repeats` rounds, after one warm-up round.

    The functions take turns within each round, so a busy moment slows one round's contenders
    alike, and the ratio of two contenders is taken round by round (`paired_ratio`).
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_number in range(repeats + 1):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            if round_number > 0:
                times[name].append(time.perf_counter() - start)
    return {name: np.array(t) for name, t in times.items()}


def paired_ratio(numerator: np.ndarray, denominator: np.ndarray) -> float:
    """Median over the rounds of numerator / denominator, each round's times side by side."""
    return float(np.median(numerator / denominator))


def memory_use(fn: Callable[[], object], calls: int = 10) -> tuple[float, float]:
    """(minor page faults per call, peak traced memory of one call in MB), after a warm-up."""
    fn()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(calls):
        fn()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / calls
    tracemalloc.start()
    try:
        fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return faults, peak / 2**20


def handwritten_backprop(weights, biases, x, y):
    """Forward and backward pass of the tanh MLP written directly in numpy."""
    outputs = [x]
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        outputs.append(np.tanh(W @ outputs[-1] + b))
    out = weights[-1] @ outputs[-1] + biases[-1]
    delta = out - y  # ∂ℓ/∂Z_L
    dweights, dbiases = [None] * len(weights), [None] * len(weights)
    for i in range(len(weights) - 1, -1, -1):
        dweights[i] = delta @ outputs[i].T
        dbiases[i] = delta.sum(axis=1, keepdims=True)
        if i > 0:
            delta = (weights[i].T @ delta) * (1.0 - outputs[i] ** 2)  # ∂ℓ/∂Z_{i}
    return dweights, dbiases


def torch_gradients(weights, biases, x, y):
    """The same gradients by torch autograd (float64, CPU)."""
    import torch

    Ws = [torch.tensor(W, requires_grad=True) for W in weights]
    bs = [torch.tensor(b, requires_grad=True) for b in biases]
    X = torch.tensor(x)
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        X = torch.tanh(W @ X + b)
    out = Ws[-1] @ X + bs[-1]
    loss = 0.5 * ((out - torch.tensor(y)) ** 2).sum()
    loss.backward()
    return [W.grad.numpy() for W in Ws], [b.grad.numpy() for b in bs]


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[784, 256, 256, 10])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    sizes = args.sizes
    weights = [rng.normal(size=(m, n)) / np.sqrt(n) for n, m in zip(sizes, sizes[1:], strict=False)]
    biases = [rng.normal(size=(m, 1)) * 0.1 for m in sizes[1:]]
    x = rng.normal(size=(sizes[0], args.batch))
    y = rng.normal(size=(sizes[-1], args.batch))

    ours = mlp.gradients(weights, biases, x, y)
    ref = handwritten_backprop(weights, biases, x, y)
    error = max(np.abs(a - b).max() for a, b in zip(ours[0] + ours[1], ref[0] + ref[1], strict=True))
    assert error < 1e-8, f"mlp.gradients disagrees with hand-written backprop by {error}"
    # Let them go: arrays left alive pin the top of the heap and change how many fresh pages
    # every later call touches (with ours and ref kept, both ratios came out about 0.05 lower).
    del ours, ref

    rows = {
        "forward (mlp.forward)": lambda: mlp.forward(weights, biases, x),
        "hand-written backprop": lambda: handwritten_backprop(weights, biases, x, y),
        "mlp.gradients (backslash)": lambda: mlp.gradients(weights, biases, x, y),
    }
    try:
        import torch  # noqa: F401

        rows["torch autograd"] = lambda: torch_gradients(weights, biases, x, y)
    except ImportError:
        pass

    times = round_times(rows, args.repeats)
    forward_t, hand_t = times["forward (mlp.forward)"], times["hand-written backprop"]
    print(f"MLP {'-'.join(map(str, sizes))}, batch {args.batch}, float64, tanh; {args.repeats} "
          f"rounds (max |difference| to hand-written: {error:.1e})")
    print(f"{'':28}{'best ms':>9}{'median ms':>11}{'/ forward':>11}{'/ hand-written':>16}"
          f"{'faults/call':>13}{'peak MB':>9}")
    for name, t in times.items():
        faults, peak = memory_use(rows[name])
        print(f"{name:28}{1e3 * t.min():9.2f}{1e3 * np.median(t):11.2f}"
              f"{paired_ratio(t, forward_t):11.2f}{paired_ratio(t, hand_t):16.2f}"
              f"{faults:13.0f}{peak:9.2f}")
    ours_t = times["mlp.gradients (backslash)"]
    to_hand, to_forward = paired_ratio(ours_t, hand_t), paired_ratio(ours_t, forward_t)
    print("ratios: medians over the rounds of the two contenders' times in that round")
    print(f"targets: gradients / hand-written = {to_hand:.2f} (≤ 1.2), "
          f"gradients / forward = {to_forward:.2f} (≤ 3)")
    shape = f"{'-'.join(map(str, sizes))}, batch {args.batch}"
    return [Target(f"mlp.gradients ÷ hand-written backprop ({shape})", "≤ 1.2×",
                   f"{to_hand:.2f}× (median)", to_hand <= 1.2),
            Target("mlp.gradients ÷ mlp.forward (cheap-gradient principle)", "≤ 3×",
                   f"{to_forward:.2f}× (median)", to_forward <= 3.0)]


if __name__ == "__main__":
    main()
