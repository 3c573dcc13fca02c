"""Deterministic Turtle and TriG, so that a changed fact is a small diff.

Turtle is rdflib's `longturtle` (sorted subjects and predicates) over canonical blank nodes.
TriG is the same per graph: the default graph first, then named graphs in IRI order.
"""

from __future__ import annotations

import re
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from ..vocab import PREFIXES


def _bind(graph: Graph, prefixes: dict[str, str]) -> None:
    for prefix, namespace in sorted({**PREFIXES, **prefixes}.items()):
        graph.bind(prefix, namespace, override=True, replace=True)


def format_turtle(graph: Graph, prefixes: dict[str, str] | None = None) -> str:
    """The graph as deterministic Turtle, using the project's prefixes and `prefixes`."""
    copy = Graph()
    _bind(copy, prefixes or {})
    for triple in to_canonical_graph(graph):  # stable blank node ids give a stable order
        copy.add(triple)
    return copy.serialize(format="longturtle")


def _split(turtle: str) -> tuple[list[str], list[str]]:
    lines = [line.rstrip() for line in turtle.splitlines()]
    heads = [line for line in lines if line.startswith("PREFIX ")]
    body = [line for line in lines if not line.startswith("PREFIX ")]
    while body and not body[0].strip():
        body.pop(0)
    while body and not body[-1].strip():
        body.pop()
    return heads, body


def format_trig(dataset: Dataset, prefixes: dict[str, str] | None = None) -> str:
    """The dataset as deterministic TriG, one block per named graph in IRI order."""
    prefixes = prefixes or {}
    names = Graph()
    _bind(names, prefixes)
    heads: set[str] = set()
    blocks: list[str] = []
    contexts = sorted(
        dataset.graphs(),
        key=lambda g: (g.identifier != DATASET_DEFAULT_GRAPH_ID, str(g.identifier)),
    )
    for context in contexts:
        if len(context) == 0:
            continue
        graph_heads, body = _split(format_turtle(context, prefixes))
        heads.update(graph_heads)
        if context.identifier == DATASET_DEFAULT_GRAPH_ID:
            blocks.append("\n".join(body))
            continue
        name = URIRef(context.identifier).n3(names.namespace_manager)
        if ":" in name and not name.startswith("<"):
            prefix = name.split(":", 1)[0]
            heads.add(f"PREFIX {prefix}: <{names.namespace_manager.store.namespace(prefix)}>")
        indented = "\n".join(f"    {line}" if line else "" for line in body)
        blocks.append(f"{name} {{\n{indented}\n}}")
    return "\n".join(sorted(heads)) + "\n\n" + "\n\n".join(blocks) + "\n"


def declared_prefixes(text: str) -> dict[str, str]:
    """The prefixes a Turtle or TriG text declares, to keep them when it is reformatted."""
    return dict(re.findall(r"(?im)^\s*@?prefix\s+([\w-]*):\s*<([^>]*)>", text))


def format_file(path: Path) -> str:
    """The deterministic form of a Turtle (`.ttl`) or TriG (`.trig`) file."""
    text = path.read_text(encoding="utf-8")
    prefixes = declared_prefixes(text)
    if path.suffix == ".trig":
        dataset = Dataset()
        dataset.parse(data=text, format="trig")
        return format_trig(dataset, prefixes)
    return format_turtle(Graph().parse(data=text, format="turtle"), prefixes)
