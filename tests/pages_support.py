"""Shared helpers of the page tests: the app over a build, facts read back from HTML, and a small
dataset with markup in its labels."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

from flask import Flask
from rdflib import Graph

from alliance_kg.app import create_app
from alliance_kg.store.backend import Backend
from alliance_kg.store.embedded import Store

from . import conftest

BASE = "https://w3id.org/alliance-kg/"
ID = BASE + "id/"
AKG = BASE + "ontology/"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
EVIL = '<script>alert("x")</script><b>bold</b> & "quotes"'

MARKUP_TRIG = f"""
@prefix akg: <{AKG}> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix nif: <http://persistence.uni-leipzig.org/nlp2rdf/ontologies/nif-core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix s: <{ID}source/evil/> .

<{BASE}graph/ontology> {{
    akg:Actor a owl:Class ; rdfs:label {json.dumps(EVIL)}@en ;
        skos:definition "A class whose label is <i>markup</i>."@en .
    akg:isPreoccupiedWith a owl:ObjectProperty ; rdfs:label "is <u>preoccupied</u> with"@en .
}}
<{BASE}graph/text/evil> {{
    <{ID}source/evil> a akg:SourceDocument, nif:Context ; rdfs:label {json.dumps(EVIL)}@en .
    s:title a akg:TitleSegment ; nif:anchorOf {json.dumps(EVIL)} ;
        nif:beginIndex "0"^^xsd:nonNegativeInteger ; nif:endIndex "10"^^xsd:nonNegativeInteger ;
        nif:referenceContext <{ID}source/evil> .
    s:p1 a nif:Paragraph ; akg:paragraphNumber "1"^^xsd:positiveInteger ;
        nif:anchorOf "The <script>alert(1)</script> actor worries." ;
        nif:beginIndex "12"^^xsd:nonNegativeInteger ; nif:referenceContext <{ID}source/evil> .
    s:p1-s1 a nif:Sentence ; nif:anchorOf "The <script>alert(1)</script> actor worries." ;
        nif:beginIndex "12"^^xsd:nonNegativeInteger ; nif:endIndex "56"^^xsd:nonNegativeInteger ;
        nif:superString s:p1 ; nif:referenceContext <{ID}source/evil> .
}}
<{BASE}graph/source/evil> {{
    <{ID}actor/evil> a akg:Actor ; rdfs:label {json.dumps(EVIL)}@en ;
        skos:altLabel "<script>alert(1)</script>"@en ;
        akg:isPreoccupiedWith <{ID}issue/worry> .
    <{ID}issue/worry> rdfs:label "</script><script>alert(2)</script>"@en .
}}
<{BASE}graph/provenance> {{
    <{ID}statement/1> a akg:Assertion ; rdf:subject <{ID}actor/evil> ;
        rdf:predicate akg:isPreoccupiedWith ; rdf:object <{ID}issue/worry> ;
        prov:wasDerivedFrom s:p1-s1 .
}}
"""


def write_build(target: Path, trig: str, version: str = "pages-test-1") -> Path:
    """A build folder holding the given TriG."""
    return conftest.write_build(target, trig, version)


def essay_app(store: Backend) -> Flask:
    """The app over the essay's store (the `essay_store` fixture), as a test app."""
    return create_app({"STORE": store, "TESTING": True})


def build_app(build: Path) -> Flask:
    return create_app({"STORE": Store.open(build), "TESTING": True})


class _FactParser(HTMLParser):
    """Collects the `data-s`, `data-p`, `data-o` attributes of the fact rows of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if {"data-s", "data-p", "data-o"} <= found.keys():
            self.lines.append(f"{found['data-s']} {found['data-p']} {found['data-o']} .")


def facts_in_html(html: str) -> Graph:
    """The triples an entity page lists, read back from its HTML as a graph."""
    parser = _FactParser()
    parser.feed(html)
    return Graph().parse(data="\n".join(parser.lines), format="nt")
