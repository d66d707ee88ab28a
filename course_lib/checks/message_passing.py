r"""Exercise checks for notebooks/07_belief_propagation.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
