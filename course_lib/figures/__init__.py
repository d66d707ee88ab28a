r"""The course's static figures, one ``fig_<name>()`` per file in ``figures/``.

    python -m course_lib.figures figures        # or: make figures
    python -m course_lib.figures --describe     # print each figure's description (alt text)

Each function rebuilds one picture of a lesson from the math layer, with the lesson's own
equations, data and seeds, and returns the figure; ``write_all`` saves them as PNG with
fixed metadata, so the same versions give the same bytes. No figure shows a timing.

| figure | lesson | the idea |
|---|---|---|
| ``small_network`` | 01 | ``z_i = f_i(z_a(i))``, the forward pass |
| ``expression_swell`` | 02 | naive ``diff`` of the formula grows exponentially; shared adjoints linearly |
| ``lagrange_sparsity`` | 03 | ``A = Jᵀ − I`` is upper triangular; its pattern is the graph |
| ``adjoints_converging`` | 06 | Jacobi on (I − Jᵀ) λ = v: exact after longest path + 1 on a DAG, rate ρ(J) on a cycle |
| ``loopy_bp`` | 07 | sum–product on a loopy graph: oscillation, damping, an approximate fixed point |
| ``kl_projections`` | 08 | I- versus M-projection on the simplex; the I-projection is an exponential tilt |
| ``spn_marginals`` | 09 | one back substitution on an SPN gives every marginal |
| ``one_algorithm`` | 10 | three upper-triangular systems, one ``backslash`` each |
"""

from __future__ import annotations

import sys
from pathlib import Path

from course_lib import plots
from course_lib.figures.probability import fig_kl_projections, fig_loopy_bp, fig_spn_marginals
from course_lib.figures.solves import (
    SMALL_INPUTS,
    SMALL_NETWORK,
    SMALL_POINT,
    fig_adjoints_converging,
    fig_expression_swell,
    fig_lagrange_sparsity,
    fig_one_algorithm,
    fig_small_network,
)

__all__ = ["SMALL_NETWORK", "SMALL_INPUTS", "SMALL_POINT", "fig_small_network",
           "fig_expression_swell", "fig_lagrange_sparsity", "fig_adjoints_converging",
           "fig_loopy_bp", "fig_kl_projections", "fig_spn_marginals", "fig_one_algorithm",
           "FIGURES", "write_all", "describe_all", "main"]

FIGURES = {
    "small_network": fig_small_network,
    "expression_swell": fig_expression_swell,
    "lagrange_sparsity": fig_lagrange_sparsity,
    "adjoints_converging": fig_adjoints_converging,
    "loopy_bp": fig_loopy_bp,
    "kl_projections": fig_kl_projections,
    "spn_marginals": fig_spn_marginals,
    "one_algorithm": fig_one_algorithm,
}


def _made():
    r"""Each figure in turn, ``(name, figure)``, closed once the caller is done with it."""
    import matplotlib.pyplot as plt

    for name, make in FIGURES.items():
        fig = make()
        try:
            yield name, fig
        finally:
            plt.close(fig)


def write_all(folder: Path) -> list[Path]:
    r"""Write every figure as ``folder/<name>.png`` (deterministic: no dates, fixed dpi).

    Each PNG carries the figure's description (:func:`course_lib.plots.description`) as its
    ``Description`` text chunk: the alt text travels with the picture.
    """
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, fig in _made():
        path = folder / f"{name}.png"
        fig.savefig(path, dpi=100, metadata={"Software": None,
                                              "Description": plots.description(fig)})
        written.append(path)
    return written


def describe_all() -> dict[str, str]:
    r"""``{name: description}`` of every figure: what its alt text should say."""
    return {name: plots.description(fig) for name, fig in _made()}


def main(argv: list[str] | None = None) -> None:
    r"""``python -m course_lib.figures [FOLDER]`` writes the figures; ``--describe`` prints them."""
    import matplotlib

    matplotlib.use("Agg")
    args = sys.argv[1:] if argv is None else argv
    if "--describe" in args:
        for name, text in describe_all().items():
            print(f"{name}: {text}\n")
        return
    for p in write_all(Path(args[0]) if args else Path("figures")):
        print(f"wrote {p}")
