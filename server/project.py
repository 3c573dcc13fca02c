"""Where a project's files live, and the IRIs every part of the pipeline agrees on."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

BASE = "https://w3id.org/alliance-kg/"
ONTOLOGY_NS = BASE + "ontology/"
ID_NS = BASE + "id/"
GRAPH_NS = BASE + "graph/"

ONTOLOGY_GRAPH = GRAPH_NS + "ontology"
PROVENANCE_GRAPH = GRAPH_NS + "provenance"
BACKGROUND_GRAPH = GRAPH_NS + "background"
INFERRED_GRAPH = GRAPH_NS + "inferred"

STATEMENT_NS = ID_NS + "statement/"  # reified statements: one per fact and graph
SOURCE_NS = ID_NS + "source/"  # source documents, their paragraphs and sentences
BACKGROUND_NS = ID_NS + "background/"  # background assertions, outside any source


def is_entity(iri: str) -> bool:
    """An individual the data describes: in the project's namespace, and neither a source's
    document or segments nor a statement."""
    return iri.startswith(ID_NS) and not iri.startswith((SOURCE_NS, STATEMENT_NS))


def source_iri(slug: str) -> str:
    """The document resource of a source text."""
    return SOURCE_NS + slug


def source_graph(slug: str) -> str:
    """The named graph holding the facts a source states."""
    return f"{GRAPH_NS}source/{slug}"


def text_graph(slug: str) -> str:
    """The named graph holding a source's document structure (paragraphs, sentences)."""
    return f"{GRAPH_NS}text/{slug}"


@dataclass(frozen=True)
class Project:
    """The folders of an alliance-kg project: sources are edited, `build/` is generated."""

    root: Path

    @classmethod
    def locate(cls, root: str | os.PathLike[str] | None = None) -> Project:
        """The project at `root`, else `$ALLIANCE_KG_HOME`, else the current directory."""
        chosen = root or os.environ.get("ALLIANCE_KG_HOME") or Path.cwd()
        return cls(Path(chosen).resolve())

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "ontology" / "shapes"

    @property
    def triples_dir(self) -> Path:
        return self.root / "triples"

    @property
    def sources_dir(self) -> Path:
        return self.root / "triples" / "sources"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    def ontology_files(self) -> list[Path]:
        return sorted(self.ontology_dir.glob("*.ttl"))

    def shape_files(self) -> list[Path]:
        return sorted(self.shapes_dir.glob("*.ttl"))

    def fact_files(self) -> list[Path]:
        """One TriG file per source: graphs named by the segment that states their triples."""
        return sorted(self.triples_dir.glob("*.trig"))

    def text_files(self) -> list[Path]:
        """One generated Turtle file per source text: its document, paragraphs and sentences."""
        return sorted(self.sources_dir.glob("*.ttl"))

    def formatted_files(self) -> list[Path]:
        """The Turtle and TriG files people edit or generate, which `fmt` keeps canonical."""
        return self.ontology_files() + self.shape_files() + self.text_files() + self.fact_files()

    def check_queries(self) -> list[Path]:
        return sorted((self.queries_dir / "checks").glob("*-violation.rq"))

    def example_queries(self) -> list[Path]:
        return sorted((self.queries_dir / "examples").glob("*.rq"))
