"""The embedded engine over a built dataset: pyoxigraph, chosen by measurement (docs/engine.md),
in memory or on disk (RocksDB).

The default graph of a query is the union of all graphs, as a set: pyoxigraph's own union
(`use_default_graph_as_union`) and its lists of default graphs return a triple once per graph
holding it, so the store's default graph holds a copy of every triple instead, made at load and
again after updates (docs/endpoint.md). A request's own dataset replaces it. The statistics
graph (`statistics.py`) stays out of that union: it describes the data, and is counted again
before the first query after updates.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from .build_files import DATASET_FILE, MANIFEST_FILE
from .remote import BASE_IRI, Result
from .statistics import STATISTICS, STATISTICS_GRAPH, Tally

PROGRESS_DELAY_SECONDS = 2.0  # a bar only for loads long enough to wonder about
DEFAULT = ox.DefaultGraph()
UNION_COPY = (
    f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER (?g != <{STATISTICS_GRAPH}>) }}"
)

log = logging.getLogger(__name__)


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


def nodes(iris: list[str] | None) -> list[ox.NamedNode] | None:
    """Graph IRIs as the engine takes them; None stays None (the engine's default)."""
    return None if iris is None else [ox.NamedNode(iri) for iri in iris]


def copy_union(engine: ox.Store, dataset: Path) -> None:
    """Bulk-load every triple of `dataset` into the default graph too, where it is held once.

    From the file, with the bulk loader: on RocksDB, `UNION_COPY` as one transaction took three
    times as long as the load itself, and 500 MB more, at a million quads.
    """
    quads = ox.parse(path=dataset, format=ox.RdfFormat.N_QUADS, lenient=True)
    data = (q for q in quads if q.graph_name != STATISTICS)
    engine.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, DEFAULT) for q in data)


def count_statistics(engine: ox.Store, again: bool = False) -> None:
    """Write the statistics graph (`statistics.py`) from the store's named graphs: if the
    dataset came without one (an earlier build, a test's data), or `again` after an update."""
    if not again and any(True for _ in engine.quads_for_pattern(None, None, None, STATISTICS)):
        return
    quads = Tally().extend(engine.quads_for_pattern(None, None, None, None)).quads()
    engine.clear_graph(STATISTICS)
    engine.extend(quads)


def loaded_directory(dataset: Path, store_dir: Path, version: str) -> Path:
    """`store_dir/version`, an on-disk Oxigraph store of `dataset`, bulk-loaded if missing.

    The load goes to a staging folder renamed when complete, so an interrupted load is never
    mistaken for a finished one; stores of other versions are removed, as builds are, and so is
    one loaded before the default graph held the union or the statistics were counted.
    """
    target = store_dir / version
    if target.is_dir():
        if is_complete(target):
            return target
        shutil.rmtree(target)
    store_dir.mkdir(parents=True, exist_ok=True)
    staging = store_dir / f".{version}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    log.info("loading %s into the on-disk store %s", dataset, target)
    engine = ox.Store(staging)
    bulk_load(engine, dataset)
    count_statistics(engine)
    copy_union(engine, dataset)
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


def is_complete(directory: Path) -> bool:
    """Whether an on-disk store holds the statistics and has its default graph filled, or
    holds nothing at all."""
    engine = ox.Store.read_only(str(directory))
    if not any(True for _ in engine.quads_for_pattern(None, None, None, None)):
        return True
    return all(
        any(True for _ in engine.quads_for_pattern(None, None, None, graph))
        for graph in (DEFAULT, STATISTICS)
    )


@dataclass
class Store:
    """A loaded dataset and the version that identifies its content.

    In memory by default; with `store_dir`, a RocksDB folder loaded once and opened read-only,
    once per process, since RocksDB handles must not cross the fork of a query worker.

    The default graph holds the union for queries, or, after updates, only `own`: what updates
    wrote to it (they read and write the store's own default graph). `own` is None while the
    union is out of date: the next query copies it back in (`_union`).
    """

    engine: ox.Store
    version: str
    graphs: dict[str, int]
    updatable: bool = True
    directory: Path | None = None
    opened_in: int = field(default_factory=os.getpid)
    own: list[ox.Quad] | None = None
    emptied: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, build: Path, store_dir: Path | None = None) -> Store:
        """Open a build directory (`build/current`): loaded into memory, or on disk in
        `store_dir/<version>`, where a later start finds it loaded already."""
        manifest = json.loads((build / MANIFEST_FILE).read_text("utf-8"))
        version, graphs = manifest["version"], manifest["graphs"]
        if store_dir is None:
            engine = ox.Store()
            bulk_load(engine, build / DATASET_FILE)
            count_statistics(engine)
            store = cls(engine, version, graphs)
            store._copy_union()
            return store
        directory = loaded_directory(build / DATASET_FILE, Path(store_dir), version)
        engine = ox.Store.read_only(str(directory))
        return cls(engine, version, graphs, updatable=False, directory=directory, own=[])

    def read_every_quad(self) -> None:
        """Visit every quad of an in-memory store (see `serving.own_the_store`), the union
        brought up to date first; on disk, the pages belong to RocksDB's cache."""
        if self.directory is None:
            self._union()
            len(self.engine)  # counting walks every quad, as a query's reads would

    def _engine(self) -> ox.Store:
        if self.directory is not None and self.opened_in != os.getpid():
            self.engine = ox.Store.read_only(str(self.directory))
            self.opened_in = os.getpid()
        return self.engine

    def _union(self) -> int:
        """Count the statistics again and copy every named graph's triples into the default
        graph, if updates left it without them (once after any number of updates, so a replay
        of many updates counts once); the count of such updates."""
        with self.lock:
            if self.own is None:
                count_statistics(self.engine, again=True)
                self._copy_union()
            return self.emptied

    def _copy_union(self) -> None:
        """Keep what the default graph holds now as `own`, then copy every named graph's
        triples into it."""
        self.own = list(self.engine.quads_for_pattern(None, None, None, DEFAULT))
        self.engine.update(UNION_COPY)

    def query(
        self,
        sparql: str,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> Result:
        """Run a SPARQL query; the caller decides what a query may do before calling."""
        run = partial(
            self._engine().query,
            sparql,
            base_iri=BASE_IRI,
            default_graph=nodes(default_graphs),
            named_graphs=nodes(named_graphs),
        )
        if default_graphs is not None:
            self._union()  # the statistics must be up to date whatever the dataset
            return run()
        while True:
            seen = self._union()
            result = run()  # the engine reads a snapshot taken now
            if self.emptied == seen:  # else an update in another thread (`--dev`) came between
                return result

    def named_graphs(self) -> set[str]:
        return {graph.value for graph in self._engine().named_graphs()}

    def fingerprint(self, graphs: Iterable[str]) -> str:
        """A digest of these named graphs and their quads, to see that an update left them as
        they were. The engine writes a graph's quads in the order of its index, which depends
        only on the quads held (tests/test_update_fence.py)."""
        digest = hashlib.blake2b(digest_size=16)
        for graph in sorted(graphs):
            digest.update(graph.encode() + b"\n")
            digest.update(
                self._engine().dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph))
            )
        return digest.hexdigest()

    def update(self, sparql: str) -> None:
        """Run a SPARQL update, atomically (the engine rolls back a failing one), on the
        default graph as updates wrote it, without the union's copies; the next query counts
        the statistics again (`_union`)."""
        with self.lock:
            if self.own is not None:
                self.engine.clear_graph(DEFAULT)
                self.engine.extend(self.own)
                self.own, self.emptied = None, self.emptied + 1
            self.engine.update(sparql, base_iri=BASE_IRI)
