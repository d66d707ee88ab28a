r"""Every assignment of a few discrete variables, for the brute-force oracles.

An assignment of variables with ``states = (k_0, …, k_{d−1})`` numbers of states is a row
``(x_0, …, x_{d−1})`` with ``0 ≤ x_i < k_i``; there are ``Π_i k_i`` of them. They are listed in
lexicographic order, the last variable changing fastest — the order of ``itertools.product`` and
of a C-ordered array with one axis per variable, so row ``r`` is the entry ``table.flat[r]``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

__all__ = ["assignments", "MAX_ASSIGNMENTS"]

#: Refusal threshold: more assignments than this is not a brute-force job.
MAX_ASSIGNMENTS = 2**22


def assignments(states: Sequence[int], max_count: int = MAX_ASSIGNMENTS) -> np.ndarray:
    r"""All assignments as an int array of shape ``(Π_i k_i, d)``, last variable fastest."""
    states = tuple(states)
    for k in states:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ValueError(f"every number of states must be a positive integer, got {states!r}")
    count = math.prod(states)
    if count > max_count:
        raise ValueError(f"{count} assignments of {len(states)} variables is above "
                         f"max_count={max_count}: enumeration is for small problems")
    return np.indices(states, dtype=np.intp).reshape(len(states), count).T.copy()
