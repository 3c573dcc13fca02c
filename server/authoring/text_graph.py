"""Describe a segmented source as NIF 2.0 resources: the document, its title, byline,
paragraphs, sentences and boilerplate, each with exact offsets and text.

Offsets and numbers are written `xsd:integer`, the datatype the engine keeps (a derived type
such as `xsd:nonNegativeInteger` would be served as `xsd:integer`; docs/data-model.md).
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from ..project import source_iri
from ..vocab import AKG, NIF
from .segment import Segmentation, Span


def _describe_span(graph: Graph, node: URIRef, span: Span, context: URIRef) -> None:
    graph.add((node, NIF.beginIndex, Literal(span.begin, datatype=XSD.integer)))
    graph.add((node, NIF.endIndex, Literal(span.end, datatype=XSD.integer)))
    graph.add((node, NIF.anchorOf, Literal(span.text)))
    graph.add((node, NIF.referenceContext, context))


def text_graph(slug: str, text: str, parts: Segmentation, source_file: str) -> Graph:
    """The NIF description of one source; sentence IRIs are `<document>/p{N}-s{M}`."""
    graph = Graph()
    doc = URIRef(source_iri(slug))
    graph.add((doc, RDF.type, AKG.SourceDocument))
    graph.add((doc, RDF.type, NIF.Context))
    graph.add((doc, RDFS.label, Literal(parts.title.text, lang="en")))
    graph.add((doc, NIF.isString, Literal(text)))
    graph.add((doc, NIF.beginIndex, Literal(0, datatype=XSD.integer)))
    graph.add((doc, NIF.endIndex, Literal(len(text), datatype=XSD.integer)))
    graph.add((doc, AKG.sourceFile, Literal(source_file)))
    title = URIRef(f"{doc}/title")
    graph.add((title, RDF.type, AKG.TitleSegment))
    graph.add((title, RDFS.label, Literal(f"Title of {parts.title.text}", lang="en")))
    _describe_span(graph, title, parts.title, doc)
    graph.add((doc, DCTERMS.hasPart, title))
    if parts.byline:
        byline = URIRef(f"{doc}/byline")
        graph.add((byline, RDF.type, AKG.BylineSegment))
        graph.add((byline, RDFS.label, Literal(f"Byline of {parts.title.text}", lang="en")))
        _describe_span(graph, byline, parts.byline, doc)
        graph.add((byline, NIF.superString, URIRef(f"{doc}/p1")))
    previous: URIRef | None = None
    for paragraph in parts.paragraphs:
        para = URIRef(f"{doc}/p{paragraph.number}")
        graph.add((para, RDF.type, NIF.Paragraph))
        graph.add((para, RDFS.label, Literal(f"Paragraph {paragraph.number}", lang="en")))
        graph.add((para, AKG.paragraphNumber, Literal(paragraph.number, datatype=XSD.integer)))
        _describe_span(graph, para, paragraph, doc)
        graph.add((doc, DCTERMS.hasPart, para))
        for number, sentence in enumerate(paragraph.sentences, start=1):
            node = URIRef(f"{para}-s{number}")
            graph.add((node, RDF.type, NIF.Sentence))
            label = f"Paragraph {paragraph.number}, sentence {number}"
            graph.add((node, RDFS.label, Literal(label, lang="en")))
            graph.add((node, AKG.sentenceNumber, Literal(number, datatype=XSD.integer)))
            _describe_span(graph, node, sentence, doc)
            graph.add((node, NIF.superString, para))
            if previous is not None:
                graph.add((previous, NIF.nextSentence, node))
            previous = node
    if parts.boilerplate:
        boiler = URIRef(f"{doc}/boilerplate")
        graph.add((boiler, RDF.type, AKG.BoilerplateSegment))
        graph.add(
            (boiler, RDFS.label, Literal(f"Site boilerplate of {parts.title.text}", lang="en"))
        )
        _describe_span(graph, boiler, parts.boilerplate, doc)
    return graph
