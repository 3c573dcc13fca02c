"""Named view queries (`queries/views/*.rq`): loaded by name, bound to a resource, cached.

A view query names its parameters in a `VALUES ?name { ... }` clause holding an example value,
so the file runs as it stands; binding replaces the example. The bound text is what the page
ran, so "show the SPARQL" links open exactly that text in the query page.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

import pyoxigraph as ox
from flask import current_app

from ..package_data import view_path
from ..query_files import QueryFile, read_query
from ..store.backend import get_store
from ..store.version_cache import per_version

CACHE = "alliance_kg.pages.views"
CACHE_SIZE = 4096

Row = dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]


@lru_cache(maxsize=64)
def view(name: str) -> QueryFile:
    """The view query file `queries/views/{name}.rq`."""
    return read_query(view_path(name))


def sparql_term(value: str | ox.NamedNode | ox.Literal) -> str:
    """A value as SPARQL: an IRI in angle brackets, or a plain string literal, escaped."""
    if isinstance(value, ox.NamedNode):
        return str(value)
    if isinstance(value, ox.Literal):
        return str(value)
    return str(ox.Literal(value))


def bind(name: str, **values: ox.NamedNode | ox.Literal | str) -> str:
    """The text of view `name` with each `VALUES ?key { ... }` set to the given value."""
    text = view(name).text
    for key, value in values.items():
        pattern = re.compile(r"VALUES \?" + re.escape(key) + r" \{[^}]*\}")
        text, count = pattern.subn(
            lambda _match, key=key, value=value: f"VALUES ?{key} {{ {sparql_term(value)} }}", text
        )
        if count != 1:
            raise KeyError(f"view {name} has no single VALUES ?{key} clause")
    return text


def rows(name: str, **values: ox.NamedNode | ox.Literal | str) -> list[Row]:
    """The solutions of a bound view as dicts, cached per dataset version."""
    store = get_store()
    text = bind(name, **values)
    cache: dict[str, list[Row]] = per_version(current_app.extensions, CACHE, store, dict)
    found = cache.get(text)
    if found is None:
        solutions = store.query(text)
        if not isinstance(solutions, ox.QuerySolutions):
            raise TypeError(f"view {name} is not a SELECT query")
        names = [variable.value for variable in solutions.variables]
        found = [{key: solution[key] for key in names} for solution in solutions]
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        cache[text] = found
    return found


def sparql_href(name: str, **values: ox.NamedNode | ox.Literal | str) -> str:
    """A link that opens the bound view in the query page and runs it there, with or without
    JavaScript (the editor reads the same `query` parameter)."""
    return "/sparql?query=" + quote(bind(name, **values), safe="") + "&format=html"
