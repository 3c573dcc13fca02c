"""Reading a SPARQL Protocol request: parameters from the URL, a form, or a raw body.

Dispatch follows the W3C protocol literally, on method and Content-Type. Parameters are decoded
strictly, so invalid UTF-8 is a 400 rather than silently replaced characters.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl

from werkzeug.exceptions import BadRequest, RequestURITooLarge, UnsupportedMediaType
from werkzeug.wrappers import Request

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"


@dataclass
class Params:
    """The protocol parameters of one request, each name mapped to all its values."""

    values: dict[str, list[str]]

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def one(self, name: str) -> str | None:
        """The single value of `name`; two values are a client error."""
        found = self.values.get(name)
        if not found:
            return None
        if len(found) > 1:
            raise BadRequest(f"The request has {len(found)} '{name}' parameters; send one.")
        return found[0]

    def add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)


def parse_pairs(encoded: bytes, what: str) -> Params:
    params = Params({})
    try:
        pairs = parse_qsl(encoded.decode("latin-1"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"The {what} is not valid UTF-8 once percent-decoded.") from None
    for name, value in pairs:
        params.add(name, value)
    return params


def url_params(request: Request, max_bytes: int) -> Params:
    """The parameters in the URL's query string, size-checked."""
    raw = request.query_string
    if len(raw) > max_bytes:
        raise RequestURITooLarge(
            "The query string is larger than MAX_REQUEST_BYTES; send the query by POST."
        )
    return parse_pairs(raw, "query string")


def body_params(request: Request, operation: str, max_bytes: int) -> Params:
    """URL parameters plus those of a POST body: a form, or one raw `operation` text."""
    params = url_params(request, max_bytes)
    mimetype = request.mimetype
    request.max_content_length = max_bytes  # an oversized body is a 413
    body = request.get_data(cache=False)
    if mimetype == FORM:
        for name, values in parse_pairs(body, "form body").values.items():
            for value in values:
                params.add(name, value)
    elif mimetype in (SPARQL_QUERY, SPARQL_UPDATE):
        name = "query" if mimetype == SPARQL_QUERY else "update"
        params.add(name, _utf8_body(body, mimetype, request.mimetype_params.get("charset")))
    else:
        raise UnsupportedMediaType(
            f"POST {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE} to {operation}; "
            f"got '{mimetype or 'no Content-Type'}'."
        )
    return params


def _utf8_body(body: bytes, mimetype: str, charset: str | None) -> str:
    """The protocol allows UTF-8 only; another declared charset is refused, never decoded."""
    if charset is not None and charset.strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(
            f"The {mimetype} body is declared as {charset}; the SPARQL Protocol takes UTF-8 "
            "only: re-encode it and send 'charset=utf-8' or no charset."
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest(f"The {mimetype} body is not valid UTF-8.") from None


def wanted_formats(params: Params) -> list[str]:
    """`format` (or `output`, `results`, as some clients send) values naming a result format."""
    return [*params.all("format"), *params.all("output"), *params.all("results")]
