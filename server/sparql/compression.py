"""gzip for every text response (HTML, JSON, CSS, JS, SPARQL results, RDF) a client accepts it
for: on a slow phone network the bytes, not the server, set how long a page takes.

One WSGI middleware outside both the SPARQL router and the Flask pages, so every route gets it
the same way. A compressed response gets its own entity tag (`"tag-gzip"`), as RFC 9110 asks
of a different representation; the `-gzip` is taken off tags in `If-None-Match` before the app
compares them, so either form revalidates. A HEAD is answered as the GET would be, so its
`Content-Length` is the compressed one. The compressed bytes of a response with a strong tag
(the static files, the descriptions) are kept: the same tag names the same bytes.
"""

from __future__ import annotations

import gzip
import itertools
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Headers = list[tuple[str, str]]

MIN_BYTES = 1024  # below a packet, gzip's header and the CPU cost buy nothing
LEVEL = 6
SUFFIX = "-gzip"
KEPT_MAX = 64
KEPT_BODY_MAX = 256 * 1024  # query results have strong tags too: keep pages and files only
TEXT_TYPES = frozenset(
    {
        "application/javascript",
        "application/json",
        "application/n-quads",
        "application/n-triples",
        "application/trig",
        "application/xml",
        "image/svg+xml",
    }
)


def compressible(content_type: str) -> bool:
    """Whether a body of this media type is text that gzip shrinks."""
    media = content_type.split(";", 1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media in TEXT_TYPES
        or media.endswith(("+json", "+xml"))  # JSON-LD, SPARQL results, RDF/XML
    )


def accepts_gzip(header: str) -> bool:
    """Whether an `Accept-Encoding` value allows gzip (by name or `*`, with q above 0)."""
    allowed: dict[str, bool] = {}
    for item in header.split(","):
        name, _, params = item.partition(";")
        quality = params.strip().lower().removeprefix("q=").strip() if params else "1"
        try:
            allowed[name.strip().lower()] = float(quality or "1") > 0
        except ValueError:
            continue
    return allowed.get("gzip", allowed.get("x-gzip", allowed.get("*", False)))


def gzip_tag(etag: str) -> str:
    """The tag of the compressed form: `"abc"` becomes `"abc-gzip"`, `W/"a"` `W/"a-gzip"`."""
    return etag[:-1] + SUFFIX + '"' if etag.endswith('"') else etag


def _plain_tags(header: str) -> str:
    """An `If-None-Match` value with the compressed forms named as the app tags them."""
    compressed_end = SUFFIX + '"'
    tags = [tag.strip() for tag in header.split(",")]
    return ", ".join(
        tag.removesuffix(compressed_end) + '"' if tag.endswith(compressed_end) else tag
        for tag in tags
    )


def _with_vary(headers: Headers) -> Headers:
    """`headers` with `Accept-Encoding` added to `Vary`, merged into one header."""
    named = [value for name, value in headers if name.lower() == "vary"]
    fields = [field.strip() for value in named for field in value.split(",") if field.strip()]
    if "*" in fields or "accept-encoding" in (field.lower() for field in fields):
        return headers
    kept = [(name, value) for name, value in headers if name.lower() != "vary"]
    return [*kept, ("Vary", ", ".join([*fields, "Accept-Encoding"]))]


def _header(headers: Headers, wanted: str) -> str | None:
    return next((value for name, value in headers if name.lower() == wanted), None)


def _eligible(status: str, headers: Headers) -> bool:
    """A whole 200 text body, not encoded yet and not known to be tiny."""
    length = _header(headers, "content-length")
    return (
        status.startswith("200")
        and compressible(_header(headers, "content-type") or "")
        and _header(headers, "content-encoding") is None
        and _header(headers, "content-range") is None
        and (length is None or not length.isdigit() or int(length) >= MIN_BYTES)
    )


class Compress:
    """WSGI: gzip the app's text responses for clients that accept it."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self.kept: dict[tuple[str, str, str], bytes] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        accept_encoding = environ.get("HTTP_ACCEPT_ENCODING")
        if accept_encoding is None or not accepts_gzip(accept_encoding):
            return self.app(environ, _varying(start_response))  # caches tell it from gzip
        asked = environ.get("HTTP_IF_NONE_MATCH")
        environ = dict(environ)
        if asked:
            environ["HTTP_IF_NONE_MATCH"] = _plain_tags(asked)
        head = environ["REQUEST_METHOD"] == "HEAD"
        if head:  # answered as the GET, so the headers give the compressed length
            environ["REQUEST_METHOD"] = "GET"
        started: list[Any] = []
        written: list[bytes] = []

        def capture(status: str, headers: Headers, exc_info: Any = None) -> Callable:
            started[:] = [status, list(headers), exc_info]
            return written.append

        chunks = self.app(environ, capture)
        iterator = iter(chunks)
        opening = b"" if started else next(iterator, b"")  # an app that starts lazily
        first = b"".join(written) + opening
        status, headers, exc_info = started
        if status.startswith("304") and asked:
            headers = _named_tag(headers, asked)
        if not _eligible(status, headers):
            start_response(status, _varying_headers(status, headers), exc_info)
            if head:
                _close(chunks)
                return []
            return _chained(first, iterator, chunks)
        if _header(headers, "content-length") is None:  # a stream: compressed as it comes
            start_response(status, _encoded(headers, None), exc_info)
            if head:
                _close(chunks)
                return []
            return _compressed_stream(first, iterator, chunks)
        try:
            body = first + b"".join(iterator)
        finally:
            _close(chunks)
        packed = self._compressed(body, headers)
        start_response(status, _encoded(headers, len(packed)), exc_info)
        return [] if head else [packed]

    def _compressed(self, body: bytes, headers: Headers) -> bytes:
        """The gzip of `body`, kept when a strong tag names it."""
        etag = _header(headers, "etag")
        if etag is None or etag.startswith("W/") or len(body) > KEPT_BODY_MAX:
            return gzip.compress(body, LEVEL, mtime=0)
        key = (etag, _header(headers, "content-type") or "", str(len(body)))
        packed = self.kept.get(key)
        if packed is None:
            if len(self.kept) >= KEPT_MAX:
                self.kept.clear()
            packed = self.kept[key] = gzip.compress(body, LEVEL, mtime=0)
        return packed


def _varying(start_response: StartResponse) -> StartResponse:
    """`start_response` adding `Vary: Accept-Encoding` to the responses that could be gzipped."""

    def start(status: str, headers: Headers, exc_info: Any = None) -> Any:
        return start_response(status, _varying_headers(status, headers), exc_info)

    return start


def _varying_headers(status: str, headers: Headers) -> Headers:
    """A 304 varies as its 200 did; so does any body gzip could have shrunk."""
    varies = status.startswith("304") or compressible(_header(headers, "content-type") or "")
    return _with_vary(headers) if varies else headers


def _encoded(headers: Headers, length: int | None) -> Headers:
    """The headers of the compressed form: its encoding, length and tag."""
    changed: Headers = []
    for name, value in _with_vary(headers):
        lowered = name.lower()
        if lowered in ("content-length", "accept-ranges"):  # ranges are of the plain bytes
            continue
        changed.append((name, gzip_tag(value) if lowered == "etag" else value))
    changed.append(("Content-Encoding", "gzip"))
    if length is not None:
        changed.append(("Content-Length", str(length)))
    return changed


def _named_tag(headers: Headers, asked: str) -> Headers:
    """A 304's tag in the form the client named: the compressed one if it sent that."""
    named = {tag.strip() for tag in asked.split(",")}
    return [
        (name, gzip_tag(value) if name.lower() == "etag" and gzip_tag(value) in named else value)
        for name, value in headers
    ]


def _chained(first: bytes, rest: Iterator[bytes], chunks: Iterable[bytes]) -> Iterator[bytes]:
    try:
        if first:
            yield first
        yield from rest
    finally:
        _close(chunks)


def _compressed_stream(
    first: bytes, rest: Iterator[bytes], chunks: Iterable[bytes]
) -> Iterator[bytes]:
    packer = zlib.compressobj(LEVEL, zlib.DEFLATED, 31)  # 31: the gzip wrapper
    try:
        for chunk in itertools.chain((first,), rest):
            packed = packer.compress(chunk)
            if packed:
                yield packed
        yield packer.flush()
    finally:
        _close(chunks)


def _close(chunks: Iterable[bytes]) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def init_app(app: Flask) -> None:
    """Put compression outside every other layer, the SPARQL router included."""
    app.wsgi_app = Compress(app.wsgi_app)  # type: ignore[method-assign]
