r"""Hessian–vector products by forward-over-reverse against one gradient, on two graphs.

`autodiff.hvp(g, values, output, u)` solves A λ = −e_n (backprop), (I − J) t = u (forward mode)
and A λ̇ = −J̇ᵀ λ (the tangent of the adjoint system, the same A): three triangular solves and
the second partials, against one solve and the first partials for the gradient
`lagrange.adjoints(g, values, output)`. The theory says a small constant (issue 16: ≤ 4×).

Graphs (both `course_lib.graph.Graph`, i.e. scalar nodes, as hvp takes them):

* an MLP 3-6-6-1 (tanh, linear last layer) on a batch of 4 fixed samples, its loss
  ℓ = ½ Σ (X_L − y)² as the output and its 73 weights and biases as the inputs: H u is the
  loss Hessian (in parameter space) times a direction;
* a seeded random DAG of 1000 nodes (10 inputs; node k reads node k − 1 and a random earlier
  node through tanh, sin, cos, sigmoid or a product, so every node reaches the output and every
  value stays in [−1, 1]).

Correct first: on each graph H u is compared, before timing, with central finite differences
of the gradient, (∇ℓ(x + εu) − ∇ℓ(x − εu)) / 2ε with ε = 1e-5 (only here, as an oracle), and
with the column-by-column route Σ_j u_j H e_j.

Timing: `timing.round_times` (the two contenders in shuffled order each round; the ratio is
the median of the per-round ratios, wall clock) and `timing.best_time` for CPU seconds. The
graphs' sympy partials are compiled before timing (both contenders would pay it once).

Run:  python benchmarks/bench_hvp.py [--rounds 15]
"""

from __future__ import annotations

import argparse

import numpy as np
from targets import Target
from timing import best_time, paired_ratio, round_times

from course_lib import autodiff, lagrange
from course_lib.graph import Graph


def mlp_graph(sizes=(3, 6, 6, 1), batch: int = 4, seed: int = 0):
    r"""The MLP's loss as a Graph whose inputs are its weights and biases:
    (graph, values, output)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(sizes[0], batch)).round(3)
    y = rng.normal(size=(sizes[-1], batch)).round(3)
    inputs, values, assignments = [], {}, []
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
        for r in range(n_out):
            for c in range(n_in):
                inputs.append(f"W{layer}_{r}_{c}")
                values[inputs[-1]] = float(rng.normal() / np.sqrt(n_in))
            inputs.append(f"beta{layer}_{r}")
            values[inputs[-1]] = float(0.1 * rng.normal())
    residuals = []
    for sample in range(batch):
        previous = [repr(float(v)) for v in x[:, sample]]
        for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]), start=1):
            current = []
            for r in range(n_out):
                name = f"Z{layer}_{r}_s{sample}"
                total = " + ".join(f"W{layer}_{r}_{c}*({previous[c]})" for c in range(n_in))
                assignments.append((name, f"{total} + beta{layer}_{r}"))
                if layer < len(sizes) - 1:  # X_i = tanh(Z_i); the last layer is linear
                    assignments.append((f"X{layer}_{r}_s{sample}", f"tanh({name})"))
                    current.append(f"X{layer}_{r}_s{sample}")
                else:
                    current.append(name)
            previous = current
        residuals += [f"({out} - ({float(y[r, sample])!r}))**2" for r, out in enumerate(previous)]
    assignments.append(("loss", "(" + " + ".join(residuals) + ")/2"))
    return Graph.from_assignments(assignments, inputs=inputs), values, "loss"


def random_graph(nodes: int = 1000, n_inputs: int = 10, seed: int = 0):
    r"""A seeded random DAG of ``nodes`` nodes; (graph, values, output)."""
    rng = np.random.default_rng(seed)
    forms = ["tanh({a} + {b})", "{a}*{b}", "sin({a})*{b}", "tanh({a})*cos({b})",
             "1/(1 + exp({b} - {a}))"]
    names = [f"x{j}" for j in range(n_inputs)]
    assignments = []
    for k in range(nodes - n_inputs):
        a, b = names[-1], names[int(rng.integers(len(names) - 1))] if len(names) > 1 else names[0]
        assignments.append((f"v{k}", forms[int(rng.integers(len(forms)))].format(a=a, b=b)))
        names.append(f"v{k}")
    g = Graph.from_assignments(assignments, inputs=names[:n_inputs])
    return g, {x: float(rng.uniform(-1, 1)) for x in g.inputs}, names[-1]


def gradient(g, values, output) -> np.ndarray:
    lam = lagrange.adjoints(g, values, output)
    return np.array([lam[x] for x in g.inputs])


def check_hvp(g, values, output, u: dict) -> tuple[float, float]:
    r"""H u against central differences of the gradient and against Σ_j u_j H e_j; returns the
    two relative errors (and raises if either is too large)."""
    hu = np.array([autodiff.hvp(g, values, output, u)[x] for x in g.inputs])
    eps = 1e-5
    plus = {x: v + eps * u.get(x, 0.0) for x, v in values.items()}
    minus = {x: v - eps * u.get(x, 0.0) for x, v in values.items()}
    fd = (gradient(g, plus, output) - gradient(g, minus, output)) / (2 * eps)
    scale = max(np.abs(fd).max(), 1e-12)
    fd_error = np.abs(hu - fd).max() / scale
    assert fd_error < 1e-6, f"hvp differs from finite differences by {fd_error:.1e} (relative)"
    chosen = [x for x in g.inputs if u.get(x, 0.0)][:4]  # a few columns H e_j suffice
    partial = {x: u[x] for x in chosen}
    columns = sum(u[x] * np.array([autodiff.hvp(g, values, output, {x: 1.0})[i]
                                   for i in g.inputs]) for x in chosen)
    hu_partial = np.array([autodiff.hvp(g, values, output, partial)[x] for x in g.inputs])
    column_error = np.abs(columns - hu_partial).max() / max(np.abs(columns).max(), 1e-12)
    assert column_error < 1e-10, f"hvp is not linear in u: {column_error:.1e}"
    return fd_error, column_error


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--nodes", type=int, default=1000)
    args = parser.parse_args(argv)
    cases = {"MLP 3-6-6-1, batch 4 (loss Hessian in the 73 parameters)": mlp_graph(),
             f"random DAG, {args.nodes} nodes": random_graph(args.nodes)}
    print("autodiff.hvp (forward-over-reverse) ÷ one gradient (lagrange.adjoints), one BLAS "
          "thread\n")
    header = (f"{'graph':<58}{'nodes':>6}{'grad ms':>9}{'hvp ms':>8}{'wall ratio':>11}"
              f"{'cpu ratio':>10}{'FD err':>9}")
    print(header)
    print("-" * len(header))
    targets = []
    for name, (g, values, output) in cases.items():
        rng = np.random.default_rng(1)
        u = {x: float(rng.normal()) for x in g.inputs}
        g.second_partial_values(values)  # compile the partials once, outside the timing
        fd_error, _ = check_hvp(g, values, output, u)
        contenders = {"gradient": lambda g=g, v=values, o=output: lagrange.adjoints(g, v, o),
                      "hvp": lambda g=g, v=values, o=output, u=u: autodiff.hvp(g, v, o, u)}
        rounds = round_times(contenders, args.rounds)
        ratio = paired_ratio(rounds["hvp"], rounds["gradient"])
        grad_t, hvp_t = best_time(contenders["gradient"], 5), best_time(contenders["hvp"], 5)
        cpu_ratio = hvp_t.cpu / grad_t.cpu
        print(f"{name:<58}{len(g):>6}{1e3 * grad_t.wall:>9.1f}{1e3 * hvp_t.wall:>8.1f}"
              f"{ratio:>11.2f}{cpu_ratio:>10.2f}{fd_error:>9.1e}")
        print(f"{'':<58}{'cpu ms':>6}{1e3 * grad_t.cpu:>9.1f}{1e3 * hvp_t.cpu:>8.1f}")
        targets.append(Target(f"autodiff.hvp ÷ one gradient, {name}", "≤ 4×",
                              f"{ratio:.2f}× wall (median), {cpu_ratio:.2f}× cpu (best)",
                              ratio <= 4.0))
    print("\nwall ratio: median over the rounds of hvp ÷ gradient timed side by side; cpu ratio: "
          "best CPU times;\nFD err: max |H u − central differences of the gradient| ÷ max |FD| "
          "(ε = 1e-5), checked before timing")
    return targets


if __name__ == "__main__":
    main()
