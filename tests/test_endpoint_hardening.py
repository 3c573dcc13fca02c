"""Hardening, in process: no open redirect, no framing, stable description tags, bounded output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from .endpoint_support import make_app, solutions, write_build

BASE = "https://w3id.org/alliance-kg/"
ALL = "SELECT * WHERE { ?s ?p ?o }"
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}


def big_construct(width: int) -> str:
    """A CONSTRUCT whose template makes `width` triples out of every solution."""
    template = " ".join(f"?s <urn:copy:{n}> ?o ." for n in range(width))
    return f"CONSTRUCT {{ {template} }} WHERE {{ ?s ?p ?o }}"


def graph_of(data: bytes, media_type: str) -> list[ox.Quad]:
    return list(ox.parse(data, format=GRAPH_FORMATS[media_type]))


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    return make_app(tmp_path).test_client()


@pytest.mark.parametrize(
    "iri", [BASE + "/evil.example", BASE + "//evil.example", BASE + "\\evil.example", BASE]
)
def test_resource_never_redirects_off_this_server(client: FlaskClient, iri: str) -> None:
    """Issue: `/resource?iri=<base>/evil.example` answered `303 Location: //evil.example`."""
    response = client.get("/resource", query_string={"iri": iri})
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303, 307, 308):
        assert location[:1] == "/" and location[1:2] not in ("/", "\\", ""), location
        assert not location.startswith("/resource?"), "a redirect to itself loops"
    else:
        assert not location


def test_resource_still_redirects_base_iris_to_their_page(client: FlaskClient) -> None:
    response = client.get("/resource", query_string={"iri": BASE + "id/actor/tokyo"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/id/actor/tokyo"


@pytest.mark.parametrize(
    ("target", "headers"),
    [
        ("/", {}),
        ("/sparql", {"Accept": "text/html"}),
        ("/id/actor/tokyo", {"Accept": "text/html"}),
        ("/no/such/page", {}),
        ("/sparql?query=nonsense", {}),
    ],
)
def test_pages_and_errors_refuse_to_be_framed(
    client: FlaskClient, target: str, headers: dict[str, str]
) -> None:
    response = client.get(target, headers=headers)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_query_results_refuse_to_be_framed(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": "ASK {}"})
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"


DESCRIBE_IN_A_FRESH_PROCESS = """
import hashlib, json, sys
from alliance_kg.app import create_app
app = create_app({"TESTING": True, "BUILD_DIR": sys.argv[1], "INSTANCE_PATH": sys.argv[2],
                  "WARM_PAGES": False, "UPDATE_TOKEN": "t"})
client = app.test_client()
found = {}
for target in ("/.well-known/void", "/sparql"):
    for accept in ("text/turtle", "application/ld+json", "application/rdf+xml"):
        response = client.get(target, headers={"Accept": accept})
        assert response.status_code == 200, response.data
        digest = hashlib.sha256(response.data).hexdigest()
        found[target + " " + accept] = [response.headers["ETag"], digest]
print(json.dumps(found))
"""


def test_descriptions_are_the_same_bytes_and_tag_in_every_process(tmp_path: Path) -> None:
    """Issue: two workers gave one strong ETag to different bytes (random blank node labels)."""
    build = write_build(tmp_path / "build")
    answers = []
    for seed in ("1", "2"):
        environ = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", DESCRIBE_IN_A_FRESH_PROCESS, str(build), str(tmp_path / seed)],
            capture_output=True,
            text=True,
            env=environ,
            check=True,
            timeout=120,
        )
        answers.append(json.loads(run.stdout))
    assert answers[0] == answers[1]


def test_a_description_tag_names_its_bytes_and_revalidates(client: FlaskClient) -> None:
    first = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    etag = first.headers["ETag"]
    again = client.get(
        "/.well-known/void", headers={"Accept": "text/turtle", "If-None-Match": etag}
    )
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    other = client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert other.headers["ETag"] != etag


def test_a_construct_is_capped_by_triples(tmp_path: Path) -> None:
    """Issue: a 30 KB query made a 106 MB response (a big template times many solutions)."""
    client = make_app(tmp_path, MAX_RESULT_ROWS=5).test_client()
    response = client.get("/sparql", query_string={"query": big_construct(10)})
    assert response.status_code == 200
    assert len(graph_of(response.data, "text/turtle")) == 5
    assert response.headers["X-SPARQL-MaxRows"] == "5"


@pytest.mark.parametrize("media_type", GRAPH_FORMATS)
def test_a_construct_is_capped_by_bytes_in_every_format(tmp_path: Path, media_type: str) -> None:
    client = make_app(tmp_path, MAX_RESULT_ROWS=0, MAX_RESULT_BYTES=3000).test_client()
    query = big_construct(60)
    for response in (
        client.get("/sparql", query_string={"query": query}, headers={"Accept": media_type}),
        client.post("/sparql", data={"query": query}, headers={"Accept": media_type}),
    ):
        assert response.status_code == 200
        assert 0 < len(response.data) <= 3000
        assert 10 < len(graph_of(response.data, media_type)) < 17 * 60
        assert "X-SPARQL-MaxRows" in response.headers


def test_a_construct_under_both_caps_is_whole(tmp_path: Path) -> None:
    client = make_app(tmp_path, MAX_RESULT_ROWS=1000).test_client()
    response = client.get("/sparql", query_string={"query": big_construct(2)})
    assert len(graph_of(response.data, "text/turtle")) == 2 * 17
    assert "X-SPARQL-MaxRows" in response.headers  # the LIMIT was added, as before


def tsv_rows(data: bytes) -> int:
    return data.decode().count("\n") - 1


def xml_rows(data: bytes) -> int:
    return len(ET.fromstring(data).findall(".//{http://www.w3.org/2005/sparql-results#}result"))


@pytest.mark.parametrize(
    ("media_type", "count"),
    [
        ("application/sparql-results+json", None),
        ("application/sparql-results+xml", xml_rows),
        ("text/tab-separated-values", tsv_rows),
        ("text/csv", lambda data: data.decode().count("\r\n") - 1),
    ],
)
def test_a_select_past_the_byte_cap_is_capped(tmp_path: Path, media_type: str, count) -> None:
    client = make_app(tmp_path, MAX_RESULT_ROWS=0, MAX_RESULT_BYTES=1200).test_client()
    whole = make_app(tmp_path / "whole", MAX_RESULT_ROWS=0).test_client()
    accept = {"Accept": media_type}
    assert len(whole.get("/sparql", query_string={"query": ALL}, headers=accept).data) > 1200
    for response in (
        client.get("/sparql", query_string={"query": ALL}, headers=accept),
        client.post("/sparql", data={"query": ALL}, headers=accept),
    ):
        assert response.status_code == 200
        assert len(response.data) <= 1200
        rows = len(solutions(response)) if count is None else count(response.data)
        assert 0 < rows < 17
        assert "X-SPARQL-MaxRows" in response.headers
