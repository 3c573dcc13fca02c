"""Turn a source text in `triples/sources/` into its generated NIF description beside it."""

from __future__ import annotations

from pathlib import Path

from .project import Project, source_iri
from .segment import segment
from .text_graph import text_graph
from .turtle_format import format_turtle


def describe_source(project: Project, text_path: Path) -> Path:
    """Write `<slug>.ttl` next to `<slug>.txt`: document, paragraphs and sentences with offsets."""
    slug = text_path.stem
    text = text_path.read_text(encoding="utf-8")
    relative = text_path.resolve().relative_to(project.root).as_posix()
    graph = text_graph(slug, text, segment(text), relative)
    target = text_path.with_suffix(".ttl")
    target.write_text(format_turtle(graph, segment_prefix(slug)), "utf-8")
    return target


def segment_prefix(slug: str) -> dict[str, str]:
    """In a source's own files, `s:` names its segments: `s:p2-s3` is paragraph 2, sentence 3."""
    return {"s": source_iri(slug) + "/"}
