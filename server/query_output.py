"""Print query results for a terminal (an aligned table) or in a standard results format."""

from __future__ import annotations

import pyoxigraph as ox

from .curie import turtle_name

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}


def compact(term: object) -> str:
    """A term as a person reads it: prefixed IRIs, plain literal values."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return turtle_name(term.value)
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def table(results: ox.QuerySolutions) -> str:
    """An aligned text table of SELECT results, one line per solution."""
    names = [v.value for v in results.variables]
    rows = [[compact(solution[name]) for name in names] for solution in results]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def render(results: object, fmt: str | None) -> bytes:
    """Results of any query form in `fmt`, or as a table/Turtle/`true` when `fmt` is None."""
    if isinstance(results, ox.QueryTriples):
        return (
            results.serialize(format=GRAPH_FORMATS.get(fmt or "turtle", ox.RdfFormat.TURTLE)) or b""
        )
    if isinstance(results, ox.QueryBoolean):
        if fmt in RESULT_FORMATS:
            return results.serialize(format=RESULT_FORMATS[fmt]) or b""
        return (b"true" if bool(results) else b"false") + b"\n"
    assert isinstance(results, ox.QuerySolutions)
    if fmt in RESULT_FORMATS:
        return results.serialize(format=RESULT_FORMATS[fmt]) or b""
    return (table(results) + "\n").encode("utf-8")
