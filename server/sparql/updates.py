"""SPARQL 1.1 Update at `/update`: off unless a token is set, atomic, logged, replayed.

Accepted updates are recorded in the update log (`update_log.py`) before the client hears of
them; every process replays records it has not seen before it answers a request, and a restart
or a `--dev` rebuild replays the whole log over the build (`replace_store`). So the workers
agree, and updates survive restarts and rebuilds. The dataset version becomes `{build}+{n}-{crc}`
after n updates, which changes every ETag. What an update may touch is checked before it runs
(see docs/endpoint.md).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from ..store.backend import EXTENSION as STORE
from ..store.backend import Backend, get_store
from ..store.embedded import Store
from . import protocol
from .call import Call, Reply
from .refused import Refused
from .update_dataset import USING_GRAPH, USING_NAMED_GRAPH, with_dataset
from .update_fence import check_update, protected_fingerprint
from .update_log import REPLAY_LIMIT_FACTOR, UpdateLog, fence_of

log = logging.getLogger(__name__)

EXTENSION = "alliance_kg.sparql.updates"


def authorise(call: Call) -> None:
    """401 without a Bearer token, 403 with a wrong one or when updates are off."""
    if not call.store.updatable:
        raise Forbidden(
            "This server's store takes no update: it reads a remote store (BACKEND), whose "
            "updates go to that store itself, or a store on disk, opened read-only (set "
            "UPDATE_TOKEN to serve the dataset from memory, where updates go)."
        )
    token = call.config["UPDATE_TOKEN"]
    if not token:
        raise Forbidden(
            "Updates are off. Start the server with --update-token TOKEN (or set "
            "ALLIANCE_KG_UPDATE_TOKEN) and send 'Authorization: Bearer TOKEN'."
        )
    scheme, _, given = call.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer TOKEN' to update.",
            www_authenticate=WWWAuthenticate("Bearer", {"realm": "alliance-kg"}),
        )
    if not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        raise Forbidden("The update token is wrong.")


def run_update(call: Call, params: protocol.Params) -> Reply:
    """Authorise, check and apply the `update` parameter of a request."""
    authorise(call)
    text = params.one("update")
    if text is None:
        raise Refused(
            "Send the update as the 'update' parameter or an application/sparql-update body."
        )
    if not text.strip():
        raise Refused("The update is empty: send at least one SPARQL 1.1 Update operation.")
    policy = call.policy()
    text = with_dataset(
        text, params.all(USING_GRAPH), params.all(USING_NAMED_GRAPH), policy.graphs
    )  # the fence judges, and the engine runs, the update with its dataset written in
    allow_asserted = call.config["UPDATE_ALLOW_ASSERTED"]
    checked = check_update(text, policy, call.store.graphs, allow_asserted)
    updates: UpdateLog = call.extensions[EXTENSION]
    updates.apply(checked)  # a 500 or 503 when the log cannot record it, logged there
    return Reply.text(f"Update applied; the dataset version is now {updates.store.version}.", 200)


def update(call: Call) -> Reply:
    """`POST /update`: the update as a form parameter or an application/sparql-update body."""
    return run_update(call, call.body_params("/update"))


def sync(app: Flask) -> None:
    """Replay records other processes wrote, before this request reads the store."""
    updates = app.extensions.get(EXTENSION)
    if updates is not None:  # none on a remote store, which takes no updates here
        updates.sync()


def init_app(app: Flask) -> None:
    """Open (and replay) the update log of the app's store; the router syncs each request.

    Raises `UpdateLogError` when the log cannot be replayed, so the server does not start.
    """
    store = get_store_of(app)
    if not store.updatable:
        return
    configured = app.config.get("UPDATE_LOG")
    app.extensions[EXTENSION] = UpdateLog(
        Path(configured) if configured else Path(app.instance_path) / "updates.log",
        store,
        reload=_reloader(app),
        fence=fence_of(app.config),
        protect=None if app.config["UPDATE_ALLOW_ASSERTED"] else protected_fingerprint,
        limit=REPLAY_LIMIT_FACTOR * float(app.config["QUERY_TIMEOUT"]),
    )


def _reloader(app: Flask) -> Callable[[], None] | None:
    """The served build, reloaded through `replace_store`; none for a given `STORE`."""
    if app.config.get("STORE") is not None or not app.config.get("BUILD_DIR"):
        return None
    return lambda: replace_store(app, Path(app.config["BUILD_DIR"]))


def replace_store(app: Flask, build: Path) -> None:
    """Serve a fresh store of `build` from the next request on: the one way the served store
    changes (a `--dev` rebuild, a reload when the update log changed under us).

    The update log is replayed onto it before anyone sees it, so accepted updates outlive a
    rebuild; when a record fails, `UpdateLogError` and the old store serves on. No cache is
    dropped: each is keyed by the store's version, `{build}+{records replayed}-{their crc}`.
    """
    app.config["BUILD_DIR"] = str(build)  # what a reload opens: a build removes older ones
    store_dir = app.config.get("STORE_DIR")
    new = Store.open(build, Path(store_dir) if store_dir else None)  # as `store.init_app`
    updates: UpdateLog | None = app.extensions.get(EXTENSION)
    if updates is None:
        app.extensions[STORE] = new
        return
    with updates.lock:  # no update lands on the old store between the replay and the swap
        updates.adopt(new)
        app.extensions[STORE] = new


def get_store_of(app: Flask) -> Backend:
    with app.app_context():
        return get_store()
