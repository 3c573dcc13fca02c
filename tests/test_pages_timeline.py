"""The timeline: four phases in order, drawn as SVG, with their ranked issues, events and
actors; and each phase page's place in the sequence."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from flask.testing import FlaskClient

from alliance_kg.store.backend import Backend

from .pages_support import HTML, ID, essay_app

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


def _ranked(detail: str) -> list[str]:
    """The labels of a phase's dominant issues, in the order the page ranks them."""
    listed = detail.split('<ol class="ranked-issues">', 1)[1].split("</ol>", 1)[0]
    return [unescape(label) for label in re.findall(r'<a href="[^"]*"[^>]*>([^<]*)</a>', listed)]


def test_each_phase_ranks_the_issues_that_dominate_it(html: str) -> None:
    details = html.split('<li class="phase-detail"')[1:]
    assert _ranked(details[0]) == ["New rationale for the US-Japan alliance"]
    assert _ranked(details[1])[:2] == [
        "Cooperation in developing a ballistic missile defense system",
        "Division of roles between the US and Japanese militaries",
    ]
    assert _ranked(details[2])[0] == "Security challenges in the 21st century"
    assert _ranked(details[3])[0] == (
        "Japan's mismanagement of the issues related to its wartime conduct"
    )
    assert "1 sentence, 3 facts" in details[2]  # the counts behind the ranking are shown


def test_events_and_issues_are_listed_apart(html: str) -> None:
    details = html.split('<li class="phase-detail"')[1:]
    for detail in details:
        issues = detail.split('<ol class="ranked-issues">', 1)[1].split("</ol>", 1)[0]
        assert "/id/event/" not in issues
        events = detail.split("<h3>Events</h3>", 1)[1].split("<h3>", 1)[0]
        assert "/id/perception/" not in events and "/id/role/" not in events
    recasting = details[1].split("<h3>Events</h3>", 1)[1].split("<h3>", 1)[0]
    assert 'href="/id/event/division-of-roles-clarified"' in recasting
    drifting = details[3].split("<h3>Events</h3>", 1)[1].split("<h3>", 1)[0]
    assert 'href="/id/issue/us-north-korea-policy-shift"' in drifting  # a policy shift is an event
    assert "marks the phase</span>" in details[0].split("<h3>Events</h3>", 1)[1]


def test_the_ranking_query_is_shown_and_gives_the_same_issues(
    html: str, essay_store: Backend
) -> None:
    client = essay_app(essay_store).test_client()
    detail = html.split('<li class="phase-detail"')[4]
    link = re.search(
        r'class="show-sparql" href="/sparql\?query=([^"&]+)&amp;format=html"',
        detail.split("<h3>Events")[0],
    )
    assert link is not None
    query = unquote(unescape(link.group(1)))
    assert f"VALUES ?this {{ <{ID}phase/danger-of-drifting-again> }}" in query
    answer = client.post(
        "/sparql", data={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    first = answer.get_json()["results"]["bindings"][0]
    assert first["issue"]["value"] == ID + "issue/mismanagement-of-wartime-conduct-issues"


@pytest.mark.parametrize(
    ("slug", "position", "previous", "following"),
    [
        ("post-cold-war-drift", 1, None, "recasting-and-evolution"),
        ("deepening-after-9-11", 3, "recasting-and-evolution", "danger-of-drifting-again"),
        ("danger-of-drifting-again", 4, "deepening-after-9-11", None),
    ],
)
def test_phase_pages_say_where_the_phase_stands(
    essay_store: Backend, slug: str, position: int, previous: str | None, following: str | None
) -> None:
    client = essay_app(essay_store).test_client()
    page = client.get(f"/id/phase/{slug}", headers=HTML).get_data(as_text=True)
    nav = page.split('<nav class="phase-nav"', 1)[1].split("</nav>", 1)[0]
    assert f"Phase {position} of 4" in nav
    assert f'href="/timeline#phase-{position}"' in nav
    found_previous = re.search(r'rel="prev" href="/id/phase/([^"]+)"', nav)
    found_next = re.search(r'rel="next" href="/id/phase/([^"]+)"', nav)
    assert (found_previous.group(1) if found_previous else None) == previous
    assert (found_next.group(1) if found_next else None) == following


def test_pages_of_other_things_have_no_phase_navigation(essay_store: Backend) -> None:
    client = essay_app(essay_store).test_client()
    page = client.get("/id/actor/japan", headers=HTML).get_data(as_text=True)
    assert "Japan" in page
    assert 'class="phase-nav"' not in page
