"""The SPARQL side is one router: guards apply to it, a request runs once, errors look alike."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, abort, request

from alliance_kg.store.backend import EXTENSION as STORE
from alliance_kg.store.backend import Backend

from .endpoint_support import make_app

TOKEN = "s3cret"
KEY = {"X-Api-Key": "k"}
INSERT = "INSERT DATA { GRAPH <urn:mine> { <urn:a> <urn:b> <urn:c> } }"
ASK = "ASK { <urn:a> <urn:b> <urn:c> }"
# Every SPARQL route, and a page: (method, path, form data).
ROUTES = [
    ("GET", "/sparql?query=ASK%7B%7D", None),
    ("POST", "/sparql", {"query": "ASK {}"}),
    ("POST", "/update", {"update": INSERT}),
    ("GET", "/store?default", None),
    ("GET", "/.well-known/void", None),
    ("GET", "/", None),
]


def guarded(tmp_path: Path) -> Flask:
    """The endpoint with an API-key check added the usual Flask way."""
    app = make_app(tmp_path, UPDATE_TOKEN=TOKEN, WARM_PAGES=False)

    @app.before_request
    def need_key() -> None:
        if request.headers.get("X-Api-Key") != "k":
            abort(401, "Send X-Api-Key.")

    return app


@pytest.mark.parametrize(("method", "path", "data"), ROUTES)
def test_an_app_guard_guards_every_sparql_route(
    tmp_path: Path, method: str, path: str, data: dict | None
) -> None:
    client = guarded(tmp_path).test_client()
    refused = client.open(path, method=method, data=data)
    assert refused.status_code == 401
    assert b"Send X-Api-Key." in refused.data
    assert refused.headers["X-Request-Id"]
    auth = {**KEY, "Authorization": f"Bearer {TOKEN}"}
    assert client.open(path, method=method, data=data, headers=auth).status_code == 200


def test_a_guard_may_answer_with_its_own_response(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    app.before_request(lambda: Response("closed for maintenance", 503))
    answer = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert answer.status_code == 503
    assert answer.data == b"closed for maintenance"
    assert answer.headers["Access-Control-Expose-Headers"].startswith("ETag")


class FailingStore:
    """The app's store, with every query failing inside the engine and counted."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.queries = 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        self.queries += 1
        raise RuntimeError("the engine broke")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_failing_query_runs_once_and_is_logged_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(tmp_path)
    store = FailingStore(app.extensions[STORE])
    app.extensions[STORE] = store
    with caplog.at_level(logging.ERROR):
        answer = app.test_client().get("/sparql", query_string={"query": "SELECT * {?s ?p ?o}"})
    assert answer.status_code == 500
    request_id = answer.headers["X-Request-Id"]
    assert answer.data.decode() == (
        f"Internal server error. Quote request id {request_id} when you report it.\n"
    )
    assert b"the engine broke" not in answer.data  # no internals reach the client
    assert store.queries == 1
    faults = [record for record in caplog.records if "server fault" in record.getMessage()]
    assert [request_id in record.getMessage() for record in faults] == [True]


def test_the_routes_answer_options_and_refuse_other_methods(tmp_path: Path) -> None:
    client = make_app(tmp_path).test_client()
    options = client.options("/store")
    assert options.status_code == 200
    assert options.headers["Allow"] == "GET, HEAD, OPTIONS"
    deleted = client.delete("/sparql")
    assert deleted.status_code == 405
    assert deleted.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert deleted.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert client.get("/update").status_code == 405


def test_a_repeated_query_sees_each_update(tmp_path: Path) -> None:
    """Checked queries are kept by dataset version: an update is never hidden by the cache."""
    client = make_app(tmp_path, UPDATE_TOKEN=TOKEN).test_client()
    for expected in (False, True):
        for answer in (
            client.get("/sparql", query_string={"query": ASK}),
            client.post("/sparql", data={"query": ASK}),
        ):
            assert answer.status_code == 200
            assert answer.json == {"head": {}, "boolean": expected}
        if not expected:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            assert client.post("/update", data={"update": INSERT}, headers=auth).status_code == 200


def test_pages_and_queries_share_one_request_id_scheme(tmp_path: Path) -> None:
    client = make_app(tmp_path, WARM_PAGES=False).test_client()
    given = {"alliance_kg.request_id": "0123456789ab"}  # as the front sets it
    for path in ("/sparql?query=ASK%7B%7D", "/"):
        answer = client.get(path, environ_overrides=given)
        assert answer.headers["X-Request-Id"] == "0123456789ab"
        assert answer.headers["X-Frame-Options"] == "DENY"
