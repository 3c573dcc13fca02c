"""The guide, docs/extending.md, run as written: every `sh` and `python` block in order, against
a copy of the project, then every page it tells the reader to open."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from alliance_kg.app import create_app
from alliance_kg.authoring import add_source, new_term
from alliance_kg.cli import main, parser
from alliance_kg.pipeline import diff
from alliance_kg.pipeline.build import current_build
from alliance_kg.pipeline.examples import compare
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store

from .conftest import REPO, copy_project

GUIDE = REPO / "docs" / "extending.md"
BLOCK = re.compile(r"^```(sh|python)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
PAGE = re.compile(r"<http://127\.0\.0\.1:8000(/[^>]*)>")
HEREDOC = re.compile(r"^cat (>>?) (\S+) <<'EOF'$")
MODULES = {"add-source": add_source, "diff": diff, "new-term": new_term}
UPDATE = "alliance-kg examples --update"
WHOLE_GRAPH = ("inferred-triples-by-property",)  # the examples about every source, not the essay


class Guided(NamedTuple):
    """The project after every block of the guide, what each shell block printed, and what
    `alliance-kg examples` said just before the guide's `examples --update`."""

    project: Project
    outputs: list[str]
    examples_before_update: tuple[int, str]


def blocks() -> list[tuple[str, str]]:
    return BLOCK.findall(GUIDE.read_text("utf-8"))


def alliance_kg(argv: list[str]) -> int:
    """`alliance-kg ARGS`, in-process. `serve` is not started: the pages are requested through
    the app's test client instead. Commands the CLI does not dispatch yet go to their module."""
    command = next((a for a in argv if not a.startswith("-")), None)
    if command == "serve":
        return 0
    actions = parser()._actions
    wired = next(a for a in actions if isinstance(a, argparse._SubParsersAction)).choices
    if command in wired or command not in MODULES:
        return main(argv)
    sub = argparse.ArgumentParser(prog=f"alliance-kg {command}")
    MODULES[command].add_arguments(sub)
    return MODULES[command].run(sub.parse_args(argv[argv.index(command) + 1 :]), Project.locate())


def run_shell(code: str) -> str:
    """Run a shell block of the guide, which uses only `cat > FILE <<'EOF'` (or `>>`) and
    `alliance-kg` commands, so that they run in this process; anything else fails the test."""
    lines = code.splitlines()
    output = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    while lines:
        line = lines.pop(0)
        while line.endswith("\\"):
            line = line[:-1] + lines.pop(0)
        if not line.strip():
            continue
        if match := HEREDOC.match(line):
            end = lines.index("EOF")
            text = "".join(f"{body}\n" for body in lines[:end])
            del lines[: end + 1]
            with Path(match[2]).open("a" if match[1] == ">>" else "w", encoding="utf-8") as file:
                file.write(text)
            continue
        while True:
            try:
                argv = shlex.split(line)
                break
            except ValueError:  # a quoted argument that goes on over several lines
                line += "\n" + lines.pop(0)
        assert argv[0] == "alliance-kg", f"the guide test runs only alliance-kg: {line}"
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code_ = alliance_kg(argv[1:])
        output.flush()
        assert code_ == 0, f"{line}\n{output.buffer.getvalue().decode()}"  # type: ignore[attr-defined]
    output.flush()
    return output.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]


def git(root: Path, *args: str) -> None:
    identity = ("-c", "user.name=Guide", "-c", "user.email=guide@example.org")
    subprocess.run(["git", "-C", str(root), *identity, *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def guided(tmp_path_factory: pytest.TempPathFactory) -> Guided:
    """The project after every block of the guide, and what each shell block printed."""
    project = copy_project(tmp_path_factory.mktemp("guide"))
    git(project.root, "init", "-q")
    git(project.root, "add", ".")
    git(project.root, "commit", "-q", "-m", "before the guide")
    outputs = []
    before_update = (0, "")
    cwd = Path.cwd()
    home = os.environ.pop("ALLIANCE_KG_HOME", None)
    os.chdir(project.root)
    try:
        for language, code in blocks():
            if language == "python":
                exec(compile(code, str(GUIDE), "exec"), {})
                continue
            if UPDATE in code:
                before_update = examples_report()
            outputs.append(run_shell(code))
    finally:
        os.chdir(cwd)
        if home is not None:
            os.environ["ALLIANCE_KG_HOME"] = home
    return Guided(project, outputs, before_update)


def examples_report() -> tuple[int, str]:
    """`alliance-kg examples` in the current folder: its exit status and what it printed."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        code = main(["examples"])
    return code, output.getvalue()


def output_of(guided: Guided, command: str) -> str:
    sh = [code for language, code in blocks() if language == "sh"]
    return next(out for code, out in zip(sh, guided.outputs, strict=True) if command in code)


def test_guide_has_a_block_for_every_step() -> None:
    text = "\n".join(code for _, code in blocks())
    for command in ("new-term class", "new-term object-property", "new-term datatype-property"):
        assert f"alliance-kg {command}" in text
    for command in ("add-source", "validate", "build", "query", "serve", "diff", "fmt"):
        assert f"alliance-kg {command}" in text
    assert UPDATE in text
    assert "Extension.load" in text


def test_validate_passes_with_the_new_source_as_a_warning(
    guided: Guided,
) -> None:
    out = output_of(guided, "alliance-kg validate")
    assert out.rstrip().endswith("valid")
    slug = "tokyo-and-washington-after-the-election"
    assert f"warning: source {slug} is incomplete (akg:isComplete false): 2/5 sentences" in out


def test_query_finds_the_fact_and_its_sentence_in_the_new_source(
    guided: Guided,
) -> None:
    out = output_of(guided, "alliance-kg query")
    assert "id/source/tokyo-and-washington-after-the-election/p1-s1" in out
    assert "us-japan-alliance-adrift-again" not in out


def test_diff_lists_the_new_class_property_individuals_and_facts(
    guided: Guided,
) -> None:
    out = output_of(guided, "alliance-kg diff")
    assert "- **added** `akg:SecurityDialogue`" in out
    assert "- **added** `akg:hosts`" in out
    assert "- **added** `issue:us-japan-security-dialogue`" in out
    assert "- **added** `actor:japan akg:hosts event:smith-visit-to-tokyo" in out


def test_python_block_wrote_its_individual_back(guided: Guided) -> None:
    facts = guided.project.triples_dir / "tokyo-and-washington-after-the-election.trig"
    assert "event:tokyo-security-talks" in facts.read_text("utf-8")


def test_every_page_the_guide_names_is_served(guided: Guided) -> None:
    build = current_build(guided.project)
    assert build is not None
    client = create_app({"BUILD_DIR": str(build), "TESTING": True}).test_client()
    pages = PAGE.findall(GUIDE.read_text("utf-8"))
    assert len(pages) >= 4
    for page in pages:
        response = client.get(page, headers={"Accept": "text/html"})
        assert response.status_code == 200, page
    event = client.get("/id/event/smith-visit-to-tokyo", headers={"Accept": "text/html"})
    assert "Gen. Smith" in event.get_data(as_text=True)
    found = client.get("/search?q=Smith", headers={"Accept": "text/html"})
    assert "smith-visit-to-tokyo" in found.get_data(as_text=True)


def test_examples_update_stores_the_grown_graph_answers(guided: Guided) -> None:
    """Before the update, `examples` names exactly the whole-graph examples the new source
    changes; after it, every example's stored answer is the build's."""
    code, report = guided.examples_before_update
    differing = {line.split()[0] for line in report.splitlines() if line.endswith(" differs:")}
    assert code == 1, report
    assert differing == {f"queries/expected/{name}.tsv" for name in WHOLE_GRAPH}, report
    updated = output_of(guided, UPDATE).splitlines()
    assert updated == [f"updated queries/expected/{name}.tsv" for name in WHOLE_GRAPH]
    build = current_build(guided.project)
    assert build is not None
    outcomes = compare(Store.open(build), guided.project)
    assert len(outcomes) >= 15
    assert all(found.matches for found in outcomes), [
        found.diff() for found in outcomes if not found.matches
    ]
