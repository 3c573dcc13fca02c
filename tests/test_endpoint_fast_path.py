"""The WSGI fast path answers query GETs exactly as the Flask route does, and only those."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from alliance_kg import fast_path

from .endpoint_support import SOURCE_GRAPH, make_app

ACTORS = "SELECT ?s WHERE { ?s a <https://w3id.org/alliance-kg/ontology/Actor> } ORDER BY ?s"
REQUESTS = [
    ({"query": ACTORS}, {}),
    ({"query": ACTORS}, {"Accept": "text/csv;q=0.9, application/sparql-results+xml"}),
    ({"query": ACTORS, "format": "tsv"}, {}),
    ({"query": "ASK { ?s ?p ?o }", "default-graph-uri": SOURCE_GRAPH}, {}),
    ({"query": "CONSTRUCT WHERE { ?s a ?c }"}, {"Accept": "application/n-triples"}),
    ({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 2"}, {"Origin": "https://example.org"}),
    ({"query": "SELECT ?s WHERE { ?s ?p ?o }"}, {}),
]
VARYING = {"X-Request-Id", "Date"}


@pytest.fixture
def clients(tmp_path: Path) -> tuple[FlaskClient, FlaskClient]:
    fast = make_app(tmp_path / "fast", MAX_RESULT_ROWS=5)
    slow = make_app(tmp_path / "slow", MAX_RESULT_ROWS=5, FAST_PATH=False)
    assert isinstance(fast.wsgi_app, fast_path.FastQueries)
    assert not isinstance(slow.wsgi_app, fast_path.FastQueries)
    return fast.test_client(), slow.test_client()


@pytest.mark.parametrize(("params", "headers"), REQUESTS)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_fast_path_and_flask_answer_alike(
    clients: tuple[FlaskClient, FlaskClient], params: dict, headers: dict, method: str
) -> None:
    fast, slow = clients
    answers = [
        client.open("/sparql", method=method, query_string=params, headers=headers)
        for client in (fast, slow)
    ]
    assert answers[0].status_code == answers[1].status_code == 200
    assert answers[0].data == answers[1].data
    kept = [{k: v for k, v in a.headers.items() if k not in VARYING} for a in answers]
    assert kept[0] == kept[1]
    etag = answers[0].headers["ETag"]
    for client in (fast, slow):
        again = client.get(
            "/sparql", query_string=params, headers={**headers, "If-None-Match": etag}
        )
        assert again.status_code == 304


def test_errors_are_written_by_flask(clients: tuple[FlaskClient, FlaskClient]) -> None:
    fast, slow = clients
    for params in ({"query": "SELEC"}, {"query": ACTORS, "format": "pdf"}, {"update": "CLEAR ALL"}):
        answers = [client.get("/sparql", query_string=params) for client in (fast, slow)]
        assert answers[0].status_code == answers[1].status_code >= 400
        assert answers[0].data == answers[1].data
