"""HTTP caching: an ETag from the dataset version and the request, checked before evaluation.

A result is a function of the data and the request alone, so the tag can be computed, and an
`If-None-Match` answered with 304, without running the query. The version changes with every
build and every accepted update (see `updates.py`), which changes every tag.
"""

from __future__ import annotations

import hashlib

from flask import Response
from werkzeug.wrappers import Request

CACHE_CONTROL = "no-cache"  # clients may store results but must revalidate: 304 costs little


def etag_for(version: str, *parts: str) -> str:
    """A strong entity tag for a response that depends only on `version` and `parts`."""
    digest = hashlib.blake2b(digest_size=12)
    digest.update(version.encode())
    for part in parts:
        digest.update(b"\x00")
        digest.update(part.encode("utf-8", "surrogatepass"))
    return f'"{digest.hexdigest()}"'


def names(header: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110)."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def matches(request: Request, etag: str) -> bool:
    """Whether `request` is a GET or HEAD that names `etag` in `If-None-Match`."""
    return request.method in ("GET", "HEAD") and names(request.headers.get("If-None-Match"), etag)


def validators(etag: str) -> list[tuple[str, str]]:
    """The headers that let a client revalidate a stored response."""
    return [("ETag", etag), ("Cache-Control", CACHE_CONTROL)]


def not_modified(etag: str) -> Response:
    return Response(status=304, headers=validators(etag))


def tag(response: Response, etag: str) -> Response:
    response.headers.extend(validators(etag))
    return response
