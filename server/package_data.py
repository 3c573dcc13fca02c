"""The files the web layer reads from the package itself: view and example queries, assets;
and the report queries of `alliance-kg report`.

In a checkout, `server/queries` and `server/node_modules` are links to the project's `queries/`
and to the `node_modules/` that `npm ci` fills, so an editable install reads them in place. A
wheel holds copies of the same files at the same places (setup.cfg's `package_data`). So this
module finds them one way, installed or not: beside itself, never through the checkout's root,
a project or the current folder. A missing file stops the start (`check`), not a request.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent

# The named queries the web layer runs: the pages' panels, and VoID and the service description.
VIEW_NAMES = (
    "argument-claims",
    "argument-links",
    "class-hierarchy",
    "class-instances",
    "curation-classes",
    "curation-individuals",
    "curation-properties",
    "entity-incoming",
    "entity-outgoing",
    "entity-provenance",
    "essay-facts",
    "essay-segments",
    "essay-sources",
    "graph-size",
    "home-counts",
    "home-kinds",
    "labels",
    "ontology-terms",
    "property-usage",
    "resource-kinds",
    "search-facts",
    "sentence-facts",
    "timeline-issues",
    "timeline-items",
    "timeline-phases",
    "timeline-sentences",
    "void-classes",
    "void-graphs",
    "void-properties",
)

# Front-end files the pages load, by the name they are served under at `/assets/`; setup.cfg
# names the same files, the only ones of `node_modules` that a wheel holds.
ASSETS: dict[str, str] = {
    "yasgui.min.js": "@zazuko/yasgui/build/yasgui.min.js",
    "yasgui.min.css": "@zazuko/yasgui/build/yasgui.min.css",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
}


class MissingPackageData(RuntimeError):
    """The package lacks a file it ships with: a wheel built before `npm ci`, or a broken copy."""


def view_path(name: str) -> Path:
    """The view query file `queries/views/{name}.rq`."""
    return PACKAGE / "queries" / "views" / f"{name}.rq"


def example_paths() -> list[Path]:
    """The example queries offered on the query page, `queries/examples/*.rq`."""
    return sorted((PACKAGE / "queries" / "examples").glob("*.rq"))


def report_query_paths() -> list[Path]:
    """The smells `alliance-kg report` looks for besides validation, `queries/report/*.rq`."""
    return sorted((PACKAGE / "queries" / "report").glob("*.rq"))


def asset_path(name: str) -> Path:
    """The file served at `/assets/{name}` (a `KeyError` for a name not in `ASSETS`)."""
    return PACKAGE / "node_modules" / ASSETS[name]


def missing() -> list[str]:
    """The files the package should hold and does not, relative to the package."""
    wanted = [*(view_path(name) for name in VIEW_NAMES), *map(asset_path, ASSETS)]
    absent = [str(path.relative_to(PACKAGE)) for path in wanted if not path.is_file()]
    if not example_paths():
        absent.append("queries/examples/*.rq")
    return absent


def check() -> None:
    """Stop the start with a message naming every missing file, and how to get it back."""
    absent = missing()
    if absent:
        raise MissingPackageData(
            f"the alliance_kg package at {PACKAGE} lacks files it ships with: "
            f"{', '.join(absent)}. In a checkout, run `npm ci` for the front-end assets; build "
            "a wheel only after it (README.md, Installing the package)."
        )
