"""The browsing pages: entities, search, the essay reader, the timeline, home and query page.

One blueprint per page kind; each gets its data from named view queries (`queries/views/`).
"""

from __future__ import annotations

from flask import Flask

from .. import package_data
from . import argument, curation, entity, home, query_page, reader, search, terms, timeline

TEMPLATES = (
    "argument.html",
    "base.html",
    "macros.html",
    "entity.html",
    "essay.html",
    "essays.html",
    "home.html",
    "not_found.html",
    "query.html",
    "search.html",
    "timeline.html",
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
        entity.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.context_processor(_template_globals)
    app.add_template_filter(terms.term_html, "term")
    for name in TEMPLATES:  # compile now, not on the first visitor's request
        app.jinja_env.get_template(name)
    if app.config["WARM_PAGES"]:
        warm(app)


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
