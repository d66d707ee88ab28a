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

from course_lib.widgets.alpha_projections import alpha_projection_explorer
from course_lib.widgets.elimination import elimination_explorer, grid_orders  # noqa: F401  (13)
from course_lib.widgets.panels import DescribedPNG, Frames, live_panel, panel, png_image
from course_lib.widgets.probability import (
    BPRun,
    Results,
    evidence_explorer,
    hamming_explorer,
    ipf_explorer,
    loopy_bp_explorer,
)
from course_lib.widgets.schedules import schedule_explorer
from course_lib.widgets.semirings import semiring_sweep_explorer
from course_lib.widgets.solves import (
    JACOBI,
    adjoint_iteration_explorer,
    back_substitution_stepper,
    forward_pass_explorer,
    implicit_adjoint_explorer,
)

__all__ = ["panel", "live_panel", "png_image", "Frames", "DescribedPNG", "forward_pass_explorer",
           "back_substitution_stepper", "JACOBI", "adjoint_iteration_explorer",
           "implicit_adjoint_explorer", "Results", "evidence_explorer", "loopy_bp_explorer",
           "BPRun", "hamming_explorer", "ipf_explorer", "schedule_explorer",
           "semiring_sweep_explorer", "alpha_projection_explorer"]
