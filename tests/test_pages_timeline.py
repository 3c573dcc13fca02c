"""The timeline: four phases in order, drawn as SVG, with their events, issues and actors."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from alliance_kg.store.backend import Backend

from .pages_support import HTML, essay_app

PHASES = [
    "Post-Cold War drift",
    "Re-casting and steady evolution",
    "Deepening after 9/11",
    "Danger of drifting again",
]


@pytest.fixture(scope="module")
def html(essay_store: Backend) -> str:
    client: FlaskClient = essay_app(essay_store).test_client()
    page = client.get("/timeline", headers=HTML)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_timeline_draws_the_four_phases_in_order_as_svg(html: str) -> None:
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    positions = re.findall(r'data-position="(\d)"', svg)
    assert positions == ["1", "2", "3", "4"]
    labels = [
        " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", group))
        for group in svg.split('<g class="phase')[1:]
    ]
    assert labels == PHASES


def test_phases_show_their_extent_from_relative_and_background_years(html: str) -> None:
    assert "1991\u20131997" in html  # the end is "a decade ago", 1997 by background knowledge
    assert "1997\u20132001" in html
    assert "from 2001" in html  # the text implies no end
    assert "in 2007" in html  # "today", the time of writing


def test_each_phase_lists_events_issues_actors_and_sentences(html: str) -> None:
    details = html.split('<li class="phase-detail"')[1:]
    assert len(details) == 4
    assert 'href="/id/event/end-of-cold-war"' in details[0]
    assert 'href="/id/event/september-11-attacks"' in details[2]
    assert 'href="/id/issue/division-of-roles"' in details[1]
    assert 'href="/id/actor/bush-administration"' in details[3]
    assert 'href="/essay/us-japan-alliance-adrift-again#p2-s1"' in details[3]
