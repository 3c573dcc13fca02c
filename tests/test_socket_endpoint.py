"""The running server on a loopback socket, driven by SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import re
import select
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from alliance_kg.project import Project

from .endpoint_support import Canary, ServedProcess

pytestmark = pytest.mark.socket

AKG = "https://w3id.org/alliance-kg/ontology/"
PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
ASK = "ASK { ?s a ?class }"
TIMEOUT = 3.0
WORKERS = 3


@pytest.fixture(scope="module")
def server(built: Project) -> Iterator[ServedProcess]:
    """The essay build served like `alliance-kg serve`, with a short time limit."""
    served = ServedProcess(built.root, "--query-timeout", str(TIMEOUT), "--workers", str(WORKERS))
    served.first_answer = served.wait_ready()
    yield served
    served.stop()


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def query_url(server: ServedProcess, query: str) -> str:
    return f"{server.url}/sparql?{urllib.parse.urlencode({'query': query})}"


def kept_alive_get(connection: HTTPConnection, url: str) -> tuple[int, bytes]:
    """A GET that, like a client session, reconnects if the server closed the idle connection."""
    if connection.sock is not None and select.select([connection.sock], [], [], 0)[0]:
        connection.close()  # readable while idle: the server ended it
    connection.request("GET", url)
    with connection.getresponse() as response:
        return response.status, response.read()


def test_first_query_is_answered_soon_after_start(server: ServedProcess) -> None:
    assert server.first_answer < 15.0
    assert server.url.startswith("http://127.0.0.1:")


def test_sparqlwrapper_reads_json_xml_and_csv(server: ServedProcess) -> None:
    query = f"SELECT ?actor WHERE {{ ?actor a <{AKG}Actor> }} ORDER BY ?actor"
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    as_json = client.query().convert()
    actors = [row["actor"]["value"] for row in as_json["results"]["bindings"]]
    assert actors
    client.setReturnFormat(XML)
    as_xml = client.query().convert()
    assert len(as_xml.getElementsByTagName("result")) == len(actors)
    client.setReturnFormat(CSV)
    as_csv = client.query().convert().decode().splitlines()
    assert as_csv[0] == "actor"
    assert as_csv[1:] == actors
    client.setMethod("POST")
    client.setReturnFormat(JSON)
    assert client.query().convert() == as_json


def test_sparqlwrapper_constructs_into_a_graph(server: ServedProcess) -> None:
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(f"CONSTRUCT {{ ?a a <{AKG}Actor> }} WHERE {{ ?a a <{AKG}Actor> }}")
    client.setReturnFormat(XML)
    as_xml = client.query().convert()
    assert isinstance(as_xml, Graph)
    client.setReturnFormat(TURTLE)  # SPARQLWrapper hands Turtle back as bytes
    as_turtle = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(as_xml) == len(as_turtle) > 0
    for graph in (as_xml, as_turtle):
        assert all(o == URIRef(AKG + "Actor") for o in graph.objects(None, RDF.type))


def test_rdflib_sparqlstore_queries_the_endpoint(server: ServedProcess) -> None:
    graph = Graph(store=SPARQLStore(f"{server.url}/sparql"))
    rows = list(graph.query(f"SELECT ?actor WHERE {{ ?actor a <{AKG}Actor> }}"))
    assert rows
    assert (rows[0][0], RDF.type, URIRef(AKG + "Actor")) in graph
    assert bool(graph.query(ASK).askAnswer)


def test_federation_and_load_never_reach_the_canary(server: ServedProcess) -> None:
    canary = Canary()
    try:
        for query in (
            f"SELECT * WHERE {{ SERVICE <{canary.url}> {{ ?s ?p ?o }} }}",
            f"SELECT * FROM <{canary.url}> WHERE {{ ?s ?p ?o }}",
            f"LOAD <{canary.url}>",
        ):
            status, body = get(query_url(server, query))
            assert status == 400, body
        time.sleep(0.3)
        assert canary.hits == 0
    finally:
        canary.close()


@pytest.mark.slow
def test_runaway_query_times_out_while_others_are_answered(server: ServedProcess) -> None:
    workers_before = server.workers()
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        outcome["status"], outcome["body"] = get(query_url(server, PRODUCT), timeout=30)
        outcome["seconds"] = time.monotonic() - started

    heavy = threading.Thread(target=runaway)
    heavy.start()
    time.sleep(0.3)

    def ask(_: int) -> tuple[int, float]:
        started = time.monotonic()
        status, _body = get(query_url(server, ASK), timeout=5)
        return status, time.monotonic() - started

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(ask, range(20)))
    assert heavy.is_alive(), "the cartesian product must still be running during the ASKs"
    heavy.join(30)
    assert all(status == 200 for status, _ in answers)
    assert max(seconds for _, seconds in answers) < TIMEOUT
    assert outcome["status"] == 503
    assert b"timed out" in outcome["body"]
    assert TIMEOUT <= outcome["seconds"] < TIMEOUT + 10
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the overdue worker is gone and replaced
        after = server.workers()
        if len(after) == WORKERS and after != workers_before:
            break
        time.sleep(0.1)
    assert len(after) == WORKERS
    assert workers_before - after, "the worker that ran the runaway query was not replaced"
    assert get(query_url(server, ASK))[0] == 200


def test_two_requests_share_one_kept_alive_connection(server: ServedProcess) -> None:
    connection = HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", query_url(server, ASK))
        with connection.getresponse() as first:
            assert (first.status, first.getheader("Connection")) == (200, "keep-alive")
            first.read()
        sock = connection.sock
        assert sock is not None
        connection.request("GET", query_url(server, ASK))  # http.client reopens if it was closed
        with connection.getresponse() as second:
            assert second.status == 200
            assert b"true" in second.read()
        assert connection.sock is sock
    finally:
        connection.close()


def exchange(sock: socket.socket, request: str) -> bytes:
    """Send one request and read its response: a head, and a body of Content-Length bytes."""
    sock.sendall(request.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length: (\d+)", head)
    wanted = 0 if request.startswith("HEAD") or b" 304 " in head[:13] else int(length.group(1))
    while len(body) < wanted:
        body += sock.recv(65536)
    return re.sub(rb"(Date|X-Request-Id): [^\r]*", rb"\1: -", head + b"\r\n\r\n" + body)


def test_later_requests_on_a_connection_get_the_bytes_first_ones_get(
    server: ServedProcess,
) -> None:
    """A kept-alive connection's later requests are answered exactly as fresh ones."""
    query = urllib.parse.quote(ASK)
    requests = [
        f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n",
        f"HEAD /sparql?query={query}&format=json HTTP/1.1\r\nHost: x\r\n\r\n",
        f"GET /sparql?query={query} HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n",
        "GET /sparql?query=SELEC HTTP/1.1\r\nHost: x\r\nOrigin: https://example.org\r\n\r\n",
        "GET /static/site.css HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /no-such-page HTTP/1.1\r\nHost: x\r\n\r\n",
    ]
    for request in requests:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as first:
            expected = exchange(first, request)
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as later:
            exchange(later, requests[0])
            assert exchange(later, request) == expected


def test_a_runaway_query_on_a_kept_alive_connection_gets_its_503(server: ServedProcess) -> None:
    connection = HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        assert kept_alive_get(connection, query_url(server, ASK))[0] == 200
        started = time.monotonic()
        status, body = kept_alive_get(connection, query_url(server, PRODUCT))
        assert (status, b"timed out" in body) == (503, True)
        assert TIMEOUT <= time.monotonic() - started < TIMEOUT + 10
        assert kept_alive_get(connection, query_url(server, ASK))[0] == 200
    finally:
        connection.close()


def test_idle_kept_alive_clients_are_not_stuck_behind_a_runaway_query(
    server: ServedProcess,
) -> None:
    parked = [HTTPConnection("127.0.0.1", server.port, timeout=5) for _ in range(2 * WORKERS)]
    for connection in parked:
        assert kept_alive_get(connection, query_url(server, ASK))[0] == 200
    heavy = threading.Thread(target=get, args=(query_url(server, PRODUCT), 30))
    heavy.start()
    time.sleep(0.5)
    try:
        for connection in parked:  # connections belong to the front, never to a worker
            assert kept_alive_get(connection, query_url(server, ASK))[0] == 200
        assert heavy.is_alive(), "the cartesian product must still be running"
    finally:
        heavy.join(30)
        for connection in parked:
            connection.close()


def test_bad_input_gets_4xx_and_the_server_stays_up(server: ServedProcess) -> None:
    nested = "SELECT * WHERE " + "{" * 2000 + " ?s ?p ?o " + "}" * 2000
    assert get(query_url(server, nested))[0] == 400
    big = "ASK { ?s ?p ?o } #" + "x" * (2 * 1024 * 1024)
    request = urllib.request.Request(
        f"{server.url}/sparql",
        data=big.encode(),
        headers={"Content-Type": "application/sparql-query"},
    )
    try:
        status = urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as error:
        status = error.code
    except (ConnectionError, urllib.error.URLError):
        status = 413  # the server may close the connection once it has answered 413
    assert status == 413
    assert get(f"{server.url}/sparql?query=ASK%7B%7D%FF")[0] == 400
    assert get(query_url(server, ASK))[0] == 200
