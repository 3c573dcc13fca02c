"""What an update may do, decided by reading it exactly as the engine will run it.

rdflib finds which graphs an update writes, and it decodes `\\u` escapes over the whole text
first, as SPARQL 1.1 says; pyoxigraph decodes them only inside strings and IRIs. An update that
reads differently in the two could pass the fence and then drop a protected graph. So the fence
decodes the escapes itself, refuses a text that would still hold one, and both rdflib and the
engine see the decoded text, which the caller must run. As a backstop the engine itself runs the
update on a scratch store holding a marker triple in every protected graph, and the update log
compares `protected_fingerprint` of the real store before and after: the data decides last.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib.namespace import XSD
from rdflib.term import Variable
from werkzeug.exceptions import Forbidden

from ..project import (
    BACKGROUND_GRAPH,
    INFERRED_GRAPH,
    ONTOLOGY_GRAPH,
    PROVENANCE_GRAPH,
    source_graph,
    text_graph,
)
from ..store.embedded import Store
from ..store.remote import BASE_IRI
from ..store.statistics import STATISTICS_GRAPH
from .lexer import decode_escapes
from .query_guard import Policy, check_fetches, check_shape, scan
from .refused import Refused

DEFAULT = "DEFAULT"
ANY = "ANY"
FIXED_GRAPHS = frozenset({ONTOLOGY_GRAPH, BACKGROUND_GRAPH, PROVENANCE_GRAPH, INFERRED_GRAPH})
ASSERTED_PREFIXES = (*FIXED_GRAPHS, text_graph(""), source_graph(""))
LEFT_ESCAPE = re.compile(r"\\u", re.IGNORECASE)
MARKER = ox.NamedNode("urn:alliance-kg:update-fence:marker")
READ_ONLY = (
    "the built graphs are read-only (UPDATE_ALLOW_ASSERTED). Write to the default graph or a "
    "graph of your own, named explicitly."
)


def is_asserted(graph: str, built: dict[str, int]) -> bool:
    """The build's own graphs, and any graph named like one, are asserted knowledge."""
    return graph in built or graph.startswith(ASSERTED_PREFIXES)


def protected_fingerprint(store: Store) -> str:
    """What no update may change, as one digest: every asserted graph the store holds (the
    built ones, and any named like them) with its quads. `UpdateLog.apply` compares it before
    and after each update, so the fence holds whatever the readings of the text say. The
    statistics graph is left out: the store itself counts it again after an update."""
    graphs = {graph for graph in store.named_graphs() if is_asserted(graph, store.graphs)}
    return store.fingerprint(graphs.union(store.graphs) - {STATISTICS_GRAPH})


def check_update(text: str, policy: Policy, built: dict[str, int], allow_asserted: bool) -> str:
    """Refuse what may fetch, replay differently or touch asserted graphs; fix NOW().

    Returns the text to run: escapes decoded, NOW() written down. Run exactly that text.
    """
    check_fetches(scan(text), policy)  # the engine's reading of the text as sent
    decoded = decode_update(text)
    found = scan(decoded)
    check_shape(found, policy)
    check_fetches(found, policy)
    if found.nondeterministic:
        raise Refused(
            f"{found.nondeterministic[0]}() is refused in updates: the update log replays each "
            "update in every worker, and a random value would differ between them."
        )
    protected = () if allow_asserted else tuple(sorted(FIXED_GRAPHS.union(built)))
    changed = _run_on_markers(decoded, protected, built)
    operations = _analyse(decoded)
    if not allow_asserted:
        for operation in operations:
            for graph in _targets(operation):
                if graph == ANY or (graph != DEFAULT and is_asserted(graph, built)):
                    shown = "every graph" if graph == ANY else graph
                    raise Forbidden(f"This update may change {shown}; {READ_ONLY}")
        if changed:
            raise Forbidden(f"This update changes {changed[0]} when run; {READ_ONLY}")
    return _fix_now(decoded, found.now_spans)


def decode_update(text: str) -> str:
    """The update with its `\\u` escapes decoded once, as both rdflib and the spec read it.

    A backslash-u left after decoding (from `\\u005Cu0022`, or a short escape) would be read
    again by rdflib and by the engine, differently: refused.
    """
    decoded = decode_escapes(text)
    left = LEFT_ESCAPE.search(decoded)
    if left is not None:
        raise Refused(
            "This update holds a backslash-u that is not one complete escape, or that an "
            f"escape produced (near character {left.start()}); write the characters themselves."
        )
    return decoded


def _analyse(text: str) -> list[object]:
    """rdflib's algebra of the update; whatever rdflib cannot read is refused (fail closed)."""
    from pyparsing import ParseBaseException  # noqa: PLC0415 - rdflib's parser takes 0.4 s to load
    from rdflib.plugins.sparql.algebra import translateUpdate  # noqa: PLC0415
    from rdflib.plugins.sparql.parser import parseUpdate  # noqa: PLC0415

    try:
        return list(translateUpdate(parseUpdate(text), base=BASE_IRI).algebra)
    except (ParseBaseException, ValueError, KeyError, Exception) as error:
        # rdflib raises bare Exception for an unknown prefix; refusing is the safe answer
        raise Refused(f"This update could not be analysed for safety: {error}") from None


def _run_on_markers(text: str, protected: tuple[str, ...], built: dict[str, int]) -> list[str]:
    """Run the update on a scratch store with a marker in each protected graph and the default
    graph: the engine's own syntax check, and which protected graphs it changed."""
    store = ox.Store()
    for graph in (*protected, None):
        name = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        store.add(ox.Quad(MARKER, MARKER, MARKER, name))
    try:
        store.update(text, base_iri=BASE_IRI)
    except SyntaxError as error:
        raise Refused(f"Syntax error: {error}") from None
    except (RuntimeError, OSError):
        return []  # an evaluation error on scratch data, rolled back; the real run decides
    if not protected:
        return []
    changed = [graph for graph in protected if not _only_marker(store, ox.NamedNode(graph))]
    for name in store.named_graphs():
        graph = name.value
        if graph not in protected and is_asserted(graph, built) and _holds_any(store, name):
            changed.append(graph)
    return changed


def _only_marker(store: ox.Store, graph: ox.NamedNode) -> bool:
    quads = list(store.quads_for_pattern(None, None, None, graph))
    return len(quads) == 1 and quads[0].subject == MARKER and quads[0].object == MARKER


def _holds_any(store: ox.Store, graph: ox.NamedNode) -> bool:
    return any(True for _ in store.quads_for_pattern(None, None, None, graph))


def _targets(operation: object) -> list[str]:
    """The graphs an update operation writes: IRIs, DEFAULT, or ANY when it cannot be known."""
    name = getattr(operation, "name", "")
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template_targets(operation, None)
    if name == "Modify":
        found: list[str] = []
        with_graph = dict.get(operation, "withClause")  # CompValue.get answers its key's name
        for part in ("delete", "insert"):
            if dict.get(operation, part) is not None:
                found += _template_targets(operation[part], with_graph)
        return found
    if name in ("Clear", "Drop", "Create"):
        graph = operation["graphiri"]
        return [ANY if graph in ("NAMED", "ALL") else str(graph)]
    if name in ("Add", "Copy"):
        return [str(operation["graph"][1])]
    if name == "Move":
        return [str(graph) for graph in operation["graph"]]
    return [ANY]


def _template_targets(template: object, with_graph: object) -> list[str]:
    found = [ANY if isinstance(graph, Variable) else str(graph) for graph in template["quads"]]
    if dict.get(template, "triples"):
        found.append(str(with_graph) if with_graph is not None else DEFAULT)
    return found


def _fix_now(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """NOW() is one instant per update: write it down, so replays give the same value."""
    if not spans:
        return text
    now = f'"{datetime.now(UTC).isoformat()}"^^<{XSD.dateTime}>'
    for start, end in reversed(spans):
        text = f"{text[:start]}{now}{text[end:]}"
    return text
