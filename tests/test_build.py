"""Build and export: the dataset's graphs, provenance per triple, determinism, safe failure."""

from __future__ import annotations

import io
import json

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph

from alliance_kg.pipeline.build import build_project, current_build
from alliance_kg.pipeline.export import FORMATS, export
from alliance_kg.pipeline.problems import InvalidProject
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store

ESSAY_GRAPH = "https://w3id.org/alliance-kg/graph/source/us-japan-alliance-adrift-again"
PREFIXES = """
PREFIX akg: <https://w3id.org/alliance-kg/ontology/>
PREFIX actor: <https://w3id.org/alliance-kg/id/actor/>
PREFIX issue: <https://w3id.org/alliance-kg/id/issue/>
PREFIX phase: <https://w3id.org/alliance-kg/id/phase/>
PREFIX event: <https://w3id.org/alliance-kg/id/event/>
PREFIX nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
"""


@pytest.fixture(scope="module")
def store(built: Project) -> Store:
    return Store.open(built.build_dir / "current")


def rows(store: Store, query: str) -> list[dict[str, str]]:
    results = store.query(PREFIXES + query)
    names = [v.value for v in results.variables]
    return [{n: s[n].value for n in names if s[n] is not None} for s in results]


def test_manifest_lists_every_graph_and_full_coverage(built: Project) -> None:
    manifest = json.loads((built.build_dir / "current" / "manifest.json").read_text())
    graphs = set(manifest["graphs"])
    base = "https://w3id.org/alliance-kg/graph/"
    expected = {"ontology", "provenance", "background", "inferred"}
    assert {base + g for g in expected} | {ESSAY_GRAPH} <= graphs
    assert base + "text/us-japan-alliance-adrift-again" in graphs
    assert manifest["sentence_coverage_percent"] == 100.0


def test_one_triple_leads_to_its_sentence_text_offsets_and_paragraph(
    built: Project, store: Store
) -> None:
    found = rows(
        store,
        """SELECT ?text ?begin ?end ?paragraph WHERE {
             ?st rdf:subject actor:bush-administration ; rdf:predicate akg:isPreoccupiedWith ;
                 rdf:object issue:iraq ; prov:wasDerivedFrom ?sentence .
             ?sentence nif:anchorOf ?text ; nif:beginIndex ?begin ; nif:endIndex ?end ;
                 nif:superString/akg:paragraphNumber ?paragraph .
           }""",
    )
    assert len(found) == 1
    source = (built.sources_dir / "us-japan-alliance-adrift-again.txt").read_text("utf-8")
    row = found[0]
    assert source[int(row["begin"]) : int(row["end"])] == row["text"]
    assert row["text"].startswith("At the end of its presidency and preoccupied with Iraq")
    assert row["paragraph"] == "2"


def test_every_asserted_triple_has_provenance(store: Store) -> None:
    missing = rows(
        store,
        f"""SELECT ?s ?p ?o WHERE {{
              GRAPH <{ESSAY_GRAPH}> {{ ?s ?p ?o }}
              FILTER NOT EXISTS {{ ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                                       prov:wasDerivedFrom ?segment }}
            }}""",
    )
    assert missing == []


def test_inferred_facts_live_only_in_the_inferred_graph(store: Store) -> None:
    inferred = "https://w3id.org/alliance-kg/graph/inferred"
    closure = f"""ASK {{ GRAPH <{inferred}> {{
        phase:post-cold-war-drift akg:precedesPhase phase:danger-of-drifting-again }} }}"""
    assert bool(store.query(PREFIXES + closure))
    mixed = f"""ASK {{ GRAPH <{inferred}> {{ ?s ?p ?o }}
                      GRAPH ?asserted {{ ?s ?p ?o }} FILTER(?asserted != <{inferred}>) }}"""
    assert not bool(store.query(PREFIXES + mixed))


def test_background_knowledge_is_kept_apart_with_its_basis(store: Store) -> None:
    found = rows(
        store,
        """SELECT ?year ?basis WHERE {
             GRAPH <https://w3id.org/alliance-kg/graph/background> {
               event:upper-house-election-2007 akg:year ?year }
             ?st rdf:subject event:upper-house-election-2007 ; rdf:predicate akg:year ;
                 prov:wasDerivedFrom ?knowledge .
             ?knowledge akg:basis ?basis .
           }""",
    )
    assert [r["year"] for r in found] == ["2007"]
    assert "July 29" in found[0]["basis"]
    year = '"2007"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    stated = f"ASK {{ GRAPH <{ESSAY_GRAPH}> {{ ?e akg:year {year} }} }}"
    assert not bool(store.query(PREFIXES + stated))


def test_no_fact_cites_the_boilerplate(store: Store) -> None:
    cited = rows(
        store,
        """SELECT ?st WHERE { ?st prov:wasDerivedFrom ?segment .
             ?segment nif:beginIndex ?b .
             ?boiler a akg:BoilerplateSegment ; nif:beginIndex ?start .
             FILTER(?b >= ?start) }""",
    )
    assert cited == []
    boiler_terms = rows(
        store, 'SELECT ?s WHERE { ?s ?p ?label FILTER(CONTAINS(STR(?label), "38 North")) }'
    )
    assert all("/source/" in r["s"] for r in boiler_terms)


def test_builds_are_byte_identical_and_exports_parse(
    built: Project, essay_project: Project
) -> None:
    again = build_project(essay_project)
    first = current_build(built)
    assert first is not None
    assert (again / "dataset.nq").read_bytes() == (first / "dataset.nq").read_bytes()
    quads = len((first / "dataset.nq").read_bytes().splitlines())
    for fmt in sorted(FORMATS):
        data = export(first, fmt)
        assert data == export(again, fmt), fmt
        if fmt == "turtle":
            graph = Graph().parse(data=data, format="turtle")
            assert 0 < len(graph) <= quads
        else:
            dataset = Dataset()
            dataset.parse(io.BytesIO(data), format={"jsonld": "json-ld"}.get(fmt, fmt))
            assert sum(len(g) for g in dataset.graphs()) == quads, fmt


def test_failed_build_leaves_the_previous_build_serving(essay_project: Project) -> None:
    first = build_project(essay_project)
    before = (first / "dataset.nq").read_bytes()
    facts = essay_project.triples_dir / "us-japan-alliance-adrift-again.trig"
    facts.write_text(facts.read_text("utf-8") + "\nthis is not TriG\n", "utf-8")
    with pytest.raises(InvalidProject) as failure:
        build_project(essay_project)
    assert "us-japan-alliance-adrift-again.trig" in str(failure.value)
    assert current_build(essay_project) == first
    assert (first / "dataset.nq").read_bytes() == before
    assert len(list(ox.parse(before, format=ox.RdfFormat.N_QUADS))) > 0
