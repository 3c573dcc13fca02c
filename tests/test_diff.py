"""diff: classes, properties, individuals and facts compared between versions, as text or
Markdown, whether the versions are project folders, git revisions or builds."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from alliance_kg.pipeline import diff
from alliance_kg.project import Project

from .conftest import copy_project

TRIG = "triples/us-japan-alliance-adrift-again.trig"
NEW_CLASS = """
akg:SecurityDialogue a owl:Class ;
    rdfs:label "Security dialogue"@en ;
    skos:definition "An issue that is a standing channel of talks on security."@en ;
    rdfs:isDefinedBy <https://w3id.org/alliance-kg/ontology/module/issues> ;
    rdfs:subClassOf akg:Issue .
akg:Issue skos:altLabel "Matter"@en .
"""
NEW_FACTS = """
s:p1-s1 {
    issue:security-talks a akg:SecurityDialogue ; rdfs:label "Security talks"@en .
    actor:japan akg:operates weapon:japanese-f-4-fighters .
}
"""


def change(project: Project) -> None:
    """A class added, a class changed, a fact removed, one added, one stated once more."""
    with (project.ontology_dir / "issues.ttl").open("a", encoding="utf-8") as module:
        module.write(NEW_CLASS)
    facts = project.root / TRIG
    text = facts.read_text("utf-8").replace("akg:isAnxiousAbout issue:f-22-procurement ;", "")
    facts.write_text(text + NEW_FACTS, "utf-8")


def diff_cli(project: Project, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser()
    diff.add_arguments(parser)
    assert diff.run(parser.parse_args(list(argv)), project) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Project]:
    old = copy_project(tmp_path_factory.mktemp("old"), ("ontology", "triples"))
    new = copy_project(tmp_path_factory.mktemp("new"), ("ontology", "triples"))
    change(new)
    return old, new


def test_text_lists_added_removed_and_changed_items(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, str(old.root), str(new.root))
    assert "Classes: 1 added, 0 removed, 1 changed\n  + akg:SecurityDialogue\n" in out
    assert '  ~ akg:Issue\n      + skos:altLabel "Matter"@en\n' in out
    assert "Individuals: 1 added, 0 removed, 1 changed" in out
    assert "  + issue:security-talks\n" in out
    assert "      - akg:isAnxiousAbout issue:f-22-procurement" in out
    graph = "source/us-japan-alliance-adrift-again"
    assert f"  - actor:japan akg:isAnxiousAbout issue:f-22-procurement  in {graph}" in out
    assert f"  + issue:security-talks rdf:type akg:SecurityDialogue  in {graph}" in out
    assert f"  ~ actor:japan akg:operates weapon:japanese-f-4-fighters  in {graph}" in out
    essay = "us-japan-alliance-adrift-again"
    assert f"      stated by {essay}/p3-s3 -> {essay}/p1-s1, {essay}/p3-s3\n" in out
    assert "Properties: 0 added, 0 removed, 0 changed" in out


def test_markdown_has_a_section_per_kind(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, "--markdown", str(old.root), str(new.root))
    assert out.startswith(f"# Changes from `{old.root}` to `{new.root}`\n")
    for title in ("Classes", "Properties", "Individuals", "Facts"):
        assert f"\n## {title}: " in out
    assert "- **added** `akg:SecurityDialogue`" in out
    assert '- **changed** `akg:Issue`\n  - `+ skos:altLabel "Matter"@en`' in out


def test_git_revisions_are_compared(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = copy_project(tmp_path, ("ontology", "triples"))

    def git(*args: str) -> None:
        identity = ("-c", "user.name=Test", "-c", "user.email=test@example.org")
        subprocess.run(
            ["git", "-C", str(tmp_path), *identity, *args], check=True, capture_output=True
        )

    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "essay")
    change(project)
    git("commit", "-q", "-am", "security dialogue")
    out = diff_cli(project, capsys, "HEAD~1", "HEAD")
    assert "Classes: 1 added, 0 removed, 1 changed" in out
    assert "Facts: 2 added, 1 removed, 1 changed" in out
    parser = argparse.ArgumentParser()
    diff.add_arguments(parser)
    assert diff.run(parser.parse_args(["no-such-revision", "HEAD"]), project) == 2
    assert "no-such-revision" in capsys.readouterr().err


def test_a_build_equals_the_files_it_was_built_from(
    built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    out = diff_cli(built, capsys, str(built.build_dir / "current"), str(built.root))
    assert out.count(": 0 added, 0 removed, 0 changed") == 4
