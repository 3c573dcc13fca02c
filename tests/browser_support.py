"""What the browser tests share: Debian's chromium driven by Playwright (never `playwright
install`), an app on a real loopback server, a tab per test, and screenshots under
tests/artifacts/. A module's browser and the session's essay server are fixtures in conftest.py
(`browser`, `base_url`, `page`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

try:
    from playwright import sync_api
except ImportError:  # the browser tests skip; the others run
    sync_api = None

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# One page of each kind, as the weight tests and benchmarks/page_load.py load them.
PAGE_KINDS = (
    "/",
    "/sparql",
    "/search?q=abe",
    "/essay",
    "/argument",
    "/timeline",
    "/ontology",
    "/id/actor/shinzo-abe",
    "/ontology/Actor",
    "/id/source/us-japan-alliance-adrift-again/p2-s3",
    "/.well-known/void",
)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(sync_api is None, reason="Playwright is not installed"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def new_tab(
    browser: object,
    base_url: str,
    viewport: dict[str, int] = DESKTOP,
    javascript: bool = True,
    **options: object,
) -> object:
    """A tab in a context of its own (close it with `tab.context.close()`)."""
    context = browser.new_context(
        base_url=base_url, viewport=viewport, java_script_enabled=javascript, **options
    )
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    return tab


def shot(page: object, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full)


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """The app on a real threaded server on loopback; yields its base URL, then stops it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)  # the system picks a free port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
