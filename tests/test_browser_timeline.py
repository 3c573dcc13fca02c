"""The timeline on a phone (390 x 844) in a real headless browser: the phases stack as a list
at a readable size, each reachable by scrolling, and nothing overflows sideways."""

from __future__ import annotations

from . import browser_support

pytestmark = browser_support.MARKS

PHONE = {"width": 390, "height": 844}
# The font size of every element inside the phases that holds text of its own.
TEXT_SIZES = """() => [...document.querySelectorAll('ol.phases *')]
  .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .filter(el => el.getClientRects().length > 0)
  .map(el => [el.tagName + '.' + el.className, parseFloat(getComputedStyle(el).fontSize),
              el.textContent.trim().slice(0, 40)])"""


def test_the_phone_timeline_stacks_the_phases_at_a_readable_size(
    browser: object, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url, viewport=PHONE)
    phone = context.new_page()
    try:
        phone.goto("/timeline")
        assert not phone.locator("svg.timeline").is_visible()  # no strip shrunk to fit
        headings = phone.locator("li.phase-detail h2")
        browser_support.sync_api.expect(headings).to_have_count(4)
        lefts = []
        for index in range(4):
            heading = headings.nth(index)
            heading.scroll_into_view_if_needed()
            browser_support.sync_api.expect(heading).to_be_in_viewport()
            box = heading.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
            lefts.append(box["x"])
        assert len(set(lefts)) == 1  # one above the other, not side by side
        tops = phone.evaluate(
            "() => [...document.querySelectorAll('li.phase-detail')].map(li => li.offsetTop)"
        )
        assert tops == sorted(tops) and len(set(tops)) == 4
        sizes = phone.evaluate(TEXT_SIZES)
        assert len(sizes) > 50
        small = [found for found in sizes if found[1] < 14]
        assert not small, small[:5]
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.evaluate("window.scrollTo(0, 0)")
        headings.first.scroll_into_view_if_needed()
        phone.screenshot(path=str(browser_support.ARTIFACTS / "timeline-phone.png"))
    finally:
        context.close()


def test_the_desktop_keeps_the_strip(browser: object, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    desktop = context.new_page()
    try:
        desktop.goto("/timeline")
        browser_support.sync_api.expect(desktop.locator("svg.timeline")).to_be_visible()
        ranked = desktop.locator("li.phase-detail").nth(3).locator("ol.ranked-issues li").first
        browser_support.sync_api.expect(ranked).to_contain_text("mismanagement")
    finally:
        context.close()
