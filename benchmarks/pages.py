"""Measure the server time of every page kind on the essay dataset, in process.

Each page is requested through Flask's test client (routing, queries, templates, no network):
once with every cache emptied ("cold": the first visitor after a start or a new build), then
`--repeat` times more ("warm"). Every entity of the dataset is measured, in HTML and Turtle.
The budget is 100 ms of server time per page (issue 4).

    .venv/bin/python benchmarks/pages.py [--build build/current] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from flask import Flask

from alliance_kg.app import create_app
from alliance_kg.pages.terms import local_href
from alliance_kg.project import ID_NS
from alliance_kg.store.embedded import Store

HTML = {"Accept": "text/html"}
BUDGET_MS = 100.0
FIXED = (
    "/",
    "/search?q=abe",
    "/search.json?q=raptor",
    "/essay",
    "/timeline",
    "/ontology",
    "/sparql",
    "/ontology/Actor",
    "/ontology/isPreoccupiedWith",
    "/id/actor/shinzo-abe",
    "/id/actor/shinzo-abe.ttl",
    "/id/actor/shinzo-abe.jsonld",
    "/id/source/us-japan-alliance-adrift-again/p2-s3",
    "/id/no/such-thing",
)
ENTITIES = "SELECT DISTINCT ?s { ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(id:))) }"


def _clear(app: Flask) -> None:
    for key in [key for key in app.extensions if key.startswith("alliance_kg.pages")]:
        del app.extensions[key]


def _time(app: Flask, path: str) -> tuple[float, int]:
    client = app.test_client()
    start = time.perf_counter()
    response = client.get(path, headers=HTML)
    return (time.perf_counter() - start) * 1000, response.status_code


def measure(app: Flask, path: str, repeat: int) -> tuple[float, float, float, int]:
    """Cold time, warm median and warm p95 in ms, and the status, of one page."""
    _clear(app)
    cold, status = _time(app, path)
    warm = sorted(_time(app, path)[0] for _ in range(repeat))
    return cold, statistics.median(warm), warm[max(0, int(len(warm) * 0.95) - 1)], status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=Path("build/current"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    store = Store.open(args.build)
    app = create_app({"STORE": store, "TESTING": True})
    app.test_client().get("/", headers=HTML)  # import templates once
    print(f"{'page':58} {'status':>6} {'cold':>8} {'median':>8} {'p95':>8}  (ms)")
    worst = 0.0
    for path in FIXED:
        cold, median, p95, status = measure(app, path, args.repeat)
        worst = max(worst, median, p95)
        print(f"{path[:58]:58} {status:>6} {cold:8.1f} {median:8.1f} {p95:8.1f}")
    entities = [row["s"].value for row in store.query(f"PREFIX id: <{ID_NS}> {ENTITIES}")]
    medians, p95s, colds = [], [], []
    for iri in entities:
        for suffix in ("", ".ttl"):
            cold, median, p95, _status = measure(app, local_href(iri) + suffix, 3)
            colds.append(cold)
            medians.append(median)
            p95s.append(p95)
    worst = max(worst, *medians)
    print(
        f"{len(entities)} entity pages, HTML and Turtle:"
        f" median {statistics.median(medians):.1f} ms,"
        f" slowest warm {max(medians):.1f} ms, slowest cold {max(colds):.1f} ms"
    )
    verdict = "within" if worst < BUDGET_MS else "OVER"
    print(f"slowest warm page: {worst:.1f} ms, {verdict} the {BUDGET_MS:.0f} ms budget")


if __name__ == "__main__":
    main()
