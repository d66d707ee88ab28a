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


# What lessons 02 and 03 import in their first cell; neither builds a sparse system there.
SYMBOLIC_LESSON_IMPORTS = ["lagrange", "graph", "symbolic", "autodiff", "substitution", "checks",
                           "plots", "widgets"]


def _scipy_after(code: str) -> bool:
    code = f"import sys\n{code}\nprint(any(m.split('.')[0] == 'scipy' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    return out == "True"


def test_symbolic_lessons_import_no_scipy():
    r"""Importing scipy.sparse costs 0.1–0.2 s of a lesson's Run-All (issue 15's 5 s budget):
    course_lib.lagrange imports it on first use of a sparse function, not at import."""
    imports = "\n".join(f"import course_lib.{m}" for m in SYMBOLIC_LESSON_IMPORTS)
    assert not _scipy_after(imports)


def test_scipy_check_sees_a_sparse_solve():
    """The check itself can fail: a sparse solve does import scipy, and still solves."""
    code = ("import numpy as np, course_lib.lagrange as lg\n"
            "A, b = lg.random_dag_system(50, seed=1)\n"
            "lam = lg.sparse_adjoints(A, b)\n"
            "assert np.allclose(A @ lam, b)")
    assert _scipy_after(code)
