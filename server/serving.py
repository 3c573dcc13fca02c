"""`alliance-kg serve`: the app under gunicorn (one-request workers, preloaded store), or `--dev`.

Why one request per worker: the time limit kills the worker of an overdue query (see
`timeouts.py`), so a worker must hold one request at a time. The worker class keeps connections
alive, which a sync worker cannot (see `gunicorn_worker.py`). The master loads the store once
before forking, so a replaced worker starts in milliseconds with the data already in memory.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from . import live_reload, store
from .app import create_app
from .config import SETTINGS_BY_NAME
from .gunicorn_worker import OneRequestWorker
from .project import Project

log = logging.getLogger(__name__)


class ProductionServer(BaseApplication):
    """gunicorn, configured in code, serving an app created (and its store loaded) up front."""

    def __init__(self, app: Flask, options: Mapping[str, Any]) -> None:
        self.application = app
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # older gunicorns lack control_socket_disable
                self.cfg.set(key, value)

    def load(self) -> Flask:
        return self.application


def gunicorn_options(config: Mapping[str, Any], backend: object = None) -> dict[str, Any]:
    """gunicorn's settings from the app's: one-request workers, backstop timeout, no line limit;
    workers that read `backend` once after the fork if it is the in-memory store."""
    timeout = float(config["QUERY_TIMEOUT"])
    return {
        "bind": f"{config['HOST']}:{config['PORT']}",
        "workers": int(config["WORKERS"]),
        "worker_class": OneRequestWorker,
        "threads": 1,
        "keepalive": int(config["KEEPALIVE"]),  # seconds an idle connection stays open
        "preload_app": True,
        "timeout": int(max(timeout * 2, timeout + 10)),  # only if the watchdog itself failed
        "graceful_timeout": 5,
        "limit_request_line": 0,  # MAX_REQUEST_BYTES applies instead, with a clear 414
        "accesslog": "-" if config["ACCESS_LOG"] else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "alliance-kg",
        "control_socket_disable": True,  # no management socket: nothing to reach but HTTP
        "worker_exit": leave_without_finalizers,
        "post_fork": own_the_store(backend),
    }


def own_the_store(backend: object) -> Callable[[object, object], None]:
    """A `post_fork` hook: a new worker reads every quad of the in-memory store once, before its
    first request.

    Reading Oxigraph's in-memory store writes to the quads it visits, so a worker forked after
    the load copies each shared page the first time a query reads it: hundreds of page faults a
    request until it owns them all, instead of one pass now (0.12 s at a million triples; at
    1M, events-and-years went from 3.5 to 1.5 ms a query in a forked process).
    """

    def hook(_arbiter: object, _worker: object) -> None:
        if isinstance(backend, store.Store):
            backend.read_every_quad()

    return hook


def leave_without_finalizers(_arbiter: object, worker: Any) -> None:
    """End a worker the way a forked child should, with `os._exit`.

    A normal exit runs finalizers in the worker, and the on-disk store's RocksDB handle that the
    master opened before the fork does not survive them: serving 10M triples from `STORE_DIR`,
    workers stopped by SIGTERM died of SIGSEGV. The worker's own exit status is kept, since
    gunicorn stops when workers fail to boot. gunicorn also calls this hook in the master, for a
    worker already gone: there it does nothing.
    """
    if worker.pid != os.getpid():
        return
    error = sys.exc_info()[1]
    if isinstance(error, SystemExit):
        status = error.code if isinstance(error.code, int) else 1
    else:
        status = 0 if error is None else 1
    logging.shutdown()
    os._exit(status)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` options; any other setting can be given as `--set NAME=VALUE`."""
    parser.add_argument("--host", help="interface to bind (default 127.0.0.1: loopback only)")
    parser.add_argument("--port", type=int, help="TCP port (default 8000)")
    parser.add_argument("--workers", type=int, help="gunicorn worker processes")
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


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in args.set:
        name, _, value = item.partition("=")
        setting = SETTINGS_BY_NAME.get(name.strip().upper())
        if setting is None:
            raise SystemExit(f"unknown setting {name!r}; see docs/endpoint.md")
        found[setting.name] = setting.parse(value)
    names = ("host", "port", "workers", "query_timeout", "update_token", "backend", "store_dir")
    for name in names:
        value = getattr(args, name)
        if value is not None:
            found[name.upper()] = value
    return found


def _build_of(project: Project) -> Path:
    current = project.build_dir / "current"
    if current.exists():
        return current.resolve()
    from .build import build_project  # noqa: PLC0415 - the pipeline loads only when needed

    log.warning("no build in %s: building first", project.build_dir)
    return build_project(project)


def run_serve(args: argparse.Namespace, project: Project) -> int:
    """Serve the project's current build (building it first if there is none)."""
    logging.getLogger("alliance_kg").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    overrides = {"INSTANCE_PATH": str(project.root / "instance"), **_overrides(args)}
    if not overrides.get("BACKEND"):
        overrides["BUILD_DIR"] = str(_build_of(project))
    app = create_app(overrides)
    if args.dev:
        if os.environ.get("WERKZEUG_RUN_MAIN") == "true":  # the reloader's serving child
            live_reload.init_app(app, project)
        app.run(app.config["HOST"], app.config["PORT"], use_reloader=True, threaded=True)
        return 0
    options = gunicorn_options(app.config, app.extensions.get(store.EXTENSION))
    ProductionServer(app, options).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m alliance_kg.serving --project DIR ...`, for tests and benchmarks."""
    parser = argparse.ArgumentParser(prog="python -m alliance_kg.serving")
    parser.add_argument("--project", help="project folder (default: the current folder)")
    add_serve_arguments(parser)
    args = parser.parse_args(argv)
    return run_serve(args, Project.locate(args.project))


if __name__ == "__main__":
    sys.exit(main())
