"""RDF twins that keep the graphs (issue 15, item 6): an entity page's N-Quads and TriG forms put
each fact in the named graph that holds it, as the page marks it stated, background or inferred;
the dataset's dump holds every quad; VoID names the dump and reads as a page in a browser."""

from __future__ import annotations

import gzip
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import VOID

from alliance_kg.pages.terms import graph_kind
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store

from .pages_support import BASE, EVIL, HTML, ID, MARKUP_TRIG, build_app, essay_app, write_build

ABE = "/id/actor/shinzo-abe"
Kinds = dict[tuple[str, str, str], set[str]]


class _RowKinds(HTMLParser):
    """Each fact row's triple (`data-s`, `data-p`, `data-o`) and the kinds its badges name."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: Kinds = defaultdict(set)
        self.row: tuple[str, str, str] | None = None
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "li" and {"data-s", "data-p", "data-o"} <= found.keys():
            self.row = (str(found["data-s"]), str(found["data-p"]), str(found["data-o"]))
            self.kinds[self.row]  # a row with no badge still counts
            self.depth = 0
        elif self.row is not None:
            if tag == "li":
                self.depth += 1
            for name in (found.get("class") or "").split():
                if name.startswith("badge-"):
                    self.kinds[self.row].add(name.removeprefix("badge-"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self.row is not None:
            if self.depth == 0:
                self.row = None
            else:
                self.depth -= 1


def kinds_on_page(html: str) -> Kinds:
    parser = _RowKinds()
    parser.feed(html)
    return dict(parser.kinds)


def kinds_in_quads(data: bytes, rdf_format: str) -> Kinds:
    """Each triple of an N-Quads or TriG document and the kinds of the graphs holding it."""
    dataset = Dataset()
    dataset.parse(data=data, format=rdf_format)
    found: Kinds = defaultdict(set)
    for s, p, o, graph in dataset.quads((None, None, None, None)):
        name = str(getattr(graph, "identifier", graph))
        kind = graph_kind(None if name == str(DATASET_DEFAULT_GRAPH_ID) else name)
        found[(s.n3(), p.n3(), o.n3())].add(kind)
    return dict(found)


@pytest.fixture(scope="module")
def client(built: Project) -> FlaskClient:
    return essay_app(Store.open(built.build_dir / "current")).test_client()


def test_the_nquads_twin_holds_each_fact_in_the_graphs_the_page_marks(
    client: FlaskClient,
) -> None:
    page = kinds_on_page(client.get(ABE, headers=HTML).get_data(as_text=True))
    twin = client.get(ABE + ".nq")
    assert twin.mimetype == "application/n-quads"
    quads = kinds_in_quads(twin.data, "nquads")
    assert quads == page
    shown = set().union(*page.values())
    assert {"stated", "background", "inferred"} <= shown  # Abe's page has each kind


def test_the_trig_twin_and_the_accept_header_give_the_same_quads(client: FlaskClient) -> None:
    by_suffix = kinds_in_quads(client.get(ABE + ".nq").data, "nquads")
    trig = client.get(ABE + ".trig")
    assert trig.mimetype == "application/trig"
    assert kinds_in_quads(trig.data, "trig") == by_suffix
    by_accept = client.get(ABE, headers={"Accept": "application/n-quads"})
    assert by_accept.mimetype == "application/n-quads"
    assert kinds_in_quads(by_accept.data, "nquads") == by_suffix


def test_the_triple_formats_list_the_same_triples_as_the_quads(client: FlaskClient) -> None:
    triples = Graph().parse(data=client.get(ABE + ".nt").data, format="nt")
    dataset = Dataset()
    dataset.parse(data=client.get(ABE + ".nq").data, format="nquads")
    merged = Graph()
    for s, p, o, _graph in dataset.quads((None, None, None, None)):
        merged.add((s, p, o))
    assert len(triples) > 10
    assert isomorphic(triples, merged)


def test_the_link_header_and_the_page_offer_nquads_and_trig(client: FlaskClient) -> None:
    page = client.get(ABE, headers=HTML)
    link = page.headers["Link"]
    assert f'<{ABE}.nq>; rel="alternate"; type="application/n-quads"' in link
    assert f'<{ABE}.trig>; rel="alternate"; type="application/trig"' in link
    html = page.get_data(as_text=True)
    assert f'href="{ABE}.nq"' in html and f'href="{ABE}.trig"' in html


def test_the_ontology_as_nquads_sits_in_the_ontology_graph(client: FlaskClient) -> None:
    dataset = Dataset()
    dataset.parse(data=client.get("/ontology.nq").data, format="nquads")
    graphs = {str(getattr(g, "identifier", g)) for _s, _p, _o, g in dataset.quads()}
    assert graphs == {BASE + "graph/ontology"}


def test_a_fact_held_by_two_graphs_is_one_quad_in_each(tmp_path: Path) -> None:
    background = f"<{BASE}graph/background> {{ <{ID}actor/evil> a <{BASE}ontology/Actor> . }}"
    app = build_app(write_build(tmp_path / "build", MARKUP_TRIG + background))
    client = app.test_client()
    quads = kinds_in_quads(client.get("/id/actor/evil.nq").data, "nquads")
    typed = (f"<{ID}actor/evil>", "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>")
    assert quads[(*typed, f"<{BASE}ontology/Actor>")] == {"stated", "background"}
    page = kinds_on_page(client.get("/id/actor/evil", headers=HTML).get_data(as_text=True))
    assert page == quads


def test_the_dump_is_every_quad_gzipped_and_revalidates(client: FlaskClient) -> None:
    dump = client.get("/dump.nq.gz")
    assert dump.status_code == 200
    assert dump.mimetype == "application/gzip"
    assert "Content-Encoding" not in dump.headers  # a .gz file, saved as it is
    assert "alliance-kg.nq.gz" in dump.headers["Content-Disposition"]
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(dump.data), format="nquads")
    count = client.get(
        "/sparql",
        query_string={"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    ).get_json()["results"]["bindings"][0]["n"]["value"]
    assert len(dataset) == int(count) > 1000
    again = client.get("/dump.nq.gz", headers={"If-None-Match": dump.headers["ETag"]})
    assert again.status_code == 304
    with_gzip = client.get("/dump.nq.gz", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in with_gzip.headers  # never compressed twice
    assert with_gzip.data == dump.data


def test_void_names_the_dump(client: FlaskClient) -> None:
    void = Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    dumps = list(void.objects(None, VOID.dataDump))
    assert dumps == [URIRef("http://localhost/dump.nq.gz")]
    assert client.get("/dump.nq.gz").status_code == 200


def test_a_browser_gets_void_as_a_page_and_rdf_clients_get_rdf(client: FlaskClient) -> None:
    page = client.get("/.well-known/void", headers=HTML)
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<h1>The dataset</h1>" in html
    assert 'href="/dump.nq.gz"' in html
    assert 'href="/graph/' in html  # the named graphs, linked
    assert 'href="/ontology/Actor"' in html  # a class partition, linked
    assert client.get("/.well-known/void").mimetype == "text/turtle"  # no Accept: RDF
    assert client.get("/.well-known/void?format=ttl", headers=HTML).mimetype == "text/turtle"
    home = client.get("/", headers=HTML).get_data(as_text=True)
    assert 'href="/dump.nq.gz"' in home and 'href="/.well-known/void"' in home


def test_the_void_page_escapes_labels(tmp_path: Path) -> None:
    client = build_app(write_build(tmp_path / "build", MARKUP_TRIG)).test_client()
    html = client.get("/.well-known/void", headers=HTML).get_data(as_text=True)
    assert EVIL not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
