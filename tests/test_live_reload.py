"""`serve --dev` live reload: an edit is rebuilt and served; a broken edit is shown, not served."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from alliance_kg.app import create_app
from alliance_kg.build import build_project
from alliance_kg.live_reload import LiveReload, attach, init_app
from alliance_kg.project import Project

from .pages_support import HTML

LABEL_QUERY = "/sparql?query=" + (
    "SELECT ?l WHERE { <https://w3id.org/alliance-kg/id/actor/bush-administration> "
    "<http://www.w3.org/2000/01/rdf-schema%23label> ?l }"
)


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
