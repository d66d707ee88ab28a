r"""Exercise checks for notebooks/06_adjoints_converging.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
