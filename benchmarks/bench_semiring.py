r"""Benchmark: the one back substitution over semirings — Viterbi and shortest paths at scale.

1. **Viterbi**, an HMM with S = 64 states, V = 16 symbols, T = 10^5 steps (random rows):
   :func:`course_lib.semiring.viterbi` (a back substitution whose elements are 64×64 max-plus
   blocks, one vectorised block product per step, then the path read forward) against a
   hand-written vectorised numpy Viterbi (the textbook forward pass with back-pointers, one
   (S, S) add, argmax and gather per step). Target: ≤ 1.5× the hand-written one. Two peers
   (``benchmarks/requirements-bench.txt``, not course dependencies), each with the target
   "≥ 10× faster": hmmlearn's compiled ``CategoricalHMM.decode`` on the same HMM, and pgmpy.
   pgmpy has no HMM decoder: the HMM is unrolled as a ``DiscreteBayesianNetwork`` (TabularCPDs
   for π, A and B; evidence = the observations). Its ``VariableElimination.map_query`` over all
   hidden variables multiplies them into one joint table of S^T entries (checked here at T = 3
   only); its ``BeliefPropagation.max_calibrate`` stops early once the clique beliefs are tiny
   (its convergence test compares them with an absolute tolerance: wrong paths from T ≈ 10). So
   pgmpy's route timed is its max-marginal elimination — ``VariableElimination._variable_
   elimination(operation="maximize")``, the step its public ``max_marginal`` takes before
   reducing the factor to its maximum — once per hidden variable, the path being the argmax of
   each max-marginal: O(T^2) eliminations, so it runs at S = 64, T = 100 (20 with ``--quick``;
   beyond T ≈ 120 its probabilities underflow), beside ``semiring.viterbi`` on the same HMM.
2. **Shortest paths**: :func:`course_lib.semiring.closure_solve` in (min, +) on a DAG of
   250,000 nodes and 10^6 edges (each node reads 4 later nodes chosen uniformly; weights
   U(0, 1); b_i = an exit cost U(0, 10) at every node, so x_i = the cheapest way from i to an
   exit) against ``scipy.sparse.csgraph.shortest_path`` (Dijkstra, compiled) on the same graph
   with one extra node joined to every i by an edge of weight b_i. Target: ≤ 2×. The sparse
   route solves a level of the DAG at a time (one Python step per level, O(edges) numpy work),
   so its cost also grows with the depth: a second, deep DAG (each node reads 4 of the next
   2,000 nodes; about 1,200 levels) is timed for information.

Ratios are medians over rounds in which the contenders take turns in a shuffled order
(timing.round_times); every answer is checked against the peer's before timing.

Run: ``.venv/bin/python benchmarks/bench_semiring.py`` (``--quick`` for smaller sizes).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import scipy.sparse
from scipy.sparse.csgraph import shortest_path
from targets import Target
from timing import paired_ratio, round_times, round_times_with_cpu

from course_lib import dag, semiring


def handwritten_viterbi(initial, transition, emission, observations):
    r"""THE PEER BEING COMPARED (not course code): vectorised numpy Viterbi with back-pointers.

    δ_0 = log π + log B(·, o_0);  δ_t(s) = max_{s'} δ_{t−1}(s') + log A(s', s) + log B(s, o_t),
    ψ_t(s) = the argmax; the path is read backwards from argmax δ_{T−1}.
    """
    log_a, log_b = np.log(transition), np.log(emission)
    T, S = len(observations), len(initial)
    pointers = np.empty((T, S), dtype=np.intp)
    states = np.arange(S)
    delta = np.log(initial) + log_b[:, observations[0]]
    for t in range(1, T):
        scores = delta[:, None] + log_a  # δ_{t−1}(s') + log A(s', s)
        pointers[t] = scores.argmax(axis=0)
        delta = scores[pointers[t], states] + log_b[:, observations[t]]
    state = int(delta.argmax())
    best, path = float(delta[state]), [state]
    for t in range(T - 1, 0, -1):
        state = int(pointers[t, state])
        path.append(state)
    return path[::-1], best


def path_log_probability(initial, transition, emission, observations, path) -> float:
    r"""log π(s_0) + log B(s_0, o_0) + Σ_t log A(s_{t−1}, s_t) + log B(s_t, o_t), summed directly."""
    s, o = np.asarray(path), np.asarray(observations)
    return float(np.log(initial[s[0]]) + np.log(transition[s[:-1], s[1:]]).sum()
                 + np.log(emission[s, o]).sum())


def hmmlearn_viterbi(initial, transition, emission, observations):
    r"""THE PEER BEING COMPARED (optional): hmmlearn's compiled Viterbi decoder."""
    from hmmlearn.hmm import CategoricalHMM

    model = CategoricalHMM(n_components=len(initial))
    model.n_features = emission.shape[1]
    model.startprob_, model.transmat_, model.emissionprob_ = initial, transition, emission
    log_p, path = model.decode(np.asarray(observations).reshape(-1, 1), algorithm="viterbi")
    return path.tolist(), float(log_p)


def pgmpy_network(initial, transition, emission, observations):
    r"""The HMM unrolled as pgmpy's Bayesian network: hidden h0 … h{T−1}, observed o0 … o{T−1};
    the network, the hidden names and the evidence {o_t: observation}."""
    from pgmpy.factors.discrete import TabularCPD
    try:
        from pgmpy.models import DiscreteBayesianNetwork as Network
    except ImportError:  # pgmpy < 1.0
        from pgmpy.models import BayesianNetwork as Network

    (S, V), T = emission.shape, len(observations)
    hidden, seen = [f"h{t}" for t in range(T)], [f"o{t}" for t in range(T)]
    model = Network([(hidden[t - 1], hidden[t]) for t in range(1, T)]
                    + [(hidden[t], seen[t]) for t in range(T)])
    model.add_cpds(TabularCPD(hidden[0], S, initial.reshape(S, 1)),
                   *(TabularCPD(hidden[t], S, transition.T, evidence=[hidden[t - 1]],
                                evidence_card=[S]) for t in range(1, T)),
                   *(TabularCPD(seen[t], V, emission.T, evidence=[hidden[t]], evidence_card=[S])
                     for t in range(T)))
    assert model.check_model()
    return model, hidden, {o: int(x) for o, x in zip(seen, observations, strict=True)}


def pgmpy_map_query(model, hidden, evidence):
    r"""pgmpy's public MAP query over every hidden variable (a joint table of S^T entries)."""
    from pgmpy.inference import VariableElimination

    result = VariableElimination(model).map_query(variables=hidden, evidence=evidence,
                                                  show_progress=False)
    return [int(result[h]) for h in hidden]


def pgmpy_max_marginal_path(model, hidden, evidence):
    r"""THE PEER BEING COMPARED (optional): pgmpy's max-marginal elimination, once per hidden
    variable (eliminating the chain inwards from both ends), the path = each argmax."""
    from pgmpy.inference import VariableElimination

    inference = VariableElimination(model)
    inference._initialize_structures()
    path = []
    for t, h in enumerate(hidden):
        phi = inference._variable_elimination([h], "maximize", evidence=evidence,
                                              elimination_order=hidden[:t] + hidden[:t:-1],
                                              show_progress=False)
        path.append(int(np.argmax(phi.values)))
    return path


def report(times, cpu, base):
    r"""Print each contender's median wall and CPU seconds and its paired ratios to `base`."""
    for name in times:
        print(f"   {name:22} median {np.median(times[name]):8.4f} s wall, "
              f"{np.median(cpu[name]):8.4f} s CPU;  this / {base}: "
              f"{paired_ratio(times[name], times[base]):7.2f}× wall, "
              f"{paired_ratio(cpu[name], cpu[base]):7.2f}× CPU")
    return cpu


def random_hmm(rng, S, V, T):
    rows = lambda shape: (lambda p: p / p.sum(axis=-1, keepdims=True))(rng.random(shape))
    return rows(S), rows((S, S)), rows((S, V)), rng.integers(0, V, size=T)


def random_dag(rng, n, out_degree, window=None):
    r"""CSR N: every node i < n − 1 reads out_degree later nodes, uniformly in (i, n) (or in the
    next `window` nodes), with weights U(0, 1)."""
    source = np.repeat(np.arange(n - 1), out_degree)
    if window is None:
        target = source + 1 + np.floor(rng.random(source.size) * (n - 1 - source)).astype(np.intp)
    else:
        target = np.minimum(source + rng.integers(1, window + 1, size=source.size), n - 1)
    weights = rng.uniform(0, 1, size=source.size)
    return scipy.sparse.coo_array((weights, (source, target)), shape=(n, n)).tocsr()


def scipy_exit_distances(N, b):
    r"""THE PEER BEING COMPARED: Dijkstra from an extra exit node along the reversed edges, the
    exit joined to every node i by an edge of weight b_i."""
    n = N.shape[0]
    coo = N.tocoo()
    rows = np.concatenate([coo.row, np.arange(n)])
    cols = np.concatenate([coo.col, np.full(n, n)])
    reversed_graph = scipy.sparse.csr_array((np.concatenate([coo.data, b]), (cols, rows)),
                                            shape=(n + 1, n + 1))
    return reversed_graph, lambda: shortest_path(reversed_graph, method="D", directed=True,
                                                 indices=n)[:n]


def main(argv: list[str] | None = None) -> list[Target]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    S, V, T = 64, 16, 10**4 if args.quick else 10**5
    n_nodes = 25_000 if args.quick else 250_000
    targets = []

    hmm = random_hmm(rng, S, V, T)
    ours, theirs = semiring.viterbi(*hmm), handwritten_viterbi(*hmm)
    # both paths optimal: the same log probability, and each path attains it (over 10^5 steps
    # log p ≈ −5·10^5, so paths that tie within rounding may differ at a few steps)
    assert np.isclose(ours[1], theirs[1], rtol=1e-12), "Viterbi's log probabilities differ"
    assert np.isclose(path_log_probability(*hmm, ours[0]), ours[1], rtol=1e-12)
    differing = sum(a != b for a, b in zip(ours[0], theirs[0], strict=True))
    contenders = {"semiring.viterbi": lambda: semiring.viterbi(*hmm),
                  "hand-written numpy": lambda: handwritten_viterbi(*hmm)}
    try:
        got = hmmlearn_viterbi(*hmm)
    except ImportError as error:
        note = f"hmmlearn not installed: {error}"
    else:
        assert np.isclose(got[1], ours[1], rtol=1e-9), "hmmlearn's log probability differs"
        contenders["hmmlearn (compiled)"] = lambda: hmmlearn_viterbi(*hmm)
        note = "hmmlearn 0.3.3's CategoricalHMM.decode timed beside them"
    times, cpu = round_times_with_cpu(contenders, args.rounds)
    print(f"1. Viterbi, S = {S}, V = {V}, T = {T}; {args.rounds} rounds; {note}")
    print(f"   same log probability {ours[1]:.6f}; the paths differ at {differing} of {T} steps "
          "(ties within rounding)")
    base = "semiring.viterbi"
    cpu = report(times, cpu, base)
    ratio = paired_ratio(times[base], times["hand-written numpy"])
    print(f"   target: semiring.viterbi ≤ 1.5 × hand-written; measured {ratio:.2f}× wall, "
          f"{paired_ratio(cpu[base], cpu['hand-written numpy']):.2f}× CPU\n")
    targets.append(Target(f"semiring.viterbi ÷ hand-written numpy (S = {S}, T = {T})", "≤ 1.5×",
                          f"{ratio:.2f}× (median of {args.rounds} rounds)", ratio <= 1.5))
    if "hmmlearn (compiled)" in times:
        speedup = paired_ratio(times["hmmlearn (compiled)"], times[base])
        cpu_speedup = paired_ratio(cpu["hmmlearn (compiled)"], cpu[base])
        targets.append(Target(
            f"hmmlearn decode ÷ semiring.viterbi (S = {S}, T = {T}): its loop over T is "
            "compiled C++, ours a Python loop of numpy (S, S) block products",
            "≥ 10×", f"{speedup:.2f}× wall, {cpu_speedup:.2f}× CPU", speedup >= 10))
    else:
        targets.append(Target("semiring.viterbi against hmmlearn", "≥ 10×", note, None))

    # pgmpy: the HMM unrolled as a Bayesian network, at a size its elimination can finish
    T_pg = 20 if args.quick else 100
    hmm_pg = random_hmm(np.random.default_rng(1), S, V, T_pg)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pgmpy's FutureWarnings on import
            import pgmpy
            import pgmpy.inference  # noqa: F401
            small = random_hmm(np.random.default_rng(2), S, V, 3)
            network = pgmpy_network(*small)
    except ImportError as error:
        targets.append(Target("semiring.viterbi against pgmpy", "≥ 10×",
                              f"pgmpy not installed: {error}", None))
    else:
        assert pgmpy_map_query(*network) == semiring.viterbi(*small)[0], "pgmpy's map_query"
        network = pgmpy_network(*hmm_pg)
        ours_pg = semiring.viterbi(*hmm_pg)
        path = pgmpy_max_marginal_path(*network)
        # MAP ties aside, the same path; in any case the same log probability
        assert np.isclose(path_log_probability(*hmm_pg, path), ours_pg[1], rtol=1e-12)
        same = path == ours_pg[0]
        times, cpu = round_times_with_cpu(
            {"semiring.viterbi": lambda: semiring.viterbi(*hmm_pg),
             "pgmpy max-marginals": lambda: pgmpy_max_marginal_path(*network)}, args.rounds)
        print(f"   pgmpy {pgmpy.__version__}: HMM unrolled as a DiscreteBayesianNetwork, S = {S}, "
              f"V = {V}, T = {T_pg}; map_query agrees at T = 3; the max-marginal path "
              f"{'is the same path' if same else 'ties with ours'}, log p {ours_pg[1]:.6f}")
        cpu = report(times, cpu, base)
        speedup = paired_ratio(times["pgmpy max-marginals"], times[base])
        cpu_speedup = paired_ratio(cpu["pgmpy max-marginals"], cpu[base])
        print(f"   target: semiring.viterbi ≥ 10 × faster than pgmpy; measured {speedup:.0f}× wall, "
              f"{cpu_speedup:.0f}× CPU\n")
        targets.append(Target(
            f"pgmpy {pgmpy.__version__} max-marginal elimination ÷ semiring.viterbi (S = {S}, "
            f"T = {T_pg}: pgmpy's route is O(T²) eliminations)", "≥ 10×",
            f"{speedup:.0f}× wall, {cpu_speedup:.0f}× CPU", speedup >= 10))

    print(f"2. closure_solve (min, +) against scipy's Dijkstra, {n_nodes} nodes, "
          f"{args.rounds} rounds")
    for label, window, is_target in (("uniform DAG", None, True), ("deep DAG", 2000, False)):
        N = random_dag(rng, n_nodes, 4, window)
        b = rng.uniform(0, 10, size=n_nodes)
        depth = dag.longest_path_length(N) + 1
        _, peer = scipy_exit_distances(N, b)
        assert np.allclose(semiring.closure_solve(N, b, "min-plus"), peer()), label
        times = round_times({"closure_solve": lambda N=N, b=b: semiring.closure_solve(
            N, b, "min-plus"), "scipy shortest_path": peer}, args.rounds)
        ratio = paired_ratio(times["closure_solve"], times["scipy shortest_path"])
        print(f"   {label:12} {N.nnz:>8} edges, {depth:>5} levels: closure_solve "
              f"{np.median(times['closure_solve']):6.3f} s, scipy "
              f"{np.median(times['scipy shortest_path']):6.3f} s, ratio {ratio:.2f}×")
        targets.append(Target(f"closure_solve (min, +) ÷ scipy shortest_path, {label} "
                              f"({N.nnz} edges, {depth} levels)",
                              "≤ 2×" if is_target else "info", f"{ratio:.2f}×",
                              ratio <= 2.0 if is_target else None))
    return targets


if __name__ == "__main__":
    main()
