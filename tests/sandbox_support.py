"""A WSGI app that tries every way out of its worker, served by the real front (`serve_wsgi`).

    python -m tests.sandbox_support PORT TARGET_URL [BACKEND]

`GET /` answers, one line each, what became of: urllib to TARGET_URL, a raw TCP socket to its
port, and pyoxigraph's SERVICE and LOAD to it.
"""

from __future__ import annotations

import socket
import sys
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

import pyoxigraph as ox

from alliance_kg.config import defaults
from alliance_kg.serving import serve_wsgi


def attempts(target: str) -> list[tuple[str, Callable[[], object]]]:
    port = urlsplit(target).port or 80
    return [
        ("urllib", lambda: urllib.request.urlopen(target, timeout=5).read()),
        ("socket", lambda: socket.create_connection(("127.0.0.1", port), timeout=5).close()),
        ("service", lambda: list(ox.Store().query(f"SELECT * {{ SERVICE <{target}> {{}} }}"))),
        ("load", lambda: ox.Store().update(f"LOAD <{target}>")),
    ]


def prober(target: str) -> Callable:
    def application(environ: dict, start_response: Callable) -> list[bytes]:
        lines = []
        for name, attempt in attempts(target):
            try:
                attempt()
                lines.append(f"{name}: reached")
            except Exception as error:  # each way out must fail: we report how
                lines.append(f"{name}: failed: {type(error).__name__}")
        body = "\n".join(lines).encode()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [body]

    return application


def main(argv: list[str]) -> None:
    port, target, *backend = argv
    config = defaults() | {
        "PORT": int(port),
        "WORKERS": 1,
        "BACKEND": backend[0] if backend else None,
    }
    serve_wsgi(prober(target), config)


if __name__ == "__main__":
    main(sys.argv[1:])
