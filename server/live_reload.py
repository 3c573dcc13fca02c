"""Live reload for `serve --dev`: rebuild when `ontology/`, `triples/` or `queries/` change.

A good build replaces the served store; a broken edit keeps the last good build serving and
shows the validation problems on every page, so a typo never takes the site down.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response
from markupsafe import escape

from . import store
from .build import build_project
from .problems import InvalidProject
from .project import Project

log = logging.getLogger(__name__)
EXTENSION = "alliance_kg.live_reload"


def watched_files(project: Project) -> dict[Path, float]:
    """Modification times of every file a build or a page reads from the project."""
    folders = (project.ontology_dir, project.triples_dir, project.queries_dir)
    return {
        path: path.stat().st_mtime
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file()
    }


@dataclass
class LiveReload:
    """What the watcher last saw, and the problems of the last failed build, if any."""

    project: Project
    snapshot: dict[Path, float] = field(default_factory=dict)
    failure: str | None = None

    def rebuild_if_changed(self, app: Flask) -> bool:
        """Rebuild after a change: serve the new build, or keep the old one and say why."""
        seen = watched_files(self.project)
        if seen == self.snapshot:
            return False
        self.snapshot = seen
        try:
            build = build_project(self.project)
        except InvalidProject as failure:
            self.failure = str(failure)
            log.warning("edit does not validate; still serving the last good build:\n%s", failure)
            return True
        app.extensions[store.EXTENSION] = store.Store.open(build)
        self.failure = None
        log.info("rebuilt and reloaded %s", build.name)
        return True


MAIN = b'<main id="main" tabindex="-1">'
BANNER = (
    '<section class="build-failure" role="alert"><h2>The last edit does not validate</h2>'
    "<p>The previous build is still being served. Fix these problems and save: the site "
    "rebuilds by itself.</p><pre>{}</pre></section>"
)


def attach(app: Flask, project: Project) -> LiveReload:
    """Keep a watcher on the app, and put its last failure at the top of every HTML page
    (after rendering, so cached pages show it too)."""
    watcher = LiveReload(project, watched_files(project))
    app.extensions[EXTENSION] = watcher

    @app.after_request
    def show_failure(response: Response) -> Response:
        if watcher.failure and response.mimetype == "text/html" and not response.direct_passthrough:
            banner = BANNER.format(escape(watcher.failure)).encode("utf-8")
            response.set_data(response.get_data().replace(MAIN, MAIN + banner, 1))
        return response

    return watcher


def init_app(app: Flask, project: Project, poll_seconds: float = 1.0) -> LiveReload:
    """Watch the project for changes in a daemon thread, rebuilding as they come."""
    watcher = attach(app, project)

    def watch() -> None:
        while True:
            time.sleep(poll_seconds)
            try:
                watcher.rebuild_if_changed(app)
            except Exception:  # a bug in one rebuild must not end live reload for the session
                log.exception("live reload failed; watching on")

    threading.Thread(target=watch, name="live-reload", daemon=True).start()
    return watcher
