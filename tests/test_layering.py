"""The math layer never imports the presentation layer's libraries.

Each math-layer module is imported in a fresh interpreter (so nothing imported by
another test can hide a leak) and ``sys.modules`` is inspected afterwards.
"""

import importlib.util
import pkgutil
import subprocess
import sys

import pytest

import course_lib

# Every top-level module of course_lib except the presentation layer's packages: a new math
# module is covered the day it is added.
PRESENTATION = {"plots", "widgets", "checks", "figures"}
MATH_LAYER = sorted(m.name for m in pkgutil.iter_modules(course_lib.__path__)
                    if m.name not in PRESENTATION)
FORBIDDEN = ["matplotlib", "ipywidgets", "IPython"]


def _present(module: str) -> bool:
    return importlib.util.find_spec(f"course_lib.{module}") is not None


@pytest.mark.parametrize("module", [m for m in MATH_LAYER if _present(m)])
def test_math_module_imports_no_presentation_library(module):
    code = (
        f"import sys, course_lib.{module}\n"
        f"bad = sorted(m for m in {FORBIDDEN!r} if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "", f"course_lib.{module} imports {out}"


def test_layering_check_sees_a_leak():
    """The check itself can fail: importing the plots module does pull matplotlib in."""
    code = "import sys, course_lib.plots; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "True"


def test_no_module_of_course_lib_is_over_400_lines():
    r"""Small modules, one concept each (issue 19): a module that grows past 400 lines is split."""
    from pathlib import Path

    root = Path(course_lib.__file__).parent
    sizes = {str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines())
             for p in root.rglob("*.py")}
    assert len(sizes) > 40  # the whole package was read
    assert {name: n for name, n in sizes.items() if n > 400} == {}
