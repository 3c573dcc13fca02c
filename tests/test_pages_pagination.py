"""Long lists a page at a time: a class's instances and the ontology's terms, 100 per page,
with previous / next links and a filter form that work without JavaScript."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from alliance_kg.store.backend import Backend

from .pages_support import AKG, BASE, HTML, ID, build_app, essay_app, write_build

COUNT = 250


def _many_instances() -> str:
    people = "\n".join(
        f'<{ID}actor/person-{n:03d}> a akg:Actor ; rdfs:label "Person {n:03d}"@en .'
        for n in range(COUNT)
    )
    return f"""
@prefix akg: <{AKG}> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{BASE}graph/ontology> {{ akg:Actor a owl:Class ; rdfs:label "Actor"@en . }}
<{BASE}graph/source/many> {{ {people} }}
"""


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    build = write_build(Path(tmp_path_factory.mktemp("many")) / "build", _many_instances())
    return build_app(build).test_client()


def _instances(client: FlaskClient, query: str = "") -> str:
    page = client.get(f"/ontology/Actor{query}", headers=HTML)
    assert page.status_code == 200
    return page.get_data(as_text=True).split('id="h-instances"', 1)[1].split("</section>", 1)[0]


def _people(section: str) -> list[str]:
    return re.findall(r'href="/id/actor/(person-\d+)"', section)


def test_a_class_shows_its_instances_100_at_a_time(many: FlaskClient) -> None:
    first = _instances(many)
    assert f'<span class="count">{COUNT}</span>' in first
    assert _people(first) == [f"person-{n:03d}" for n in range(100)]
    assert "Page 1 of 3" in first
    assert 'rel="next" href="?page=2#h-instances"' in first
    assert 'rel="prev"' not in first
    last = _instances(many, "?page=3")
    assert _people(last) == [f"person-{n:03d}" for n in range(200, COUNT)]
    assert 'rel="prev" href="?page=2#h-instances"' in last
    assert 'rel="next"' not in last


@pytest.mark.parametrize("page", ["0", "99", "two", "-1"])
def test_a_page_out_of_range_shows_the_nearest_one(many: FlaskClient, page: str) -> None:
    section = _instances(many, f"?page={page}")
    expected = "Page 3 of 3" if page == "99" else "Page 1 of 3"
    assert expected in section


def test_the_filter_form_narrows_the_instances_without_javascript(many: FlaskClient) -> None:
    section = _instances(many)
    form = section.split('<form class="filter"', 1)[1].split("</form>", 1)[0]
    assert 'method="get"' in form and 'name="filter"' in form
    narrowed = _instances(many, "?filter=person+12")
    assert _people(narrowed) == [f"person-12{n}" for n in range(10)]
    assert "10 match" in narrowed
    assert "Page 1 of 1" in narrowed
    assert 'href="?#h-instances"' in narrowed  # the way back to the whole list


def test_a_short_list_has_no_pager(essay_store: Backend) -> None:
    client = essay_app(essay_store).test_client()
    html = client.get("/ontology/PoliticalLeader", headers=HTML).get_data(as_text=True)
    assert 'href="/id/actor/shinzo-abe"' in html
    assert 'class="pager"' not in html and 'class="filter"' not in html


def test_the_ontology_index_comes_a_page_at_a_time(essay_store: Backend) -> None:
    client = essay_app(essay_store).test_client()
    rows, pages = 0, []
    for number in (1, 2, 3):
        html = client.get(f"/ontology?page={number}", headers=HTML).get_data(as_text=True)
        section = html.split('id="h-terms"', 1)[1].split("</section>", 1)[0]
        found = re.search(r"Page (\d+) of (\d+)", section)
        assert found is not None
        pages.append(found.groups())
        on_page = section.count("<tr><td>")
        assert on_page <= 100
        rows += on_page
    assert pages == [("1", "3"), ("2", "3"), ("3", "3")]
    total = re.search(r'id="h-terms">Terms of the ontology <span class="count">(\d+)', html)
    assert total is not None and rows == int(total.group(1)) > 200
    found = client.get("/ontology?filter=preoccupied", headers=HTML).get_data(as_text=True)
    assert 'href="/ontology/isPreoccupiedWith"' in found
    assert 'href="/ontology/AlliancePhase"' not in found


def test_the_echoed_filter_is_escaped(many: FlaskClient) -> None:
    section = _instances(many, "?filter=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>" not in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section
    assert "0 match" in section
