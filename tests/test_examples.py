"""The example queries: each has a header and an expected-answer file, and returns exactly it."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from alliance_kg.query_files import read_query
from alliance_kg.store.backend import Backend

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "queries" / "examples"
EXPECTED = REPO / "queries" / "expected"
QUERIES = sorted(EXAMPLES.glob("*.rq"))
ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
CONSTRUCT = re.compile(r"^\s*CONSTRUCT\b", re.IGNORECASE | re.MULTILINE)


def expected_file(query: Path) -> Path:
    """The golden answer: N-Triples for a CONSTRUCT query, TSV otherwise."""
    suffix = ".nt" if CONSTRUCT.search(query.read_text("utf-8")) else ".tsv"
    return EXPECTED / f"{query.stem}{suffix}"


def test_there_are_at_least_fifteen_examples() -> None:
    assert len(QUERIES) >= 15


@pytest.mark.parametrize("query", QUERIES, ids=[query.stem for query in QUERIES])
def test_example_has_summary_and_description(query: Path) -> None:
    header = read_query(query).header
    assert header.get("summary"), f"{query.name}: missing `#+ summary:`"
    assert header.get("description"), f"{query.name}: missing `#+ description:`"


@pytest.mark.parametrize("query", QUERIES, ids=[query.stem for query in QUERIES])
def test_example_has_expected_file(query: Path) -> None:
    assert expected_file(query).is_file(), f"{query.name}: no {expected_file(query).name}"


@pytest.mark.parametrize("query", QUERIES, ids=[query.stem for query in QUERIES])
def test_example_returns_expected_answers(essay_store: Backend, query: Path) -> None:
    """On the embedded store and on Virtuoso after `alliance-kg publish`: the same answers."""
    text = read_query(query).text
    expected = expected_file(query)
    results = essay_store.query(text)
    if isinstance(results, ox.QueryTriples):
        actual = results.serialize(format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
        assert isomorphic(
            Graph().parse(data=actual, format="nt"),
            Graph().parse(expected, format="nt"),
        ), f"{query.name}: the constructed graph differs from {expected.name}"
        return
    actual_lines = results.serialize(format=ox.QueryResultsFormat.TSV).decode("utf-8").splitlines()
    expected_lines = expected.read_text("utf-8").splitlines()
    if ORDER_BY.search(text):
        assert actual_lines == expected_lines
    else:
        assert sorted(actual_lines) == sorted(expected_lines)
