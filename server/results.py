"""Evaluate a checked query on the store and serialise its result, inside the time limit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import pyoxigraph as ox
from flask import current_app, request

from . import negotiation
from .caching import etag_for
from .http_policy import request_id
from .negotiation import Format
from .query_guard import Policy, Refused, Scan, capped, check_query
from .store import Backend
from .timeouts import THREADS, WATCHDOG


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


POLICY = "alliance_kg.policy"
T = TypeVar("T")
Work = Callable[[], tuple[bytes, bool]]


def run_limited(
    work: Callable[[], T], *, seconds: float, environ: Mapping, kill: bool, ids: tuple[str, str]
) -> T:
    """Run under the watchdog in a killable one-request gunicorn worker, else in a helper thread.

    `ids` is the request id and the CORS origin the watchdog's 503 carries.
    """
    sock = environ.get("gunicorn.socket")
    if sock is not None and kill and not environ.get("wsgi.multithread"):
        return WATCHDOG.run(work, seconds, sock, *ids)
    return THREADS.run(work, seconds)


def limited(work: Callable[[], T]) -> T:
    """`run_limited` with the current app's settings and request."""
    config = current_app.config
    return run_limited(
        work,
        seconds=config["QUERY_TIMEOUT"],
        environ=request.environ,
        kill=config["KILL_OVERDUE_WORKER"],
        ids=(request_id(), config["CORS_ALLOW_ORIGIN"]),
    )


def policy_for(store: Backend, config: Mapping[str, Any], cache: dict[str, Any]) -> Policy:
    """The checks' limits, with the dataset's current graphs; rebuilt when the version moves."""
    cached = cache.get(POLICY)
    if cached is not None and cached[0] == store.version:
        return cached[1]
    graphs = store.named_graphs() | set(store.graphs)
    made = Policy(
        graphs=frozenset(graphs),
        service_allowlist=frozenset(config["SERVICE_ALLOWLIST"]),
        max_nesting=config["MAX_QUERY_NESTING"],
        max_groups=config["MAX_QUERY_GROUPS"],
        max_operators=config["MAX_QUERY_OPERATORS"],
        max_rows=config["MAX_RESULT_ROWS"],
    )
    cache[POLICY] = (store.version, made)
    return made


def policy(store: Backend) -> Policy:
    return policy_for(store, current_app.config, current_app.extensions)


@dataclass(frozen=True)
class Prepared:
    """A checked query, ready to run: its scan, dataset, format and entity tag."""

    text: str
    capped_text: str
    was_capped: bool
    dataset: Dataset
    fmt: Format
    etag: str
    max_rows: int


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
    return Prepared(text, capped_text, was_capped, dataset, fmt, etag, checks.max_rows)


def result_kind(form: str | None) -> str:
    """Solutions for SELECT and ASK, a graph for CONSTRUCT and DESCRIBE."""
    return negotiation.GRAPH if form in ("CONSTRUCT", "DESCRIBE") else negotiation.SOLUTIONS


def execute(store: Backend, prepared: Prepared) -> tuple[bytes, bool]:
    """The serialised result, and whether the row cap lowered the query's LIMIT."""
    dataset = prepared.dataset
    try:
        result = store.query(
            prepared.capped_text,
            list(dataset.default_graphs) or None,
            list(dataset.named_graphs) or None,
        )
    except SyntaxError as error:
        shown = _own_error(store, prepared.text, error) if prepared.was_capped else error
        raise Refused(f"Syntax error: {shown}") from None
    return serialise(result, prepared.fmt), prepared.was_capped


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
