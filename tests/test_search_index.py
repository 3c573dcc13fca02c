"""The full-text search index: stemming, loose digits, built with the build, ranked, escaped."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.pages.search_lookup import lookup, match_expression
from alliance_kg.pipeline.search_index import (
    SEARCH_FILE,
    TERM_TIER,
    facts_of_dataset,
    facts_of_quads,
    index_version,
    stem,
    stems,
    write_index,
)
from alliance_kg.project import Project

from .pages_support import ID, MARKUP_TRIG

SENTENCE_7 = ID + "source/us-japan-alliance-adrift-again/p2-s7"


@pytest.fixture(scope="module")
def index(built: Project) -> Iterator[sqlite3.Connection]:
    """The index the build wrote, opened read-only as the server opens it."""
    path = built.build_dir / "current" / SEARCH_FILE
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    yield db
    db.close()


def test_sqlite_porter_stems_betrayal_and_betrayed_apart_so_snowball_is_used() -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter unicode61')")
    db.execute("INSERT INTO t VALUES ('Washington may have betrayed Tokyo')")
    assert db.execute("SELECT count(*) FROM t WHERE t MATCH 'betrayal'").fetchone() == (0,)
    assert stem("betrayal") == stem("betrayed") == stem("betrays") == "betray"


@pytest.mark.parametrize("written", ["f22", "F 22", "F-22", "f-22", "F22"])
def test_letters_and_digits_are_words_apart_whatever_joins_them(written: str) -> None:
    assert stems(written) == ["f", "22"]


def test_the_build_writes_the_index_beside_the_dataset_with_its_version(built: Project) -> None:
    current = built.build_dir / "current"
    manifest = json.loads((current / "manifest.json").read_text("utf-8"))
    assert index_version(current / SEARCH_FILE) == manifest["version"]
    assert index_version(current / "manifest.json") is None  # not an index at all


def test_betrayal_finds_the_perception_labelled_betrayed(index: sqlite3.Connection) -> None:
    answer = lookup(index, "betrayal")
    first = answer.matches[0]
    assert first.iri == ID + "perception/tokyo-sense-of-betrayal"
    assert first.marked_names[first.labels[0]].count("<mark>betrayed</mark>") == 1


@pytest.mark.parametrize("written", ["f22", "F 22", "F-22"])
def test_every_form_of_f22_finds_the_f22_first(index: sqlite3.Connection, written: str) -> None:
    first = lookup(index, written).matches[0]
    assert first.iri == ID + "weapon/f-22-raptor"
    assert first.marked_names["F-22 Raptor"] == "<mark>F-22</mark> Raptor"


def test_sentence_text_is_searched_and_its_snippet_marks_the_words(
    index: sqlite3.Connection,
) -> None:
    answer = lookup(index, "pragmatic", facet="sentence")
    assert [match.iri for match in answer.matches] == [SENTENCE_7]
    assert answer.facets["sentence"] == 1
    snippet = answer.matches[0].snippet
    assert snippet is not None and "<mark>pragmatic</mark>" in snippet


def test_ontology_terms_rank_after_every_individual(index: sqlite3.Connection) -> None:
    facets = [match.facet for match in lookup(index, "betrayal").matches]
    first_term = facets.index("ontology-term")
    assert {"attitude", "claim", "sentence"} <= set(facets[:first_term])
    assert set(facets[first_term:]) <= {"ontology-term", "other"}
    tiers = dict(index.execute("SELECT iri, tier FROM documents").fetchall())
    ranks = [tiers[match.iri] for match in lookup(index, "japan", limit=200).matches]
    assert ranks == sorted(ranks) and TERM_TIER in ranks


@pytest.mark.parametrize(
    "hostile",
    ['"', 'abe"', "NEAR(a b", "a AND", "OR", "*", "^abe", "col:abe", "a + b", "(", "-x", "{a b}"],
)
def test_no_input_is_read_as_fts5_syntax(index: sqlite3.Connection, hostile: str) -> None:
    expression = match_expression(hostile)
    assert expression is None or expression.startswith('"')
    lookup(index, hostile)  # an FTS5 syntax error would raise here


def test_snippets_escape_markup_in_the_data() -> None:
    quads = ox.parse(MARKUP_TRIG.encode(), format=ox.RdfFormat.TRIG)
    db = write_index(facts_of_quads(quads), ":memory:", "markup")
    answer = lookup(db, "alert")
    assert answer.matches
    for match in answer.matches:
        shown = [match.snippet or "", *match.marked_names.values()]
        assert all("<script" not in text and "&lt;script&gt;" in text for text in shown if text)
        assert any("<mark>alert</mark>" in text for text in shown)
    assert lookup(db, "worries").facets == {"sentence": 1}  # the paragraph repeats it unindexed


def test_an_index_is_written_from_the_dataset_file(built: Project, tmp_path: Path) -> None:
    dataset = built.build_dir / "current" / "dataset.nq"
    write_index(facts_of_dataset(dataset), tmp_path / SEARCH_FILE, "again").close()
    assert index_version(tmp_path / SEARCH_FILE) == "again"
