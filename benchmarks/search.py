"""Measure the full-text search index on a build folder: its size, build time and query time.

The index is built from the build's `dataset.nq` as `alliance-kg build` does, into a temporary
file. Each query is then answered as `/search.json` answers it (facet counts, one ranked page,
snippets), `--repeat` times, and the median is printed beside two baselines measured in the
same run over the same words: a `LIKE '%word%'` scan of the same documents table with facet
counts, and the former search, a Python scan of every folded label and alternative label.

    .venv/bin/alliance-kg generate --triples 1000000 -o /tmp/synthetic-1m
    .venv/bin/python benchmarks/search.py --build /tmp/synthetic-1m [--repeat 20]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from alliance_kg.pages.search_lookup import lookup
from alliance_kg.pipeline.search_index import SEARCH_FILE, facts_of_dataset, fold, write_index
from alliance_kg.store.build_files import DATASET_FILE, MANIFEST_FILE

QUERIES = (
    "betrayal",
    "f22",
    "F-22",
    "abe",
    "japan",
    "U.S.",
    "north korea",
    "alliance",
    "raptor",
    "zzzqqq",
)
LIKE_SQL = """
SELECT facet, count(*) FROM documents
WHERE labels LIKE :like OR alts LIKE :like OR text LIKE :like GROUP BY facet
"""
LIKE_PAGE_SQL = """
SELECT iri FROM documents WHERE labels LIKE :like OR alts LIKE :like OR text LIKE :like
ORDER BY tier LIMIT 20
"""


def median_ms(run: Callable[[], object], repeat: int) -> float:
    """The median wall time of `run`, in milliseconds, after one untimed call."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def like_scan(db: sqlite3.Connection, query: str) -> None:
    like = {"like": f"%{query}%"}
    db.execute(LIKE_SQL, like).fetchall()
    db.execute(LIKE_PAGE_SQL, like).fetchall()


def label_names(db: sqlite3.Connection) -> list[tuple[str, str]]:
    """Every folded label and alternative label, as the former search held them in memory."""
    names = []
    for iri, labels, alts in db.execute("SELECT iri, labels, alts FROM documents"):
        names += [(iri, fold(name)) for name in json.loads(labels) + json.loads(alts)]
    return names


def label_scan(names: list[tuple[str, str]], query: str) -> None:
    wanted = fold(query)
    sorted({iri for iri, name in names if wanted in name})[:20]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", type=Path, default=Path("build/current"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    dataset = args.build / DATASET_FILE
    manifest = json.loads((args.build / MANIFEST_FILE).read_text("utf-8"))
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / SEARCH_FILE
        start = time.perf_counter()
        write_index(facts_of_dataset(dataset), target, manifest["version"]).close()
        built = time.perf_counter() - start
        size, data = target.stat().st_size, dataset.stat().st_size
        db = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)
        documents = db.execute("SELECT count(*) FROM documents").fetchone()[0]
        print(f"dataset: {manifest['triples']:,} quads, {data:,} bytes of N-Quads")
        print(f"index: {documents:,} documents, {size:,} bytes ({size / data:.1%} of the dataset)")
        print(f"index build: {built:.1f} s")
        names = label_names(db)
        print(f"\nmedian of {args.repeat} runs, ms    FTS5 page  LIKE scan  label scan  matches")
        for query in QUERIES:
            answer = lookup(db, query, limit=20)
            fts = median_ms(lambda q=query: lookup(db, q, limit=20), args.repeat)
            like = median_ms(lambda q=query: like_scan(db, q), max(3, args.repeat // 5))
            scan = median_ms(lambda q=query: label_scan(names, q), max(3, args.repeat // 5))
            print(f"{query!r:>28} {fts:10.1f} {like:10.1f} {scan:11.1f} {answer.total:8,}")


if __name__ == "__main__":
    main()
