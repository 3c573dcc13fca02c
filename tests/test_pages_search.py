"""Search: ranked matches over labels and alternative labels, as a page and as JSON."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from alliance_kg.store.backend import Backend

from .pages_support import HTML, ID, essay_app


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


@pytest.mark.parametrize("query", sorted(READER_FORMS))
def test_forms_readers_type_find_the_entity_they_name_first(
    client: FlaskClient, query: str
) -> None:
    hit = _first(client, query)
    assert hit["iri"] == ID + READER_FORMS[query]
    assert hit["matched"].casefold().startswith(query.casefold())
    page = client.get("/search", query_string={"q": query}, headers=HTML).get_data(as_text=True)
    first = page.split('<ol class="hits">', 1)[1]
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


def test_results_page_works_without_javascript(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": "raptor"}, headers=HTML)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    first = html.split('<ol class="hits">', 1)[1]
    assert first.lstrip().startswith('<li><a href="/id/weapon/f-22-raptor">F-22 Raptor</a>')


def test_search_without_matches_says_so(client: FlaskClient) -> None:
    html = client.get("/search?q=zzzqqq", headers=HTML).get_data(as_text=True)
    assert "Nothing is labelled" in html
    assert client.get("/search.json?q=").get_json()["results"] == []


@pytest.mark.parametrize(
    "path", ["/", "/essay", "/timeline", "/ontology", "/id/actor/japan", "/search?q=x", "/sparql"]
)
def test_every_page_has_the_search_box(client: FlaskClient, path: str) -> None:
    html = client.get(path, headers=HTML).get_data(as_text=True)
    assert 'role="search"' in html
    assert 'id="site-search"' in html
