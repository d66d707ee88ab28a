r"""Exercise checks for notebooks/08_kl_projections.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
