"""The protocol's update dataset (`using-graph-uri`, `using-named-graph-uri`): written into the
update as USING clauses where the engine reads its WHEREs, and honoured by /update."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from alliance_kg.app import create_app
from alliance_kg.sparql.lexer import decode_escapes, tokens
from alliance_kg.sparql.refused import Refused
from alliance_kg.sparql.update_dataset import with_dataset

from .endpoint_support import SOURCE_GRAPH, make_app, solutions, write_build

A, B = "urn:graph:a", "urn:graph:b"
DATASET = frozenset({A, B})
USING = f"USING <{A}> USING NAMED <{B}>"
OUT = "GRAPH <urn:out>"

# (name, update, the same update with the clauses written by hand where they belong)
REWRITES = [
    (
        "where in a string",
        f'INSERT {{ {OUT} {{ ?s <urn:said> "WHERE {{ }}" }} }} WHERE {{ ?s ?p ?o }}',
        f'INSERT {{ {OUT} {{ ?s <urn:said> "WHERE {{ }}" }} }} {USING} WHERE {{ ?s ?p ?o }}',
    ),
    (
        "where in a comment",
        f"INSERT {{ {OUT} {{ ?s ?p ?o }} }} # WHERE {{ }}\nWHERE {{ ?s ?p ?o }}",
        f"INSERT {{ {OUT} {{ ?s ?p ?o }} }} {USING} WHERE {{ ?s ?p ?o }}",
    ),
    (
        "where of a subquery",
        f"INSERT {{ {OUT} {{ ?s ?p ?o }} }} WHERE {{ {{ SELECT * WHERE {{ ?s ?p ?o }} }} }}",
        f"INSERT {{ {OUT} {{ ?s ?p ?o }} }} {USING} "
        "WHERE { { SELECT * WHERE { ?s ?p ?o } } }",
    ),
    (
        "prologue",
        "BASE <urn:base/> PREFIX where: <urn:> INSERT { GRAPH <out> { ?s where:p ?o } } "
        "WHERE { ?s where:p ?o }",
        f"BASE <urn:base/> PREFIX where: <urn:> INSERT {{ GRAPH <out> {{ ?s where:p ?o }} }} "
        f"{USING} WHERE {{ ?s where:p ?o }}",
    ),
    (
        "lower case",
        "insert { graph <urn:out> { ?s ?p ?o } } where { ?s ?p ?o }",
        f"insert {{ graph <urn:out> {{ ?s ?p ?o }} }} {USING} where {{ ?s ?p ?o }}",
    ),
    (
        "named graphs",
        f"INSERT {{ {OUT} {{ ?s <urn:in> ?g }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"INSERT {{ {OUT} {{ ?s <urn:in> ?g }} }} {USING} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    ),
    (
        "no spaces",
        f"DELETE{{?s ?p ?o}}INSERT{{{OUT}{{?s ?p ?o}}}}WHERE{{?s ?p ?o}}",
        f"DELETE{{?s ?p ?o}}INSERT{{{OUT}{{?s ?p ?o}}}}{USING} WHERE{{?s ?p ?o}}",
    ),
    (
        "several operations",
        f"PREFIX u: <urn:> INSERT {{ {OUT} {{ ?s ?p 1 }} }} WHERE {{ ?s ?p ?o }} ; "
        "INSERT DATA { <urn:x> <urn:y> <urn:z> } ; CLEAR SILENT GRAPH <urn:none> ;\n"
        "DELETE { ?s u:p ?o } WHERE { ?s u:p ?o }",
        f"PREFIX u: <urn:> INSERT {{ {OUT} {{ ?s ?p 1 }} }} {USING} WHERE {{ ?s ?p ?o }} ; "
        "INSERT DATA { <urn:x> <urn:y> <urn:z> } ; CLEAR SILENT GRAPH <urn:none> ;\n"
        f"DELETE {{ ?s u:p ?o }} {USING} WHERE {{ ?s u:p ?o }}",
    ),
    (
        "delete where",
        "DELETE WHERE { ?s <urn:p> ?o . GRAPH ?g { ?s ?q ?r } }",
        f"DELETE {{ ?s <urn:p> ?o . GRAPH ?g {{ ?s ?q ?r }} }} {USING} "
        "WHERE { ?s <urn:p> ?o . GRAPH ?g { ?s ?q ?r } }",
    ),
    (
        "escapes before and in the where",
        'INSERT { GRAPH <urn:\\u006Fut> { ?s ?p "\\u00E9" } } \\u0057HERE { ?s ?p ?o }',
        f'INSERT {{ GRAPH <urn:out> {{ ?s ?p "\u00e9" }} }} {USING} WHERE {{ ?s ?p ?o }}',
    ),
    (
        "escapes in a delete where",
        "DELETE \\u0057HERE { ?s <urn:\\u0070> ?o }",
        f"DELETE {{ ?s <urn:p> ?o }} {USING} WHERE {{ ?s <urn:p> ?o }}",
    ),
]
CASES = [pytest.param(update, by_hand, id=name) for name, update, by_hand in REWRITES]


def rewrite(text: str, default: tuple[str, ...] = (A,), named: tuple[str, ...] = (B,)) -> str:
    return with_dataset(text, default, named, DATASET)


def read(text: str) -> list[tuple[str, str]]:
    """The text as the guard's tokenizer reads it once decoded, positions aside."""
    return [(token.kind, token.text) for token in tokens(decode_escapes(text))]


def engine_result(update: str) -> set[str]:
    """The quads after the engine ran `update` over a default graph and graphs A and B, each
    holding a triple of its own, and the default graph also A's."""
    store = ox.Store()
    p = ox.NamedNode("urn:p")
    for subject, graph in (("urn:in-default", None), ("urn:in-a", None), ("urn:in-a", A)):
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        store.add(ox.Quad(ox.NamedNode(subject), p, ox.Literal("x"), name))
    store.add(ox.Quad(ox.NamedNode("urn:in-b"), p, ox.Literal("x"), ox.NamedNode(B)))
    store.update(update)
    return {str(quad) for quad in store}


@pytest.mark.parametrize(("update", "by_hand"), CASES)
def test_the_clauses_go_before_each_top_level_where(update: str, by_hand: str) -> None:
    assert read(rewrite(update)) == read(by_hand)


@pytest.mark.parametrize(("update", "by_hand"), CASES)
def test_the_engine_runs_the_rewrite_as_the_hand_written_update(update: str, by_hand: str) -> None:
    """The fence returns the decoded text for the engine to run: compared as that. Each case
    reads differently without the clauses, so the comparison is not vacuous."""
    ran = engine_result(decode_escapes(rewrite(update)))
    assert ran == engine_result(by_hand)
    assert ran != engine_result(decode_escapes(update))


def test_delete_where_rewritten_reads_the_protocol_dataset() -> None:
    """Non-vacuity: with using-graph-uri A, only what matches in A leaves the default graph."""
    update = "DELETE WHERE { ?s <urn:p> ?o }"
    assert "<urn:in-default>" not in str(engine_result(update))
    kept = engine_result(rewrite(update, named=()))
    assert '<urn:in-default> <urn:p> "x"' in kept
    assert '<urn:in-a> <urn:p> "x"' not in kept
    assert f'<urn:in-a> <urn:p> "x" <{A}>' in kept


def test_without_parameters_the_text_is_left_as_sent() -> None:
    update = "INSERT { ?s ?p ?o } USING <urn:elsewhere> \\u0057HERE { ?s ?p ?o }"
    assert with_dataset(update, [], [], DATASET) is update


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE DATA { GRAPH <urn:g> { <urn:a> <urn:b> 'WHERE' } }",
        "CLEAR GRAPH <urn:g> ; DROP SILENT GRAPH <urn:g> ; CREATE GRAPH <urn:g>",
        "ADD <urn:g> TO <urn:h> ; MOVE DEFAULT TO <urn:h> ; COPY <urn:g> TO DEFAULT",
        "LOAD <urn:g> INTO GRAPH <urn:h>",
    ],
)
def test_operations_that_read_no_dataset_are_left_alone(update: str) -> None:
    assert rewrite(update) == update


@pytest.mark.parametrize(
    ("update", "keyword"),
    [
        ("INSERT { ?s ?p ?o } USING <urn:graph:a> WHERE { ?s ?p ?o }", "USING"),
        ("INSERT { ?s ?p ?o } using named <urn:graph:a> WHERE { ?s ?p ?o }", "USING"),
        ("WITH <urn:graph:a> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
        ("INSERT DATA { <urn:a> <urn:b> 1 } ; with <urn:g> DELETE { ?s ?p ?o } WHERE {}", "WITH"),
        ("\\u0057ITH <urn:graph:a> INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
    ],
)
def test_an_update_naming_its_own_dataset_conflicts(update: str, keyword: str) -> None:
    with pytest.raises(Refused, match=f"with {keyword} and the request with using-graph-uri"):
        rewrite(update)


@pytest.mark.parametrize(
    "graph", ["graph/a", "", "//example.org/g", "urn:a b", "<urn:a>", "urn:\\"]
)
def test_a_graph_parameter_must_be_an_absolute_iri(graph: str) -> None:
    with pytest.raises(Refused, match=r"using-named-graph-uri value .* is not an absolute IRI"):
        rewrite("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", named=(graph,))


@pytest.mark.parametrize(
    "graph", ["https://example.org/a?b=c#d", "urn:caf\u00e9", "http://[::1]:8/g"]
)
def test_an_absolute_graph_iri_is_written_as_one_iri(graph: str) -> None:
    update = "INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    written = with_dataset(update, [graph], [], frozenset({graph}))
    assert ("iri", f"<{graph}>") in read(written)
    assert read(written) == read(update.replace("WHERE", f"USING <{graph}> WHERE"))


def test_a_graph_parameter_outside_the_dataset_is_refused_even_if_unread() -> None:
    for update in ("INSERT { ?s ?p ?o } WHERE { ?s ?p ?o }", "INSERT DATA { <urn:a> <urn:b> 1 }"):
        with pytest.raises(
            Refused, match=r"urn:graph:c \(using-graph-uri\) is not in this dataset"
        ):
            rewrite(update, default=(A, "urn:graph:c"))


@pytest.mark.parametrize("update", ["DELETEWHERE { ?s ?p ?o }", "INSERT {} WHEREx { }"])
def test_keywords_glued_together_are_refused_so_no_where_goes_unseen(update: str) -> None:
    with pytest.raises(Refused, match="is not a keyword"):
        rewrite(update)


# Through /update, on the small build, with graphs of the client's own.

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
GA, GB = "https://example.org/graph/a", "https://example.org/graph/b"
MINE = "https://example.org/graph/mine"
SEED = f"""INSERT DATA {{
    GRAPH <{GA}> {{ <urn:in-a> <urn:p> 'a' }}
    GRAPH <{GB}> {{ <urn:in-b> <urn:p> 'b' }}
}}"""
TO_MINE = f"INSERT {{ GRAPH <{MINE}> {{ ?s <urn:p> ?o }} }} WHERE {{ ?s <urn:p> ?o }}"


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path, UPDATE_TOKEN=TOKEN)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    assert post(client, SEED).status_code == 200
    return client


def post(client: FlaskClient, update: str, **params: str | list[str]) -> TestResponse:
    return client.post("/update", data={"update": update, **params}, headers=AUTH)


def in_mine(client: FlaskClient) -> set[tuple[str, str]]:
    query = f"SELECT ?s ?p WHERE {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }}"
    rows = solutions(client.get("/sparql", query_string={"query": query}))
    return {(row["s"], row["p"]) for row in rows}


def test_using_graph_uri_is_the_default_graph_of_the_where(client: FlaskClient) -> None:
    assert post(client, TO_MINE, **{"using-graph-uri": GA}).status_code == 200
    assert in_mine(client) == {("urn:in-a", "urn:p")}
    assert post(client, TO_MINE, **{"using-graph-uri": [GA, GB]}).status_code == 200
    assert in_mine(client) == {("urn:in-a", "urn:p"), ("urn:in-b", "urn:p")}


def test_another_using_graph_uri_matches_nothing_of_the_first(client: FlaskClient) -> None:
    only_in_a = f"INSERT {{ GRAPH <{MINE}> {{ ?s <urn:p> 'a' }} }} WHERE {{ ?s <urn:p> 'a' }}"
    assert post(client, only_in_a, **{"using-graph-uri": GB}).status_code == 200
    assert in_mine(client) == set()
    assert post(client, only_in_a, **{"using-graph-uri": GA}).status_code == 200
    assert in_mine(client) == {("urn:in-a", "urn:p")}


def test_using_named_graph_uri_gives_the_named_graphs(client: FlaskClient) -> None:
    named = f"INSERT {{ GRAPH <{MINE}> {{ ?s ?g 1 }} }} WHERE {{ GRAPH ?g {{ ?s <urn:p> ?o }} }}"
    assert post(client, named, **{"using-named-graph-uri": GB}).status_code == 200
    assert in_mine(client) == {("urn:in-b", GB)}
    assert post(client, TO_MINE, **{"using-named-graph-uri": GA}).status_code == 200
    assert in_mine(client) == {("urn:in-b", GB)}  # the default graph is empty


def test_each_operation_of_a_request_reads_the_dataset(client: FlaskClient) -> None:
    update = (
        f"INSERT {{ GRAPH <{MINE}> {{ ?s <urn:first> ?o }} }} WHERE {{ ?s <urn:p> ?o }} ;\n"
        f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:data> <urn:p> 'd' }} }} ;\n"
        f"DELETE {{ GRAPH <{MINE}> {{ ?s <urn:first> ?o }} }} WHERE {{ ?s <urn:p> ?o }}"
    )
    assert post(client, update, **{"using-graph-uri": GA}).status_code == 200
    assert in_mine(client) == {("urn:data", "urn:p")}  # the last WHERE read A too


def test_delete_where_reads_the_dataset(client: FlaskClient) -> None:
    seed = f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:x> <urn:p> 1 . <urn:y> <urn:p> 2 }} }}"
    assert post(client, seed).status_code == 200
    delete = f"DELETE WHERE {{ GRAPH <{MINE}> {{ ?s <urn:p> ?o }} }}"
    assert post(client, delete, **{"using-named-graph-uri": GA}).status_code == 200
    assert len(in_mine(client)) == 2  # the dataset names no graph MINE
    assert post(client, delete, **{"using-named-graph-uri": MINE}).status_code == 200
    assert in_mine(client) == set()


@pytest.mark.parametrize(
    ("update", "parameter"),
    [
        (TO_MINE.replace("WHERE", f"USING <{GA}> WHERE"), "using-graph-uri"),
        (TO_MINE.replace("WHERE", f"USING NAMED <{GA}> WHERE"), "using-named-graph-uri"),
        (f"WITH <{MINE}> INSERT {{ ?s <urn:p> ?o }} WHERE {{ ?s <urn:p> ?o }}", "using-graph-uri"),
    ],
)
def test_parameters_and_a_dataset_in_the_update_conflict(
    client: FlaskClient, update: str, parameter: str
) -> None:
    response = post(client, update, **{parameter: GA})
    assert response.status_code == 400
    assert f"the request with {parameter}: the SPARQL 1.1 Protocol".encode() in response.data
    assert in_mine(client) == set()


def test_a_relative_graph_iri_is_refused(client: FlaskClient) -> None:
    response = post(client, TO_MINE, **{"using-graph-uri": "graph/a"})
    assert response.status_code == 400
    assert b"'graph/a' is not an absolute IRI" in response.data


def test_a_graph_outside_the_dataset_is_refused_as_using_is(client: FlaskClient) -> None:
    elsewhere = "https://example.org/graph/none"
    in_text = post(client, TO_MINE.replace("WHERE", f"USING <{elsewhere}> WHERE"))
    assert in_text.status_code == 400
    assert b"not in this dataset" in in_text.data
    for update in (TO_MINE, f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:a> <urn:b> 1 }} }}"):
        response = post(client, update, **{"using-graph-uri": elsewhere})
        assert response.status_code == 400
        assert f"The graph {elsewhere} (using-graph-uri) is not in".encode() in response.data
    assert in_mine(client) == set()


def test_escapes_before_the_where_do_not_move_the_clauses(client: FlaskClient) -> None:
    mi_e = MINE.replace("mine", "mi\\u006Ee")
    update = f'INSERT {{ GRAPH <{mi_e}> {{ ?s <urn:\\u0070> "\\u00E9" }} }} WHERE {{ ?s ?p ?o }}'
    assert post(client, update, **{"using-graph-uri": GA}).status_code == 200
    assert in_mine(client) == {("urn:in-a", "urn:p")}


def test_an_escaped_where_is_refused_with_or_without_the_parameters(client: FlaskClient) -> None:
    """The fence refuses a keyword spelt with escapes; the rewrite does not change that."""
    update = TO_MINE.replace("WHERE", "\\u0057HERE")
    plain = post(client, update)
    assert plain.status_code == 400
    assert post(client, update, **{"using-graph-uri": GA}).data == plain.data
    assert in_mine(client) == set()


def test_the_built_graphs_may_be_read_but_not_written(client: FlaskClient) -> None:
    assert post(client, TO_MINE, **{"using-graph-uri": SOURCE_GRAPH}).status_code == 200
    assert in_mine(client) == set()  # the test build has no urn:p
    copy = f"INSERT {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    assert post(client, copy, **{"using-graph-uri": SOURCE_GRAPH}).status_code == 200
    assert len(in_mine(client)) == 10  # every triple of the source graph
    write = f"INSERT {{ GRAPH <{SOURCE_GRAPH}> {{ ?s ?p ?o }} }} WHERE {{ ?s ?p ?o }}"
    response = post(client, write, **{"using-graph-uri": GA})
    assert response.status_code == 403
    assert b"UPDATE_ALLOW_ASSERTED" in response.data


def test_parameters_in_the_url_go_with_an_update_body_at_sparql(client: FlaskClient) -> None:
    target = "/sparql?" + urllib.parse.urlencode({"using-graph-uri": GA})
    response = client.post(
        target, data=TO_MINE, content_type="application/sparql-update", headers=AUTH
    )
    assert response.status_code == 200
    assert in_mine(client) == {("urn:in-a", "urn:p")}


def test_the_log_replays_the_update_with_its_dataset(tmp_path: Path) -> None:
    config = {"TESTING": True, "BUILD_DIR": str(write_build(tmp_path / "build"))}
    config |= {"UPDATE_TOKEN": TOKEN, "UPDATE_LOG": str(tmp_path / "updates.log")}
    first = create_app(config).test_client()
    assert post(first, SEED).status_code == 200
    assert post(first, TO_MINE, **{"using-graph-uri": GA}).status_code == 200
    assert f"USING <{GA}>" in (tmp_path / "updates.log").read_text("utf-8")
    assert in_mine(create_app(config).test_client()) == {("urn:in-a", "urn:p")}
