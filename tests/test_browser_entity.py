"""Entity and sentence pages in a real headless browser: the answer above the fold, each
sentence quoted once, the graph drawn only on demand and readable, the IRI one click away.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

from .browser_support import MARKS, new_tab, shot

ABE = "/id/actor/shinzo-abe"
ABE_IRI = "https://w3id.org/alliance-kg" + ABE

pytestmark = MARKS


def test_abe_page_has_the_summary_above_the_fold_and_quotes_each_sentence_once(
    page: object,
) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(ABE)
    summary = page.locator("p.summary")
    box = summary.bounding_box()
    assert box is not None and box["y"] + box["height"] < 900
    assert summary.inner_text().startswith("Shinzo Abe — Prime Minister of Japan")
    text = page.locator("main").inner_text()
    assert text.count("particularly Abe’s—inability") == 1
    assert not any("cytoscape" in url for url in requested)  # the graph is closed
    shot(page, "entity-abe")
    page.locator('.fact a[href="#ref-p2-s6"]').first.evaluate(
        "a => a.closest('details').open = true"
    )
    page.locator('.fact a[href="#ref-p2-s6"]').first.click()
    assert page.evaluate("location.hash") == "#ref-p2-s6"
    assert page.locator("#ref-p2-s6 blockquote").is_visible()


def _overlaps(page: object) -> list[tuple[str, str]]:
    return page.evaluate(
        """() => {
        const cy = document.getElementById('graph').cy;
        const boxes = cy.nodes().map(n => [n.data('label'), n.boundingBox({includeLabels: true})]);
        const found = [];
        for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
          const [a, p] = boxes[i], [b, q] = boxes[j];
          if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) found.push([a, b]);
        }
        return found;
      }"""
    )


def test_the_graph_loads_when_opened_keeps_labels_apart_and_leaves_the_wheel_alone(
    page: object,
) -> None:
    page.goto(ABE)
    assert page.evaluate("typeof window.cytoscape") == "undefined"
    page.locator(".graph-panel > summary").click()
    page.wait_for_function("document.getElementById('graph').cy !== undefined")
    assert _overlaps(page) == []
    edges = page.evaluate("document.getElementById('graph').cy.edges().map(e => e.data('label'))")
    assert edges and "type" not in edges
    zoom = page.evaluate("document.getElementById('graph').cy.zoom()")
    page.locator("#graph").scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    page.locator("#graph").hover()
    page.mouse.wheel(0, 300)
    page.wait_for_function(f"window.scrollY > {before}")
    assert page.evaluate("document.getElementById('graph').cy.zoom()") == zoom
    page.get_by_role("button", name="Zoom in").click()
    assert page.evaluate("document.getElementById('graph').cy.zoom()") > zoom
    page.get_by_role("button", name="Fit").click()
    shot(page, "entity-graph")


def test_the_graph_panel_and_its_node_list_are_reachable_by_keyboard(page: object) -> None:
    page.goto(ABE)
    page.locator(".graph-panel > summary").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('graph').cy !== undefined")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('.graph-nodes')"):
            break
    assert page.evaluate("document.activeElement.closest('.graph-nodes') !== null")
    href = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{href}")


def test_copy_iri_puts_the_iri_on_the_clipboard(browser: object, base_url: str) -> None:
    tab = new_tab(browser, base_url)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    try:
        tab.goto(ABE)
        tab.get_by_role("button", name="Copy IRI").click()
        assert tab.evaluate("navigator.clipboard.readText()") == ABE_IRI
    finally:
        tab.context.close()


def test_a_sentence_page_shows_its_facts_and_a_citation(page: object) -> None:
    page.goto("/id/source/us-japan-alliance-adrift-again/p2-s6")
    panel = page.locator("section.sentence-says")
    assert "Shinzo Abe frustrates US political circles" in panel.inner_text()
    citation = page.locator("#citation").inner_text()
    assert citation.startswith("Yuki Tatsumi, “US-Japan Alliance: Adrift Again?” paragraph 2")
    shot(page, "sentence-page", full=True)
