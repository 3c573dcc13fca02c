"""axe-core on every kind of page, in a real headless browser: no critical or serious
violation of the accessibility rules it checks. Screenshots go to tests/artifacts/axe-*."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from . import browser_support
from .axe_support import AXE, blocking_violations, describe

SLUG = "us-japan-alliance-adrift-again"
RESULTS = "/sparql?query=" + quote(
    "SELECT ?phase ?label WHERE { ?phase a <https://w3id.org/alliance-kg/ontology/AlliancePhase> ;"
    " <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
    safe="",
)
PAGES = [
    ("home", "/"),
    ("query", "/sparql"),
    ("query-results", RESULTS),
    ("query-error", "/sparql?query=SELEC"),
    ("search", "/search?q=abe"),
    ("essay", f"/essay/{SLUG}"),
    ("argument", f"/argument/{SLUG}"),
    ("timeline", "/timeline"),
    ("ontology", "/ontology"),
    ("entity", "/id/actor/shinzo-abe"),
    ("class", "/ontology/Actor"),
    ("property", "/ontology/hasPhase"),
    ("sentence", f"/id/source/{SLUG}/p1-s1"),
    ("not-found", "/id/actor/nobody-at-all"),
]

sync_api = browser_support.sync_api
pytestmark = [
    *browser_support.MARKS,
    pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)"),
]


@pytest.mark.parametrize(("kind", "path"), PAGES, ids=[kind for kind, _ in PAGES])
def test_page_has_no_critical_or_serious_axe_violation(page: object, kind: str, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("load")
    found = blocking_violations(page)
    browser_support.shot(page, f"axe-{kind}")
    assert not found, f"{path}:\n{describe(found)}"


def test_query_results_in_the_editor_have_no_critical_or_serious_axe_violation(
    page: object,
) -> None:
    page.goto("/sparql")
    sync_api.expect(page.locator(".CodeMirror").first).to_be_visible()  # fetched after load
    page.locator("a.example", has_text="The alliance's phases in order").click()
    sync_api.expect(page.locator(".yasr:visible table tbody tr").first).to_be_visible()
    found = blocking_violations(page)
    browser_support.shot(page, "axe-query-editor-results")
    assert not found, describe(found)


@pytest.mark.parametrize("path", ["/sparql", RESULTS, "/sparql?query=SELEC"])
def test_the_query_page_keeps_its_contrast_in_dark_mode(
    browser: object, base_url: str, path: str
) -> None:
    context = browser.new_context(base_url=base_url, color_scheme="dark")
    tab = context.new_page()
    try:
        tab.goto(path)
        sync_api.expect(tab.locator(".CodeMirror").first).to_be_visible()
        found = blocking_violations(tab)
        assert not found, f"{path}:\n{describe(found)}"
    finally:
        context.close()
