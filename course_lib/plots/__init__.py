r"""Pure plotting functions: each takes ``ax=None`` and returns the Axes it drew on (or, for a
plot a live panel updates in place, the dict of artists its ``update_*`` partner changes).

Split by what they draw; every public name is re-exported here, so ``plots.spy(...)`` works:

| module | draws |
|---|---|
| :mod:`~course_lib.plots.graphs` | computation graphs, adjoint status on a graph, factor graphs |
| :mod:`~course_lib.plots.matrices` | spy plots, a triangular solve row by row, status grids |
| :mod:`~course_lib.plots.curves` | log–log scaling, convergence, BP trajectories, losses, series |
| :mod:`~course_lib.plots.bars` | marginals as bars, named bars, dots per method, histograms |
| :mod:`~course_lib.plots.distributions` | the probability simplex, contour maps, IPF on a table |
| :mod:`~course_lib.plots.schedules` | checkpointing schedules as time–step diagrams |
| :mod:`~course_lib.plots.semirings` | a back substitution swept over a semiring on a small DAG |
| :mod:`~course_lib.plots.alpha_projections` | a bimodal density and its α-projections onto Gaussians (14) |
| :mod:`~course_lib.plots.palette` | every colour (colour-blind safe), markers and dashes |
| :mod:`~course_lib.plots.describe` | descriptions of figures (alt text), :func:`describe_figures` |
| :mod:`~course_lib.plots.log_axes` | plain-text log tick labels |
"""

from course_lib.plots import elimination, palette  # noqa: F401  (elimination: lesson 13)
from course_lib.plots.alpha_projections import alpha_projection_plot, update_alpha_projection_plot
from course_lib.plots.bars import (
    marginal_bars,
    marginal_dots,
    named_bars,
    sweeps_histogram,
    update_marginal_bars,
    update_named_bars,
)
from course_lib.plots.curves import (
    bp_trajectories,
    convergence_plot,
    eigenvalue_plot,
    loglog_scaling,
    series_plot,
    training_curves,
    update_bp_trajectories,
    update_convergence_plot,
    update_eigenvalue_plot,
)
from course_lib.plots.describe import describe, describe_figures, description
from course_lib.plots.distributions import (
    ERROR_FLOOR,
    SIMPLEX_CORNERS,
    contour_map,
    ipf_progress,
    simplex_picture,
    simplex_xy,
    update_ipf_progress,
)
from course_lib.plots.graphs import (
    STATUS_COLORS,
    STATUS_LABELS,
    adjoint_status,
    depths,
    draw_factor_graph,
    draw_graph,
    factor_graph_layout,
    graph_layout,
    status_graph,
    update_graph_labels,
    update_status_graph,
)
from course_lib.plots.log_axes import plain_log_labels
from course_lib.plots.matrices import (
    nonzero_pattern,
    show_substitution_step,
    solution_column,
    spy,
    status_history,
    step_equation,
    substitution_step,
    update_solution_column,
)
from course_lib.plots.schedules import schedule_diagram, schedule_timeline, update_schedule_diagram
from course_lib.plots.semirings import sweep_dag, update_sweep_dag

__all__ = [
    # graphs
    "depths", "graph_layout", "draw_graph", "update_graph_labels", "STATUS_COLORS",
    "STATUS_LABELS", "adjoint_status", "status_graph", "update_status_graph",
    "factor_graph_layout", "draw_factor_graph",
    # matrices
    "nonzero_pattern", "spy", "step_equation", "solution_column", "update_solution_column",
    "substitution_step", "show_substitution_step", "status_history",
    # curves
    "loglog_scaling", "bp_trajectories", "update_bp_trajectories", "series_plot",
    "convergence_plot", "update_convergence_plot", "eigenvalue_plot", "update_eigenvalue_plot",
    "training_curves",
    # bars
    "marginal_bars", "update_marginal_bars", "named_bars", "update_named_bars", "marginal_dots",
    "sweeps_histogram",
    # distributions
    "SIMPLEX_CORNERS", "simplex_xy", "simplex_picture", "contour_map", "ERROR_FLOOR",
    "ipf_progress", "update_ipf_progress",
    "alpha_projection_plot", "update_alpha_projection_plot",  # alpha_projections
    # axes, colours, descriptions
    "plain_log_labels", "palette", "describe", "description", "describe_figures",
    "schedule_diagram", "update_schedule_diagram", "schedule_timeline",  # schedules
    "sweep_dag", "update_sweep_dag",  # semirings
]
