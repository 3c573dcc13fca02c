"""Literal datatypes: what the build writes is what the endpoint serves (docs/data-model.md).

Regression tests for the issue "the engine rewrites typed literals": the essay's offsets and
numbers were written `xsd:nonNegativeInteger` / `xsd:positiveInteger`, and pyoxigraph served
them as `xsd:integer`, so `DATATYPE(?begin)` and `/store` disagreed with the build.
"""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, URIRef, namespace

from alliance_kg.authoring.segment import segment
from alliance_kg.authoring.text_graph import text_graph
from alliance_kg.pipeline.build import check_project
from alliance_kg.pipeline.loading import engine_integer
from alliance_kg.project import Project
from alliance_kg.store.backend import Backend
from alliance_kg.vocab import AKG, NIF

from .endpoint_support import make_app, solutions

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "data-model.md"
ESSAY = "https://w3id.org/alliance-kg/id/source/us-japan-alliance-adrift-again"
TEXT_GRAPH = "https://w3id.org/alliance-kg/graph/text/us-japan-alliance-adrift-again"
SENTENCE = ESSAY + "/p2-s2"
PREFIXES = {
    "nif:": str(NIF),
    "akg:": str(AKG),
    "xsd:": str(namespace.XSD),
    "shapes:": "https://w3id.org/alliance-kg/ontology/shapes/",
}
# Not `XSD` itself at module level: pytest's collection probes module attributes, and XSD
# warns on every name it lacks.
INTEGER = namespace.XSD.integer
NON_NEGATIVE, POSITIVE = namespace.XSD.nonNegativeInteger, namespace.XSD.positiveInteger
DOCUMENTED_ROW = re.compile(r"^\| (`[a-z]+:\w+`(?:, `[a-z]+:\w+`)*) \| `(xsd:\w+)` \|", re.M)


def expand(curie: str) -> str:
    prefix, _, name = curie.strip("`").partition(":")
    return PREFIXES[prefix + ":"] + name


def documented_datatypes() -> dict[str, str]:
    """Property IRI -> datatype IRI, from the table of docs/data-model.md."""
    table: dict[str, str] = {}
    for properties, datatype in DOCUMENTED_ROW.findall(DOCS.read_text("utf-8")):
        for name in properties.split(", "):
            table[expand(name)] = expand(datatype)
    return table


@pytest.fixture(scope="module")
def client(built: Project, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    """The endpoint over the essay's real build."""
    build = str(built.build_dir / "current")
    app = make_app(tmp_path_factory.mktemp("datatypes"), BUILD_DIR=build, WARM_PAGES=False)
    return app.test_client()


def select(client: FlaskClient, query: str) -> list[dict[str, str]]:
    response = client.get("/sparql?query=" + urllib.parse.quote(query))
    assert response.status_code == 200, response.data
    return solutions(response)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        (Literal("5", datatype=NON_NEGATIVE), Literal("5", datatype=INTEGER)),
        (Literal("+7", datatype=POSITIVE), Literal("7", datatype=INTEGER)),
        (Literal("-3", datatype=namespace.XSD.negativeInteger), Literal("-3", datatype=INTEGER)),
        (Literal("255", datatype=namespace.XSD.unsignedByte), Literal("255", datatype=INTEGER)),
        (Literal("05", datatype=INTEGER, normalize=False), Literal("5", datatype=INTEGER)),
    ],
)
def test_integer_literals_are_read_as_the_engine_stores_them(
    written: Literal, stored: Literal
) -> None:
    assert engine_integer(written) == stored
    engine = ox.Store()
    engine.add(
        ox.Quad(
            ox.NamedNode("urn:s"),
            ox.NamedNode("urn:p"),
            ox.Literal(str(written), datatype=ox.NamedNode(str(written.datatype))),
        )
    )
    kept = next(iter(engine)).object
    assert (kept.value, kept.datatype.value) == (str(stored), str(stored.datatype))


@pytest.mark.parametrize(
    "written",
    [
        Literal("5", datatype=INTEGER),
        Literal("-1", datatype=NON_NEGATIVE),
        Literal("256", datatype=namespace.XSD.unsignedByte),
        Literal("five", datatype=namespace.XSD.int),
        Literal("5.0", datatype=namespace.XSD.decimal),
        Literal("5"),
    ],
)
def test_other_literals_are_kept_as_written(written: Literal) -> None:
    """Canonical already, not an integer type, or ill-typed (for the shapes to report)."""
    assert engine_integer(written) is None


def test_add_source_writes_offsets_and_numbers_as_xsd_integer() -> None:
    text = "A title\n\nFirst sentence here. Second one follows.\n"
    graph = text_graph("note", text, segment(text), "triples/sources/note.txt")
    properties = (NIF.beginIndex, NIF.endIndex, AKG.paragraphNumber, AKG.sentenceNumber)
    values = [o for p in properties for o in graph.objects(None, p)]
    assert values
    assert {value.datatype for value in values} == {INTEGER}


def test_every_built_literal_is_served_unchanged(built: Project) -> None:
    """The engine keeps every literal of the build: datatype and lexical form."""
    dataset = (built.build_dir / "current" / "dataset.nq").read_bytes()
    written = {
        quad
        for quad in ox.parse(dataset, format=ox.RdfFormat.N_QUADS)
        if isinstance(quad.object, ox.Literal)
    }
    store = ox.Store()
    store.load(dataset, format=ox.RdfFormat.N_QUADS)
    served = {quad for quad in store if isinstance(quad.object, ox.Literal)}
    assert len(written) > 900
    assert written - served == set()


def test_sentence_offset_datatype_is_xsd_integer_over_the_endpoint(client: FlaskClient) -> None:
    rows = select(
        client,
        f"""SELECT (DATATYPE(?begin) AS ?b) (DATATYPE(?end) AS ?e) (DATATYPE(?n) AS ?s) ?begin
            WHERE {{ <{SENTENCE}> <{NIF.beginIndex}> ?begin ; <{NIF.endIndex}> ?end ;
                     <{AKG.sentenceNumber}> ?n }}""",
    )
    assert rows == [{"b": str(INTEGER), "e": str(INTEGER), "s": str(INTEGER), "begin": "1166"}]


def test_datatypes_served_are_those_the_data_model_documents(client: FlaskClient) -> None:
    documented = documented_datatypes()
    properties = (NIF.beginIndex, NIF.endIndex, AKG.paragraphNumber, AKG.sentenceNumber)
    assert set(documented) == {str(p) for p in properties}
    for prop, datatype in documented.items():
        rows = select(client, f"SELECT DISTINCT (DATATYPE(?v) AS ?d) {{ ?s <{prop}> ?v }}")
        assert rows == [{"d": datatype}], prop


def test_essay_store_answers_the_documented_datatype(essay_store: Backend) -> None:
    """The same answer on the embedded store and on Virtuoso loaded from the build."""
    results = essay_store.query(
        f"SELECT (DATATYPE(?begin) AS ?d) {{ <{SENTENCE}> <{NIF.beginIndex}> ?begin }}"
    )
    assert [row["d"].value for row in results] == [str(INTEGER)]


def test_store_serves_the_text_graph_as_built(client: FlaskClient, built: Project) -> None:
    response = client.get(
        "/store?graph=" + urllib.parse.quote(TEXT_GRAPH, safe=""),
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200
    served = Graph().parse(data=response.data, format="nt")
    begin = served.value(URIRef(SENTENCE), NIF.beginIndex)
    assert (begin, begin.datatype) == (Literal("1166", datatype=INTEGER), INTEGER)
    datatypes = {o.datatype for o in served.objects() if isinstance(o, Literal)}
    assert NON_NEGATIVE not in datatypes
    assert POSITIVE not in datatypes
    built_text = "".join(
        line[: line.rindex("<")] + ".\n"
        for line in (built.build_dir / "current" / "dataset.nq").read_text("utf-8").splitlines()
        if line.endswith(f"<{TEXT_GRAPH}> .")
    )
    assert set(served) == set(Graph().parse(data=built_text, format="nt"))


def test_a_negative_offset_is_reported_by_the_segment_shape(mini_project: Project) -> None:
    """The bound lives in the shape now that the datatype is xsd:integer."""
    path = mini_project.root / "triples" / "sources" / "test-note.ttl"
    text = path.read_text("utf-8")
    written = 'nif:beginIndex "0"^^xsd:nonNegativeInteger'
    assert written in text
    path.write_text(text.replace(written, 'nif:beginIndex "-1"^^xsd:integer', 1), "utf-8")
    problems = check_project(mini_project).problems
    title = "https://w3id.org/alliance-kg/id/source/test-note/title"
    shaped = [p for p in problems if p.rule == "shacl:SegmentShape" and p.resource == title]
    assert shaped, [str(p) for p in problems]
