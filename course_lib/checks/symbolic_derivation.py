r"""Exercise checks for notebooks/02_symbolic_backprop.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
