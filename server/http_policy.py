"""What every response shares: a request id, CORS without credentials, plain-text errors.

Client errors are 4xx with a message. Anything else is a 500 whose body names only the request
id, which the log line with the traceback carries too: no traceback ever reaches a client.
"""

from __future__ import annotations

import logging
import os

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from .negotiation import NotAcceptable
from .query_guard import Refused
from .remote_store import BackendError
from .timeouts import QueryTimeout

log = logging.getLogger(__name__)

ALLOWED_HEADERS = "Accept, Authorization, Content-Type, If-None-Match"
EXPOSED_HEADERS = "ETag, X-Request-Id, X-SPARQL-MaxRows"
PREFLIGHT_MAX_AGE = "86400"
# No page may be framed by another site (clickjacking); the CSP holds only `frame-ancestors`,
# so the pages' own scripts and styles are not restricted.
FRAME_HEADERS = (
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
)


def request_id() -> str:
    """This request's id, made on first use: 12 hex digits, in the response and the log."""
    if "request_id" not in g:  # the front's id when it made one, so its log lines match
        g.request_id = request.environ.get("alliance_kg.request_id") or os.urandom(6).hex()
    return g.request_id


def text_response(message: str, status: int) -> Response:
    return Response(message.rstrip("\n") + "\n", status, content_type="text/plain; charset=utf-8")


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Request-Id"] = request_id()
    headers["Access-Control-Allow-Origin"] = current_app.config["CORS_ALLOW_ORIGIN"]
    for name, value in FRAME_HEADERS:
        headers[name] = value
    if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
        headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def _http_error(error: HTTPException) -> Response:
    response = text_response(f"{error.name}: {error.description}", error.code or 500)
    for name, value in error.get_headers():  # Allow on 405, WWW-Authenticate on 401
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _refused(error: Refused) -> Response:
    return text_response(error.message, error.status)


def _not_acceptable(error: NotAcceptable) -> Response:
    return text_response(str(error), 406)


def _timeout(error: QueryTimeout) -> Response:
    log.warning("request %s: query timed out after %g s", request_id(), error.seconds)
    return text_response(str(error), 503)


def _backend_failed(error: BackendError) -> Response:
    log.warning("request %s: %s", request_id(), error)
    return text_response(f"{error} (request id {request_id()})", 504 if error.timed_out else 502)


def _server_fault(error: Exception) -> Response:
    log.error("request %s: server fault", request_id(), exc_info=error)
    return text_response(
        f"Internal server error. Quote request id {request_id()} when you report it.", 500
    )


def init_app(app: Flask) -> None:
    """Register the shared headers and the error handlers on the app."""
    app.after_request(_add_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Refused, _refused)
    app.register_error_handler(NotAcceptable, _not_acceptable)
    app.register_error_handler(QueryTimeout, _timeout)
    app.register_error_handler(BackendError, _backend_failed)
    app.register_error_handler(Exception, _server_fault)
