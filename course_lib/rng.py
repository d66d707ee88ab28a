r"""One way to turn an ``rng`` argument into a numpy random Generator."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_generator"]


def as_generator(rng, *, allow_none: bool = True) -> np.random.Generator:
    r"""A Generator from a Generator (returned as is), an integer seed, or None (fresh entropy).

    ``allow_none=False`` refuses None, for functions whose results must be reproducible.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    if rng is None and allow_none:
        return np.random.default_rng()
    allowed = "a numpy Generator (np.random.default_rng(seed)) or an integer seed"
    raise TypeError(f"rng must be {allowed}{'' if not allow_none else ' or None'}, got {rng!r}")
