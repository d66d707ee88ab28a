"""What the real-browser tests share: Chromium's command line and the skip rule.

Used by tests/test_browser.py (JupyterLab driven live), tests/test_html.py (the static site)
and tests/test_lite.py (the JupyterLite site): Chromium launched once per module
(:func:`launched_chromium`), a free loopback port (:func:`free_port`).

Skip rule: without Chromium or Python Playwright (or, for the static site, its npm-installed
browser files) a browser test skips, unless ``COURSE_REQUIRE_BROWSER`` is set to something other
than ""/"0", in which case it fails. CI (.ci/run) sets it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from collections.abc import Iterator

import pytest

# Headless Debian Chromium on a small machine, with nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def browser_required() -> bool:
    return os.environ.get("COURSE_REQUIRE_BROWSER", "").strip() not in ("", "0")


def unavailable(reason: str) -> None:
    """Skip, or fail when COURSE_REQUIRE_BROWSER asks for the browser test to really run."""
    if browser_required():
        pytest.fail(f"{reason} (COURSE_REQUIRE_BROWSER is set, so this is a failure)")
    pytest.skip(f"{reason}; set COURSE_REQUIRE_BROWSER=1 to make this a failure")


def chromium_path() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def require_playwright_and_chromium() -> str:
    """Chromium's path; skips (or fails, see the skip rule) without Playwright or Chromium."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("Python playwright is not installed")
    path = chromium_path()
    if path is None:
        unavailable("Chromium is not installed (/usr/bin/chromium or `chromium` on PATH)")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def launched_chromium(path: str) -> Iterator:
    """Headless Chromium at ``path`` (see :func:`require_playwright_and_chromium`), closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
