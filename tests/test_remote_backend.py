"""`serve --backend sparql+http://...`: the endpoint and pages on a remote store (Virtuoso).

The example queries and the page tests run on this backend too, through the parametrised
`essay_store` fixture; this module checks what only a remote store has: the server process
started on it, the store's own graphs kept out, its extensions and updates refused, and clear
answers when it fails or is slow.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from collections.abc import Iterator

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from alliance_kg.app import create_app
from alliance_kg.project import Project
from alliance_kg.store.remote import BackendError, RemoteStore
from alliance_kg.store.statistics import STATISTICS_GRAPH

from .endpoint_support import Canary, ServedProcess, free_port
from .pages_support import HTML, ID

ALLIANCE = ID + "alliance/us-japan-alliance"
ALLIANCE_PAGE = "/id/alliance/us-japan-alliance"
VIRTUOSO_SYSTEM_PROPERTY = "http://www.openlinksw.com/schemas/virtrdf#qmfIsBijection"


@pytest.fixture(scope="module")
def remote_server(built: Project, published_virtuoso) -> Iterator[ServedProcess]:
    server = ServedProcess(built.root, "--backend", published_virtuoso.backend, "--workers", "2")
    try:
        server.wait_ready(60)
        yield server
    finally:
        server.stop()


def _select(url: str, query: str) -> list[dict[str, str]]:
    client = SPARQLWrapper(url + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]
    return [{name: term["value"] for name, term in row.items()} for row in bindings]


def test_serve_backend_answers_sparqlwrapper_from_the_remote_store(
    remote_server: ServedProcess,
) -> None:
    rows = _select(
        remote_server.url,
        f"SELECT ?label WHERE {{ <{ALLIANCE}> <http://www.w3.org/2000/01/rdf-schema#label> "
        "?label }",
    )
    assert rows == [{"label": "US-Japan alliance"}]


def test_only_the_projects_graphs_are_visible(remote_server: ServedProcess, built: Project) -> None:
    """Virtuoso's system graphs (virtrdf, its own /sparql graph) stay out of the union."""
    rows = _select(remote_server.url, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    manifest = json.loads((built.build_dir / "current" / "manifest.json").read_text("utf-8"))
    assert {row["g"] for row in rows} == set(manifest["graphs"])
    counted = _select(remote_server.url, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    data = manifest["triples"] - manifest["graphs"][STATISTICS_GRAPH]  # not in the union
    assert int(counted[0]["n"]) == data


def test_pages_are_served_from_the_remote_store(remote_server: ServedProcess) -> None:
    request = urllib.request.Request(remote_server.url + ALLIANCE_PAGE, headers=HTML)
    with urllib.request.urlopen(request, timeout=30) as response:
        html = response.read().decode("utf-8")
    assert response.status == 200
    assert "US-Japan alliance" in html


def test_service_and_store_extensions_are_refused(
    remote_server: ServedProcess, published_virtuoso
) -> None:
    canary = Canary()
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
            f'DEFINE get:soft "replace" SELECT * FROM <{canary.url}> WHERE {{ ?s ?p ?o }}',
        ):
            client = SPARQLWrapper(remote_server.url + "/sparql")
            client.setQuery(query)
            client.setReturnFormat(JSON)
            with pytest.raises(QueryBadFormed):
                client.queryAndConvert()
        assert canary.hits == 0
    finally:
        canary.close()


def test_updates_are_refused_with_the_reason(built: Project, published_virtuoso) -> None:
    app = create_app(
        {"TESTING": True, "BACKEND": published_virtuoso.backend, "UPDATE_TOKEN": "secret"}
    )
    answer = app.test_client().post(
        "/update",
        data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"},
        headers={"Authorization": "Bearer secret"},
    )
    assert answer.status_code == 403
    assert b"remote store" in answer.data


def test_ask_and_construct_come_back_as_the_engines_types(published_virtuoso) -> None:
    app = create_app({"TESTING": True, "BACKEND": published_virtuoso.backend})
    client = app.test_client()
    asked = client.get(
        "/sparql",
        query_string={"query": f"ASK {{ <{ALLIANCE}> ?p ?o }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert asked.get_json()["boolean"] is True
    system = client.get(
        "/sparql",
        query_string={
            "query": "ASK { ?s <http://www.openlinksw.com/schemas/virtrdf#qmfIsBijection> ?o }"
        },
        headers={"Accept": "application/sparql-results+json"},
    )
    assert system.get_json()["boolean"] is False
    built = client.get(
        "/sparql",
        query_string={
            "query": f"CONSTRUCT {{ <{ALLIANCE}> ?p ?o }} WHERE {{ <{ALLIANCE}> ?p ?o }}"
        },
        headers={"Accept": "application/n-triples"},
    )
    assert built.status_code == 200
    assert f"<{ALLIANCE}> <http://www.w3.org/2000/01/rdf-schema#label>".encode() in built.data


def test_an_unreachable_store_fails_at_start_naming_it() -> None:
    port = free_port()
    with pytest.raises(BackendError, match=f"127.0.0.1:{port}/sparql is unreachable"):
        RemoteStore.open(f"sparql+http://127.0.0.1:{port}/sparql", timeout=2)


def test_a_backend_url_without_the_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="sparql\\+http://"):
        RemoteStore.open("http://127.0.0.1:1/sparql", timeout=2)


@pytest.fixture
def silent_store() -> Iterator[int]:
    """A loopback listener that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for connection in held:
            connection.close()
        listener.close()


def test_a_store_that_does_not_answer_in_time_gives_504(
    published_virtuoso, silent_store: int
) -> None:
    store = RemoteStore.open(published_virtuoso.backend, timeout=1)
    # The store's own 1 s read timeout must answer first: a wide QUERY_TIMEOUT leaves a loaded
    # machine room, so the 503 of the time limit cannot win the race.
    app = create_app({"TESTING": True, "STORE": store, "QUERY_TIMEOUT": 30.0})
    store.url = f"http://127.0.0.1:{silent_store}/sparql"  # the store goes silent
    answer = app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert answer.status_code == 504
    assert b"did not answer within 1 s" in answer.data
    assert b"Traceback" not in answer.data


def test_the_version_follows_the_stores_graphs(published_virtuoso) -> None:
    store = RemoteStore.open(published_virtuoso.backend, timeout=10)
    first = store.version
    store.graphs = {}
    store.refresh()
    assert store.version == first
    assert sum(store.graphs.values()) > 4000
