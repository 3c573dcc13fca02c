"""The argument map: `/argument` and `/argument/<slug>`, and `/argument/<slug>.json`.

A source's claims drawn as SVG on the server (no script, no CDN): the thesis, then the claims
by their number of links from it, each box a link to its sentence in the reader; under it the
same map as a table, for screen readers and for copying, and as JSON for programs.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template
from werkzeug.exceptions import NotFound

from ..project import source_iri
from . import argument_map, claims, page_cache, reader, views
from .claims import RELATIONS, Argument, Claim
from .terms import Term

bp = Blueprint("argument", __name__)

KINDS = ("Assessment", "Report", "ReportedAttitude", "Prescription", "Generalisation")
VIEWS = ("argument-claims", "argument-links")


def _source(slug: str) -> reader.Source | None:
    return next((source for source in reader.sources() if source.slug == slug), None)


@bp.route("/argument", methods=["GET", "HEAD"])
def argument_index() -> str | Response:
    """The map of the essay while there is one source, else the list of sources."""
    found = reader.sources()
    if len(found) == 1:
        return argument_page(found[0].slug)
    return render_template("argument.html", sources=found, source=None)


@bp.route("/argument/<slug>", methods=["GET", "HEAD"])
def argument_page(slug: str) -> str | Response:
    """One source's argument: the map, its legend, and the table of claims."""
    source = _source(slug)
    if source is None:
        raise NotFound()  # the site's 404: a styled page for browsers, text for others
    return page_cache.cached(f"argument/{slug}", lambda: _render(source))


def _render(source: reader.Source) -> str:
    argument = claims.argument(source.iri, reader.sentence_texts(source.iri))
    author = source.author.value if source.author else None
    drawn = argument_map.draw(argument, author)
    node = ox.NamedNode(source.iri)
    return render_template(
        "argument.html",
        source=source,
        argument=argument,
        map=drawn,
        distance=_distances(argument),
        relations=RELATIONS,
        kinds=_kind_legend(argument),
        queries={name: views.sparql_href(name, source=node) for name in VIEWS},
    )


def _distances(argument: Argument) -> dict[Claim, str]:
    """How far each claim is from the thesis, in words for the table."""
    if argument.thesis is None:
        return {claim: "" for claim in argument.claims}
    found = argument_map.distances(argument)
    words = {0: "", 1: "1 link from the thesis"}
    return {
        claim: words.get(found[claim], f"{found[claim]} links from the thesis")
        if claim in found
        else "not linked to the thesis"
        for claim in argument.claims
    }


def _kind_legend(argument: Argument) -> list[tuple[str, str]]:
    """The claim kinds the map uses, as (CSS class, label), in a fixed order."""
    seen = {claim.kind_class: claim.kind.text for claim in argument.claims if claim.kind}
    order = {"kind-" + name.lower(): index for index, name in enumerate(KINDS)}
    return sorted(seen.items(), key=lambda item: (order.get(item[0], len(order)), item[1]))


def _claim_json(claim: Claim, layer: int | None) -> dict[str, object]:
    def value(term: Term | None) -> dict[str, str] | None:
        return {"iri": term.value, "label": term.text} if term is not None else None

    return {
        "iri": claim.term.value,
        "label": claim.term.text,
        "thesis": claim.thesis,
        "kind": value(claim.kind),
        "factuality": value(claim.factuality),
        "holder": value(claim.holder),
        "cue": claim.cue,
        "sentence": claim.sentence,
        "reader": claim.reader_href,
        "page": claim.term.href,
        "linksFromThesis": layer,
    }


@bp.route("/argument/<slug>.json", methods=["GET", "HEAD"])
def argument_json(slug: str) -> Response:
    """The same claims and links as JSON: the map's machine-readable twin."""
    source = _source(slug)
    if source is None:
        answer = jsonify({"error": f"no source {source_iri(slug)}"})
        answer.status_code = 404
        return answer
    argument = claims.argument(source.iri, reader.sentence_texts(source.iri))
    found = argument_map.distances(argument)
    return jsonify(
        {
            "source": source.iri,
            "thesis": argument.thesis.term.value if argument.thesis else None,
            "claims": [_claim_json(c, found.get(c)) for c in argument.claims],
            "links": [
                {
                    "from": link.source.term.value,
                    "relation": link.iri,
                    "to": link.target.term.value,
                    "sentence": link.sentence,
                }
                for link in argument.links
            ],
        }
    )
