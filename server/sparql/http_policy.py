"""What every response shares: a request id, CORS without credentials, plain-text errors.

Client errors are 4xx with a message. Anything else is a 500 whose body names only the request
id, which the log line with the traceback carries too: no traceback ever reaches a client. The
SPARQL router and the Flask pages both answer through `error_reply` and `common_headers`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from ..front.query_worker import REQUEST_ID
from ..store.remote import BackendError
from .negotiation import NotAcceptable
from .refused import Refused
from .timeouts import QueryTimeout

log = logging.getLogger(__name__)

ALLOWED_HEADERS = "Accept, Authorization, Content-Type, If-None-Match"
EXPOSED_HEADERS = "ETag, X-Request-Id, X-SPARQL-MaxRows"
PREFLIGHT_MAX_AGE = "86400"
TEXT = "text/plain; charset=utf-8"
# No page may be framed by another site (clickjacking); the CSP holds only `frame-ancestors`,
# so the pages' own scripts and styles are not restricted.
FRAME_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
)
Headers = list[tuple[str, str]]


def new_request_id(environ: Mapping[str, object]) -> str:
    """The front's id for this request when it made one, so its log lines match; else a new
    one: 12 hex digits, in the response and the log."""
    given = environ.get(REQUEST_ID)
    return given if isinstance(given, str) and given else os.urandom(6).hex()


def request_id() -> str:
    """The id of the Flask request being handled."""
    if "request_id" not in g:
        g.request_id = new_request_id(request.environ)
    return g.request_id


def common_headers(request_id: str, origin: str, method: str, preflight: bool) -> Headers:
    """The request id, CORS (a preflight's answer, or the headers a script may read), framing."""
    headers = [("X-Request-Id", request_id), ("Access-Control-Allow-Origin", origin)]
    if method == "OPTIONS" and preflight:
        headers += [
            ("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
            ("Access-Control-Allow-Headers", ALLOWED_HEADERS),
            ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE),
        ]
    else:
        headers.append(("Access-Control-Expose-Headers", EXPOSED_HEADERS))
    return [*headers, *FRAME_HEADERS]


def error_reply(error: Exception, request_id: str) -> tuple[int, str, Headers]:
    """Status, message and extra headers for any exception a request raised; logged here."""
    if isinstance(error, Refused):
        return error.status, error.message, []
    if isinstance(error, HTTPException):
        extra = [
            (name, value)  # Allow on 405, WWW-Authenticate on 401
            for name, value in error.get_headers()
            if name.lower() != "content-type"
        ]
        return error.code or 500, f"{error.name}: {error.description}", extra
    if isinstance(error, NotAcceptable):
        return 406, str(error), []
    if isinstance(error, QueryTimeout):
        log.warning("request %s: query timed out after %g s", request_id, error.seconds)
        return 503, str(error), []
    if isinstance(error, BackendError):
        log.warning("request %s: %s", request_id, error)
        return 504 if error.timed_out else 502, f"{error} (request id {request_id})", []
    log.error("request %s: server fault", request_id, exc_info=error)
    return 500, f"Internal server error. Quote request id {request_id} when you report it.", []


def text_response(message: str, status: int) -> Response:
    return Response(message.rstrip("\n") + "\n", status, content_type=TEXT)


def _add_headers(response: Response) -> Response:
    preflight = "Access-Control-Request-Method" in request.headers
    origin = current_app.config["CORS_ALLOW_ORIGIN"]
    for name, value in common_headers(request_id(), origin, request.method, preflight):
        response.headers[name] = value
    return response


def _error(error: Exception) -> Response:
    status, message, extra = error_reply(error, request_id())
    response = text_response(message, status)
    for name, value in extra:
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    """Register the shared headers and the one error handler on the pages app."""
    app.after_request(_add_headers)
    app.register_error_handler(Exception, _error)
