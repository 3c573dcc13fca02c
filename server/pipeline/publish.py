"""Publish a build to a SPARQL 1.1 store (`alliance-kg publish`).

Each graph of the build is replaced through the Graph Store Protocol: a PUT of its first chunk,
then POSTs of the rest (about `CHUNK_TRIPLES` triples each); the next body is read while the
store parses the last.
Publishing again replaces the same graphs, so it never duplicates triples. Blank node labels are
scoped to one request, so all triples of a graph that mention a blank node travel together in its
first request: splitting them would cut OWL restrictions and lists apart.

The union graph (`UNION_GRAPH`) is written last. On Virtuoso, which names itself in its `Server`
header, the store copies it from the graphs just published (`ADD`, without Virtuoso's
transaction log: `COPY_UNION`), so nothing is sent twice, where its update endpoint takes our
updates; elsewhere it is uploaded like the other graphs. docs/remote.md has the figures.
"""

from __future__ import annotations

import base64
import json
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.client import HTTPResponse
from itertools import islice
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import quote, urljoin

from tqdm import tqdm

from ..store.build_files import DATASET_FILE, MANIFEST_FILE
from ..store.remote import UNION_GRAPH
from ..store.statistics import STATISTICS_GRAPH

CHUNK_TRIPLES = 100_000
WORKERS = 2  # connections: Virtuoso parses each request on one core (docs/remote.md)
NTRIPLES = "application/n-triples"
SPARQL_UPDATE = "application/sparql-update"
# Virtuoso's pragma: autocommit, no transaction log (as its bulk loader): twice as fast at 1M.
COPY_UNION = "DEFINE sql:log-enable 2 ADD {graph} TO <{union}>"
# Does the update endpoint take our updates of the union? Deleting a triple nobody holds
# changes nothing (Virtuoso refuses an empty `GRAPH` block in `INSERT DATA`).
NOBODY = "<urn:x-alliance-kg:none>"
NO_CHANGE = f"DELETE DATA {{ GRAPH <{UNION_GRAPH}> {{ {NOBODY} {NOBODY} {NOBODY} }} }}"
REQUEST_TIMEOUT = 600.0
BODY_SHOWN = 300

Graph = str | None  # a graph IRI, or None for the default graph


class PublishError(Exception):
    """A publish that failed; the message names the graph and the store's answer."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Credentials:
    """A user and password (basic or digest, as the store asks), or a bearer token."""

    user: str | None = None
    password: str | None = None
    token: str | None = None


def graph_name(graph: Graph) -> str:
    return "the default graph" if graph is None else f"graph <{graph}>"


def graph_term(graph: Graph) -> str:
    return "DEFAULT" if graph is None else f"<{graph}>"


class SigningDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """Digest authentication that, once challenged, signs every later request up front.

    The stock handler waits for a 401 and sends the body again; a store that answers 401 before
    reading a large body resets the connection instead (Virtuoso does).
    """

    def __init__(self, passwords: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(passwords)
        self.challenge: dict[str, str] | None = None

    def retry_http_digest_auth(self, req: urllib.request.Request, auth: str) -> HTTPResponse | None:
        _, challenge = auth.split(" ", 1)
        fields = urllib.request.parse_http_list(challenge)
        self.challenge = urllib.request.parse_keqv_list(filter(None, fields))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if self.challenge and not req.has_header("Authorization"):
            signature = self.get_authorization(req, self.challenge)
            if signature:
                req.add_unredirected_header("Authorization", f"Digest {signature}")
        return req

    https_request = http_request


class SigningBasicAuthHandler(urllib.request.HTTPBasicAuthHandler):
    """Basic authentication that, once challenged, sends the credentials with every request."""

    def __init__(self, passwords: urllib.request.HTTPPasswordMgr) -> None:
        super().__init__(passwords)
        self.realm: tuple[str, str] | None = None

    def retry_http_basic_auth(
        self, host: str, req: urllib.request.Request, realm: str
    ) -> HTTPResponse | None:
        self.realm = (host, realm)
        return super().retry_http_basic_auth(host, req, realm)

    def http_request(self, req: urllib.request.Request) -> urllib.request.Request:
        if self.realm and not req.has_header("Authorization"):
            user, password = self.passwd.find_user_password(self.realm[1], self.realm[0])
            if user is not None:
                pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
                req.add_unredirected_header("Authorization", f"Basic {pair}")
        return req

    https_request = http_request


@dataclass
class GraphStore:
    """A Graph Store Protocol endpoint, with the authentication it asks for.

    `update_url` is the store's SPARQL Update endpoint, where one is known and takes our updates
    (Virtuoso's, found by `probe` unless `graph_store_only`); the same credentials hold there.
    """

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    graph_store_only: bool = False
    update_url: str | None = None
    update_refused: str | None = None
    opener: urllib.request.OpenerDirector = field(init=False)

    def __post_init__(self) -> None:
        handlers: list[urllib.request.BaseHandler] = []
        if self.credentials.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            origin = urljoin(self.url, "/")
            passwords.add_password(None, origin, self.credentials.user, self.credentials.password)
            handlers += [SigningDigestAuthHandler(passwords), SigningBasicAuthHandler(passwords)]
        self.opener = urllib.request.build_opener(*handlers)

    def target(self, graph: Graph) -> str:
        selector = "default" if graph is None else "graph=" + quote(graph, safe="")
        return f"{self.url}{'&' if '?' in self.url else '?'}{selector}"

    def send(self, method: str, graph: Graph, body: bytes) -> str:
        """PUT or POST N-Triples to one graph; return the store's `Server` header."""
        return self.request(method, self.url, self.target(graph), graph, body=body, kind=NTRIPLES)

    def update(self, graph: Graph, operation: str) -> None:
        """Run one SPARQL Update operation about `graph` at `update_url`."""
        assert self.update_url is not None
        url = self.update_url
        self.request("POST", url, url, graph, body=operation.encode(), kind=SPARQL_UPDATE)

    def request(
        self, method: str, endpoint: str, url: str, graph: Graph, *, body: bytes, kind: str
    ) -> str:
        """One request to `url` at `endpoint`; raise `PublishError` naming `graph` on failure."""
        headers = {"Content-Type": kind}
        if self.credentials.token:
            headers["Authorization"] = f"Bearer {self.credentials.token}"
        request = urllib.request.Request(url, body, headers, method=method)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                response.read()
                return response.headers.get("Server", "")
        except urllib.error.HTTPError as error:
            raise PublishError(self.refusal(method, endpoint, graph, error), error.code) from None
        except OSError as error:
            reason = getattr(error, "reason", error)
            raise PublishError(f"{graph_name(graph)}: cannot reach {endpoint}: {reason}") from None

    def probe(self, graph: Graph) -> None:
        """Meet the store's authentication with an empty POST (it appends nothing), so that no
        large body is sent only to be refused; other answers are left to the real requests.
        A Virtuoso answering gets `update_url`, its SPARQL endpoint beside the Graph Store,
        where that endpoint takes our updates."""
        try:
            server = self.send("POST", graph, b"")
        except PublishError as error:
            if error.status in (None, 401):
                raise
            return
        if server.startswith("Virtuoso") and not self.graph_store_only:
            self.find_update_url()

    def find_update_url(self) -> None:
        """Set `update_url` to Virtuoso's SPARQL endpoint beside its Graph Store (`sparql-auth`
        when we authenticate) if it takes from us an update of the union that changes nothing;
        else leave it None (the reason in `update_refused`), and the union is sent like the
        other graphs. A store that fails otherwise (unreachable, HTTP 5xx) stops the publish."""
        authenticated = self.credentials.user is not None or self.credentials.token
        beside = self.url.split("?", 1)[0].rstrip("/")
        self.update_url = urljoin(beside, "sparql-auth" if authenticated else "sparql")
        try:
            self.update(UNION_GRAPH, NO_CHANGE)
        except PublishError as error:
            self.update_url = None
            if error.status is None or not 400 <= error.status < 500:
                raise
            self.update_refused = str(error)

    def refusal(
        self, method: str, endpoint: str, graph: Graph, error: urllib.error.HTTPError
    ) -> str:
        where = f"{graph_name(graph)}: {method} {endpoint} answered HTTP {error.code}"
        if error.code == 401 and self.credentials.user is not None:
            return f"{where}: the store refused the credentials of user {self.credentials.user!r}"
        if error.code == 401 and self.credentials.token:
            return f"{where}: the store refused the bearer token"
        if error.code == 401:
            asked = error.headers.get("WWW-Authenticate", "")
            return f"{where}: the store asks for authentication ({asked}): give a user or a token"
        try:
            body = error.read(BODY_SHOWN).decode("utf-8", "replace")
        except OSError:
            body = ""
        return f"{where} {error.reason}" + (f": {body.strip()}" if body.strip() else "")


@dataclass
class GraphPart:
    """One graph's triples, split out of the dataset as N-Triples files."""

    blank: Path
    plain: Path
    triples: int = 0

    def batches(self, size: int) -> Iterator[bytes]:
        """Request bodies of about `size` triples; every blank-node triple in the first one."""
        lines = self.blank.read_bytes().splitlines(keepends=True) if self.blank.exists() else []
        with self.plain.open("rb") as plain:
            lines += islice(plain, max(0, size - len(lines)))
            yield b"".join(lines)
            while batch := list(islice(plain, size)):
                yield b"".join(batch)


def split_line(line: bytes) -> tuple[Graph, bytes]:
    """The graph of one N-Quads line as the build writes it (pyoxigraph: one space between
    terms, one quad a line), and the line as N-Triples. Read as bytes: parsing every quad into
    terms took three times as long. A graph is the last term when it ends in `> .`, holds no
    quote (so is no datatype), and comes after subject, predicate and object."""
    end = line.rfind(b" <", 0, -3)
    if (
        end > 0
        and line.endswith(b"> .\n")
        and b'"' not in line[end:]
        and line.count(b" ", 0, end) > 1
    ):
        return line[end + 2 : -4].decode(), line[:end] + b" .\n"
    return None, line


def split_by_graph(dataset: Path, folder: Path, union: bool) -> dict[Graph, GraphPart]:
    """Stream the N-Quads once, writing each graph's triples to its own N-Triples files, and,
    if `union`, every triple but the statistics' to the union graph too (`UNION_GRAPH`: the
    store keeps each once).
    A line that mentions `_:` counts as a blank-node triple (a literal holding `_:` merely
    travels in the first request)."""
    parts: dict[Graph, GraphPart] = {}
    files: dict[Path, BinaryIO] = {}
    with ExitStack() as stack, dataset.open("rb") as quads:
        for quad in quads:
            own, line = split_line(quad)
            blank = b"_:" in line
            in_union = union and own != STATISTICS_GRAPH  # it describes the data, it is not data
            for graph in (own, UNION_GRAPH) if in_union else (own,):
                part = parts.get(graph)
                if part is None:
                    number = len(parts)
                    part = GraphPart(folder / f"{number}.blank.nt", folder / f"{number}.nt")
                    parts[graph] = part
                    files[part.plain] = stack.enter_context(part.plain.open("wb"))
                path = part.blank if blank else part.plain
                if path not in files:
                    files[path] = stack.enter_context(path.open("wb"))
                files[path].write(line)
                part.triples += 1
    if union:
        parts[UNION_GRAPH] = parts.pop(UNION_GRAPH)  # last: queries use it once it is whole
    return parts


def send_batch(store: GraphStore, graph: Graph, body: bytes, put: Future | None, bar: tqdm) -> None:
    """PUT a graph's first batch; POST a later one once that PUT has succeeded."""
    if put is not None:
        put.result()
    store.send("PUT" if put is None else "POST", graph, body)
    bar.update(body.count(b"\n"))


def upload(
    store: GraphStore, parts: dict[Graph, GraphPart], chunk: int, workers: int, bar: tqdm
) -> None:
    """Send every graph's batches over `workers` connections; stop at the first failure.

    At most twice `workers` bodies are held in memory at once.
    """
    slots = threading.BoundedSemaphore(2 * workers)
    pending: list[Future] = []
    with ThreadPoolExecutor(workers) as pool:
        try:
            for graph, part in parts.items():
                put = None
                for body in part.batches(chunk):
                    slots.acquire()
                    future = pool.submit(send_batch, store, graph, body, put, bar)
                    future.add_done_callback(lambda _: slots.release())
                    put = put or future
                    pending.append(future)
                    while pending and pending[0].done():
                        pending.pop(0).result()  # raises the first failure, in the order sent
            for future in pending:
                future.result()
        except PublishError:
            pool.shutdown(cancel_futures=True)
            raise


def copy_union(store: GraphStore, counts: dict[Graph, int], bar: tqdm) -> None:
    """Fill the union graph inside the store (Virtuoso), from the graphs just published."""
    store.update(UNION_GRAPH, f"DROP SILENT GRAPH <{UNION_GRAPH}>")
    for graph, triples in counts.items():
        if graph != STATISTICS_GRAPH:
            copy = COPY_UNION.format(graph=graph_term(graph), union=UNION_GRAPH)
            store.update(UNION_GRAPH, copy)
        bar.update(triples)


def publish(
    build: Path,
    store: GraphStore,
    chunk: int = CHUNK_TRIPLES,
    workers: int = WORKERS,
    progress: TextIO | None = None,
) -> dict[Graph, int]:
    """Replace each graph of `build` in the store, then the union graph; return the triples
    sent per graph. `progress` gets a bar with the rate, and a closing line."""
    manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
    store.probe(next(iter(manifest["graphs"]), None))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="alliance-kg-publish-") as scratch:
        copied = store.update_url is not None
        parts = split_by_graph(build / DATASET_FILE, Path(scratch), union=not copied)
        counts = {graph: part.triples for graph, part in parts.items() if graph != UNION_GRAPH}
        if {g: n for g, n in counts.items() if g is not None} != manifest["graphs"]:
            raise PublishError(f"{build / DATASET_FILE} does not match {MANIFEST_FILE}: rebuild")
        total = sum(counts.values())
        union = "copied in the store" if copied else "sent"
        if store.update_refused and progress is not None:
            print(f"the union is sent, not copied: {store.update_refused}", file=progress)
        with tqdm(
            total=2 * total,
            desc=f"publishing to {store.url} ({len(counts)} graphs, then their union, {union})",
            unit=" triples",
            unit_scale=True,
            file=progress,
            disable=progress is None,
            mininterval=1.0,
        ) as bar:
            own = {graph: part for graph, part in parts.items() if graph != UNION_GRAPH}
            upload(store, own, chunk, workers, bar)
            if copied:
                copy_union(store, counts, bar)
            else:
                upload(store, {UNION_GRAPH: parts[UNION_GRAPH]}, chunk, workers, bar)
    seconds = time.monotonic() - started
    if progress is not None:
        print(
            f"published {total:,} triples in {len(counts)} graphs, and their union, in "
            f"{seconds:.1f} s ({total / seconds:,.0f} triples/s)",
            file=progress,
        )
    return counts
