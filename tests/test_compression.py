"""gzip for text responses (issue 15, item 7): pages, SPARQL results and RDF, compressed for the
clients that accept it, with their own entity tag, through the test client and the real front."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from http.client import HTTPConnection
from urllib.parse import quote, urlsplit

import pytest
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, SPARQLWrapper

from alliance_kg.project import Project
from alliance_kg.sparql.compression import accepts_gzip, compressible, gzip_tag
from alliance_kg.store.embedded import Store

from .endpoint_support import ServedProcess
from .pages_support import HTML, essay_app

ABE = "/id/actor/shinzo-abe"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}
COUNT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200"


@pytest.fixture(scope="module")
def client(built: Project) -> FlaskClient:
    return essay_app(Store.open(built.build_dir / "current")).test_client()


@pytest.fixture(scope="module")
def server(built: Project) -> Iterator[ServedProcess]:
    """The essay build behind the real front, as `alliance-kg serve` runs it."""
    served = ServedProcess(built.root, "--workers", "1")
    try:
        served.wait_ready()
        yield served
    finally:
        served.stop()


def test_accept_encoding_is_read_with_its_q_values() -> None:
    assert accepts_gzip("gzip, deflate, br")
    assert accepts_gzip("br;q=1.0, gzip;q=0.8, *;q=0.1")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("identity")
    assert not accepts_gzip("*;q=1, gzip;q=0")
    assert not accepts_gzip("")


def test_text_types_are_compressible_and_compressed_ones_are_not() -> None:
    for media in (
        "text/html; charset=utf-8",
        "application/sparql-results+json",
        "application/ld+json",
        "application/n-quads",
        "text/javascript",
    ):
        assert compressible(media), media
    assert not compressible("application/gzip")
    assert not compressible("image/png")
    assert gzip_tag('"abc"') == '"abc-gzip"'
    assert gzip_tag('W/"abc"') == 'W/"abc-gzip"'


def test_a_page_is_compressed_with_its_own_tag_and_the_same_bytes(client: FlaskClient) -> None:
    plain = client.get(ABE, headers=HTML)
    packed = client.get(ABE, headers={**HTML, **GZIP})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 2
    assert gzip.decompress(packed.data) == plain.data
    assert packed.headers["ETag"] == gzip_tag(plain.headers["ETag"])
    assert packed.headers.get_all("Vary") == ["Accept, Accept-Encoding"]


def test_either_tag_revalidates_and_the_304_names_the_one_sent(client: FlaskClient) -> None:
    plain = client.get(ABE, headers=HTML).headers["ETag"]
    packed = client.get(ABE, headers={**HTML, **GZIP}).headers["ETag"]
    for sent in (plain, packed):
        again = client.get(ABE, headers={**HTML, **GZIP, "If-None-Match": sent})
        assert again.status_code == 304
        assert again.headers["ETag"] == sent
        assert again.data == b""
    stale = client.get(ABE, headers={**HTML, **GZIP, "If-None-Match": '"other-gzip"'})
    assert stale.status_code == 200


def test_head_gives_the_headers_of_the_compressed_get(client: FlaskClient) -> None:
    get = client.get(ABE, headers={**HTML, **GZIP})
    head = client.head(ABE, headers={**HTML, **GZIP})
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Encoding", "Content-Length", "ETag", "Vary", "Content-Type"):
        assert head.headers[name] == get.headers[name], name


def test_sparql_results_rdf_and_scripts_are_compressed(client: FlaskClient) -> None:
    results = client.get(
        "/sparql?query=" + quote(COUNT),
        headers={"Accept": "application/sparql-results+json", **GZIP},
    )
    assert results.headers["Content-Encoding"] == "gzip"
    assert b'"bindings"' in gzip.decompress(results.data)
    assert "Accept-Encoding" in results.headers["Vary"]
    turtle = client.get("/ontology.ttl", headers=GZIP)
    assert turtle.headers["Content-Encoding"] == "gzip"
    assert len(Graph().parse(data=gzip.decompress(turtle.data), format="turtle")) > 100
    script = client.get("/assets/cytoscape.min.js", headers=GZIP)
    assert script.headers["Content-Encoding"] == "gzip"
    assert len(script.data) < 200_000 < len(gzip.decompress(script.data))


def test_small_bodies_refusals_and_non_text_are_left_alone(client: FlaskClient) -> None:
    small = client.get("/sparql?query=" + quote("ASK {}"), headers=GZIP)
    assert small.status_code == 200
    assert "Content-Encoding" not in small.headers
    refused = client.get(ABE, headers={**HTML, "Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    assert "Accept-Encoding" in refused.headers["Vary"]
    dump = client.get("/dump.nq.gz", headers=GZIP)
    assert "Content-Encoding" not in dump.headers
    missing = client.get("/id/actor/nobody-at-all", headers={**HTML, **GZIP})
    assert missing.status_code == 404
    assert "Content-Encoding" not in missing.headers  # only whole 200 answers


def _raw(server: ServedProcess, method: str, path: str, headers: dict[str, str]) -> tuple:
    connection = HTTPConnection(urlsplit(server.url).netloc, timeout=10)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_real_front_sends_compressed_pages_and_results(server: ServedProcess) -> None:
    status, headers, body = _raw(server, "GET", ABE, {**HTML, **GZIP})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert int(headers["Content-Length"]) == len(body)
    assert b"<h1>Shinzo Abe</h1>" in gzip.decompress(body)
    _status, head_headers, head_body = _raw(server, "HEAD", ABE, {**HTML, **GZIP})
    assert head_body == b""
    assert head_headers["Content-Length"] == headers["Content-Length"]
    assert head_headers["ETag"] == headers["ETag"]
    status, revalidated, _ = _raw(
        server, "GET", ABE, {**HTML, **GZIP, "If-None-Match": headers["ETag"]}
    )
    assert status == 304
    assert revalidated["ETag"] == headers["ETag"]
    query = "/sparql?query=" + quote(COUNT)
    accept = {"Accept": "application/sparql-results+json"}
    _status, plain_headers, plain = _raw(server, "GET", query, accept)
    _status, packed_headers, packed = _raw(server, "GET", query, {**accept, **GZIP})
    assert "Content-Encoding" not in plain_headers
    assert packed_headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed) == plain


def test_sparqlwrapper_and_rdflib_still_read_the_real_front(server: ServedProcess) -> None:
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setQuery(COUNT)
    wrapper.setReturnFormat(JSON)
    assert len(wrapper.query().convert()["results"]["bindings"]) == 200
    store = SPARQLStore(server.url + "/sparql")
    assert len(list(store.query(COUNT))) == 200


def test_plain_answers_and_304s_vary_as_their_compressed_twins(client: FlaskClient) -> None:
    plain = client.get(ABE, headers=HTML)
    assert plain.headers["Vary"] == "Accept, Accept-Encoding"  # a cache must not serve it to gzip
    again = client.get(ABE, headers={**HTML, **GZIP, "If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    assert "Accept-Encoding" in again.headers["Vary"]


def test_a_compressed_file_offers_no_byte_ranges(client: FlaskClient) -> None:
    css = client.get("/static/site.css", headers=GZIP)
    assert css.headers["Content-Encoding"] == "gzip"
    assert "Accept-Ranges" not in css.headers  # ranges would be of the plain bytes
