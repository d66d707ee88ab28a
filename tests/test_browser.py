"""Real-browser check of the widget notebooks.

For every notebook in ``WIDGET_NOTEBOOKS`` this test starts JupyterLab (the venv's, on a free
loopback port with a random token), opens the notebook in headless Debian Chromium via Python
Playwright, clears and runs all cells with the venv's ``python3`` kernel, moves the first
ipywidgets slider with the keyboard and checks that the output the slider drives changes and that
no error output appears anywhere.  A screenshot goes to ``screenshots/<notebook-stem>.png``.

The notebook files are never written: autosave is switched off in a throwaway settings folder and
the file's bytes are compared before and after.

Skip rule (tests/browser_support.py): without Chromium or Playwright the test skips, unless
``COURSE_REQUIRE_BROWSER`` is set to something other than ""/"0", in which case it fails.  A
notebook listed in ``WIDGET_NOTEBOOKS`` that does not exist is a failure, never a skip.

Run:  .venv/bin/python -m pytest tests/test_browser.py -o addopts="" -p no:cacheprovider -v
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from browser_support import chromium_path as _chromium_path
from browser_support import free_port as _free_port
from browser_support import launched_chromium
from browser_support import unavailable as _unavailable

REPO_ROOT = Path(__file__).resolve().parents[1]

# Notebooks (repo-relative) whose first slider must visibly drive an output in a real browser.
# Every entry must exist: a missing notebook fails the test.
WIDGET_NOTEBOOKS = [
    "notebooks/01_computation_as_equations.ipynb",  # forward-pass explorer (graph redrawn)
    "notebooks/03_lagrange_matrix.ipynb",  # row-by-row stepper
    "notebooks/06_adjoints_converging.ipynb",  # iteration slider (Jacobi on the adjoint system)
    "notebooks/07_belief_propagation.ipynb",  # loopy BP explorer
    "notebooks/08_kl_projections.ipynb",  # IPF explorer
    "notebooks/09_sum_product_networks.ipynb",  # evidence explorer
    "notebooks/11_memory_and_second_order.ipynb",  # checkpointing-schedule explorer
    "notebooks/12_semirings.ipynb",  # semiring sweep stepper (rows solved slider)
    "notebooks/13_elimination_and_gaussian_bp.ipynb",  # elimination order: steps slider
    "notebooks/14_bp_as_local_projections.ipynb",  # α-projection slider
]

SCREENSHOT_DIR = REPO_ROOT / "screenshots"

SERVER_START_TIMEOUT = 60  # s until /api/status answers
PAGE_READY_TIMEOUT = 90  # s until the notebook is open with an idle kernel
RUN_ALL_TIMEOUT = 300  # s for "run all cells" to finish
OUTPUT_CHANGE_TIMEOUT = 15  # s for the slider-driven output to change

pytestmark = pytest.mark.browser


# --------------------------------------------------------------------------- server


def _tail(path: Path, n: int = 60) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"<no log: {exc}>"
    return "\n".join(lines[-n:])


class LabServer:
    def __init__(self, root: Path, work: Path):
        self.root = root
        self.work = work
        self.token = secrets.token_hex(24)
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.log_path = work / "jupyter-lab.log"
        self._log = None

        settings = work / "user-settings"
        _write_json(
            settings / "@jupyterlab/apputils-extension/notification.jupyterlab-settings",
            {"fetchNews": "false"},
        )
        # Never write the notebooks under test back to disk.
        _write_json(
            settings / "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings",
            {"autosave": False},
        )
        self.settings_dir = settings
        self.workspaces_dir = work / "workspaces"
        self.checkpoints_dir = work / "checkpoints"
        for d in (self.workspaces_dir, self.checkpoints_dir):
            d.mkdir(parents=True, exist_ok=True)

        env = dict(os.environ)
        # Isolate from the user's Jupyter config/data (a user-level "python3" kernelspec would
        # shadow the venv's). The venv's share/jupyter (kernelspec, labextensions) stays on the path.
        env["JUPYTER_CONFIG_DIR"] = str(work / "jupyter-config")
        env["JUPYTER_DATA_DIR"] = str(work / "jupyter-data")
        env["JUPYTER_RUNTIME_DIR"] = str(work / "jupyter-runtime")
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env.pop("MPLBACKEND", None)  # the kernel must use the inline backend
        env["PYTHONUNBUFFERED"] = "1"
        self.env = env

    # -- helpers
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, method: str = "GET", timeout: float = 10):
        req = urllib.request.Request(
            f"{self.base}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_tail(self, n: int = 60) -> str:
        if self._log:
            self._log.flush()
        return _tail(self.log_path, n)

    # -- lifecycle
    def check_kernelspec(self) -> None:
        """The default python3 kernelspec seen by the server must be the venv's."""
        out = subprocess.run(
            [sys.executable, "-m", "jupyter", "kernelspec", "list", "--json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, f"jupyter kernelspec list failed:\n{out.stderr}"
        specs = json.loads(out.stdout)["kernelspecs"]
        assert "python3" in specs, f"no python3 kernelspec: {sorted(specs)}"
        res = Path(specs["python3"]["resource_dir"])
        argv0 = specs["python3"]["spec"]["argv"][0]
        prefix = Path(sys.prefix)
        # argv[0] "python" is replaced by the server's sys.executable (the venv's python).
        ok = res.is_relative_to(prefix) or argv0 in ("python", "python3", sys.executable)
        assert ok, f"python3 kernelspec is not the venv's: {res} argv0={argv0} prefix={prefix}"

    def start(self) -> None:
        last_error = ""
        for _attempt in range(3):  # a freshly picked free port can be stolen: retry
            self.port = _free_port()
            cmd = [
                sys.executable,
                "-m",
                "jupyter",
                "lab",
                "--no-browser",
                "--ip=127.0.0.1",
                f"--port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                f"--LabApp.user_settings_dir={self.settings_dir}",
                f"--LabApp.workspaces_dir={self.workspaces_dir}",
                f"--FileCheckpoints.checkpoint_dir={self.checkpoints_dir}",
                "--LabApp.news_url=None",
                "--LabApp.expose_app_in_browser=True",
            ]
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                cmd.append("--allow-root")
            self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop())
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = f"server exited with code {self.proc.returncode}"
                    break
                try:
                    self.api("/api/status", timeout=2)
                    return
                except (urllib.error.URLError, ConnectionError, OSError):
                    time.sleep(0.3)
            else:
                last_error = f"no answer on /api/status within {SERVER_START_TIMEOUT} s"
                self.stop()
                break
            self.stop()
        raise RuntimeError(
            f"JupyterLab did not start: {last_error}\n--- log ---\n{self.log_tail()}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("Python playwright is not installed")
    if _chromium_path() is None:
        _unavailable("Chromium is not installed (/usr/bin/chromium or `chromium` on PATH)")

    server = LabServer(REPO_ROOT, tmp_path_factory.mktemp("lab"))
    server.check_kernelspec()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser(lab_server):
    with launched_chromium(_chromium_path()) as b:
        yield b


# --------------------------------------------------------------------------- in-page JS

# Current notebook panel's state: path, kernel, per-code-cell execution counts, running cells.
JS_NOTEBOOK_STATE = """
(path) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return {ready: false, why: 'no window.jupyterapp'};
  const w = app.shell.currentWidget;
  if (!w || !w.context || !w.content || !w.content.model)
    return {ready: false, why: 'no current notebook panel'};
  if (w.context.path !== path) return {ready: false, why: 'current widget is ' + w.context.path};
  const sc = w.sessionContext;
  const kernel = sc && sc.session && sc.session.kernel;
  const cells = [];
  for (const c of w.content.model.cells) {
    if (c.type !== 'code') continue;
    cells.push({
      count: c.executionCount,
      state: c.executionState || null,
      empty: c.sharedModel.getSource().trim() === '',
    });
  }
  const prompts = Array.from(w.node.querySelectorAll('.jp-InputPrompt'))
    .map(e => e.textContent.trim());
  return {
    ready: w.context.isReady && !!(sc && sc.isReady),
    kernelName: kernel ? kernel.name : null,
    kernelStatus: kernel ? kernel.status : null,
    dialog: !!document.querySelector('.jp-Dialog'),
    cells,
    busyPrompts: prompts.filter(t => t.includes('*')).length,
  };
}
"""

# A fingerprint of what the first slider's widget output shows (images, SVG, canvas, text), the
# slider's position, and how the output was located.
JS_FINGERPRINT = """
() => {
  const fnv = (s) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
    return (h >>> 0).toString(16).padStart(8, '0');
  };
  const w = window.jupyterapp.shell.currentWidget;
  const slider = w.node.querySelector('.widget-slider');
  if (!slider) return {found: false};
  const handle = slider.querySelector('.noUi-handle');
  const cell = slider.closest('.jp-Cell');
  const widgetRoot = slider.closest('.jp-OutputArea-output') || cell;
  let roots = Array.from(widgetRoot.querySelectorAll('.widget-output'));
  let mode = 'widget-output';
  if (roots.length === 0) {
    roots = [cell.querySelector('.jp-Cell-outputArea') || cell];
    mode = 'cell-output-area';
  }
  const skip = (e) => !!e.closest('.widget-slider, .widget-readout, input, button, select');
  const parts = [];
  let images = 0, texts = 0;
  for (const root of roots) {
    for (const e of root.querySelectorAll('img, svg, canvas, .jp-RenderedText, .jp-RenderedHTMLCommon, .widget-html-content, .widget-label')) {
      if (skip(e)) continue;
      if (e.tagName === 'IMG') { images++; parts.push('img:' + fnv(e.getAttribute('src') || '')); }
      else if (e.tagName.toLowerCase() === 'svg') {
        if (e.closest('svg') !== e) continue;  // only outermost svg
        images++; parts.push('svg:' + fnv(e.outerHTML));
      }
      else if (e.tagName === 'CANVAS') {
        images++;
        let d = ''; try { d = e.toDataURL(); } catch (err) { d = 'tainted' + e.width + 'x' + e.height; }
        parts.push('canvas:' + fnv(d));
      }
      else { const t = e.innerText.trim(); if (t) { texts++; parts.push('text:' + t.slice(0, 80) + '#' + fnv(t)); } }
    }
  }
  const cellIndex = Array.from(w.node.querySelectorAll('.jp-Cell')).indexOf(cell);
  return {
    found: true,
    mode,
    cellIndex,
    images,
    texts,
    fingerprint: parts.join(' | '),
    value: handle ? handle.getAttribute('aria-valuenow') : null,
    min: handle ? handle.getAttribute('aria-valuemin') : null,
    max: handle ? handle.getAttribute('aria-valuemax') : null,
    readout: (slider.querySelector('.widget-readout') || {}).innerText || null,
  };
}
"""

# Every error visible in the notebook: error outputs / tracebacks in the notebook model, stderr
# tracebacks rendered anywhere (including inside ipywidgets Output widgets), widget render errors.
JS_ERRORS = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  const errors = [];
  const bad = /Traceback|\\w*Error\\b|Exception/;
  let i = 0;
  for (const c of w.content.model.cells) {
    i++;
    if (c.type !== 'code') continue;
    for (const o of (c.toJSON().outputs || [])) {
      if (o.output_type === 'error')
        errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      else if (o.output_type === 'stream' && o.name === 'stderr') {
        const t = Array.isArray(o.text) ? o.text.join('') : String(o.text);
        if (bad.test(t)) errors.push(`cell ${i} stderr: ${t.slice(0, 500)}`);
      }
    }
  }
  for (const e of w.node.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')) {
    const t = e.innerText;
    if (bad.test(t)) errors.push('rendered stderr: ' + t.slice(0, 800));
  }
  for (const e of w.node.querySelectorAll('.jupyter-widgets-error-widget, .jp-RenderedText.jp-mod-error')) {
    errors.push('widget error: ' + e.innerText.slice(0, 500));
  }
  for (const e of w.node.querySelectorAll('.jp-OutputArea-output')) {
    if (e.innerText.includes('Error displaying widget'))
      errors.push('widget error: ' + e.innerText.slice(0, 300));
  }
  return Array.from(new Set(errors));
}
"""


# Scroll so that the first slider's cell is at the top, or, when the cell is taller than the
# notebook's visible area, so that the slider's widget output starts at the top.
JS_SCROLL_TO_SLIDER = """
() => {
  const w = window.jupyterapp.shell.currentWidget;
  const slider = w.node.querySelector('.widget-slider');
  const cell = slider.closest('.jp-Cell');
  cell.scrollIntoView({block: 'start'});
  const view = w.content.node.getBoundingClientRect();
  const out = slider.closest('.jp-Cell-outputWrapper') || slider;
  if (out.getBoundingClientRect().bottom > view.bottom) out.scrollIntoView({block: 'start'});
}
"""


# --------------------------------------------------------------------------- test


class _Failure(Exception):
    """A check of the browser flow failed (reported with diagnostics)."""


def _check(ok, message: str) -> None:
    if not ok:
        raise _Failure(message)


def _wait_until(fn, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}; last state: {last!r}")


def _session_for(server: LabServer, rel: str):
    for s in server.api("/api/sessions"):
        if s.get("path") == rel or (s.get("notebook") or {}).get("path") == rel:
            return s
    return None


@pytest.mark.parametrize("rel_path", WIDGET_NOTEBOOKS)
def test_widget_slider_updates_output(rel_path, request):
    nb_file = REPO_ROOT / rel_path
    if not nb_file.is_file():
        pytest.fail(
            f"{rel_path} is listed in WIDGET_NOTEBOOKS but does not exist under {REPO_ROOT}"
        )
    before = hashlib.sha256(nb_file.read_bytes()).hexdigest()

    server: LabServer = request.getfixturevalue("lab_server")
    browser = request.getfixturevalue("browser")

    t0 = time.monotonic()
    timings: dict[str, float] = {}
    console: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    page.on("console", lambda m: console.append(f"[{m.type}] {m.text}"))
    page.on("pageerror", lambda e: console.append(f"[pageerror] {e}"))
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    shot = SCREENSHOT_DIR / f"{nb_file.stem}.png"
    failed_shot = SCREENSHOT_DIR / f"{nb_file.stem}-FAILED.png"
    failure = ""
    state: dict = {}

    def diagnostics() -> str:
        return (
            f"\n--- timings: {timings}\n--- last notebook state: {state}"
            f"\n--- browser console (last 40) ---\n"
            + "\n".join(console[-40:])
            + f"\n--- jupyter lab log (tail) ---\n{server.log_tail()}"
        )

    def nb_state():
        return page.evaluate(JS_NOTEBOOK_STATE, rel_path)

    try:
        # "reset": start from an empty workspace (no notebooks of earlier tests reopened).
        url = f"{server.base}/lab/tree/{urllib.parse.quote(rel_path)}?reset&token={server.token}"
        page.goto(url, wait_until="domcontentloaded", timeout=PAGE_READY_TIMEOUT * 1000)

        # 1. Notebook open and its kernel idle (server side and client side).
        def kernel_idle():
            nonlocal state
            state = nb_state()
            if state.get("dialog") and not state.get("kernelName"):
                # No kernelspec in the notebook metadata: accept the suggested (python3) kernel.
                with contextlib.suppress(Exception):
                    page.click(".jp-Dialog .jp-mod-accept", timeout=2000)
            s = _session_for(server, rel_path)
            return (
                state.get("ready")
                and state.get("kernelStatus") == "idle"
                and s is not None
                and s["kernel"]["execution_state"] == "idle"
            )

        _wait_until(kernel_idle, PAGE_READY_TIMEOUT, 0.5, "the notebook's kernel to be idle")
        _check(state["kernelName"] == "python3", f"unexpected kernel {state['kernelName']!r}")
        # Make room: hide the file browser so the notebook gets the width of the page.
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        timings["open"] = round(time.monotonic() - t0, 1)

        # 2. Clear stored outputs (so nothing stale counts), then run everything.
        page.evaluate(
            "async () => { await window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }"
        )
        page.evaluate(
            """() => { window.__runAll = 'running';
                 window.jupyterapp.commands.execute('notebook:run-all-cells')
                   .then(r => { window.__runAll = 'done:' + r; })
                   .catch(e => { window.__runAll = 'error:' + e; }); }"""
        )

        def all_ran():
            nonlocal state
            state = nb_state()
            state["runAll"] = page.evaluate("() => window.__runAll")
            cells = state.get("cells", [])
            return (
                str(state["runAll"]).startswith("done")
                and state.get("kernelStatus") == "idle"
                and state.get("busyPrompts") == 0
                and all(c["count"] is not None for c in cells if not c["empty"])
                and all(c["state"] in (None, "idle") for c in cells)
            )

        _wait_until(all_ran, RUN_ALL_TIMEOUT, 0.5, "all cells to run")
        _wait_until(
            lambda: (
                (_session_for(server, rel_path) or {}).get("kernel", {}).get("execution_state")
                == "idle"
            ),
            30,
            0.5,
            "the kernel to be idle after running",
        )
        _check(state["runAll"] == "done:true", f"run-all reported {state['runAll']}")
        timings["run_all"] = round(time.monotonic() - t0, 1)

        errors = page.evaluate(JS_ERRORS)
        _check(not errors, "errors after running all cells:\n" + "\n".join(errors))

        # 3. The first slider and the output it drives; wait for that output to settle.
        page.wait_for_selector(".jp-Notebook .widget-slider .noUi-handle", timeout=30_000)
        page.locator(".jp-Notebook .widget-slider").first.scroll_into_view_if_needed()
        page.evaluate(JS_SCROLL_TO_SLIDER)

        def settled():
            a = page.evaluate(JS_FINGERPRINT)
            time.sleep(0.6)
            b = page.evaluate(JS_FINGERPRINT)
            return b if (a == b and b.get("found") and b.get("fingerprint")) else None

        fp0 = _wait_until(settled, 30, 0.2, "the widget output to render and settle")
        timings["widget_ready"] = round(time.monotonic() - t0, 1)

        # 4. Move the slider with the keyboard (leftwards if it already sits at its maximum).
        at_max = fp0["value"] is not None and fp0["value"] == fp0["max"]
        key = "ArrowLeft" if at_max else "ArrowRight"
        handle = page.locator(".jp-Notebook .widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(3):
            page.keyboard.press(key)
            time.sleep(0.15)

        def changed():
            fp = page.evaluate(JS_FINGERPRINT)
            return fp if fp.get("fingerprint") != fp0["fingerprint"] else None

        try:
            fp1 = _wait_until(changed, OUTPUT_CHANGE_TIMEOUT, 0.25, "the slider's output to change")
        except TimeoutError:
            fp_now = page.evaluate(JS_FINGERPRINT)
            raise _Failure(
                f"the output did not change after pressing {key} x3 on the first slider.\n"
                f"before: {fp0}\nafter:  {fp_now}"
            ) from None
        _check(fp1["value"] != fp0["value"], f"slider value did not move: {fp0} -> {fp1}")
        # Let the kernel finish the callback, then look for errors everywhere again.
        _wait_until(lambda: nb_state().get("kernelStatus") == "idle", 30, 0.3, "idle kernel")
        time.sleep(0.5)
        errors = page.evaluate(JS_ERRORS)
        _check(not errors, "errors after moving the slider:\n" + "\n".join(errors))
        timings["slider"] = round(time.monotonic() - t0, 1)

        page.evaluate(JS_SCROLL_TO_SLIDER)
        time.sleep(0.3)
        page.screenshot(path=str(shot), full_page=True)
        timings["total"] = round(time.monotonic() - t0, 1)
        print(
            f"{rel_path}: {timings}; output located via {fp1['mode']} in cell "
            f"{fp1['cellIndex']}; slider {fp0['value']} -> {fp1['value']}; screenshot {shot}"
        )
        failed_shot.unlink(missing_ok=True)
    except (_Failure, TimeoutError) as exc:
        failure = f"{rel_path}: {exc}"
    except Exception as exc:  # playwright errors etc.
        failure = f"{rel_path}: {type(exc).__name__}: {exc}"

    if failure:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(failed_shot), full_page=True)
        failure += diagnostics() + f"\n--- screenshot: {failed_shot}"
    # Shut this notebook's kernel down and close the page (the server stops with the module).
    with contextlib.suppress(Exception):
        s = _session_for(server, rel_path)
        if s:
            server.api(f"/api/sessions/{s['id']}", method="DELETE")
    with contextlib.suppress(Exception):
        context.close()
    if failure:
        pytest.fail(failure, pytrace=False)

    after = hashlib.sha256(nb_file.read_bytes()).hexdigest()
    assert after == before, f"{rel_path} was modified on disk by the browser test"
