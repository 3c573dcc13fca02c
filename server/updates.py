"""SPARQL 1.1 Update at `/update`: off unless a token is set, atomic, logged, replayed.

Accepted updates are appended to a log file (one JSON line each) under an exclusive file lock
after the engine applied them; every process replays lines it has not seen before it answers a
request, and a restart replays the whole log over the build. So gunicorn's workers agree, and
updates survive restarts. The dataset version becomes `{build}+{n}` after n updates, which
changes every ETag. What an update may touch is checked before it runs (see docs/endpoint.md).
"""

from __future__ import annotations

import fcntl
import hmac
import json
import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request
from rdflib.term import Variable
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from . import protocol
from .http_policy import text_response
from .project import GRAPH_NS
from .query_guard import Policy, Refused, check_fetches, check_shape, scan
from .results import policy
from .store import Backend, get_store

log = logging.getLogger(__name__)
bp = Blueprint("updates", __name__)

EXTENSION = "alliance_kg.updates"
DEFAULT = "DEFAULT"
ANY = "ANY"
ASSERTED_PREFIXES = tuple(
    GRAPH_NS + name
    for name in ("ontology", "text/", "source/", "background", "provenance", "inferred")
)
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


class UpdateLog:
    """The accepted updates of one dataset, shared by every process through a file."""

    def __init__(self, path: Path, store: Backend) -> None:
        self.path = path
        self.store = store
        self.base_version = store.version
        self.offset = 0
        self.count = 0
        self.lock = threading.RLock()  # `--dev` serves requests in threads
        self.sync()

    def sync(self) -> None:
        """Apply the lines other processes (or earlier runs) appended since the last look."""
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size != self.offset:
            with self.lock:
                self._replay(size)

    def _replay(self, size: int) -> None:
        if size <= self.offset:
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            pending = handle.read(size - self.offset)
        for line in pending.splitlines(keepends=True):
            if not line.endswith(b"\n"):
                break  # a writer is mid-line: the next look gets it whole
            self.offset += len(line)
            self.count += 1
            try:
                self.store.update(json.loads(line)["update"])
            except (SyntaxError, ValueError, KeyError, OSError) as error:
                log.error(
                    "update log %s, entry %d failed on replay: %s", self.path, self.count, error
                )
        self.store.version = f"{self.base_version}+{self.count}"

    def apply(self, text: str) -> None:
        """Run one update atomically here, then record it for the other processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.lock, self.path.open("ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                self.sync()
                try:
                    self.store.update(text)  # transactional in the engine
                except SyntaxError as error:
                    raise Refused(f"Syntax error: {error}") from None
                except RuntimeError as error:  # the engine's evaluation errors, rolled back
                    raise Refused(f"The update failed and changed nothing: {error}") from None
                entry = {"time": datetime.now(UTC).isoformat(), "update": text}
                line = json.dumps(entry, ensure_ascii=False).encode() + b"\n"
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
                self.offset += len(line)
                self.count += 1
                self.store.version = f"{self.base_version}+{self.count}"
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def is_asserted(graph: str, built: dict[str, int]) -> bool:
    """The build's own graphs, and any graph named like one, are asserted knowledge."""
    return graph in built or graph.startswith(ASSERTED_PREFIXES)


def _targets(operation: object) -> list[str]:
    """The graphs an update operation writes: IRIs, DEFAULT, or ANY when it cannot be known."""
    name = getattr(operation, "name", "")
    if name in ("InsertData", "DeleteData", "DeleteWhere"):
        return _template_targets(operation, None)
    if name == "Modify":
        found: list[str] = []
        with_graph = dict.get(operation, "withClause")  # CompValue.get answers its key's name
        for part in ("delete", "insert"):
            if dict.get(operation, part) is not None:
                found += _template_targets(operation[part], with_graph)
        return found
    if name in ("Clear", "Drop", "Create"):
        graph = operation["graphiri"]
        return [ANY if graph in ("NAMED", "ALL") else str(graph)]
    if name in ("Add", "Copy"):
        return [str(operation["graph"][1])]
    if name == "Move":
        return [str(graph) for graph in operation["graph"]]
    return [ANY]


def _template_targets(template: object, with_graph: object) -> list[str]:
    found = [ANY if isinstance(graph, Variable) else str(graph) for graph in template["quads"]]
    if dict.get(template, "triples"):
        found.append(str(with_graph) if with_graph is not None else DEFAULT)
    return found


def check_update(text: str, policy: Policy, built: dict[str, int], allow_asserted: bool) -> str:
    """Refuse what may fetch, replay differently or touch asserted graphs; fix NOW()."""
    found = scan(text)
    check_shape(found, policy)
    check_fetches(found, policy)
    if found.nondeterministic:
        raise Refused(
            f"{found.nondeterministic[0]}() is refused in updates: the update log replays each "
            "update in every worker, and a random value would differ between them."
        )
    try:
        ox.Store().update(text)  # the engine's own parser and messages, on an empty scratch store
    except SyntaxError as error:
        raise Refused(f"Syntax error: {error}") from None
    except RuntimeError:
        pass  # an evaluation error on empty data; the real run decides
    from pyparsing import ParseBaseException  # noqa: PLC0415 - rdflib's parser takes 0.4 s to load
    from rdflib.plugins.sparql.algebra import translateUpdate  # noqa: PLC0415
    from rdflib.plugins.sparql.parser import parseUpdate  # noqa: PLC0415

    try:
        operations = translateUpdate(parseUpdate(text)).algebra
    except (ParseBaseException, ValueError, KeyError, Exception) as error:
        # rdflib raises bare Exception for an unknown prefix; the text already parsed above
        raise Refused(f"This update could not be analysed for safety: {error}") from None
    if not allow_asserted:
        for operation in operations:
            for graph in _targets(operation):
                if graph == ANY or (graph != DEFAULT and is_asserted(graph, built)):
                    shown = "every graph" if graph == ANY else graph
                    raise Forbidden(
                        f"This update may change {shown}; the built graphs are read-only "
                        "(UPDATE_ALLOW_ASSERTED). Write to the default graph or a graph of "
                        "your own, named explicitly."
                    )
    return _fix_now(text, found.now_spans)


def _fix_now(text: str, spans: tuple[tuple[int, int], ...]) -> str:
    """NOW() is one instant per update: write it down, so replays give the same value."""
    if not spans:
        return text
    now = f'"{datetime.now(UTC).isoformat()}"^^<{XSD_DATETIME}>'
    for start, end in reversed(spans):
        text = f"{text[:start]}{now}{text[end:]}"
    return text


def authorise() -> None:
    """401 without a Bearer token, 403 with a wrong one or when updates are off."""
    if not get_store().updatable:
        raise Forbidden(
            "This server reads a remote store (BACKEND): send updates to that store itself."
        )
    token = current_app.config["UPDATE_TOKEN"]
    if not token:
        raise Forbidden(
            "Updates are off. Start the server with --update-token TOKEN (or set "
            "ALLIANCE_KG_UPDATE_TOKEN) and send 'Authorization: Bearer TOKEN'."
        )
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer TOKEN' to update.",
            www_authenticate=WWWAuthenticate("Bearer", {"realm": "alliance-kg"}),
        )
    if not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        raise Forbidden("The update token is wrong.")


def run_update(params: protocol.Params) -> Response:
    """Authorise, check and apply the `update` parameter of a request."""
    authorise()
    text = params.one("update")
    if text is None:
        raise Refused(
            "Send the update as the 'update' parameter or an application/sparql-update body."
        )
    store = get_store()
    checked = check_update(
        text, policy(store), store.graphs, current_app.config["UPDATE_ALLOW_ASSERTED"]
    )
    updates: UpdateLog = current_app.extensions[EXTENSION]
    updates.apply(checked)
    return text_response(f"Update applied; the dataset version is now {store.version}.", 200)


@bp.route("/update", methods=["POST"])
def update() -> Response:
    return run_update(protocol.body_params("/update"))


def _sync() -> None:
    current_app.extensions[EXTENSION].sync()


def init_app(app: Flask) -> None:
    """Open (and replay) the update log of the app's store; keep every request up to date."""
    app.register_blueprint(bp)
    store = get_store_of(app)
    if not store.updatable:
        return
    configured = app.config.get("UPDATE_LOG")
    path = Path(configured) if configured else Path(app.instance_path) / "updates.log"
    app.extensions[EXTENSION] = UpdateLog(path, store)
    app.before_request(_sync)


def get_store_of(app: Flask) -> Backend:
    with app.app_context():
        return get_store()
