"""What a curation request asks, as one validated edit: names resolved as `import-template`
resolves its cells, and the answer in Turtle as `fmt` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rdflib import Graph

from ..authoring.fact_edits import Claim, EditError, Fact, Individual, Outcome, SentenceEdit
from ..authoring.name_lookup import (
    Unresolved,
    Vocabulary,
    resolve_member,
    resolve_name,
    resolve_property,
    resolve_value,
    vocabulary,
)
from ..authoring.sources import segment_prefix
from ..authoring.turtle_format import format_turtle
from ..pipeline.problems import Problem
from ..project import SOURCE_NS, Project
from ..vocab import AKG


class BadRequest(ValueError):
    """A body the endpoint cannot read: not JSON of the documented shape."""


@dataclass
class _Reader:
    """The request's names resolved as `import-template` resolves a row's cells; every
    mistake kept, as a problem naming the field, so all are answered at once."""

    vocab: Vocabulary
    file: str
    mistakes: list[Problem]

    def read(self, where: str, resolve: Any, text: object) -> Any:
        if not isinstance(text, str) or not text.strip():
            self.mistakes.append(self.problem(where, "give a non-empty string"))
            return None
        try:
            return resolve(text.strip())
        except (Unresolved, EditError) as error:
            self.mistakes.append(self.problem(where, str(error)))
            return None

    def problem(self, where: str, message: str) -> Problem:
        return Problem(self.file, None, "request", None, f"{where}: {message}")


def _items(body: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = body.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BadRequest(f"{key} is a list of objects")
    return items


def _declarations(reader: _Reader, items: list[dict[str, Any]]) -> list[Individual]:
    """The individuals to declare; their labels and IRIs name them in the facts that follow."""
    found = []
    for number, item in enumerate(items):
        where = f"declare[{number}]"
        cls = reader.read(
            f"{where}.type", lambda t: resolve_name(t, "class", reader.vocab), item.get("type")
        )
        fields = [item.get(key) for key in ("kind", "slug", "label")]
        if not all(isinstance(value, str) and value for value in fields):
            reader.mistakes.append(reader.problem(where, "give kind, slug, type and label"))
        elif cls is not None:
            individual = Individual(fields[0], fields[1], cls, fields[2])
            found.append(individual)
            reader.vocab.name(individual.iri, individual.label)
    return found


def _facts(reader: _Reader, items: list[dict[str, Any]], key: str, slug: str) -> list[Fact]:
    vocab, found = reader.vocab, []
    for number, item in enumerate(items):
        where = f"{key}[{number}]"
        subject = reader.read(
            f"{where}.subject", lambda t: resolve_name(t, "thing", vocab), item.get("subject")
        )
        prop = reader.read(
            f"{where}.property", lambda t: resolve_property(t, vocab), item.get("property")
        )
        value = None
        if prop is not None:
            value = reader.read(
                f"{where}.object",
                lambda t, prop=prop: resolve_value(t, prop, vocab),
                item.get("object"),
            )
        claim = _claim(reader, item.get("claim"), f"{where}.claim", slug) if key == "add" else None
        if None not in (subject, prop, value):
            found.append(Fact(subject, prop, value, claim))
    return found


def _claim(reader: _Reader, given: object, where: str, slug: str) -> Claim | None:
    """A claim's kind; its factuality (certain unless said) and holder (the source's default
    holder unless said); `iri` and `label` optional, as `import-template` reads them."""
    if given is None:
        return None
    if not isinstance(given, dict):
        raise BadRequest(f"{where} is an object: kind, factuality, holder")
    vocab = reader.vocab
    kind = reader.read(
        f"{where}.kind", lambda t: resolve_member(t, AKG.claimKind, vocab), given.get("kind")
    )
    factuality = reader.read(
        f"{where}.factuality",
        lambda t: resolve_member(t, AKG.factuality, vocab),
        given.get("factuality") or "akg:Certain",
    )
    holder = vocab.holders.get(slug)
    if given.get("holder") or holder is None:
        holder = reader.read(
            f"{where}.holder", lambda t: resolve_name(t, "thing", vocab), given.get("holder")
        )
    named = (
        reader.read(f"{where}.iri", lambda t: resolve_name(t, "thing", vocab), given["iri"])
        if given.get("iri")
        else None
    )
    if None in (kind, factuality, holder):
        return None
    label = given.get("label") if isinstance(given.get("label"), str) else None
    return Claim(kind, factuality, holder, named, label)


def read_edit(project: Project, body: dict[str, Any]) -> tuple[SentenceEdit, list[Problem]]:
    """The request as one sentence's edit, and the names in it that resolve to nothing."""
    slug, sentence = body.get("source"), body.get("sentence")
    if not isinstance(slug, str) or not isinstance(sentence, str) or not slug or not sentence:
        raise BadRequest("give source (a slug) and sentence (p2-s7, title or byline)")
    slug = slug.strip("<>").removeprefix(SOURCE_NS)
    reader = _Reader(vocabulary(project), f"triples/{slug}.trig", [])
    declared = _declarations(reader, _items(body, "declare"))
    add = _facts(reader, _items(body, "add"), "add", slug)
    remove = _facts(reader, _items(body, "remove"), "remove", slug)
    return SentenceEdit(slug, sentence, tuple(add), tuple(remove), tuple(declared)), reader.mistakes


def accepted(
    project: Project, edit: SentenceEdit, outcome: Outcome, *, dry_run: bool, dev: bool
) -> dict[str, object]:
    """What changed, per sentence, in Turtle as `fmt` writes it; and what happens next."""
    prefixes = segment_prefix(edit.slug)
    changes = [
        {
            "file": change.file,
            "sentence": str(change.sentence),
            "text": change.text,
            "added": _turtle(change.added, prefixes),
            "removed": _turtle(change.removed, prefixes),
        }
        for change in outcome.changes
    ]
    written = [path.relative_to(project.root).as_posix() for path in outcome.written]
    if dry_run or not written:
        after = "Nothing was written." if dry_run else "Nothing changed: the facts were there."
    elif dev:
        after = "The live reloader rebuilds from the changed file; the pages follow in seconds."
    else:
        after = "Run `alliance-kg build` and restart the server to serve the change."
    rebuild = bool(written) and dev
    return {
        "accepted": True,
        "dry_run": dry_run,
        "changes": changes,
        "written": written,
        "rebuild": rebuild,
        "next": after,
    }


def _turtle(triples: list[tuple], prefixes: dict[str, str]) -> str:
    if not triples:
        return ""
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    return format_turtle(graph, prefixes)
