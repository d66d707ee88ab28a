r"""Figures of the solves: the forward pass (01), expression swell (02), the Lagrange matrix's
sparsity (03), adjoints converging (06), one backslash for three problems (10)."""

from __future__ import annotations

import warnings

import numpy as np
from matplotlib.patches import Patch

from course_lib import iterative, lagrange, mlp, plots, spn, symbolic
from course_lib.factor_graph import chain_model
from course_lib.figures.layout import figure, plain_log_labels
from course_lib.graph import Graph
from course_lib.operators import Identity, transpose_dot
from course_lib.plots import palette

__all__ = ["SMALL_NETWORK", "SMALL_INPUTS", "SMALL_POINT", "fig_small_network",
           "fig_expression_swell", "fig_lagrange_sparsity", "fig_adjoints_converging",
           "fig_one_algorithm"]

#: The source article's network: x, y, w1, w2 → σ(x w1) → two-class softmax → cross-entropy.
SMALL_NETWORK = [
    ("z5", "z1*z3"),
    ("z6", "sigmoid(z5)"),
    ("z7", "z6*z4"),
    ("z8", "exp(z7)/(exp(z7) + 1)"),
    ("z9", "-(z2*log(z8) + (1 - z2)*log(1 - z8))"),
]
SMALL_INPUTS = ["z1", "z2", "z3", "z4"]
SMALL_POINT = {"z1": 0.5, "z2": 1.0, "z3": -0.8, "z4": 1.5}


# ------------------------------------------------------------------------------ lesson 01
def fig_small_network():
    r"""The small network z1…z9 in topological layout, labelled with its forward values."""
    g = Graph.from_assignments(SMALL_NETWORK, inputs=SMALL_INPUTS)
    fig = figure(8.0, 2.5)
    plots.draw_graph(g, values=g.forward(SMALL_POINT), ax=fig.add_axes((0.0, 0.0, 1.0, 0.88)),
                     title="Lesson 01 · z_i = f_i(z_a(i)): the small network, forward pass")
    return fig


# ------------------------------------------------------------------------------ lesson 02
def fig_expression_swell():
    r"""Operations for the gradient of h_D against the depth D (lesson 02, log scale).

    Left: h_k = h_{k−1} sin(h_{k−1}), a value used twice, so the formula of h_D doubles per
    layer and ``sympy.diff`` of it more than doubles, while back substitution on the shared
    graph costs 7 operations per layer. Right: h_k = tanh(w h_{k−1}), no reuse but one weight
    w in every layer: the formula grows linearly, the naive gradient quadratically.
    """
    def sin_chain(depth):
        return Graph.from_assignments(
            [(f"h{k}", f"h{k - 1}*sin(h{k - 1})") for k in range(1, depth + 1)], inputs=["h0"])

    def tanh_chain(depth):
        return Graph.from_assignments(
            [(f"h{k}", f"tanh(w*h{k - 1})") for k in range(1, depth + 1)], inputs=["h0", "w"])

    def counts(make):
        rows = []
        for depth in range(1, 9):
            chain = make(depth)
            output = f"h{depth}"
            naive = symbolic.naive_gradient(chain, output)  # sympy.diff of the composed formula
            rows.append((depth, symbolic.op_count(symbolic.output_expression(chain, output)),
                         sum(symbolic.op_count(e) for e in naive.values()),
                         symbolic.shared_adjoint_op_count(chain, output, include_forward=True)))
        return rows

    fig = figure(8.0, 3.9)
    axes = fig.subplots(1, 2, gridspec_kw=dict(left=0.09, right=0.98, bottom=0.12, top=0.8,
                                               wspace=0.18))
    for ax, make, title in (
            (axes[0], sin_chain, "$h_k = h_{k-1}\\,\\sin(h_{k-1})$\na value used twice"),
            (axes[1], tanh_chain, "$h_k = \\tanh(w\\,h_{k-1})$\nno reuse, one shared weight $w$")):
        depth, tree, naive, shared = zip(*counts(make))
        plots.describe(ax, f"Operations against depth D = 1 to {depth[-1]} on a log scale: naive "
                           f"sympy.diff of the formula (circles) from {naive[0]} to {naive[-1]}, "
                           f"the formula itself (squares, dashed) from {tree[0]} to {tree[-1]}, "
                           f"shared adjoints (triangles) from {shared[0]} to {shared[-1]}.")
        ax.semilogy(depth, naive, "o-", color=palette.VERMILLION, label="naive sympy.diff of the formula")
        ax.semilogy(depth, tree, "s--", color=palette.GREY, label="the formula of $h_D$ itself")
        ax.semilogy(depth, shared, "^-", color=palette.BLUE, label="shared adjoints (forward + backward)")
        ax.set_xlabel("depth D")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
    plain_log_labels(*axes)
    axes[0].set_ylabel("operations (log scale)")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle("Lesson 02 · operations to compute the gradient of $h_D$ against the depth $D$",
                 fontsize=11)
    return fig


# ------------------------------------------------------------------------------ lesson 03
def fig_lagrange_sparsity():
    r"""Sparsity of the Lagrange matrix A = Jᵀ − I for four architectures (lesson 03).

    A[i, k] = ∂f_k/∂z_i ≠ 0 exactly when node k reads node i, and A[i, i] = −1: a chain is
    bidiagonal, an MLP has full layer-to-layer blocks, a ResNet adds one skip entry
    (r_{t−1}, r_t) per block, a DenseNet block fills the whole upper triangle.
    """
    rng = np.random.default_rng(0)  # the lesson's seed: the weights are drawn in this order

    def weighted_sum(names):
        return " + ".join(f"({round(float(rng.choice([-1, 1]) * rng.uniform(0.2, 1.0)), 2)})*{n}"
                          for n in names)

    chain = Graph.from_assignments([(f"h{t}", f"tanh(h{t - 1})") for t in range(1, 10)], ["h0"])
    layers = [["x1", "x2", "x3"], ["p1", "p2", "p3", "p4"], ["q1", "q2", "q3", "q4"], ["y"]]
    mlp_equations = [(unit, f"sigmoid({weighted_sum(before)})")
                     for before, layer in zip(layers[:-2], layers[1:-1]) for unit in layer]
    mlp_equations.append(("y", weighted_sum(layers[-2])))  # a linear output unit
    mlp_graph = Graph.from_assignments(mlp_equations, layers[0])
    resnet_equations = []
    for t in (1, 2, 3):
        resnet_equations += [(f"u{t}", f"tanh(r{t - 1})"), (f"v{t}", f"tanh(u{t})"),
                             (f"r{t}", f"r{t - 1} + v{t}")]  # the skip: r_t reads r_{t−1}
    resnet = Graph.from_assignments(resnet_equations, ["r0"])
    densenet = Graph.from_assignments(
        [(f"d{k}", f"sigmoid({weighted_sum([f'd{j}' for j in range(k)])})") for k in range(1, 8)],
        ["d0"])

    fig = figure(8.0, 8.2)
    axes = fig.subplots(2, 2, gridspec_kw=dict(left=0.05, right=0.99, bottom=0.05, top=0.92,
                                               wspace=0.12, hspace=0.16))
    for ax, (title, g) in zip(axes.flat, {"chain": chain, "MLP": mlp_graph, "ResNet": resnet,
                                          "DenseNet block": densenet}.items()):
        A, _ = lagrange.lagrange_matrix(g, None, g.order[-1])  # symbolic A
        plots.spy(A, g.order, ax=ax, title=f"{title}: {len(g)} nodes, {len(g.edges())} edges")
        ax.title.set_fontsize(10)
    fig.suptitle("Lesson 03 · sparsity of A = Jᵀ − I: row i has an entry in column k "
                 "when node k reads node i", fontsize=11)
    return fig


# ------------------------------------------------------------------------------ lesson 06
def fig_adjoints_converging():
    r"""Jacobi iteration λ^(t+1) = v + Jᵀ λ^(t) on the adjoint system (I − Jᵀ) λ = v (lesson 06).

    Left, v = e_n: on a DAG (lesson 06's DenseNet block) λ^(t) = Σ_{s<t} (Jᵀ)^s e_n is a finite
    Neumann series: λ_i is still 0 until the shortest path from i to the output has arrived,
    exact once the longest has, so every adjoint is exact after longest path + 1 steps.
    Right, v = z* − target: on an implicit layer z = tanh(c W z + u) the graph has a cycle;
    the error shrinks like ρ(J)^t, and grows once the coupling c pushes ρ(J) past 1.
    """
    rng = np.random.default_rng(0)  # the lesson's stream, consumed in the lesson's order
    dense_weights = rng.uniform(-1, 1, size=(6, 6)).round(2)
    dense = Graph.from_assignments(
        [(f"d{k}", "sigmoid(" + " + ".join(f"({dense_weights[k - 1, j]})*d{j}" for j in range(k))
          + ")") for k in range(1, 7)], inputs=["d0"])
    A, b = lagrange.lagrange_matrix(dense, {"d0": 0.5}, "d6")
    exact = lagrange.adjoints(dense, {"d0": 0.5}, "d6")
    status = plots.adjoint_status(iterative.jacobi(A, b, 9), [exact[v] for v in dense.order])
    longest = iterative.longest_path_length(A.T + np.eye(len(dense)))

    for _ in range(300):  # the lesson draws 300 Gauss–Seidel orders of its 12-node DAG here
        rng.permutation(12)
    m = 5
    B = rng.normal(size=(m, m))
    S = B @ B.T / m + 0.1 * np.eye(m)
    W0 = -S / iterative.spectral_radius(S)  # ρ(W0) = 1
    u = rng.normal(size=m)
    target = np.full(m, 0.5)

    def adjoint_system(coupling):
        r"""(J, v) at the fixed point z* = tanh(c W0 z* + u), found by Newton's method."""
        f, jacobian = iterative.tanh_layer(coupling * W0, u)
        z = np.zeros(m)
        for _ in range(20):
            z = z - np.linalg.solve(np.eye(m) - jacobian(z), z - f(z))
        return jacobian(z), z - target

    fig = figure(8.0, 3.9)
    ax_s, ax_c = fig.subplots(1, 2, width_ratios=(1, 1.35),
                              gridspec_kw=dict(left=0.05, right=0.99, bottom=0.2, top=0.8,
                                               wspace=0.28))
    plots.status_history(status, dense.order, ax=ax_s,
                         title=f"DAG (DenseNet block, longest path {longest}):\n"
                               f"every λ_i exact after {longest} + 1 steps")
    ax_s.legend(handles=[Patch(facecolor=c, edgecolor=palette.DARK_GREY, label=t)
                         for c, t in zip(plots.STATUS_COLORS, plots.STATUS_LABELS)],
                loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3, fontsize=8,
                frameon=False, handlelength=1.0, columnspacing=0.8)
    couplings = (0.5, 1.0, 1.5)  # ordered: a sequential map, and a marker each
    for coupling, colour, marker in zip(couplings, palette.sequence(len(couplings)),
                                        palette.MARKERS):
        J, v = adjoint_system(coupling)
        lam = np.linalg.solve(np.eye(m) - J.T, v)
        rho = iterative.spectral_radius(J)
        with warnings.catch_warnings():  # c = 1.5 diverges, as the picture shows
            warnings.simplefilter("ignore", RuntimeWarning)
            errors = np.linalg.norm(iterative.implicit_adjoint(J, v, 40) - lam, axis=1)
        artists = plots.convergence_plot(errors, rho, ax=ax_c, color=colour,
                                         label=f"c = {coupling}: ρ(J) = {rho:.2f}")
        artists["error"].set_marker(marker)
    plain_log_labels(ax_c)
    ax_c.plot([], [], "--", color=palette.INK, lw=1.0, label="‖λ^(0) − λ‖ ρ(J)^t")
    ax_c.legend(fontsize=8, loc="lower left")
    ax_c.set_title("implicit layer z = tanh(c W z + u), a cycle:\n"
                   "error ‖λ^(t) − λ‖ ∝ ρ(J)^t, divergent once ρ(J) > 1", fontsize=10)
    fig.suptitle("Lesson 06 · Jacobi on the adjoint system (I − Jᵀ) λ = v:  "
                 "λ^(t+1) = v + Jᵀ λ^(t)", fontsize=11)
    return fig


# ------------------------------------------------------------------------------ lesson 10
def fig_one_algorithm():
    r"""Three upper-triangular systems, each solved by one ``backslash`` call (lesson 10).

    Left: an MLP's gradient, (I − L)ᵀ• λ = g with one operator block per layer. Middle: an
    SPN's marginals, A = Jᵀ − I of the network polynomial. Right: a chain's marginals, A of
    log Z by the α-recursion α_t(r) = φ_t(r) Σ_s α_{t−1}(s) ψ_t(s, r). Dark: the diagonal.
    """
    rng = np.random.default_rng(0)  # the lesson's MLP
    sizes, batch = [2, 4, 3, 1], 5
    weights = [rng.normal(size=(n_out, n_in)) for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [rng.normal(size=(n_out, 1)) for n_out in sizes[1:]]
    x_batch = rng.normal(size=(sizes[0], batch))
    L_mlp, _ = mlp.perturbation_system(weights, biases, x_batch, "tanh")
    I_minus_L = np.full(L_mlp.shape, None, dtype=object)
    for (i, j), op in np.ndenumerate(L_mlp):
        I_minus_L[i, j] = Identity() if i == j else (None if op is None else -op)
    U_mlp = transpose_dot(I_minus_L)  # (I − L)ᵀ•

    def product(*children):
        return spn.Product(list(children))

    root = spn.Sum([
        product(spn.Categorical("X0", [0.8, 0.2]),
                spn.Sum([product(spn.Categorical("X1", [0.7, 0.3]),
                                 spn.Categorical("X2", [0.9, 0.1])),
                         product(spn.Categorical("X1", [0.2, 0.8]),
                                 spn.Categorical("X2", [0.4, 0.6]))], [0.6, 0.4])),
        product(spn.Categorical("X0", [0.1, 0.9]), spn.Categorical("X1", [0.5, 0.5]),
                spn.Categorical("X2", [0.3, 0.7])),
    ], [0.55, 0.45])
    g_spn = spn.to_graph(root)
    A_spn, _ = lagrange.lagrange_matrix(g_spn, spn.indicators(root, {"X2": 1}), g_spn.order[-1])

    fg = chain_model(4, states=2, rng=1, concentration=0.8)  # φ_0..φ_3, then ψ_1..ψ_3
    T, K = 4, 2
    potentials = {f"theta{t}_{r}": float(np.log(fg.factors[t].table[r]))
                  for t in range(T) for r in range(K)}
    potentials |= {f"omega{t}_{s}_{r}": float(np.log(fg.factors[T + t - 1].table[s, r]))
                   for t in range(1, T) for s in range(K) for r in range(K)}
    rows = [(f"alpha0_{r}", f"exp(theta0_{r})") for r in range(K)]
    for t in range(1, T):
        for r in range(K):
            incoming = " + ".join(f"alpha{t - 1}_{s}*exp(omega{t}_{s}_{r})" for s in range(K))
            rows.append((f"alpha{t}_{r}", f"exp(theta{t}_{r})*({incoming})"))
    rows += [("Z", " + ".join(f"alpha{T - 1}_{r}" for r in range(K))), ("logZ", "log(Z)")]
    g_chain = Graph.from_assignments(rows, inputs=list(potentials))
    A_chain, _ = lagrange.lagrange_matrix(g_chain, potentials, "logZ")

    fig = figure(8.0, 3.9)
    axes = fig.subplots(1, 3, width_ratios=(0.55, 1, 1),
                        gridspec_kw=dict(left=0.06, right=0.99, bottom=0.1, top=0.8, wspace=0.1))
    plots.spy(U_mlp, labels=["λ_X1", "λ_X2", "λ_X3"], ax=axes[0],
              title="MLP gradient:\n(I − L)ᵀ•, 3 × 3\noperator blocks")
    plots.spy(A_spn, ax=axes[1], title=f"SPN marginals:\nA = Jᵀ − I, {len(g_spn)} × {len(g_spn)}")
    plots.spy(A_chain, ax=axes[2],
              title=f"chain marginals (log Z):\nA = Jᵀ − I, {len(g_chain)} × {len(g_chain)}")
    for ax in axes:
        ax.title.set_fontsize(10)
    axes[1].set_xlabel(f"{len(g_spn.inputs)} indicators, then the nodes", fontsize=9)
    axes[2].set_xlabel(f"{len(g_chain.inputs)} log-potentials, then α's, Z, log Z", fontsize=9)
    fig.suptitle("Lesson 10 · one backslash call each: gradients, SPN marginals, chain marginals",
                 fontsize=11)
    return fig
