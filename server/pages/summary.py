"""What an entity page says first: the resource's kind and its key relations as a sentence, and
each supporting sentence quoted once, with the facts it supports under it.

Wikidata's item pages are the model: the answer above the fold, statements grouped by property,
their references collapsed; here a reference points at the one place its sentence is quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..project import ONTOLOGY_NS, SOURCE_NS
from . import display
from .describe import Description, Fact, Support
from .statements import NAMING, Statement
from .terms import Term

MAX_PHRASES = 6
MAX_VALUES = 3
MAX_MENTIONS = 3


@dataclass
class Phrase:
    """One key relation: "frustrates US political circles" (values linked by the page)."""

    verb: str
    values: list[Term]
    more: int = 0  # values left out of the summary, listed under the relations


@dataclass
class Mention:
    """A stated fact that names the resource: "<subject> is directed at <this>"."""

    subject: Term
    verb: str


@dataclass
class Reference:
    """A sentence or background basis, quoted once, with the facts of the page it supports."""

    anchor: str
    support: Support
    statements: list[Statement] = field(default_factory=list)


@dataclass
class Summary:
    kind: Fact | None
    other_kinds: list[Fact]
    appositives: list[Term]
    phrases: list[Phrase]
    mentions: list[Mention]
    references: list[Reference]

    def anchors(self, fact: Fact) -> list[Reference]:
        """The references of one fact, in page order."""
        wanted = {support.segment.value for support in fact.supports}
        return [ref for ref in self.references if ref.support.segment.value in wanted]


def _kinds(description: Description) -> tuple[Fact | None, list[Fact]]:
    """A stated type of our ontology first (the others come from the vocabularies it aligns
    with); the others once per label (two vocabularies' Person classes read the same)."""
    stated = sorted(
        (fact for fact in description.types if not fact.inferred),
        key=lambda fact: not fact.value.value.startswith(ONTOLOGY_NS),
    )
    kind = stated[0] if stated else (description.types[0] if description.types else None)
    seen = {kind.value.text} if kind else set()
    others = []
    for fact in description.types:
        if fact is not kind and fact.value.text not in seen:
            seen.add(fact.value.text)
            others.append(fact)
    return kind, others


def _is_key(fact: Fact) -> bool:
    prop = fact.property.value
    return not (
        fact.inferred
        or prop == display.TYPE
        or prop in NAMING
        or prop in display.DESCRIPTIONS
        or prop in display.NOT_IN_SUMMARY
    )


def _phrases(description: Description) -> tuple[list[Term], list[Phrase]]:
    appositives: list[Term] = []
    phrases: list[Phrase] = []
    for group in description.outgoing:
        values = [fact.value for fact in group.facts if _is_key(fact)]
        if not values:
            continue
        if group.property.value in display.SUMMARY_APPOSITIVES:
            appositives.extend(values)
        elif len(phrases) < MAX_PHRASES:
            shown = values[:MAX_VALUES]
            phrases.append(Phrase(group.property.text, shown, len(values) - len(shown)))
    return appositives, phrases


def _mentions(description: Description) -> list[Mention]:
    found = []
    for group in description.incoming:
        for fact in group.facts:
            if _is_key(fact) and not fact.subject.value.startswith(SOURCE_NS):
                found.append(Mention(fact.subject, group.property.text))
    return found[:MAX_MENTIONS]


def _segment_order(iri: str) -> tuple[int, ...]:
    """Sentences in reading order (p2-s10 after p2-s9), background bases after them."""
    numbers = re.findall(r"\d+", iri.rsplit("/", 1)[-1]) if iri.startswith(SOURCE_NS) else []
    return (0, *map(int, numbers)) if numbers else (1,)


def _references(description: Description) -> list[Reference]:
    found: dict[str, Reference] = {}
    for groups in (description.outgoing, description.incoming):
        for group in groups:
            for fact in group.facts:
                for support in fact.supports:
                    key = support.segment.value
                    if key not in found:
                        anchor = "ref-" + re.sub(r"[^\w-]", "-", key.rsplit("/", 1)[-1])
                        found[key] = Reference(anchor, support)
                    kind = "background" if support.background else "stated"
                    statement = Statement(fact.subject, fact.property, fact.value, kind)
                    if statement not in found[key].statements:
                        found[key].statements.append(statement)
    ordered = sorted(found.values(), key=lambda ref: _segment_order(ref.support.segment.value))
    taken: set[str] = set()
    for ref in ordered:  # two bases with one name would share an anchor
        while ref.anchor in taken:
            ref.anchor += "-2"
        taken.add(ref.anchor)
    return ordered


def summarise(description: Description) -> Summary:
    kind, others = _kinds(description)
    appositives, phrases = _phrases(description)
    return Summary(
        kind, others, appositives, phrases, _mentions(description), _references(description)
    )
