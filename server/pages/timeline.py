"""The timeline: `/timeline`, the alliance's phases in order, drawn as SVG on the server.

Phases are ordered by the asserted "immediately precedes" links, not by dates, so a phase
without an exact date still has its place; a known year is written on the phase.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

from flask import Blueprint, render_template

from . import page_cache, terms, views
from .describe import reader_href
from .terms import Term

bp = Blueprint("timeline", __name__)

BOX_WIDTH = 220
BOX_GAP = 30
BOX_HEIGHT = 110
LINE_CHARS = 24


@dataclass
class Item:
    term: Term
    role: str  # "event" (marks the phase) or "issue" (during the phase)
    actors: list[Term] = field(default_factory=list)


@dataclass
class Phase:
    term: Term
    position: int
    when: str
    adrift: bool
    current: bool
    note: str | None
    events: list[Item] = field(default_factory=list)
    issues: list[Item] = field(default_factory=list)
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
    items: dict[tuple[str, str], Item] = {}
    for row in views.rows("timeline-items"):
        phase = found.get(row["phase"].value)
        if phase is None:
            continue
        key = (phase.term.value, row["item"].value)
        role = row["role"].value
        item = items.get(key)
        if item is None:
            item = items[key] = Item(terms.term(row["item"]), role)
            (phase.events if role == "event" else phase.issues).append(item)
        elif role == "event" and item.role != "event":
            phase.issues.remove(item)
            item.role = "event"
            phase.events.append(item)
        actor = row["actor"]
        if actor is not None and all(a.value != actor.value for a in item.actors):
            item.actors.append(terms.term(actor))
            if all(a.value != actor.value for a in phase.actors):
                phase.actors.append(terms.term(actor))
    for row in views.rows("timeline-sentences"):
        phase = found.get(row["phase"].value)
        if phase is not None:
            sentence = row["sentence"].value
            phase.sentences.append((sentence, reader_href(sentence), row["text"].value))
    ordered = sorted(found.values(), key=lambda phase: (phase.position, phase.term.text))
    for index, phase in enumerate(ordered):
        phase.x = index * (BOX_WIDTH + BOX_GAP)
        phase.actors.sort(key=lambda actor: actor.text.lower())
        for group in (phase.events, phase.issues):
            group.sort(key=lambda item: item.term.text.lower())
    return ordered


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
