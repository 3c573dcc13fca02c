"""The store the app serves, behind one protocol: the embedded one or a remote one.

Attached at start (`init_app`) and read by every request (`get_store`); a rebuilt store
replaces it through `sparql.updates.replace_store`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flask import Flask, current_app

from .embedded import Store
from .remote import RemoteStore, Result


class Backend(Protocol):
    """What the endpoint and the pages need of a store: the embedded one or a remote one.

    In `query`, None takes the service's default (the union as default graph, every graph as
    a named graph); a list, even an empty one, takes exactly those graphs. Relative IRIs in
    queries and updates resolve against `BASE_IRI`.
    """

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

    def update(self, sparql: str) -> None: ...


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
