"""No request makes the served process fetch a URL: many fetch vectors, a canary that sees none.

A real served process (the front and its sandboxed workers, with an update token) gets every
vector of `canary_support.all_vectors`; a canary HTTP listener on loopback counts the TCP
connections and HTTP requests it receives. The non-vacuity tests show that the canary does see
a plain fetch, and that the same engine, unsandboxed in this process, does reach it.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from .canary_support import HttpCanary, Outcome, Vector, all_vectors, query_get, send
from .endpoint_support import ServedProcess, write_project

pytestmark = pytest.mark.socket

TOKEN = "canary-test-token"
STRAGGLERS = 3.0
REFUSED_BY_GUARD = 400
REFUSED_BY_SANDBOX = 403
UPDATE_DATASET_PARAMETERS = frozenset({"using-graph-uri", "using-named-graph-uri"})


@pytest.fixture(scope="module")
def canary() -> Iterator[HttpCanary]:
    listener = HttpCanary()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, canary: HttpCanary) -> Iterator[ServedProcess]:
    """The small build served with an update token, so token-authorised updates are tried."""
    project = write_project(tmp_path_factory.mktemp("canary"))
    served = ServedProcess(project, "--workers", "2", "--update-token", TOKEN)
    served.wait_ready(limit=60)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def outcomes(server: ServedProcess, canary: HttpCanary) -> dict[Vector, Outcome]:
    """Every vector sent once, in order, then a pause for any late fetch to land."""
    found = {vector: send(server.url, vector, TOKEN) for vector in all_vectors(canary.url)}
    time.sleep(STRAGGLERS)
    return found


def table(outcomes: dict[Vector, Outcome]) -> str:
    lines = [
        f"{v.category:18} {v.name:36} {o.status} {o.body[:100]!r}" for v, o in outcomes.items()
    ]
    return "\n".join(lines)


def refused(vector: Vector, outcome: Outcome) -> bool:
    """A 4xx that says why (a HEAD answer has no body to say it in)."""
    return 400 <= outcome.status < 500 and bool(outcome.body or vector.method == "HEAD")


def by_name(outcomes: dict[Vector, Outcome], name: str) -> tuple[Vector, Outcome]:
    return next((v, o) for v, o in outcomes.items() if v.name == name)


def test_there_are_at_least_fifty_distinct_vectors(canary: HttpCanary) -> None:
    vectors = all_vectors(canary.url)
    assert len({vector.name for vector in vectors}) == len(vectors) >= 50
    assert len({(v.method, v.target, v.body) for v in vectors}) == len(vectors)


def test_no_vector_reaches_the_canary(outcomes: dict[Vector, Outcome], canary: HttpCanary) -> None:
    print(f"\n{table(outcomes)}")
    print(Counter((v.category, o.status) for v, o in outcomes.items()))
    assert canary.requests == []
    assert canary.connections == 0


def test_no_response_carries_canary_data(
    outcomes: dict[Vector, Outcome], canary: HttpCanary
) -> None:
    carrying = [v.name for v, o in outcomes.items() if canary.marker.encode() in o.body]
    assert carrying == [], table(outcomes)


def test_every_fetch_is_refused_with_a_client_error_and_a_message(
    outcomes: dict[Vector, Outcome],
) -> None:
    """400 from the guard, or 403 "tried to reach the network" from the sandbox; never a 500."""
    faults = [v.name for v, o in outcomes.items() if o.status >= 500]
    assert faults == [], table(outcomes)
    wrong = [v.name for v, o in outcomes.items() if not (v.may_answer or refused(v, o))]
    assert wrong == [], table(outcomes)
    sandboxed = [o for o in outcomes.values() if o.status == REFUSED_BY_SANDBOX]
    assert all(b"tried to reach the network" in o.body for o in sandboxed if o.body)


def test_update_dataset_parameters_naming_the_canary_are_refused(
    outcomes: dict[Vector, Outcome],
) -> None:
    """The parameters become USING clauses, and like USING may name only the dataset's graphs."""
    answered = [n for n in sorted(UPDATE_DATASET_PARAMETERS) if not refused(*by_name(outcomes, n))]
    assert answered == [], table(outcomes)
    bodies = [by_name(outcomes, name)[1].body for name in sorted(UPDATE_DATASET_PARAMETERS)]
    assert all(b"is not in this dataset" in body for body in bodies), table(outcomes)


def test_the_guard_names_what_it_refused(outcomes: dict[Vector, Outcome]) -> None:
    """Each query vector's 400 is the guard's (or the parser's) message, not a bare status."""
    for vector, outcome in outcomes.items():
        if vector.kind == "query" and outcome.status == REFUSED_BY_GUARD and outcome.body:
            assert len(outcome.body.strip()) > 20, (vector.name, outcome.body)


def with_former_allowlist(root: Path, url: str, way: str) -> ServedProcess:
    """The small build served with the retired SERVICE_ALLOWLIST naming the canary, given one
    of the ways a setting can be given."""
    project = write_project(root)
    if way == "instance config.py":
        (project / "instance").mkdir()
        (project / "instance" / "config.py").write_text(f"SERVICE_ALLOWLIST = [{url!r}]\n")
    if way == "environment":
        return ServedProcess(project, env={"ALLIANCE_KG_SERVICE_ALLOWLIST": url})
    if way == "--set":
        return ServedProcess(project, "--set", f"SERVICE_ALLOWLIST={url}")
    return ServedProcess(project)


def refusal_to_start(served: ServedProcess) -> str | None:
    """The server's output if it refused to start, None once it answers a query."""
    try:
        served.wait_ready(limit=60)
    except RuntimeError as refusal:
        assert served.process.poll() is not None, f"neither started nor refused: {refusal}"
        return str(refusal)
    return None


@pytest.mark.parametrize("way", ["--set", "environment", "instance config.py"])
def test_the_former_allowlist_cannot_enable_federation(tmp_path: Path, way: str) -> None:
    """SERVICE_ALLOWLIST no longer exists: naming the canary in it either stops the start with
    a message naming it, or is ignored and SERVICE to the canary is still refused."""
    listener = HttpCanary()
    served = with_former_allowlist(tmp_path, listener.url, way)
    try:
        refusal = refusal_to_start(served)
        if refusal is None:
            service = query_get("allowlisted", "", f"SELECT * {{ SERVICE <{listener.url}> {{}} }}")
            outcome = send(served.url, service, TOKEN)
            assert outcome.status == REFUSED_BY_GUARD, outcome
            assert b"SERVICE" in outcome.body
        else:
            assert served.process.returncode != 0
            assert "SERVICE_ALLOWLIST" in refusal
        time.sleep(1)
        assert (listener.connections, listener.requests) == (0, [])
    finally:
        served.stop()
        listener.close()


def test_the_canary_counts_a_plain_fetch() -> None:
    """Non-vacuity: a request from this process is one connection and one request."""
    listener = HttpCanary()
    try:
        with urllib.request.urlopen(listener.url, timeout=10) as response:
            assert listener.marker.encode() in response.read()
        time.sleep(0.3)
        assert (listener.connections, len(listener.requests)) == (1, 1)
    finally:
        listener.close()


def test_the_canary_counts_a_bare_tcp_connect() -> None:
    listener = HttpCanary()
    try:
        socket.create_connection(("127.0.0.1", listener.port), timeout=10).close()
        deadline = time.monotonic() + 10
        while listener.connections == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listener.connections == 1
    finally:
        listener.close()


def test_the_engine_unsandboxed_reaches_the_canary() -> None:
    """Non-vacuity: pyoxigraph in this process (no guard, no sandbox) does fetch for SERVICE
    and LOAD, and a SERVICE answer carries the marker, so a leak would show as a 200."""
    listener = HttpCanary()
    try:
        store = ox.Store()
        rows = list(store.query(f"SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
        assert [row["o"].value for row in rows] == [listener.marker]
        store.update(f"LOAD <{listener.url}>")
        assert [quad.object.value for quad in store] == [listener.marker]
        assert (listener.connections, len(listener.requests)) == (2, 2)
    finally:
        listener.close()


def engine_texts(url: str) -> list[Vector]:
    """The vectors that carry a query or update text for the engine."""
    return [v for v in all_vectors(url) if v.kind and v.text]


def engine_fetches(vector: Vector, listener: HttpCanary) -> bool:
    """Whether the bare engine, given the vector's text, made a request to the canary."""
    before = len(listener.requests)
    store = ox.Store()
    try:
        if vector.kind == "query":
            result = store.query(vector.text)
            if not isinstance(result, ox.QueryBoolean):
                list(result)
        else:
            store.update(vector.text)
    except (SyntaxError, OSError, ValueError, RuntimeError):
        pass  # the engine may refuse to parse or to evaluate; only the fetch counts
    return len(listener.requests) > before


def test_many_vectors_make_the_bare_engine_fetch() -> None:
    """Non-vacuity per vector: run unguarded, the texts do reach the canary."""
    listener = HttpCanary()
    try:
        vectors = engine_texts(listener.url)
        reached = [v.name for v in vectors if engine_fetches(v, listener)]
    finally:
        listener.close()
    print(f"\n{len(reached)} of {len(vectors)} texts fetch when run unguarded: {reached}")
    assert {"service-full-iri", "service-glued-other-prefix", "load-plain"} <= set(reached)
    assert len(reached) >= 30
