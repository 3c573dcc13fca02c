"""The SPARQL 1.1 Protocol matrix at /sparql, in process: methods, formats, datasets, errors."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient

from alliance_kg.sparql import results

from .endpoint_support import ONTOLOGY_GRAPH, SOURCE_GRAPH, TEXT_GRAPH, make_app, solutions

LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
ACTORS = "SELECT ?s WHERE { ?s a <https://w3id.org/alliance-kg/ontology/Actor> } ORDER BY ?s"
CONSTRUCT = "CONSTRUCT WHERE { ?s a <https://w3id.org/alliance-kg/ontology/Actor> }"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_get_post_form_and_post_body_give_the_same_solutions(client: FlaskClient) -> None:
    by_get = client.get("/sparql", query_string={"query": ACTORS})
    by_form = client.post("/sparql", data={"query": ACTORS})
    by_body = client.post("/sparql", data=ACTORS, content_type="application/sparql-query")
    assert by_get.status_code == by_form.status_code == by_body.status_code == 200
    assert solutions(by_get) == solutions(by_form) == solutions(by_body)
    assert len(solutions(by_get)) == 2


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/csv;q=1.0, application/sparql-results+xml;q=0.9", "text/csv"),
        ("text/html, text/*;q=0.5", "text/csv"),
    ],
)
def test_select_results_follow_accept_with_q_values(
    client: FlaskClient, accept: str | None, media_type: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": ACTORS}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    if media_type == "text/csv":  # lossy: the engine will not parse it back
        assert response.data.decode().splitlines()[0] == "s"
        assert len(response.data.decode().splitlines()) == 3
        return
    fmt = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }[media_type]
    parsed = ox.parse_query_results(io.BytesIO(response.data), format=fmt)
    assert len(list(parsed)) == 2


@pytest.mark.parametrize("name", ["json", "xml", "csv", "tsv"])
def test_ask_is_written_in_every_result_format(client: FlaskClient, name: str) -> None:
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "format": name})
    assert response.status_code == 200
    assert b"true" in response.data


@pytest.mark.parametrize(
    ("media_type", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ],
)
@pytest.mark.parametrize(
    "query", [CONSTRUCT, "DESCRIBE <https://w3id.org/alliance-kg/id/issue/iraq>"]
)
def test_graph_results_round_trip_in_every_rdf_format(
    client: FlaskClient, media_type: str, fmt: ox.RdfFormat, query: str
) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    reference = client.get("/sparql", query_string={"query": query, "format": "nt"})
    expected = set(ox.parse(reference.data, format=ox.RdfFormat.N_TRIPLES))
    assert expected
    assert set(ox.parse(response.data, format=fmt)) == expected


def test_nothing_acceptable_is_406(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": ACTORS}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    assert b"text/csv" in response.data
    graph = client.get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/csv"})
    assert graph.status_code == 406


def test_format_parameter_wins_over_accept(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": ACTORS, "format": "csv"}, headers={"Accept": "text/tsv"}
    )
    assert response.mimetype == "text/csv"
    typed = client.get("/sparql", query_string={"query": CONSTRUCT, "format": "text/turtle"})
    assert typed.mimetype == "text/turtle"
    unknown = client.get("/sparql", query_string={"query": ACTORS, "format": "pdf"})
    assert unknown.status_code == 406


def test_default_graph_uri_narrows_the_default_graph(client: FlaskClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = solutions(client.get("/sparql", query_string={"query": query}))[0]["n"]
    narrowed = client.get(
        "/sparql", query_string={"query": query, "default-graph-uri": [SOURCE_GRAPH, TEXT_GRAPH]}
    )
    assert narrowed.status_code == 200
    assert int(solutions(narrowed)[0]["n"]) == 11 < int(everything)


def test_named_graph_uri_limits_graph_patterns(client: FlaskClient) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.post("/sparql", data={"query": query, "named-graph-uri": ONTOLOGY_GRAPH})
    assert [row["g"] for row in solutions(response)] == [ONTOLOGY_GRAPH]


def test_from_in_the_query_is_honoured_for_dataset_graphs(client: FlaskClient) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{TEXT_GRAPH}> WHERE {{ ?s ?p ?o }}"
    assert solutions(client.get("/sparql", query_string={"query": query}))[0]["n"] == "1"
    named = f"SELECT ?g FROM NAMED <{TEXT_GRAPH}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    rows = solutions(client.get("/sparql", query_string={"query": named}))
    assert {row["g"] for row in rows} == {TEXT_GRAPH}


def test_syntax_error_is_400_with_message_and_position(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?s WHERE {\n ?s ?p }"})
    assert response.status_code == 400
    assert b"Syntax error" in response.data
    assert b"2:" in response.data
    garbage = client.get("/sparql", query_string={"query": "HELLO"})
    assert garbage.status_code == 400
    assert b"1:" in garbage.data


def test_wrong_method_is_405_and_wrong_media_type_is_415(client: FlaskClient) -> None:
    put = client.put("/sparql", data=ACTORS, content_type="application/sparql-query")
    assert put.status_code == 405
    assert "POST" in put.headers["Allow"]
    assert client.delete("/sparql").status_code == 405
    text = client.post("/sparql", data=ACTORS, content_type="text/plain")
    assert text.status_code == 415
    assert client.get("/update").status_code == 405


def test_two_query_parameters_are_400(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400
    assert b"query" in response.data
    mixed = client.post(
        "/sparql?query=ASK%7B%7D", data=ACTORS, content_type="application/sparql-query"
    )
    assert mixed.status_code == 400
    both = client.post("/sparql", data={"query": ACTORS, "update": "CLEAR DEFAULT"})
    assert both.status_code == 400


def test_empty_query_and_post_without_query_are_400(client: FlaskClient) -> None:
    assert client.get("/sparql?query=").status_code == 400
    assert client.post("/sparql", data={}, content_type=FORM).status_code == 400


def test_head_answers_without_a_body(client: FlaskClient) -> None:
    response = client.head("/sparql", query_string={"query": ACTORS})
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["ETag"]


def test_browsers_get_the_query_page_others_the_service_description(client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    page = client.get("/sparql", headers={"Accept": browser})
    assert page.mimetype == "text/html"
    assert b"<form" in page.data
    description = client.get("/sparql", headers={"Accept": "*/*"})
    assert description.mimetype == "text/turtle"
    triples = {quad.triple for quad in ox.parse(description.data, format=ox.RdfFormat.TURTLE)}
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = ox.NamedNode("http://localhost/sparql")
    assert ox.Triple(service, ox.NamedNode(sd + "endpoint"), service) in triples
    names = {t.object for t in triples if t.predicate == ox.NamedNode(sd + "name")}
    assert ox.NamedNode(SOURCE_GRAPH) in names
    as_jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert as_jsonld.mimetype == "application/ld+json"
    assert json.loads(as_jsonld.data)


def test_server_fault_is_500_with_a_logged_request_id_and_no_traceback(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> tuple[bytes, bool]:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(results, "execute", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get("/sparql", query_string={"query": ACTORS})
    assert response.status_code == 500
    request_id = response.headers["X-Request-Id"]
    assert request_id.encode() in response.data
    assert b"Traceback" not in response.data
    assert b"ZeroDivisionError" not in response.data
    assert any(request_id in record.getMessage() for record in caplog.records)
    assert any(record.exc_info for record in caplog.records)
