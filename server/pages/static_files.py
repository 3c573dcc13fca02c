"""Static files and npm assets under names that carry a digest of their bytes.

Front-end assets come from the npm registry (`npm ci`, see `package.json`) and ship inside the
package (`package_data.py`): no CDN is ever named. `url_for('static', filename='site.css')`
gives `/static/site.<hash>.css` and `asset_url(name)` gives `/assets/<name>.<hash>.<ext>`: a
browser may keep such a file for a year without asking again (`immutable`), since new bytes get
a new name. The plain names still answer, with `no-cache` and an ETag, for links typed by hand
and for `live.js`, which dev mode names itself.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, send_from_directory
from werkzeug.security import safe_join

from .. import package_data

bp = Blueprint("static_files", __name__)

IMMUTABLE = "public, max-age=31536000, immutable"
DIGEST_BYTES = 5
DIGEST = re.compile(f"[0-9a-f]{{{2 * DIGEST_BYTES}}}")


def digest(path: Path) -> str:
    """A short digest of a file's bytes, read again only when the file changes (dev mode)."""
    stat = path.stat()
    return _digest(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=256)
def _digest(path: Path, _mtime_ns: int, _size: int) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=DIGEST_BYTES).hexdigest()


def files_digest() -> str:
    """One digest of every static file and asset a page may name: a page's tag must change
    when a file it links under a hashed name does, or a cached page keeps the old name."""
    folder = Path(current_app.static_folder or "")
    assets = map(package_data.asset_path, sorted(package_data.ASSETS))
    paths = [*sorted(folder.glob("*.*")), *assets]
    return hashlib.blake2b("".join(map(digest, paths)).encode(), digest_size=8).hexdigest()


def hashed_name(name: str, path: Path) -> str:
    """`site.css` as `site.<digest>.css`."""
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{digest(path)}.{extension}" if dot else f"{name}.{digest(path)}"


def plain_name(requested: str) -> tuple[str, str | None]:
    """The file a requested name stands for, and the digest it carries, if it carries one."""
    parts = requested.rsplit(".", 2)
    if len(parts) == 3 and DIGEST.fullmatch(parts[1]):
        return f"{parts[0]}.{parts[2]}", parts[1]
    if len(parts) >= 2 and DIGEST.fullmatch(parts[-1]):  # a name without an extension
        return requested.rsplit(".", 1)[0], parts[-1]
    return requested, None


def serve(path: Path, given: str | None) -> Response:
    """A file asked for by a name carrying `given` (or no digest): cached for a year when the
    digest is the file's own, else revalidated on every use."""
    response = send_from_directory(path.parent, path.name)
    response.headers["Cache-Control"] = IMMUTABLE if given == digest(path) else "no-cache"
    return response


def static_file(filename: str) -> Response:
    """The app's `static` view, under hashed names too."""
    name, given = plain_name(filename)
    found = safe_join(str(current_app.static_folder), name)
    if found is None or not Path(found).is_file():
        abort(404)
    return serve(Path(found), given)


@bp.route("/assets/<name>", methods=["GET", "HEAD"])
def asset(name: str) -> Response:
    """A front-end file installed from npm (the start checked that each one is there)."""
    plain, given = plain_name(name)
    if plain not in package_data.ASSETS:
        abort(404)
    return serve(package_data.asset_path(plain), given)


def asset_url(name: str) -> str:
    """The hashed URL of an npm asset, for templates: `asset_url('cytoscape.min.js')`."""
    return "/assets/" + hashed_name(name, package_data.asset_path(name))


def _hash_static_names(endpoint: str, values: dict[str, object]) -> None:
    filename = values.get("filename")
    if endpoint != "static" or not isinstance(filename, str):
        return
    found = safe_join(str(current_app.static_folder), filename)
    if found is not None and Path(found).is_file():
        values["filename"] = hashed_name(filename, Path(found))


def init_app(app: Flask) -> None:
    """Serve `static` under hashed names, make `url_for` give them, offer `asset_url`."""
    app.view_functions["static"] = static_file
    app.url_defaults(_hash_static_names)
    app.add_template_global(asset_url)
