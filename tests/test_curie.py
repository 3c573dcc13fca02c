"""One way to write an IRI short: a prefixed name Turtle and SPARQL read back as the same IRI."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDFS

from alliance_kg.curie import curie, prefixed_names, turtle_name
from alliance_kg.project import ID_NS, ONTOLOGY_NS
from alliance_kg.vocab import AKG, PREFIXES


def test_a_term_in_a_known_namespace_gets_its_prefixed_name() -> None:
    assert curie(AKG.Actor) == "akg:Actor"
    assert curie(str(RDFS.label)) == "rdfs:label"
    assert curie(ID_NS + "actor/bush-administration") == "actor:bush-administration"
    assert curie(ID_NS + "time/1991") == "instant:1991"


def test_an_iri_no_prefix_can_write_is_none_or_written_whole() -> None:
    module = ONTOLOGY_NS + "module/core"  # a slash cannot stand in a local name
    assert curie(module) is None
    assert turtle_name(module) == f"<{module}>"
    assert curie("http://example.org/x") is None
    assert curie(str(OWL)) is None  # the namespace itself is not a term in it


def test_every_prefixed_name_reads_back_as_its_iri() -> None:
    iris = [AKG.Actor, RDFS.label, URIRef(ID_NS + "phase/drift-2007"), URIRef(ID_NS + "time/1991")]
    header = "".join(
        f"@prefix {prefix}: <{namespace}> .\n" for prefix, namespace in PREFIXES.items()
    )
    body = "".join(f"{turtle_name(iri)} {turtle_name(iri)} {turtle_name(iri)} .\n" for iri in iris)
    graph = Graph().parse(data=header + body, format="turtle")
    assert {triple[0] for triple in graph} == set(iris)


def test_prefixed_names_lists_every_prefix_the_longest_namespace_first() -> None:
    prefixes = {"base": "https://example.org/", "ex": "https://example.org/ns/"}
    assert prefixed_names("https://example.org/ns/a", prefixes) == ["ex:a", "base:ns/a"]
    assert prefixed_names("https://example.org/ns/", prefixes) == ["base:ns/"]
    assert curie("https://example.org/ns/a/b", prefixes) is None
