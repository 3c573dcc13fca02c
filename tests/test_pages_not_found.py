"""The 404 of every unknown path: the styled page for browsers, plain text for other clients,
with the asked-for path escaped, wrapped and capped."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from alliance_kg.store.backend import Backend

from .pages_support import HTML, essay_app

PATHS = ["/nope", "/static/nope.js", "/assets/nope.js", "/id/actor/nope", "/sparql/nope"]


@pytest.fixture(scope="module")
def client(essay_store: Backend) -> FlaskClient:
    return essay_app(essay_store).test_client()


@pytest.mark.parametrize("path", PATHS)
def test_browsers_get_the_styled_404_for_every_unknown_path(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers=HTML)
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "Nothing is known about this address" in html
    assert 'action="/search"' in html  # the site's header, so the visitor can go on


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("accept", [None, "*/*", "text/turtle"])
def test_other_clients_get_a_plain_text_404(client: FlaskClient, path: str, accept: str) -> None:
    answer = client.get(path, headers={"Accept": accept} if accept else {})
    assert answer.status_code == 404
    assert answer.mimetype == "text/plain"
    assert "<html" not in answer.get_data(as_text=True)


def test_an_unknown_entity_keeps_its_close_matches(client: FlaskClient) -> None:
    html = client.get("/id/person/shinzo", headers=HTML).get_data(as_text=True)
    suggestions = html.split("Did you mean", 1)[1]
    assert 'href="/id/actor/shinzo-abe"' in suggestions


def test_a_long_path_is_capped_and_escaped(client: FlaskClient) -> None:
    path = "/" + "<b>x</b>" * 700
    page = client.get(path, headers=HTML)
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "<b>x</b>" not in html
    echoed = html.split('<code class="echo">', 1)[1].split("</code>", 1)[0]
    assert echoed.endswith("…")
    assert echoed.count("&lt;b&gt;") < 40  # 200 characters of the 5,600 asked for
