"""`alliance-kg serve`: the app behind the asynchronous front and its query workers, or `--dev`.

The front (`http_front.py`) holds every client connection and reads whole requests; workers
forked from it, with the store already loaded, run one request at a time in a sandbox
(`query_worker.py`, `sandbox.py`) and are replaced when they pass their deadline or memory
ceiling. `--dev` runs Flask's own server with the reloader instead, for development only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .app import create_app
from .cli import reported
from .config import SETTINGS_BY_NAME, SettingsError, load, memory_limit_bytes, named, value_of
from .front.backend_relay import BackendAddress, start_relay
from .front.http_front import Connection, Front, Limits
from .front.query_worker import WorkerSettings, WSGIApp
from .front.sandbox import check_available
from .front.worker_pool import WorkerPool
from .project import Project
from .sparql.updates import EXTENSION as UPDATES
from .store import backend as store
from .store.embedded import Store
from .store.memory import available_bytes
from .store.placement import place

log = logging.getLogger(__name__)
LISTEN_BACKLOG = 1024
MAX_HEAD_BYTES = 64 * 1024


def serve_wsgi(
    wsgi: WSGIApp,
    config: Mapping[str, Any],
    backend: object = None,
    before_fork: Callable[[], None] = lambda: None,
) -> None:
    """Serve `wsgi` on HOST:PORT until SIGTERM or SIGINT: the front here, workers forked."""
    check_available()
    listener = socket.create_server(
        (config["HOST"], int(config["PORT"])), backlog=LISTEN_BACKLOG, reuse_port=False
    )
    limits = Limits(
        read_timeout=float(config["REQUEST_READ_TIMEOUT"]),
        keepalive=float(config["KEEPALIVE"]),
        max_request_bytes=int(config["MAX_REQUEST_BYTES"]),
        max_head_bytes=MAX_HEAD_BYTES,
        max_connections=int(config["MAX_CONNECTIONS"]),
        cors_origin=str(config["CORS_ALLOW_ORIGIN"]),
        access_log=bool(config["ACCESS_LOG"]),
    )
    workers = int(config["WORKERS"])
    settings = WorkerSettings(
        server=(str(config["HOST"]), int(config["PORT"])),
        memory_limit_bytes=memory_limit_bytes(config),
        relay=str(Path(tempfile.mkdtemp(prefix="alliance-kg-")) / "backend.sock")
        if config.get("BACKEND")
        else None,
        prepare=lambda: own_the_store(backend),
    )
    front: Front | None = None

    def inherited() -> list[int]:
        return [listener.fileno(), *(front.socket_fds() if front else [])]

    pool = WorkerPool(
        wsgi, settings, workers, float(config["QUERY_TIMEOUT"]), before_fork, inherited
    )
    front = Front(pool, limits)
    try:
        asyncio.run(_run(front, listener, config.get("BACKEND")))
    finally:
        if settings.relay is not None:
            shutil.rmtree(Path(settings.relay).parent, ignore_errors=True)


async def _run(front: Front, listener: socket.socket, backend: str | None) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    relay = front.pool.settings.relay
    if backend and relay:
        await start_relay(relay, BackendAddress.of(backend))
    await front.pool.start()
    server = await loop.create_server(lambda: Connection(front), sock=listener)
    host, port = listener.getsockname()[:2]
    log.info(
        "serving on http://%s:%d with %d workers; each query may use %d MiB and %g s",
        host,
        port,
        front.pool.size,
        front.pool.settings.memory_limit_bytes // (1024 * 1024),
        front.pool.deadline,
    )
    try:
        await stop.wait()
    finally:
        server.close()
        front.pool.stop()
        log.info("stopped")


def own_the_store(backend: object) -> None:
    """A new worker reads every quad of the in-memory store once, before its first request.

    Reading Oxigraph's in-memory store writes to the quads it visits, so a worker forked after
    the load copies each shared page the first time a query reads it: hundreds of page faults a
    request until it owns them all, instead of one pass now (0.12 s at a million triples; at
    1M, events-and-years went from 3.5 to 1.5 ms a query in a forked process).
    """
    if isinstance(backend, Store):
        backend.read_every_quad()


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` options; any other setting can be given as `--set NAME=VALUE`."""
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1: loopback only)")
    parser.add_argument("--port", type=int, help="TCP port (default 8000)")
    parser.add_argument("--workers", type=int, help="query worker processes")
    parser.add_argument("--query-timeout", type=float, help="seconds a query may run (30)")
    parser.add_argument(
        "--store-dir", help="on-disk store folder, loaded once per build (default: in memory)"
    )
    parser.add_argument(
        "--update-token", help="enable SPARQL Update at /update for 'Authorization: Bearer TOKEN'"
    )
    parser.add_argument(
        "--backend",
        metavar="sparql+http://HOST/sparql",
        help="serve a remote SPARQL store (filled by `alliance-kg publish`), not the embedded one",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any setting of docs/endpoint.md, e.g. --set MAX_RESULT_ROWS=5000",
    )
    parser.add_argument(
        "--dev",
        action="store_true",
        help="Flask's server with the auto-reloader, rebuilding on edits to the project's files",
    )


SHORTCUTS = ("host", "port", "workers", "query_timeout", "update_token", "backend", "store_dir")


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given on the command line, each checked: `--set NAME=VALUE`, then the
    shortcut flags (`--port`...), which win."""
    found: dict[str, Any] = {}
    for item in args.set:
        name, equals, value = item.partition("=")
        if not equals:
            raise SettingsError(f"--set {item}: expected NAME=VALUE, e.g. MAX_RESULT_ROWS=5000")
        setting = named(name.strip().upper(), "--set")
        found[setting.name] = value_of(setting, value, "--set")
    for flag in SHORTCUTS:
        value = getattr(args, flag)
        if value is not None:
            setting = SETTINGS_BY_NAME[flag.upper()]
            found[setting.name] = value_of(setting, value, "--" + flag.replace("_", "-"))
    return found


def _build_of(project: Project) -> Path:
    current = project.build_dir / "current"
    if current.exists():
        return current.resolve()
    from .pipeline.build import build_project  # noqa: PLC0415 - the pipeline loads only when needed

    log.warning("no build in %s: building first", project.build_dir)
    return build_project(project)


def run_serve(args: argparse.Namespace, project: Project) -> int:
    """Serve `BUILD_DIR` or `BACKEND` if a setting names one, else the project's current build
    (building it first if there is none)."""
    logging.getLogger("alliance_kg").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    settings = load(_overrides(args), instance=str(project.root / "instance"))
    own_build = not settings["BUILD_DIR"] and not settings["BACKEND"]
    if own_build:
        settings["BUILD_DIR"] = str(_build_of(project))
    elif settings["BUILD_DIR"]:
        log.info("serving BUILD_DIR %s, not the project's build", settings["BUILD_DIR"])
    if settings["BUILD_DIR"] and not settings["BACKEND"] and not args.dev:
        placement = place(Path(settings["BUILD_DIR"]), settings, available_bytes())
        settings["STORE_DIR"], settings["WORKERS"] = placement.store_dir, placement.workers
    app = create_app(settings)  # loaded once: the instance file runs once
    if args.dev:
        if own_build and os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # the reloader's child
            from . import live_reload  # noqa: PLC0415 - it brings the pipeline: --dev only

            live_reload.init_app(app, project)
        app.run(app.config["HOST"], app.config["PORT"], use_reloader=True, threaded=True)
        return 0
    updates = app.extensions.get(UPDATES)
    serve_wsgi(
        app,
        app.config,
        app.extensions.get(store.EXTENSION),
        before_fork=updates.sync if updates is not None else lambda: None,
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m alliance_kg.serving --project DIR ...`, for tests and benchmarks."""
    parser = argparse.ArgumentParser(prog="python -m alliance_kg.serving")
    parser.add_argument("--project", help="project folder (default: the current folder)")
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    return reported(lambda: run_serve(args, Project.locate(args.project)))


if __name__ == "__main__":
    sys.exit(main())
