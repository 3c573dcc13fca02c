from __future__ import annotations

from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from alliance_kg.authoring.turtle_format import format_trig, format_turtle

PREFIXES = {"ex": "http://example.org/"}
TRIG = """
@prefix ex: <http://example.org/> .
ex:g2 { ex:b ex:p ex:c . ex:a ex:p [ ex:q 1 ], "x"@en . }
ex:g1 { ex:z ex:p ex:y . }
ex:a ex:r ex:q .
"""


def test_trig_is_stable_and_round_trips() -> None:
    dataset = Dataset()
    dataset.parse(data=TRIG, format="trig")
    once = format_trig(dataset, {"ex": "http://example.org/"})
    again = Dataset()
    again.parse(data=once, format="trig")
    assert format_trig(again, {"ex": "http://example.org/"}) == once
    assert once.index("ex:g1 {") < once.index("ex:g2 {")
    assert len(again) == len(dataset)


def test_turtle_round_trips_isomorphically() -> None:
    graph = Graph().parse(
        data=TRIG.split("ex:g2", maxsplit=1)[0] + "ex:a ex:p [ ex:q 1 ] .", format="turtle"
    )
    text = format_turtle(graph, {"ex": "http://example.org/"})
    assert isomorphic(Graph().parse(data=text, format="turtle"), graph)
    assert (
        format_turtle(Graph().parse(data=text, format="turtle"), {"ex": "http://example.org/"})
        == text
    )
