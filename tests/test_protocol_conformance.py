"""The W3C SPARQL 1.1 Protocol and result-format tests, run on a served process over HTTP.

The tests are data, transcribed from the W3C manifests into `tests/data/protocol/*.toml`; this
module is their runner. A served process (the front and its query workers, with
`--update-token`) on a free loopback port gets the manifests' data by update, then each test's
requests as the manifest writes them, changed in two ways only: the path prefix `/sparql/`
becomes `/sparql`, as the manifest asks, and a request carrying an update gets the Bearer token
(updates are off without it). Requests go out through `http.client`, which sends exactly the
headers given: `urllib.request` adds a form Content-Type to any body, and two tests must send
none.

Each W3C test ends one of three ways, which `test_conformance_summary` counts: passed; failed,
as a strict expected failure whose reason the data gives; or not applicable by policy, when the
endpoint refuses on purpose what the test needs (the runner then checks that refusal). The
`test_*_results_follow_the_spec` tests check the exact serialisation rules of each result format
on one solution holding every kind of term.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import tomllib
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.query import Result
from rdflib.term import Node

from .endpoint_support import ServedProcess, write_project

pytestmark = pytest.mark.socket

DATA = Path(__file__).resolve().parent / "data" / "protocol"
PROTOCOL = tomllib.loads((DATA / "protocol-tests.toml").read_text("utf-8"))
FORMATS = tomllib.loads((DATA / "result-format-tests.toml").read_text("utf-8"))
TOKEN = "w3c-conformance-token"
ENDPOINT = "/sparql"
MANIFEST_PREFIX = "/sparql/"
SPARQL_UPDATE = "application/sparql-update"
PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not applicable by policy"
OUTCOMES: dict[str, str] = {}  # "suite/test" -> outcome, as the tests run

RESULT_PARSERS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}
EXPECTED_TYPE = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".srj": "application/sparql-results+json",
}
NUMERIC = {
    URIRef("http://www.w3.org/2001/XMLSchema#" + t) for t in ("integer", "decimal", "double")
}


@dataclass(frozen=True)
class Response:
    status: int
    media_type: str
    body: bytes


def send(
    server: ServedProcess,
    method: str,
    target: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, target, body=body, headers=headers or {})
        answer = connection.getresponse()
        media_type = (answer.getheader("Content-Type") or "").split(";")[0].strip()
        return Response(answer.status, media_type, answer.read())
    finally:
        connection.close()


def send_manifest_request(server: ServedProcess, request: dict[str, Any]) -> Response:
    """One ht:Request of the manifest, on this endpoint's path, with the token on updates."""
    path = request["path"]
    assert path.startswith(MANIFEST_PREFIX)
    target = ENDPOINT + path.removeprefix(MANIFEST_PREFIX)
    headers = {}
    content_type = request.get("content-type", "")
    if content_type:
        headers["Content-Type"] = content_type
    body = request.get("body")
    encoded = None if body is None else body.encode(request.get("encoding", "UTF-8").lower())
    form_update = body is not None and body.startswith("update=")
    if "update=" in target or form_update or content_type.startswith(SPARQL_UPDATE):
        headers["Authorization"] = f"Bearer {TOKEN}"
    return send(server, request["method"], target, encoded, headers)


def insert_graph(server: ServedProcess, iri: str, ntriples: str) -> None:
    update = f"INSERT DATA {{ GRAPH <{iri}> {{\n{ntriples}\n}} }}"
    headers = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"}
    response = send(server, "POST", "/update", update.encode("utf-8"), headers)
    assert response.status == 200, response.body


def graph_ntriples(entry: dict[str, str]) -> str:
    """A data graph as N-Triples, its literals exactly as written (rdflib would rewrite
    `"1.0E6"^^xsd:double` as `"1000000.0"`, so Oxigraph's parser reads the file)."""
    if "ntriples" in entry:
        return entry["ntriples"]
    path = DATA / entry["file"]
    syntax = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE
    triples = ox.parse(path=str(path), format=syntax)
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")


# One solution with every kind of term, for the format rules: an IRI, a blank node, a literal
# with the characters CSV and TSV must quote or escape, a language-tagged and a typed literal,
# and a variable left unbound.
SPEC_GRAPH = "http://example.org/result-formats/graph"
SPEC_IRI = "http://example.org/result-formats/s"
PLAIN = 'say "hi", then\ttab\nnew line'
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
SPEC_DATA = f"""<{SPEC_IRI}> <http://example.org/result-formats/p> _:b .
_:b <http://example.org/result-formats/plain> {Literal(PLAIN).n3()} ;
    <http://example.org/result-formats/lang> "chat"@fr ;
    <http://example.org/result-formats/typed> "2024-01-02"^^<{XSD_DATE}> ."""
VARIABLES = ["iri", "bnode", "plain", "lang", "typed", "unbound"]
SPEC_QUERY = f"""PREFIX f: <http://example.org/result-formats/>
SELECT ?iri ?bnode ?plain ?lang ?typed ?unbound WHERE {{
  GRAPH <{SPEC_GRAPH}> {{
    ?iri f:p ?bnode . ?bnode f:plain ?plain ; f:lang ?lang ; f:typed ?typed .
    OPTIONAL {{ ?iri f:none ?unbound }}
  }}
}}"""
SPEC_TERMS = {
    "iri": URIRef(SPEC_IRI),
    "plain": Literal(PLAIN),
    "lang": Literal("chat", lang="fr"),
    "typed": Literal("2024-01-02", datatype=URIRef(XSD_DATE)),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedProcess]:
    """The served process, with the manifests' data in graphs of its own."""
    project = write_project(tmp_path_factory.mktemp("w3c-protocol"))
    served = ServedProcess(project, "--workers", "2", "--update-token", TOKEN)
    try:
        served.wait_ready()
        for entry in [*PROTOCOL["graph"], *FORMATS["graph"]]:
            insert_graph(served, entry["iri"], graph_ntriples(entry))
        insert_graph(served, SPEC_GRAPH, SPEC_DATA)
        yield served
    finally:
        served.stop()


def check_response(request: dict[str, Any], response: Response) -> None:
    """The manifest's expectations: status class, then media type and result by format."""
    if request["status"] == "4xx":
        assert 400 <= response.status < 500, (response.status, response.body)
        assert response.body.strip(), "an error needs a message"
        return
    assert 200 <= response.status < 400, (response.status, response.body)
    kind = request.get("format")
    if kind == "RDF":
        assert response.media_type in RDF_PARSERS, response.media_type
        Graph().parse(data=response.body, format=RDF_PARSERS[response.media_type])
    elif kind in ("boolean", "tabular"):
        allowed = BOOLEAN_TYPES if kind == "boolean" else tuple(RESULT_PARSERS)
        assert response.media_type in allowed, response.media_type
        result = parse_results(response.body, response.media_type)
        assert result.type == ("ASK" if kind == "boolean" else "SELECT")
        if "boolean" in request:
            assert result.askAnswer is request["boolean"]


def parse_results(body: bytes, media_type: str) -> Result:
    return Result.parse(io.BytesIO(body), format=RESULT_PARSERS[media_type])


def params(tests: list[dict[str, Any]]) -> list[Any]:
    marks = {
        test["name"]: [pytest.mark.xfail(strict=True, reason=test["failing"])]
        for test in tests
        if "failing" in test
    }
    return [pytest.param(t, id=t["name"], marks=marks.get(t["name"], [])) for t in tests]


def planned(test: dict[str, Any]) -> str:
    return NOT_APPLICABLE if "policy" in test else FAILED if "failing" in test else PASSED


@pytest.mark.parametrize("test", params(PROTOCOL["test"]))
def test_w3c_protocol(server: ServedProcess, test: dict[str, Any]) -> None:
    key = f"protocol/{test['name']}"
    if "policy" in test:
        response = send_manifest_request(server, test["request"][0])
        refusal = test["refusal"]
        assert response.status == refusal["status"], response.body
        assert refusal["message"] in response.body.decode("utf-8")
        OUTCOMES[key] = NOT_APPLICABLE
        pytest.skip(f"{NOT_APPLICABLE}: {test['policy']}")
    OUTCOMES[key] = FAILED
    for request in test["request"]:
        check_response(request, send_manifest_request(server, request))
    OUTCOMES[key] = PASSED


@pytest.mark.parametrize("test", params(FORMATS["test"]))
def test_w3c_result_format(server: ServedProcess, test: dict[str, Any]) -> None:
    key = f"result-formats/{test['name']}"
    OUTCOMES[key] = FAILED
    expected = (DATA / test["result"]).read_bytes()
    media_type = EXPECTED_TYPE[Path(test["result"]).suffix]
    query = urllib.parse.urlencode({"query": test["query"], "default-graph-uri": test["data"]})
    response = send(server, "GET", f"{ENDPOINT}?{query}", headers={"Accept": media_type})
    assert (response.status, response.media_type) == (200, media_type), response.body
    if media_type == "text/csv":
        assert_same_csv(expected, response.body)
    else:
        assert_same_results(
            parse_results(expected, media_type), parse_results(response.body, media_type)
        )
    OUTCOMES[key] = PASSED


class BlankNodes:
    """A one-to-one mapping of the expected result's blank nodes to the actual result's."""

    def __init__(self) -> None:
        self.there: dict[str, str] = {}
        self.back: dict[str, str] = {}

    def same(self, expected: str, actual: str) -> bool:
        mapped = self.there.setdefault(expected, actual)
        return mapped == actual and self.back.setdefault(actual, expected) == expected


def same_term(expected: Node | None, actual: Node | None, blanks: BlankNodes) -> bool:
    """Term equality, blank nodes up to renaming and numbers by value (`1.0e6` is `1.0E6`)."""
    if isinstance(expected, BNode) or isinstance(actual, BNode):
        both = isinstance(expected, BNode) and isinstance(actual, BNode)
        return both and blanks.same(str(expected), str(actual))
    if isinstance(expected, Literal) and isinstance(actual, Literal):
        if (expected.datatype, expected.language) != (actual.datatype, actual.language):
            return False
        numeric = expected.datatype in NUMERIC and expected.value == actual.value
        return str(expected) == str(actual) or numeric
    return expected == actual


def assert_same_results(expected: Result, actual: Result) -> None:
    assert actual.type == expected.type
    if expected.type == "ASK":
        assert actual.askAnswer is expected.askAnswer
        return
    assert sorted(map(str, actual.vars or [])) == sorted(map(str, expected.vars or []))
    wanted, got = [r.asdict() for r in expected], [r.asdict() for r in actual]  # type: ignore[union-attr]
    assert len(got) == len(wanted), got
    blanks = BlankNodes()
    for want, have in zip(wanted, got, strict=True):
        assert sorted(have) == sorted(want), (want, have)
        assert all(same_term(want[v], have[v], blanks) for v in want), (want, have)


def csv_table(data: bytes) -> list[dict[str, str]]:
    header, *rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    return [dict(zip(header, row, strict=True)) for row in rows]


def assert_same_csv(expected: bytes, actual: bytes) -> None:
    """CSV holds strings only: compared as strings, columns by name, blank nodes renamed."""
    wanted, got = csv_table(expected), csv_table(actual)
    assert len(got) == len(wanted), got
    blanks = BlankNodes()
    for want, have in zip(wanted, got, strict=True):
        assert sorted(have) == sorted(want), (want, have)
        for name, value in want.items():
            if value.startswith("_:"):
                assert have[name].startswith("_:") and blanks.same(value, have[name])
            else:
                assert have[name] == value, (name, want, have)


def spec_result(server: ServedProcess, media_type: str) -> Response:
    target = f"{ENDPOINT}?{urllib.parse.urlencode({'query': SPEC_QUERY})}"
    response = send(server, "GET", target, headers={"Accept": media_type})
    assert (response.status, response.media_type) == (200, media_type), response.body
    return response


def assert_spec_terms(result: Result) -> None:
    """rdflib's parser for the format reads back the one solution, term for term."""
    assert [str(v) for v in result.vars or []] == VARIABLES
    (row,) = [r.asdict() for r in result]  # type: ignore[union-attr]
    assert sorted(row) == sorted(VARIABLES[:-1])
    assert isinstance(row["bnode"], BNode)
    assert {name: row[name] for name in SPEC_TERMS} == SPEC_TERMS


def test_json_results_follow_the_spec(server: ServedProcess) -> None:
    body = spec_result(server, "application/sparql-results+json").body
    data = json.loads(body)
    assert data["head"]["vars"] == VARIABLES
    (binding,) = data["results"]["bindings"]
    assert "unbound" not in binding
    assert binding["iri"] == {"type": "uri", "value": SPEC_IRI}
    assert binding["bnode"]["type"] == "bnode" and binding["bnode"]["value"]
    assert binding["plain"] == {"type": "literal", "value": PLAIN}
    assert binding["lang"] == {"type": "literal", "value": "chat", "xml:lang": "fr"}
    assert binding["typed"] == {"type": "literal", "value": "2024-01-02", "datatype": XSD_DATE}
    assert_spec_terms(parse_results(body, "application/sparql-results+json"))


def test_xml_results_follow_the_spec(server: ServedProcess) -> None:
    body = spec_result(server, "application/sparql-results+xml").body
    ns = "{http://www.w3.org/2005/sparql-results#}"
    root = ElementTree.fromstring(body)
    assert root.tag == f"{ns}sparql"
    head = [v.get("name") for v in root.iter(f"{ns}variable")]
    assert head == VARIABLES
    (solution,) = root.iter(f"{ns}result")
    terms = {b.get("name"): b[0] for b in solution.iter(f"{ns}binding")}
    assert sorted(terms) == sorted(VARIABLES[:-1])
    tags = {name: element.tag.removeprefix(ns) for name, element in terms.items()}
    assert tags == {"iri": "uri", "bnode": "bnode"} | dict.fromkeys(VARIABLES[2:5], "literal")
    assert (terms["iri"].text, terms["plain"].text, terms["plain"].attrib) == (SPEC_IRI, PLAIN, {})
    assert terms["lang"].attrib == {"{http://www.w3.org/XML/1998/namespace}lang": "fr"}
    assert (terms["typed"].text, terms["typed"].attrib) == ("2024-01-02", {"datatype": XSD_DATE})
    assert_spec_terms(parse_results(body, "application/sparql-results+xml"))


def test_csv_results_follow_the_spec(server: ServedProcess) -> None:
    """RFC 4180 lines ended by CRLF; a header of bare names; values without types or tags."""
    body = spec_result(server, "text/csv").body
    header, _, record = body.partition(b"\r\n")
    assert header == ",".join(VARIABLES).encode()
    label = record.split(b",")[1].decode()
    assert label.startswith("_:")
    quoted = '"' + PLAIN.replace('"', '""') + '"'
    expected = f"{SPEC_IRI},{label},{quoted},chat,2024-01-02,\r\n"
    assert record.decode("utf-8") == expected
    result = parse_results(body, "text/csv")
    (row,) = [r.asdict() for r in result]  # type: ignore[union-attr]
    assert (row["iri"], row["plain"], row["lang"]) == (
        URIRef(SPEC_IRI),
        Literal(PLAIN),
        Literal("chat"),
    )
    assert isinstance(row["bnode"], BNode) and "unbound" not in row


def test_tsv_results_follow_the_spec(server: ServedProcess) -> None:
    """Lines ended by LF; `?name` headers; terms written as in SPARQL: `<iri>`, `"literal"`."""
    body = spec_result(server, "text/tab-separated-values").body.decode("utf-8")
    header, record, end = body.split("\n")
    assert (header, end) == ("\t".join(f"?{v}" for v in VARIABLES), "")
    fields = record.split("\t")
    assert fields[0] == f"<{SPEC_IRI}>"
    assert fields[1].startswith("_:") and len(fields[1]) > 2
    assert fields[2:] == [
        '"say \\"hi\\", then\\ttab\\nnew line"',
        '"chat"@fr',
        f'"2024-01-02"^^<{XSD_DATE}>',
        "",
    ]
    assert_spec_terms(parse_results(body.encode("utf-8"), "text/tab-separated-values"))


def test_conformance_summary(request: pytest.FixtureRequest) -> None:
    """The counts by outcome, as the data plans them; checked against what ran, when all did."""
    suites = {"protocol": PROTOCOL["test"], "result-formats": FORMATS["test"]}
    plan = {f"{s}/{t['name']}": planned(t) for s, tests in suites.items() for t in tests}
    lines = []
    for suite in suites:
        counts = Counter(v for k, v in plan.items() if k.startswith(suite + "/"))
        failing = [k.split("/")[1] for k, v in plan.items() if k.startswith(suite) and v == FAILED]
        lines.append(
            f"W3C {suite}: {counts[PASSED]} passed, {counts[FAILED]} failed "
            f"(expected failures: {', '.join(failing) or 'none'}), "
            f"{counts[NOT_APPLICABLE]} not applicable by policy"
        )
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown with or without -s
            reporter.ensure_newline()
            for line in lines:
                reporter.write_line(line)
    assert len(suites["protocol"]) == 34 and len(suites["result-formats"]) == 10
    ran = dict(OUTCOMES)
    if set(ran) == set(plan):
        assert ran == plan
