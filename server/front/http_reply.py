"""An HTTP/1.1 response as bytes on the wire: written by a query worker straight to the client's
socket, or by the front for the answers it gives itself (503, 408, refusals).

One function, so both write the same framing: the app's hop-by-hop headers are dropped, the
length is counted here, a HEAD answer or a 1xx/204/304 carries no body.
"""

from __future__ import annotations

import time
from email.utils import formatdate

Reply = tuple[str, list[tuple[str, str]], bytes]  # status line, headers, body
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"content-length"})
NO_BODY = ("1", "204", "304")

_date = [0, ""]


def http_date() -> str:
    """The Date header's value, formatted once a second."""
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, formatdate(now, usegmt=True)]
    return str(_date[1])


def response_bytes(method: str, reply: Reply, keep_alive: bool) -> bytes:
    """Status line, headers and body of `reply` to a `method` request, framed for HTTP/1.1."""
    status, headers, body = reply
    lines = [f"HTTP/1.1 {status}".encode("latin-1")]
    declared = None
    for name, value in headers:
        lowered = name.lower().encode("latin-1")
        if lowered == b"content-length":
            declared = value
        if lowered not in HOP_BY_HOP:
            lines.append(f"{name}: {value}".encode("latin-1"))
    bodiless = status.startswith(NO_BODY)
    if not bodiless:
        length = declared if method == "HEAD" and declared else str(len(body))
        lines.append(b"Content-Length: " + length.encode())
    lines.append(b"Date: " + http_date().encode())
    lines.append(b"Connection: keep-alive" if keep_alive else b"Connection: close")
    head = b"\r\n".join(lines) + b"\r\n\r\n"
    return head if method == "HEAD" or bodiless else head + body
