"""The browsing pages: entities, search, the essay reader, the timeline, home and query page.

One blueprint per page kind; each gets its data from named view queries (`queries/views/`).
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import NotFound

from .. import package_data
from ..sparql import http_policy
from ..store.backend import EXTENSION as STORE
from . import (
    argument,
    curation,
    dataset,
    entity,
    home,
    query_page,
    reader,
    search,
    static_files,
    terms,
    timeline,
)

TEMPLATES = (
    "argument.html",
    "base.html",
    "macros.html",
    "entity.html",
    "essay.html",
    "essays.html",
    "home.html",
    "not_found.html",
    "pager.html",
    "phase_nav.html",
    "query.html",
    "search.html",
    "sentence_panel.html",
    "timeline.html",
    "void.html",
)


def _template_globals() -> dict[str, object]:
    return {"query_examples": home.example_links, "kind_names": terms.SOURCES}


def init_app(app: Flask) -> None:
    """Register the page blueprints and what every page template may use."""
    package_data.check()  # a missing view query or asset stops the start, not a request
    blueprints = (
        home.bp,
        query_page.bp,
        search.bp,
        reader.bp,
        argument.bp,
        timeline.bp,
        curation.bp,
        dataset.bp,
        static_files.bp,
        entity.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    static_files.init_app(app)  # hashed static names, before any template is compiled
    app.context_processor(_template_globals)
    app.register_error_handler(404, not_found)
    app.add_template_filter(terms.term_html, "term")
    for name in TEMPLATES:  # compile now, not on the first visitor's request
        app.jinja_env.get_template(name)
    if app.config["WARM_PAGES"] and getattr(app.extensions[STORE], "directory", None) is None:
        warm(app)  # a store on disk is for size: its first answer must not wait for pages


def not_found(error: NotFound) -> Response:
    """Every unknown path: the styled page for browsers, the endpoint's plain text for others.

    A client that prefers HTML to plain text gets the page (with close matches); scripts and
    SPARQL clients keep the one text format of every other error (`http_policy`).
    """
    if entity.prefers_html():
        return entity.not_found("", request.path)
    status, message, extra = http_policy.error_reply(error, http_policy.request_id())
    response = http_policy.text_response(message, status)
    response.headers.extend(extra)
    return response


def warm(app: Flask) -> None:
    """Build the label and search indexes and the dataset-wide pages before the first request.

    They are rebuilt lazily whenever the dataset version changes (a new build, an update).
    """
    with app.test_request_context("/"):
        search.ranked("a")
        home.home()
        timeline.timeline()
        for source in reader.sources():
            reader.essay(source.slug)
            argument.argument_page(source.slug)
