r"""Exercise checks for notebooks/01_computation_as_equations.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
