"""Turn a source text in `triples/sources/` into its generated NIF description beside it."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SKOS

from ..project import Project, source_iri
from ..vocab import NIF
from .segment import Segmentation, SegmentRules, segment
from .text_graph import text_graph
from .turtle_format import format_turtle


def describe_source(project: Project, text_path: Path, rules: SegmentRules | None = None) -> Path:
    """Write `<slug>.ttl` next to `<slug>.txt`: document, paragraphs and sentences with offsets."""
    text = text_path.read_text(encoding="utf-8")
    target = text_path.with_suffix(".ttl")
    target.write_text(source_description(project, text_path, text, rules), "utf-8")
    return target


def source_description(
    project: Project, text_path: Path, text: str, rules: SegmentRules | None = None
) -> str:
    """The Turtle that describes `text`, to be kept at `text_path` in the project; it need not
    be written yet, so that add-source can refuse without leaving anything behind.

    With `rules` (as add-source passes them), the boilerplate and byline rules used are
    recorded on the document as an editorial note, so the segmentation can be reproduced.
    """
    slug = text_path.stem
    relative = text_path.resolve().relative_to(project.root.resolve()).as_posix()
    parts = segment(text, rules)
    graph = text_graph(slug, text, parts, relative)
    _detach_standalone_byline(graph, slug, parts)
    if rules is not None:
        graph.add((URIRef(source_iri(slug)), SKOS.editorialNote, _rules_note(rules)))
    return format_turtle(graph, segment_prefix(slug))


def _rules_note(rules: SegmentRules) -> Literal:
    marker = rules.boilerplate_marker
    boilerplate = (
        f"the boilerplate starts at the first line matching the regular expression {marker!r}"
        if marker
        else "the text has no boilerplate"
    )
    note = f"Segmented by alliance-kg add-source: {boilerplate}"
    if not rules.byline:
        note += "; the text has no byline"
    return Literal(f"{note}.", lang="en")


def _detach_standalone_byline(graph: Graph, slug: str, parts: Segmentation) -> None:
    """A byline on a line of its own lies before the first paragraph, not inside it."""
    if parts.byline and parts.paragraphs and parts.byline.end <= parts.paragraphs[0].begin:
        byline = URIRef(source_iri(slug) + "/byline")
        graph.remove((byline, NIF.superString, None))


def segment_prefix(slug: str) -> dict[str, str]:
    """In a source's own files, `s:` names its segments: `s:p2-s3` is paragraph 2, sentence 3."""
    return {"s": source_iri(slug) + "/"}
