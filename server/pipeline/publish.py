"""Publish a build to any SPARQL 1.1 store through the Graph Store Protocol (`alliance-kg publish`).

Each graph of the build is replaced by a PUT of its first chunk; later chunks are appended with
POST, so no request carries more than about `CHUNK_TRIPLES` triples and memory stays bounded.
Publishing again replaces the same graphs, so it never duplicates triples. Blank node labels are
scoped to one request, so all triples of a graph that mention a blank node travel together in its
first request: splitting them would cut OWL restrictions and lists apart.
"""

from __future__ import annotations

import base64
import json
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from http.client import HTTPResponse
from itertools import islice
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

import pyoxigraph as ox

from ..store.build_files import DATASET_FILE, MANIFEST_FILE
from ..store.remote import UNION_GRAPH

CHUNK_TRIPLES = 100_000
NTRIPLES = "application/n-triples"
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
    """A Graph Store Protocol endpoint, with the authentication it asks for."""

    url: str
    credentials: Credentials = field(default_factory=Credentials)
    opener: urllib.request.OpenerDirector = field(init=False)

    def __post_init__(self) -> None:
        handlers: list[urllib.request.BaseHandler] = []
        if self.credentials.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, self.url, self.credentials.user, self.credentials.password)
            handlers += [SigningDigestAuthHandler(passwords), SigningBasicAuthHandler(passwords)]
        self.opener = urllib.request.build_opener(*handlers)

    def target(self, graph: Graph) -> str:
        selector = "default" if graph is None else "graph=" + quote(graph, safe="")
        return f"{self.url}{'&' if '?' in self.url else '?'}{selector}"

    def send(self, method: str, graph: Graph, body: bytes) -> None:
        """PUT or POST N-Triples to one graph; raise `PublishError` on any failure."""
        headers = {"Content-Type": NTRIPLES}
        if self.credentials.token:
            headers["Authorization"] = f"Bearer {self.credentials.token}"
        request = urllib.request.Request(self.target(graph), body, headers, method=method)
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise PublishError(self.refusal(method, graph, error), error.code) from None
        except OSError as error:
            reason = getattr(error, "reason", error)
            raise PublishError(f"{graph_name(graph)}: cannot reach {self.url}: {reason}") from None

    def probe(self, graph: Graph) -> None:
        """Meet the store's authentication with an empty POST (it appends nothing), so that no
        large body is sent only to be refused; other answers are left to the real requests."""
        try:
            self.send("POST", graph, b"")
        except PublishError as error:
            if error.status in (None, 401):
                raise

    def refusal(self, method: str, graph: Graph, error: urllib.error.HTTPError) -> str:
        where = f"{graph_name(graph)}: {method} {self.url} answered HTTP {error.code}"
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


def split_by_graph(dataset: Path, folder: Path) -> dict[Graph, GraphPart]:
    """Stream the N-Quads once, writing each graph's triples to its own N-Triples files, and
    every triple to the union graph too (`UNION_GRAPH`: the store keeps each triple once)."""
    parts: dict[Graph, GraphPart] = {}
    files: dict[Path, BinaryIO] = {}
    with ExitStack() as stack:
        for quad in ox.parse(path=dataset, format=ox.RdfFormat.N_QUADS):
            own = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
            blank = isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode)
            line = f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()
            for graph in (own, UNION_GRAPH):
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
    parts[UNION_GRAPH] = parts.pop(UNION_GRAPH)  # last: queries use it once it is whole
    return parts


def upload_graph(
    store: GraphStore, graph: Graph, part: GraphPart, chunk: int, progress: Callable[[str], None]
) -> None:
    started, sent = time.monotonic(), 0
    for number, body in enumerate(part.batches(chunk)):
        store.send("PUT" if number == 0 else "POST", graph, body)
        sent += body.count(b"\n")
        progress(f"{graph_name(graph)}: {sent:,}/{part.triples:,} triples")
    progress(f"{graph_name(graph)}: published in {time.monotonic() - started:.1f} s")


def publish(
    build: Path,
    store: GraphStore,
    chunk: int = CHUNK_TRIPLES,
    progress: Callable[[str], None] = lambda line: None,
) -> dict[Graph, int]:
    """Replace each graph of `build` in the store; return the triples sent per graph."""
    manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
    store.probe(next(iter(manifest["graphs"]), None))
    with tempfile.TemporaryDirectory(prefix="alliance-kg-publish-") as scratch:
        parts = split_by_graph(build / DATASET_FILE, Path(scratch))
        counts = {graph: part.triples for graph, part in parts.items() if graph != UNION_GRAPH}
        if {g: n for g, n in counts.items() if g is not None} != manifest["graphs"]:
            raise PublishError(f"{build / DATASET_FILE} does not match {MANIFEST_FILE}: rebuild")
        progress(
            f"publishing {sum(counts.values()):,} triples in {len(counts)} graphs, and their "
            f"union, to {store.url}"
        )
        for graph, part in parts.items():
            upload_graph(store, graph, part, chunk, progress)
    return counts
