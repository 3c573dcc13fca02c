"""The SPARQL side as one plain WSGI application, mounted in front of the Flask pages.

`/sparql`, `/update`, `/store` and `/.well-known/void` are answered here, through one path for
parameters, errors, CORS and request ids; every other request goes to the pages app. Flask's
per-request machinery costs about a quarter of a millisecond, a third of a small query's time
over HTTP, so it runs here only when the app has guards (`before_request` functions, such as
an API key check), which then guard these routes too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request

from ..front.query_worker import REQUEST_ID
from . import description, endpoint, graph_store, updates
from .call import Call, Reply
from .http_policy import common_headers, error_reply, new_request_id

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Handler = Callable[[Call], Reply | None]
Route = tuple[Handler, tuple[str, ...]]
READ = ("GET", "HEAD")
STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}
ROUTES: dict[str, Route] = {
    "/sparql": (endpoint.sparql, (*READ, "POST")),
    "/update": (updates.update, ("POST",)),
    "/store": (graph_store.read_graph, READ),
    "/.well-known/void": (description.void, READ),
}


class SparqlRouter:
    """WSGI: the SPARQL routes here, everything else (and the query page) to `pages`."""

    def __init__(self, app: Flask, pages: WSGIApp) -> None:
        self.app = app
        self.pages = pages

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = ROUTES.get(environ.get("PATH_INFO", ""))
        request_id = new_request_id(environ)
        environ[REQUEST_ID] = request_id  # one id, whichever app answers
        try:
            updates.sync(self.app)  # replay what other processes recorded before reading
            if route is None:
                return self.pages(environ, start_response)
            answer = self._answer(route, environ)
        except Exception as error:  # every failure becomes one plain-text reply
            answer = _error_reply(error, request_id)
        if answer is None:  # a browser's visit to /sparql: the query page
            return self.pages(environ, start_response)
        method = environ["REQUEST_METHOD"]
        preflight = "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        common = common_headers(request_id, self.app.config["CORS_ALLOW_ORIGIN"], method, preflight)
        if isinstance(answer, Response):  # a guard's own response
            answer.headers.extend(common)
            return answer(environ, start_response)
        headers = [*answer.headers, *common]
        if answer.content_type is not None:
            headers += [
                ("Content-Type", answer.content_type),
                ("Content-Length", str(len(answer.body))),
            ]
        start_response(STATUS_LINES[answer.status], headers)
        return [] if method == "HEAD" else [answer.body]

    def _answer(self, route: Route, environ: dict[str, Any]) -> Reply | Response | None:
        """The route's answer; first the app's `before_request` guards, when it has any, run
        as Flask runs them (their reply, if they give one, is the answer)."""
        if not self.app.before_request_funcs:
            return _dispatch(route, Call(Request(environ), self.app))
        with self.app.request_context(environ) as context:
            refusal = self.app.preprocess_request()
            if refusal is not None:
                return self.app.make_response(refusal)
            return _dispatch(route, Call(context.request, self.app))


def _dispatch(route: Route, call: Call) -> Reply | None:
    handler, methods = route
    method = call.request.method
    if method == "OPTIONS":
        return Reply(200, headers=[("Allow", ", ".join((*methods, "OPTIONS")))])
    if method not in methods:
        raise MethodNotAllowed([*methods, "OPTIONS"])
    return handler(call)


def _error_reply(error: Exception, request_id: str) -> Reply | Response:
    if isinstance(error, HTTPException) and error.response is not None:
        return error.response  # a guard's abort(response)
    status, message, extra = error_reply(error, request_id)
    return Reply.text(message, status, extra)


def init_app(app: Flask) -> None:
    """Put the router in front of the pages app."""
    app.wsgi_app = SparqlRouter(app, app.wsgi_app)  # type: ignore[method-assign]
