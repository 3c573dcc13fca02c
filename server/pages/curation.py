"""Curation from the browser: suggest names, and add or remove facts through the validated edit.

`GET /curation/suggest` ranks individuals and ontology terms by label for an autocomplete,
filtered by the subject's types (a property's domain) or a property's range; its data is the
built store, through the `curation-*` views. `POST /curation/facts` resolves names as
`import-template` does and applies them with `fact_edits.apply_edit`, which checks the edit
with every rule of `validate` before any file is written. Both answer only under `serve --dev`
(to loopback, from this site) or to a request carrying the update token, since they write the
project's sources.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

from .. import live_reload
from ..authoring.fact_edits import EditError, apply_edit
from ..authoring.name_lookup import Unresolved
from ..pipeline.problems import Problem
from ..project import Project
from ..sparql.call import Call
from ..sparql.updates import authorise
from .curation_edits import BadRequest, accepted, read_edit
from .curation_suggest import suggestions

bp = Blueprint("curation", __name__, url_prefix="/curation")

EDITING = threading.Lock()  # one edit at a time: each is checked against the files it replaces


# -- who may curate ----------------------------------------------------------------------------


def _dev() -> bool:
    """`serve --dev` attaches the live reloader, which rebuilds after every saved edit."""
    return live_reload.EXTENSION in current_app.extensions


LOOPBACK_NAMES = ("localhost",)


def _is_loopback(host: str | None) -> bool:
    """A host name or address that can only mean this machine."""
    if not host:
        return False
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _from_this_machine() -> bool:
    """Loopback, addressed by a loopback name, and not a script of another site. The Host and
    Origin headers both come from the browser, so each must name this machine on its own: a
    name rebound to 127.0.0.1 (DNS rebinding) matches itself, never a loopback name."""
    if not _is_loopback(request.remote_addr):
        return False
    if not _is_loopback(urlsplit(f"//{request.host}").hostname):
        return False
    origin = request.headers.get("Origin")
    return origin is None or _is_loopback(urlsplit(origin).hostname)


def project_of_app() -> Project | None:
    """The project the app serves: the live reloader's under --dev, else the project whose
    `build/` holds the served build (`serve` serves `build/current` of its project)."""
    watcher = current_app.extensions.get(live_reload.EXTENSION)
    if watcher is not None:
        return watcher.project
    build = current_app.config.get("BUILD_DIR")
    if not build:
        return None
    root = Path(build).resolve().parent
    project = Project(root.parent)
    if root.name != "build" or not project.ontology_dir.is_dir():
        return None
    return project if project.triples_dir.is_dir() else None


def _refusal() -> Response | None:
    """None when this request may curate; else the 401, 403 or 404 to answer with. Without
    --dev, the update token decides, checked as `/update` checks it."""
    if not (_dev() and _from_this_machine()):
        try:
            authorise(Call(request._get_current_object(), current_app._get_current_object()))
        except HTTPException as error:
            answer = _error(error.code or 403, str(error.description))
            answer.headers.extend(
                (k, v) for k, v in error.get_headers() if k.lower() != "content-type"
            )
            return answer
    project = project_of_app()
    if project is None or not os.access(project.triples_dir, os.W_OK):
        return _error(404, "This server knows no project folder it may write to.")
    return None


def _error(status: int, message: str) -> Response:
    answer = jsonify({"error": message})
    answer.status_code = status
    return answer


@bp.route("/suggest", methods=["GET"])
def suggest() -> Response:
    """Ranked names for the reader's curation panel: `q`, `kind`, and `subject` (a property's
    domain) or `property` (its range) to filter by, `source` to rank its individuals first."""
    refused = _refusal()
    if refused is not None:
        return refused
    try:
        return jsonify(suggestions(request.args))
    except ValueError as error:
        return _error(400, str(error))


@bp.route("/facts", methods=["POST"])
def facts() -> Response:
    """Add, remove and declare in one sentence's graph, all or nothing: 200 with what changed,
    or 422 with the problems `validate` would report, and no file changed."""
    refused = _refusal()
    project = project_of_app()
    if refused is not None or project is None:
        return refused or _error(404, "no project")
    body = request.get_json(silent=True)
    if not request.is_json or not isinstance(body, dict):
        return _error(415 if not request.is_json else 400, "send a JSON object (application/json)")
    return _apply(project, body)


def _apply(project: Project, body: dict) -> Response:
    """Resolve the request's names, then check and write the edit, one edit at a time."""
    dry_run = bool(body.get("dry_run"))
    file = f"triples/{str(body.get('source') or '').strip('<>').rsplit('/', 1)[-1]}.trig"
    try:
        edit, mistakes = read_edit(project, body)
        if mistakes:
            return _refused(mistakes)
        with EDITING:
            outcome = apply_edit(project, [edit], dry_run=dry_run)
    except BadRequest as error:
        return _error(400, str(error))
    except (EditError, Unresolved) as error:
        return _refused([Problem(file, None, "edit", None, str(error))])
    if not outcome.accepted:
        return _refused(outcome.problems)
    return jsonify(accepted(project, edit, outcome, dry_run=dry_run, dev=_dev()))


def _refused(problems: list[Problem]) -> Response:
    """422 with each problem as `validate` reports it: its fields, and the line it prints."""
    shown = [{**vars(problem), "text": str(problem)} for problem in problems]
    answer = jsonify({"accepted": False, "problems": shown, "written": []})
    answer.status_code = 422
    return answer
