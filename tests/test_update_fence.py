"""The update fence reads an update as the engine runs it: protected graphs stay untouched."""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest
from werkzeug.exceptions import Forbidden

from alliance_kg.sparql.query_guard import Policy
from alliance_kg.sparql.refused import Refused
from alliance_kg.sparql.update_fence import check_update, is_asserted

G = "https://w3id.org/alliance-kg/graph/"
ONTOLOGY = G + "ontology"
BACKGROUND = G + "background"
SOURCE = G + "source/x"
BUILT = {ONTOLOGY: 3, BACKGROUND: 2, SOURCE: 1}
POLICY = Policy(graphs=frozenset(BUILT))
MARK = ox.NamedNode("urn:mark")


def fence(text: str) -> str:
    return check_update(text, POLICY, BUILT, allow_asserted=False)


def fenced(text: str) -> bool:
    try:
        fence(text)
    except (Refused, Forbidden):
        return True
    return False


def harms(text: str) -> bool:
    """Whether the engine, running the text as sent, changed a protected graph."""
    store = ox.Store()
    for graph in BUILT:
        store.add(ox.Quad(MARK, MARK, MARK, ox.NamedNode(graph)))
    try:
        store.update(text)
    except (SyntaxError, RuntimeError, OSError):
        return False
    return any(
        [q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
        != [MARK]
        for graph in BUILT
    )


def spellings(graph: str) -> list[tuple[str, str]]:
    """(prologue, term) pairs the engine reads as `graph`."""
    head, tail = graph[:-1], graph[-1]
    return [
        ("", f"<{graph}>"),
        ("", f"<{head}\\u{ord(tail):04X}>"),
        (f"PREFIX g: <{head}> ", f"g:{tail}"),
        (f"PREFIX : <{head}> ", f":{tail}"),
        (f"BASE <{head}> ", f"<{tail}>"),
        (f"PREFIX g: <urn:mine/> PREFIX g: <{head}> ", f"g:{tail}"),
    ]


OPERATIONS = (
    "DROP GRAPH {t}",
    "DROP SILENT GRAPH {t}",
    "CLEAR GRAPH {t}",
    "MOVE {t} TO <urn:mine>",
    "COPY <urn:mine> TO {t}",
    "ADD <urn:mine> TO {t}",
    "INSERT DATA {{ GRAPH {t} {{ <urn:a> <urn:b> <urn:c> }} }}",
    "DELETE DATA {{ GRAPH {t} {{ <urn:mark> <urn:mark> <urn:mark> }} }}",
    "WITH {t} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "DELETE WHERE {{ GRAPH {t} {{ ?s ?p ?o }} }}",
    "INSERT DATA {{ <urn:a> <urn:b> 'c' }} ;\nDROP GRAPH {t}",
)


def corpus() -> list[str]:
    texts = []
    for graph, operation in itertools.product((ONTOLOGY, BACKGROUND, SOURCE), OPERATIONS):
        for prologue, term in spellings(graph):
            texts.append(prologue + operation.format(t=term))
    return texts


def test_every_update_that_changes_a_protected_graph_is_fenced() -> None:
    texts = corpus()
    harmful = [text for text in texts if harms(text)]
    assert len(harmful) > 150  # the oracle sees harm: the check below is not vacuous
    assert [text for text in harmful if not fenced(text)] == []


@pytest.mark.parametrize(
    "update",
    [
        f'INSERT DATA {{ <urn:a> <urn:b> "A\\u0022 }}; INSERT DATA {{ <urn:a> <urn:b> " }}; '
        f"DROP GRAPH <{ONTOLOGY}> #\\u0022 }}",
        f'INSERT DATA {{ <urn:a> <urn:b> "\\u0022 }} ; DROP GRAPH <{ONTOLOGY}> ; '
        f'INSERT DATA {{ <urn:a> <urn:b> "x" }}',
        f"INSERT DATA {{ <urn:a> <urn:b> '\\u0027 }} ; CLEAR GRAPH <{BACKGROUND}> #\\u0027' }}",
        f"INSERT DATA {{ <urn:a> <urn:b> 'x' }} ; \\u0044ROP GRAPH <{ONTOLOGY}>",
        f'INSERT DATA {{ <urn:a> <urn:b> "\\u005Cu0022" }} ; DROP GRAPH <{ONTOLOGY}>',
    ],
)
def test_an_escaped_quote_cannot_hide_a_drop_of_the_ontology(update: str) -> None:
    with pytest.raises((Refused, Forbidden)):
        fence(update)


def test_the_escaped_quote_attack_would_have_dropped_the_ontology() -> None:
    """The engine, reading the attack as sent, drops the graph: the fence above is needed."""
    attack = (
        f'INSERT DATA {{ <urn:a> <urn:b> "A\\u0022 }}; INSERT DATA {{ <urn:a> <urn:b> " }}; '
        f"DROP GRAPH <{ONTOLOGY}> #\\u0022 }}"
    )
    assert harms(attack)


def test_ordinary_updates_are_accepted_and_returned_as_run() -> None:
    assert fence("INSERT DATA { <urn:a> <urn:b> <urn:c> }") == (
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    )
    mine = "INSERT DATA { GRAPH <urn:mine> { <urn:a> <urn:b> 'caf\\u00E9' } }"
    assert fence(mine) == "INSERT DATA { GRAPH <urn:mine> { <urn:a> <urn:b> 'café' } }"
    assert fence("DROP SILENT GRAPH <urn:mine>") == "DROP SILENT GRAPH <urn:mine>"


def test_now_is_written_down_and_random_functions_are_refused() -> None:
    fixed = fence("INSERT { <urn:a> <urn:at> ?t } WHERE { BIND(NOW() AS ?t) }")
    assert "NOW()" not in fixed
    assert "XMLSchema#dateTime" in fixed
    with pytest.raises(Refused, match="RAND"):
        fence("INSERT { <urn:a> <urn:r> ?r } WHERE { BIND(RAND() AS ?r) }")


def test_fetches_and_syntax_errors_are_refused_before_the_engine_runs() -> None:
    with pytest.raises(Refused, match="LOAD"):
        fence("PREFIX : <http://127.0.0.1:9/> LOAD:x")
    with pytest.raises(Refused, match="Syntax error"):
        fence("INSERT DATA { <urn:x> }")


def test_a_setting_allows_changing_the_built_graphs() -> None:
    update = f"DROP GRAPH <{ONTOLOGY}>"
    assert check_update(update, POLICY, BUILT, allow_asserted=True) == update


def test_graphs_named_like_built_ones_are_asserted() -> None:
    assert is_asserted(G + "source/new", {})
    assert is_asserted("urn:built", {"urn:built": 1})
    assert not is_asserted("urn:mine", BUILT)


def test_relative_iris_resolve_against_the_dataset_base_in_the_fence_too() -> None:
    assert fence("INSERT DATA { GRAPH <mine> { <a> <b> <c> } }")  # accepted: id/mine
    with pytest.raises(Forbidden, match=ONTOLOGY):
        fence("DROP GRAPH <../graph/ontology>")
    assert harms("DROP GRAPH <https://w3id.org/alliance-kg/graph/ontology>")
