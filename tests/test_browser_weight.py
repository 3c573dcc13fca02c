"""Light pages in a real browser (issue 15, item 7): what a page weighs, never how long it takes
(the throttled-phone timings are measured by benchmarks/page_load.py). Every page is sent
compressed, its static files under hashed names cached for a year, an entity page's HTML under
30 KB compressed, and cytoscape.js fetched only when the graph is opened."""

from __future__ import annotations

import gzip
import urllib.request
from collections.abc import Iterator

import pytest

from alliance_kg.pages.static_files import IMMUTABLE, plain_name

from .browser_support import MARKS, PAGE_KINDS, PHONE, new_tab, shot, sync_api

ENTITY = "/id/actor/shinzo-abe"
ENTITY_HTML_LIMIT = 30 * 1024

pytestmark = MARKS


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    """A phone-sized tab: the weight that matters is a phone's."""
    tab = new_tab(browser, base_url, PHONE)
    yield tab
    tab.context.close()


def test_an_entity_page_is_under_30_kb_compressed(base_url: str) -> None:
    request = urllib.request.Request(
        base_url + ENTITY, headers={"Accept": "text/html", "Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request) as response:
        sent = response.read()
        assert response.headers["Content-Encoding"] == "gzip"
    assert len(sent) < ENTITY_HTML_LIMIT
    assert b"<h1>Shinzo Abe</h1>" in gzip.decompress(sent)


@pytest.mark.parametrize("path", PAGE_KINDS)
def test_every_page_and_its_files_come_compressed_and_hashed(page: object, path: str) -> None:
    seen: list[object] = []
    page.on("response", lambda response: seen.append(response))  # noqa: PLW0108 (Playwright tags a bound method)
    navigation = page.goto(path, wait_until="load")
    assert navigation.status == 200
    assert navigation.header_value("content-encoding") == "gzip"
    sent = page.evaluate("performance.getEntriesByType('navigation')[0].encodedBodySize")
    if path == ENTITY:
        assert 0 < sent < ENTITY_HTML_LIMIT
    files = [r for r in seen if "/static/" in r.url or "/assets/" in r.url]
    assert files, "a page loads at least the site's stylesheet"
    for response in files:
        name = response.url.split("?", 1)[0].rsplit("/", 1)[1]
        assert plain_name(name)[1] is not None, f"{path} loads {response.url} by its plain name"
        assert response.header_value("cache-control") == IMMUTABLE, response.url
        if int(response.header_value("content-length") or 0) >= 1024 or (
            response.header_value("content-encoding")
        ):
            assert response.header_value("content-encoding") == "gzip", response.url


def test_an_entity_page_fetches_cytoscape_only_when_the_graph_is_opened(page: object) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(ENTITY, wait_until="load")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requested if "cytoscape" in url]
    page.locator("details.graph-panel summary").click()
    sync_api.expect(page.locator("#graph canvas").first).to_be_attached()
    assert [url for url in requested if "cytoscape" in url]
    shot(page, "weight-entity-graph-opened")
