"""`alliance-kg publish` against a real Virtuoso, and against a recording store on loopback."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper

from alliance_kg.cli import main
from alliance_kg.pipeline.publish import (
    NO_CHANGE,
    Credentials,
    GraphStore,
    PublishError,
    publish,
    split_line,
)
from alliance_kg.project import Project
from alliance_kg.store.remote import UNION_GRAPH
from alliance_kg.store.statistics import STATISTICS_GRAPH

from . import conftest
from .endpoint_support import free_port
from .virtuoso_support import PASSWORD, USER, Virtuoso

pytestmark = pytest.mark.socket

TWO_GRAPHS = """
@prefix ex: <http://example.org/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
ex:first { ex:a ex:p ex:b . ex:b ex:p ex:c . ex:c ex:p "three"@en . }
ex:second { ex:A owl:equivalentClass [ a owl:Restriction ; owl:onProperty ex:p ] . }
"""
UNION = "/store?graph=" + quote(UNION_GRAPH, safe="")


def current(project: Project) -> Path:
    return project.build_dir / "current"


def manifest_graphs(project: Project) -> dict[str, int]:
    return json.loads((current(project) / "manifest.json").read_text("utf-8"))["graphs"]


def counts_in(instance: Virtuoso, graphs: list[str]) -> dict[str, int]:
    """Triples per graph, asked through Virtuoso's SPARQL endpoint."""
    client = SPARQLWrapper(instance.query_url, returnFormat=JSON)
    counts = {}
    for graph in graphs:
        client.setQuery(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        counts[graph] = int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"])
    return counts


def graph_in(instance: Virtuoso, graph: str) -> Graph:
    client = SPARQLWrapper(instance.query_url, returnFormat=TURTLE)
    client.setQuery(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return Graph().parse(data=client.query().response.read(), format="turtle")


def dba(instance: Virtuoso, password: str = PASSWORD) -> GraphStore:
    return GraphStore(instance.graph_store_url, Credentials(USER, password))


def test_every_graph_holds_the_manifests_count(
    published_virtuoso: Virtuoso, built: Project
) -> None:
    expected = manifest_graphs(built)
    assert counts_in(published_virtuoso, list(expected)) == expected


def test_publishing_again_in_chunks_replaces_each_graph_unchanged(
    published_virtuoso: Virtuoso, built: Project
) -> None:
    sent = publish(current(built), dba(published_virtuoso), chunk=500)
    expected = manifest_graphs(built)
    assert sent == expected
    assert counts_in(published_virtuoso, list(expected)) == expected
    dataset = Dataset()
    dataset.parse(current(built) / "dataset.nq", format="nquads")
    for graph in expected:  # blank nodes (OWL restrictions) survive the chunking
        local = Graph()
        for triple in dataset.graph(URIRef(graph)):
            local.add(triple)
        assert isomorphic(graph_in(published_virtuoso, graph), local), graph


def test_a_wrong_password_names_the_graph_and_the_401(
    published_virtuoso: Virtuoso, built: Project
) -> None:
    with pytest.raises(PublishError) as refused:
        publish(current(built), dba(published_virtuoso, "wrong"))
    assert refused.value.status == 401
    message = str(refused.value)
    assert "HTTP 401" in message and "refused the credentials of user 'dba'" in message
    assert any(f"<{graph}>" in message for graph in manifest_graphs(built))


def test_no_credentials_says_the_store_asks_for_them(
    published_virtuoso: Virtuoso, built: Project
) -> None:
    with pytest.raises(PublishError, match=r"HTTP 401: the store asks for authentication \(Digest"):
        publish(current(built), GraphStore(published_virtuoso.graph_store_url))


def test_the_command_publishes_and_shows_progress(
    published_virtuoso: Virtuoso, built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    url = published_virtuoso.graph_store_url
    code = main(["--project", str(built.root), "publish", url, "--user", USER, "--password", "dba"])
    _, err = capsys.readouterr()
    expected = manifest_graphs(built)
    total = sum(expected.values())
    assert code == 0
    assert "then their union, copied in the store" in err and "triples/s]" in err
    assert f"published {total:,} triples in {len(expected)} graphs, and their union, in " in err
    assert counts_in(published_virtuoso, list(expected)) == expected


def distinct_triples(build: Path) -> int:
    """The union's size: every graph's triples once, but the statistics, which describe them."""
    dataset = Dataset()
    dataset.parse(build / "dataset.nq", format="nquads")
    quads = dataset.quads()
    return len({(s, p, o) for s, p, o, g in quads if str(g) != STATISTICS_GRAPH})


def test_virtuoso_copies_the_union_once_and_again_unchanged(
    published_virtuoso: Virtuoso, built: Project
) -> None:
    expected = {**manifest_graphs(built), UNION_GRAPH: distinct_triples(current(built))}
    assert counts_in(published_virtuoso, list(expected)) == expected
    publish(current(built), dba(published_virtuoso))
    assert counts_in(published_virtuoso, list(expected)) == expected


def test_the_union_shares_the_blank_nodes_of_its_graph(
    published_virtuoso: Virtuoso, built: Project
) -> None:
    shared = f"""SELECT (COUNT(?r) AS ?n) WHERE {{
        GRAPH <{UNION_GRAPH}> {{ ?r ?p ?o }} GRAPH ?g {{ ?r ?p ?o }}
        FILTER (isBlank(?r) && ?g != <{UNION_GRAPH}>) }}"""
    client = SPARQLWrapper(published_virtuoso.query_url, returnFormat=JSON)
    client.setQuery(shared)
    assert int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"]) > 0


# --- a recording Graph Store on loopback ---------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Answer = Callable[[Received], tuple[int, dict[str, str], bytes]]


class RecordingStore(ThreadingHTTPServer):
    """Records every request and answers as `answer` says (204 by default)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.received: list[Received] = []
        self.answer: Answer = lambda request: (204, {}, b"")
        self.software = "recording"  # its `Server` header

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/store"


class RecordingHandler(BaseHTTPRequestHandler):
    server: RecordingStore

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        request = Received(self.command, self.path, dict(self.headers), body)
        self.server.received.append(request)
        status, headers, answer = self.server.answer(request)
        self.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(answer))}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer)

    do_POST = do_PUT

    def version_string(self) -> str:
        return self.server.software

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@pytest.fixture
def recording_store() -> Iterator[RecordingStore]:
    server = RecordingStore()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def two_graph_build(tmp_path: Path) -> Path:
    return conftest.write_build(tmp_path / "build", TWO_GRAPHS, "two-graphs")


def test_a_token_is_sent_as_bearer_with_every_request(
    recording_store: RecordingStore, built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    url = recording_store.url
    code = main(["--project", str(built.root), "publish", url, "--token", "s3cret"])
    capsys.readouterr()
    received = recording_store.received
    assert code == 0
    assert {r.headers["Authorization"] for r in received} == {"Bearer s3cret"}
    graphs = len(manifest_graphs(built)) + 1  # and the union, last
    assert [r.method for r in received] == ["POST"] + ["PUT"] * graphs
    assert received[-1].path == UNION
    assert received[0].body == b""  # the probe appends nothing
    assert {r.headers["Content-Type"] for r in received} == {"application/n-triples"}


def test_large_graphs_go_as_a_put_then_posts_with_blank_nodes_together(
    recording_store: RecordingStore, two_graph_build: Path
) -> None:
    publish(two_graph_build, GraphStore(recording_store.url), chunk=1)
    sent = [(r.method, r.path, r.body.count(b"\n")) for r in recording_store.received[1:]]
    first = "/store?graph=http%3A%2F%2Fexample.org%2Ffirst"
    second = "/store?graph=http%3A%2F%2Fexample.org%2Fsecond"
    union = [request for request in sent if request[1] == UNION]
    assert sorted(request for request in sent if request[1] != UNION) == sorted(
        [("PUT", first, 1), ("POST", first, 1), ("POST", first, 1), ("PUT", second, 3)]
    )
    assert sent[-len(union) :] == union  # the union goes last, when every graph is whole
    assert [method for method, _, _ in union] == ["PUT"] + ["POST"] * (len(union) - 1)
    assert sum(lines for _, _, lines in union) == 6
    blank = next(r.body for r in recording_store.received if r.path == second)
    second_graph = Graph().parse(data=blank.decode(), format="nt")
    assert len(set(second_graph.subjects())) == 2  # ex:A and the one restriction


def test_basic_authentication_is_sent_up_front_once_asked(
    recording_store: RecordingStore, two_graph_build: Path
) -> None:
    expected = "Basic " + base64.b64encode(b"ann:pw").decode()

    def basic(request: Received) -> tuple[int, dict[str, str], bytes]:
        if request.headers.get("Authorization") == expected:
            return 201, {}, b""
        return 401, {"WWW-Authenticate": 'Basic realm="store"'}, b""

    recording_store.answer = basic
    publish(two_graph_build, GraphStore(recording_store.url, Credentials("ann", "pw")), chunk=1)
    unsigned = [r for r in recording_store.received if "Authorization" not in r.headers]
    assert len(unsigned) == 1 and unsigned[0].body == b""  # only the probe met the challenge
    union = [r for r in recording_store.received if r.path == UNION]
    assert len(recording_store.received) == 1 + 1 + 4 + len(union)


def test_a_failing_store_names_the_graph_the_status_and_the_body(
    recording_store: RecordingStore, built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail_puts(request: Received) -> tuple[int, dict[str, str], bytes]:
        if request.method == "PUT":
            return 500, {"Content-Type": "text/plain"}, b"out of cheese " + b"x" * 1000
        return 204, {}, b""

    recording_store.answer = fail_puts
    code = main(["--project", str(built.root), "publish", recording_store.url])
    _, err = capsys.readouterr()
    assert code == 1
    first = next(iter(manifest_graphs(built)))
    assert f"graph <{first}>: PUT {recording_store.url} answered HTTP 500" in err
    assert "out of cheese xxx" in err and "x" * 1000 not in err


def test_a_virtuoso_gets_the_union_as_a_copy_made_in_the_store(
    recording_store: RecordingStore, two_graph_build: Path
) -> None:
    recording_store.software = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"
    publish(two_graph_build, GraphStore(recording_store.url, Credentials("dba", "dba")))
    uploads = [r for r in recording_store.received if r.path.startswith("/store")]
    updates = [r.body.decode() for r in recording_store.received if r.path == "/sparql-auth"]
    assert UNION not in {r.path for r in uploads}
    assert [r.method for r in uploads] == ["POST", "PUT", "PUT"]
    assert updates[:2] == [NO_CHANGE, f"DROP SILENT GRAPH <{UNION_GRAPH}>"]
    assert sorted(updates[2:]) == [
        f"DEFINE sql:log-enable 2 ADD <http://example.org/first> TO <{UNION_GRAPH}>",
        f"DEFINE sql:log-enable 2 ADD <http://example.org/second> TO <{UNION_GRAPH}>",
    ]


def test_virtuosos_update_endpoint_is_found_beside_its_graph_store_under_a_prefix(
    recording_store: RecordingStore, two_graph_build: Path
) -> None:
    recording_store.software = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"
    url = recording_store.url.replace("/store", "/triples/sparql-graph-crud-auth/")
    publish(two_graph_build, GraphStore(url, Credentials(token="s3cret")))
    updates = [r for r in recording_store.received if r.headers["Content-Type"].endswith("update")]
    assert {r.path for r in updates} == {"/triples/sparql-auth"}
    assert {r.headers["Authorization"] for r in updates} == {"Bearer s3cret"}
    assert updates[1].body == f"DROP SILENT GRAPH <{UNION_GRAPH}>".encode()  # then copied
    assert not [r for r in recording_store.received if "alliance-kg%3Aunion" in r.path]


def test_a_virtuoso_refusing_our_updates_gets_the_union_sent(
    recording_store: RecordingStore, two_graph_build: Path
) -> None:
    recording_store.software = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"

    def digest_only(request: Received) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/sparql-auth":
            return 401, {"WWW-Authenticate": 'Digest realm="SPARQL", nonce="n"'}, b""
        return 201, {}, b""

    recording_store.answer = digest_only
    store = GraphStore(recording_store.url, Credentials(token="s3cret"))
    progress = io.StringIO()
    publish(two_graph_build, store, progress=progress)
    updates = [r for r in recording_store.received if r.path == "/sparql-auth"]
    assert len(updates) == 1 and recording_store.received.index(updates[0]) == 1  # before data
    assert "the union is sent, not copied: " in progress.getvalue()
    assert "refused the bearer token" in progress.getvalue()
    union = [r for r in recording_store.received if r.path == UNION]
    assert [r.method for r in union] == ["PUT"]
    assert union[0].body.count(b"\n") == 6


def test_a_virtuoso_failing_the_update_probe_stops_before_any_triple_is_sent(
    recording_store: RecordingStore, two_graph_build: Path
) -> None:
    recording_store.software = "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"

    def broken_updates(request: Received) -> tuple[int, dict[str, str], bytes]:
        return (500, {}, b"out of disk") if request.path == "/sparql" else (201, {}, b"")

    recording_store.answer = broken_updates
    with pytest.raises(PublishError, match=r"answered HTTP 500 .*out of disk"):
        publish(two_graph_build, GraphStore(recording_store.url))
    probe, update = recording_store.received  # no triple was sent
    assert probe.body == b"" and update.path == "/sparql"


@pytest.mark.parametrize(
    ("line", "graph", "triple"),
    [
        ("<s> <p> <o> <g> .", "g", "<s> <p> <o> ."),
        ("<s> <p> <o> .", None, "<s> <p> <o> ."),
        ('<s> <p> "1"^^<dt> .', None, '<s> <p> "1"^^<dt> .'),
        ('<s> <p> "1"^^<dt> <g> .', "g", '<s> <p> "1"^^<dt> .'),
        ('<s> <p> "a <x> b"^^<dt> .', None, '<s> <p> "a <x> b"^^<dt> .'),
        ('_:b <p> "x <y> ."@en <g> .', "g", '_:b <p> "x <y> ."@en .'),
        ("_:b <p> _:c .", None, "_:b <p> _:c ."),
    ],
)
def test_a_line_of_the_build_splits_into_its_graph_and_triple(
    line: str, graph: str | None, triple: str
) -> None:
    assert split_line(f"{line}\n".encode()) == (graph, f"{triple}\n".encode())


def test_an_unreachable_store_is_named(built: Project, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    code = main(["--project", str(built.root), "publish", url, "--user", "u", "--password", "p"])
    _, err = capsys.readouterr()
    assert code == 1
    assert f"cannot reach {url}" in err and "refused" in err
