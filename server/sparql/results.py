"""Evaluate a checked query on the store and serialise its result, inside the time limit.

Output is bounded twice: a CONSTRUCT or DESCRIBE stops after `MAX_RESULT_ROWS` triples (a big
template times many solutions made 106 MB from a 30 KB query), and every result after
`MAX_RESULT_BYTES` bytes. A capped result is still complete, valid output of what fits; the
caller says so with `X-SPARQL-MaxRows`.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

import pyoxigraph as ox

from ..front.query_worker import DEADLINE_ENFORCED
from ..store.backend import Backend
from ..store.version_cache import per_version
from . import negotiation
from .caching import etag_for
from .negotiation import Format
from .query_guard import Policy, Scan, capped, check_query
from .refused import Refused, network_refused
from .timeouts import THREADS


@dataclass(frozen=True)
class Dataset:
    """The RDF dataset of one request: protocol parameters win over FROM / FROM NAMED.

    Naming no graph keeps the service's default: the union of all graphs as default graph, and
    every graph as a named graph. Naming any replaces both, as SPARQL 1.1 says: with named
    graphs only, the default graph is empty; with default graphs only, there is no named graph.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()

    @classmethod
    def of(cls, scan: Scan, default_uris: list[str], named_uris: list[str]) -> Dataset:
        if default_uris or named_uris:
            return cls(tuple(default_uris), tuple(named_uris))
        return cls(scan.from_graphs, scan.from_named)

    def graph_lists(self) -> tuple[list[str] | None, list[str] | None]:
        """The default and named graphs as `Backend.query` takes them: None for the default."""
        if not (self.default_graphs or self.named_graphs):
            return None, None
        return list(self.default_graphs), list(self.named_graphs)

    def check(self, graphs: frozenset[str]) -> None:
        """Only the dataset's own graphs may be named: anything else would be a fetch."""
        for graph in (*self.default_graphs, *self.named_graphs):
            if graph not in graphs:
                raise Refused(
                    f"The graph {graph} is not in this dataset; default-graph-uri and "
                    "named-graph-uri may only name its own graphs (see /.well-known/void)."
                )


POLICY = "alliance_kg.policy"
T = TypeVar("T")
Work = Callable[[], tuple[bytes, str]]
Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples
TSV = ox.QueryResultsFormat.TSV


@dataclass(frozen=True)
class Limits(Policy):
    """The checks' limits plus the byte cap on output, which only serialising can apply."""

    max_bytes: int = 0


def run_limited(work: Callable[[], T], *, seconds: float, environ: Mapping) -> T:
    """Run directly in a query worker, whose front kills it when overdue (`worker_pool.py`);
    elsewhere (`--dev`, the test client) in a helper thread abandoned at the deadline."""
    if environ.get(DEADLINE_ENFORCED):
        return work()
    return THREADS.run(work, seconds)


def policy_for(store: Backend, config: Mapping[str, Any], cache: dict[str, Any]) -> Policy:
    """The checks' limits, with the dataset's current graphs; rebuilt when the version moves."""
    return per_version(cache, POLICY, store, partial(_limits, store, config))


def _limits(store: Backend, config: Mapping[str, Any]) -> Limits:
    return Limits(
        graphs=frozenset(store.named_graphs() | set(store.graphs)),
        max_nesting=config["MAX_QUERY_NESTING"],
        max_groups=config["MAX_QUERY_GROUPS"],
        max_operators=config["MAX_QUERY_OPERATORS"],
        max_rows=config["MAX_RESULT_ROWS"],
        max_bytes=config["MAX_RESULT_BYTES"],
    )


@dataclass(frozen=True)
class Prepared:
    """A checked query, ready to run: its scan, dataset, format, entity tag and output caps."""

    text: str
    capped_text: str
    was_capped: bool
    dataset: Dataset
    fmt: Format
    etag: str
    max_rows: int
    max_bytes: int = 0


def prepare(
    store: Backend,
    checks: Policy,
    text: str,
    *,
    graphs: tuple[list[str], list[str]],
    accept: str | None,
    format_names: list[str],
) -> Prepared:
    """Everything before evaluation: the scan's checks, the dataset, the format, the ETag.

    `graphs` holds the `default-graph-uri` and `named-graph-uri` values.
    """
    if not text.strip():
        raise Refused("The query is empty.")
    scan = check_query(text, checks)
    dataset = Dataset.of(scan, *graphs)
    dataset.check(checks.graphs)
    if scan.form is None:
        syntax_error(store, text)
    fmt = negotiation.choose(accept, format_names, result_kind(scan.form))
    etag = etag_for(
        store.version,
        text,
        "\x01".join(dataset.default_graphs),
        "\x01".join(dataset.named_graphs),
        fmt.media_type,
    )
    capped_text, was_capped = capped(text, scan, checks.max_rows)
    max_bytes = checks.max_bytes if isinstance(checks, Limits) else 0
    return Prepared(text, capped_text, was_capped, dataset, fmt, etag, checks.max_rows, max_bytes)


def result_kind(form: str | None) -> str:
    """Solutions for SELECT and ASK, a graph for CONSTRUCT and DESCRIBE."""
    return negotiation.GRAPH if form in ("CONSTRUCT", "DESCRIBE") else negotiation.SOLUTIONS


def execute(store: Backend, prepared: Prepared) -> tuple[bytes, str]:
    """The serialised result, and which cap made it partial: "" for none, "rows" when the
    query's LIMIT was lowered, "triples" or "bytes" when output stopped at that cap."""
    dataset = prepared.dataset

    def evaluate() -> Result:
        try:
            return store.query(prepared.capped_text, *dataset.graph_lists())
        except SyntaxError as error:
            shown = _own_error(store, prepared.text, error) if prepared.was_capped else error
            raise Refused(f"Syntax error: {shown}") from None

    try:
        body, cut = serialise_capped(
            evaluate(),
            prepared.fmt,
            max_triples=prepared.max_rows,
            max_bytes=prepared.max_bytes,
            again=evaluate,
        )
    except PermissionError:  # the engine opened a socket in the sandbox (sandbox.py)
        raise network_refused() from None
    return body, cut or ("rows" if prepared.was_capped else "")


def syntax_error(store: Backend, text: str) -> None:
    """Raise the parser's 400 for a text the scan could not place as any query form."""
    try:
        store.query(text)
    except SyntaxError as error:
        raise Refused(f"Syntax error: {error}") from None
    raise Refused("The text is not a SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE).")


def _own_error(store: Backend, text: str, error: SyntaxError) -> SyntaxError:
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


def serialise_capped(
    result: Result,
    fmt: Format,
    *,
    max_triples: int,
    max_bytes: int,
    again: Callable[[], Result],
) -> tuple[bytes, str]:
    """Write a result within `max_triples` and `max_bytes` (0: no cap), and name the cap that
    cut it short, if any. `again` evaluates the query anew: solutions cannot be replayed."""
    if isinstance(result, ox.QueryTriples) and (max_triples or max_bytes):
        if not isinstance(fmt.engine, ox.RdfFormat):
            raise negotiation.NotAcceptable(negotiation.GRAPH)
        return _capped_graph(result, fmt.engine, max_triples, max_bytes)
    if not isinstance(result, ox.QuerySolutions) or not max_bytes:
        return serialise(result, fmt), ""
    if not isinstance(fmt.engine, ox.QueryResultsFormat):
        raise negotiation.NotAcceptable(negotiation.SOLUTIONS)
    buffer = _CappedBuffer(max_bytes)
    try:
        result.serialize(buffer, fmt.engine)
    except _Overflow:
        solutions = cast(ox.QuerySolutions, again())
        return _capped_solutions(solutions, fmt.engine, max_bytes), "bytes"
    return buffer.getvalue(), ""


class _Overflow(Exception):
    """The output went past the byte cap."""


class _CappedBuffer:
    """A file-like sink for the engine's serialisers that stops at `limit` bytes, keeping the
    first `limit`, so an oversized result is never held whole in memory."""

    def __init__(self, limit: int) -> None:
        self.limit = limit or sys.maxsize
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        room = self.limit - self.size
        self.parts.append(bytes(data[:room]))
        self.size += min(len(data), room)
        if len(data) > room:
            raise _Overflow
        return len(data)

    def flush(self) -> None:
        """Nothing is held back: the engine may flush at will."""

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def _capped_graph(
    result: ox.QueryTriples, engine: ox.RdfFormat, max_triples: int, max_bytes: int
) -> tuple[bytes, str]:
    """Stream triples into a capped buffer, keeping those read, to cut at a triple boundary."""
    kept: list[ox.Triple] = []
    more = False

    def feed() -> Iterator[ox.Triple]:
        nonlocal more
        for triple in result:
            if max_triples and len(kept) == max_triples:
                more = True
                return
            kept.append(triple)
            yield triple

    buffer = _CappedBuffer(max_bytes)
    try:
        ox.serialize(feed(), buffer, engine)
    except _Overflow:
        return _longest_fitting(kept, partial(ox.serialize, format=engine), max_bytes), "bytes"
    return buffer.getvalue(), "triples" if more else ""


def _capped_solutions(
    result: ox.QuerySolutions, engine: ox.QueryResultsFormat, limit: int
) -> bytes:
    """The first solutions that fit. They are read back from TSV cut at a line end: TSV escapes
    tabs and newlines inside terms, so each line after the header is one whole solution."""
    head = "\t".join(f"?{variable.value}" for variable in result.variables).encode() + b"\n"
    buffer = _CappedBuffer(limit)
    with contextlib.suppress(_Overflow):
        result.serialize(buffer, TSV)
    lines = buffer.getvalue().partition(b"\n")[2].split(b"\n")[:-1]  # the last is cut or empty

    def write(part: Sequence[bytes]) -> bytes | None:
        table = head + b"".join(line + b"\n" for line in part)
        solutions = ox.parse_query_results(table, format=TSV)
        return solutions.serialize(format=engine)

    return _longest_fitting(lines, write, limit)


def _longest_fitting(
    items: Sequence[T], write: Callable[[Sequence[T]], bytes | None], limit: int
) -> bytes:
    """The output of the longest prefix of `items` within `limit` bytes (a binary search:
    output only grows with the prefix)."""
    low, high, best = 0, len(items), write(items[:0]) or b""
    while low < high:
        middle = (low + high + 1) // 2
        out = write(items[:middle]) or b""
        if len(out) <= limit:
            low, best = middle, out
        else:
            high = middle - 1
    return best
