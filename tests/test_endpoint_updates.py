"""SPARQL Update at /update, in process: off by default, token, atomic, persistent, fenced."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from alliance_kg.app import create_app

from .endpoint_support import ONTOLOGY_GRAPH, SOURCE_GRAPH, make_app, solutions, write_build

TOKEN = "s3cret"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MINE = "https://example.org/graph/mine"
INSERT = f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:a> <urn:b> 'c' }} }}"
COUNT_MINE = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }}"


def mine(client: FlaskClient) -> int:
    return int(solutions(client.get("/sparql", query_string={"query": COUNT_MINE}))[0]["n"])


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return make_app(tmp_path, UPDATE_TOKEN=TOKEN)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_updates_are_off_by_default(tmp_path: Path) -> None:
    client = make_app(tmp_path).test_client()
    for response in (
        client.post("/update", data={"update": INSERT}, headers=AUTH),
        client.post("/update", data=INSERT, content_type="application/sparql-update"),
        client.post("/sparql", data={"update": INSERT}),
    ):
        assert response.status_code == 403
        assert b"--update-token" in response.data
    assert mine(client) == 0


def test_a_token_from_the_environment_enables_updates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLIANCE_KG_UPDATE_TOKEN", TOKEN)
    served = {"BUILD_DIR": str(write_build(tmp_path / "build")), "INSTANCE_PATH": str(tmp_path)}
    client = create_app(overrides=served).test_client()
    assert client.post("/update", data={"update": INSERT}, headers=AUTH).status_code == 200


def test_bearer_token_is_required_and_checked(client: FlaskClient) -> None:
    missing = client.post("/update", data={"update": INSERT})
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = client.post("/update", data={"update": INSERT}, headers={"Authorization": "Bearer x"})
    assert wrong.status_code == 403
    basic = client.post("/update", data={"update": INSERT}, headers={"Authorization": "Basic eA=="})
    assert basic.status_code == 401
    assert mine(client) == 0
    assert client.post("/update", data={"update": INSERT}, headers=AUTH).status_code == 200
    raw = client.post(
        "/update", data=INSERT.replace("'c'", "'d'"), content_type="application/sparql-update",
        headers=AUTH,
    )  # fmt: skip
    assert raw.status_code == 200
    via_sparql = client.post("/sparql", data={"update": INSERT.replace("'c'", "'e'")}, headers=AUTH)
    assert via_sparql.status_code == 200
    assert mine(client) == 3


def test_a_failing_update_changes_nothing(client: FlaskClient) -> None:
    client.post("/update", data={"update": INSERT}, headers=AUTH)
    version = client.get("/sparql?query=ASK%7B%7D").headers["ETag"]
    failing = f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:x> <urn:y> 'z' }} }} ; CREATE GRAPH <{MINE}>"
    response = client.post("/update", data={"update": failing}, headers=AUTH)
    assert response.status_code == 400
    assert b"changed nothing" in response.data
    syntax = client.post("/update", data={"update": "INSERT DATA { <urn:x> }"}, headers=AUTH)
    assert syntax.status_code == 400
    assert b"Syntax error" in syntax.data
    assert mine(client) == 1
    assert client.get("/sparql?query=ASK%7B%7D").headers["ETag"] == version


@pytest.mark.parametrize("empty", ["", " \n\t "])
def test_an_empty_update_is_refused_saying_so_without_internals(
    client: FlaskClient, empty: str
) -> None:
    for response in (
        client.post("/update", data={"update": empty}, headers=AUTH),
        client.post("/update", data=empty, content_type="application/sparql-update", headers=AUTH),
    ):
        assert response.status_code == 400
        assert response.data == (
            b"The update is empty: send at least one SPARQL 1.1 Update operation.\n"
        )
    assert mine(client) == 0


@pytest.mark.parametrize(
    "update",
    [
        f"INSERT DATA {{ GRAPH <{SOURCE_GRAPH}> {{ <urn:a> <urn:b> <urn:c> }} }}",
        f"DELETE DATA {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <urn:a> <urn:b> <urn:c> }} }}",
        "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
        f"WITH <{SOURCE_GRAPH}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
        "DROP ALL",
        "CLEAR NAMED",
        f"CLEAR GRAPH <{ONTOLOGY_GRAPH}>",
        f"MOVE <{ONTOLOGY_GRAPH}> TO <{MINE}>",
        f"COPY <{MINE}> TO <{SOURCE_GRAPH}>",
        "INSERT DATA { GRAPH <https://w3id.org/alliance-kg/graph/inferred> { <urn:a> <urn:b> 1 } }",
    ],
)
def test_the_built_graphs_are_read_only(client: FlaskClient, update: str) -> None:
    before = client.get("/store?graph=" + SOURCE_GRAPH + "&format=nt").data
    response = client.post("/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 403
    assert b"UPDATE_ALLOW_ASSERTED" in response.data
    assert client.get("/store?graph=" + SOURCE_GRAPH + "&format=nt").data == before


def test_a_setting_allows_changing_the_built_graphs(tmp_path: Path) -> None:
    client = make_app(tmp_path, UPDATE_TOKEN=TOKEN, UPDATE_ALLOW_ASSERTED=True).test_client()
    update = f"INSERT DATA {{ GRAPH <{SOURCE_GRAPH}> {{ <urn:a> <urn:b> <urn:c> }} }}"
    assert client.post("/update", data={"update": update}, headers=AUTH).status_code == 200


def test_default_graph_updates_are_allowed_and_queried_in_the_union(client: FlaskClient) -> None:
    update = "INSERT DATA { <urn:new> <urn:p> 'in the default graph' }"
    assert client.post("/update", data={"update": update}, headers=AUTH).status_code == 200
    query = "SELECT ?o WHERE { <urn:new> <urn:p> ?o }"
    assert solutions(client.get("/sparql", query_string={"query": query})) == [
        {"o": "in the default graph"}
    ]


def test_updates_persist_across_a_restart_and_reach_every_worker(tmp_path: Path) -> None:
    build = write_build(tmp_path / "build")
    config = {"TESTING": True, "BUILD_DIR": str(build), "UPDATE_TOKEN": TOKEN}
    config["UPDATE_LOG"] = str(tmp_path / "state" / "updates.log")
    first, second = create_app(config).test_client(), create_app(config).test_client()
    assert first.post("/update", data={"update": INSERT}, headers=AUTH).status_code == 200
    assert mine(second) == 1  # another process sharing the log sees it on its next request
    restarted = create_app(config).test_client()
    assert mine(restarted) == 1
    tags = {c.get("/sparql?query=ASK%7B%7D").headers["ETag"] for c in (first, second, restarted)}
    assert len(tags) == 1


def test_now_is_fixed_when_logged_and_random_functions_are_refused(tmp_path: Path) -> None:
    build = write_build(tmp_path / "build")
    config = {"TESTING": True, "BUILD_DIR": str(build), "UPDATE_TOKEN": TOKEN}
    config["UPDATE_LOG"] = str(tmp_path / "updates.log")
    first = create_app(config).test_client()
    now = f"INSERT {{ GRAPH <{MINE}> {{ <urn:a> <urn:at> ?t }} }} WHERE {{ BIND(NOW() AS ?t) }}"
    assert first.post("/update", data={"update": now}, headers=AUTH).status_code == 200
    query = "SELECT ?t WHERE { ?s <urn:at> ?t }"
    replayed = create_app(config).test_client()
    assert solutions(first.get("/sparql", query_string={"query": query})) == solutions(
        replayed.get("/sparql", query_string={"query": query})
    )
    rand = f"INSERT {{ GRAPH <{MINE}> {{ <urn:a> <urn:r> ?r }} }} WHERE {{ BIND(RAND() AS ?r) }}"
    assert first.post("/update", data={"update": rand}, headers=AUTH).status_code == 400
