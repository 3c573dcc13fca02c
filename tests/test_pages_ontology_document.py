"""The ontology at its namespace IRI: HTML documentation for people, the whole graph as RDF."""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.namespace import OWL, RDF

from alliance_kg.store.backend import Backend

from .conftest import REPO
from .pages_support import HTML, essay_app

ONTOLOGY = "https://w3id.org/alliance-kg/ontology"


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


def source_ontology() -> Graph:
    graph = Graph()
    for module in (REPO / "ontology").glob("*.ttl"):
        graph.parse(module)
    return graph


@pytest.mark.parametrize(
    ("accept", "path", "rdflib_format"),
    [
        ("text/turtle", "/ontology", "turtle"),
        ("application/rdf+xml", "/ontology", "xml"),
        ("application/ld+json", "/ontology", "json-ld"),
        (None, "/ontology.ttl", "turtle"),
        (None, "/ontology.jsonld", "json-ld"),
    ],
)
def test_namespace_iri_gives_the_whole_ontology_by_negotiation(
    client: FlaskClient, accept: str | None, path: str, rdflib_format: str
) -> None:
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    served = Graph().parse(io.BytesIO(response.data), format=rdflib_format)
    expected = source_ontology()
    assert set(expected.subjects(RDF.type, OWL.Class)) == set(served.subjects(RDF.type, OWL.Class))
    assert (None, OWL.versionIRI, None) in served
    assert len(served) == len(expected)


def test_browsers_get_the_documentation_page(client: FlaskClient) -> None:
    response = client.get("/ontology", headers=HTML)
    assert response.content_type.startswith("text/html")
    assert b"AlliancePhase" in response.data
