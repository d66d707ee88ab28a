r"""The JupyterLite site of `make lite`, built and opened in headless Chromium with no internet.

The site is built once (tools/make_lite.py, about 2 minutes: the pure-Python wheels come from
PyPI's cache) and served by ``python -m http.server`` on 127.0.0.1. Every request that leaves
that server is aborted, as on a machine without internet. Then:

- the build: every notebook, the Pyodide core of the pinned version, course_lib's wheel and the
  bundled pure wheels are in the site, each lock entry of a bundled wheel matches its file, and
  every compiled package points at Pyodide's distribution of the same version;
- JupyterLab opens every notebook (the kernel files are withheld there, so no kernel boots);
- the Pyodide kernel starts from the site alone (REPL app) and runs a sympy cell from the bundled
  wheel, requesting nothing outside the site;
- a cell that imports numpy ends, within the kernel's start-up time, in the one sentence a student
  reads (make_lite's OFFLINE_HINT: what is missing and why), not a hang or a fetch trace.

Skip rule as tests/browser_support.py (COURSE_REQUIRE_BROWSER turns skips into failures); the
build needs npm for the Pyodide core (web/lite).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from browser_support import (
    free_port,
    launched_chromium,
    require_playwright_and_chromium,
    unavailable,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))  # make_lite is a script, not a package
import make_html  # noqa: E402
import make_lite  # noqa: E402
import nbformat  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_make_lite_without_its_tools_names_what_to_install(monkeypatch, tmp_path):
    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel"):
        monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    monkeypatch.setattr(make_lite.shutil, "which", lambda name: None)
    monkeypatch.setattr(make_lite, "PYODIDE_NPM", tmp_path / "none")
    with pytest.raises(make_lite.LiteError) as err:
        make_lite.check_tools()
    message = str(err.value)
    assert message.count("\n") == 0
    for needed in ("jupyterlite-core==0.8.6", "jupyterlite-pyodide-kernel==0.8.6", "npm"):
        assert needed in message
    assert make_lite.main(["make_lite.py", str(tmp_path / "out")]) == 1


def test_the_pins_agree():
    r"""npm's pyodide, the kernel's own expectation and the CDN the lock points at: one version."""
    from jupyterlite_pyodide_kernel.constants import PYODIDE_VERSION

    package = json.loads((ROOT / "web" / "lite" / "package.json").read_text())
    assert package["dependencies"]["pyodide"] == make_lite.PYODIDE_VERSION == PYODIDE_VERSION
    assert f"/v{PYODIDE_VERSION}/" in make_lite.PYODIDE_CDN
    dev = (ROOT / "requirements-dev.txt").read_text()
    assert "jupyterlite-core==0.8.6" in dev and "jupyterlite-pyodide-kernel==0.8.6" in dev


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if os.environ.get("COURSE_LITE_SITE"):  # a site built before (while working on the tests)
        return Path(os.environ["COURSE_LITE_SITE"])
    if shutil.which("npm") is None and not (make_lite.PYODIDE_NPM / "pyodide.mjs").is_file():
        unavailable("npm is not installed (needed for the Pyodide core of the lite site)")
    out = tmp_path_factory.mktemp("lite") / "site"
    start = time.perf_counter()
    make_lite.build(out)
    print(f"lite site built in {time.perf_counter() - start:.0f} s")
    return out


def test_the_site_holds_everything_it_serves(site):
    files = {p.name for p in (site / "files").glob("*.ipynb")}
    assert files == {p.name for p in NOTEBOOKS}
    core = site / "static" / "pyodide"
    for name in ("pyodide.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"):
        assert (core / name).is_file(), name
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    lock = json.loads((core / "pyodide-lock.json").read_text())["packages"]
    local = {name for name, e in lock.items() if not e["file_name"].startswith("https://")}
    assert {"sympy", "mpmath", "networkx", "ipywidgets", "course-lib", "micropip",
            "ipython"} <= local
    for name in local:
        wheel = core / lock[name]["file_name"]
        assert wheel.is_file(), name
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == lock[name]["sha256"], name
    for name in ("numpy", "scipy", "matplotlib"):
        assert lock[name]["file_name"].startswith(make_lite.PYODIDE_CDN), name
    assert set(lock["course-lib"]["depends"]) >= {"numpy", "scipy", "sympy", "matplotlib"}
    landing = (site / "course.html").read_text()
    assert make_lite.PYODIDE_VERSION in landing and "numpy" in landing and "internet" in landing


# --------------------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def served(site):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind",
                               "127.0.0.1", "-d", str(site)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def offline_browser(served):
    with launched_chromium(require_playwright_and_chromium()) as browser:
        yield browser


def offline_context(browser, base: str, outside: list[str], block_kernel: bool = False):
    r"""A browser context where every request outside ``base`` fails as without internet."""
    context = browser.new_context()

    def route(r):
        url = r.request.url
        if not url.startswith(base):
            outside.append(url)
            return r.abort("internetdisconnected")
        if block_kernel and "/static/pyodide/" in url:
            return r.abort("failed")
        return r.continue_()

    context.route("**/*", route)
    return context


@pytest.mark.browser
def test_the_index_and_every_notebook_open(offline_browser, served):
    outside: list[str] = []
    context = offline_context(offline_browser, served, outside, block_kernel=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served + "course.html")
    assert "Open the course in JupyterLite" in page.inner_text("body")
    page.goto(served + "lab/index.html")
    page.wait_for_selector(".jp-DirListing-item", timeout=120_000)
    listed = page.eval_on_selector_all(".jp-DirListing-itemText", "e => e.map(x => x.innerText)")
    assert {p.name for p in NOTEBOOKS} <= set(listed)
    for nb in NOTEBOOKS:  # opened from the file browser, one app session
        page.locator(".jp-DirListing-itemText", has_text=nb.name).first.dblclick()
        # JupyterLab draws the cells in view (windowing): wait for a screenful and the title
        title = make_html.notebook_title(nbformat.read(nb, as_version=4)).split("$")[0].strip()
        page.wait_for_function(
            "(title) => Array.from(document.querySelectorAll('.jp-NotebookPanel')).some(p =>"
            " p.querySelectorAll('.jp-Cell').length >= 3 && p.innerText.includes(title))",
            arg=title, timeout=120_000)
    context.close()
    assert outside == [], outside[:5]
    # the kernel's files were withheld on purpose: its failure to load is the only error allowed
    assert [e for e in errors if "/static/pyodide/" not in e] == [], errors[:5]


def run_in_repl(browser, base: str, code: str, timeout_s: float) -> tuple[str, float, list[str]]:
    r"""Start the Pyodide kernel in the REPL app with ``code`` as its first cell; return the
    cell's output text, the seconds until it appeared and the requests that left the site."""
    outside: list[str] = []
    context = offline_context(browser, base, outside)
    page = context.new_page()
    start = time.perf_counter()
    page.goto(f"{base}repl/index.html?kernel=python&code=" + urllib.parse.quote(code))
    page.wait_for_function(
        "document.querySelectorAll('.jp-CodeConsole-content .jp-OutputArea-output').length > 0",
        timeout=int(timeout_s * 1000))
    seconds = time.perf_counter() - start
    text = "\n".join(page.eval_on_selector_all(
        ".jp-CodeConsole-content .jp-OutputArea-output", "e => e.map(x => x.innerText)"))
    context.close()
    return text, seconds, outside


@pytest.mark.browser
def test_the_kernel_starts_offline_and_runs_sympy_from_the_bundled_wheel(offline_browser, served):
    text, seconds, outside = run_in_repl(
        offline_browser, served,
        "import sympy; x = sympy.Symbol('x'); print('sympy', sympy.__version__, sympy.diff(x**3))",
        timeout_s=240)
    print(f"kernel start + sympy cell: {seconds:.0f} s")
    assert "sympy 1.14.0 3*x**2" in text
    assert outside == []


@pytest.mark.browser
def test_a_cell_needing_numpy_offline_ends_in_the_sentence_saying_why(offline_browser, served):
    text, seconds, outside = run_in_repl(offline_browser, served, "import numpy", timeout_s=240)
    print(f"kernel start + numpy cell: {seconds:.0f} s\nthe student sees:\n{text}")
    said = ("ModuleNotFoundError: numpy could not be loaded: this site does not hold Pyodide's "
            f"compiled packages, it fetches them at page load from {make_lite.PYODIDE_CDN}, and "
            "that failed (no internet connection?). Reconnect and restart the kernel.")
    assert said in text.splitlines(), text  # the whole sentence, as the last line shows it
    assert [u for u in outside if "numpy" in u], "numpy was not even requested"
    assert all(u.startswith(make_lite.PYODIDE_CDN) for u in outside), outside
