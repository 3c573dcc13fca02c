"""Query workers cannot reach the network, whatever the guard lets through (issue 11).

The probe app (`tests/sandbox_support.py`) runs in a real worker behind the real front and
tries urllib, a raw socket, SERVICE and LOAD against a canary listener.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_kg import serving
from alliance_kg.front import sandbox

from .endpoint_support import Canary, free_port, write_project

pytestmark = pytest.mark.socket
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def probe(target: str, backend: str | None = None) -> str:
    """What the probe app reports, served by a worker of the real front."""
    port = free_port()
    command = [sys.executable, "-m", "tests.sandbox_support", str(port), target]
    process = subprocess.Popen(
        [*command, *([backend] if backend else [])],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
                    return answer.read().decode()
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        process.terminate()
        process.wait(10)


def test_a_worker_cannot_open_any_network_connection(canary: Canary) -> None:
    report = probe(canary.url)
    assert report.splitlines() == [
        "urllib: failed: URLError",
        "socket: failed: PermissionError",
        "service: failed: PermissionError",
        "load: failed: PermissionError",
    ]
    time.sleep(0.3)
    assert canary.hits == 0


def test_the_probe_reaches_the_canary_when_not_sandboxed(canary: Canary) -> None:
    """The canary can see a connection: the test above is not vacuous."""
    with pytest.raises(OSError):
        urllib.request.urlopen(canary.url, timeout=5).read()
    time.sleep(0.3)
    assert canary.hits == 1


def test_with_a_backend_every_url_leads_to_the_backend_only(canary: Canary) -> None:
    """urllib to any URL is relayed to the BACKEND address; nothing else is reachable."""
    backend = Canary()
    try:
        report = probe(canary.url, f"sparql+http://127.0.0.1:{backend.port}/sparql")
        time.sleep(0.3)
        assert backend.hits == 1, report
        assert canary.hits == 0
        assert "socket: failed: PermissionError" in report
        assert "service: failed: PermissionError" in report
    finally:
        backend.close()


def test_serve_refuses_to_start_where_workers_cannot_be_sandboxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def unavailable() -> None:
        raise sandbox.SandboxUnavailable("no seccomp here")

    monkeypatch.setattr(sandbox, "forbid_network", unavailable)
    project = write_project(tmp_path)
    status = serving.main(["--project", str(project), "--port", str(free_port())])
    assert status == 1
    error = capsys.readouterr().err
    assert error.startswith("sandbox: the query workers' seccomp filter cannot be installed")
    assert "Traceback" not in error
