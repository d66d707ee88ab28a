r"""Checkpointed MLP gradients: peak memory and time against store-everything, for every k.

Network: depth L = 100, width 256, batch 64, tanh, float64 (issue 16). Contenders:

* store-everything — `mlp.gradients(W, b, x, y)`: the one back substitution of lesson 04, every
  activation X_0 … X_L kept;
* k snapshots      — `mlp.gradients(W, b, x, y, snapshots=k)`: `checkpoint.schedule(L, k)`
  replayed, at most k activations kept, the others recomputed (k = L keeps them all, through
  the same code path).

Before timing, every contender's gradients are compared with hand-written backprop
(bench_mlp.handwritten_backprop) and with each other.

What the memory columns measure (tracemalloc: every numpy and Python allocation the call makes;
the weights and inputs exist before and are not counted). The returned gradients ∂ℓ/∂W_i,
∂ℓ/∂β_i are 100 · 256 · 256 · 8 B ≈ 52 MB — four times the activations (13 MB) — and every
method must return them, so the target is about the memory held *beyond* them:

* gross MB — the peak of traced memory during one call, gradients included;
* net MB   — gross − the bytes of the returned gradients. This is a LOWER bound of the most
  memory held beyond the gradients (at the peak fewer gradients may exist than at the end): for
  the checkpointed runs the peak comes at the end, when the gradients are all there and the
  states freed, and it reads ≈ 0.4 MB for every k — useless for them;
* bound MB — for the checkpointed runs, an UPPER bound of it: `checkpoint.replay` is wrapped so
  that each advance and reverse starts with `tracemalloc.reset_peak()`; the column is the max
  over the actions of (peak traced during the action − the bytes of the gradients finished
  before the action began). The gradient being formed counts as held memory, so this
  overstates.

Target (issue 16), judged conservatively: bound(k = 10) ≤ net(store-everything) / 5 — an upper
bound over a lower bound; and the time of k = 10 ≤ 2 × store-everything (median over rounds of
the paired wall-time ratio, `timing.round_times`; CPU seconds beside it, `timing.best_time`).
The k-curve: every k printed with its layer evaluations — the schedule's advances
`checkpoint.min_forward_steps(L, k)` plus one recomputation of each layer's output when it is
reversed (L); store-everything evaluates each layer once (L) — its time and its memory.

Run:  python benchmarks/bench_checkpoint.py [--depth 100] [--width 256] [--batch 64]
"""

from __future__ import annotations

import argparse
import contextlib
import tracemalloc

import numpy as np
from bench_mlp import handwritten_backprop
from targets import Target
from timing import best_time, paired_ratio, round_times

from course_lib import checkpoint, mlp

CURVE = (1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 32, 50, 100)


def network(depth: int, width: int, batch: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(width, width)) / np.sqrt(width) for _ in range(depth)]
    biases = [0.1 * rng.normal(size=(width, 1)) for _ in range(depth)]
    return weights, biases, rng.normal(size=(width, batch)), rng.normal(size=(width, batch))


def returned_bytes(result) -> int:
    return sum(a.nbytes for part in result for a in part)


def gross_and_net(run) -> tuple[float, float]:
    r"""(peak traced MB during one call, that peak − the returned gradients' MB)."""
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak / 2**20, (peak - returned_bytes(result)) / 2**20


@contextlib.contextmanager
def per_action_bound(net):
    r"""While active, `checkpoint.replay` records, in MB, ``bound``: the max over advances and
    reverses of (peak traced during the action − bytes of the gradients of the layers reversed
    before it), and ``gross``: the peak traced over the whole call (the max of the actions'
    peaks and of the peak since the last action)."""
    weights, biases = net[0], net[1]
    real = checkpoint.replay
    record = {"bound": 0.0, "gross": 0.0}

    def replay(actions, state, advance, reverse):
        finished = [0]

        def measured(step, i, X, after):
            record["gross"] = max(record["gross"], tracemalloc.get_traced_memory()[1] / 2**20)
            tracemalloc.reset_peak()
            out = step(i, X)
            peak = tracemalloc.get_traced_memory()[1]
            record["gross"] = max(record["gross"], peak / 2**20)
            record["bound"] = max(record["bound"], (peak - finished[0]) / 2**20)
            finished[0] += after
            return out

        real(actions, state,
             lambda i, X: measured(advance, i, X, 0),
             lambda i, X: measured(reverse, i, X, weights[i].nbytes + biases[i].nbytes))

    checkpoint.replay = replay
    tracemalloc.start()
    try:
        yield record
        record["gross"] = max(record["gross"], tracemalloc.get_traced_memory()[1] / 2**20)
    finally:
        tracemalloc.stop()
        checkpoint.replay = real


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=100)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the paired timing")
    args = parser.parse_args(argv)
    L, k_target = args.depth, 10
    net = network(L, args.width, args.batch)

    # -- correct first: every contender against hand-written backprop
    reference = handwritten_backprop(*net)
    scale = max(np.abs(a).max() for a in reference[0] + reference[1])
    for k in (None, 1, k_target, L):
        got = mlp.gradients(*net, snapshots=k)
        error = max(np.abs(a - b).max() for a, b in zip(got[0] + got[1],
                                                        reference[0] + reference[1], strict=True))
        assert error <= 1e-9 * scale, f"snapshots={k}: gradients differ by {error:.2e}"
    del reference, got

    # -- the paired timing of the target: k = 10 against store-everything
    contenders = {"store-everything": lambda: mlp.gradients(*net),
                  f"k = {k_target}": lambda: mlp.gradients(*net, snapshots=k_target)}
    rounds = round_times(contenders, args.rounds)
    time_ratio = paired_ratio(rounds[f"k = {k_target}"], rounds["store-everything"])
    best_cpu = {name: best_time(run, repeats=5).cpu for name, run in contenders.items()}
    cpu_ratio = best_cpu[f"k = {k_target}"] / best_cpu["store-everything"]  # measured together

    # -- the curve
    everything = best_time(contenders["store-everything"], repeats=2)
    gross_all, net_all = gross_and_net(contenders["store-everything"])
    print(f"MLP depth {L}, width {args.width}, batch {args.batch}, tanh, float64; gradients "
          f"returned: {returned_bytes(everything.result) / 2**20:.1f} MB, activations "
          f"X_0…X_L: {(L + 1) * args.width * args.batch * 8 / 2**20:.1f} MB")
    header = (f"{'contender':<18}{'layer evals':>14}{'wall s':>8}{'cpu s':>7}{'÷ all cpu':>10}"
              f"{'gross MB':>10}{'net MB':>8}{'bound MB':>10}{'bound ÷ all net':>17}")
    print(header)
    print("-" * len(header))
    print(f"{'store-everything':<18}{L:>14}{everything.wall:>8.3f}{everything.cpu:>7.3f}"
          f"{1.0:>10.2f}{gross_all:>10.2f}{net_all:>8.2f}{'—':>10}{'—':>17}")
    bounds = {}
    for k in CURVE:
        if k > L:
            continue
        timed = best_time(lambda k=k: mlp.gradients(*net, snapshots=k), repeats=1 if k <= 2 else 2)
        with per_action_bound(net) as record:
            result = mlp.gradients(*net, snapshots=k)
        bounds[k], gross = record["bound"], record["gross"]
        net_k = gross - returned_bytes(result) / 2**20
        del result
        forward = checkpoint.min_forward_steps(L, k) + L  # the schedule's advances + the
        # recomputation of each layer's output when it is reversed (L of them)
        print(f"{f'k = {k}':<18}{forward:>14}{timed.wall:>8.3f}{timed.cpu:>7.3f}"
              f"{timed.cpu / everything.cpu:>10.2f}{gross:>10.2f}{net_k:>8.2f}"
              f"{bounds[k]:>10.2f}{bounds[k] / net_all:>17.3f}")
    memory_ratio = bounds[k_target] / net_all
    print(f"paired wall-time ratio k = {k_target} ÷ store-everything over {args.rounds} rounds: "
          f"median {time_ratio:.2f} (rounds: "
          + ", ".join(f"{a / b:.2f}" for a, b in zip(rounds[f'k = {k_target}'],
                                                     rounds['store-everything'], strict=True))
          + f"); best CPU seconds of 5, back to back: {cpu_ratio:.2f}")
    print(f"memory: bound(k = {k_target}) {bounds[k_target]:.2f} MB ÷ net(store-everything) "
          f"{net_all:.2f} MB = {memory_ratio:.3f} (≤ 0.2)")
    shape = f"depth {L}, width {args.width}, batch {args.batch}"
    return [Target(f"checkpointed gradients k = {k_target}: memory beyond the gradients ÷ "
                   f"store-everything's ({shape})", "≤ 1/5",
                   f"{memory_ratio:.3f} (upper ÷ lower bound)", memory_ratio <= 0.2),
            Target(f"checkpointed gradients k = {k_target}: time ÷ store-everything ({shape})",
                   "≤ 2×", f"{time_ratio:.2f}× wall (median); {cpu_ratio:.2f}× cpu (best of 5)",
                   time_ratio <= 2.0)]


if __name__ == "__main__":
    main()
