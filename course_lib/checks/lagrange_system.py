r"""Exercise checks for notebooks/03_lagrange_matrix.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
