r"""Helpers for the course *Backprop as Linear Algebra* (see ARCHITECTURE.md at the repository root).

Math layer (numpy, scipy, sympy only). The one back substitution: ``substitution``
(``substitute``, the readable kernel, and the public solves) with its engine
``substitution_engine`` and ``element_arithmetic``. The tracks that run it: ``graph``,
``symbolic``, ``lagrange``, ``autodiff``, ``operators`` (``operator_algebra``,
``elementary_operators``), ``mlp``, ``iterative``, ``factor_graph`` (``factor_graph_models``),
``bp`` (``bp_messages``, ``bp_schedules``), ``spn`` (``spn_nodes``, ``spn_network``,
``spn_sampling``), ``semiring`` (``semiring_systems``); also ``kl`` (``mean_field``,
``distributions``), ``hamming``, and the helpers ``dag``, ``enumeration``, ``rng``,
``lazy_exports``.
MAP on trees: ``max_product`` (max-product BP, re-exported by ``bp``; lesson 12).
Lesson 14 adds ``expectation_propagation`` (local M-projections) and ``alpha_divergence``.

Presentation layer (may import the math layer, never the reverse): ``plots``,
``widgets``, ``checks``, ``figures``.

Import modules explicitly, e.g. ``from course_lib import lagrange``.
"""

__all__: list[str] = []
