"""The query page in a real headless browser: a keyboard moves into the editor and out of it
again (no focus trap), and without JavaScript an example link runs its query on the server.
Screenshots go to tests/artifacts/query-*."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from . import browser_support

EXPECTED = Path(__file__).resolve().parents[1] / "queries" / "expected"
PHASES = "The alliance's phases in order"
MAX_TABS = 80
FOCUS = """() => {
  const active = document.activeElement;
  if (active.matches(".CodeMirror textarea")) return "editor";
  if (active.closest("#download-links")) return "download";
  if (active.matches("a.example")) return "example";
  return active.tagName.toLowerCase();
}"""
EDITOR_TEXT = "() => window.allianceQuery.getTab().getQuery()"

sync_api = browser_support.sync_api
pytestmark = browser_support.MARKS


def tab_until(page: object, wanted: str, key: str = "Tab") -> list[str]:
    """Press `key` until focus is on `wanted`; the places focus went through, in order."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        seen.append(page.evaluate(FOCUS))
        if seen[-1] == wanted:
            return seen
    raise AssertionError(f"{key} never reached the {wanted}: {seen}")


def test_a_keyboard_reaches_the_editor_and_leaves_it_for_downloads_and_examples(
    page: object,
) -> None:
    page.goto("/sparql")
    sync_api.expect(page.locator(".CodeMirror").first).to_be_visible()
    sync_api.expect(page.locator("#download-links a").first).to_be_attached()
    assert page.evaluate(FOCUS) == "body"  # the editor did not take focus on load
    text = page.evaluate(EDITOR_TEXT)
    tab_until(page, "editor")
    after_editor = tab_until(page, "download")
    assert after_editor[0] != "editor"  # one Tab leaves the editor
    _shot_focus(page, "query-keyboard-download")
    tab_until(page, "example")
    _shot_focus(page, "query-keyboard")
    back = tab_until(page, "editor", "Shift+Tab")
    assert back[-1] == "editor"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUS) != "editor"  # Shift+Tab leaves it too
    assert page.evaluate(EDITOR_TEXT) == text  # and neither key typed into the query


def test_without_javascript_an_example_link_shows_its_answers(
    browser: object, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url, java_script_enabled=False)
    tab = context.new_page()
    try:
        tab.goto("/sparql")
        sync_api.expect(tab.locator("#plain-query")).to_be_visible()
        tab.locator("a.example", has_text=PHASES).click()
        tab.wait_for_url("**/sparql?query=*")
        expected = ox.parse_query_results(
            (EXPECTED / "phases-in-order.tsv").read_bytes(), format=ox.QueryResultsFormat.TSV
        )
        names = [variable.value for variable in expected.variables]
        wanted = [[_shown(solution[name]) for name in names] for solution in expected]
        headers = tab.locator(".results-table thead th").all_text_contents()
        assert headers == names
        rows = tab.locator(".results-table tbody tr")
        assert rows.count() == len(wanted) == 4
        got = [
            [_cell_text(rows.nth(i).locator("td").nth(j)) for j in range(len(names))]
            for i in range(rows.count())
        ]
        assert got == wanted
        assert "SELECT DISTINCT ?position" in tab.locator("#plain-query").input_value()
        sync_api.expect(tab.locator("#download-links a")).to_have_count(4)
        tab.locator("#page-results").scroll_into_view_if_needed()
        browser_support.shot(tab, "query-no-javascript")
    finally:
        context.close()


def _shown(term: ox.NamedNode | ox.Literal | None) -> str:
    return "" if term is None else term.value


def _cell_text(cell: object) -> str:
    """A cell's value, without the language or datatype note beside it."""
    return cell.evaluate(
        "td => { const c = td.cloneNode(true);"
        " c.querySelectorAll('.datatype').forEach(n => n.remove());"
        " return c.textContent.replace(/…$/, '').trim(); }"
    )


def _shot_focus(page: object, name: str) -> None:
    page.evaluate("document.activeElement.scrollIntoView({block: 'center'})")
    browser_support.shot(page, name)
