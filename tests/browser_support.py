"""What the browser tests share: Debian's Chromium, its offline launch flags, and a quiet local server.

Used by tests/test_browser.py (the site and JupyterLab), tests/test_slides.py (the presenter deck)
and tests/test_worksheet.py (the one-page print). Playwright drives the system Chromium and never
downloads a browser; without Chromium the tests are skipped with a message, and fail when CI=true.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("LIVERLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container has no user namespace sandbox
    "--disable-gpu",
    "--disable-dev-shm-usage",  # a small /dev/shm in containers crashes tabs
    "--disable-background-networking",  # no update, safe-browsing or variations requests
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--no-first-run",
    "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
]


def missing_chromium_message(purpose: str) -> str | None:
    if CHROMIUM.exists():
        return None
    return (f"Chromium not found at {CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install chromium) "
            f"to {purpose}")


def need_chromium(purpose: str, *, module_level: bool = False):
    """Skip (or fail when CI=true, where .ci/run installs it) without Chromium; return Playwright's sync API."""
    message = missing_chromium_message(purpose)
    if message:
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message, allow_module_level=module_level)
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed: run `make env`")


class QuietHandler(SimpleHTTPRequestHandler):
    """No request log, and a client that hangs up early (Chromium cancels requests when it
    moves on to the next page) is not an error worth a traceback."""

    def log_message(self, *args):
        pass

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def chromium(sync_api):
    """Headless Debian Chromium driven by Playwright (``sync_api`` from ``need_chromium``), closed afterwards."""
    playwright = sync_api.sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
        playwright.stop()


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port) for the duration; yields its base URL."""
    httpd = QuietServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
