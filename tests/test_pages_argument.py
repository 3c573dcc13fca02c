"""The argument map: every claim as a box linked to its sentence, the thesis marked, the links
drawn by relation, no two boxes overlapping, and the same map as a table and as JSON."""

from __future__ import annotations

import re
from itertools import combinations
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from alliance_kg.pages.argument_map import ROOM, text_width, wrap
from alliance_kg.store.backend import Backend

from .pages_support import AKG, HTML, ID, build_app, essay_app, write_build

SLUG = "us-japan-alliance-adrift-again"
ESSAY = f"/essay/{SLUG}"
CLAIM = ID + "claim/"
THESIS = CLAIM + "alliance-in-danger-of-drifting-again"
CLAIMS = f"""
PREFIX akg: <{AKG}>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?claim ?sentence WHERE {{
  GRAPH <https://w3id.org/alliance-kg/graph/provenance> {{
    ?a rdf:subject ?claim ; rdf:predicate rdf:type ; rdf:object akg:Claim ;
       prov:wasDerivedFrom ?sentence .
  }}
}}
"""
NODE = re.compile(
    r'<a href="(?P<href>[^"]*)" class="node-link" id="node-[^"]*">\s*<title>[^<]*</title>\s*'
    r'<g class="(?P<classes>node[^"]*)" transform="translate\((?P<x>[\d.]+),(?P<y>[\d.]+)\)" '
    r'data-claim="(?P<claim>[^"]*)"[^>]*>\s*<rect width="(?P<w>[\d.]+)" height="(?P<h>[\d.]+)"'
)


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


@pytest.fixture(scope="module")
def html(client: FlaskClient) -> str:
    page = client.get("/argument", headers=HTML)
    assert page.status_code == 200
    return page.get_data(as_text=True)


@pytest.fixture(scope="module")
def sentences(essay_store: Backend) -> dict[str, str]:
    """Each claim of the essay and the sentence that makes it, read from the store."""
    found = {row["claim"].value: row["sentence"].value for row in essay_store.query(CLAIMS)}
    assert THESIS in found
    return found


def _svg(html: str) -> str:
    return html.split('<svg class="argument-map"', 1)[1].split("</svg>", 1)[0]


def _nodes(html: str) -> dict[str, re.Match[str]]:
    return {match["claim"]: match for match in NODE.finditer(_svg(html))}


def test_argument_page_lists_every_claim_in_the_table(html: str, sentences: dict) -> None:
    table = html.split('<table class="terms claims-table">', 1)[1]
    rows = re.findall(r'<tr id="claim-([^"]+)"', table)
    assert sorted(rows) == sorted(iri.removeprefix(CLAIM) for iri in sentences)
    for iri, sentence in sentences.items():
        row = table.split(f'<tr id="claim-{iri.removeprefix(CLAIM)}"', 1)[1].split("</tr>", 1)[0]
        assert f'href="/id/claim/{iri.removeprefix(CLAIM)}"' in row
        anchor = sentence.rsplit("/", 1)[1]
        assert f'href="{ESSAY}#{anchor}"' in row


def test_the_svg_has_one_node_link_per_claim_each_to_its_sentence(
    html: str, sentences: dict
) -> None:
    nodes = _nodes(html)
    assert _svg(html).count('class="node-link"') == len(sentences)
    assert set(nodes) == set(sentences)
    for iri, node in nodes.items():
        assert node["href"] == f"{ESSAY}#{sentences[iri].rsplit('/', 1)[1]}"
    assert nodes[CLAIM + "washington-may-have-betrayed-tokyo"]["href"] == f"{ESSAY}#p2-s7"


def test_the_thesis_is_marked_and_stands_alone_in_the_first_column(html: str) -> None:
    nodes = _nodes(html)
    assert "thesis" in nodes[THESIS]["classes"].split()
    assert [iri for iri, n in nodes.items() if "thesis" in n["classes"].split()] == [THESIS]
    assert [iri for iri, n in nodes.items() if float(n["x"]) == 0] == [THESIS]
    assert re.search(r'<tr id="claim-alliance-in-danger-of-drifting-again" class="thesis">', html)
    assert "Thesis · Assessment · Certain" in _svg(html)


def test_no_two_boxes_overlap(html: str) -> None:
    boxes = [
        (float(n["x"]), float(n["y"]), float(n["x"]) + float(n["w"]), float(n["y"]) + float(n["h"]))
        for n in _nodes(html).values()
    ]
    for a, b in combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_a_known_support_is_drawn_from_its_premise_to_the_thesis(html: str) -> None:
    edge = re.search(
        r'<path class="edge rel-supports" d="M([\d.]+),([\d.]+) C[^"]* ([\d.]+),([\d.]+)" '
        rf'data-from="{CLAIM}factors-create-uncertainty" data-to="{THESIS}" '
        r'marker-end="url\(#arrow-supports\)"',
        _svg(html),
    )
    assert edge, "the support of the thesis is not drawn"
    thesis = _nodes(html)[THESIS]
    end_x, end_y = float(edge[3]), float(edge[4])
    assert end_x == pytest.approx(float(thesis["x"]) + float(thesis["w"]))  # its right side
    assert float(thesis["y"]) < end_y < float(thesis["y"]) + float(thesis["h"])


def test_every_relation_drawn_is_in_the_legend(html: str) -> None:
    drawn = set(re.findall(r'<path class="edge rel-(\w+)"', _svg(html)))
    legend = set(re.findall(r'<line class="edge rel-(\w+)"', html))
    assert {"supports", "statesCauseOf", "concedes", "isEmbeddedIn"} <= drawn <= legend


def test_the_table_words_the_links_both_ways(html: str) -> None:
    row = html.split('<tr id="claim-factors-create-uncertainty"', 1)[1].split("</tr>", 1)[0]
    assert re.search(
        r"supports</span> <a href=\"#claim-alliance-in-danger-of-drifting-again\"", row
    )
    assert row.count(">caused by</span>") >= 8
    nested = html.split('<tr id="claim-washington-may-have-betrayed-tokyo"', 1)[1]
    nested = nested.split("</tr>", 1)[0]
    assert "<td>Possible<br>" in nested and "<q>may have</q>" in nested
    assert ">Japanese political circles</a>" in nested
    assert 'is reported within</span> <a href="#claim-tokyo-growing-sense-of-betrayal"' in nested


def test_json_twin_holds_the_same_claims_and_links(client: FlaskClient, sentences: dict) -> None:
    data = client.get(f"/argument/{SLUG}.json").get_json()
    assert data["thesis"] == THESIS
    assert {claim["iri"] for claim in data["claims"]} == set(sentences)
    betrayed = next(
        c for c in data["claims"] if c["iri"].endswith("/washington-may-have-betrayed-tokyo")
    )
    assert betrayed["factuality"]["label"] == "Possible"
    assert betrayed["holder"]["label"] == "Japanese political circles"
    assert betrayed["reader"] == f"{ESSAY}#p2-s7"
    assert {
        "from": CLAIM + "factors-create-uncertainty",
        "relation": AKG + "supports",
        "to": THESIS,
        "sentence": ID + f"source/{SLUG}/p2-s8",
    } in data["links"]


def test_argument_addresses_and_navigation(client: FlaskClient) -> None:
    page = client.get(f"/argument/{SLUG}", headers=HTML).get_data(as_text=True)
    assert page.count('class="node-link"') > 0
    assert client.get("/argument/no-such-essay", headers=HTML).status_code == 404
    assert client.get("/argument/no-such-essay.json").status_code == 404
    assert '<a href="/argument">Argument</a>' in client.get("/", headers=HTML).get_data(True)
    assert f'href="/argument/{SLUG}"' in client.get(ESSAY, headers=HTML).get_data(as_text=True)


@pytest.mark.parametrize(
    "text",
    [
        "Washington may have betrayed Tokyo by its rapid shift to a more pragmatic approach",
        "MMMM WWWW mmmm wwww MMMM WWWW mmmm wwww MMMM WWWW",
    ],
)
def test_wrapped_lines_fit_the_box(text: str) -> None:
    lines = wrap(text, 12.5, ROOM)
    assert " ".join(lines) == text
    assert all(text_width(line, 12.5) <= ROOM for line in lines)


SMALL_TRIG = f"""
@prefix akg: <{AKG}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix s: <{ID}source/small/> .
@prefix claim: <{CLAIM}> .

<https://w3id.org/alliance-kg/graph/text/small> {{
    <{ID}source/small> a akg:SourceDocument, nif:Context .
    s:p1 a nif:Paragraph ; akg:paragraphNumber 1 ; nif:anchorOf "All is well. It may rain." ;
        nif:beginIndex 0 ; nif:referenceContext <{ID}source/small> .
    s:p1-s1 a nif:Sentence ; nif:anchorOf "All is well." ; nif:beginIndex 0 ; nif:endIndex 12 ;
        nif:superString s:p1 ; nif:referenceContext <{ID}source/small> .
    s:p1-s2 a nif:Sentence ; nif:anchorOf "It may rain." ; nif:beginIndex 13 ; nif:endIndex 25 ;
        nif:superString s:p1 ; nif:referenceContext <{ID}source/small> .
}}
<https://w3id.org/alliance-kg/graph/source/small> {{
    claim:well a akg:Claim ; rdfs:label "<b>All</b> is well"@en ;
        akg:isThesisOf <{ID}source/small> .
    claim:rain a akg:Claim ; rdfs:label "It may rain"@en ; akg:factualityCue "may"@en ;
        akg:concedes claim:well .
}}
<https://w3id.org/alliance-kg/graph/provenance> {{
    <{ID}statement/1> rdf:subject claim:well ; rdf:predicate rdf:type ; rdf:object akg:Claim ;
        prov:wasDerivedFrom s:p1-s1 .
    <{ID}statement/2> rdf:subject claim:rain ; rdf:predicate rdf:type ; rdf:object akg:Claim ;
        prov:wasDerivedFrom s:p1-s2 .
    <{ID}statement/3> rdf:subject claim:rain ; rdf:predicate akg:concedes ; rdf:object claim:well ;
        prov:wasDerivedFrom s:p1-s2 .
}}
"""


def test_a_small_source_without_kinds_is_drawn_and_its_labels_escaped(tmp_path: Path) -> None:
    client = build_app(write_build(tmp_path / "build", SMALL_TRIG)).test_client()
    html = client.get("/argument", headers=HTML).get_data(as_text=True)
    assert "<b>All</b>" not in html and "&lt;b&gt;All&lt;/b&gt; is well" in html
    nodes = _nodes(html)
    assert set(nodes) == {CLAIM + "well", CLAIM + "rain"}
    assert float(nodes[CLAIM + "rain"]["x"]) > float(nodes[CLAIM + "well"]["x"]) == 0
    assert nodes[CLAIM + "rain"]["href"] == "/essay/small#p1-s2"
    assert f'data-from="{CLAIM}rain" data-to="{CLAIM}well"' in html
    reader = client.get("/essay/small", headers=HTML).get_data(as_text=True)
    assert "<q>may</q>" in reader and ">concedes</span>" in reader
    assert client.get("/argument/small.json").get_json()["thesis"] == CLAIM + "well"
    assert client.get("/argument/nothing.json").status_code == 404


def test_argument_page_needs_no_script_and_no_cdn(html: str) -> None:
    scripts = re.findall(r"<script[^>]*src=\"([^\"]+)\"", html)
    assert len(scripts) == 1 and re.fullmatch(r"/static/search\.[0-9a-f]+\.js", scripts[0])
    assert not re.search(r'(src|href)="(https?:)?//', html)
