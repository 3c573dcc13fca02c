"""The reader's curation panel in a real headless browser, against the app as `serve --dev`
runs it (the live reloader attached, a watcher thread rebuilding) on a copy of the essay
project: a fact proposed from a selection is saved, rebuilt and served; a refused one changes
no file; a fact is removed through its control. Screenshots go to tests/artifacts/curation-*."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliance_kg.app import create_app
from alliance_kg.cli import main as cli_main
from alliance_kg.live_reload import attach
from alliance_kg.project import Project

from .browser_support import ARTIFACTS, MARKS, new_tab, served, sync_api

SLUG = "us-japan-alliance-adrift-again"
REBUILT = 90_000  # ms: a rebuild of the essay takes several seconds
CHECKED = 60_000  # ms: the edit is validated with every rule before it is written
COMMITTED = "[data-p*='committedTo'][data-o*='issue/defense-of-japan']"
REGIONAL = "[data-p*='committedTo'][data-o*='issue/regional-contingencies']"
ASK_ADDED = (
    "SELECT ?g WHERE { GRAPH ?g { <https://w3id.org/alliance-kg/id/actor/japan> "
    "<https://w3id.org/alliance-kg/ontology/committedTo> "
    "<https://w3id.org/alliance-kg/id/issue/defense-of-japan> } }"
)

pytestmark = MARKS


@pytest.fixture
def project(built: Project, tmp_path: Path) -> Project:
    """A copy of the built essay project, free to change."""
    shutil.copytree(built.root, tmp_path / "project", symlinks=True)
    return Project(tmp_path / "project")


@pytest.fixture
def base_url(project: Project) -> Iterator[str]:
    """The dev app on loopback, with a watcher thread that stops with the test."""
    app = create_app(
        {
            "BUILD_DIR": str(project.build_dir / "current"),
            "INSTANCE_PATH": str(project.root / "instance"),
            "WARM_PAGES": False,
            "TESTING": True,
        }
    )
    watcher = attach(app, project)
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.3):
            watcher.rebuild_if_changed(app)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    try:
        with served(app) as url:
            yield url
    finally:
        stop.set()
        thread.join(timeout=60)


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    """A tab that records every script error and console error."""
    tab = new_tab(browser, base_url)
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
    yield tab
    tab.context.close()


def _shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"curation-{name}.png"), full_page=False)


def _files(project: Project) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in project.triples_dir.rglob("*") if path.is_file()}


def _select(page: object, sentence: str, word: str) -> None:
    """Select `word` in the sentence's prose with a DOM range, then release the mouse."""
    page.evaluate(
        """([sentence, word]) => {
          const prose = document.querySelector('#' + sentence + ' .prose');
          const walker = document.createTreeWalker(prose, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const at = node.data.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(node, at);
            range.setEnd(node, at + word.length);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
            return;
          }
          throw new Error('no ' + word);
        }""",
        [sentence, word],
    )
    page.locator(f"#{sentence} .prose").dispatch_event("mouseup")


def _choose(page: object, name: str, typed: str, option: str) -> None:
    """Type into a field and pick a suggestion from its listbox by keyboard."""
    page.fill(f"#cur-{name}", typed)
    first = page.locator(f"#cur-{name}-list [role=option]", has_text=option).first
    sync_api.expect(first).to_be_visible()
    first.click()
    sync_api.expect(page.locator(f"#cur-{name}")).to_have_value(option)


def _graphs_with_the_fact(project: Project, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    args = ["--project", str(project.root), "query", "-e", ASK_ADDED, "--format", "json"]
    assert cli_main(args) == 0
    rows = json.loads(capsys.readouterr().out)["results"]["bindings"]
    return [row["g"]["value"] for row in rows]


def test_a_fact_proposed_from_a_selection_is_saved_rebuilt_edited_and_removed(
    page: object, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (project.triples_dir / f"{SLUG}.trig").read_bytes()
    page.goto(f"/essay/{SLUG}#p1-s1")
    panel = page.locator("#curation")
    sync_api.expect(panel).to_be_hidden()
    _select(page, "p1-s1", "Japan")
    sync_api.expect(panel).to_be_visible()
    sync_api.expect(panel.locator("[data-field=quote]")).to_have_text("“Japan”")
    sync_api.expect(page.locator("#cur-subject")).to_have_value("Japan")  # the selection
    _choose(page, "subject", "Japan", "Japan")
    _choose(page, "property", "committed", "committed to")
    _choose(page, "object", "defense of", "Defense of Japan")
    sync_api.expect(page.locator("#cur-holder")).to_have_value("Yuki Tatsumi")
    preview = page.locator("#cur-preview")
    sync_api.expect(preview).to_contain_text("actor:japan akg:committedTo issue:defense-of-japan .")
    _shot(page, "panel")
    page.locator("#curation button[type=submit]").click()
    sync_api.expect(panel.locator(".curation-added")).to_contain_text(
        "issue:defense-of-japan", timeout=CHECKED
    )
    sync_api.expect(panel).to_contain_text("rebuilds")
    _shot(page, "saved")
    added = page.locator(f"#p1-s1 .triples li{COMMITTED}")
    sync_api.expect(added).to_have_count(1, timeout=REBUILT)  # the poll reloaded the page
    assert page.url.endswith("#p1-s1")
    _shot(page, "rebuilt")
    graphs = _graphs_with_the_fact(project, capsys)
    assert graphs and all(SLUG in graph for graph in graphs), graphs

    page.goto("/id/actor/japan")
    sync_api.expect(page.locator(COMMITTED).first).to_be_attached()
    _shot(page, "entity-page")

    page.goto(f"/essay/{SLUG}#p1-s1")
    page.locator(f"#p1-s1 .triples li{COMMITTED} button", has_text="Edit").click()
    sync_api.expect(page.locator("#cur-object")).to_have_value("Defense of Japan")
    sync_api.expect(page.locator("#cur-preview")).to_contain_text("# replaces:")
    _choose(page, "object", "regional", "Regional contingencies")
    page.locator("#curation button[type=submit]").click()
    sync_api.expect(page.locator("#curation .curation-added")).to_contain_text(
        "Removed:", timeout=CHECKED
    )
    edited = page.locator(f"#p1-s1 .triples li{REGIONAL}")
    sync_api.expect(edited).to_have_count(1, timeout=REBUILT)
    sync_api.expect(page.locator(f"#p1-s1 .triples li{COMMITTED}")).to_have_count(0)
    assert _graphs_with_the_fact(project, capsys) == []

    edited.locator("button", has_text="Remove").click()
    sync_api.expect(edited).to_contain_text("Removed.", timeout=CHECKED)
    sync_api.expect(page.locator(f"#p1-s1 .triples li{REGIONAL}")).to_have_count(0, timeout=REBUILT)
    _shot(page, "removed")
    assert (project.triples_dir / f"{SLUG}.trig").read_bytes() == original
    assert page.errors == []


def test_a_refused_fact_shows_the_problem_and_changes_no_file(
    page: object, project: Project
) -> None:
    before = _files(project)
    page.goto(f"/essay/{SLUG}#p1-s5")
    add = page.locator("#p1-s5 .facts-of button", has_text="Add a fact")
    add.focus()
    page.keyboard.press("Enter")  # the keyboard's way in, without a selection
    panel = page.locator("#curation")
    sync_api.expect(panel).to_be_visible()
    sync_api.expect(page.locator("#cur-subject")).to_be_focused()
    _choose(page, "subject", "9/11", "9/11 terrorist attacks")
    _choose(page, "property", "year", "year")
    page.fill("#cur-object", '"2001-09-11"^^xsd:date')
    page.locator("#curation button[type=submit]").click()
    problems = panel.locator(".curation-problems")
    sync_api.expect(problems).to_contain_text("the range is xsd:gYear", timeout=CHECKED)
    sync_api.expect(panel).to_contain_text("Not saved: nothing changed.")
    _shot(page, "refused")
    assert _files(project) == before
    page.keyboard.press("Escape")
    sync_api.expect(panel).to_be_hidden()
    resource_422 = [e for e in page.errors if "status of 422" not in e]  # the refusal's load
    assert resource_422 == []


def test_a_broken_edit_shows_its_problem_after_the_poll_and_the_fix_clears_it(
    page: object, project: Project
) -> None:
    facts = project.triples_dir / f"{SLUG}.trig"
    good = facts.read_text("utf-8")
    page.goto(f"/essay/{SLUG}#p1-s1")
    sync_api.expect(page.locator("#curation")).to_be_attached()
    facts.write_text(good + "\ns:p1-s1 { actor:japan akg:committedTo ", "utf-8")
    banner = page.locator(".build-failure")
    sync_api.expect(banner).to_contain_text("does not validate", timeout=REBUILT)
    sync_api.expect(page.locator("#p1-s1 .prose")).to_contain_text("was adrift")  # still served
    _shot(page, "broken-build")
    facts.write_text(good, "utf-8")
    sync_api.expect(banner).to_have_count(0, timeout=REBUILT)
    assert page.errors == []


def test_on_a_shared_server_the_panel_asks_for_the_update_token_and_sends_it(
    browser: object, project: Project
) -> None:
    """Without --dev the API wants the update token: the panel asks for it on the first 401,
    keeps it for the tab, and the next requests carry it (a refusal then comes from the rules,
    not from the door)."""
    app = create_app(
        {
            "BUILD_DIR": str(project.build_dir / "current"),
            "INSTANCE_PATH": str(project.root / "instance"),
            "WARM_PAGES": False,
            "TESTING": True,
            "UPDATE_TOKEN": "s3cret",
        }
    )
    before = _files(project)
    with served(app) as url:
        page = new_tab(browser, url)
        page.goto(f"/essay/{SLUG}?curate=1#p1-s5")
        page.locator("#p1-s5 .facts-of button", has_text="Add a fact").click()
        page.fill("#cur-subject", "9/11")
        token = page.locator("#cur-token")
        sync_api.expect(token).to_be_visible()  # the suggestion request got 401
        token.fill("s3cret")
        token.dispatch_event("change")
        _choose(page, "subject", "9/11", "9/11 terrorist attacks")
        _choose(page, "property", "year", "year")
        page.fill("#cur-object", '"2001-09-11"^^xsd:date')
        page.locator("#curation button[type=submit]").click()
        problems = page.locator("#curation .curation-problems")
        sync_api.expect(problems).to_contain_text("the range is xsd:gYear", timeout=CHECKED)
        page.context.close()
    assert _files(project) == before
