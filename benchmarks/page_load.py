"""Measure every page kind as a phone on a slow network loads it (issue 15, item 7).

Headless Chromium (Debian's, driven by Playwright) loads each page cold (cache disabled) from
`alliance-kg serve` on loopback, throttled as Lighthouse's mobile profile: CPU 4x slower, RTT
150 ms, 1,638.4 kbit/s down, 750 kbit/s up, a 390x844 viewport. Each page is fetched once
before, unthrottled, so the server's caches are warm, as for every visitor but the first after a
start. For each page it prints the time to the load event, the bytes transferred (compressed,
headers included), the page's HTML bytes as sent, and the number of requests; then the same
pages with compression refused by the browser (`Accept-Encoding: identity`) as the baseline.
Targets: every page's load under 1.5 s, `/sparql` under 3 s, an entity page's HTML under 30 KB
compressed. Figures are medians of `--runs` loads; on a busy machine they vary.

    PYTHONPATH=. .venv/bin/python benchmarks/page_load.py [--project .] [--runs 3]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.browser_support import ARGS, CHROMIUM, PAGE_KINDS

SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1638.4 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
TARGET_S = {"/sparql": 3.0}
DEFAULT_TARGET_S = 1.5
ENTITY_HTML_LIMIT = 30 * 1024
TIMINGS = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const resources = performance.getEntriesByType('resource');
  return {
    load: nav.loadEventEnd,
    html: nav.encodedBodySize,
    transferred: nav.transferSize + resources.reduce((sum, r) => sum + r.transferSize, 0),
    requests: 1 + resources.length,
  };
}"""


@dataclass(frozen=True)
class Load:
    """One cold load: seconds to the load event, bytes on the wire, HTML bytes, requests."""

    seconds: float
    transferred: int
    html: int
    requests: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(project: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "alliance_kg.serving", "--project", str(project)]
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                response.read()
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("the server stopped while starting") from None
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("the server did not answer in 60 s")


def warm(url: str) -> None:
    """Fetch a page once unthrottled: the server's per-version caches fill, as they do for
    the first visitor after a start; the browser's loads stay cold."""
    request = urllib.request.Request(url, headers={"Accept": "text/html"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def load(browser: Any, url: str, compressed: bool) -> Load:
    """One cold, throttled load of `url` in a fresh phone-sized context."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    if not compressed:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}})
    try:
        page.goto(url, wait_until="load", timeout=60_000)
        found = page.evaluate(TIMINGS)
    finally:
        context.close()
    return Load(found["load"] / 1000, found["transferred"], found["html"], found["requests"])


def median_load(browser: Any, url: str, compressed: bool, runs: int) -> Load:
    loads = [load(browser, url, compressed) for _ in range(runs)]
    return Load(
        statistics.median(one.seconds for one in loads),
        int(statistics.median(one.transferred for one in loads)),
        int(statistics.median(one.html for one in loads)),
        max(one.requests for one in loads),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path())
    parser.add_argument("--runs", type=int, default=3, help="cold loads a page (median)")
    args = parser.parse_args()
    port = free_port()
    server = start_server(args.project.resolve(), port)
    base = f"http://127.0.0.1:{port}"
    failures = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            print(
                f"{'page':48} {'load s':>7} {'KB sent':>8} {'HTML KB':>8} {'reqs':>5}"
                f" | {'plain s':>7} {'KB':>8} {'ratio':>6}"
            )
            for path in PAGE_KINDS:
                warm(base + path)
                packed = median_load(browser, base + path, True, args.runs)
                plain = median_load(browser, base + path, False, args.runs)
                ratio = plain.transferred / max(packed.transferred, 1)
                print(
                    f"{path[:48]:48} {packed.seconds:7.2f} {packed.transferred / 1024:8.1f}"
                    f" {packed.html / 1024:8.1f} {packed.requests:5d}"
                    f" | {plain.seconds:7.2f} {plain.transferred / 1024:8.1f} {ratio:6.1f}"
                )
                target = TARGET_S.get(path, DEFAULT_TARGET_S)
                if packed.seconds > target:
                    failures.append(f"{path}: {packed.seconds:.2f} s > {target} s")
                if path.startswith("/id/") and packed.html > ENTITY_HTML_LIMIT:
                    failures.append(f"{path}: HTML {packed.html} bytes > {ENTITY_HTML_LIMIT}")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    print("targets met" if not failures else "targets missed:\n  " + "\n  ".join(failures))


if __name__ == "__main__":
    main()
