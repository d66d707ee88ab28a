r"""Exercise checks for notebooks/00_start_here.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
