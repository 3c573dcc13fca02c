"""The query engine over a built dataset: pyoxigraph, chosen by measurement (docs/engine.md).

The default graph of every query is the union of all named graphs, as in Fuseki's
`unionDefaultGraph`; `default_graphs` narrows it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from flask import Flask, current_app

DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"

Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class Backend(Protocol):
    """What the endpoint and the pages need of a store: the embedded one or a remote one."""

    version: str
    graphs: dict[str, int]
    updatable: bool

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result: ...

    def named_graphs(self) -> set[str]: ...

    def default_graph_triples(self) -> int: ...

    def update(self, sparql: str) -> None: ...


@dataclass
class Store:
    """A loaded dataset and the version that identifies its content."""

    engine: ox.Store
    version: str
    graphs: dict[str, int]
    updatable = True

    @classmethod
    def open(cls, build: Path) -> Store:
        """Load a build directory (`build/current`) into an in-memory Oxigraph store."""
        manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
        engine = ox.Store()
        engine.bulk_load(path=build / DATASET_FILE, format=ox.RdfFormat.N_QUADS)
        return cls(engine, manifest["version"], manifest["graphs"])

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        """Run a SPARQL query; the caller decides what a query may do before calling."""
        if default_graphs:
            return self.engine.query(
                sparql,
                default_graph=[ox.NamedNode(iri) for iri in default_graphs],
                named_graphs=[ox.NamedNode(iri) for iri in named_graphs] if named_graphs else None,
            )
        return self.engine.query(
            sparql,
            use_default_graph_as_union=True,
            named_graphs=[ox.NamedNode(iri) for iri in named_graphs] if named_graphs else None,
        )

    def named_graphs(self) -> set[str]:
        return {graph.value for graph in self.engine.named_graphs()}

    def default_graph_triples(self) -> int:
        """The size of the store's own default graph (queries see the union instead)."""
        return sum(1 for _ in self.engine.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def update(self, sparql: str) -> None:
        """Run a SPARQL update, atomically: the engine rolls back a failing one."""
        self.engine.update(sparql)


EXTENSION = "alliance_kg.store"


def init_app(app: Flask) -> None:
    """Attach the store: a `STORE` object given in the config, a remote `BACKEND`, else
    `BUILD_DIR` loaded now."""
    store = app.config.get("STORE")
    if store is None and app.config.get("BACKEND"):
        from .remote_store import RemoteStore  # noqa: PLC0415 - only remote serving needs it

        store = RemoteStore.open(app.config["BACKEND"], timeout=app.config["QUERY_TIMEOUT"])
    if store is None:
        build = app.config.get("BUILD_DIR")
        if not build:
            raise RuntimeError("set BUILD_DIR (a build directory) or STORE to serve a dataset")
        store = Store.open(Path(build))
    app.extensions[EXTENSION] = store


def get_store() -> Backend:
    """The store of the app handling the current request."""
    return current_app.extensions[EXTENSION]
