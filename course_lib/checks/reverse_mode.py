r"""Exercise checks for notebooks/05_reverse_mode_and_vjp.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
