"""Every endpoint setting as data: a name, a default, a type and the help text the docs repeat.

Settings come, in order, from these defaults, the instance folder's `config.py`, environment
variables named `ALLIANCE_KG_<NAME>`, and finally the overrides given to `create_app`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .sandbox import total_memory_bytes

ENV_PREFIX = "ALLIANCE_KG_"


def _boolean(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default, how to read it from text, and what it does."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting("HOST", "127.0.0.1", "Interface to listen on; loopback unless you mean to publish."),
    Setting("PORT", 8000, "TCP port to listen on.", int),
    Setting(
        "WORKERS",
        max(2, 2 * (os.cpu_count() or 1) + 1),
        "Query worker processes under `alliance-kg serve`. A runaway query holds one worker "
        "until the time limit kills it, so keep at least two.",
        int,
    ),
    Setting(
        "QUERY_TIMEOUT",
        30.0,
        "Seconds a request may run. Under `alliance-kg serve` the front answers an overdue "
        "request with 503 and kills and replaces its worker, which frees its CPU.",
        float,
    ),
    Setting(
        "KEEPALIVE",
        5,
        "Seconds an idle HTTP/1.1 connection stays open for the client's next request under "
        "`alliance-kg serve`; 0 closes every connection after its response.",
        int,
    ),
    Setting(
        "REQUEST_READ_TIMEOUT",
        10.0,
        "Seconds a client has to send one whole request (head and body) once it started; "
        "past it the front answers 408 and closes the connection. No worker waits meanwhile.",
        float,
    ),
    Setting(
        "MAX_CONNECTIONS",
        1000,
        "Most client connections the front holds open at once; more are closed on arrival.",
        int,
    ),
    Setting(
        "QUERY_MEMORY_LIMIT",
        0,
        "MiB a request may add to its worker's memory; past it the worker answers 503 and is "
        "replaced. 0 (the default) means half the machine's memory shared by the workers: "
        "total / 2 / (WORKERS + 1).",
        int,
    ),
    Setting(
        "FAST_PATH",
        True,
        "Answer successful `GET /sparql?query=` requests at the WSGI level, skipping Flask's "
        "request machinery (about 0.25 ms a request); errors and every other request still "
        "go through Flask.",
        _boolean,
    ),
    Setting(
        "MAX_RESULT_ROWS",
        10000,
        "Most solutions a query returns: a larger or missing top-level LIMIT is lowered to it "
        "and the response carries `X-SPARQL-MaxRows`. 0 turns the cap off.",
        int,
    ),
    Setting(
        "MAX_REQUEST_BYTES",
        1024 * 1024,
        "Largest request body or query string, in bytes (413 or 414 beyond it).",
        int,
    ),
    Setting(
        "MAX_QUERY_NESTING",
        64,
        "Deepest nesting of braces, brackets and parentheses in a query or update (400 beyond "
        "it); the engine's parser would overflow its stack on thousands.",
        int,
    ),
    Setting(
        "MAX_QUERY_GROUPS",
        1000,
        "Most group patterns (`{`) in one query or update (400 beyond it).",
        int,
    ),
    Setting(
        "MAX_QUERY_OPERATORS",
        2000,
        "Most operators (UNION, OPTIONAL, MINUS, `||`, `&&`, `/`, `|`, comparisons, "
        "arithmetic) in one query or update (400 beyond it): the engine builds a tree as deep "
        "as a chain of them and crashes at about 10,000.",
        int,
    ),
    Setting(
        "UPDATE_TOKEN",
        None,
        "Bearer token that enables SPARQL Update at `/update`. Unset, every update gets 403.",
        lambda value: value or None,
    ),
    Setting(
        "UPDATE_ALLOW_ASSERTED",
        False,
        "Let updates change the built graphs (ontology, text, source, background, provenance, "
        "inferred). Off, an update that could touch one gets 403.",
        _boolean,
    ),
    Setting(
        "UPDATE_LOG",
        None,
        "File that records accepted updates, replayed at start and by every worker; default "
        "`updates.log` in the instance folder.",
        lambda value: value or None,
    ),
    Setting(
        "CORS_ALLOW_ORIGIN",
        "*",
        "Value of `Access-Control-Allow-Origin`. Credentials are never allowed.",
    ),
    Setting(
        "INSTANCE_PATH",
        None,
        "Folder for local state: an optional `config.py` of settings and the update log; "
        "`alliance-kg serve` uses `instance/` in the project.",
        lambda value: value or None,
    ),
    Setting(
        "BUILD_DIR",
        None,
        "Build directory to serve (`dataset.nq` + `manifest.json`); `alliance-kg serve` sets "
        "it to `build/current`.",
        lambda value: value or None,
    ),
    Setting(
        "STORE_DIR",
        None,
        "Folder for on-disk stores (RocksDB), for graphs larger than memory. Set, the build is "
        "bulk-loaded once into `STORE_DIR/<version>` and later starts open it at once, "
        "read-only (no SPARQL Update). Unset, the build is loaded into memory at each start.",
        lambda value: value or None,
    ),
    Setting(
        "WARM_PAGES",
        True,
        "Build the search index and render the home page, timeline and essay pages at start, "
        "before the first request. Turn it off for datasets of many essays, where that takes "
        "minutes: each page is then rendered on its first visit and cached as before.",
        _boolean,
    ),
    Setting(
        "BACKEND",
        None,
        "Serve a remote SPARQL 1.1 store instead of the embedded one: "
        "`sparql+http://HOST:PORT/sparql` (or `sparql+https://`), the store's query endpoint. "
        "Queries reach it through SPARQLWrapper with the same checks and time limit.",
        lambda value: value or None,
    ),
    Setting(
        "ACCESS_LOG",
        False,
        "Log every request (method, target, status, milliseconds). Off by default: it costs "
        "throughput.",
        _boolean,
    ),
    Setting(
        "MAX_RESULT_BYTES",
        16 * 1024 * 1024,
        "Largest result body, in bytes: output stops at the last whole solution or triple "
        "that fits, and the response carries `X-SPARQL-MaxRows`. 0 turns the cap off.",
        int,
    ),
)

SETTINGS_BY_NAME: dict[str, Setting] = {setting.name: setting for setting in SETTINGS}


def memory_limit_bytes(config: Mapping[str, Any]) -> int:
    """`QUERY_MEMORY_LIMIT` in bytes, or its default for this machine and worker count."""
    mebibytes = int(config["QUERY_MEMORY_LIMIT"])
    if mebibytes > 0:
        return mebibytes * 1024 * 1024
    return total_memory_bytes() // 2 // (int(config["WORKERS"]) + 1)


def defaults() -> dict[str, Any]:
    """Every setting at its default value."""
    return {setting.name: setting.default for setting in SETTINGS}


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given as `ALLIANCE_KG_<NAME>` environment variables, parsed."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env in environ:
            found[setting.name] = setting.parse(environ[setting.env])
    return found
