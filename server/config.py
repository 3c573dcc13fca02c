"""Every endpoint setting as data: a name, a default, the values it takes and the help text the
docs repeat; and the one place settings are read and checked.

Settings come, in order, from these defaults, the instance folder's `config.py`, environment
variables named `ALLIANCE_KG_<NAME>`, and finally the overrides given to `create_app` (under
`alliance-kg serve`: `--set NAME=VALUE` and the shortcut flags). A value no setting takes, or a
name no setting has, stops the start with a `SettingsError` saying where it came from.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .front.sandbox import total_memory_bytes

ENV_PREFIX = "ALLIANCE_KG_"
OTHER_VARIABLES = frozenset({"ALLIANCE_KG_HOME"})  # the project folder, read by `Project.locate`
BOOLEAN_WORDS = {"true": True, "1": True, "yes": True, "on": True}
BOOLEAN_WORDS |= {"false": False, "0": False, "no": False, "off": False}


class SettingsError(Exception):
    """A setting the server cannot start with; the message, for people, names the setting, where
    it came from and what it takes."""


@dataclass(frozen=True)
class Kind:
    """The values a setting takes. `read` turns text (environment, `--set`) or a Python value
    (instance file, overrides) into the setting's value, raising ValueError or TypeError for
    anything else; `accepted` says what it takes, in errors and in the docs' table."""

    accepted: str
    read: Callable[[object], Any]


def _whole(low: int, high: int | None = None) -> Kind:
    def read(raw: object) -> int:
        value = int(raw) if isinstance(raw, str) else raw
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(raw)
        if value < low or (high is not None and value > high):
            raise ValueError(raw)
        return value

    limits = f"from {low} to {high}" if high is not None else f"at least {low}"
    return Kind(f"a whole number {limits}", read)


def _read_seconds(raw: object) -> float:
    value = float(raw) if isinstance(raw, str) else raw
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(raw)
    if not 0 < value < math.inf:
        raise ValueError(raw)
    return float(value)


def _read_boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[raw.strip().lower()]
    raise ValueError(raw)


def _read_path(raw: object) -> str:
    if not isinstance(raw, str | os.PathLike):
        raise TypeError(raw)
    return str(os.fspath(raw))


def _matching(pattern: str, accepted: str) -> Kind:
    def read(raw: object) -> str:
        if not isinstance(raw, str) or not re.fullmatch(pattern, raw):
            raise ValueError(raw)
        return raw

    return Kind(accepted, read)


def _optional(kind: Kind) -> Kind:
    """`kind`, or unset: None, or empty text (`ALLIANCE_KG_UPDATE_TOKEN=` unsets the token)."""
    return Kind(
        f"{kind.accepted}, or empty for the default",
        lambda raw: None if raw is None or raw == "" else kind.read(raw),
    )


SECONDS = Kind("a number of seconds above 0", _read_seconds)
BOOLEAN = Kind("true or false (or 1/0, yes/no, on/off)", _read_boolean)
PATH = _optional(Kind("a path", _read_path))


@dataclass(frozen=True)
class Setting:
    """One configuration key: its default, the values it takes, and what it does."""

    name: str
    default: Any
    help: str
    kind: Kind
    secret: bool = False  # never repeated in an error message

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "HOST",
        "127.0.0.1",
        "Interface to listen on; loopback unless you mean to publish.",
        _matching(r"[^\s/]+", "a host name or IP address"),
    ),
    Setting(
        "PORT",
        8000,
        "TCP port to listen on.",
        _whole(1, 65535),
    ),
    Setting(
        "WORKERS",
        max(2, 2 * (os.cpu_count() or 1) + 1),
        "Query worker processes under `alliance-kg serve`. A runaway query holds one worker "
        "until the time limit kills it, so keep at least two.",
        _whole(1),
    ),
    Setting(
        "QUERY_TIMEOUT",
        30.0,
        "Seconds a request may run. Under `alliance-kg serve` the front answers an overdue "
        "request with 503 and kills and replaces its worker, which frees its CPU.",
        SECONDS,
    ),
    Setting(
        "KEEPALIVE",
        5,
        "Seconds an idle HTTP/1.1 connection stays open for the client's next request under "
        "`alliance-kg serve`; 0 closes every connection after its response.",
        _whole(0),
    ),
    Setting(
        "REQUEST_READ_TIMEOUT",
        10.0,
        "Seconds a client has to send one whole request (head and body) once it started; "
        "past it the front answers 408 and closes the connection. No worker waits meanwhile.",
        SECONDS,
    ),
    Setting(
        "MAX_CONNECTIONS",
        1000,
        "Most client connections the front holds open at once; more are closed on arrival.",
        _whole(1),
    ),
    Setting(
        "QUERY_MEMORY_LIMIT",
        0,
        "MiB a request may add to its worker's memory; past it the worker answers 503 and is "
        "replaced. 0 (the default) means half the machine's memory shared by the workers: "
        "total / 2 / (WORKERS + 1).",
        _whole(0),
    ),
    Setting(
        "MAX_RESULT_ROWS",
        10000,
        "Most solutions a query returns: a larger or missing top-level LIMIT is lowered to it "
        "and the response carries `X-SPARQL-MaxRows`. 0 turns the cap off.",
        _whole(0),
    ),
    Setting(
        "MAX_REQUEST_BYTES",
        1024 * 1024,
        "Largest request body or query string, in bytes (413 or 414 beyond it).",
        _whole(1),
    ),
    Setting(
        "MAX_QUERY_NESTING",
        64,
        "Deepest nesting of braces, brackets and parentheses in a query or update (400 beyond "
        "it); the engine's parser would overflow its stack on thousands.",
        _whole(1),
    ),
    Setting(
        "MAX_QUERY_GROUPS",
        1000,
        "Most group patterns (`{`) in one query or update (400 beyond it).",
        _whole(1),
    ),
    Setting(
        "MAX_QUERY_OPERATORS",
        2000,
        "Most operators (UNION, OPTIONAL, MINUS, `||`, `&&`, `/`, `|`, comparisons, "
        "arithmetic) in one query or update (400 beyond it): the engine builds a tree as deep "
        "as a chain of them and crashes at about 10,000.",
        _whole(0),
    ),
    Setting(
        "UPDATE_TOKEN",
        None,
        "Bearer token that enables SPARQL Update at `/update`. Unset, every update gets 403.",
        _optional(_matching(r"\S+", "a token without spaces")),
        secret=True,
    ),
    Setting(
        "UPDATE_ALLOW_ASSERTED",
        False,
        "Let updates change the built graphs (ontology, text, source, background, provenance, "
        "inferred). Off, an update that could touch one gets 403.",
        BOOLEAN,
    ),
    Setting(
        "UPDATE_LOG",
        None,
        "File that records accepted updates, replayed at start and by every worker; default "
        "`updates.log` in the instance folder.",
        PATH,
    ),
    Setting(
        "CORS_ALLOW_ORIGIN",
        "*",
        "Value of `Access-Control-Allow-Origin`. Credentials are never allowed.",
        _matching(
            r"\*|[A-Za-z][A-Za-z0-9+.-]*://[^/\s]+", "* or one origin, such as https://example.org"
        ),
    ),
    Setting(
        "INSTANCE_PATH",
        None,
        "Folder for local state: an optional `config.py` of settings and the update log; "
        "`alliance-kg serve` uses `instance/` in the project.",
        PATH,
    ),
    Setting(
        "BUILD_DIR",
        None,
        "Build directory to serve (`dataset.nq` + `manifest.json`). Unset, `alliance-kg serve` "
        "serves the project's `build/current`, building it first if there is none.",
        PATH,
    ),
    Setting(
        "STORE_DIR",
        None,
        "Folder for on-disk stores (RocksDB), for graphs larger than memory. Set, the build is "
        "bulk-loaded once into `STORE_DIR/<version>` and later starts open it at once, "
        "read-only (no SPARQL Update). Unset, `serve` chooses by IN_MEMORY_MAX_QUADS.",
        PATH,
    ),
    Setting(
        "IN_MEMORY_MAX_QUADS",
        250_000,
        "Largest dataset `alliance-kg serve` holds in memory, where each query worker has a "
        "copy (and any size with UPDATE_TOKEN set: updates need it there); a larger one is "
        "served from an on-disk store beside the build folders, loaded once "
        "per build version and shared by every worker (docs/scale.md). 0: always on disk.",
        _whole(0),
    ),
    Setting(
        "WARM_PAGES",
        True,
        "Build the search index and render the home page, timeline and essay pages at start, "
        "before the first request, for a store held in memory. A store on disk is never "
        "warmed, so the first answer comes at once: each page is rendered on its first visit "
        "and cached as before.",
        BOOLEAN,
    ),
    Setting(
        "BACKEND",
        None,
        "Serve a remote SPARQL 1.1 store instead of the embedded one: "
        "`sparql+http://HOST:PORT/sparql` (or `sparql+https://`), the store's query endpoint. "
        "Queries reach it through SPARQLWrapper with the same checks and time limit.",
        _optional(
            _matching(
                r"sparql\+https?://\S+", "sparql+http://HOST:PORT/sparql (or sparql+https://)"
            )
        ),
    ),
    Setting(
        "ACCESS_LOG",
        False,
        "Log every request (method, target, status, milliseconds). Off by default: it costs "
        "throughput.",
        BOOLEAN,
    ),
    Setting(
        "MAX_RESULT_BYTES",
        16 * 1024 * 1024,
        "Largest result body, in bytes: output stops at the last whole solution or triple "
        "that fits, and the response carries `X-SPARQL-MaxRows`. 0 turns the cap off.",
        _whole(0),
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


def value_of(setting: Setting, raw: object, origin: str) -> Any:
    """`raw` as `setting` takes it, or a `SettingsError` naming the setting, `origin` (where the
    value came from) and what the setting takes."""
    try:
        return setting.kind.read(raw)
    except (TypeError, ValueError):
        shown = "(hidden)" if setting.secret else repr(raw)
        message = f"{setting.name} {shown} from {origin}: expected {setting.kind.accepted}"
        raise SettingsError(message) from None


def named(name: str, origin: str, prefix: str = "") -> Setting:
    """The setting called `name`, or a `SettingsError` suggesting the closest one; `prefix`
    spells names as the user wrote them (`ALLIANCE_KG_`)."""
    setting = SETTINGS_BY_NAME.get(name)
    if setting is not None:
        return setting
    close = difflib.get_close_matches(name, SETTINGS_BY_NAME, n=1)
    hint = f"; did you mean {prefix}{close[0]}?" if close else ""
    raise SettingsError(
        f"unknown setting {prefix}{name} from {origin}{hint} (docs/endpoint.md lists them)"
    )


def checked(given: Mapping[str, Any], origin: str) -> dict[str, Any]:
    """`given` with each setting's value checked; other keys (`STORE`, `TESTING`) pass as is."""
    return {
        name: value_of(SETTINGS_BY_NAME[name], value, origin) if name in SETTINGS_BY_NAME else value
        for name, value in given.items()
    }


def from_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The settings given as `ALLIANCE_KG_<NAME>` environment variables, checked; any other
    `ALLIANCE_KG_*` variable is most likely a misspelt setting, and an error."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for variable, text in environ.items():
        if variable.startswith(ENV_PREFIX) and variable not in OTHER_VARIABLES:
            setting = named(variable.removeprefix(ENV_PREFIX), "the environment", ENV_PREFIX)
            found[setting.name] = value_of(setting, text, f"the environment ({variable})")
    return found


def from_instance_file(path: Path) -> dict[str, Any]:
    """The upper-case names a Python settings file assigns, as Flask's `from_pyfile` reads them,
    each a known setting with a value it takes; nothing if there is no such file."""
    if not path.is_file():
        return {}
    origin = f"instance file {path}"
    try:
        assigned = {key: value for key, value in runpy.run_path(str(path)).items() if key.isupper()}
    except SyntaxError as error:
        raise SettingsError(f"{origin}, line {error.lineno}: {error.msg}") from None
    for name in assigned:
        named(name, origin)
    if "INSTANCE_PATH" in assigned:
        raise SettingsError(
            f"INSTANCE_PATH from {origin}: cannot be set in the folder it names; set "
            f"{ENV_PREFIX}INSTANCE_PATH or --set INSTANCE_PATH=DIR instead"
        )
    return checked(assigned, origin)


def load(
    given: Mapping[str, Any], instance: str | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The settings to serve with: defaults, the instance folder's `config.py`, the environment,
    then `given`, each checked. The folder is `INSTANCE_PATH` from `given` or the environment,
    else `instance`. Raises `SettingsError` on the first bad value or name."""
    explicit = checked(given, "overrides")
    environment = from_environment(environ)
    folder = explicit.get("INSTANCE_PATH") or environment.get("INSTANCE_PATH") or instance
    settings = defaults()
    if folder:
        settings.update(from_instance_file(Path(folder) / "config.py"))
    settings.update(environment)
    settings.update(explicit)
    settings["INSTANCE_PATH"] = folder
    if settings["BUILD_DIR"] and settings["BACKEND"]:
        raise SettingsError("BUILD_DIR and BACKEND are both set: serve a build or a remote store")
    return settings
