"""A query's results for the query page's table, run exactly as the protocol runs a query.

A browser's `GET /sparql?query=` (`negotiation.wants_page`) is handed to the pages app, which
shows the results under the form, so the examples work without JavaScript. The query takes the
protocol's own steps (`results.prepare`, then `results.execute` within `Call.limited`): the same
guard, dataset checks, time limit and output caps. Only the format is fixed, SPARQL JSON for
solutions and N-Triples for graphs, read back into terms for the page to show.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import islice

import pyoxigraph as ox

from . import results
from .call import Call
from .negotiation import Format

TABLE_FORMATS = ["srj", "nt"]  # the first each kind of result knows: SPARQL JSON, N-Triples
TRIPLE_VARIABLES = ("subject", "predicate", "object")
Cell = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None


@dataclass(frozen=True)
class Answer:
    """What a query returned, at most `shown` rows of it: a table, or ASK's yes or no."""

    variables: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    boolean: bool | None = None
    more: bool = False  # the result holds rows past those shown
    cut: str = ""  # the output cap that made the result partial ("" for none)


def answer(call: Call, shown: int) -> Answer:
    """Run the request's query with its dataset parameters, as `GET /sparql` would."""
    params = call.url_params()
    text = params.one("query") or ""
    store = call.store
    prepared = results.prepare(
        store,
        call.policy(),
        text,
        graphs=(params.all("default-graph-uri"), params.all("named-graph-uri")),
        accept=None,
        format_names=TABLE_FORMATS,
    )
    body, cut = call.limited(lambda: results.execute(store, prepared))
    found = _read(body, prepared.fmt, shown)
    if cut == "rows" and not found.more:  # a LIMIT was lowered, yet fewer rows came back
        cut = ""
    return replace(found, cut=cut)


def _read(body: bytes, fmt: Format, shown: int) -> Answer:
    if isinstance(fmt.engine, ox.RdfFormat):
        triples = (quad.triple for quad in ox.parse(body, format=fmt.engine))
        rows = [(t.subject, t.predicate, t.object) for t in islice(triples, shown + 1)]
        return Answer(TRIPLE_VARIABLES, rows[:shown], more=len(rows) > shown)
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return Answer((), [], boolean=bool(parsed))
    variables = tuple(variable.value for variable in parsed.variables)
    rows = [tuple(solution[name] for name in variables) for solution in islice(parsed, shown + 1)]
    return Answer(variables, rows[:shown], more=len(rows) > shown)
