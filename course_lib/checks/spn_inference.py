r"""Exercise checks for notebooks/09_sum_product_networks.ipynb (built on :mod:`.exercise`)."""

from __future__ import annotations

__all__: list[str] = []
