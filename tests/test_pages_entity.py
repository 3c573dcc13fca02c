"""Entity pages: IRIs at their own paths, HTML and RDF forms, provenance, class pages, 404."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient
from rdflib import Graph
from rdflib.compare import isomorphic

from alliance_kg.store.backend import Backend

from .pages_support import HTML, ID, essay_app, facts_in_html

ABE = "/id/actor/shinzo-abe"
F22 = "/id/weapon/f-22-raptor"
SENTENCE = "/id/source/us-japan-alliance-adrift-again/p2-s3"
FORMATS = {
    ".ttl": ("text/turtle", "turtle"),
    ".jsonld": ("application/ld+json", "json-ld"),
    ".nt": ("application/n-triples", "nt"),
    ".rdf": ("application/rdf+xml", "xml"),
}
PAGES = (
    ABE,
    F22,
    SENTENCE,
    "/ontology/Actor",
    "/ontology/isPreoccupiedWith",
    "/id/phase/danger-of-drifting-again",
)


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


def test_entity_page_is_served_at_the_path_of_its_iri(client: FlaskClient) -> None:
    page = client.get(ABE, headers=HTML)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<h1>Shinzo Abe</h1>" in html  # the full name, from background knowledge
    assert ID + "actor/shinzo-abe" in html
    assert 'href="/ontology/PoliticalLeader"' in html  # types are linked
    assert "Also called: <span>Abe</span>" in html  # the essay's form, an alternative label


@pytest.mark.parametrize("path", PAGES)
def test_html_and_rdf_forms_list_the_same_triples(client: FlaskClient, path: str) -> None:
    from_html = facts_in_html(client.get(path, headers=HTML).get_data(as_text=True))
    from_rdf = Graph().parse(data=client.get(path + ".nt").get_data(as_text=True), format="nt")
    assert len(from_rdf) > 0
    assert isomorphic(from_html, from_rdf)


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_rdf_comes_by_suffix_and_by_accept_alike(client: FlaskClient, suffix: str) -> None:
    media, rdflib_format = FORMATS[suffix]
    by_suffix = client.get(F22 + suffix)
    by_accept = client.get(F22, headers={"Accept": media})
    assert by_suffix.mimetype == by_accept.mimetype == media
    assert by_accept.headers["Vary"] == "Accept, Accept-Encoding"  # gzip or not, per client
    one = Graph().parse(data=by_suffix.data, format=rdflib_format)
    two = Graph().parse(data=by_accept.data, format=rdflib_format)
    assert len(one) > 5
    assert isomorphic(one, two)


def test_page_advertises_its_rdf_forms(client: FlaskClient) -> None:
    page = client.get(ABE, headers=HTML)
    for suffix in FORMATS:
        assert f'href="{ABE}{suffix}"' in page.get_data(as_text=True)
        assert f"<{ABE}{suffix}>" in page.headers["Link"]


def test_entity_page_lists_incoming_links_grouped_by_property(client: FlaskClient) -> None:
    html = client.get(ABE, headers=HTML).get_data(as_text=True)
    incoming = html.split('id="h-in"', 1)[1]
    assert 'href="/ontology/directedAt"' in incoming
    assert 'href="/id/perception/washington-frustration-over-wartime-conduct"' in incoming


def test_inferred_facts_are_told_apart_from_stated_ones(client: FlaskClient) -> None:
    html = client.get(ABE, headers=HTML).get_data(as_text=True)
    inferred = re.findall(r'<li class="fact inferred"[^>]*data-o="([^"]*)"', html)
    stated = re.findall(r'<li class="fact"[^>]*data-o="([^"]*)"', html)
    assert f"&lt;{'https://w3id.org/alliance-kg/ontology/Person'}&gt;" in inferred
    assert f"&lt;{'https://w3id.org/alliance-kg/ontology/PoliticalLeader'}&gt;" in stated
    assert "badge-inferred" in html
    assert "badge-stated" in html
    assert "badge-background" in html  # Shinzo Abe's full name is background knowledge


def test_each_stated_fact_points_at_its_sentence_quoted_once_with_a_link_into_the_reader(
    client: FlaskClient,
) -> None:
    html = client.get(ABE, headers=HTML).get_data(as_text=True)
    rows = re.findall(r'<li class="fact"(.*?)</li>\s*(?=<li class="fact|</ul>)', html, re.S)
    stated = [row for row in rows if "badge-stated" in row]
    assert stated
    for row in stated:
        assert 'href="#ref-p2-s6"' in row
        assert "particularly Abe’s" not in row  # the quote is under Sources, once
    assert html.count("particularly Abe’s—inability") == 1
    reference = html.split('<li id="ref-p2-s6">', 1)[1].split("</li>\n", 1)[0]
    assert 'href="/essay/us-japan-alliance-adrift-again#p2-s6"' in reference


def test_literals_show_readable_values_and_datatypes(client: FlaskClient) -> None:
    html = client.get("/id/event/upper-house-election-2007", headers=HTML).get_data(as_text=True)
    assert "29 July 2007" in html
    assert '<span class="datatype"' in html
    assert ">date</span>" in html
    assert ">year</span>" in html


def test_sentence_page_quotes_the_sentence_and_links_to_the_reader(client: FlaskClient) -> None:
    html = client.get(SENTENCE, headers=HTML).get_data(as_text=True)
    assert "parliamentary election coming up on July 29" in html
    assert 'href="/essay/us-japan-alliance-adrift-again#p2-s3"' in html


def test_unknown_iri_gets_a_helpful_404(client: FlaskClient) -> None:
    page = client.get("/id/actor/shinzo-abbe", headers=HTML)
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert ID + "actor/shinzo-abbe" in html
    assert 'action="/search"' in html
    assert 'href="/id/actor/shinzo-abe"' in html  # the example, and a close match


def test_class_page_shows_hierarchy_instances_and_counts(client: FlaskClient) -> None:
    html = client.get("/ontology/PoliticalLeader", headers=HTML).get_data(as_text=True)
    assert 'id="h-hierarchy"' in html
    assert 'href="/ontology/Person"' in html.split('id="h-instances"')[0]
    instances = html.split('id="h-instances"', 1)[1].split("</section>", 1)[0]
    assert 'href="/id/actor/shinzo-abe"' in instances
    actor = client.get("/ontology/Actor", headers=HTML).get_data(as_text=True)
    assert "only by the reasoner" in actor
    assert 'href="/ontology/State"' in actor  # a narrower class


def test_property_page_shows_domain_range_and_usage(client: FlaskClient) -> None:
    html = client.get("/ontology/isPreoccupiedWith", headers=HTML).get_data(as_text=True)
    panel = html.split('id="h-property"', 1)[1].split("</section>", 1)[0]
    assert "domain" in panel
    assert "range" in panel
    assert re.search(r"Used in</dt><dd>\d+ triples", panel)


def test_ontology_page_lists_every_class_and_property_with_usage(client: FlaskClient) -> None:
    html = client.get("/ontology", headers=HTML).get_data(as_text=True)
    assert "Terms of the ontology" in html
    assert 'href="/ontology/AlliancePhase"' in html
    filtered = client.get("/ontology?filter=preoccupied", headers=HTML).get_data(as_text=True)
    assert 'href="/ontology/isPreoccupiedWith"' in filtered
    assert client.get("/ontology.ttl").mimetype == "text/turtle"


def test_iris_outside_the_base_have_pages_too(client: FlaskClient) -> None:
    page = client.get("/resource?iri=http://www.w3.org/ns/prov%23Person", headers=HTML)
    assert page.status_code == 200
    assert 'href="/id/actor/shinzo-abe"' in page.get_data(as_text=True)
    local = client.get(f"/resource?iri={ID}actor/japan")
    assert local.status_code == 303
    assert local.headers["Location"].endswith("/id/actor/japan")


def test_every_panel_links_to_the_query_that_produced_it(client: FlaskClient) -> None:
    html = client.get("/ontology/PoliticalLeader", headers=HTML).get_data(as_text=True)
    links = re.findall(r'class="show-sparql" href="/sparql\?query=([^"&]+)&amp;format=html"', html)
    assert len(links) >= 5
    for link in set(links):
        query = unquote(link)
        assert "VALUES ?this { <https://w3id.org/alliance-kg/ontology/PoliticalLeader> }" in query
        answer = client.post(
            "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
        )
        assert answer.status_code == 200
        assert answer.get_json()["results"]["bindings"]


def test_unchanged_page_answers_304(client: FlaskClient) -> None:
    first = client.get(ABE, headers=HTML)
    again = client.get(ABE, headers={**HTML, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_named_graphs_have_pages_with_their_size(client: FlaskClient) -> None:
    page = client.get("/graph/background", headers=HTML)
    assert page.status_code == 200
    assert "number of triples" in page.get_data(as_text=True)
    data = Graph().parse(data=client.get("/graph/background.nt").data, format="nt")
    assert any(str(p) == "http://rdfs.org/ns/void#triples" for p in data.predicates())
    assert client.get("/graph/no-such-graph", headers=HTML).status_code == 404


@pytest.mark.parametrize("path", ["/id/a%20b", "/resource?iri=not%20an%20iri", "/resource?iri="])
def test_addresses_that_are_no_iris_get_the_404_page(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers=HTML)
    assert page.status_code == 404
    assert "Nothing is known about this address" in page.get_data(as_text=True)
