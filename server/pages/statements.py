"""Facts as a person reads them: "Shinzo Abe frustrates US political circles", not a triple.

The naming facts of a resource (its type, label and alternative labels) are not statements a
reader wants one by one: they are folded into one introduction per resource, "Shinzo Abe
(political leader; also called Abe)". Claims' own records are left to the claim panels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib.namespace import RDFS, SKOS

from ..vocab import AKG
from . import display
from .terms import Term

NAMING = frozenset(str(term) for term in (RDFS.label, SKOS.prefLabel, SKOS.altLabel))
CLAIM_CLASS = str(AKG.Claim)


def kind_phrase(label: str) -> str:
    """A class label inside a sentence: "Political leader" reads "political leader", while
    "US political circles" keeps its capitals."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


@dataclass(frozen=True)
class Statement:
    """One fact in words; `kind` is stated, background or inferred."""

    subject: Term
    property: Term
    value: Term
    kind: str = "stated"

    @property
    def is_type(self) -> bool:
        return self.property.value == display.TYPE

    @property
    def verb(self) -> str:
        return "is a" if self.is_type else self.property.text

    @property
    def object_text(self) -> str:
        if self.is_type:
            return kind_phrase(self.value.text)
        return self.value.text

    @property
    def text(self) -> str:
        return f"{self.subject.text} {self.verb} {self.object_text}"


@dataclass
class Introduction:
    """What the naming facts say of one resource: its kinds and other names."""

    subject: Term
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [", ".join(self.kinds)] if self.kinds else []
        if self.names:
            parts.append("also called " + ", ".join(f"“{name}”" for name in self.names))
        return f"{self.subject.text} ({'; '.join(parts)})" if parts else self.subject.text


@dataclass
class Reading:
    """A set of facts, read: introductions of the resources they name, then the statements."""

    introductions: list[Introduction]
    statements: list[Statement]

    def __len__(self) -> int:
        return len(self.introductions) + len(self.statements)


def read(facts: list[Statement], claims: frozenset[str] = frozenset()) -> Reading:
    """Fold naming facts into introductions and drop the records of the claims in `claims`."""
    introductions: dict[str, Introduction] = {}
    statements = []
    for fact in facts:
        if fact.subject.value in claims:
            continue
        prop = fact.property.value
        if prop == display.TYPE and fact.value.value == CLAIM_CLASS:
            continue
        if prop == display.TYPE or prop in NAMING:
            found = introductions.setdefault(fact.subject.value, Introduction(fact.subject))
            if prop == display.TYPE:
                phrase = kind_phrase(fact.value.text)
                if phrase not in found.kinds:
                    found.kinds.append(phrase)
            elif fact.value.text != fact.subject.text and fact.value.text not in found.names:
                found.names.append(fact.value.text)
            continue
        statements.append(fact)
    return Reading(list(introductions.values()), statements)
