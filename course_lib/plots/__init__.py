r"""Pure plotting functions: each takes ``ax=None`` and returns the Axes it drew on (or, for a
plot a live panel updates in place, the dict of artists its ``update_*`` partner changes).

Split by what they draw; every public name is re-exported here, so ``plots.spy(...)`` works:

| module | draws |
|---|---|
| :mod:`~course_lib.plots.graphs` | computation graphs, adjoint status on a graph |
| :mod:`~course_lib.plots.factor_graphs` | factor graphs: variables, factors, evidence |
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
| :mod:`~course_lib.plots.span_axes` | axes whose range follows a span while their limits stay put |
"""

from course_lib.lazy_exports import lazy_exports

# Eager, and before anything else: importing the submodule ``describe`` would otherwise bind
# ``plots.describe`` to the module, hiding the function of the same name.
from course_lib.plots.describe import describe, describe_figures, description

# Each public name lives in the module that draws it; it is imported on first use (PEP 562), so a
# lesson's first cell does not pay for other lessons' plots (e.g. 14's scipy.optimize).
_HOME = {
    "alpha_projection_plot": "alpha_projections",
    "update_alpha_projection_plot": "alpha_projections",
    "marginal_bars": "bars",
    "marginal_dots": "bars",
    "named_bars": "bars",
    "sweeps_histogram": "bars",
    "update_marginal_bars": "bars",
    "update_named_bars": "bars",
    "bp_trajectories": "curves",
    "convergence_plot": "curves",
    "eigenvalue_plot": "curves",
    "loglog_scaling": "curves",
    "series_plot": "curves",
    "training_curves": "curves",
    "update_bp_trajectories": "curves",
    "update_convergence_plot": "curves",
    "update_eigenvalue_plot": "curves",
    "ERROR_FLOOR": "distributions",
    "SIMPLEX_CORNERS": "distributions",
    "contour_map": "distributions",
    "ipf_progress": "distributions",
    "simplex_picture": "distributions",
    "simplex_xy": "distributions",
    "update_ipf_progress": "distributions",
    "ipf_table_text": "distributions",
    "STATUS_COLORS": "graphs",
    "STATUS_LABELS": "graphs",
    "adjoint_status": "graphs",
    "depths": "graphs",
    "draw_factor_graph": "factor_graphs",
    "draw_graph": "graphs",
    "factor_graph_layout": "factor_graphs",
    "graph_layout": "graphs",
    "status_graph": "graphs",
    "update_graph_labels": "graphs",
    "update_status_graph": "graphs",
    "value_texts": "graphs",
    "plain_log_labels": "log_axes",
    "nonzero_pattern": "matrices",
    "show_substitution_step": "matrices",
    "solution_column": "matrices",
    "spy": "matrices",
    "status_history": "matrices",
    "step_equation": "matrices",
    "substitution_step": "matrices",
    "update_solution_column": "matrices",
    "schedule_diagram": "schedules",
    "schedule_timeline": "schedules",
    "update_schedule_diagram": "schedules",
    "sweep_dag": "semirings",
    "update_sweep_dag": "semirings",
}
_SUBMODULES = {"alpha_projections", "bars", "curves", "describe", "distributions", "elimination",
                "factor_graphs", "graphs", "log_axes", "matrices", "palette", "schedules", "semirings",
                "span_axes"}

__all__ = [
    # graphs
    "depths", "graph_layout", "draw_graph", "update_graph_labels", "STATUS_COLORS",
    "STATUS_LABELS", "adjoint_status", "status_graph", "update_status_graph",
    "factor_graph_layout", "draw_factor_graph", "value_texts",
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
    "ipf_progress", "update_ipf_progress", "ipf_table_text",
    "alpha_projection_plot", "update_alpha_projection_plot",  # alpha_projections
    # axes, colours, descriptions
    "plain_log_labels", "palette", "describe", "description", "describe_figures",
    "schedule_diagram", "update_schedule_diagram", "schedule_timeline",  # schedules
    "sweep_dag", "update_sweep_dag",  # semirings
]


__getattr__, __dir__ = lazy_exports(__name__, _HOME, _SUBMODULES, __all__)
