r"""A package's public names imported from their modules on first use (PEP 562).

``plots``, ``widgets`` and ``checks`` re-export names from many modules; importing them all
would make a lesson's first cell pay for every other lesson's imports (14's scipy.optimize,
13's elimination plots, fifteen lessons' exercise checks). Each package instead binds

    __getattr__, __dir__ = lazy_exports(__name__, homes, submodules, __all__)

where ``homes`` maps a public name to the module that defines it and ``submodules`` names the
modules reachable as attributes (``plots.palette``). A name, once imported, is bound in the
package, so ``__getattr__`` runs once per name.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str], submodules: Iterable[str],
                 public: Iterable[str]) -> tuple[Callable[[str], object], Callable[[], list]]:
    r"""The ``__getattr__`` and ``__dir__`` of ``package`` (its ``__name__``)."""
    homes, submodules, public = dict(homes), frozenset(submodules), frozenset(public)
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str):
        if name in homes:
            value = getattr(importlib.import_module(f".{homes[name]}", package), name)
        elif name in submodules:
            value = importlib.import_module(f".{name}", package)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | public | submodules)

    return __getattr__, __dir__
