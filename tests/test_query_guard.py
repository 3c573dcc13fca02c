"""The guard reads queries as the engine does: a differential test with the engine as the oracle.

Each variant runs on a scratch `pyoxigraph.Store()` while a canary listener counts connections
(SERVICE, LOAD) or the store shows which graphs the engine read (FROM, USING); every variant
that reached the canary or its graph must be refused by the guard.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest

from alliance_kg.sparql.query_guard import (
    Policy,
    capped,
    check_fetches,
    check_query,
    check_shape,
    scan,
)
from alliance_kg.sparql.refused import Refused

from .endpoint_support import Canary

OWN = "https://w3id.org/alliance-kg/graph/own"
POLICY = Policy(graphs=frozenset({OWN}))
MARK = ox.NamedNode("urn:mark")
SEPARATORS = (" ", "", "\n", "\t", " # SERVICE <urn:x> comment\n", "#c\r")


def targets(url: str) -> list[tuple[str, str]]:
    """(prologue, term) pairs the engine resolves to the canary graph `{url}g`."""
    return [
        ("", f"<{url}g>"),
        ("", f"<{url}\\u0067>"),
        (f"PREFIX c: <{url}> ", "c:g"),
        (f"PREFIX : <{url}> ", ":g"),
        (f"BASE <{url}> ", "<g>"),
        (f"BASE <urn:x/> BASE <{url}> ", "<g>"),
        (f"BASE <{url}> PREFIX c: <> ", "c:g"),
        (f"PREFIX c: <urn:elsewhere/> PREFIX c: <{url}> ", "c:g"),
        (f"PREFIX c: <urn:elsewhere/>\nPREFIXc:<{url}> ", "c:g"),
        (f"PREFIX c: <{url}> ", "c:\\u0067"),
        (f"PREFIX \\u0063: <{url}> ", "c:g"),
    ]


def variants(url: str, keywords: tuple[str, ...], contexts: tuple[str, ...]) -> Iterator[str]:
    """Every keyword spelling, separator and target spelling, in every context."""
    for keyword, separator, (prologue, term), context in itertools.product(
        keywords, SEPARATORS, targets(url), contexts
    ):
        yield prologue + context.format(x=keyword + separator + term)


def refused(check: Callable[[], object]) -> bool:
    try:
        check()
    except Refused:
        return True
    return False


def guard_refuses_query(text: str) -> bool:
    return refused(lambda: check_query(text, POLICY))


def guard_refuses_update(text: str) -> bool:
    def check() -> None:
        found = scan(text)
        check_shape(found, POLICY)
        check_fetches(found, POLICY)

    return refused(check)


def connects(canary: Canary, run: Callable[[ox.Store], object]) -> bool:
    """Whether running on a scratch store opened a connection to the canary."""
    before = canary.hits
    # the canary closes every connection, so a fetch fails fast; the count is the answer
    with contextlib.suppress(SyntaxError, RuntimeError, OSError, ValueError):
        run(ox.Store())
    return canary.hits > before


def evaluate(store: ox.Store, text: str) -> list[object]:
    result = store.query(text)
    return [] if isinstance(result, ox.QueryBoolean) else list(result)


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


SERVICE_KEYWORDS = (
    "SERVICE",
    "service",
    "SeRvIcE",
    "SERVICE SILENT",
    "service silent",
    "SERVICESILENT",
    "\\u0053ERVICE",
    "SERV\\u0049CE",
)
SERVICE_CONTEXTS = (
    "SELECT * WHERE {{ {x} {{ ?s ?p ?o }} }}",
    "SELECT * {{ ?s ?p true{x}{{}} }}",
    "ASK {{ FILTER(1<2){x}{{}} }}",
)


def test_every_service_the_engine_calls_is_refused(canary: Canary) -> None:
    corpus = list(variants(canary.url, SERVICE_KEYWORDS, SERVICE_CONTEXTS))
    corpus += [
        f"SELECT * {{ VALUES ?e {{ <{canary.url}> }} SERVICE ?e {{ ?s ?p ?o }} }}",
        f"SELECT * {{ BIND(<{canary.url}> AS ?e) SERVICE SILENT ?e {{}} }}",
        f"SELECT * {{ SERVICE ?e {{}} }} VALUES ?e {{ <{canary.url}> }}",
    ]
    fetched = [text for text in corpus if connects(canary, lambda s, t=text: evaluate(s, t))]
    assert len(fetched) > 100  # the oracle sees fetches: the check below is not vacuous
    assert [text for text in fetched if not guard_refuses_query(text)] == []
    assert all(guard_refuses_query(text) for text in corpus if "SERVICE ?e" in text)


LOAD_KEYWORDS = ("LOAD", "load", "LOAD SILENT", "LOADSILENT", "\\u004COAD")
LOAD_CONTEXTS = ("{x}", "CLEAR ALL;{x} INTO GRAPH <urn:g>", "INSERT DATA {{}} ;\n{x}")
USING_KEYWORDS = ("USING", "using", "USING NAMED", "usingnamed", "\\u0055SING")
USING_CONTEXT = "INSERT {{ GRAPH <urn:out> {{ ?s ?p ?o }} }} {x} WHERE {{ ?s ?p ?o }}"
NAMED_USING_CONTEXT = (
    "INSERT {{ GRAPH <urn:out> {{ ?s ?p ?g }} }} {x} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
)


def test_every_load_the_engine_runs_is_refused(canary: Canary) -> None:
    corpus = list(variants(canary.url, LOAD_KEYWORDS, LOAD_CONTEXTS))
    fetched = [text for text in corpus if connects(canary, lambda s, t=text: s.update(t))]
    assert len(fetched) > 50
    assert [text for text in fetched if not guard_refuses_update(text)] == []


def marked_store(url: str) -> ox.Store:
    """A store with one triple in the canary graph and one in the dataset's own graph."""
    store = ox.Store()
    for graph in (url + "g", OWN):
        store.add(ox.Quad(MARK, MARK, ox.NamedNode(graph), ox.NamedNode(graph)))
    return store


def read_canary_graph(url: str, text: str) -> bool:
    """Whether the engine's dataset for this query held the canary graph (FROM / FROM NAMED)."""
    query = text.replace("WHERE_CLAUSE", "{ { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    try:
        rows = evaluate(marked_store(url), query)
    except (SyntaxError, RuntimeError, OSError, ValueError):
        return False
    default = {row["o"].value for row in rows if row["g"] is None}
    named = {row["g"].value for row in rows if row["g"] is not None}
    return url + "g" in default or named == {url + "g"}


def test_every_from_graph_the_engine_reads_outside_the_dataset_is_refused(canary: Canary) -> None:
    keywords = ("FROM", "from", "FROM NAMED", "from named", "FROMNAMED", "\\u0046ROM")
    contexts = ("SELECT * {x} WHERE_CLAUSE", "SELECT *\n{x}\nFROM <urn:other> WHERE_CLAUSE")
    corpus = list(variants(canary.url, keywords, contexts))
    corpus += [t.replace("SELECT * ", "SELECT*").replace("SELECT *", "SELECT*") for t in corpus]
    read = [text for text in corpus if read_canary_graph(canary.url, text)]
    assert len(read) > 50
    assert [text for text in read if not guard_refuses_query(text)] == []
    own = f"SELECT * FROM <{OWN}> FROM NAMED <{OWN}> WHERE_CLAUSE"
    assert not guard_refuses_query(own.replace("WHERE_CLAUSE", "{}"))


def wrote_from_canary_graph(url: str, text: str) -> bool:
    """Whether the engine's update read the canary graph through USING / USING NAMED."""
    store = marked_store(url)
    try:
        store.update(text)
    except (SyntaxError, RuntimeError, OSError, ValueError):
        return False
    out = {
        q.object.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode("urn:out"))
    }
    return out == {url + "g"}


def test_every_using_graph_the_engine_reads_outside_the_dataset_is_refused(canary: Canary) -> None:
    corpus = list(variants(canary.url, USING_KEYWORDS, (USING_CONTEXT, NAMED_USING_CONTEXT)))
    read = [text for text in corpus if wrote_from_canary_graph(canary.url, text)]
    assert len(read) > 30
    assert [text for text in read if not guard_refuses_update(text)] == []


def look_alikes(url: str) -> list[str]:
    return [
        "SELECT ?service ?load ?from WHERE { ?service ?using ?from }",
        f'SELECT * {{ ?s ?p "SERVICE <{url}> {{}} LOAD <{url}>" }}',
        f"SELECT * {{ ?s ?p '''FROM <{url}> USING <{url}>''' }}",
        f"SELECT * {{ <{url}SERVICE/LOAD/FROM> ?p ?o }}",
        f"SELECT * {{ ?s ?p ?o }} # SERVICE <{url}>\nLIMIT 2",
        "PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ex:LOAD }",
        "PREFIX as: <https://www.w3.org/ns/activitystreams#> SELECT * { ?s as:name ?o }",
        'SELECT * { ?s ?p "caf\\u00E9" }',
        f"SELECT * FROM <{OWN}> {{ ?s ?p ?o }}",
        f"PREFIX own: <{OWN}> SELECT * FROM own: {{ ?s ?p ?o }}",
        "SELECT (STRSTARTS(STR(?s), 'service') AS ?x) WHERE { ?s ?p ?o }",
    ]


def test_harmless_look_alikes_are_accepted(canary: Canary) -> None:
    for text in look_alikes(canary.url):
        assert not guard_refuses_query(text), text
        assert not connects(canary, lambda s, t=text: evaluate(s, t)), text
    update = f"INSERT DATA {{ <urn:a> <urn:service> 'LOAD <{canary.url}>' }}"
    assert not guard_refuses_update(update)


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:x { ?s ?p ?o } }",
        "PREFIX : <http://127.0.0.1:9/> select * { service:x { ?s ?p ?o } }",
        "PREFIX c: <http://127.0.0.1:9/> SELECT * { SERVICEc:x { ?s ?p ?o } }",
        "PREFIX : <http://127.0.0.1:9/> SELECT * FROM:x { ?s ?p ?o }",
        "PREFIX : <http://127.0.0.1:9/> ASKFROM :x { ?s ?p ?o }",
    ],
)
def test_a_keyword_glued_to_a_prefixed_name_is_refused(query: str) -> None:
    with pytest.raises(Refused, match="Put a space after"):
        check_query(query, POLICY)


def test_a_hidden_prefix_redeclaration_cannot_reach_a_service() -> None:
    allowlisted = "http://127.0.0.1:9/"  # once on SERVICE_ALLOWLIST; the list is now ignored
    hidden = (
        f"PREFIX c: <{allowlisted}>\nPREFIXc:<http://127.0.0.1:10/> SELECT * {{ SERVICE c: {{}} }}"
    )
    with pytest.raises(Refused, match="Put a space after PREFIX"):
        check_query(hidden, POLICY)
    plain = f"PREFIX c: <urn:x> PREFIX c: <{allowlisted}> SELECT * {{ SERVICE c: {{}} }}"
    with pytest.raises(Refused, match="never makes federated calls"):
        check_query(plain, POLICY)


def test_an_escape_that_moves_a_string_boundary_is_refused() -> None:
    query = 'SELECT * { ?s ?p "\\u0022 } SERVICE <http://127.0.0.1:9/> {} #" }'
    with pytest.raises(Refused, match="escapes are decoded"):
        check_query(query, POLICY)


def test_a_from_graph_is_resolved_with_the_latest_prefix_and_escapes() -> None:
    query = f"PREFIX o: <urn:a> PREFIX o: <{OWN[:-1]}> SELECT * FROM o:n {{}}"
    assert check_query(query, POLICY).from_graphs == (OWN,)
    escaped = f"SELECT * FROM <{OWN[:-1]}\\u006E> {{}}"
    assert check_query(escaped, POLICY).from_graphs == (OWN,)


def test_the_limit_is_still_capped() -> None:
    query = "SELECT * { ?s ?p '\\u0041' } LIMIT 100"
    text, changed = capped(query, check_query(query, POLICY), 3)
    assert changed
    assert text.endswith("LIMIT 3")
    assert capped(query, check_query(query, POLICY), 500) == (query, False)


def test_a_long_query_full_of_escapes_is_read_whole() -> None:
    """How fast the guard reads is a benchmark's business; here, that it reads it all."""
    query = "SELECT * { " + " ".join(f"?s{i} <urn:p> 'v\\u00E9{i}' ." for i in range(300)) + "}"
    found = check_query(query, POLICY)
    assert found.form == "SELECT"
    assert capped(query, found, 5) == (query + "\nLIMIT 5", True)


@pytest.mark.parametrize("escape", ["\\U00110000", "\\uD800"])
def test_an_iri_escape_that_is_no_character_is_refused_clearly(escape: str) -> None:
    """Past U+10FFFF or a surrogate: a 400 that names the escape, not an internal error."""
    with pytest.raises(Refused) as refused:
        check_query(f"SELECT * FROM <http://x/{escape}> {{ ?s ?p ?o }}", POLICY)
    assert escape in refused.value.message
