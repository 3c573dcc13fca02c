"""The hot path, `GET /sparql?query=...`, answered at the WSGI level in front of Flask.

Flask's request machinery (contexts, routing, response objects) costs about 0.25 ms a request
on the 2-core benchmark machine: a third of a small query's whole time over HTTP. This layer
runs the same checks, negotiation, ETag and time limit (`results.prepare`, `run_limited`) for
a GET or HEAD that carries a query, and writes the same headers. It answers only successes
(200, 304) and timeouts; anything else (every error, every other route and method) is handed
to the Flask app unchanged, which answers it in full. `FAST_PATH = False` turns it off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException

from . import caching, results
from .http_policy import EXPOSED_HEADERS, FRAME_HEADERS
from .negotiation import NotAcceptable
from .protocol import parse_pairs
from .query_guard import CACHED_QUERY_CHARS, Refused
from .query_worker import REQUEST_ID
from .remote_store import BackendError
from .store import EXTENSION as STORE
from .store import Backend
from .timeouts import QueryTimeout, timeout_message
from .updates import EXTENSION as UPDATES

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
PREPARED_CACHE = 1024  # checked requests kept by (dataset version, query string, Accept)
EXPECTED = (Refused, NotAcceptable, HTTPException, UnicodeError, ValueError, BackendError)


class FastQueries:
    """WSGI middleware: successful query GETs here, everything else to `app.wsgi_app`."""

    def __init__(self, app: Flask) -> None:
        self.flask = app.wsgi_app
        self.config = app.config
        self.extensions = app.extensions
        self.max_bytes = app.config["MAX_REQUEST_BYTES"]
        self.origin = app.config["CORS_ALLOW_ORIGIN"]
        self.prepared: dict[tuple[str, str, str | None], results.Prepared] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get("QUERY_STRING", "")
        if (
            environ.get("PATH_INFO") != "/sparql"
            or environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or "query=" not in raw
            or len(raw) > self.max_bytes
        ):
            return self.flask(environ, start_response)
        request_id = environ.get(REQUEST_ID) or os.urandom(6).hex()
        try:
            return self._answer(environ, start_response, raw, request_id)
        except QueryTimeout as timeout:
            log.warning("request %s: query timed out after %g s", request_id, timeout.seconds)
            body = timeout_message(timeout.seconds).encode()
            headers = self._common(request_id, "text/plain; charset=utf-8", len(body))
            start_response("503 SERVICE UNAVAILABLE", headers)
            return [body]
        except EXPECTED:
            return self.flask(environ, start_response)  # Flask writes the error in full
        except Exception:
            log.exception("request %s: fast path fault, answered through Flask", request_id)
            return self.flask(environ, start_response)

    def _answer(
        self, environ: dict[str, Any], start_response: StartResponse, raw: str, request_id: str
    ) -> Iterable[bytes]:
        updates = self.extensions.get(UPDATES)
        if updates is not None:  # none on a remote store, which takes no updates here
            updates.sync()
        store = self.extensions[STORE]
        key = (store.version, raw, environ.get("HTTP_ACCEPT"))
        prepared = self.prepared.get(key)
        if prepared is None:
            prepared = self._prepare(store, raw, key[2])
            if len(self.prepared) >= PREPARED_CACHE:
                self.prepared.clear()
            if len(raw) <= CACHED_QUERY_CHARS:
                self.prepared[key] = prepared
        if caching.names(environ.get("HTTP_IF_NONE_MATCH"), prepared.etag):
            headers = [("ETag", prepared.etag), ("Cache-Control", caching.CACHE_CONTROL)]
            start_response("304 NOT MODIFIED", headers + self._common(request_id))
            return []
        body, was_capped = results.run_limited(
            lambda: results.execute(store, prepared),
            seconds=self.config["QUERY_TIMEOUT"],
            environ=environ,
        )
        headers = self._common(request_id, prepared.fmt.content_type, len(body))
        headers += [
            ("Vary", "Accept"),
            ("ETag", prepared.etag),
            ("Cache-Control", caching.CACHE_CONTROL),
        ]
        if was_capped:
            headers.append(("X-SPARQL-MaxRows", str(prepared.max_rows)))
        start_response("200 OK", headers)
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _prepare(self, store: Backend, raw: str, accept: str | None) -> results.Prepared:
        params = parse_pairs(raw.encode("latin-1"), "query string")
        if "update" in params.values:
            raise Refused("updates go through Flask")
        text = params.one("query")
        if text is None:
            raise Refused("no query")
        return results.prepare(
            store,
            results.policy_for(store, self.config, self.extensions),
            text,
            graphs=(params.all("default-graph-uri"), params.all("named-graph-uri")),
            accept=accept,
            format_names=[*params.all("format"), *params.all("output"), *params.all("results")],
        )

    def _common(
        self, request_id: str, content_type: str | None = None, length: int | None = None
    ) -> list[tuple[str, str]]:
        headers = [
            ("X-Request-Id", request_id),
            ("Access-Control-Allow-Origin", self.origin),
            ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
            *FRAME_HEADERS,
        ]
        if content_type is not None:
            headers += [("Content-Type", content_type), ("Content-Length", str(length))]
        return headers


def init_app(app: Flask) -> None:
    """Put the fast path in front of the app, unless `FAST_PATH` is off."""
    if app.config["FAST_PATH"]:
        app.wsgi_app = FastQueries(app)  # type: ignore[method-assign]
