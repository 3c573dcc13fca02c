"""Entity pages lead with the answer, and sentence pages say what the sentence states."""

from __future__ import annotations

import json
import re

import pytest
from flask.testing import FlaskClient

from alliance_kg.pages import static_files
from alliance_kg.store.backend import Backend

from .pages_support import HTML, essay_app

ABE = "/id/actor/shinzo-abe"
SENTENCE = "/id/source/us-japan-alliance-adrift-again/p2-s6"


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def _page(client: FlaskClient, path: str) -> str:
    response = client.get(path, headers=HTML)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_summary_names_the_kind_and_key_relations_in_a_sentence(client: FlaskClient) -> None:
    html = _page(client, ABE)
    header = html.split('<header class="entity-head">', 1)[1].split("</header>", 1)[0]
    kinds = _text(header.split('<p class="kinds">', 1)[1].split("</p>", 1)[0])
    assert kinds.startswith("Political leader also")
    assert kinds.count("Person") == 1 and kinds.count("Actor") == 1  # one chip per label
    summary = _text(header.split('<p class="summary">', 1)[1].split("</p>", 1)[0])
    assert summary == (
        "Shinzo Abe — Prime Minister of Japan; frustrates US political circles; "
        "is member of Japanese political leadership."
    )
    assert "is failure of Shinzo Abe" in _text(header)  # what names him, from the other side


def test_facts_come_before_the_graph_which_opens_on_demand(client: FlaskClient) -> None:
    html = _page(client, ABE)
    order = [html.index(mark) for mark in ('class="summary"', 'id="h-out"', 'id="h-sources"')]
    assert order == sorted(order)
    assert html.index('id="h-sources"') < html.index('id="h-graph"')
    graph_panel = html.split('<details class="graph-panel"', 1)[1].split("</details>", 1)[0]
    assert "cytoscape" in graph_panel.split(">", 1)[0]  # where to load it from, when opened
    assert not re.search(r"<script[^>]+cytoscape", html)
    nodes = re.findall(r'<li><a href="([^"]+)">', graph_panel.split('class="graph-nodes"', 1)[1])
    assert "/id/actor/us-political-circles" in nodes


def test_the_graph_leaves_out_types_and_stays_small(client: FlaskClient) -> None:
    html = _page(client, "/id/actor/yuki-tatsumi")
    data = html.split('<script type="application/json" id="graph-data">', 1)[1]
    graph = json.loads(data.split("</script>", 1)[0])
    ids = {node["id"] for node in graph["nodes"]}
    assert not any("/ontology/" in node for node in ids)
    assert all(edge["label"] != "type" for edge in graph["edges"])
    assert 1 < len(ids) <= 30


def test_a_sentence_page_lists_what_it_states_and_what_is_tied_to_it(client: FlaskClient) -> None:
    html = _page(client, SENTENCE)
    panel = html.split('aria-labelledby="h-says"', 1)[1].split("</section>", 1)[0]
    parts = {}
    for kind in ("stated", "background", "inferred"):
        chunk = panel.split(f'<span class="badge badge-{kind}">', 1)[1]
        parts[kind] = _text(re.split(r'<span class="badge badge-', chunk, maxsplit=1)[0])
    assert "Shinzo Abe frustrates US political circles" in parts["stated"]
    assert "Shinzo Abe (political leader; also called “Abe”)" in parts["stated"]
    assert "Shinzo Abe position title Prime Minister of Japan" in parts["background"]
    assert "Japanese political leadership is affiliated with Japan" in parts["inferred"]
    claims = _text(panel.split('<ul class="claims compact">', 1)[1].split("</ul>", 1)[0])
    assert "Assessment · Certain · according to Yuki Tatsumi" in claims
    assert "/id/claim/" not in panel.split("</ul>", 1)[1].split("Cite this sentence")[0]


def test_cite_this_sentence_gives_a_citation_and_a_permanent_link(client: FlaskClient) -> None:
    html = _page(client, SENTENCE)
    cite = html.split('<p id="citation" class="citation">', 1)[1].split("</p>", 1)[0]
    iri = "https://w3id.org/alliance-kg" + SENTENCE
    citation = "Yuki Tatsumi, “US-Japan Alliance: Adrift Again?” paragraph 2, sentence 6."
    assert _text(cite) == f"{citation} {iri}"
    assert f'<a href="{iri}">' in cite


def test_resources_other_than_sentences_have_no_sentence_panel(client: FlaskClient) -> None:
    assert 'id="h-says"' not in _page(client, ABE)
    assert 'id="h-says"' not in _page(client, "/id/source/us-japan-alliance-adrift-again/p2")


def test_summary_values_read_as_words_and_the_kind_is_our_ontology_s(client: FlaskClient) -> None:
    bush = _page(client, "/id/actor/bush-administration")
    summary = _text(bush.split('<p class="summary">', 1)[1].split("</p>", 1)[0])
    assert "is at end of term yes;" in summary and "yes or no" not in summary
    essay = _page(client, "/id/source/us-japan-alliance-adrift-again")
    kinds = _text(essay.split('<p class="kinds">', 1)[1].split("</p>", 1)[0])
    assert kinds.startswith("Essay also")


def test_a_page_s_tag_changes_with_the_files_it_links(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = client.get(ABE, headers=HTML).headers["ETag"]
    monkeypatch.setattr(static_files, "_digest", lambda *_: "0123456789")
    response = client.get(ABE, headers={**HTML, "If-None-Match": before})
    assert response.status_code == 200  # a new site.css name: the old page must not be kept
    assert "/static/site.0123456789.css" in response.get_data(as_text=True)
