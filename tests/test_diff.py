"""diff: sources, terms, individuals and facts compared between versions, as text or Markdown,
whether the versions are project folders, git revisions or builds; facts under the sentence
that states them, and between builds the inferred graph and the manifest."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from alliance_kg.pipeline import diff
from alliance_kg.pipeline.assemble import assemble
from alliance_kg.pipeline.diff_render import escape
from alliance_kg.pipeline.diff_snapshot import QUOTE_LIMIT, cut
from alliance_kg.pipeline.loading import load_sources
from alliance_kg.project import INFERRED_GRAPH, Project

from .conftest import DATA, copy_project, overlay, write_build

TRIG = "triples/us-japan-alliance-adrift-again.trig"
ESSAY = "us-japan-alliance-adrift-again"
NEW_TERMS = """
akg:SecurityDialogue a owl:Class ;
    rdfs:label "Security dialogue"@en ;
    skos:definition "An issue that is a standing channel of talks on security."@en ;
    rdfs:isDefinedBy <https://w3id.org/alliance-kg/ontology/module/issues> ;
    rdfs:subClassOf akg:Issue .
akg:Issue skos:altLabel "Matter"@en .
akg:holdsTalksWith a owl:ObjectProperty ;
    rdfs:label "holds talks with"@en ;
    skos:definition "Relates a state to a state with which it holds regular talks."@en ;
    rdfs:isDefinedBy <https://w3id.org/alliance-kg/ontology/module/issues> ;
    rdfs:domain akg:State ;
    rdfs:range [ owl:unionOf ( akg:State akg:Organization ) ] .
akg:hasPurchaser owl:deprecated true ; dcterms:isReplacedBy akg:holdsTalksWith .
"""
NEW_FACTS = """
bg:security-talks-venue a akg:BackgroundKnowledge ;
    rdfs:label "Where the security talks meet"@en ;
    akg:basis "Written for the tests: the talks meet in Tokyo."@en ;
    prov:wasDerivedFrom s:p1-s1 .

bg:security-talks-venue {
    issue:security-talks skos:scopeNote "Held in Tokyo"@en .
}

s:p1-s1 {
    issue:security-talks a akg:SecurityDialogue ; rdfs:label "Security talks"@en .
    actor:japan akg:operates weapon:japanese-f-4-fighters .
}

s:p2-s7 {
    issue:security-talks skos:altLabel "Tokyo talks"@en .
}
"""
CLAIM = """
PREFIX claim: <https://w3id.org/alliance-kg/id/claim/>
s:p1-s2 {
    claim:test-state-anxious a akg:Claim ;
        rdfs:label "The test state is anxious"@en ;
        akg:claimKind akg:Assessment ;
        akg:factuality akg:Possible ;
        akg:accordingTo actor:jane-roe ;
        akg:covers actor:test-state .
}
"""


def change(project: Project) -> None:
    """Terms added, changed and deprecated; facts added (one in the background), one removed,
    one stated once more."""
    with (project.ontology_dir / "issues.ttl").open("a", encoding="utf-8") as module:
        module.write(NEW_TERMS)
    facts = project.root / TRIG
    text = facts.read_text("utf-8").replace("akg:isAnxiousAbout issue:f-22-procurement ;", "")
    facts.write_text(text + NEW_FACTS, "utf-8")


def diff_cli(project: Project, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser()
    diff.add_arguments(parser)
    assert diff.run(parser.parse_args(list(argv)), project) == 0
    return capsys.readouterr().out


def fake_build(root: Path, target: Path, inferred: list[str]) -> Path:
    """A build folder as `alliance-kg build` writes one, without the reasoner: the assembled
    graphs, and `inferred` (N-Triples lines) as what it would infer."""
    dataset = assemble(load_sources(Project(root))).dataset
    trig = dataset.serialize(format="trig")
    trig += f"\n<{INFERRED_GRAPH}> {{\n" + "".join(f"{line}\n" for line in inferred) + "}\n"
    return write_build(target, trig, target.name)


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
    assert "Classes: 1 added, 0 removed, 1 changed\n  + akg:SecurityDialogue" in out
    assert '  ~ akg:Issue  “Issue”\n      + skos:altLabel "Matter"@en\n' in out
    assert "Individuals: 1 added, 0 removed, 1 changed" in out
    assert "  + issue:security-talks\n" in out
    assert "      - akg:isAnxiousAbout issue:f-22-procurement" in out
    assert "Facts: 4 added, 1 removed, 1 changed\n" in out


def test_facts_sit_under_the_sentence_that_states_them_quoted(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, str(old.root), str(new.root))
    facts = out[out.index("Facts:") : out.index("Provenance:")]
    assert (
        f"  {ESSAY}/p1-s1 “A decade ago, the US-Japan alliance was adrift.”\n"
        f"    + actor:japan akg:operates weapon:japanese-f-4-fighters"
        f"  (already stated by {ESSAY}/p3-s3)\n"
        "    + issue:security-talks rdf:type akg:SecurityDialogue\n"
        '    + issue:security-talks rdfs:label "Security talks"@en\n'
    ) in facts
    assert (
        f"  {ESSAY}/p3-s3 “Japan is anxious that it may not be able to purchase the F-22 Raptor"
        " to succeed its retiring F-4 fighters.”\n"
        "    - actor:japan akg:isAnxiousAbout issue:f-22-procurement\n"
    ) in facts
    long_quote = f"  {ESSAY}/p2-s7 “In Tokyo, as well, there is a growing sense that Washington"
    heading = next(line for line in facts.splitlines() if line.startswith(long_quote))
    assert heading.endswith(" …”")
    assert len(heading) < len(f"  {ESSAY}/p2-s7 “”") + QUOTE_LIMIT + 2
    # sentences in the order of the text, the background after them
    assert facts.index("/p1-s1 ") < facts.index("/p2-s7 ") < facts.index("/p3-s3 ")
    assert facts.index("/p3-s3 ") < facts.index("  bg:security-talks-venue")


def test_background_facts_sit_under_their_resource_with_its_basis(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, str(old.root), str(new.root))
    assert (
        "  bg:security-talks-venue “Where the security talks meet”\n"
        "    basis: Written for the tests: the talks meet in Tokyo.\n"
        '    + issue:security-talks skos:scopeNote "Held in Tokyo"@en\n'
    ) in out
    assert (
        "Provenance: 4 statements added, 1 removed, 1 changed;"
        " 4 description triples added, 0 removed\n"
        "  + bg:security-talks-venue akg:basis"
        ' "Written for the tests: the talks meet in Tokyo."@en\n'
    ) in out


def test_quotes_are_cut_at_a_word() -> None:
    assert cut("Short  and\nwrapped.") == "Short and wrapped."
    text = "word " * 50
    assert cut(text, 22) == "word word word word …"


def test_new_terms_show_label_definition_and_axioms(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, str(old.root), str(new.root))
    assert (
        "  + akg:SecurityDialogue  “Security dialogue”\n"
        "      definition: An issue that is a standing channel of talks on security.\n"
        "      subclass of: akg:Issue\n"
    ) in out
    assert "Properties: 1 added, 0 removed, 1 changed, 1 deprecated\n" in out
    assert (
        "  + akg:holdsTalksWith  “holds talks with”\n"
        "      definition: Relates a state to a state with which it holds regular talks.\n"
        "      domain: akg:State\n"
        "      range: (akg:State or akg:Organization)\n"
    ) in out
    assert (
        "  ~ akg:hasPurchaser  “has purchaser” newly deprecated\n"
        "      + dcterms:isReplacedBy akg:holdsTalksWith\n"
        '      + owl:deprecated "true"^^xsd:boolean\n'
    ) in out


def test_removed_terms_show_what_they_were(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, str(new.root), str(old.root))
    assert "  - akg:SecurityDialogue  “Security dialogue”\n      definition: An issue" in out
    assert "  - akg:holdsTalksWith  “holds talks with”\n" in out
    assert "\n    - issue:security-talks rdf:type akg:SecurityDialogue\n" in out


def test_sources_added_and_removed_with_their_coverage(
    versions: tuple[Project, Project], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = versions
    noted = copy_project(tmp_path, ("ontology", "triples"))
    overlay(noted, DATA / "valid")
    out = diff_cli(old, capsys, str(old.root), str(noted.root))
    assert (
        "Sources: 1 added, 0 removed, 0 changed\n"
        "  + test-note  “Test Note: A Quiet Alliance” by Jane Roe\n"
        "      2 sentences, 2/2 stating a fact (100.0 %), 8 facts\n"
    ) in out
    assert "  test-note/title “Test Note: A Quiet Alliance”\n" in out
    out = diff_cli(old, capsys, str(noted.root), str(old.root))
    assert "Sources: 0 added, 1 removed, 0 changed\n  - test-note  “Test Note" in out


def test_a_changed_source_shows_the_figures_that_moved(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, str(old.root), str(new.root))
    assert (
        "Sources: 0 added, 0 removed, 1 changed\n"
        f"  ~ {ESSAY}  “US-Japan Alliance: Adrift Again?” by Yuki Tatsumi\n"
        "      facts: 788 -> 790\n"
    ) in out


def test_markdown_nests_facts_under_their_sentence(
    versions: tuple[Project, Project], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = versions
    out = diff_cli(old, capsys, "--markdown", str(old.root), str(new.root))
    assert out.startswith(f"# Changes from `{old.root}` to `{new.root}`\n")
    for title in ("Sources", "Classes", "Properties", "Individuals", "Facts", "Provenance"):
        assert f"\n## {title}: " in out
    assert "- **added** `akg:SecurityDialogue` “Security dialogue”\n  - definition: An" in out
    assert '- **changed** `akg:Issue` “Issue”\n  - `+ skos:altLabel "Matter"@en`' in out
    assert (
        f"- **`{ESSAY}/p1-s1`** “A decade ago, the US-Japan alliance was adrift.”\n"
        "  - **added** `actor:japan akg:operates weapon:japanese-f-4-fighters`"
        f" (already stated by {ESSAY}/p3-s3)\n"
    ) in out
    assert (
        "- **`bg:security-talks-venue`** “Where the security talks meet”\n"
        "  - *basis: Written for the tests: the talks meet in Tokyo.*\n"
    ) in out


def test_markdown_prose_is_escaped() -> None:
    assert escape("a *b* _c_ `d` <e> [f]") == r"a \*b\* \_c\_ \`d\` \<e> \[f\]"


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
    assert "Facts: 4 added, 1 removed, 1 changed" in out
    parser = argparse.ArgumentParser()
    diff.add_arguments(parser)
    assert diff.run(parser.parse_args(["no-such-revision", "HEAD"]), project) == 2
    assert "no-such-revision" in capsys.readouterr().err


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two builds of the test note: the second with a claim that makes two facts an
    assessment, and 24 more inferred types and a link, one type fewer."""
    roots = []
    for name in ("one", "two"):
        project = copy_project(tmp_path_factory.mktemp(name), ("ontology",))
        overlay(project, DATA / "valid")
        roots.append(project.root)
    with (roots[1] / "triples" / "test-note.trig").open("a", encoding="utf-8") as facts:
        facts.write(CLAIM)
    state = "<https://w3id.org/alliance-kg/id/actor/test-state>"
    typed = f"{state} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    kinds = [f"{typed} <https://w3id.org/alliance-kg/ontology/Kind{n:02}> ." for n in range(25)]
    member = f"{state} <https://w3id.org/alliance-kg/ontology/isMemberOf> <urn:x:alliance> ."
    folder = tmp_path_factory.mktemp("builds")
    old = fake_build(roots[0], folder / "v1", [*kinds[:1], f"{typed} <urn:x:Gone> ."])
    return old, fake_build(roots[1], folder / "v2", [*kinds, member])


def test_builds_compare_the_inferred_graph_listed_up_to_a_limit(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = builds
    out = diff_cli(Project(old), capsys, str(old), str(new))
    inferred = out[out.index("Inferred:") : out.index("Provenance:")]
    assert inferred.startswith(
        "Inferred: 25 added, 1 removed\n"
        "  + actor:test-state akg:isMemberOf <urn:x:alliance>\n"  # links before types
        "  + actor:test-state rdf:type akg:Kind01\n"
    )
    assert "  + actor:test-state rdf:type akg:Kind19\n" in inferred
    assert "Kind20" not in inferred
    assert "  ... and 5 more\n  - actor:test-state rdf:type <urn:x:Gone>\n" in inferred


def test_builds_summarise_provenance_and_show_claim_changes(
    builds: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = builds
    out = diff_cli(Project(old), capsys, str(old), str(new))
    assert "Facts: 6 added, 0 removed, 2 changed\n" in out
    assert (
        "    ~ actor:test-state rdf:type akg:State\n"
        "        claim: akg:Report, akg:Certain, according to actor:jane-roe"
        " -> akg:Assessment, akg:Possible, according to actor:jane-roe,"
        " in claim:test-state-anxious\n"
    ) in out
    assert "Provenance: 6 statements added, 0 removed, 2 changed\n" in out
    assert "id/statement/" not in out
    assert "rdf:subject" not in out
    assert "\nBuild: v1 -> v2\n  ~ triples  " in out


def test_a_build_equals_the_files_it_was_built_from(
    built: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    out = diff_cli(built, capsys, str(built.build_dir / "current"), str(built.root))
    assert out.count(": 0 added, 0 removed, 0 changed") == 5
    assert "Provenance: 0 statements added, 0 removed, 0 changed" in out
    assert "Inferred:" not in out  # a project folder is not reasoned
