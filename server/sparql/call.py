"""One request to the SPARQL side, as its handlers see it: the request, the settings, the store.

Handlers take a `Call` instead of reaching for Flask's request context, so the router
(`sparql_router.py`) runs them as plain WSGI, without Flask's per-request machinery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from werkzeug.wrappers import Request

from ..store.backend import EXTENSION as STORE
from ..store.backend import Backend
from . import caching, protocol
from .http_policy import TEXT
from .query_guard import Policy
from .results import policy_for, run_limited

T = TypeVar("T")
Headers = list[tuple[str, str]]


@dataclass
class Reply:
    """A handler's answer, which the router writes as it is: werkzeug's Response objects cost
    about 50 us a request in header bookkeeping, a tenth of a small query's time."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: Headers = field(default_factory=list)

    @classmethod
    def text(cls, message: str, status: int, headers: Headers | None = None) -> Reply:
        return cls(status, (message.rstrip("\n") + "\n").encode(), TEXT, headers or [])

    @classmethod
    def tagged(cls, body: bytes, content_type: str, etag: str) -> Reply:
        """A negotiated result: it varies with Accept and revalidates by its entity tag."""
        return cls(200, body, content_type, [("Vary", "Accept"), *caching.validators(etag)])

    @classmethod
    def not_modified(cls, etag: str) -> Reply:
        return cls(304, headers=caching.validators(etag))


@dataclass(frozen=True)
class Call:
    """A request and the app whose settings, store and caches answer it."""

    request: Request
    app: Flask

    @property
    def config(self) -> dict[str, Any]:
        return self.app.config

    @property
    def extensions(self) -> dict[str, Any]:
        return self.app.extensions

    @property
    def store(self) -> Backend:
        return self.app.extensions[STORE]

    def policy(self) -> Policy:
        """The checks' limits with the dataset's current graphs."""
        return policy_for(self.store, self.config, self.extensions)

    def limited(self, work: Callable[[], T]) -> T:
        """Run `work` within the query time limit."""
        return run_limited(work, seconds=self.config["QUERY_TIMEOUT"], environ=self.request.environ)

    def url_params(self) -> protocol.Params:
        return protocol.url_params(self.request, self.config["MAX_REQUEST_BYTES"])

    def body_params(self, operation: str) -> protocol.Params:
        return protocol.body_params(self.request, operation, self.config["MAX_REQUEST_BYTES"])
