"""The front on a real socket: slow and idle clients, the memory ceiling, what clients send."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .endpoint_support import ServedProcess, write_project

pytestmark = pytest.mark.socket

ASK = "/sparql?query=" + urllib.parse.quote("ASK { ?s ?p ?o }")
SORTED_PRODUCT = (
    "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o } ORDER BY ?c LIMIT 1"
)
READ_TIMEOUT = 3


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    project = write_project(tmp_path_factory.mktemp("front"))
    served = ServedProcess(
        project,
        "--workers",
        "2",
        "--set",
        f"REQUEST_READ_TIMEOUT={READ_TIMEOUT}",
        "--set",
        "QUERY_MEMORY_LIMIT=150",
        "--set",
        "MAX_CONNECTIONS=600",
    )
    served.wait_ready()
    yield served
    served.stop()


def get(server: ServedProcess, target: str, headers: dict[str, str] | None = None) -> tuple:
    request = urllib.request.Request(server.url + target, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def probes_answered(server: ServedProcess, count: int = 20) -> list[float]:
    """Seconds each of `count` probe queries took, all of which must be answered 200."""
    took = []
    for _ in range(count):
        started = time.monotonic()
        status, body, _ = get(server, ASK)
        took.append(time.monotonic() - started)
        assert (status, body) == (200, b'{"head":{},"boolean":true}')
    return took


def connect(server: ServedProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


@pytest.mark.slow
def test_partial_requests_do_not_hold_the_workers(server: ServedProcess) -> None:
    """Fifty clients that stop mid-request, more than there are workers: probes still pass."""
    held = [connect(server) for _ in range(50)]
    for sock in held:
        sock.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")
    try:
        assert max(probes_answered(server)) < READ_TIMEOUT
    finally:
        for sock in held:
            sock.close()


@pytest.mark.slow
def test_idle_and_dripping_clients_do_not_hold_the_workers(server: ServedProcess) -> None:
    idle = [connect(server) for _ in range(200)]
    dripping = [connect(server) for _ in range(50)]
    request = ASK.encode()
    stop = threading.Event()

    def drip() -> None:
        for at in range(len(request)):
            if stop.wait(0.5):
                return
            for sock in dripping:
                sock.send(request[at : at + 1])

    dripper = threading.Thread(target=drip)
    dripper.start()
    try:
        assert max(probes_answered(server)) < READ_TIMEOUT
    finally:
        stop.set()
        dripper.join()
        for sock in idle + dripping:
            sock.close()


@pytest.mark.slow
def test_a_request_not_sent_in_time_gets_408_and_is_closed(server: ServedProcess) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(READ_TIMEOUT + 10)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert b"REQUEST_READ_TIMEOUT" in answer


@pytest.mark.slow
def test_a_query_past_the_memory_ceiling_gets_503_and_others_go_on(
    server: ServedProcess,
) -> None:
    """Sorting a product holds every row: the worker passes 150 MiB, answers, and is replaced."""
    workers_before = server.workers()
    status, body, headers = get(server, "/sparql?query=" + urllib.parse.quote(SORTED_PRODUCT))
    assert status == 503, body
    assert b"150 MiB" in body
    assert b"QUERY_MEMORY_LIMIT" in body
    assert headers["X-Request-Id"]
    probes_answered(server, 5)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(server.workers()) != 2:
        time.sleep(0.1)
    assert len(server.workers()) == 2
    assert workers_before != server.workers(), "the worker past its ceiling was not replaced"


def test_client_headers_cannot_set_cgi_variables(server: ServedProcess) -> None:
    """gunicorn read a `SCRIPT_NAME` header into the environ (500); headers with `_` are dropped."""
    status, body, _ = get(server, ASK, {"SCRIPT_NAME": "/elsewhere", "Content_Length": "99"})
    assert (status, body) == (200, b'{"head":{},"boolean":true}')
    status, _, _ = get(server, "/essay", {"SCRIPT_NAME": "/essay"})
    assert status != 500


def test_a_malformed_request_gets_400_and_the_connection_closes(server: ServedProcess) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 ")
    probes_answered(server, 2)


def test_pipelined_requests_are_answered_in_order(server: ServedProcess) -> None:
    query = urllib.parse.quote("SELECT ?x { VALUES ?x { 1 } }")
    with connect(server) as sock:
        sock.sendall(
            f"GET {ASK} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            + f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    first = answer.index(b'"boolean":true')
    second = answer.index(b'"value":"1"')
    assert answer.count(b"HTTP/1.1 200 OK") == 2
    assert first < second


def test_expect_continue_gets_100_then_the_answer(server: ServedProcess, tmp_path: Path) -> None:
    body = b"ASK { ?s ?p ?o }"
    with connect(server) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            + f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n".encode()
        )
        assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(body)
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200 OK")


def test_clients_that_do_not_read_their_replies_hold_no_worker(server: ServedProcess) -> None:
    """A worker writes what the client's socket takes and leaves the rest to the front: four
    clients (two workers) that read nothing of a 10 MB reply do not stop the probes, and each
    later reads its whole reply, in order."""
    query = urllib.parse.quote("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    request = f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    silent = []
    for _ in range(4):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(20)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(request.encode())
        silent.append(sock)
    probes_answered(server, 5)  # queued behind the four: each went through a worker first
    for sock in silent:
        with sock:
            answer = bytearray()
            while chunk := sock.recv(1 << 20):
                answer += chunk
        head, _, body = bytes(answer).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert b"X-SPARQL-MaxRows: 10000" in head
        assert len(json.loads(body)["results"]["bindings"]) == 10000


def test_a_malformed_request_is_answered_after_the_ones_before_it(server: ServedProcess) -> None:
    """The front's 400 waits for the worker writing the reply before it, then closes."""
    with connect(server) as sock:
        sock.sendall(f"GET {ASK} HTTP/1.1\r\nHost: x\r\n\r\n".encode() + b"NOT HTTP\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.index(b'"boolean":true') < answer.index(b"HTTP/1.1 400 ")


@pytest.mark.slow
def test_a_client_that_never_reads_is_closed_while_its_next_request_waits(
    server: ServedProcess,
) -> None:
    """The second pipelined request waits for the first reply to go out; it never does, so
    after REQUEST_READ_TIMEOUT the connection closes and the second is never run."""
    query = urllib.parse.quote("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
    request = f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(20)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(request * 2)
        time.sleep(READ_TIMEOUT + 3)
        answer = bytearray()
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(1 << 20):
                answer += chunk
    head, _, body = bytes(answer).partition(b"\r\n\r\n")
    length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert len(body) < length  # cut off: the client took too long, and no second reply came
    probes_answered(server, 2)
