r"""Self-checks for the notebooks' exercises.

A check is a test of the student's answer. It prints exactly one line starting with ``ok``
when the answer is right, and otherwise raises an ``AssertionError`` of one or two lines
that says what was expected and what came back.

Two kinds live here:

- value comparisons (:mod:`.values`): ``close``, ``sym_equal``, ``equal``, ``grad_matches``,
  used in the lessons' own cells to check a claim right after it is made;
- exercise checks, one module per topic (``checks.reverse_mode.vjp_function(answer)`` …),
  built on :mod:`.exercise`. They judge the answer, not the notebook's printed numbers: they
  call the student's function or expression on fresh inputs the notebook never printed,
  compare every entry, verify the method where the prompt names one (spies on the solvers),
  and cannot pass on a name left over from an earlier run of the answer cell (the answer cell
  first resets its names to ``None``; a ``None`` answer fails as "no answer yet").
"""

from . import (
    computation,  # 01_computation_as_equations
    elimination_gaussian,  # noqa: F401  (13_elimination_and_gaussian_bp)
    exercise,
    first_steps,  # 00_start_here
    iterative_adjoints,  # 06_adjoints_converging
    lagrange_system,  # 03_lagrange_matrix
    local_projections,  # 14_bp_as_local_projections
    memory_second_order,  # 11_memory_and_second_order
    message_passing,  # 07_belief_propagation
    one_algorithm,  # 10_one_algorithm
    operator_backprop,  # 04_backslash_operators
    projections,  # 08_kl_projections
    reverse_mode,  # 05_reverse_mode_and_vjp
    semirings,  # noqa: F401  12_semirings
    spn_inference,  # 09_sum_product_networks
    symbolic_derivation,  # 02_symbolic_backprop
)
from .values import central_difference, close, equal, grad_matches, sym_equal

__all__ = ["close", "sym_equal", "equal", "grad_matches", "central_difference", "exercise",
           "first_steps", "computation", "symbolic_derivation", "lagrange_system", "operator_backprop", "reverse_mode", "iterative_adjoints", "message_passing", "projections", "spn_inference", "one_algorithm",
           "memory_second_order", "local_projections"]
