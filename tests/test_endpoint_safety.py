"""Safe by default, in process: no fetch (canary listener), caps, bad input, time limit, CORS."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from alliance_kg.store.backend import EXTENSION as STORE
from alliance_kg.store.backend import Backend

from .endpoint_support import ONTOLOGY_GRAPH, Canary, make_app, solutions

TOKEN = "s3cret"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return make_app(tmp_path, UPDATE_TOKEN=TOKEN, MAX_RESULT_ROWS=3).test_client()


def fetching_queries(url: str) -> list[str]:
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        f"PREFIX c: <{url}> SELECT * WHERE {{ SERVICE c:sparql {{ ?s ?p ?o }} }}",
        f"BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?e {{ <{url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"ASK {{ ?s ?p ?o }} # harmless\n; LOAD <{url}>",
    ]


def test_nothing_makes_the_server_fetch_a_url(client: FlaskClient, canary: Canary) -> None:
    for query in fetching_queries(canary.url):
        for response in (
            client.get("/sparql", query_string={"query": query}),
            client.post("/sparql", data={"query": query}),
        ):
            assert response.status_code == 400, query
    for params in ({"default-graph-uri": canary.url}, {"named-graph-uri": canary.url}):
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", **params})
        assert response.status_code == 400
    authorised = {"Authorization": f"Bearer {TOKEN}"}
    for update in (
        f"LOAD <{canary.url}>",
        f"LOAD SILENT <{canary.url}> INTO GRAPH <urn:mine>",
        f"INSERT {{ <urn:a> <urn:b> ?o }} WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
        f"INSERT {{ <urn:a> <urn:b> ?o }} USING <{canary.url}> WHERE {{ ?s ?p ?o }}",
    ):
        response = client.post("/update", data={"update": update}, headers=authorised)
        assert response.status_code == 400, update
    time.sleep(0.3)
    assert canary.hits == 0


def test_keywords_inside_strings_iris_and_comments_are_not_refused(client: FlaskClient) -> None:
    query = (
        'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:9/> LOAD" }  # SERVICE <http://x/>\n'
        "LIMIT 1"
    )
    assert client.get("/sparql", query_string={"query": query}).status_code == 200
    iri = "SELECT * WHERE { <http://example.org/SERVICE/LOAD> ?p ?service }"
    assert client.get("/sparql", query_string={"query": iri}).status_code == 200
    dataset = f"SELECT * FROM <{ONTOLOGY_GRAPH}> WHERE {{ ?s ?p ?o }} LIMIT 1"
    assert client.get("/sparql", query_string={"query": dataset}).status_code == 200


def test_result_rows_are_capped(client: FlaskClient) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o }"
    capped = client.get("/sparql", query_string={"query": query})
    assert len(solutions(capped)) == 3
    assert capped.headers["X-SPARQL-MaxRows"] == "3"
    lower = client.get("/sparql", query_string={"query": query + " LIMIT 2"})
    assert len(solutions(lower)) == 2
    assert "X-SPARQL-MaxRows" not in lower.headers
    higher = client.get("/sparql", query_string={"query": query + " LIMIT 100 OFFSET 1"})
    assert len(solutions(higher)) == 3
    values = client.get("/sparql", query_string={"query": query + " VALUES ?x { 1 }"})
    assert len(solutions(values)) == 3
    commented = client.get("/sparql", query_string={"query": query + " # the end"})
    assert len(solutions(commented)) == 3


def test_oversized_requests_are_refused(client: FlaskClient) -> None:
    big = "ASK { ?s ?p ?o } #" + "x" * (2 * 1024 * 1024)
    assert client.post("/sparql", data={"query": big}).status_code == 413
    body = client.post("/sparql", data=big, content_type="application/sparql-query")
    assert body.status_code == 413
    assert client.get("/sparql", query_string={"query": big}).status_code == 414
    assert client.get("/sparql?query=ASK%7B%7D").status_code == 200


def test_invalid_utf8_is_400(client: FlaskClient) -> None:
    assert client.get("/sparql?query=ASK%7B%7D%FF%FE").status_code == 400
    raw = client.post("/sparql", data=b"ASK {} \xff\xfe", content_type="application/sparql-query")
    assert raw.status_code == 400
    form = client.post(
        "/sparql", data=b"query=ASK%7B%7D%C3%28", content_type="application/x-www-form-urlencoded"
    )
    assert form.status_code == 400
    assert client.get("/sparql?query=ASK%7B%7D").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 2000 + " ?s ?p ?o " + "}" * 2000,
        "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 2000 + "?o" + ")" * 2000 + ") }",
        "SELECT * WHERE { " + "{ ?s ?p ?o } UNION " * 2000 + "{ ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(["?o = 1"] * 20000) + ") }",
        "SELECT * WHERE { ?s " + "/".join(["<urn:p>"] * 20000) + " ?o }",
        "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?x } " * 3000 + "}",
    ],
    ids=["nested-groups", "nested-parentheses", "unions", "or-chain", "path", "optionals"],
)
def test_deeply_nested_queries_are_400_and_the_server_stays_up(
    client: FlaskClient, query: str
) -> None:
    assert client.post("/sparql", data={"query": query}).status_code == 400
    assert client.get("/sparql?query=ASK%7B%7D").status_code == 200


class HeldStore:
    """The app's store with every query held until the test releases it: a runaway query that
    cannot finish early, however fast the machine."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.release = threading.Event()

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.release.wait()
        return self.inner.query(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[FlaskClient, HeldStore]]:
    """A client whose queries never finish inside `QUERY_TIMEOUT` (2 s); released at the end, so
    no helper thread outlives the test."""
    app = make_app(tmp_path, QUERY_TIMEOUT=2.0)
    store = HeldStore(app.extensions[STORE])
    app.extensions[STORE] = store
    yield app.test_client(), store
    store.release.set()


def test_a_runaway_query_gets_a_clear_timeout(held: tuple[FlaskClient, HeldStore]) -> None:
    client, store = held
    response = client.get("/sparql", query_string={"query": COUNT})
    assert response.status_code == 503
    assert b"timed out" in response.data
    assert b"2 s limit" in response.data
    assert b"QUERY_TIMEOUT" in response.data
    store.release.set()
    assert client.get("/sparql", query_string={"query": COUNT}).status_code == 200


@pytest.mark.slow
def test_a_runaway_post_is_answered_soon_after_the_limit(
    held: tuple[FlaskClient, HeldStore],
) -> None:
    client, _ = held
    started = time.monotonic()
    response = client.post("/sparql", data={"query": COUNT})
    assert time.monotonic() - started < 2.0 + 20  # the limit, and a margin for a loaded machine
    assert response.status_code == 503
    assert b"QUERY_TIMEOUT" in response.data
    assert response.headers["X-Request-Id"]


def test_cors_allows_any_origin_without_credentials(client: FlaskClient) -> None:
    origin = {"Origin": "https://example.org"}
    response = client.get("/sparql?query=ASK%7B%7D", headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    post = client.post("/sparql", data={"query": "ASK {}"}, headers=origin)
    assert post.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            **origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code in (200, 204)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    error = client.get("/sparql?query=nonsense", headers=origin)
    assert error.headers["Access-Control-Allow-Origin"] == "*"
