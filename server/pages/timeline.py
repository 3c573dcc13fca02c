"""The timeline: `/timeline`, the alliance's phases in order, drawn as SVG on the server.

Phases are ordered by the asserted "immediately precedes" links, not by dates, so a phase
without an exact date still has its place; a known year is written on the phase. Each phase
ranks the issues tied to it by the sentences and stated facts that tie them, and keeps its
events apart from its issues, roles and perceptions.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, render_template

from . import page_cache, terms, views
from .describe import reader_href
from .terms import Term

bp = Blueprint("timeline", __name__)

BOX_WIDTH = 220
BOX_GAP = 30
BOX_HEIGHT = 110
LINE_CHARS = 24
ROLES = ("marks", "event", "issue", "other")  # timeline-items: the order an item's roles win in


@dataclass
class Item:
    term: Term
    role: str  # "marks" (an event marking the phase), "event", "issue" or "other"
    actors: list[Term] = field(default_factory=list)


@dataclass
class RankedIssue:
    """An issue of a phase, with how many sentences and stated facts tie it to the phase."""

    term: Term
    sentences: int
    facts: int


@dataclass
class Phase:
    term: Term
    position: int
    when: str
    adrift: bool
    current: bool
    note: str | None
    events: list[Item] = field(default_factory=list)
    others: list[Item] = field(default_factory=list)
    issues: list[RankedIssue] = field(default_factory=list)
    issues_query: str = ""
    actors: list[Term] = field(default_factory=list)
    sentences: list[tuple[str, str | None, str]] = field(default_factory=list)
    x: int = 0

    @property
    def lines(self) -> list[str]:
        """The label wrapped to fit its box."""
        return textwrap.wrap(self.term.text, LINE_CHARS)[:3]


def _when(row: dict) -> str:
    begins, ends = row["beginsIn"], row["endsIn"]
    if begins is not None and ends is not None:
        return f"{begins.value}\u2013{ends.value}"
    if begins is not None:
        return f"from {begins.value}"
    if ends is not None:
        return f"until {ends.value}"
    if row["fallsIn"] is not None:
        return f"in {row['fallsIn'].value}"
    return "no exact date"


def phases() -> list[Phase]:
    """The phases in order, with their events, issues, actors and sentences."""
    found: dict[str, Phase] = {}
    for row in views.rows("timeline-phases"):
        iri = row["phase"].value
        if iri in found:
            continue
        found[iri] = Phase(
            terms.term(row["phase"]),
            int(row["position"].value),
            _when(row),
            row["adrift"] is not None and row["adrift"].value == "true",
            row["current"] is not None and row["current"].value == "true",
            row["note"].value if row["note"] is not None else None,
        )
    _add_items(found)
    for row in views.rows("timeline-sentences"):
        phase = found.get(row["phase"].value)
        if phase is not None:
            sentence = row["sentence"].value
            phase.sentences.append((sentence, reader_href(sentence), row["text"].value))
    ordered = sorted(found.values(), key=lambda phase: (phase.position, phase.term.text))
    for index, phase in enumerate(ordered):
        phase.x = index * (BOX_WIDTH + BOX_GAP)
        phase.actors.sort(key=lambda actor: actor.text.lower())
        phase.events.sort(key=lambda item: (item.role != "marks", item.term.text.lower()))
        phase.others.sort(key=lambda item: item.term.text.lower())
        phase.issues, phase.issues_query = ranked_issues(phase.term.value)
    return ordered


def _add_items(found: dict[str, Phase]) -> None:
    """Give each phase its events, roles and perceptions, and the actors of all its items.

    Issues are listed ranked by `ranked_issues` instead; their actors still count here.
    """
    items: dict[tuple[str, str], Item] = {}
    for row in views.rows("timeline-items"):
        phase = found.get(row["phase"].value)
        if phase is None:
            continue
        key, role = (phase.term.value, row["item"].value), row["role"].value
        item = items.get(key)
        if item is None:
            item = items[key] = Item(terms.term(row["item"]), role)
        elif ROLES.index(role) < ROLES.index(item.role):
            item.role = role
        actor = row["actor"]
        if actor is not None and all(a.value != actor.value for a in item.actors):
            item.actors.append(terms.term(actor))
            if all(a.value != actor.value for a in phase.actors):
                phase.actors.append(terms.term(actor))
    for (phase_iri, _), item in items.items():
        if item.role in ("marks", "event"):
            found[phase_iri].events.append(item)
        elif item.role == "other":
            found[phase_iri].others.append(item)


def ranked_issues(phase: str) -> tuple[list[RankedIssue], str]:
    """The issues that dominate a phase, most sentences then most facts first, and the query."""
    node = ox.NamedNode(phase)
    ranked = [
        RankedIssue(terms.term(row["issue"]), int(row["sentences"].value), int(row["facts"].value))
        for row in views.rows("timeline-issues", this=node)
    ]
    ranked.sort(key=lambda issue: (-issue.sentences, -issue.facts, issue.term.text.lower()))
    return ranked, views.sparql_href("timeline-issues", this=node)


@bp.route("/timeline", methods=["GET", "HEAD"])
def timeline() -> str:
    """The phases as an SVG strip, then each phase in detail."""
    return page_cache.cached("timeline", _render)


def _render() -> str:
    ordered = phases()
    width = max(1, len(ordered)) * (BOX_WIDTH + BOX_GAP) - BOX_GAP
    return render_template(
        "timeline.html",
        phases=ordered,
        svg={"width": width, "height": BOX_HEIGHT + 40, "box": BOX_WIDTH, "box_height": BOX_HEIGHT},
        queries={
            name: views.sparql_href(name)
            for name in ("timeline-phases", "timeline-items", "timeline-sentences")
        },
    )
