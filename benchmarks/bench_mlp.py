r"""Time `mlp.gradients` (one back substitution on operator-valued matrices) against backprop.

Network 784-256-256-10, batch 256, float64, tanh. Rows of the printed table:

* forward            — `mlp.forward` alone;
* hand-written       — forward pass plus the textbook backward recurrence
                       δ_L = X_L − y,  δ_{i−1} = h'(Z_{i−1}) ∘ (W_iᵀ δ_i),  ∂W_i = δ_i X_{i−1}ᵀ;
* mlp.gradients      — forward pass, the operator system, `backslash`, and Dᵀ•;
* torch (optional)   — autograd on the same network, when torch is importable.

Targets: mlp.gradients within 1.2× of hand-written backprop, and at most 3× the forward pass.
The contenders take turns in each round, in an order shuffled afresh every round (seeded), and
each ratio is the median over the rounds of the two times measured in that round (steadier than
a ratio of best times). The shuffle matters here: glibc hands freed memory back to the system at
the end of a call, and the next call faults it back in, so a fixed order charged the same
contender for its predecessor's heap every round (with the order forward, hand-written, ours,
the ratio read 1.19–1.22 with earlier results alive and 1.11–1.12 without; shuffled, 1.05–1.11).
The rounds run twice, on a clean heap and with one result of every contender held alive, and
each target is judged on the larger of the two ratios.

mlp.gradients does the same arithmetic as the hand-written loop (one back substitution on the
system with the parameters as nodes; Hadamard(Δ_i) λ_i formed once and shared by the rows
λ_{i−1}, W_i, b_i; Δ_i made from X_i when it acts) plus a little more, by design: it builds the
operator matrices (Python objects: a few tenths of a millisecond whatever the size) and checks
every Z_i, λ_i and gradient for nan and inf. The columns `faults/call` (minor page faults, from
getrusage) and `peak MB` (tracemalloc) show the memory side: glibc gives freed memory back to
the system after each call, so every page above the retained heap is touched afresh, and a
first touch costs about 4.5 µs on the sandboxed machines this course is built on (typically
0.2–0.5 µs elsewhere). Hence the forward pass overwrites Z_i with h(Z_i), the system makes each
slope Δ_i when it acts, and `backslash(..., keep=the parameters)` lets each λ_i go as soon as
Δ_i ∘ λ_i has been formed, so the solve peaks at the hand-written loop's memory.

Measured and tried (2026-11, paired medians over 40 rounds):
* Before `keep=`: 1.19–1.24×, with 1148 faults per call against 1015 and a peak of 4.6 MB
  against 3.6 MB. With the faults removed (glibc's trimming off, for diagnosis only) 1.20–1.21×;
  the rest was a fixed cost of about 1 ms per call, half of it an up-front scan of the inputs.
* The inputs are no longer scanned: the forward pass checks every Z_i anyway, and in IEEE
  arithmetic a nan or inf in W_i, b_i or X_{i−1} always reaches Z_i (tests/test_mlp.py puts
  them everywhere, behind zeros too), so the inputs are scanned only to name a culprit. ~4%.
* A first `keep=` let each unknown go after the last row that reads it. The fault count did
  not move: λ_1's last reader is the ∂ℓ/∂W_1 row itself, so λ_1 was alive when that 1.6 MB
  block was allocated, and the holes below could not hold it. Counting reads of x_j itself
  (a shared Δ_1 ∘ λ_1, once made, needs λ_1 no more) frees λ_1 first: 887 faults, peak 3.61 MB.
* With the fixed order (forward, hand-written, ours) the ratio then read 1.11–1.12× on a clean
  heap but 1.19–1.22× with earlier results alive: there the hand-written loop ended each round
  by trimming the heap and ours, always next, faulted it back (616 faults against 128). With
  the order shuffled: 1.05–1.07× (clean heap) and 1.11–1.12× (results held); the code before
  this work measured 1.15–1.17× the same way. One BLAS thread, as `make bench` runs it.
* Dropping the negation pass (b − (−1)·𝒜x as b + 𝒜x) and sharing Δ_i ∘ λ_i are in `backslash`
  for every caller. Negating in place instead of allocating was slower. malloc tuning
  (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_) removes the faults of both contenders but
  changes the environment, not the code, and is not used.

Run:  python benchmarks/bench_mlp.py
On a busy machine, OPENBLAS_NUM_THREADS=1 gives steadier numbers.
"""

from __future__ import annotations

import argparse
import resource
import tracemalloc
from collections.abc import Callable

import numpy as np
from targets import Target
from timing import paired_ratio, round_times

from course_lib import mlp


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
    del ours, ref  # the first rounds run on a clean heap; the second with results held

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
    held = [fn() for fn in rows.values()]  # one result of each contender alive: another heap
    times_held = round_times(rows, args.repeats, seed=1)
    del held
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
    ratios = {}
    for label, ts in (("clean heap", times), ("results held", times_held)):
        ours_t = ts["mlp.gradients (backslash)"]
        ratios[label] = (paired_ratio(ours_t, ts["hand-written backprop"]),
                         paired_ratio(ours_t, ts["forward (mlp.forward)"]))
    print("ratios: medians over the rounds of the two contenders' times in that round, the order "
          "shuffled each round;\nfaults/call: ten calls in a row (getrusage); peak MB: tracemalloc")
    for label, (h, f) in ratios.items():
        print(f"  {label:13} gradients / hand-written = {h:.2f},  gradients / forward = {f:.2f}")
    to_hand = max(h for h, _ in ratios.values())
    to_forward = max(f for _, f in ratios.values())
    print(f"targets (the larger of the two): gradients / hand-written = {to_hand:.2f} (≤ 1.2), "
          f"gradients / forward = {to_forward:.2f} (≤ 3)")
    shape = f"{'-'.join(map(str, sizes))}, batch {args.batch}"
    return [Target(f"mlp.gradients ÷ hand-written backprop ({shape})", "≤ 1.2×",
                   f"{to_hand:.2f}× (median, worse heap)", to_hand <= 1.2),
            Target("mlp.gradients ÷ mlp.forward (cheap-gradient principle)", "≤ 3×",
                   f"{to_forward:.2f}× (median, worse heap)", to_forward <= 3.0)]


if __name__ == "__main__":
    main()
