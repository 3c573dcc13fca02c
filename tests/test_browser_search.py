"""Full-text search in a real headless browser (Debian's chromium driven by Playwright), against
the app on a real loopback server reading the build's own index. Screenshots go to
tests/artifacts/search-*.png."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from alliance_kg.app import create_app
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store

from .browser_support import MARKS, new_tab, served, shot, sync_api

pytestmark = MARKS


@pytest.fixture(scope="module")
def base_url(built: Project) -> Iterator[str]:
    current = built.build_dir / "current"
    app = create_app({"STORE": Store.open(current), "BUILD_DIR": str(current), "TESTING": True})
    with served(app) as url:
        yield url


def test_betrayal_finds_the_perception_labelled_betrayed(page: object) -> None:
    page.goto("/")
    page.fill("#site-search", "betrayal")
    first = page.locator("#site-search-list [role=option]").first
    sync_api.expect(first).to_contain_text("Tokyo's sense that Washington may have betrayed it")
    page.keyboard.press("Enter")  # no suggestion chosen: the form opens the results page
    page.wait_for_url("**/search?q=betrayal")
    hit = page.locator("ol.hits > li").first
    sync_api.expect(hit.locator("a").first).to_have_attribute(
        "href", "/id/perception/tokyo-sense-of-betrayal"
    )
    sync_api.expect(hit.locator("mark").first).to_have_text("betrayed")
    sync_api.expect(page.locator("nav.facets")).to_contain_text("Sentence")
    sentence = page.locator("ol.hits > li", has=page.locator("p.snippet")).first
    sync_api.expect(sentence.locator("p.snippet mark").first).to_be_visible()
    shot(page, "search-betrayal")


def test_f22_finds_the_f22_and_its_kind_narrows_the_results(page: object) -> None:
    page.goto("/search")
    page.fill("#search-q", "f22")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=f22")
    hit = page.locator("ol.hits > li").first
    sync_api.expect(hit.locator("a").first).to_have_attribute("href", "/id/weapon/f-22-raptor")
    sync_api.expect(hit.locator("mark").first).to_have_text("F-22")
    shot(page, "search-f22")
    page.locator("nav.facets a", has_text="Weapon system").click()
    page.wait_for_url("**/search?q=f22&kind=weapon-system")
    sync_api.expect(page.locator("ol.hits > li")).to_have_count(1)


def test_search_works_without_javascript(browser: object, base_url: str) -> None:
    tab = new_tab(browser, base_url, javascript=False)
    try:
        tab.goto("/")
        tab.fill("#site-search", "F 22")
        tab.keyboard.press("Enter")
        tab.wait_for_url("**/search?q=F+22")
        first = tab.locator("ol.hits > li a").first
        sync_api.expect(first).to_have_attribute("href", "/id/weapon/f-22-raptor")
        tab.locator("nav.facets a", has_text="Sentence").click()
        sync_api.expect(tab.locator("ol.hits p.snippet mark").first).to_have_text("F-22")
    finally:
        tab.context.close()
