"""Search: full-text matches, ranked, with facets and snippets, as a page and as JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from alliance_kg.app import create_app
from alliance_kg.pages import search
from alliance_kg.pipeline.search_index import SEARCH_FILE, facts_of_dataset, write_index
from alliance_kg.project import Project
from alliance_kg.store.backend import Backend
from alliance_kg.store.embedded import Store

from .pages_support import EVIL, HTML, ID, MARKUP_TRIG, essay_app, write_build


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


def _first(client: FlaskClient, query: str) -> dict[str, str]:
    answer = client.get("/search.json", query_string={"q": query})
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    assert results, query
    return results[0]


def test_abe_finds_shinzo_abe_first(client: FlaskClient) -> None:
    hit = _first(client, "abe")
    assert hit["iri"] == ID + "actor/shinzo-abe"
    assert hit["href"] == "/id/actor/shinzo-abe"
    assert hit["kind"] == "Political leader"
    assert (hit["label"], hit["matched"]) == ("Shinzo Abe", "Abe")  # the essay's form matched


# issue 13: the forms readers type, each an alternative label of the entity it names
READER_FORMS = {
    "U.S.-Japan alliance": "alliance/us-japan-alliance",
    "September 11 attacks": "event/september-11-attacks",
    "Iraq War": "issue/iraq",
    "DPRK": "actor/north-korea",
    "JSDF": "actor/japanese-military",
    "BMD": "issue/ballistic-missile-defense-cooperation",
    "F-4 Phantom": "weapon/japanese-f-4-fighters",
    "U.S.": "actor/united-states",
    "U.S. military": "actor/us-military",
    "U.S. forces": "actor/us-military",
    "U.S. government": "actor/bush-administration",
    "U.S. political leadership": "actor/us-political-leadership",
    "Shinzo Abe": "actor/shinzo-abe",
}


def _results(client: FlaskClient, query: str) -> list[dict[str, str]]:
    answer = client.get("/search.json", query_string={"q": query, "limit": 50})
    return answer.get_json()["results"]


@pytest.mark.parametrize("query", sorted(READER_FORMS))
def test_forms_readers_type_find_the_entity_they_name_first(
    client: FlaskClient, query: str
) -> None:
    hit = _first(client, query)
    assert hit["iri"] == ID + READER_FORMS[query]
    assert hit["matched"].casefold().startswith(query.casefold())
    page = client.get("/search", query_string={"q": query}, headers=HTML).get_data(as_text=True)
    first = page.split('<ol class="hits" start="1">', 1)[1]
    assert first.lstrip().startswith(f'<li><a href="/id/{READER_FORMS[query]}">')


def test_raptor_finds_the_f22_by_its_alternative_label(client: FlaskClient) -> None:
    hit = _first(client, "raptor")
    assert hit["iri"] == ID + "weapon/f-22-raptor"
    assert hit["label"] == "F-22 Raptor"


def test_prefix_and_case_do_not_matter_and_exact_matches_rank_first(client: FlaskClient) -> None:
    assert _first(client, "JAPAN")["iri"] == ID + "actor/japan"
    assert _first(client, "bush")["iri"] == ID + "actor/bush-administration"
    results = client.get("/search.json", query_string={"q": "japan", "limit": 50}).get_json()
    assert len(results["results"]) > 5


def test_a_word_being_typed_keeps_finding_what_its_whole_form_finds(client: FlaskClient) -> None:
    perception = ID + "perception/tokyo-sense-of-betrayal"
    for typed in ("betr", "betray", "betraya", "betrayal"):
        iris = [hit["iri"] for hit in _results(client, typed)]
        assert perception in iris, typed
    assert _results(client, "relati")  # on its way to "relations"


def test_results_page_works_without_javascript(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": "raptor"}, headers=HTML)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    first = html.split('<ol class="hits" start="1">', 1)[1]
    assert first.lstrip().startswith(
        '<li><a href="/id/weapon/f-22-raptor">F-22 <mark>Raptor</mark></a>'
    )


def test_search_without_matches_says_so(client: FlaskClient) -> None:
    html = client.get("/search?q=zzzqqq", headers=HTML).get_data(as_text=True)
    assert "Nothing matches" in html
    assert client.get("/search.json?q=").get_json()["results"] == []


@pytest.mark.parametrize(
    "path", ["/", "/essay", "/timeline", "/ontology", "/id/actor/japan", "/search?q=x", "/sparql"]
)
def test_every_page_has_the_search_box(client: FlaskClient, path: str) -> None:
    html = client.get(path, headers=HTML).get_data(as_text=True)
    assert 'role="search"' in html
    assert 'id="site-search"' in html


def test_betrayal_and_f22_find_their_targets_on_the_page(client: FlaskClient) -> None:
    for query, target in [
        ("betrayal", "/id/perception/tokyo-sense-of-betrayal"),
        ("f22", "/id/weapon/f-22-raptor"),
        ("F 22", "/id/weapon/f-22-raptor"),
    ]:
        html = client.get("/search", query_string={"q": query}, headers=HTML).get_data(True)
        first = html.split('<ol class="hits" start="1">', 1)[1]
        assert first.lstrip().startswith(f'<li><a href="{target}">'), query
        assert "<mark>" in first.split("</li>", 1)[0]


def test_json_twin_has_snippets_and_facet_counts(client: FlaskClient) -> None:
    answer = client.get("/search.json", query_string={"q": "pragmatic", "limit": 50}).get_json()
    facets = {facet["kind"]: facet for facet in answer["facets"]}
    assert facets["sentence"] == {"kind": "sentence", "name": "Sentence", "count": 1}
    assert answer["total"] == sum(facet["count"] for facet in answer["facets"])
    sentence = next(hit for hit in answer["results"] if hit["facet"] == "sentence")
    assert sentence["href"] == "/id/source/us-japan-alliance-adrift-again/p2-s7"
    assert "<mark>pragmatic</mark>" in sentence["snippet"]


def test_a_kind_narrows_the_results_and_the_page_links_each_kind(client: FlaskClient) -> None:
    answer = client.get("/search.json", query_string={"q": "japan", "kind": "ontology-term"})
    results = answer.get_json()["results"]
    assert results and {hit["facet"] for hit in results} == {"ontology-term"}
    html = client.get("/search?q=japan", headers=HTML).get_data(as_text=True)
    assert '<a href="/search?q=japan&amp;kind=actor">Actor</a>' in html
    assert '<a href="/search?q=japan&amp;kind=sentence">Sentence</a>' in html
    narrowed = client.get("/search?q=japan&kind=actor", headers=HTML).get_data(as_text=True)
    assert '<strong aria-current="true">Actor</strong>' in narrowed
    assert client.get("/search.json?q=japan&kind=nonsense").status_code == 400


def test_results_come_in_pages_with_links_between_them(client: FlaskClient) -> None:
    first = client.get("/search?q=japan", headers=HTML).get_data(as_text=True)
    assert 'rel="next" href="/search?q=japan&amp;page=2"' in first
    second = client.get("/search?q=japan&page=2", headers=HTML).get_data(as_text=True)
    assert '<ol class="hits" start="21">' in second and 'rel="prev"' in second
    one = client.get("/search.json?q=japan&limit=20").get_json()["results"]
    two = client.get("/search.json?q=japan&limit=20&page=2").get_json()["results"]
    assert not {hit["iri"] for hit in one} & {hit["iri"] for hit in two}


@pytest.mark.parametrize("query", ['"', "NEAR(", "a OR", "*", "^x", "x:y", "{", "))"])
def test_no_query_text_causes_a_server_error(client: FlaskClient, query: str) -> None:
    assert client.get("/search", query_string={"q": query}, headers=HTML).status_code == 200
    assert client.get("/search.json", query_string={"q": query}).status_code == 200


def test_markup_in_labels_and_sentences_is_escaped(tmp_path: Path) -> None:
    app = create_app({"STORE": Store.open(write_build(tmp_path, MARKUP_TRIG)), "TESTING": True})
    client = app.test_client()
    html = client.get("/search?q=alert", headers=HTML).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;<mark>alert</mark>" in html
    worry = client.get("/search?q=worry", headers=HTML).get_data(as_text=True)
    assert "actor <mark>worries</mark>" in worry
    labels = [hit["label"] for hit in client.get("/search.json?q=bold").get_json()["results"]]
    assert EVIL in labels  # JSON carries the text as it is; the snippet is escaped HTML


def test_the_builds_index_serves_until_an_update_then_one_is_made_anew(
    built: Project, tmp_path: Path
) -> None:
    build = tmp_path / "build"
    write_build(build, MARKUP_TRIG, "markup-1")
    write_index(facts_of_dataset(build / "dataset.nq"), build / SEARCH_FILE, "markup-1").close()
    app = create_app(
        {
            "TESTING": True,
            "BUILD_DIR": str(build),
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "UPDATE_TOKEN": "t",
        }
    )
    client = app.test_client()
    assert client.get("/search.json?q=worries").get_json()["total"] == 1
    assert app.extensions[search.CACHE][1].path == build / SEARCH_FILE
    label = f'<{ID}actor/zanzibar> <http://www.w3.org/2000/01/rdf-schema#label> "Zanzibar garrison"'
    insert = f"INSERT DATA {{ GRAPH <https://example.org/graph/mine> {{ {label} }} }}"
    headers = {"Authorization": "Bearer t"}
    assert client.post("/update", data={"update": insert}, headers=headers).status_code == 200
    hits = client.get("/search.json?q=zanzibar").get_json()["results"]
    assert [hit["iri"] for hit in hits] == [ID + "actor/zanzibar"]
    assert app.extensions[search.CACHE][1].path is None  # made in memory for the new version
