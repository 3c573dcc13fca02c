"""VoID, the Graph Store Protocol (read) and HTTP caching, in process."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from .endpoint_support import ONTOLOGY_GRAPH, SOURCE_GRAPH, TEXT_GRAPH, make_app, write_build

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"
ASK = "/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
TOKEN = "s3cret"


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return make_app(tmp_path, UPDATE_TOKEN=TOKEN).test_client()


def triples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.TURTLE) -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(data, format=fmt)}


def objects(found: set[ox.Triple], predicate: str) -> set[ox.Term]:
    return {t.object for t in found if t.predicate == ox.NamedNode(predicate)}


def test_void_describes_counts_classes_properties_and_graphs(client: FlaskClient) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    found = triples(response.data)
    dataset = ox.NamedNode("http://localhost/.well-known/void#dataset")
    total = next(
        t.object for t in found if t.subject == dataset and t.predicate.value.endswith("#triples")
    )
    assert total.value == "17"
    classes = objects(found, VOID + "class")
    assert ox.NamedNode("https://w3id.org/alliance-kg/ontology/Actor") in classes
    assert ox.NamedNode("https://w3id.org/alliance-kg/ontology/isPreoccupiedWith") in objects(
        found, VOID + "property"
    )
    graphs = objects(found, SD + "name")
    assert graphs == {ox.NamedNode(g) for g in (ONTOLOGY_GRAPH, SOURCE_GRAPH, TEXT_GRAPH)}
    as_xml = client.get("/.well-known/void", headers={"Accept": "application/rdf+xml"})
    assert triples(as_xml.data, ox.RdfFormat.RDF_XML)


def test_graph_store_reads_a_named_graph_and_the_default_graph(client: FlaskClient) -> None:
    named = client.get("/store", query_string={"graph": TEXT_GRAPH})
    assert named.status_code == 200
    assert named.mimetype == "text/turtle"
    assert len(triples(named.data)) == 1
    default = client.get("/store?default", headers={"Accept": "application/n-triples"})
    assert default.mimetype == "application/n-triples"
    assert len(triples(default.data, ox.RdfFormat.N_TRIPLES)) == 17
    assert client.get("/store", query_string={"graph": "urn:nothing"}).status_code == 404
    assert client.get("/store").status_code == 400
    assert client.put("/store?default", data="").status_code == 405


def test_results_carry_an_etag_and_a_matching_if_none_match_gets_304(client: FlaskClient) -> None:
    first = client.get(ASK)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    again = client.get(ASK, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(ASK, headers={"If-None-Match": '"other"'}).status_code == 200
    as_xml = client.get(ASK, headers={"Accept": "application/sparql-results+xml"})
    assert as_xml.headers["ETag"] != etag
    other_query = client.get("/sparql?query=ASK%7B%7D")
    assert other_query.headers["ETag"] != etag
    for path in ("/.well-known/void", f"/store?graph={TEXT_GRAPH}"):
        tag = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304


def test_the_etag_changes_when_the_data_changes(client: FlaskClient) -> None:
    before = client.get(ASK).headers["ETag"]
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    assert client.post("/update", data={"update": update}, headers=headers).status_code == 200
    after = client.get(ASK, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before


def test_a_new_build_version_changes_the_etag(tmp_path: Path) -> None:
    one = make_app(tmp_path / "one").test_client().get(ASK).headers["ETag"]
    app = make_app(tmp_path / "two", BUILD_DIR=str(write_build(tmp_path / "b2", version="v2")))
    assert app.test_client().get(ASK).headers["ETag"] != one
