"""`serve --dev` live reload: an edit is rebuilt and served; a broken edit is shown, not served;
with an update token, accepted updates are replayed onto every rebuild through the one store swap
(`updates.replace_store`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from alliance_kg.app import create_app
from alliance_kg.live_reload import LiveReload, attach, init_app
from alliance_kg.pipeline.build import build_project
from alliance_kg.project import Project, source_graph
from alliance_kg.sparql import updates
from alliance_kg.sparql.update_log_repair import repair
from alliance_kg.sparql.update_records import encode

from .conftest import copy_source
from .endpoint_support import solutions
from .pages_support import HTML

LABEL_QUERY = "/sparql?query=" + (
    "SELECT ?l WHERE { <https://w3id.org/alliance-kg/id/actor/bush-administration> "
    "<http://www.w3.org/2000/01/rdf-schema%23label> ?l }"
)


def applied(project: Project, updates: int) -> str:
    """The end of an update's reply: the current build's version after `updates` records."""
    return rf"{re.escape(current_version(project))}\+{updates}-[0-9a-f]{{8}}\.$"


def label(client: FlaskClient) -> str:
    response = client.get(LABEL_QUERY, headers={"Accept": "application/sparql-results+json"})
    return response.get_json()["results"]["bindings"][0]["l"]["value"]


def edit_facts(project: Project, old: str, new: str) -> None:
    facts = project.triples_dir / "us-japan-alliance-adrift-again.trig"
    text = facts.read_text("utf-8")
    assert old in text
    facts.write_text(text.replace(old, new), "utf-8")


@pytest.fixture
def dev(essay_project: Project) -> tuple[Project, FlaskClient, LiveReload]:
    app = create_app({"BUILD_DIR": str(build_project(essay_project)), "TESTING": True})
    return essay_project, app.test_client(), attach(app, essay_project)


def test_an_edit_is_rebuilt_and_served(dev: tuple[Project, FlaskClient, LiveReload]) -> None:
    project, client, watcher = dev
    assert label(client) == "Bush administration"
    edit_facts(project, '"Bush administration"@en', '"Bush White House"@en')
    assert watcher.rebuild_if_changed(client.application)
    assert label(client) == "Bush White House"
    assert not watcher.rebuild_if_changed(client.application)


def test_a_broken_edit_shows_its_problem_and_keeps_the_last_good_build(
    dev: tuple[Project, FlaskClient, LiveReload],
) -> None:
    project, client, watcher = dev
    edit_facts(project, '"Bush administration"@en ;', '"Bush administration"@en ;;; "broken')
    assert watcher.rebuild_if_changed(client.application)
    assert label(client) == "Bush administration"
    page = client.get("/", headers=HTML)
    assert page.status_code == 200
    assert b"The last edit does not validate" in page.data
    assert b"us-japan-alliance-adrift-again.trig:" in page.data
    edit_facts(project, ';;; "broken', ";")
    assert watcher.rebuild_if_changed(client.application)
    assert b"The last edit does not validate" not in client.get("/", headers=HTML).data


def test_the_watcher_thread_picks_up_a_change(essay_project: Project) -> None:
    app = create_app({"BUILD_DIR": str(build_project(essay_project)), "TESTING": True})
    init_app(app, essay_project, poll_seconds=0.2)
    client = app.test_client()
    edit_facts(essay_project, '"Bush administration"@en', '"Bush team"@en')
    deadline = time.monotonic() + 60
    while label(client) != "Bush team" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert label(client) == "Bush team"


TOKEN = "s3cret"
MINE = "https://example.org/graph/mine"
TEST_STATE = "<https://w3id.org/alliance-kg/id/actor/test-state>"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def insert(value: str) -> str:
    return f"INSERT DATA {{ GRAPH <{MINE}> {{ <urn:a> <urn:b> '{value}' }} }}"


def select(client: FlaskClient, query: str) -> list[dict[str, str]]:
    return solutions(client.get("/sparql", query_string={"query": query}))


def mine(client: FlaskClient) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{MINE}> {{ ?s ?p ?o }} }}"
    return int(select(client, query)[0]["n"])


def state_label(client: FlaskClient) -> str:
    return select(client, f"SELECT ?l WHERE {{ {TEST_STATE} {RDFS_LABEL} ?l }}")[0]["l"]


def etag(client: FlaskClient) -> str:
    return client.get("/sparql?query=ASK%7B%7D").headers["ETag"]


def post(client: FlaskClient, update: str) -> str:
    """Send an update that must be accepted; the reply, which names the new version."""
    response = client.post(
        "/update", data={"update": update}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.data
    return response.get_data(as_text=True).strip()


def rename_state(project: Project, old: str, new: str) -> None:
    facts = project.triples_dir / "test-note.trig"
    facts.write_text(facts.read_text("utf-8").replace(f'"{old}"@en', f'"{new}"@en'), "utf-8")


def current_version(project: Project) -> str:
    return (project.build_dir / "current").resolve().name


Dev = tuple[Project, FlaskClient, LiveReload]


def serve_dev(project: Project) -> Dev:
    """`serve --dev --update-token`: the project's build, the log in its instance folder."""
    app = create_app(
        {
            "BUILD_DIR": str(build_project(project)),
            "INSTANCE_PATH": str(project.root / "instance"),
            "UPDATE_TOKEN": TOKEN,
            "TESTING": True,
        }
    )
    return project, app.test_client(), attach(app, project)


@pytest.fixture
def dev_updates(mini_project: Project) -> Dev:
    return serve_dev(mini_project)


def test_an_update_accepted_before_a_rebuild_is_served_after_it(dev_updates: Dev) -> None:
    project, client, watcher = dev_updates
    post(client, insert("before"))
    rename_state(project, "Test state", "Test nation")
    assert watcher.rebuild_if_changed(client.application)
    assert state_label(client) == "Test nation"
    assert mine(client) == 1
    assert watcher.failure is None


def test_an_update_after_a_rebuild_is_served_and_outlives_the_next_rebuild(
    dev_updates: Dev,
) -> None:
    project, client, watcher = dev_updates
    tags = [etag(client)]
    assert re.search(
        rf"{re.escape(current_version(project))}\+1-[0-9a-f]{{8}}\.$", post(client, insert("one"))
    )
    tags.append(etag(client))
    rename_state(project, "Test state", "Test nation")
    assert watcher.rebuild_if_changed(client.application)
    tags.append(etag(client))
    assert re.search(
        rf"{re.escape(current_version(project))}\+2-[0-9a-f]{{8}}\.$", post(client, insert("two"))
    )
    assert mine(client) == 2
    tags.append(etag(client))
    rename_state(project, "Test nation", "Test country")
    assert watcher.rebuild_if_changed(client.application)
    assert (state_label(client), mine(client)) == ("Test country", 2)
    tags.append(etag(client))
    assert len(set(tags)) == len(tags)  # every update and every rebuild is a new version


def spy(calls: list[Path], swap: Callable[[Flask, Path], None]) -> Callable[[Flask, Path], None]:
    """`swap`, noting the build of each call."""

    def recorded(app: Flask, build: Path) -> None:
        calls.append(build)
        swap(app, build)

    return recorded


@pytest.mark.parametrize("change", ["deleted", "replaced"])
def test_a_log_changed_after_a_rebuild_is_replayed_onto_the_new_build_by_the_one_swap(
    dev_updates: Dev, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    project, client, watcher = dev_updates
    post(client, insert("one"))
    rename_state(project, "Test state", "Test nation")
    assert watcher.rebuild_if_changed(client.application)
    swaps: list[Path] = []
    monkeypatch.setattr(updates, "replace_store", spy(swaps, updates.replace_store))
    log = project.root / "instance" / "updates.log"
    if change == "deleted":
        log.unlink()
    else:
        log.with_name("other.log").write_bytes(encode(insert("a")) + encode(insert("b")))
        log.with_name("other.log").replace(log)
    expected = 0 if change == "deleted" else 2
    assert (state_label(client), mine(client)) == ("Test nation", expected)  # not the old build
    assert swaps == [(project.build_dir / "current").resolve()]
    post(client, insert("later"))
    assert mine(client) == expected + 1


def test_a_build_the_log_cannot_replay_onto_keeps_every_update_served_and_says_why(
    mini_project: Project,
) -> None:
    """A developer removes a source that an accepted update reads: the edit waits until the
    record is dropped, and no accepted update is lost meanwhile."""
    copied = copy_source(mini_project, "test-note", "second-note")
    project, client, watcher = serve_dev(mini_project)
    post(
        client,
        f"INSERT {{ GRAPH <{MINE}> {{ ?s <urn:copied> ?o }} }} "
        f"USING <{source_graph('second-note')}> WHERE {{ ?s {RDFS_LABEL} ?o }}",
    )
    copied_facts = mine(client)
    assert copied_facts > 0
    for path in (copied, *project.sources_dir.glob("second-note.*")):
        path.unlink()
    rename_state(project, "Test state", "Test nation")
    assert watcher.rebuild_if_changed(client.application)
    assert (state_label(client), mine(client)) == ("Test state", copied_facts)
    page = client.get("/", headers=HTML).get_data(as_text=True)
    assert "The update log does not replay onto the new build" in page
    assert "record 1 (byte 0) cannot be replayed: refused by the update fence" in page
    assert "updates repair --drop 1" in page
    post(client, insert("meanwhile"))
    assert mine(client) == copied_facts + 1
    repair(project.root / "instance" / "updates.log", {1})  # as `alliance-kg updates repair`
    assert (state_label(client), mine(client)) == ("Test nation", 1)
    assert "does not replay" not in client.get("/", headers=HTML).get_data(as_text=True)


def test_every_page_reloads_itself_under_dev_only(
    dev: tuple[Project, FlaskClient, LiveReload], essay_project: Project
) -> None:
    """Under --dev each page loads live.js, which polls /_dev/version and reloads on a new
    build; a shared server serves neither the script tag nor the endpoint."""
    _, client, _ = dev
    for path in ("/", "/id/actor/japan", "/timeline", "/argument"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        assert "/static/live.js" in html, path
    version = client.get("/_dev/version").get_json()
    assert version["version"] and version["error"] is None
    shared = create_app(
        {"BUILD_DIR": str(essay_project.build_dir / "current"), "TESTING": True}
    ).test_client()
    assert "/static/live.js" not in shared.get("/", headers={"Accept": "text/html"}).get_data(
        as_text=True
    )
    assert shared.get("/_dev/version").status_code == 404
