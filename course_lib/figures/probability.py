r"""Figures of the probabilistic lessons: loopy BP (07), KL projections on the simplex (08), an
SPN's marginals from one back substitution (09)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np

from course_lib import bp, kl, lagrange, plots, spn
from course_lib.factor_graph import ising_model
from course_lib.figures.layout import figure, plain_log_labels
from course_lib.plots import palette
from course_lib.substitution import backslash

__all__ = ["fig_loopy_bp", "fig_kl_projections", "fig_spn_marginals"]


# ------------------------------------------------------------------------------ lesson 07
def fig_loopy_bp():
    r"""Loopy belief propagation on a frustrated 4-spin Ising model, θ_uv = −1 (lesson 07).

    p(x) ∝ exp(Σ_{u<v} θ_uv s_u s_v + Σ_u θ_u s_u) on the complete graph K4. Top: plain
    sum–product messages oscillate between two states and never settle. Bottom: damping 0.5,
    ν ← ½ ν_new + ½ ν_old, converges — to a Bethe fixed point whose beliefs (solid) still
    differ from the exact marginals by enumeration (dashed): on a loopy graph BP is approximate.
    """
    edges = list(itertools.combinations(range(4), 2))
    model = ising_model(4, edges, -1.0, [0.3, -0.2, 0.1, 0.25])
    exact = bp.exact_marginals(model)
    fig = figure(8.0, 6.6)
    grid = fig.add_gridspec(2, 2, left=0.08, right=0.99, bottom=0.08, top=0.84, wspace=0.36,
                            hspace=0.62)
    for row, (damping, cap) in enumerate(((0.0, 40), (0.5, 300))):
        with warnings.catch_warnings():  # the undamped run does not converge: that is the point
            warnings.simplefilter("ignore", RuntimeWarning)
            r = bp.belief_propagation(model, max_iters=cap, damping=damping, tol=1e-10)
        error = max(float(np.max(np.abs(r.marginals[v] - exact[v]))) for v in exact)
        state = (f"converged after {r.iterations} iterations" if r.converged
                 else f"not converged after {r.iterations} iterations")
        axes = [fig.add_subplot(grid[row, col]) for col in (0, 1)]
        plots.bp_trajectories(r.history, r.residuals, exact, tol=1e-10, axes=axes)
        plain_log_labels(axes[1])
        top = axes[0].get_position().y1
        fig.text(0.5, top + 0.075, f"damping {damping}: {state}; "
                 f"max |belief − exact| = {error:.2f}", ha="center", fontsize=10)
    fig.suptitle("Lesson 07 · loopy BP on K4 with θ_uv = −1 (frustrated): beliefs q_t(x_i = 1) "
                 "and message changes", fontsize=11)
    return fig


# ------------------------------------------------------------------------------ lesson 08
def fig_kl_projections():
    r"""I- versus M-projection of p on the simplex of 3 states (lesson 08).

    Left: onto the linear family L = {q : E_q[f] = 1.4}, f = (0, 2, 1). The I-projection
    argmin_{q∈L} KL(q‖p) lies on the curve of tilts q_θ = p e^{θ f}/Z(θ), where a level set
    of KL(q‖p) touches L; the M-projection argmin_{q∈L} KL(p‖q) sits elsewhere. Right: onto
    the binomial curve b_β: the M-projection matches the mean, β = E_p[x]/2, while KL(q‖p)
    has two local minima, each near a mode of p (mode seeking).
    """
    from scipy.optimize import minimize_scalar

    p3 = np.array([0.5, 0.08, 0.42])
    f_line, t_line = np.array([0.0, 2.0, 1.0]), 1.4

    def on_line(s):  # the segment 2 q_1 + q_2 = 1.4, by q_1 = s ∈ [0.4, 0.7]
        s = np.asarray(s, dtype=float)
        return np.stack([s - 0.4, s, 1.4 - 2 * s], axis=-1)

    def binomial(beta):
        beta = np.asarray(beta, dtype=float)
        return np.stack([(1 - beta) ** 2, 2 * beta * (1 - beta), beta**2], axis=-1)

    def argmin_on(path, objective, low, high):
        res = minimize_scalar(lambda s: objective(path(s)), bounds=(low, high), method="bounded",
                              options={"xatol": 1e-12})
        return float(res.x)

    def to_p(q):
        return kl.kl_divergence(q, p3)

    def from_p(q):
        return kl.kl_divergence(p3, q)

    line_I = kl.i_projection(p3, f_line[None], [t_line])  # = the argmin on the line (lesson 08)
    line_M = on_line(argmin_on(on_line, from_p, 0.4 + 1e-12, 0.7 - 1e-12))
    curve_M = float(p3 @ np.arange(3.0)) / 2  # β = E_p[x]/2, checked against the optimiser there
    betas = np.linspace(0.001, 0.999, 999)
    kl_curve = np.array([to_p(q) for q in binomial(betas)])
    local = [k for k in range(1, len(betas) - 1)
             if kl_curve[k] < min(kl_curve[k - 1], kl_curve[k + 1])]
    best, other = sorted((argmin_on(binomial, to_p, betas[k - 1], betas[k + 1]) for k in local),
                         key=lambda beta: to_p(binomial(beta)))
    thetas = np.linspace(-6, 6, 241)
    tilts = p3 * np.exp(np.outer(thetas, f_line))
    tilts /= tilts.sum(axis=1, keepdims=True)
    mean_p = float(p3 @ np.arange(3.0))
    through_p = np.array([[1 - mean_p + s, mean_p - 2 * s, s] for s in (0.0, mean_p / 2)])
    level_sets = {"level set of KL(q‖p)": (lambda q: np.sum(q * np.log(q / p3), axis=-1),
                                            [to_p(line_I)], palette.BLUE),
                  "level set of KL(p‖q)": (lambda q: np.sum(p3 * np.log(p3 / q), axis=-1),
                                            [from_p(line_M)], palette.ORANGE)}
    styles = {"p": dict(color=palette.BLACK, marker="*", ms=14),
              "I-projection": dict(color=palette.BLUE, marker="o"),
              "I-projection (global)": dict(color=palette.BLUE, marker="o"),
              "I-projection (local)": dict(color=palette.BLUE, marker="o", alpha=0.45),
              "M-projection": dict(color=palette.ORANGE, marker="s"),
              "L = {E_q[f] = 1.4}": dict(color=palette.DARK_GREY, ls="-", lw=1.3),
              "tilts p·exp(θf)/Z": dict(color=palette.BLUE, ls=":", lw=1.4),
              "binomial curve b_β": dict(color=palette.DARK_GREY, ls="-"),
              "{E_q[x] = E_p[x]}": dict(color=palette.ORANGE, ls="--", lw=1.2)}
    fig = figure(8.0, 3.8)
    ax_l, ax_c = fig.subplots(1, 2, gridspec_kw=dict(left=0.03, right=0.97, bottom=0.0, top=0.87,
                                                     wspace=0.16))
    plots.simplex_picture(curves={"L = {E_q[f] = 1.4}": on_line(np.array([0.4, 0.7])),
                                  "tilts p·exp(θf)/Z": tilts},
                          points={"p": p3, "I-projection": line_I, "M-projection": line_M},
                          contours=level_sets, styles=styles, ax=ax_l,
                          title="onto a linear family L")
    plots.simplex_picture(curves={"binomial curve b_β": binomial(betas),
                                  "{E_q[x] = E_p[x]}": through_p},
                          points={"p": p3, "I-projection (global)": binomial(best),
                                  "I-projection (local)": binomial(other),
                                  "M-projection": binomial(curve_M)},
                          styles=styles, ax=ax_c, title="onto the binomial curve b_β")
    fig.suptitle("Lesson 08 · I-projection argmin KL(q‖p) versus M-projection argmin KL(p‖q)",
                 fontsize=11)
    return fig


# ------------------------------------------------------------------------------ lesson 09
def fig_spn_marginals():
    r"""One back substitution on an SPN gives every marginal (lesson 09, Darwiche's example).

    Left: the SPN S = Σ_a θ_a λ_{A=a} (Σ_b θ_{b|a} λ_{B=b}) (Σ_c θ_{c|a} λ_{C=c}) as a graph at
    the evidence e = {B = 1}, each node with its value and its adjoint λ_i = ∂S/∂z_i from
    A λ = −e_root. Right: P(X = 1 | e) ∝ ∂S/∂λ_{X=1}(e), normalised over the states, beside
    enumeration of the joint (for the observed B: P(B = 1 | e without B)).
    """
    p_A = np.array([0.75, 0.25])
    p_B = np.array([[0.875, 0.125], [0.25, 0.75]])  # p_B[a, b] = θ_{B=b|A=a}
    p_C = np.array([[0.75, 0.25], [0.125, 0.875]])  # p_C[a, c] = θ_{C=c|A=a}
    root = spn.Sum([spn.Product([spn.Indicator("A", a), spn.Categorical("B", p_B[a]),
                                 spn.Categorical("C", p_C[a])]) for a in (0, 1)], weights=p_A)
    evidence = {"B": 1}
    g = spn.to_graph(root)
    values = spn.indicators(root, evidence)
    A, b = lagrange.lagrange_matrix(g, values, g.order[-1])
    adjoint = dict(zip(g.order, backslash(A, b)))  # one back substitution
    from_solve = {}
    for X in "ABC":
        row = np.array([adjoint[spn.indicator_name(X, v)] for v in (0, 1)])
        from_solve[X] = row / row.sum()
    joint = np.einsum("a,ab,ac->abc", p_A, p_B, p_C)  # P[a, b, c] = θ_a θ_{b|a} θ_{c|a}
    given = kl.condition(joint, {1: 1})  # P(a, b, c | B = 1)
    brute = {"A": kl.marginal(given, [0]), "B": kl.marginal(joint, [1]),
             "C": kl.marginal(given, [2])}

    fig = figure(8.0, 6.4)
    ax_g, ax_m = fig.subplots(1, 2, width_ratios=(3.0, 1.0),
                              gridspec_kw=dict(left=0.0, right=0.98, bottom=0.1, top=0.87,
                                               wspace=0.12))
    plots.draw_graph(g, values=g.forward(values), adjoints=adjoint, ax=ax_g,
                     title="the SPN at e = {B = 1}: value z_i, adjoint λ_i = ∂S/∂z_i")
    ax_g.title.set_fontsize(10)
    plots.marginal_dots({"backward pass": [from_solve[X][1] for X in "ABC"],
                         "enumeration": [brute[X][1] for X in "ABC"]},
                        ["A", "B", "C"], ax=ax_m, ylabel="P(X = 1 | e)",
                        styles={"enumeration": dict(color=palette.BLACK, marker="x", ms=9, mew=2)})
    ax_m.legend(fontsize=8, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                borderaxespad=0.2)  # one column: the panel is narrow
    ax_m.set_ylim(0, 1)
    ax_m.set_xlim(-0.6, 2.6)
    ax_m.set_xlabel("for the observed B:\nP(B = 1 | e without B)", fontsize=8)
    fig.suptitle("Lesson 09 · one back substitution on a sum–product network = all marginals",
                 fontsize=11)
    return fig
