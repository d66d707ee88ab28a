r"""Exercise checks for notebooks/04_backslash_operators.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
