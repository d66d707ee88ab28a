r"""plots, widgets and checks import their modules on first use: every public name still
resolves to its home module's object, and importing a package alone loads none of them."""

import importlib
import subprocess
import sys

import pytest

from course_lib import checks, plots, widgets


@pytest.mark.parametrize("package", [plots, widgets, checks])
def test_every_public_name_is_its_home_modules_object(package):
    homes = getattr(package, "_HOME", {})
    for name in package.__all__:
        value = getattr(package, name)
        if name in homes:
            home = importlib.import_module(f"{package.__name__}.{homes[name]}")
            assert value is getattr(home, name), name
        assert name in dir(package)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        package.not_a_name  # noqa: B018


def test_plots_describe_is_the_function_not_its_module():
    assert callable(plots.describe) and plots.describe.__module__ == "course_lib.plots.describe"


def test_importing_the_packages_loads_no_lesson_module():
    code = ("import sys; from course_lib import checks, plots, widgets; "
            "print(sorted(m for m in sys.modules if m.startswith('course_lib.')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert "course_lib.plots.alpha_projections" not in loaded
    assert "course_lib.widgets.probability" not in loaded
    assert "course_lib.checks.semirings" not in loaded
    assert "course_lib.plots.describe" in loaded  # eager: see plots/__init__
