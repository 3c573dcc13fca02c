"""Updates on a served process with several workers: every worker sees every acknowledged one,
and a replacement worker starts from the front's snapshot, not from an empty log."""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from .endpoint_support import ServedProcess, write_project

pytestmark = pytest.mark.socket

TOKEN = "several-workers"
WORKERS = 3
UPDATES = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    project = write_project(tmp_path_factory.mktemp("updates"))
    served = ServedProcess(project, "--workers", str(WORKERS), "--update-token", TOKEN)
    served.wait_ready()
    yield served
    served.stop()


def post(server: ServedProcess, path: str, data: dict[str, str], token: str = TOKEN) -> int:
    request = urllib.request.Request(
        server.url + path,
        data=urllib.parse.urlencode(data).encode(),
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def count_mine(server: ServedProcess) -> int:
    """How many of this test's triples one request sees (each on a new connection)."""
    query = "SELECT (COUNT(*) AS ?n) { GRAPH <urn:several> { ?s <urn:p> ?o } }"
    target = server.url + "/sparql?" + urllib.parse.urlencode({"query": query, "format": "csv"})
    with urllib.request.urlopen(target, timeout=30) as response:
        return int(response.read().decode().split()[-1])


def insert(number: int) -> dict[str, str]:
    return {"update": f"INSERT DATA {{ GRAPH <urn:several> {{ <urn:s{number}> <urn:p> 1 }} }}"}


def test_every_worker_sees_every_acknowledged_update(server: ServedProcess) -> None:
    for number in range(UPDATES):
        assert post(server, "/update", insert(number)) == 200
        # more reads than workers: the front hands them to whichever worker is idle
        seen = {count_mine(server) for _ in range(4 * WORKERS)}
        assert seen == {number + 1}


def test_a_replacement_worker_sees_every_update(server: ServedProcess) -> None:
    before = count_mine(server)
    assert post(server, "/update", insert(1000)) == 200
    for pid in server.workers():
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30  # a wait, not a bound: a loaded machine may be slow
    while time.monotonic() < deadline and len(server.workers()) != WORKERS:
        time.sleep(0.05)
    seen = set()
    while time.monotonic() < deadline and not seen:
        try:
            seen = {count_mine(server) for _ in range(4 * WORKERS)}
        except urllib.error.HTTPError as error:  # a request that met a dying worker
            assert error.code in (500, 503)
    assert seen == {before + 1}


def test_a_refused_update_changes_nothing_anywhere(server: ServedProcess) -> None:
    before = count_mine(server)
    assert post(server, "/update", insert(2000), token="wrong") == 403
    assert post(server, "/update", {"update": "LOAD <http://127.0.0.1:9/x>"}) == 400
    assert {count_mine(server) for _ in range(4 * WORKERS)} == {before}
