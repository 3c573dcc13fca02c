"""A counting canary and the fetch vectors of the canary test (`test_canary.py`).

The canary answers like a SPARQL endpoint and an RDF document, with a unique marker in every
answer, so a response that carries its data can be told from one that merely names its URL.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from .endpoint_support import SOURCE_GRAPH

SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
FORM = "application/x-www-form-urlencoded"
ELSEWHERE = "http://example.org/canary-test/graph"


class _CountingServer(http.server.ThreadingHTTPServer):
    """Counts each accepted TCP connection before any byte of HTTP is read."""

    daemon_threads = True

    def __init__(self, canary: HttpCanary) -> None:
        self.canary = canary
        super().__init__(("127.0.0.1", 0), _CanaryHandler)

    def get_request(self) -> tuple[socket.socket, object]:
        accepted = super().get_request()
        with self.canary.lock:
            self.canary.connections += 1
        return accepted


class _CanaryHandler(http.server.BaseHTTPRequestHandler):
    """SPARQL JSON results for a POST (pyoxigraph's SERVICE), N-Triples for a GET (LOAD)."""

    server: _CountingServer

    def _answer(self) -> None:
        canary = self.server.canary
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with canary.lock:
            canary.requests.append(f"{self.command} {self.path} {body[:200]!r}")
        accept = self.headers.get("Accept") or ""
        if self.command == "POST" or "sparql-results" in accept:
            data, media_type = canary.results(), "application/sparql-results+json"
        else:
            data, media_type = canary.triples(), "application/n-triples"
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_HEAD = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: what was asked is kept in `requests`."""


class HttpCanary:
    """An HTTP listener on loopback that records every connection and request it receives."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[str] = []
        self.marker = f"canary-{uuid.uuid4().hex}"
        self._server = _CountingServer(self)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def results(self) -> bytes:
        """One solution binding every variable the vectors use to the canary's own terms."""
        iri = {"type": "uri", "value": self.url + "s"}
        marker = {"type": "literal", "value": self.marker}
        binding = {"canary": marker, "s": iri, "p": iri, "o": marker, "q": iri, "r": marker}
        head = {"vars": list(binding)}
        return json.dumps({"head": head, "results": {"bindings": [binding]}}).encode()

    def triples(self) -> bytes:
        return f'<{self.url}s> <{self.url}p> "{self.marker}" .\n'.encode()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@dataclass(frozen=True)
class Vector:
    """One attempt to make the served process fetch the canary.

    `text` is the query or update as the engine would get it, for replaying it unsandboxed;
    `may_answer` marks the few vectors that are harmless to run (DESCRIBE names no source).
    """

    name: str
    category: str
    method: str
    target: str
    body: bytes = b""
    content_type: str | None = None
    authorised: bool = False
    kind: str = ""
    text: str = ""
    may_answer: bool = False


def query_get(name: str, category: str, text: str, **params: str) -> Vector:
    target = "/sparql?" + urllib.parse.urlencode({"query": text, **params})
    return Vector(name, category, "GET", target, kind="query", text=text)


def query_form(name: str, category: str, text: str, **params: str) -> Vector:
    body = urllib.parse.urlencode({"query": text, **params}).encode()
    return Vector(name, category, "POST", "/sparql", body, FORM, kind="query", text=text)


def query_body(name: str, category: str, text: str, charset: str = "", **params: str) -> Vector:
    target = "/sparql" + ("?" + urllib.parse.urlencode(params) if params else "")
    content_type = SPARQL_QUERY + (f"; charset={charset}" if charset else "")
    body = text.encode(charset or "utf-8")
    return Vector(name, category, "POST", target, body, content_type, kind="query", text=text)


def update_body(name: str, category: str, text: str, target: str = "/update") -> Vector:
    body = text.encode()
    return Vector(
        name, category, "POST", target, body, SPARQL_UPDATE, True, kind="update", text=text
    )


def update_form(
    name: str, category: str, text: str, target: str = "/update", **params: str
) -> Vector:
    body = urllib.parse.urlencode({"update": text, **params}).encode()
    return Vector(name, category, "POST", target, body, FORM, True, kind="update", text=text)


def escaped(text: str) -> str:
    """Every character of `text` as a `\\uXXXX` escape."""
    return "".join(f"\\u{ord(char):04X}" for char in text)


def select(pattern: str, prologue: str = "") -> str:
    return f"{prologue}SELECT * {{ {pattern} }}"


def service_spellings(url: str) -> list[Vector]:
    """SERVICE in every spelling the grammar and the engine's lexer allow."""
    port = urlsplit(url).port
    w = "{ ?s ?p ?o }"
    c = f"PREFIX c: <{url}> "
    cases = {
        "full-iri": f"SELECT * WHERE {{ SERVICE <{url}> {w} }}",
        "prefixed": select(f"SERVICE c: {w}", c),
        "prefixed-local": select(f"SERVICE c:sparql {w}", c),
        "glued-empty-prefix": select(f"SERVICE:x {w}", f"PREFIX : <{url}> "),
        "glued-other-prefix": select(f"SERVICEc:x {w}", c),
        "lowercase": f"select * {{ service <{url}> {w} }}",
        "mixed-case": f"SeLeCt * {{ sErViCe <{url}> {w} }}",
        "silent": select(f"SERVICE SILENT <{url}> {w}"),
        "silent-lowercase-glued": select(f"service silentc:x {w}", c),
        "variable-values": select(f"VALUES ?svc {{ <{url}> }} SERVICE ?svc {w}"),
        "variable-trailing-values": select(f"SERVICE ?svc {w}") + f" VALUES ?svc {{ <{url}> }}",
        "variable-bind": select(f"BIND(<{url}> AS ?svc) SERVICE ?svc {w}"),
        "escaped-keyword-letter": select(f"SERVIC\\u0045 <{url}> {w}"),
        "escaped-keyword-whole": select(f"{escaped('SERVICE')} <{url}> {w}"),
        "escaped-iri-colons": select(f"SERVICE <http\\u003A//127.0.0.1\\u003A{port}/> {w}"),
        "escaped-iri-whole": select(f"SERVICE <{escaped(url)}> {w}"),
        "escaped-iri-long-form": select(f"SERVICE <\\U00000068ttp://127.0.0.1:{port}/> {w}"),
        "escaped-prefix-iri": select(f"SERVICE c:x {w}", f"PREFIX c: <{escaped(url)}> "),
        "comment-between": select(f"SERVICE#comment\n<{url}>#more\n{w}"),
        "odd-whitespace": f"SELECT * {{\tSERVICE\r\n\t <{url}>\r\n{w}\t}}",
        "comment-silent": select(f"SERVICE # a\n SILENT # b\n <{url}> {w}"),
        "prefix-redeclared": select(f"SERVICE c:x {w}", f"PREFIX c: <http://example.org/> {c}"),
        "base-relative": select(f"SERVICE <x> {w}", f"BASE <{url}> "),
        "base-empty-iri": select(f"SERVICE <> {w}", f"BASE <{url}> "),
        "localhost": select(f"SERVICE <http://localhost:{port}/> {w}"),
    }
    return [query_get(f"service-{name}", "SERVICE spelling", text) for name, text in cases.items()]


def service_placements(url: str) -> list[Vector]:
    """SERVICE nested in every kind of group, and in every query form."""
    inner = f"SERVICE <{url}> {{ ?s ?q ?r }}"
    cases = {
        "optional": f"SELECT * {{ ?s ?p ?o OPTIONAL {{ {inner} }} }}",
        "subquery": f"SELECT * {{ {{ SELECT ?s WHERE {{ {inner} }} }} }}",
        "exists": f"SELECT * {{ ?s ?p ?o FILTER EXISTS {{ {inner} }} }}",
        "not-exists": f"SELECT * {{ ?s ?p ?o FILTER NOT EXISTS {{ {inner} }} }}",
        "union": f"SELECT * {{ {{ ?s ?p ?o }} UNION {{ {inner} }} }}",
        "minus": f"SELECT * {{ ?s ?p ?o MINUS {{ {inner} }} }}",
        "graph": f"SELECT * {{ GRAPH ?g {{ {inner} }} }}",
        "nested-service": f"SELECT * {{ SERVICE <{url}outer> {{ {inner} }} }}",
        "ask": f"ASK {{ {inner} }}",
        "construct": f"CONSTRUCT {{ ?s ?q ?r }} WHERE {{ {inner} }}",
        "describe-where": f"DESCRIBE ?s WHERE {{ {inner} }}",
    }
    return [query_get(f"service-in-{name}", "SERVICE placement", t) for name, t in cases.items()]


def service_methods(url: str) -> list[Vector]:
    """The plain SERVICE query by every protocol method and body."""
    text = f"SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
    return [
        query_form("service-post-form", "SERVICE by POST", text),
        query_body("service-post-sparql-query", "SERVICE by POST", text),
        query_body("service-post-sparql-query-utf16", "SERVICE by POST", text, "utf-16"),
        Vector(
            "service-head",
            "SERVICE by POST",
            "HEAD",
            "/sparql?" + urllib.parse.urlencode({"query": text}),
            kind="query",
            text=text,
        ),
    ]


def from_vectors(url: str) -> list[Vector]:
    """FROM and FROM NAMED naming the canary, with IRIs, prefixed names and escapes."""
    port = urlsplit(url).port
    where = "WHERE { ?s ?p ?o }"
    named = "WHERE { GRAPH ?g { ?s ?p ?o } }"
    cases = {
        "full-iri": f"SELECT * FROM <{url}> {where}",
        "named-full-iri": f"SELECT * FROM NAMED <{url}> {named}",
        "prefixed": f"PREFIX c: <{url}> SELECT * FROM c:data {where}",
        "named-prefixed": f"PREFIX c: <{url}> SELECT * FROM NAMED c:data {named}",
        "glued-prefix": f"PREFIX c: <{url}> SELECT * FROMc:data {where}",
        "escaped-iri": f"SELECT * FROM <http\\u003A//127.0.0.1:{port}/> {where}",
        "lowercase-comment": f"select * from#c\n<{url}> {where}",
        "beside-own-graph": f"SELECT * FROM <{SOURCE_GRAPH}> FROM <{url}> {where}",
        "construct": f"CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> {where}",
    }
    found = [query_get(f"from-{name}", "FROM", text) for name, text in cases.items()]
    found.append(query_form("from-post-form", "FROM", cases["full-iri"]))
    found.append(query_body("from-named-post-body", "FROM", cases["named-full-iri"]))
    return found


def dataset_parameters(url: str) -> list[Vector]:
    """`default-graph-uri` and `named-graph-uri` naming the canary, by GET and POST."""
    plain = "SELECT * { ?s ?p ?o }"
    named = "SELECT * { GRAPH ?g { ?s ?p ?o } }"
    category = "dataset parameter"
    return [
        query_get("default-graph-uri-get", category, plain, **{"default-graph-uri": url}),
        query_get("named-graph-uri-get", category, named, **{"named-graph-uri": url}),
        query_form("default-graph-uri-form", category, plain, **{"default-graph-uri": url}),
        query_form("named-graph-uri-form", category, named, **{"named-graph-uri": url}),
        query_body("default-graph-uri-body", category, plain, **{"default-graph-uri": url}),
        query_body("named-graph-uri-body", category, named, **{"named-graph-uri": url}),
    ]


def load_vectors(url: str) -> list[Vector]:
    """LOAD in its forms, sent with the right Bearer token, to /update and /sparql."""
    port = urlsplit(url).port
    cases = {
        "plain": f"LOAD <{url}>",
        "silent": f"LOAD SILENT <{url}>",
        "into-graph": f"LOAD <{url}> INTO GRAPH <{ELSEWHERE}>",
        "silent-into-graph": f"LOAD SILENT <{url}> INTO GRAPH <{ELSEWHERE}>",
        "prefixed": f"PREFIX c: <{url}> LOAD c:data",
        "glued-prefix": f"PREFIX c: <{url}> LOADc:data",
        "escaped-iri": f"LOAD <http\\u003A//127.0.0.1\\u003A{port}/>",
        "escaped-keyword": f"\\u004COAD <{url}>",
        "lowercase-comment": f"load#c\n<{url}>",
        "after-insert": f"INSERT DATA {{ GRAPH <{ELSEWHERE}> {{ <x:s> <x:p> 1 }} }} ; LOAD <{url}>",
    }
    found = [update_body(f"load-{name}", "LOAD", text) for name, text in cases.items()]
    found.append(update_form("load-form", "LOAD", cases["plain"]))
    found.append(update_form("load-form-at-sparql", "LOAD", cases["plain"], "/sparql"))
    found.append(query_get("load-as-query", "LOAD", cases["plain"]))
    return found


def update_reads(url: str) -> list[Vector]:
    """Updates whose WHERE clause would read the canary: USING, SERVICE, protocol parameters."""
    insert = f"INSERT {{ GRAPH <{ELSEWHERE}> {{ ?s ?p ?o }} }}"
    w = "{ ?s ?p ?o }"
    service = f"SERVICE <{url}> {w}"
    cases = {
        "using": f"{insert} USING <{url}> WHERE {w}",
        "using-named": f"{insert} USING NAMED <{url}> WHERE {{ GRAPH ?g {w} }}",
        "using-prefixed": f"PREFIX c: <{url}> {insert} USING c:data WHERE {w}",
        "insert-where-service": f"{insert} WHERE {{ {service} }}",
        "insert-where-service-silent": f"{insert} WHERE {{ SERVICE SILENT <{url}> {w} }}",
        "insert-where-service-variable": (
            f"{insert} WHERE {{ VALUES ?x {{ <{url}> }} SERVICE ?x {w} }}"
        ),
        "delete-where-service": f"DELETE {{ GRAPH <{ELSEWHERE}> {w} }} WHERE {{ {service} }}",
        "with-where-service": f"WITH <{ELSEWHERE}> INSERT {w} WHERE {{ {service} }}",
        "escaped-service": f"{insert} WHERE {{ SERVIC\\u0045 <{url}> {w} }}",
    }
    found = [update_body(f"update-{name}", "update WHERE", t) for name, t in cases.items()]
    plain = f"{insert} WHERE {w}"
    named = f"{insert} WHERE {{ GRAPH ?g {w} }}"
    found += [
        update_form("using-graph-uri", "update parameter", plain, **{"using-graph-uri": url}),
        update_form(
            "using-named-graph-uri", "update parameter", named, **{"using-named-graph-uri": url}
        ),
    ]
    return found


def store_and_describe(url: str) -> list[Vector]:
    """The Graph Store endpoint naming the canary, and DESCRIBE of its URL."""
    target = "/store?" + urllib.parse.urlencode({"graph": url})
    turtle = f"<{url}s> <{url}p> 1 .".encode()
    describe = [
        query_get("describe-iri", "DESCRIBE", f"DESCRIBE <{url}>"),
        query_get("describe-prefixed", "DESCRIBE", f"PREFIX c: <{url}> DESCRIBE c:"),
    ]
    return [
        Vector("store-get", "Graph Store", "GET", target),
        Vector("store-head", "Graph Store", "HEAD", target),
        Vector("store-put", "Graph Store", "PUT", target, turtle, "text/turtle", True),
        Vector("store-post", "Graph Store", "POST", target, turtle, "text/turtle", True),
        Vector("store-delete", "Graph Store", "DELETE", target, authorised=True),
        *(replace(vector, may_answer=True) for vector in describe),
    ]


def all_vectors(url: str) -> list[Vector]:
    """Every fetch vector of the canary test, in the order they are sent."""
    return [
        *service_spellings(url),
        *service_placements(url),
        *service_methods(url),
        *from_vectors(url),
        *dataset_parameters(url),
        *load_vectors(url),
        *update_reads(url),
        *store_and_describe(url),
    ]


@dataclass(frozen=True)
class Outcome:
    status: int
    body: bytes


def send(base: str, vector: Vector, token: str, timeout: float = 60) -> Outcome:
    """Send one vector to the served process; HTTP errors are outcomes, not exceptions."""
    headers = {"Content-Type": vector.content_type} if vector.content_type else {}
    if vector.authorised:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        base + vector.target, data=vector.body or None, headers=headers, method=vector.method
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Outcome(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Outcome(error.code, error.read())
