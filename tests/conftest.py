"""Shared fixtures: isolated copies of the project, built once per session where they can be."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.app import create_app
from alliance_kg.pipeline.build import build_project
from alliance_kg.pipeline.publish import Credentials, GraphStore, publish
from alliance_kg.project import ID_NS, Project
from alliance_kg.store.backend import Backend
from alliance_kg.store.embedded import Store
from alliance_kg.store.remote import RemoteStore

from .browser_support import ARGS, CHROMIUM, new_tab, served, sync_api
from .virtuoso_support import PASSWORD, USER, Virtuoso, running_virtuoso

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
PROJECT_PARTS = ("ontology", "triples", "queries")


def copy_project(target: Path, parts: tuple[str, ...] = PROJECT_PARTS) -> Project:
    """A copy of the repository's project files, so a test can change or build it freely."""
    for part in parts:
        shutil.copytree(REPO / part, target / part)
    return Project(target)


def copy_source(
    project: Project, slug: str, new_slug: str, own_kinds: tuple[str, ...] = ()
) -> Path:
    """Add a source that repeats `slug` under another name; return its facts file.

    The individuals of `own_kinds` (`event`, `phase`...) are renamed too, so that the copy
    describes events of its own about the same actors, as another essay would.
    """
    renames = [(slug, new_slug)] + [
        (f"{ID_NS}{kind}/", f"{ID_NS}{kind}/{new_slug}-") for kind in own_kinds
    ]
    for path, target in (
        (project.sources_dir / f"{slug}.txt", project.sources_dir / f"{new_slug}.txt"),
        (project.sources_dir / f"{slug}.ttl", project.sources_dir / f"{new_slug}.ttl"),
        (project.triples_dir / f"{slug}.trig", project.triples_dir / f"{new_slug}.trig"),
    ):
        text = path.read_text("utf-8")
        for old, new in renames:
            text = text.replace(old, new)
        target.write_text(text, "utf-8")
    return project.triples_dir / f"{new_slug}.trig"


def overlay(project: Project, folder: Path) -> None:
    """Copy the files of a fixture folder over a project, replacing what they name."""
    for path in folder.rglob("*"):
        if path.is_file():
            destination = project.root / path.relative_to(folder)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)


def write_build(target: Path, trig: str, version: str) -> Path:
    """A build folder (sorted `dataset.nq` and `manifest.json`) holding the given TriG."""
    target.mkdir(parents=True, exist_ok=True)
    quads = list(ox.parse(trig.encode(), format=ox.RdfFormat.TRIG))
    lines = sorted((ox.serialize([q], format=ox.RdfFormat.N_QUADS) or b"").decode() for q in quads)
    (target / "dataset.nq").write_text("".join(lines), "utf-8")
    graphs = Counter(quad.graph_name.value for quad in quads)
    manifest = {"version": version, "triples": len(quads), "graphs": dict(graphs)}
    (target / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    return target


@pytest.fixture(autouse=True)
def no_alliance_kg_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every `ALLIANCE_KG_*` variable for each test, so a leftover one in a developer's
    shell cannot change what a test sees; a test may set its own afterwards."""
    for name in list(os.environ):
        if name.startswith("ALLIANCE_KG_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the real project, built once for the whole session. Do not modify it."""
    project = copy_project(tmp_path_factory.mktemp("built"))
    build_project(project)
    return project


@pytest.fixture
def essay_project(tmp_path: Path) -> Project:
    """A fresh, unbuilt copy of the real project, free to change."""
    return copy_project(tmp_path)


@pytest.fixture
def mini_project(tmp_path: Path) -> Project:
    """The real ontology and checks with a two-sentence test source instead of the essay."""
    project = copy_project(tmp_path, ("ontology", "queries"))
    overlay(project, DATA / "valid")
    return project


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def essay_store(request: pytest.FixtureRequest, built: Project) -> Backend:
    """The essay's build on the embedded store, then on Virtuoso after `alliance-kg publish`:
    tests taking this fixture must pass on both."""
    if request.param == "embedded":
        return Store.open(built.build_dir / "current")
    published = request.getfixturevalue("published_virtuoso")
    return RemoteStore.open(published.backend, timeout=30)


@pytest.fixture(scope="session")
def virtuoso() -> Iterator[Virtuoso]:
    """An empty private Virtuoso 7.2 on loopback ports (account dba/dba), for the whole session."""
    with running_virtuoso() as instance:
        yield instance


@pytest.fixture(scope="session")
def published_virtuoso(virtuoso: Virtuoso, built: Project) -> Virtuoso:
    """The session's Virtuoso holding the essay's build, as `alliance-kg publish` leaves it."""
    publish(
        built.build_dir / "current",
        GraphStore(virtuoso.graph_store_url, Credentials(USER, PASSWORD)),
    )
    return virtuoso


@pytest.fixture(scope="session")
def base_url(built: Project) -> Iterator[str]:
    """The essay's app on a real loopback server, for the browser tests."""
    app = create_app({"STORE": Store.open(built.build_dir / "current"), "TESTING": True})
    with served(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless chromium for a module's browser tests. Not for the session: Playwright's sync
    API holds an event loop while it runs, and later tests call `asyncio.run`."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    """A desktop-sized tab of its own."""
    tab = new_tab(browser, base_url)
    yield tab
    tab.context.close()
