"""Home page, query page, front-end assets, the no-JavaScript guarantee and escaping."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from markupsafe import escape

from alliance_kg.app import create_app
from alliance_kg.pages.home import examples
from alliance_kg.pages.page_cache import CACHE as RENDERED
from alliance_kg.pages.search import CACHE as SEARCH_INDEX
from alliance_kg.project import Project
from alliance_kg.query_files import QueryFile
from alliance_kg.store.backend import Backend
from alliance_kg.store.embedded import Store

from .pages_support import EVIL, HTML, MARKUP_TRIG, build_app, essay_app, write_build

TSV = "text/tab-separated-values"
INDIVIDUALS = (
    'SELECT DISTINCT ?s { ?s a ?c FILTER (REGEX(STR(?s), "^https://w3id.org/alliance-kg/id/")'
    ' && !REGEX(STR(?s), "/id/(source|statement|background)/")) }'
)


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


def test_home_says_what_the_graph_holds_and_where_to_start(client: FlaskClient) -> None:
    html = client.get("/", headers=HTML).get_data(as_text=True)
    assert "What the graph holds" in html
    assert re.search(r"<strong>20</strong> sentences", html)
    for phase in ("Post-Cold War drift", "Danger of drifting again"):
        assert phase in html
    for link in ('href="/essay"', 'href="/timeline"', 'href="/ontology"', 'href="/sparql"'):
        assert link in html


def test_home_reaches_a_supporting_sentence_in_three_clicks(client: FlaskClient) -> None:
    home = client.get("/", headers=HTML).get_data(as_text=True)
    assert 'href="/ontology/Actor"' in home  # 1: a kind of entity
    actors = client.get("/ontology/Actor", headers=HTML).get_data(as_text=True)
    assert 'href="/id/actor/bush-administration"' in actors  # 2: an actor
    actor = client.get("/id/actor/bush-administration", headers=HTML).get_data(as_text=True)
    assert 'href="/essay/us-japan-alliance-adrift-again#p2-s2"' in actor  # 3: the sentence


def test_every_fact_is_three_clicks_from_home(client: FlaskClient) -> None:
    home = client.get("/", headers=HTML).get_data(as_text=True)
    kinds = re.findall(r'<li><a href="(/ontology/\w+)"', home.split('id="h-start"', 1)[1])
    reached: set[str] = set()
    for kind in kinds:  # click 1
        page = client.get(kind, headers=HTML).get_data(as_text=True)
        instances = page.split('id="h-instances"', 1)[1].split("</section>", 1)[0]
        reached |= set(re.findall(r'href="(/id/[^"]+)"', instances))
    answer = client.post("/sparql", data={"query": INDIVIDUALS}, headers={"Accept": TSV})
    individuals = {
        "/id/" + line.strip("<>").split("/id/", 1)[1] for line in answer.text.split()[1:]
    }
    assert individuals
    assert individuals <= reached
    for path in sorted(individuals):  # click 2
        html = client.get(path, headers=HTML).get_data(as_text=True)
        rows = re.findall(r'<li class="fact"(.*?)</li>\s*(?=<li class="fact|</ul>)', html, re.S)
        for row in rows:
            if "badge-stated" in row:  # click 3: its quote, under Sources, opens the reader
                anchors = re.findall(r'<a href="#(ref-[^"]+)">', row)
                assert anchors, path
                for anchor in anchors:
                    quoted = html.split(f'<li id="{anchor}">', 1)[1].split("</blockquote>", 1)[0]
                    assert re.search(r'<blockquote class="support"><a href="/essay/[^"#]+#', quoted)


@pytest.mark.parametrize("query", examples(), ids=lambda query: query.name)
def test_every_example_runs_from_the_query_page(client: FlaskClient, query: QueryFile) -> None:
    accept = "application/sparql-results+json,application/n-triples;q=0.9,*/*;q=0.8"
    answer = client.post("/sparql", data={"query": query.text}, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text


def test_query_page_offers_every_example_with_its_description(client: FlaskClient) -> None:
    html = client.get("/sparql", headers=HTML).get_data(as_text=True)
    assert re.search(r'data-script="/assets/yasgui\.min\.[0-9a-f]+\.js"', html)
    for query in examples():
        assert str(escape(query.summary)) in html
        assert str(escape(query.description)) in html
    assert html.count('class="example"') == len(examples()) >= 20


def test_pages_name_no_cdn(client: FlaskClient) -> None:
    for path in ("/", "/sparql", "/id/actor/japan", "/essay", "/timeline"):
        html = client.get(path, headers=HTML).get_data(as_text=True)
        assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)"', html), path


@pytest.mark.parametrize("name", ["yasgui.min.js", "yasgui.min.css", "cytoscape.min.js"])
def test_front_end_assets_are_served_from_node_modules(client: FlaskClient, name: str) -> None:
    answer = client.get(f"/assets/{name}")
    assert answer.status_code == 200
    assert len(answer.data) > 10_000
    assert client.get("/assets/package.json").status_code == 404


@pytest.mark.parametrize("path", ["/id/actor/japan", "/search?q=abe", "/essay"])
def test_content_pages_work_without_javascript(client: FlaskClient, path: str) -> None:
    html = client.get(path, headers=HTML).get_data(as_text=True)
    without_scripts = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert without_scripts.count("<a ") > 10  # the content is in the markup, not built by scripts


def test_markup_in_labels_renders_as_text(tmp_path: Path) -> None:
    client = build_app(write_build(tmp_path / "build", MARKUP_TRIG)).test_client()
    pages = [
        "/id/actor/evil",
        "/id/issue/worry",
        "/ontology/Actor",
        "/ontology/isPreoccupiedWith",
        "/essay/evil",
        "/search?q=bold",
        "/id/source/evil/p1-s1",
        "/",
    ]
    for path in pages:
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html, path
        assert "</script><script>" not in html, path
        assert "<b>bold</b>" not in html, path
    actor = client.get("/id/actor/evil", headers=HTML).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in actor
    suggestions = client.get("/search.json?q=bold").get_json()["results"]
    assert suggestions[0]["label"] == EVIL  # JSON carries the text; the script inserts it as text


def test_pages_render_on_first_visit_when_not_warmed(built: Project) -> None:
    store = Store.open(built.build_dir / "current")
    app = create_app({"STORE": store, "TESTING": True, "WARM_PAGES": False})
    assert SEARCH_INDEX not in app.extensions and RENDERED not in app.extensions
    client = app.test_client()
    assert "US-Japan alliance" in client.get("/", headers=HTML).get_data(as_text=True)
    assert client.get("/search.json", query_string={"q": "abe"}).get_json()["results"]
    assert SEARCH_INDEX in app.extensions and RENDERED in app.extensions
