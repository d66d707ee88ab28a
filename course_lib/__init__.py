r"""Helpers for the course *Backprop as Linear Algebra*.

Math layer (numpy, scipy, sympy only): ``graph``, ``symbolic``, ``lagrange``,
``substitution``, ``operators``, ``mlp``, ``autodiff``, ``iterative``,
``factor_graph``, ``bp``, ``kl``, ``spn``.

Presentation layer (may import the math layer, never the reverse): ``plots``,
``widgets``, ``checks``, ``figures``.

Import modules explicitly, e.g. ``from course_lib import lagrange``.
"""

__all__: list[str] = []
