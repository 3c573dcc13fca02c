"""The lean HTTP path reads and writes exactly what gunicorn would, or hands the request back."""

from __future__ import annotations

import random
import re
from types import SimpleNamespace
from typing import Any

import pytest
from gunicorn.config import Config
from gunicorn.http import RequestParser, wsgi

from alliance_kg.config import defaults
from alliance_kg.lean_http import LeanHttp, Reply, read_head
from alliance_kg.serving import gunicorn_options

CLIENT, SERVER = ("127.0.0.1", 50123), ("127.0.0.1", 8000)
OWN_OBJECTS = {"wsgi.input", "wsgi.errors", "wsgi.early_hints", "gunicorn.socket"}
QUERY = "/sparql?query=SELECT%20%2A%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D&format=json"
LEAN = [
    f"GET {QUERY} HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nAccept: text/csv\r\n\r\n",
    "HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",
    "GET //sparql?x=1?y=2 HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /sp%61rql/%C3%A9 HTTP/1.1\r\nHost: x\r\nAccept: a\r\nAccept: b\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost:   spaced \t\r\nX-Empty:\r\nConnection: Close\r\n\r\n",
    'GET /a HTTP/1.1\r\nhost: x\r\nIf-None-Match: "abc", W/"def"\r\nContent-Type: a/b\r\n\r\n',
]
HANDED_BACK = [
    "GET /a HTTP/1.1\r\nHost: x\r\n",  # incomplete
    "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n",  # pipelined
    "GET /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
    "GET /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    "POST /sparql HTTP/1.1\r\nHost: x\r\n\r\n",
    "OPTIONS /sparql HTTP/1.1\r\nHost: x\r\n\r\n",
    "get /a HTTP/1.1\r\n\r\n",
    "GET /a HTTP/1.0\r\n\r\n",
    "GET /a#frag HTTP/1.1\r\n\r\n",
    "GET http://x/a HTTP/1.1\r\n\r\n",
    "GET /a b HTTP/1.1\r\n\r\n",
    "GET /\xe9 HTTP/1.1\r\n\r\n",
    "GET /a HTTP/1.1\r\nX-Latin: caf\xe9\r\n\r\n",
    "GET /a HTTP/1.1\r\nX_Forwarded_For: 10.0.0.1\r\n\r\n",
    "GET /a HTTP/1.1\r\nX-Forwarded-Proto: https\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n",
    "GET /a HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n",
    "GET /a HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
    "\r\nGET /a HTTP/1.1\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\nAccept: y\r\n\r\n",
    "GET /a HTTP/1.1\r\nAccept: a\r\n  folded\r\n\r\n",
    "GET /a HTTP/1.1\r\nAccept : a\r\n\r\n",
    "GET /a HTTP/1.1\r\n" + "X-A: 1\r\n" * 101 + "\r\n",
    "GET /a HTTP/1.1\r\nX-Long: " + "a" * 8190 + "\r\n\r\n",
]


def gunicorn_config() -> Config:
    config = Config()
    for key, value in gunicorn_options(defaults() | {"PORT": SERVER[1], "WORKERS": 3}).items():
        if key in config.settings:
            config.set(key, value)
    return config


@pytest.fixture(scope="module")
def lean() -> LeanHttp:
    worker = SimpleNamespace(cfg=gunicorn_config(), log=SimpleNamespace(access_log_enabled=False))
    made = LeanHttp(worker)
    assert made.enabled
    return made


def gunicorn_reads(data: bytes, config: Config) -> tuple[Any, dict[str, Any]]:
    """gunicorn's request and environ for `data`, as its worker makes them."""
    request = next(RequestParser(config, iter([data]), CLIENT))
    _response, environ = wsgi.create(request, None, CLIENT, SERVER, config)
    return request, environ


def assert_read_alike(lean: LeanHttp, data: bytes) -> None:
    head = read_head(data, lean.limits)
    assert head is not None
    request, expected = gunicorn_reads(data, lean.worker.cfg)
    conn = SimpleNamespace(sock=None, client=CLIENT, server=SERVER)
    environ = lean.environ(conn, head)
    assert environ["wsgi.input"].read() == b""
    assert {k: v for k, v in environ.items() if k not in OWN_OBJECTS} == {
        k: v for k, v in expected.items() if k not in OWN_OBJECTS
    }
    assert head.close == request.should_close()


@pytest.mark.parametrize("text", LEAN)
def test_lean_heads_get_the_environ_gunicorn_makes(lean: LeanHttp, text: str) -> None:
    assert_read_alike(lean, text.encode("latin-1"))


@pytest.mark.parametrize("text", HANDED_BACK)
def test_anything_unusual_is_handed_back_to_gunicorn(lean: LeanHttp, text: str) -> None:
    assert read_head(text.encode("latin-1"), lean.limits) is None


GOOD_AND_BAD = {  # each piece is good nine times in ten
    "method": (["GET", "HEAD"], ["POST", "get", "GET "]),
    "target": (
        ["/", "sparql", "?query=", "%41", "%", "=", "&", "a", "+", ";", "~", ":", "//", "*"],
        ["#", " ", "\x7f", "\xe9", "\t"],
    ),
    "version": (["HTTP/1.1"], ["HTTP/1.0", "http/1.1", "HTTP/1.10"]),
    "header": (
        [
            "Host: x",
            "Accept: */*",
            "Accept:\t application/json ",
            "User-Agent: t/1",
            "Origin: https://example.org",
            "X-A: a,b;q=0.5",
            "Connection: close",
            "Connection: keep-alive",
            "Content-Type: text/plain",
            'If-None-Match: "abc"',
            "Empty:",
        ],
        [
            "X_Y: 1",
            "X-Forwarded-Proto: https",
            "Connection: upgrade",
            "Content-Length: 0",
            "Expect: 100-continue",
            "Weird: \x80",
            " Lead: x",
            "Space : x",
            "NoColon",
        ],
    ),
    "newline": (["\r\n"], ["\n"]),
    "after": ([""], ["x", "GET / HTTP/1.1\r\n\r\n"]),
}


def random_request(chance: random.Random) -> bytes:
    def pick(kind: str) -> str:
        good, bad = GOOD_AND_BAD[kind]
        return chance.choice(good if chance.random() < 0.9 else bad)

    newline = pick("newline")
    target = "/" + "".join(pick("target") for _ in range(chance.randint(0, 6)))
    lines = [f"{pick('method')} {target} {pick('version')}"]
    lines += [pick("header") for _ in range(chance.randint(0, 4))]
    return (newline.join(lines) + newline + "\r\n" + pick("after")).encode("latin-1")


def test_every_head_read_lean_is_read_alike_by_gunicorn(lean: LeanHttp) -> None:
    chance = random.Random(3)
    read = 0
    for _ in range(3000):
        data = random_request(chance)
        if read_head(data, lean.limits) is not None:
            assert_read_alike(lean, data)
            read += 1
    assert 300 < read < 2700, "the generator should make both kinds of request"


class Recorder:
    """A socket that keeps what is sent."""

    def __init__(self) -> None:
        self.sent = b""

    def sendall(self, data: bytes) -> None:
        self.sent += data


def gunicorn_writes(request: Any, config: Config, status: str, headers: list, body: list) -> bytes:
    sock = Recorder()
    response = wsgi.Response(request, sock, config)
    response.start_response(status, headers)
    for chunk in body:
        response.write(chunk)
    response.close()
    return sock.sent


def lean_writes(method: str, must_close: bool, status: str, headers: list, body: list) -> bytes:
    sock = Recorder()
    reply = Reply(sock, method, must_close)  # type: ignore[arg-type]
    reply.start_response(status, headers)
    for chunk in body:
        reply.write(chunk)
    reply.close()
    return sock.sent


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("close", [False, True])
@pytest.mark.parametrize("status", ["200 OK", "304 NOT MODIFIED", "204 NO CONTENT", "404 X"])
@pytest.mark.parametrize("length", [None, 3, 2])
@pytest.mark.parametrize("body", [[b"abc"], [b"a", b"bc"], [], [b""]])
def test_replies_are_the_bytes_gunicorn_writes(
    method: str, close: bool, status: str, length: int | None, body: list[bytes]
) -> None:
    config = gunicorn_config()
    connection = "close" if close else "keep-alive"
    request, _ = gunicorn_reads(
        f"{method} /a HTTP/1.1\r\nConnection: {connection}\r\n\r\n".encode(), config
    )
    headers = [("Content-Type", "text/plain"), ("Keep-Alive", "timeout=5"), ("X-Id", " 7 ")]
    if length is not None:
        headers.append(("Content-Length", str(length)))
    args = (status, headers, body)
    expected = gunicorn_writes(request, config, *args)
    written = lean_writes(method, close, *args)

    def undated(data: bytes) -> bytes:
        return re.sub(rb"Date: [^\r]*", b"Date: -", data)

    assert undated(written) == undated(expected)
