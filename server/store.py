"""The query engine over a built dataset: pyoxigraph, chosen by measurement (docs/engine.md).

The default graph of every query is the union of all named graphs, as in Fuseki's
`unionDefaultGraph`; `default_graphs` narrows it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from flask import Flask, current_app
from tqdm import tqdm

from .remote_store import RemoteStore, Result

DATASET_FILE = "dataset.nq"
MANIFEST_FILE = "manifest.json"
PROGRESS_DELAY_SECONDS = 2.0  # a bar only for loads long enough to wonder about

log = logging.getLogger(__name__)


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


def bulk_load(engine: ox.Store, dataset: Path) -> None:
    """Load the build's N-Quads with a progress bar (on standard error) by bytes read.

    Lenient: the file is the build's own output, already parsed and validated once.
    """
    with (
        dataset.open("rb") as file,
        tqdm.wrapattr(
            file,
            "read",
            total=dataset.stat().st_size,
            desc=f"loading {dataset.name}",
            delay=PROGRESS_DELAY_SECONDS,
            mininterval=1.0,
        ) as reader,
    ):
        engine.bulk_load(input=reader, format=ox.RdfFormat.N_QUADS, lenient=True)


def loaded_directory(dataset: Path, store_dir: Path, version: str) -> Path:
    """`store_dir/version`, an on-disk Oxigraph store of `dataset`, bulk-loaded if missing.

    The load goes to a staging folder renamed when complete, so an interrupted load is never
    mistaken for a finished one; stores of other versions are removed, as builds are.
    """
    target = store_dir / version
    if target.is_dir():
        return target
    store_dir.mkdir(parents=True, exist_ok=True)
    staging = store_dir / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("loading %s into the on-disk store %s", dataset, target)
    engine = ox.Store(staging)
    bulk_load(engine, dataset)
    engine.flush()
    del engine  # closes RocksDB before the folder moves and reopens read-only
    try:
        staging.rename(target)
    except OSError:  # another process finished the same load first
        shutil.rmtree(staging, ignore_errors=True)
    for old in store_dir.iterdir():
        if old.is_dir() and old.name != version and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return target


@dataclass
class Store:
    """A loaded dataset and the version that identifies its content.

    In memory by default; with `store_dir`, a RocksDB folder loaded once and opened read-only,
    once per process, since RocksDB handles must not cross gunicorn's fork.
    """

    engine: ox.Store
    version: str
    graphs: dict[str, int]
    updatable: bool = True
    directory: Path | None = None
    opened_in: int = field(default_factory=os.getpid)

    @classmethod
    def open(cls, build: Path, store_dir: Path | None = None) -> Store:
        """Open a build directory (`build/current`): loaded into memory, or on disk in
        `store_dir/<version>`, where a later start finds it loaded already."""
        manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
        version, graphs = manifest["version"], manifest["graphs"]
        if store_dir is None:
            engine = ox.Store()
            bulk_load(engine, build / DATASET_FILE)
            return cls(engine, version, graphs)
        directory = loaded_directory(build / DATASET_FILE, Path(store_dir), version)
        engine = ox.Store.read_only(str(directory))
        return cls(engine, version, graphs, updatable=False, directory=directory)

    def read_every_quad(self) -> None:
        """Visit every quad of an in-memory store (see `serving.own_the_store`); on disk, the
        pages belong to RocksDB's cache and there is nothing to do."""
        if self.directory is None:
            len(self.engine)  # counting walks every quad, as a query's reads would

    def _engine(self) -> ox.Store:
        if self.directory is not None and self.opened_in != os.getpid():
            self.engine = ox.Store.read_only(str(self.directory))
            self.opened_in = os.getpid()
        return self.engine

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        """Run a SPARQL query; the caller decides what a query may do before calling."""
        if default_graphs:
            return self._engine().query(
                sparql,
                default_graph=[ox.NamedNode(iri) for iri in default_graphs],
                named_graphs=[ox.NamedNode(iri) for iri in named_graphs] if named_graphs else None,
            )
        return self._engine().query(
            sparql,
            use_default_graph_as_union=True,
            named_graphs=[ox.NamedNode(iri) for iri in named_graphs] if named_graphs else None,
        )

    def named_graphs(self) -> set[str]:
        return {graph.value for graph in self._engine().named_graphs()}

    def default_graph_triples(self) -> int:
        """The size of the store's own default graph (queries see the union instead)."""
        return sum(1 for _ in self._engine().quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def update(self, sparql: str) -> None:
        """Run a SPARQL update, atomically: the engine rolls back a failing one."""
        self._engine().update(sparql)


EXTENSION = "alliance_kg.store"


def init_app(app: Flask) -> None:
    """Attach the store: a `STORE` object given in the config, a remote `BACKEND`, else
    `BUILD_DIR` loaded now."""
    store = app.config.get("STORE")
    if store is None and app.config.get("BACKEND"):
        store = RemoteStore.open(app.config["BACKEND"], timeout=app.config["QUERY_TIMEOUT"])
    if store is None:
        build = app.config.get("BUILD_DIR")
        if not build:
            raise RuntimeError("set BUILD_DIR (a build directory) or STORE to serve a dataset")
        store_dir = app.config.get("STORE_DIR")
        store = Store.open(Path(build), Path(store_dir) if store_dir else None)
    app.extensions[EXTENSION] = store


def get_store() -> Backend:
    """The store of the app handling the current request."""
    return current_app.extensions[EXTENSION]
