"""The differences between two snapshots, as sections a reviewer reads: sources, terms with their
definitions, individuals, facts under the sentence that states them, and, between builds, the
inferred graph; provenance statements and the build manifest are summarised, not listed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import URIRef
from rdflib.namespace import RDF

from ..project import GRAPH_NS, SOURCE_NS
from ..vocab import AKG
from .diff_snapshot import (
    Fact,
    FactKey,
    Pairs,
    Quote,
    Snapshot,
    SourceInfo,
    Term,
    TermInfo,
    Triple,
    show,
)

LIST_LIMIT = 20  # triples of the inferred graph or of provenance notes listed, per direction
MARKS = {"+": "added", "-": "removed", "~": "changed"}
CLAIM_PARTS = (
    ("", AKG.claimKind),
    ("", AKG.factuality),
    ("according to ", AKG.accordingTo),
    ("in ", AKG.partOfClaim),
)


@dataclass
class Entry:
    """One added (`+`), removed (`-`) or changed (`~`) item, or a plain line (mark `""`):
    `details` are prose, `triples` the RDF that changed in its description."""

    mark: str
    name: str
    note: str = ""
    details: list[str] = field(default_factory=list)
    triples: list[str] = field(default_factory=list)


@dataclass
class Group:
    """The changed facts of one sentence (or background resource), under its quoted text."""

    name: str
    quote: str
    details: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Section:
    """The changes of one kind, with a one-line count; entries, or groups of entries."""

    title: str
    counts: str
    entries: list[Entry] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries or self.groups)


def _counts(added: int, removed: int, changed: int | None = None) -> str:
    text = f"{added} added, {removed} removed"
    return text if changed is None else f"{text}, {changed} changed"


def _pairs(pairs: Pairs) -> list[str]:
    return sorted(f"{show(p)} {show(o)}" for p, o in pairs)


def _pair_changes(old: Pairs, new: Pairs) -> list[str]:
    return [f"+ {p}" for p in _pairs(new - old)] + [f"- {p}" for p in _pairs(old - new)]


def _source_entry(mark: str, document: URIRef, info: SourceInfo) -> Entry:
    share = 100.0 * info.covered / info.sentences if info.sentences else 100.0
    line = (
        f"{info.sentences} sentences, {info.covered}/{info.sentences} stating a fact "
        f"({share:.1f} %), {info.facts} facts" + ("" if info.complete else ", incomplete")
    )
    by = f" by {info.author}" if info.author else ""
    return Entry(mark, document.removeprefix(SOURCE_NS), f"“{info.title}”{by}", [line])


def compare_sources(old: dict[URIRef, SourceInfo], new: dict[URIRef, SourceInfo]) -> Section:
    """Sources added or removed, with title, author, sentences, coverage and facts; a source
    whose figures moved is changed."""
    entries = [_source_entry("+", d, new[d]) for d in sorted(new.keys() - old.keys())]
    entries += [_source_entry("-", d, old[d]) for d in sorted(old.keys() - new.keys())]
    changed = 0
    for document in sorted(old.keys() & new.keys()):
        before, after = old[document], new[document]
        if before == after:
            continue
        changed += 1
        entry = _source_entry("~", document, after)
        entry.details = [
            f"{name}: {a} -> {b}"
            for name, a, b in (
                ("title", before.title, after.title),
                ("author", before.author, after.author),
                ("sentences", before.sentences, after.sentences),
                ("sentences stating a fact", before.covered, after.covered),
                ("facts", before.facts, after.facts),
                ("complete", before.complete, after.complete),
            )
            if a != b
        ]
        entries.append(entry)
    added, removed = len(new.keys() - old.keys()), len(old.keys() - new.keys())
    return Section("Sources", _counts(added, removed, changed), entries)


def _term_entry(mark: str, term: URIRef, info: TermInfo | None, state: str = "") -> Entry:
    """A term with its label, and whether it is deprecated (`state` says since when)."""
    if info is None:
        return Entry(mark, show(term))
    note = f"“{info.label}”" if info.label else ""
    if info.deprecated:
        note = f"{note} {state or 'deprecated'}".strip()
    return Entry(mark, show(term), note)


def compare_terms(
    title: str,
    old: Snapshot,
    new: Snapshot,
    before: dict[URIRef, Pairs],
    after: dict[URIRef, Pairs],
) -> Section:
    """Terms added or removed with their label, definition and axioms; changed terms with the
    triples that changed, and a count of those newly deprecated."""
    entries = []
    for mark, terms, side in (
        ("+", after.keys() - before.keys(), new),
        ("-", before.keys() - after.keys(), old),
    ):
        for term in sorted(terms):
            info = side.terms.get(term)
            entry = _term_entry(mark, term, info)
            entry.details = list(info.details) if info else []
            entries.append(entry)
    changed = deprecated = 0
    for term in sorted(before.keys() & after.keys()):
        if before[term] == after[term]:
            continue
        changed += 1
        was, now = old.terms.get(term), new.terms.get(term)
        newly = now is not None and now.deprecated and not (was and was.deprecated)
        deprecated += newly
        entry = _term_entry("~", term, now, "newly deprecated" if newly else "")
        entry.triples = _pair_changes(before[term], after[term])
        entries.append(entry)
    added, removed = len(after.keys() - before.keys()), len(before.keys() - after.keys())
    counts = _counts(added, removed, changed) + (f", {deprecated} deprecated" if deprecated else "")
    return Section(title, counts, entries)


def compare_individuals(old: dict[URIRef, Pairs], new: dict[URIRef, Pairs]) -> Section:
    """Individuals added, removed, or described otherwise."""
    entries = [Entry("+", show(t)) for t in sorted(new.keys() - old.keys())]
    entries += [Entry("-", show(t)) for t in sorted(old.keys() - new.keys())]
    changed = [t for t in sorted(old.keys() & new.keys()) if old[t] != new[t]]
    for term in changed:
        entries.append(Entry("~", show(term), triples=_pair_changes(old[term], new[term])))
    counts = _counts(len(new.keys() - old.keys()), len(old.keys() - new.keys()), len(changed))
    return Section("Individuals", counts, entries)


def _segment_name(segment: URIRef) -> str:
    """`slug/p2-s7` for a sentence, `bg:name` for a background resource."""
    for namespace in (SOURCE_NS, GRAPH_NS):
        if segment.startswith(namespace):
            return segment.removeprefix(namespace)
    return show(segment)


def _segment_list(segments: Iterable[URIRef]) -> str:
    return ", ".join(sorted(_segment_name(s) for s in segments)) or "nothing"


def _claim(claims: Pairs) -> str:
    """`akg:Assessment, akg:Possible, according to actor:x, in claim:y`, or `none`."""
    values: dict[Term, list[str]] = defaultdict(list)
    for prop, value in claims:
        values[prop].append(show(value))
    parts = [
        prefix + " and ".join(sorted(values[prop]))
        for prefix, prop in CLAIM_PARTS
        if values.get(prop)
    ]
    return ", ".join(parts) or "none"


def _fact_text(key: FactKey) -> str:
    return " ".join(show(term) for term in key[1])


def _fact_entries(key: FactKey, old: Fact | None, new: Fact | None) -> dict[URIRef, Entry]:
    """The entry a changed fact makes under each sentence it concerns: `+` where a sentence
    now states it, `-` where one no longer does, `~` where its claim changed."""
    text, home = _fact_text(key), [key[0]]
    if old is None:
        return {s: Entry("+", text) for s in (new.segments if new else ()) or home}
    if new is None:
        return {s: Entry("-", text) for s in old.segments or home}
    entries = {
        s: Entry("+", text, f"(already stated by {_segment_list(old.segments)})")
        for s in new.segments - old.segments
    }
    for segment in old.segments - new.segments:
        entries[segment] = Entry("-", text, f"(still stated by {_segment_list(new.segments)})")
    if old.claims != new.claims:
        for segment in new.segments or home:
            entry = entries.setdefault(segment, Entry("~", text))
            entry.details.append(f"claim: {_claim(old.claims)} -> {_claim(new.claims)}")
    return entries


def _group(segment: URIRef, quote: Quote | None) -> Group:
    if quote is None:
        return Group(_segment_name(segment), "")
    details = [f"basis: {quote.basis}"] if quote.basis else []
    return Group(_segment_name(segment), f"“{quote.text}”", details)


def compare_facts(old: Snapshot, new: Snapshot) -> Section:
    """Facts added, removed or changed (in the sentences that state them, or in their claim),
    grouped under each sentence or background resource, in the order of the text."""
    groups: dict[URIRef, Group] = {}
    counted = {"+": 0, "-": 0, "~": 0}
    for key in sorted(old.facts.keys() | new.facts.keys(), key=_fact_text):
        before, after = old.facts.get(key), new.facts.get(key)
        if before == after:
            continue
        counted["+" if before is None else "-" if after is None else "~"] += 1
        for segment, entry in _fact_entries(key, before, after).items():
            if segment not in groups:
                groups[segment] = _group(
                    segment, new.quotes.get(segment) or old.quotes.get(segment)
                )
            groups[segment].entries.append(entry)

    def order(segment: URIRef) -> tuple[int, str, int]:
        quote = new.quotes.get(segment) or old.quotes.get(segment)
        return quote.order if quote else (2, str(segment), 0)

    counts = _counts(counted["+"], counted["-"], counted["~"])
    return Section("Facts", counts, groups=[groups[s] for s in sorted(groups, key=order)])


def _listed(mark: str, lines: list[str], limit: int = LIST_LIMIT) -> list[Entry]:
    entries = [Entry(mark, line) for line in lines[:limit]]
    if len(lines) > limit:
        entries.append(Entry("", f"... and {len(lines) - limit} more"))
    return entries


def _triples(triples: Iterable[Triple]) -> list[str]:
    return sorted(" ".join(show(term) for term in triple) for triple in triples)


def _inferences(triples: Iterable[Triple]) -> list[str]:
    """Inferred links between things first, then the types that follow from the hierarchy."""
    ordered = sorted(triples, key=lambda t: (t[1] == RDF.type, [show(term) for term in t]))
    return [" ".join(show(term) for term in triple) for triple in ordered]


def compare_inferred(old: frozenset[Triple], new: frozenset[Triple]) -> Section:
    """What the reasoner adds that it did not, and no longer adds, listed up to a limit."""
    added, removed = _inferences(new - old), _inferences(old - new)
    entries = _listed("+", added) + _listed("-", removed)
    return Section("Inferred", _counts(len(added), len(removed)), entries)


def compare_provenance(old: Snapshot, new: Snapshot) -> Section:
    """Statements counted, not listed (the facts show them); what the facts files say of
    sources and background resources listed, up to a limit."""
    before, after = old.statements, new.statements
    changed = sum(before[s] != after[s] for s in before.keys() & after.keys())
    added, removed = len(after.keys() - before.keys()), len(before.keys() - after.keys())
    noted, dropped = _triples(new.notes - old.notes), _triples(old.notes - new.notes)
    counts = f"{added} statements added, {removed} removed, {changed} changed"
    if noted or dropped:
        counts += f"; {len(noted)} description triples added, {len(dropped)} removed"
    return Section("Provenance", counts, _listed("+", noted) + _listed("-", dropped))


def compare_manifests(old: dict, new: dict) -> Section:
    """The build's own figures that moved: triples, coverage, typed sentences, links."""
    entries = [
        Entry("~", key, f"{old.get(key)} -> {new.get(key)}")
        for key in sorted(old.keys() | new.keys())
        if key != "version"
        and isinstance(old.get(key, new.get(key)), int | float | str)
        and old.get(key) != new.get(key)
    ]
    return Section("Build", f"{old.get('version')} -> {new.get('version')}", entries)


def compare(old: Snapshot, new: Snapshot) -> list[Section]:
    """The differences from `old` to `new`, one section per kind of item."""
    sections = [
        compare_sources(old.sources, new.sources),
        compare_terms("Classes", old, new, old.classes, new.classes),
        compare_terms("Properties", old, new, old.properties, new.properties),
        compare_individuals(old.individuals, new.individuals),
        compare_facts(old, new),
    ]
    if old.inferred is not None and new.inferred is not None:
        sections.append(compare_inferred(old.inferred, new.inferred))
    sections.append(compare_provenance(old, new))
    if old.manifest is not None and new.manifest is not None:
        sections.append(compare_manifests(old.manifest, new.manifest))
    return sections
