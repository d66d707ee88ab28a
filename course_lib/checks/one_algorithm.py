r"""Exercise checks for notebooks/10_one_algorithm.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
