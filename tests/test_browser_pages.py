"""The pages in a real headless browser (Debian's chromium driven by Playwright), against the
app on a real loopback server. Each test saves a screenshot under tests/artifacts/."""

from __future__ import annotations

from .browser_support import MARKS, PHONE, new_tab, shot, sync_api

pytestmark = MARKS


def test_search_raptor_open_the_f22_and_land_on_its_sentence_in_the_reader(page: object) -> None:
    page.goto("/")
    page.fill("#site-search", "raptor")
    first = page.locator("#site-search-list [role=option]").first
    sync_api.expect(first).to_contain_text("F-22 Raptor")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/id/weapon/f-22-raptor")
    sync_api.expect(page.locator("h1")).to_have_text("F-22 Raptor")
    assert page.evaluate("typeof window.cytoscape") == "undefined"  # until the graph is opened
    quote = page.locator("blockquote.support a").first
    href = quote.get_attribute("href")
    assert href and href.startswith("/essay/us-japan-alliance-adrift-again#p")
    quote.click()
    anchor = href.split("#", 1)[1]
    page.wait_for_url(f"**/essay/us-japan-alliance-adrift-again#{anchor}")
    target = page.locator(f"#{anchor}")
    sync_api.expect(target).to_be_in_viewport()
    assert page.evaluate("document.querySelector(':target').id") == anchor
    sync_api.expect(target.locator("details")).to_have_attribute("open", "")
    shot(page, "search-raptor-to-sentence")


def test_open_an_example_query_run_it_and_see_a_table(page: object) -> None:
    page.goto("/sparql")
    sync_api.expect(page.locator(".yasqe").first).to_be_visible()
    page.locator("a.example", has_text="The alliance's phases in order").click()
    table = page.locator(".yasr:visible table tbody tr")
    sync_api.expect(table.first).to_be_visible()
    assert table.count() == 4
    sync_api.expect(page.locator(".yasr:visible")).to_contain_text("Danger of drifting again")
    sync_api.expect(page.locator("#download-links a")).to_have_count(4)
    assert "#query=" in page.url  # the address shares the query
    page.locator(".yasqe_queryButton:visible").click()  # and running it again works from the editor
    sync_api.expect(page.locator(".yasr:visible table tbody tr").first).to_be_visible()
    shot(page, "example-query-table")


def test_show_the_sparql_opens_the_view_query_whose_result_iris_link_to_pages(
    page: object,
) -> None:
    page.goto("/id/actor/shinzo-abe")
    page.locator("a.show-sparql").first.click()
    page.wait_for_url("**/sparql?query=*")
    link = page.locator("table tbody a[href^='/ontology/']:visible").first
    sync_api.expect(link).to_be_visible()
    shot(page, "show-the-sparql")
    link.click()
    page.wait_for_url("**/ontology/**")
    sync_api.expect(page.locator("h1")).to_be_visible()


def test_timeline_shows_four_phases_in_order(page: object) -> None:
    page.goto("/timeline")
    phases = page.locator("svg.timeline g.phase")
    sync_api.expect(phases).to_have_count(4)
    labels = [" ".join(phases.nth(i).locator("tspan").all_text_contents()) for i in range(4)]
    assert labels == [
        "Post-Cold War drift",
        "Re-casting and steady evolution",
        "Deepening after 9/11",
        "Danger of drifting again",
    ]
    xs = [phases.nth(i).bounding_box()["x"] for i in range(4)]
    assert xs == sorted(xs)
    shot(page, "timeline")


def test_pages_fit_a_phone_screen(browser: object, base_url: str) -> None:
    phone = new_tab(browser, base_url, PHONE)
    try:
        pages = ("/", "/id/actor/shinzo-abe", "/essay", "/argument", "/timeline", "/search?q=japan")
        for path in pages:
            phone.goto(path)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
        phone.goto("/id/actor/shinzo-abe")
        shot(phone, "phone-entity-page")
    finally:
        phone.context.close()


# Each box's rectangle and the boxes of its text lines, in page pixels.
NODE_BOXES = """() => [...document.querySelectorAll('svg.argument-map g.node')].map(g => {
  const r = g.querySelector('rect').getBoundingClientRect();
  return {
    claim: g.dataset.claim,
    box: [r.left, r.top, r.right, r.bottom],
    lines: [...g.querySelectorAll('text')].map(t => {
      const b = t.getBoundingClientRect();
      return [b.left, b.top, b.right, b.bottom];
    }),
  };
})"""


def _apart(a: list[float], b: list[float]) -> bool:
    return a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_argument_map_draws_every_claim_apart_and_leads_to_its_sentence(page: object) -> None:
    page.goto("/argument")
    thesis = page.locator("svg.argument-map g.node.thesis")
    sync_api.expect(thesis).to_have_count(1)
    sync_api.expect(thesis).to_contain_text("again in danger")
    sync_api.expect(page.locator("h1")).to_contain_text("argument")
    rows = page.locator("table.claims-table tbody tr")
    nodes = page.evaluate(NODE_BOXES)
    assert len(nodes) == rows.count() > 30
    for index, node in enumerate(nodes):
        for other in nodes[index + 1 :]:
            assert _apart(node["box"], other["box"]), (node["claim"], other["claim"])
        left, top, right, bottom = node["box"]
        for line in node["lines"]:  # the wrapped text stays inside its box
            assert left <= line[0] and line[2] <= right and top <= line[1] and line[3] <= bottom, (
                node["claim"],
                line,
            )
    betrayed = page.locator("tr#claim-washington-may-have-betrayed-tokyo")
    sync_api.expect(betrayed).to_contain_text("Possible")
    sync_api.expect(betrayed).to_contain_text("Japanese political circles")
    shot(page, "argument-map")
    page.locator("#node-washington-may-have-betrayed-tokyo").click()
    page.wait_for_url("**/essay/us-japan-alliance-adrift-again#p2-s7")
    claim = page.locator("#claim-washington-may-have-betrayed-tokyo")
    sync_api.expect(claim).to_be_in_viewport()
    sync_api.expect(claim).to_contain_text("Possible")
    sync_api.expect(claim).to_contain_text("according to Japanese political circles")
    sync_api.expect(claim).to_contain_text("may have")


def test_essay_shows_each_sentence_claims_with_the_thesis_marked(page: object) -> None:
    page.goto("/essay#p2-s1")
    thesis = page.locator("#claim-alliance-in-danger-of-drifting-again")
    sync_api.expect(thesis).to_be_visible()
    sync_api.expect(thesis.locator(".badge-thesis")).to_have_text("Thesis")
    sync_api.expect(thesis).to_contain_text("Today, the US-Japan alliance is again in danger")
    sync_api.expect(thesis).to_contain_text("supported by")
    prose, panel = page.locator("#p2-s1 .prose"), page.locator("#p2-s1 .claims-of")
    assert panel.bounding_box()["x"] > prose.bounding_box()["x"]  # beside the sentence
    shot(page, "essay-claims")
    page.goto("/essay#p2-s7")
    betrayed = page.locator("#claim-washington-may-have-betrayed-tokyo")
    sync_api.expect(betrayed).to_be_in_viewport()
    sync_api.expect(betrayed.locator(".claim-factuality")).to_have_text("Possible")
    sync_api.expect(betrayed.locator(".holder")).to_have_text(
        "according to Japanese political circles"
    )
    betrayed.locator("a.deep").first.click()  # "reported within": its outer claim's sentence
    page.wait_for_url("**#p2-s7")
    shot(page, "essay-claims-nested")
