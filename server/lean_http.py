"""A lean HTTP/1.1 path for the common request on a kept-alive connection: one plain GET head.

gunicorn reads each request into a `Message` (limits, header policy, a check of the peer's
address against `forwarded_allow_ips` parsed anew per request), builds the WSGI environ from it
and writes the response head and body in two sends: about 0.3 ms a request on the 2-core
benchmark machine, as long as a typical example query runs in the engine. `LeanHttp.serve` reads
one `recv` and answers it itself only if the bytes are exactly one request head of a narrow
shape, checked strictly: `GET` or `HEAD`, `HTTP/1.1`, an origin-form target of printable ASCII
without a fragment, header names that are tokens without `_`, printable ASCII values, no body or
framing headers, no `Expect`, `Upgrade` or `HTTP2-Settings`, no scheme headers, no repeated
`Host`, `Content-Type` or `Connection`, within gunicorn's limits. Anything else (a partial read,
a pipelined second request, a body, any other byte or header) is put back in front of gunicorn's
parser unread, and gunicorn decides as it always did. The environ and the response head are the
ones gunicorn makes; the head goes out in the same send as the first body bytes.
"""

from __future__ import annotations

import email.utils
import errno
import io
import logging
import os
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gunicorn import SERVER, SERVER_SOFTWARE
from gunicorn.config import PostRequest, PreRequest
from gunicorn.http.errors import InvalidResponseHeader, InvalidResponseHeaderName
from gunicorn.http.message import DEFAULT_MAX_HEADERFIELD_SIZE, MAX_HEADERS, MAX_REQUEST_LINE
from gunicorn.http.wsgi import FileWrapper, WSGIErrorsWrapper
from gunicorn.util import close_graceful, hop_headers, unquote_to_wsgi_str

log = logging.getLogger(__name__)

READ_SIZE = 65536
# the bytes a lean request may hold: printable ASCII in the target, less `#`; token characters
# in header names, less `_` (gunicorn drops those); printable ASCII, space and tab in values
TARGET_BYTES = bytes(range(0x21, 0x7F)).replace(b"#", b"")
NAME_BYTES = b"!#$%&'*+-.^`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
VALUE_BYTES = b" \t" + bytes(range(0x21, 0x7F))
HANDED_BACK = frozenset(
    {"CONTENT-LENGTH", "TRANSFER-ENCODING", "EXPECT", "UPGRADE", "HTTP2-SETTINGS"}
)
SINGLETONS = frozenset({"HOST", "CONTENT-TYPE", "CONNECTION"})
# gunicorn's checks of what the application writes (gunicorn.http.wsgi, RFC 9110 5.5, 5.6.2)
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-zA-Z]+")
FIELD_VALUE = re.compile(r"[ \t\x21-\x7e\x80-\xff]*")
STATUS = re.compile(r"[0-9]{3}(?: [ \t\x21-\x7e\x80-\xff]*)?")
QUIET_ERRORS = (errno.EPIPE, errno.ECONNRESET, errno.ENOTCONN)


@dataclass(frozen=True, slots=True)
class Limits:
    """gunicorn's request limits, and the scheme headers only gunicorn may interpret."""

    request_line: int
    fields: int
    field_size: int
    scheme_headers: frozenset[str]


@dataclass(slots=True)
class Head:
    """One request head of the lean shape: header names upper-cased, values stripped."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    close: bool


def limits_of(cfg: Any) -> Limits:
    """The limits as gunicorn's `Request` and `Message` read them from its settings."""
    line = cfg.limit_request_line  # 0 is no limit; a negative one is the default
    fields, size = cfg.limit_request_fields, cfg.limit_request_field_size
    return Limits(
        request_line=min(line, MAX_REQUEST_LINE) if line >= 0 else MAX_REQUEST_LINE,
        fields=fields if 0 < fields <= MAX_HEADERS else MAX_HEADERS,
        field_size=size if size > 0 else DEFAULT_MAX_HEADERFIELD_SIZE,
        scheme_headers=frozenset(cfg.secure_scheme_headers),
    )


def read_head(data: bytes, limits: Limits) -> Head | None:
    """The request in `data` if it is exactly one head of the lean shape, else None."""
    end = data.find(b"\r\n\r\n")
    if end != len(data) - 4:
        return None  # incomplete, a body, or a pipelined request: gunicorn reads it
    line, *fields = data[:end].split(b"\r\n")
    method, _, rest = line.partition(b" ")
    target, _, version = rest.partition(b" ")
    if (
        method not in (b"GET", b"HEAD")
        or version != b"HTTP/1.1"
        or target[:1] != b"/"
        or target.translate(None, TARGET_BYTES)  # anything left is a byte not allowed
        or 0 < limits.request_line < len(line)
        or len(fields) > limits.fields
    ):
        return None
    headers = _fields(fields, limits)
    if headers is None:
        return None
    close = ("CONNECTION", "close") in ((name, value.lower()) for name, value in headers)
    return Head(method.decode("ascii"), target.decode("ascii"), tuple(headers), close)


def _fields(lines: list[bytes], limits: Limits) -> list[tuple[str, str]] | None:
    headers: list[tuple[str, str]] = []
    seen: set[str] = set()
    for line in lines:
        raw_name, colon, raw_value = line.partition(b":")
        if (
            not colon
            or not raw_name
            or raw_name.translate(None, NAME_BYTES)
            or raw_value.translate(None, VALUE_BYTES)
            or len(line) + 2 > limits.field_size
        ):
            return None
        name = raw_name.decode("ascii").upper()
        value = raw_value.decode("ascii").strip(" \t")
        if not _lean_field(name, value, seen, limits):
            return None
        headers.append((name, value))
    return headers


def _lean_field(name: str, value: str, seen: set[str], limits: Limits) -> bool:
    """Whether gunicorn would take this field as it is, with no policy of its own to apply."""
    if name in HANDED_BACK or name in limits.scheme_headers:
        return False
    if name in SINGLETONS:
        if name in seen:
            return False
        seen.add(name)
    return name != "CONNECTION" or value.lower() in ("close", "keep-alive")


class Reply:
    """One response, written as gunicorn writes it, the head with the first body bytes."""

    def __init__(self, sock: socket.socket, method: str, must_close: bool) -> None:
        self.sock = sock
        self.method = method
        self.must_close = must_close
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.length: int | None = None
        self.count = 0
        self.chunked = False
        self.omits_body = False
        self.upgrade = False
        self.sent = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            if self.status and self.sent:
                raise exc_info[1].with_traceback(exc_info[2])
        elif self.status is not None:
            raise AssertionError("Response headers already set!")
        if not isinstance(status, str):
            raise TypeError(f"{status!r} is not a string")
        if not STATUS.fullmatch(status):
            raise ValueError(f"Invalid status {status!r}")
        self.status, self.headers, self.length = status, [], None
        for name, value in headers:
            self._add_header(name, value)
        code = int(status[:3])
        self.omits_body = self.method == "HEAD" or code in (204, 304) or 100 <= code < 200
        if code == 204 or 100 <= code < 200:
            self.headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
            self.length = None
        self.chunked = self.length is None and not self.omits_body
        return self.write

    def _add_header(self, name: str, value: str) -> None:
        if not isinstance(name, str) or not isinstance(value, str):
            raise TypeError(f"{name!r}: {value!r} is not a pair of strings")
        if not TOKEN.fullmatch(name):
            raise InvalidResponseHeaderName(repr(name))
        if not FIELD_VALUE.fullmatch(value):
            raise InvalidResponseHeader(repr(name))
        value = value.strip(" \t")
        lower = name.lower()
        if lower == "content-length":
            self.length = int(value)
        elif lower in hop_headers:  # gunicorn keeps only a websocket upgrade of these
            if lower == "connection" and value.lower() == "upgrade":
                self.upgrade = True
            elif lower == "upgrade" and value.lower() == "websocket":
                self.headers.append((name, value))
            return
        self.headers.append((name, value))

    def head(self) -> bytes:
        # With a length, chunks, or no body at all, gunicorn keeps the connection unless told
        # to close it: the only other case, a 200 without length over HTTP/1.0, is not lean.
        connection = "upgrade" if self.upgrade else "close" if self.must_close else "keep-alive"
        lines = [
            f"HTTP/1.1 {self.status}\r\nServer: {SERVER}\r\nDate: {http_date()}\r\n"
            f"Connection: {connection}\r\n"
        ]
        if self.chunked:
            lines.append("Transfer-Encoding: chunked\r\n")
        lines += [f"{name}: {value}\r\n" for name, value in self.headers]
        lines.append("\r\n")
        self.sent = True
        return "".join(lines).encode("latin-1")

    def write(self, data: bytes) -> None:
        if not isinstance(data, bytes):
            raise TypeError(f"{data!r} is not a byte")
        head = b"" if self.sent else self.head()
        if self.omits_body:
            data = b""
        elif self.length is not None:
            data = data[: max(0, self.length - self.count)]
            self.count += len(data)
        elif data:
            data = b"%X\r\n%s\r\n" % (len(data), data)
        if head or data:
            self.sock.sendall(head + data)

    def close(self) -> None:
        head = b"" if self.sent else self.head()
        tail = b"0\r\n\r\n" if self.chunked else b""
        if head or tail:
            self.sock.sendall(head + tail)


_date: tuple[int, str] = (0, "")


def http_date() -> str:
    """The `Date` header value, formatted once a second."""
    global _date  # noqa: PLW0603 - a one-entry cache
    now = int(time.time())
    if _date[0] != now:
        _date = (now, email.utils.formatdate(now, usegmt=True))
    return _date[1]


class LeanHttp:
    """The lean path of one gunicorn worker; `enabled` is False where it cannot be exact."""

    def __init__(self, worker: Any) -> None:
        cfg = worker.cfg
        self.worker = worker
        self.limits = limits_of(cfg)
        self.enabled = (
            not cfg.is_ssl
            and getattr(cfg, "protocol", "http") == "http"
            and getattr(cfg, "http2_cleartext", "off") == "off"
            and cfg.proxy_protocol == "off"
            and not getattr(worker.log, "access_log_enabled", True)
            and str(cfg.loglevel).lower() != "debug"  # gunicorn logs each request at debug
            and cfg.pre_request is PreRequest.default
            and cfg.post_request is PostRequest.default
            and not os.environ.get("SCRIPT_NAME")
        )
        self.base = {
            "wsgi.errors": WSGIErrorsWrapper(cfg),
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": cfg.workers > 1,
            "wsgi.run_once": False,
            "wsgi.file_wrapper": FileWrapper,
            "wsgi.input_terminated": True,
            "wsgi.url_scheme": "http",
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "SCRIPT_NAME": "",
        }

    def serve(self, conn: Any) -> bool | None:
        """Answer the next request on an open HTTP/1 connection, or None to let gunicorn.

        True keeps the connection alive, as gunicorn's `handle` returns.
        """
        sock = conn.sock
        unreader = conn.parser.unreader
        if unreader.buf.getvalue() or not isinstance(conn.client, tuple):
            return None
        sock.setblocking(True)
        try:
            data = sock.recv(READ_SIZE)
        except OSError as error:
            self._socket_error(error)
            return False
        if not data:
            return False  # the client closed the connection
        head = read_head(data, self.limits)
        if head is None or not isinstance(conn.server, tuple):
            unreader.unread(data)
            return None
        return self._respond(conn, head)

    def _respond(self, conn: Any, head: Head) -> bool:
        worker = self.worker
        must_close = head.close
        worker.nr += 1
        if worker.nr >= worker.max_requests:
            if worker.alive:
                worker.log.info("Autorestarting worker after current request.")
                worker.alive = False
            must_close = True
        if (
            not worker.alive
            or not worker.cfg.keepalive
            or len(worker.keepalived_conns) >= worker.max_keepalived
        ):
            must_close = True
        reply = Reply(conn.sock, head.method, must_close)
        try:
            body = worker.wsgi(self.environ(conn, head), reply.start_response)
            try:
                for chunk in body:
                    reply.write(chunk)
                reply.close()
            finally:
                if hasattr(body, "close"):
                    body.close()
        except OSError as error:
            self._socket_error(error)
            return False
        except Exception as error:
            if reply.sent:  # a 500 now would corrupt the response under way
                worker.log.exception("Error handling request %s %s", head.method, head.target)
                close_graceful(conn.sock)
            else:
                worker.handle_error(None, conn.sock, conn.client, error)
            return False
        return not must_close

    def environ(self, conn: Any, head: Head) -> dict[str, Any]:
        """The environ gunicorn's `wsgi.create` makes for this request."""
        path, _, query = head.target.partition("?")
        environ = dict(self.base)
        environ.update(
            {
                "wsgi.input": io.BytesIO(),
                "gunicorn.socket": conn.sock,
                "REQUEST_METHOD": head.method,
                "QUERY_STRING": query,
                "RAW_URI": head.target,
                "PATH_INFO": unquote_to_wsgi_str(path),
                "REMOTE_ADDR": conn.client[0],
                "REMOTE_PORT": str(conn.client[1]),
                "SERVER_NAME": conn.server[0],
                "SERVER_PORT": str(conn.server[1]),
            }
        )
        for name, value in head.headers:
            if name == "CONTENT-TYPE":
                environ["CONTENT_TYPE"] = value
                continue
            key = "HTTP_" + name.replace("-", "_")
            environ[key] = f"{environ[key]},{value}" if key in environ else value
        return environ

    def _socket_error(self, error: OSError) -> None:
        if error.errno in QUIET_ERRORS:
            log.debug("client connection lost: %s", error)
        else:
            self.worker.log.exception("Socket error processing request.")


def lean_handler(worker: Any) -> Callable[[Any], bool | None] | None:
    """`LeanHttp(worker).serve`, or None where the lean path would not match gunicorn."""
    lean = LeanHttp(worker)
    return lean.serve if lean.enabled else None
