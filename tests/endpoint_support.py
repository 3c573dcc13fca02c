"""Shared helpers of the endpoint tests: a small build, a served subprocess, a canary listener."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from flask import Flask
from werkzeug.test import TestResponse

from alliance_kg.app import create_app

from . import conftest

G = "https://w3id.org/alliance-kg/graph/"
AKG = "https://w3id.org/alliance-kg/ontology/"
ID = "https://w3id.org/alliance-kg/id/"
SOURCE_GRAPH = G + "source/test-essay"
TEXT_GRAPH = G + "text/test-essay"
ONTOLOGY_GRAPH = G + "ontology"

TRIG = f"""
@prefix akg: <{AKG}> .
@prefix actor: <{ID}actor/> .
@prefix issue: <{ID}issue/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .

<{ONTOLOGY_GRAPH}> {{
    akg:Actor a owl:Class ; rdfs:label "Actor"@en .
    akg:Issue a owl:Class ; rdfs:label "Issue"@en .
    akg:isPreoccupiedWith a owl:ObjectProperty ; rdfs:label "is preoccupied with"@en .
}}
<{SOURCE_GRAPH}> {{
    actor:bush-administration a akg:Actor ; rdfs:label "Bush administration"@en ;
        akg:isPreoccupiedWith issue:iraq .
    actor:tokyo a akg:Actor ; rdfs:label "Tokyo"@en ; akg:isPreoccupiedWith issue:abductions .
    issue:iraq a akg:Issue ; rdfs:label "Iraq"@en .
    issue:abductions a akg:Issue ; rdfs:label "Abductions"@en .
}}
<{TEXT_GRAPH}> {{
    <{ID}source/test-essay/p1-s1> rdfs:label "First sentence, with a comma"@en .
}}
"""


def write_build(target: Path, version: str = "test-version-1") -> Path:
    """A build folder holding the small test dataset `TRIG`."""
    return conftest.write_build(target, TRIG, version)


def write_project(root: Path) -> Path:
    """A project folder whose `build/current` is the small test build."""
    build = write_build(root / "build" / "test-version-1")
    (root / "build" / "current").symlink_to(build.name)
    return root


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Canary:
    """A TCP listener on loopback that records every connection it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(1)
        self.sock.close()


class ServedProcess:
    """`python -m alliance_kg.serving` on a free loopback port, for real-socket tests."""

    def __init__(self, project: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "alliance_kg.serving", "--project", str(project)]
        command += ["--port", str(self.port), *args]
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, limit: float = 20.0) -> float:
        """Seconds from start until the first query answered."""
        probe = f"{self.url}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
        while time.monotonic() - self.started < limit:
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    response.read()
                    return time.monotonic() - self.started
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.output()) from None
                time.sleep(0.02)
        raise RuntimeError(f"server not ready in {limit} s: {self.output()}")

    def output(self) -> str:
        if self.process.poll() is None:
            return ""
        assert self.process.stdout is not None
        return self.process.stdout.read().decode("utf-8", "replace")

    def workers(self) -> set[int]:
        """The pids of the query workers, the front's children."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in path.read_text().split()}

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        assert self.process.stdout is not None
        return self.process.stdout.read().decode("utf-8", "replace")


def make_app(tmp_path: Path, **overrides: object) -> Flask:
    """The endpoint app over the small test build, with a short time limit for tests."""
    config = {
        "TESTING": True,
        "BUILD_DIR": str(write_build(tmp_path / "build")),
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "QUERY_TIMEOUT": 2.0,
        **overrides,
    }
    return create_app(config)


def solutions(response: TestResponse) -> list[dict[str, str]]:
    """The bindings of a SPARQL JSON response, as plain values."""
    data = json.loads(response.data)
    return [{k: v["value"] for k, v in row.items()} for row in data["results"]["bindings"]]
