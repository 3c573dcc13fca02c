"""The query page's results table: a browser's `GET /sparql?query=` runs the query the
protocol's way and shows a table, with the protocol's refusals as messages, all escaped."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient

from alliance_kg.pages.home import example_links
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store

from .pages_support import HTML, essay_app

PHASES = (
    "SELECT ?label WHERE { ?phase a <https://w3id.org/alliance-kg/ontology/AlliancePhase> ;"
    " <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label"
)


@pytest.fixture(scope="module")
def client(built: Project) -> FlaskClient:
    return essay_app(Store.open(built.build_dir / "current")).test_client()


def cells(html: str) -> list[str]:
    return re.findall(r"<td>(.*?)</td>", html, flags=re.S)


def test_a_browser_sees_the_results_as_a_table_with_downloads(client: FlaskClient) -> None:
    page = client.get("/sparql", query_string={"query": PHASES}, headers=HTML)
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert [re.sub(r" <span.*", "", cell) for cell in cells(html)] == [
        "Danger of drifting again",
        "Deepening after 9/11",
        "Post-Cold War drift",
        "Re-casting and steady evolution",
    ]
    downloads = re.findall(r'<a href="(/sparql\?[^"]+)">', html)
    formats = [parse_qs(urlsplit(href.replace("&amp;", "&")).query)["format"] for href in downloads]
    assert formats == [["json"], ["xml"], ["csv"], ["tsv"]]
    csv = client.get(downloads[2].replace("&amp;", "&"), headers=HTML)
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[1] == "Danger of drifting again"


def test_iris_link_to_their_pages_here(client: FlaskClient) -> None:
    query = "SELECT ?p WHERE { ?p a <https://w3id.org/alliance-kg/ontology/AlliancePhase> }"
    html = client.get("/sparql", query_string={"query": query, "format": "html"}).get_data(
        as_text=True
    )
    assert 'href="/id/phase/post-cold-war-drift"' in html


def test_ask_and_construct_read_as_an_answer_and_a_table_of_triples(client: FlaskClient) -> None:
    ask = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=HTML)
    assert "The answer is <strong>yes</strong>" in ask.get_data(as_text=True)
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"
    html = client.get("/sparql", query_string={"query": construct}, headers=HTML).get_data(
        as_text=True
    )
    assert re.findall(r'<th scope="col">(\w+)</th>', html) == ["subject", "predicate", "object"]
    assert "format=turtle" in html


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("SELEC nothing", 400, "Syntax error"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", 400, "SERVICE"),
        ("", 400, "The query is empty."),
    ],
)
def test_refused_queries_are_messages_on_the_page(
    client: FlaskClient, query: str, status: int, message: str
) -> None:
    page = client.get("/sparql", query_string={"query": query}, headers=HTML)
    assert page.status_code == status
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    error = re.search(r'<p class="query-error" role="alert">(.*?)</p>', html, flags=re.S)
    assert error and message in error.group(1)
    assert "Traceback" not in html
    assert 'id="plain-query"' in html  # the form is there to fix the query


def test_the_query_and_its_results_are_escaped(client: FlaskClient) -> None:
    query = 'SELECT ?x WHERE { BIND("<script>alert(1)</script>" AS ?x) }'
    html = client.get("/sparql", query_string={"query": query}, headers=HTML).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert cells(html) == ["&lt;script&gt;alert(1)&lt;/script&gt;"]


def test_long_results_show_the_first_rows_and_say_so(client: FlaskClient) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    html = client.get("/sparql", query_string={"query": query}, headers=HTML).get_data(as_text=True)
    assert html.count("<tr><td>") == 500
    assert "More than 500 rows" in html
    assert "cut at this server's limit on rows" in html
    assert "the downloads hold them all" not in html  # they are cut at the same limit


def test_the_page_varies_by_accept_as_the_protocol_answers_do(client: FlaskClient) -> None:
    for query_string in ({}, {"query": PHASES}, {"query": "SELEC"}):
        page = client.get("/sparql", query_string=query_string, headers=HTML)
        assert "Accept" in page.headers["Vary"].split(", "), query_string


def test_other_clients_keep_the_protocol_formats(client: FlaskClient) -> None:
    for accept, media_type in [
        (None, "application/sparql-results+json"),
        ("text/html, text/*;q=0.5", "text/csv"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
    ]:
        headers = {"Accept": accept} if accept else {}
        answer = client.get("/sparql", query_string={"query": PHASES}, headers=headers)
        assert answer.mimetype == media_type, accept
    as_csv = client.get("/sparql", query_string={"query": PHASES, "format": "csv"}, headers=HTML)
    assert as_csv.mimetype == "text/csv"


def test_example_links_run_on_the_server(client: FlaskClient) -> None:
    links = example_links()
    assert len(links) >= 20
    for link in links:
        params = parse_qs(urlsplit(link["href"]).query)
        assert params == {"query": [link["text"]], "format": ["html"]}
    first = client.get(links[0]["href"])  # no Accept at all: format=html asks for the page
    assert first.status_code == 200
    assert first.mimetype == "text/html"
    assert 'class="results-table"' in first.get_data(as_text=True)
