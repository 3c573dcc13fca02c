"""Static files and npm assets under content-hashed names (issue 15, item 7): cached for a year
under the hashed name, revalidated under the plain one, and a new file gets a new name."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from alliance_kg import package_data
from alliance_kg.pages.static_files import IMMUTABLE, asset_url, hashed_name, plain_name
from alliance_kg.project import Project
from alliance_kg.store.embedded import Store

from .pages_support import HTML, essay_app

STATIC = Path(package_data.PACKAGE) / "static"
LINKED = re.compile(r'(?:href|src)="(/(?:static|assets)/[^"]+)"')


@pytest.fixture(scope="module")
def app(built: Project) -> Flask:
    return essay_app(Store.open(built.build_dir / "current"))


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=5).hexdigest()


def test_names_carry_the_digest_of_the_bytes() -> None:
    site = STATIC / "site.css"
    assert hashed_name("site.css", site) == f"site.{_digest(site)}.css"
    assert plain_name(f"site.{_digest(site)}.css") == ("site.css", _digest(site))
    assert plain_name("yasgui.min.js") == ("yasgui.min.js", None)
    cytoscape = package_data.asset_path("cytoscape.min.js")
    assert plain_name(hashed_name("cytoscape.min.js", cytoscape)) == (
        "cytoscape.min.js",
        _digest(cytoscape),
    )


def test_pages_link_hashed_static_files_cached_for_a_year(client: FlaskClient) -> None:
    html = client.get("/", headers=HTML).get_data(as_text=True)
    linked = LINKED.findall(html)
    css = f"/static/site.{_digest(STATIC / 'site.css')}.css"
    assert css in linked
    for url in linked:
        name = url.rsplit("/", 1)[1]
        assert plain_name(name)[1] is not None, url  # every file the page loads is hashed
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
    assert client.get(css).data == (STATIC / "site.css").read_bytes()


def test_plain_and_stale_names_answer_but_revalidate(client: FlaskClient) -> None:
    plain = client.get("/static/site.css")
    assert plain.status_code == 200
    assert plain.headers["Cache-Control"] == "no-cache"
    assert (
        client.get("/static/site.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code
        == 304
    )
    stale = client.get("/static/site.0123456789.css")
    assert stale.status_code == 200  # an old page's link still works, just not for a year
    assert stale.headers["Cache-Control"] == "no-cache"
    assert stale.data == plain.data


def test_npm_assets_have_hashed_urls_for_templates(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context("/"):
        url = asset_url("cytoscape.min.js")
    digest = _digest(package_data.asset_path("cytoscape.min.js"))
    assert url == f"/assets/cytoscape.min.{digest}.js"
    hashed = client.get(url)
    assert hashed.status_code == 200
    assert hashed.headers["Cache-Control"] == IMMUTABLE
    assert hashed.mimetype == "text/javascript"
    plain = client.get("/assets/cytoscape.min.js")
    assert plain.headers["Cache-Control"] == "no-cache"
    assert plain.data == hashed.data
    assert app.jinja_env.globals["asset_url"] is asset_url


@pytest.mark.parametrize(
    "path",
    [
        "/assets/not-an-asset.js",
        "/assets/package.json",
        "/static/missing.0123456789.css",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
    ],
)
def test_only_the_shipped_files_are_served(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404
