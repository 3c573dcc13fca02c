"""Dark mode and print in a real headless browser: the palette follows `prefers-color-scheme`
with AA contrast, and print hides the site's controls and shows where quotes come from."""

from __future__ import annotations

import re

import pytest

from . import browser_support
from .axe_support import AXE, blocking_violations, describe

pytestmark = browser_support.MARKS

COLOURS = """() => [getComputedStyle(document.documentElement).backgroundColor,
  getComputedStyle(document.body).color,
  getComputedStyle(document.querySelector('main h1')).color]"""


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG) of a computed `rgb(...)` colour."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", colour)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


@pytest.mark.parametrize(
    ("name", "path"), [("home", "/"), ("entity", "/id/actor/shinzo-abe"), ("timeline", "/timeline")]
)
def test_dark_mode_turns_the_palette_over(
    browser: object, base_url: str, name: str, path: str
) -> None:
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": 900}, color_scheme="dark"
    )
    tab = context.new_page()
    try:
        tab.goto(path)
        background, text, heading = tab.evaluate(COLOURS)
        assert _luminance(background) < 0.05, background
        assert _luminance(text) > 0.6 and _luminance(heading) > 0.6, (text, heading)
        if name == "entity":
            tab.screenshot(path=str(browser_support.ARTIFACTS / "dark-entity.png"))
        if AXE.exists():  # contrast, and every other rule, in the dark palette too
            found = blocking_violations(tab)
            assert not found, f"{path}:\n{describe(found)}"
    finally:
        context.close()


def test_the_light_palette_stays_by_default(browser: object, base_url: str) -> None:
    context = browser.new_context(base_url=base_url, color_scheme="light")
    tab = context.new_page()
    try:
        tab.goto("/")
        background, text, _ = tab.evaluate(COLOURS)
        assert _luminance(background) > 0.9 and _luminance(text) < 0.1
    finally:
        context.close()


def test_print_hides_the_controls_and_shows_where_quotes_come_from(
    browser: object, base_url: str
) -> None:
    context = browser.new_context(base_url=base_url, color_scheme="dark")
    tab = context.new_page()
    try:
        tab.goto("/id/actor/shinzo-abe")
        tab.emulate_media(media="print")
        for selector in ("header.site nav", "form.search", "#graph", "a.show-sparql"):
            assert not tab.locator(selector).first.is_visible(), selector
        browser_support.sync_api.expect(tab.locator("main h1")).to_be_visible()
        background, text, _ = tab.evaluate(COLOURS)
        assert _luminance(background) > 0.9 and _luminance(text) < 0.1  # paper, even if dark
        cited = tab.evaluate(
            "() => getComputedStyle(document.querySelector('.support a'), '::after').content"
        )
        assert "/essay/us-japan-alliance-adrift-again#" in cited
        tab.emulate_media(media="screen")
        assert tab.locator("header.site nav").is_visible()
    finally:
        context.close()
