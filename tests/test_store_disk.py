"""The on-disk store (`STORE_DIR`): loaded once, reopened at once, the same answers as in memory."""

from __future__ import annotations

import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliance_kg.project import Project
from alliance_kg.query_files import read_query
from alliance_kg.store import embedded as store_module
from alliance_kg.store.embedded import Store

ASSERTIONS = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/alliance-kg/ontology/Assertion> }"
)


def answer(store: Store, text: str) -> list[str] | set[tuple[str, str, str]]:
    """A query's answer in a comparable form: sorted TSV lines, or a set of triples."""
    results = store.query(text)
    if isinstance(results, ox.QueryTriples):
        return {(str(t.subject), str(t.predicate), str(t.object)) for t in results}
    return sorted(results.serialize(format=ox.QueryResultsFormat.TSV).decode().splitlines())


@pytest.fixture(scope="module")
def disk_store(built: Project, tmp_path_factory: pytest.TempPathFactory) -> Store:
    return Store.open(built.build_dir / "current", tmp_path_factory.mktemp("stores"))


def test_disk_store_answers_every_example_as_the_in_memory_store(
    built: Project, disk_store: Store
) -> None:
    memory = Store.open(built.build_dir / "current")
    for path in built.example_queries():
        text = read_query(path).text
        assert answer(disk_store, text) == answer(memory, text), path.name


def test_disk_store_is_a_versioned_folder_and_read_only(disk_store: Store) -> None:
    assert disk_store.directory is not None
    assert disk_store.directory.name == disk_store.version
    assert disk_store.updatable is False


def test_second_open_reuses_the_loaded_folder(
    built: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = built.build_dir / "current"
    first = Store.open(build, tmp_path)
    del first

    def no_reload(engine: ox.Store, dataset: Path) -> None:
        raise AssertionError("the store was loaded again")

    monkeypatch.setattr(store_module, "bulk_load", no_reload)
    again = Store.open(build, tmp_path)
    assert answer(again, ASSERTIONS) != ["?n", "0"]
    assert [p.name for p in tmp_path.iterdir()] == [again.version]


def test_loading_shows_a_progress_bar(
    built: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(store_module, "PROGRESS_DELAY_SECONDS", 0)
    Store.open(built.build_dir / "current", tmp_path)
    assert "loading dataset.nq" in capfd.readouterr().err


def test_a_forked_process_reopens_the_store_and_answers(disk_store: Store) -> None:
    """gunicorn forks workers after the master opened the store (preload)."""
    expected = answer(disk_store, ASSERTIONS)
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        ok = answer(disk_store, ASSERTIONS) == expected and disk_store.opened_in == os.getpid()
        os.write(writer, b"ok" if ok else b"differs")
        os._exit(0)
    os.close(writer)
    _, status = os.waitpid(child, 0)
    assert os.read(reader, 16) == b"ok"
    assert status == 0
