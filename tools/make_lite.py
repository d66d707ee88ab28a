r"""Build the course as a static JupyterLite site: the notebooks run in the browser, nothing installed.

    python tools/make_lite.py [OUT]        (what `make lite` runs; OUT defaults to lite/)

What the site holds, served from the site itself (any static host, or ``python -m http.server``):

- every notebook of ``notebooks/`` (JupyterLite's file browser; the index opens lesson 00);
- the Pyodide core (``pyodide.mjs``, ``pyodide.asm.wasm``, the standard library), from the npm
  package ``pyodide`` pinned in ``web/lite/package.json`` to the version jupyterlite-pyodide-kernel
  0.8.6 was built for (314.0.6), installed by ``npm ci`` in ``web/lite``;
- ``course_lib`` as a wheel, built from this checkout;
- the pure-Python wheels the notebooks and the kernel import (sympy, mpmath, networkx, IPython
  and what it needs, micropip, packaging, ipywidgets, comm …), from PyPI at the versions Pyodide's
  lock file names, so their entries in the site's ``pyodide-lock.json`` point at the site.

Pyodide's compiled packages (numpy, scipy, matplotlib and what they need) are on none of the
registries this project reaches, so the site's lock file points them at Pyodide's own
distribution **of the same version** (``PYODIDE_CDN``), loaded at page load: the browser needs
the internet for them. The landing page says so.

The build checks its tools first and names what to install when one is missing (jupyterlite-core
and jupyterlite-pyodide-kernel from requirements-dev.txt; npm).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import site_build  # tools/ is on the path: these tools are scripts, not a package
from site_build import BuildError, clear_output, mark_output

ROOT = Path(__file__).resolve().parents[1]
WEB_LITE = ROOT / "web" / "lite"
PYODIDE_NPM = WEB_LITE / "node_modules" / "pyodide"
PYODIDE_VERSION = "314.0.6"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"
# Pure-Python packages of Pyodide's lock served from the site (the kernel's start-up set, and
# what the lessons import that needs no compiled code); the rest of the lock goes to PYODIDE_CDN.
LOCAL_FROM_LOCK = (
    "micropip", "packaging", "ipython", "asttokens", "decorator", "executing",
    "matplotlib-inline", "prompt-toolkit", "pure-eval", "pygments", "six", "stack-data",
    "traitlets", "wcwidth", "jedi", "parso", "sympy", "mpmath", "networkx", "typing-extensions",
)
# Not in Pyodide's lock: added to it, wheels from PyPI at the versions requirements.txt pins.
EXTRA_PACKAGES = {"comm": ("comm",), "ipywidgets": ("ipywidgets",),
                  "jupyterlab-widgets": ("jupyterlab_widgets",)}


class LiteError(BuildError):
    r"""The site cannot be built; the message is one sentence saying what to do."""


def check_tools() -> None:
    r"""Name every missing tool at once, in one sentence."""
    missing = []
    for module, package in (("jupyterlite_core", "jupyterlite-core==0.8.6"),
                            ("jupyterlite_pyodide_kernel", "jupyterlite-pyodide-kernel==0.8.6")):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"{package} (pip install -r requirements-dev.txt)")
    if shutil.which("npm") is None and not (PYODIDE_NPM / "pyodide.mjs").is_file():
        missing.append("npm (Debian: apt-get install nodejs npm), which fetches the pinned "
                       "Pyodide core into web/lite/node_modules")
    if missing:
        raise LiteError("make lite needs " + "; ".join(missing) + ".")


def pinned(name: str) -> str:
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        pkg, _, version = line.partition("==")
        if pkg.strip().lower().replace("_", "-") == name:
            return version.strip()
    raise LiteError(f"{name} is not pinned in requirements.txt")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(cmd: list[str], what: str, cwd: Path = ROOT, env: dict | None = None) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise LiteError(f"{what} failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")


def install_pyodide() -> Path:
    if not (PYODIDE_NPM / "pyodide.mjs").is_file():
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            "npm ci in web/lite", cwd=WEB_LITE)
    got = json.loads((PYODIDE_NPM / "package.json").read_text())["version"]
    if got != PYODIDE_VERSION:
        raise LiteError(f"web/lite/node_modules has pyodide {got}, the kernel needs "
                        f"{PYODIDE_VERSION}: delete web/lite/node_modules and run make lite")
    return PYODIDE_NPM


def download(spec: str, dest: Path) -> Path:
    r"""One pure-Python wheel from PyPI (pip's own client), without its dependencies."""
    before = set(dest.glob("*.whl"))
    run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--python-version", "3.14", "--implementation", "py", "--abi", "none",
         "--platform", "any", "-d", str(dest), spec], f"downloading {spec} from PyPI")
    new = set(dest.glob("*.whl")) - before
    name = spec.split("==")[0].lower().replace("-", "_")
    found = new or {p for p in dest.glob("*.whl") if p.name.lower().startswith(name + "-")}
    if not found:
        raise LiteError(f"pip downloaded no wheel for {spec}")
    return sorted(found)[-1]


# Added to the site's copy of Pyodide's standard library as sitecustomize.py (Python imports it
# at start-up): a last import finder that turns "No module named 'numpy'" into the reason.
OFFLINE_HINT = r'''"""Say why a package of Pyodide's distribution is missing (added by tools/make_lite.py)."""
import sys


class _FromPyodideDistribution:
    """Last on sys.meta_path: reached only when no other finder found the module."""

    names = NAMES
    cdn = CDN

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if path is None and top in self.names:
            raise ModuleNotFoundError(
                f"{top} could not be loaded: this site does not hold Pyodide's compiled "
                f"packages, it fetches them at page load from {self.cdn}, and that failed "
                "(no internet connection?). Reconnect and restart the kernel.", name=name)
        return None


sys.meta_path.append(_FromPyodideDistribution())
'''


def add_offline_hint(core: Path, lock: dict) -> None:
    r"""Put OFFLINE_HINT into the site's python_stdlib.zip, naming the import names of every
    package the lock takes from Pyodide's distribution."""
    import zipfile

    names = sorted({imp for e in lock["packages"].values()
                    if e["file_name"].startswith(PYODIDE_CDN) for imp in e.get("imports", [])})
    text = OFFLINE_HINT.replace("NAMES", repr(names)).replace("CDN", repr(PYODIDE_CDN))
    with zipfile.ZipFile(core / "python_stdlib.zip", "a") as archive:
        if "sitecustomize.py" not in archive.namelist():
            archive.writestr("sitecustomize.py", text)


def course_lib_wheel(dest: Path) -> Path:
    with tempfile.TemporaryDirectory() as tmp:
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp, str(ROOT)],
            "building the course_lib wheel")
        (wheel,) = Path(tmp).glob("course_lib-*.whl")
        return Path(shutil.copy(wheel, dest / wheel.name))


def patched_lock(lock: dict, wheels: Path) -> dict:
    r"""Pyodide's lock file with the bundled packages pointing at the site (``wheels`` beside
    it) and every other package at Pyodide's distribution of the same version."""
    lock = json.loads(json.dumps(lock))
    packages = lock["packages"]
    for name, entry in packages.items():
        if name in LOCAL_FROM_LOCK:
            wheel = download(f"{name}=={entry['version']}", wheels)
            entry["file_name"] = wheel.name
            entry["sha256"] = sha256(wheel)
        else:
            entry["file_name"] = PYODIDE_CDN + entry["file_name"]
    for name, imports in EXTRA_PACKAGES.items():
        wheel = download(f"{name}=={pinned(name)}", wheels)
        packages[name] = {"name": name, "version": pinned(name), "file_name": wheel.name,
                          "install_dir": "site", "sha256": sha256(wheel), "package_type": "package",
                          "imports": list(imports), "depends": ["traitlets"]}
    packages["ipywidgets"]["depends"] = ["comm", "ipython", "traitlets", "jupyterlab-widgets"]
    wheel = course_lib_wheel(wheels)
    packages["course-lib"] = {
        "name": "course-lib", "version": wheel.name.split("-")[1], "file_name": wheel.name,
        "install_dir": "site", "sha256": sha256(wheel), "package_type": "package",
        "imports": ["course_lib"],
        "depends": ["numpy", "scipy", "sympy", "matplotlib", "networkx", "ipywidgets"]}
    return lock


def build(out: Path) -> Path:
    check_tools()
    pyodide = install_pyodide()
    out = Path(out).resolve()
    clear_output(out, "make_lite", LiteError)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lite_dir = work / "lite-dir"
        core = lite_dir / "static" / "pyodide"  # where the kernel's build addon looks for it
        shutil.copytree(pyodide, core, ignore=shutil.ignore_patterns("*.map", "*.d.ts", "*.html",
                                                                     "README.md"))
        lock = json.loads((core / "pyodide-lock.json").read_text())
        lock = patched_lock(lock, core)
        (core / "pyodide-lock.json").write_text(json.dumps(lock))
        add_offline_hint(core, lock)
        (lite_dir / "jupyter-lite.json").write_text(json.dumps({
            "jupyter-lite-schema-version": 0,
            "jupyter-config-data": {
                "appName": "Backprop as Linear Algebra",
                # nbgrader's JupyterLab extension (installed for maintainers) needs a server
                "disabledExtensions": ["@jupyter/nbgrader"],
                "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": {
                    "pyodideUrl": "./static/pyodide/pyodide.mjs"}}}}))
        run([sys.executable, "-m", "jupyterlite_core", "build", "--lite-dir", str(lite_dir),
             "--contents", str(ROOT / "notebooks"),
             "--output-dir", str(out), "--no-sourcemaps"], "jupyter lite build",
            cwd=work,  # it writes its task database into the working directory
            # jupyterlite refuses SOURCE_DATE_EPOCH=0 (the test environment's)
            env={k: v for k, v in os.environ.items()
                 if not (k == "SOURCE_DATE_EPOCH" and v.strip() in ("", "0"))})
    mark_output(out, "make_lite")
    (out / "course.html").write_text(landing_page(), encoding="utf-8")
    return out


def landing_page() -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Backprop as Linear Algebra — live</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 50em; margin: 2em auto;
padding: 0 1em; line-height: 1.5; }} .note {{ background: #fff8e1; border: 1px solid #e0c36c;
padding: 0.6em 1em; }}</style></head>
<body><h1>Backprop as Linear Algebra — the live course</h1>
<p><a href="lab/index.html?path=00_start_here.ipynb">Open the course in JupyterLite</a>: the
notebooks run in your browser (Python compiled to WebAssembly by Pyodide), nothing installed.</p>
<div class="note" role="note"><p>Served from this site: the notebooks, the Pyodide {PYODIDE_VERSION}
core, <code>course_lib</code> and the pure-Python packages (sympy, mpmath, networkx, IPython,
ipywidgets …). <strong>Pyodide's compiled packages (numpy, scipy, matplotlib) are not</strong>:
they are loaded at page load from Pyodide's own distribution, version {PYODIDE_VERSION}
(<code>{PYODIDE_CDN}</code>), so the lessons need an internet connection. Offline, a cell that
needs numpy stops with an error saying that it could not be fetched.</p></div>
</body></html>
"""


def main(argv: list[str]) -> int:
    return site_build.main(argv, "make_lite", ROOT / "lite", build, lambda _, site: print(
        f"{site}  (serve it: python -m http.server -d {site}; open course.html)"))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
