r"""Thin ipywidgets wrappers around :mod:`course_lib.plots`.

| module | widgets |
|---|---|
| :mod:`~course_lib.widgets.panels` | :func:`panel`, :func:`live_panel`, :func:`png_image`, :class:`Frames` |
| :mod:`~course_lib.widgets.solves` | the forward pass, back substitution, adjoints converging |
| :mod:`~course_lib.widgets.schedules` | checkpointing schedules (11) |
| :mod:`~course_lib.widgets.semirings` | the semiring sweep stepper (12) |
| :mod:`~course_lib.widgets.probability` | SPN evidence, loopy BP, Hamming decoding, IPF |
| :mod:`~course_lib.widgets.alpha_projections` | the α slider of Minka's divergences (14) |

Every public name is re-exported here: ``widgets.ipf_explorer(...)``.
"""

from course_lib.lazy_exports import lazy_exports

# Each public name lives in the module that draws it; it is imported on first use (PEP 562), so a
# lesson's first cell does not pay for other lessons' plots (e.g. 14's scipy.optimize).
_HOME = {
    "alpha_projection_explorer": "alpha_projections",
    "elimination_explorer": "elimination",
    "grid_orders": "elimination",
    "DescribedPNG": "panels",
    "Frames": "panels",
    "live_panel": "panels",
    "panel": "panels",
    "png_image": "panels",
    "BPRun": "probability",
    "Results": "probability",
    "evidence_explorer": "probability",
    "hamming_explorer": "probability",
    "ipf_explorer": "probability",
    "loopy_bp_explorer": "probability",
    "schedule_explorer": "schedules",
    "semiring_sweep_explorer": "semirings",
    "JACOBI": "solves",
    "adjoint_iteration_explorer": "solves",
    "back_substitution_stepper": "solves",
    "forward_pass_explorer": "solves",
    "implicit_adjoint_explorer": "solves",
}
_SUBMODULES = {"alpha_projections", "elimination", "panels", "probability", "schedules",
                "semirings", "solves"}

__all__ = ["panel", "live_panel", "png_image", "Frames", "DescribedPNG", "forward_pass_explorer",
           "back_substitution_stepper", "JACOBI", "adjoint_iteration_explorer",
           "implicit_adjoint_explorer", "Results", "evidence_explorer", "loopy_bp_explorer",
           "BPRun", "hamming_explorer", "ipf_explorer", "schedule_explorer",
           "semiring_sweep_explorer", "alpha_projection_explorer"]


__getattr__, __dir__ = lazy_exports(__name__, _HOME, _SUBMODULES, __all__)
