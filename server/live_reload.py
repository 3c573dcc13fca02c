"""Live reload for `serve --dev`: rebuild when `ontology/`, `triples/` or `queries/` change.

A good build replaces the served store, with the update log replayed onto it; a broken edit, or
a build the log no longer replays onto, keeps the last good store serving and shows why on every
page, so a typo never takes the site down and an accepted update is never lost.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, jsonify
from markupsafe import escape

from .pipeline.problems import InvalidProject
from .project import Project
from .sparql.update_log import UpdateLogError
from .sparql.updates import replace_store
from .store import backend as store

log = logging.getLogger(__name__)
EXTENSION = "alliance_kg.live_reload"
END_OF_BODY = b"</body>"
# every page polls /_dev/version and reloads itself after a rebuild (static/live.js)
RELOADER = b'<script src="/static/live.js" defer></script>\n'


def watched_files(project: Project) -> dict[Path, float]:
    """Modification times of every file a build or a page reads from the project."""
    folders = (project.ontology_dir, project.triples_dir, project.queries_dir)
    return {
        path: path.stat().st_mtime
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file()
    }


MAIN = b'<main id="main" tabindex="-1">'
BANNER = (
    '<section class="build-failure" role="alert"><h2>{}</h2>'
    "<p>The previous build is still being served. {}</p><pre>{}</pre></section>"
)


@dataclass(frozen=True)
class Failure:
    """Why the last build is not served: a heading, what to do, the problems themselves."""

    heading: str
    advice: str
    problems: str
    kept: store.Backend | None = None  # the store served instead, when the log stood in the way

    def banner(self) -> bytes:
        return BANNER.format(*map(escape, (self.heading, self.advice, self.problems))).encode()


INVALID = ("The last edit does not validate", "Fix these problems and save: the site rebuilds.")
UNREPLAYABLE = (
    "The update log does not replay onto the new build",
    "Every accepted update is still served. Drop the record named below, or change the edit "
    "and save: the site follows either by itself.",
)


@dataclass
class LiveReload:
    """What the watcher last saw, and why the last build is not served, if it is not."""

    project: Project
    snapshot: dict[Path, float] = field(default_factory=dict)
    failure: Failure | None = None

    def rebuild_if_changed(self, app: Flask) -> bool:
        """Rebuild after a change: serve the new build, or keep the old one and say why."""
        seen = watched_files(self.project)
        if seen == self.snapshot:
            return False
        self.snapshot = seen
        try:
            from .pipeline.build import build_project  # noqa: PLC0415 - not in a server's start

            build = build_project(self.project)
            replace_store(app, build)
        except InvalidProject as problems:
            self.failure = Failure(*INVALID, str(problems))
            log.warning("edit does not validate; still serving the last good build:\n%s", problems)
            return True
        except UpdateLogError as problems:
            self.failure = Failure(*UNREPLAYABLE, str(problems), app.extensions[store.EXTENSION])
            log.warning(
                "the log does not replay onto the new build; serving the last:\n%s", problems
            )
            return True
        self.failure = None
        log.info("rebuilt and reloaded %s", build.name)
        return True

    def shown(self, app: Flask) -> Failure | None:
        """The failure to show: one about the log is over once another store serves (the
        update log's reload after `updates repair` or `reset`)."""
        failure = self.failure
        served = app.extensions[store.EXTENSION]
        if failure and failure.kept is not None and failure.kept is not served:
            self.failure = failure = None
        return failure


def attach(app: Flask, project: Project) -> LiveReload:
    """Keep a watcher on the app, and put its last failure at the top of every HTML page
    (after rendering, so cached pages show it too)."""
    watcher = LiveReload(project, watched_files(project))
    app.extensions[EXTENSION] = watcher

    @app.after_request
    def show_failure(response: Response) -> Response:
        if response.mimetype != "text/html" or response.direct_passthrough:
            return response
        page = response.get_data()
        failure = watcher.shown(app)
        if failure:
            page = page.replace(MAIN, MAIN + failure.banner(), 1)
        response.set_data(page.replace(END_OF_BODY, RELOADER + END_OF_BODY, 1))
        return response

    def dev_version() -> Response:
        """The served dataset's version and why the last build is not served, if it is not:
        pages poll it to reload after a rebuild, and to show a broken edit's problems."""
        failure = watcher.shown(app)
        answer = jsonify(
            {
                "version": app.extensions[store.EXTENSION].version,
                "error": failure and {"heading": failure.heading, "problems": failure.problems},
            }
        )
        answer.headers["Cache-Control"] = "no-store"
        return answer

    app.add_url_rule("/_dev/version", "dev_version", dev_version, methods=["GET"])
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
