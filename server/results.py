"""Evaluate a checked query on the store and serialise its result, inside the time limit."""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from . import negotiation
from .negotiation import Format
from .query_guard import Refused, Scan, capped
from .store import Store


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset of one request: protocol parameters win over FROM / FROM NAMED."""

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @classmethod
    def of(cls, scan: Scan, default_uris: list[str], named_uris: list[str]) -> Dataset:
        if default_uris or named_uris:
            return cls(tuple(default_uris), tuple(named_uris))
        return cls(scan.from_graphs, scan.from_named)

    def check(self, graphs: frozenset[str]) -> None:
        """Only the dataset's own graphs may be named: anything else would be a fetch."""
        for graph in (*self.default_graphs, *self.named_graphs):
            if graph not in graphs:
                raise Refused(
                    f"The graph {graph} is not in this dataset; default-graph-uri and "
                    "named-graph-uri may only name its own graphs (see /.well-known/void)."
                )


def result_kind(form: str | None) -> str:
    """Solutions for SELECT and ASK, a graph for CONSTRUCT and DESCRIBE."""
    return negotiation.GRAPH if form in ("CONSTRUCT", "DESCRIBE") else negotiation.SOLUTIONS


def evaluate(
    store: Store, text: str, scan: Scan, dataset: Dataset, fmt: Format, max_rows: int
) -> tuple[bytes, bool]:
    """The serialised result, and whether the row cap lowered the query's LIMIT."""
    query, was_capped = capped(text, scan, max_rows)
    try:
        result = store.query(
            query, list(dataset.default_graphs) or None, list(dataset.named_graphs) or None
        )
    except SyntaxError as error:
        raise Refused(f"Syntax error: {_own_error(store, text, error) if was_capped else error}")
    return serialise(result, fmt), was_capped


def _own_error(store: Store, text: str, error: SyntaxError) -> SyntaxError:
    """The parser's message on the client's own text, so positions match what they sent."""
    try:
        store.query(text)
    except SyntaxError as own:
        return own
    return error


def serialise(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, fmt: Format) -> bytes:
    """Write a result with the engine's own serialiser."""
    if isinstance(result, ox.QueryTriples):
        if not isinstance(fmt.engine, ox.RdfFormat):
            raise negotiation.NotAcceptable(negotiation.GRAPH)
        return result.serialize(format=fmt.engine) or b""
    if not isinstance(fmt.engine, ox.QueryResultsFormat):
        raise negotiation.NotAcceptable(negotiation.SOLUTIONS)
    return result.serialize(format=fmt.engine) or b""
