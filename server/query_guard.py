"""Decide what a query or update may do before the engine sees it, by a lexer-level scan.

Both engines fetch URLs for `SERVICE` and `LOAD` (docs/endpoint.md), and pyoxigraph exposes no
parser, so the scan tokenises the text (skipping strings, IRIs and comments) and reads the few
constructs that matter: the query form, `FROM`/`FROM NAMED`, `SERVICE`, `LOAD`, `USING`, the
nesting depth and the top-level `LIMIT`. Results are cached by query text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urljoin

_PN_CHARS = r"\w\-\u00B7-\uFFFF"
_LOCAL = rf"(?:[{_PN_CHARS}:%]|\\.)*(?:\.+(?:[{_PN_CHARS}:%]|\\.)+)*"
TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<comment>\#[^\n\r]*)
    |(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    |(?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
        |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    |(?P<var>[?$][\w\u00B7-\uFFFF]+)
    |(?P<bnode>_:[\w\-.\u00B7-\uFFFF]+)
    |(?P<pname>(?:[^\W\d_][\w\-.\u00B7-\uFFFF]*)?:"""
    + _LOCAL
    + r""")
    |(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    |(?P<number>[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?)
    |(?P<name>[^\W\d][\w]*)
    |(?P<op>\|\||&&|<=|>=|!=|\^\^)
    |(?P<punct>.)""",
    re.VERBOSE | re.DOTALL,
)

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_VERBS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
NONDETERMINISTIC = frozenset({"RAND", "UUID", "STRUUID"})
OPENERS = {"{": "}", "(": ")", "[": "]"}
OPERATOR_CHARS = frozenset("|/^+-*=<>!")
OPERATOR_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})
CACHED_QUERY_CHARS = 16_384


class Refused(Exception):
    """A request the endpoint will not run: 400 (or `status`) with a message for the client."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "name" else ""


@dataclass(frozen=True)
class Scan:
    """What the scan learnt about one query or update text."""

    form: str | None
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    loads: bool = False
    nondeterministic: tuple[str, ...] = ()
    now_spans: tuple[tuple[int, int], ...] = ()
    max_depth: int = 0
    groups: int = 0
    operators: int = 0
    limit: int | None = None
    limit_span: tuple[int, int] | None = None
    values_at: int | None = None
    end: int = 0
    notes: dict[str, str] = field(default_factory=dict)


def tokens(text: str) -> list[Token]:
    """The significant tokens of a SPARQL text, each with its bracket depth."""
    found: list[Token] = []
    depth = 0
    for match in TOKEN.finditer(text):
        kind = match.lastgroup or "punct"
        if kind in ("ws", "comment"):
            continue
        value = match.group()
        if kind == "punct" and value in "})]":
            depth = max(0, depth - 1)
        found.append(Token(kind, value, match.start(), depth))
        if kind == "punct" and value in OPENERS:
            depth += 1
    return found


def _resolve(token: Token, prefixes: dict[str, str], base: str) -> str:
    if token.kind == "iri":
        return urljoin(base, token.text[1:-1]) if base else token.text[1:-1]
    if token.kind == "pname":
        prefix, _, local = token.text.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        return token.text
    return token.text


def _graph_after(found: list[Token], index: int, prefixes: dict[str, str], base: str) -> str:
    following = found[index] if index < len(found) else None
    if following is None or following.kind not in ("iri", "pname", "var"):
        return ""
    return _resolve(following, prefixes, base)


def scan(text: str) -> Scan:
    """Scan a query or update; cached for texts of ordinary size."""
    if len(text) <= CACHED_QUERY_CHARS:
        return _cached_scan(text)
    return _scan(text)


def _shape(found: list[Token]) -> dict[str, int]:
    """How deep, how many groups, how many operators: what the engine's recursion depends on."""
    max_depth = groups = operators = 0
    for token in found:
        max_depth = max(max_depth, token.depth + (token.text in OPENERS))
        if token.text == "{":
            groups += 1
        elif (
            (token.kind == "op" and token.text != "^^")
            or (token.kind == "punct" and token.text in OPERATOR_CHARS)
            or token.word in OPERATOR_WORDS
        ):
            operators += 1
    return {"max_depth": max_depth, "groups": groups, "operators": operators}


@lru_cache(maxsize=2048)
def _cached_scan(text: str) -> Scan:
    return _scan(text)


def _scan(text: str) -> Scan:  # noqa: PLR0912 - one pass over the tokens, one branch a keyword
    found = tokens(text)
    prefixes: dict[str, str] = {}
    base = ""
    form: str | None = None
    from_graphs: list[str] = []
    from_named: list[str] = []
    services: list[str] = []
    nondeterministic: list[str] = []
    now_spans: list[tuple[int, int]] = []
    loads = False
    limit: int | None = None
    limit_span: tuple[int, int] | None = None
    values_at: int | None = None
    for index, token in enumerate(found):
        word = token.word
        if not word:
            continue
        if word == "PREFIX" and index + 2 < len(found) and found[index + 2].kind == "iri":
            name = found[index + 1].text.rstrip(":")
            prefixes[name] = _resolve(found[index + 2], prefixes, base)
        elif word == "BASE" and index + 1 < len(found) and found[index + 1].kind == "iri":
            base = _resolve(found[index + 1], prefixes, base)
        elif form is None and (word in QUERY_FORMS or word in UPDATE_VERBS):
            form = word
        if word in ("FROM", "USING"):
            named = index + 1 < len(found) and found[index + 1].word == "NAMED"
            graph = _graph_after(found, index + 1 + named, prefixes, base)
            (from_named if named else from_graphs).append(graph)
        elif word == "SERVICE":
            silent = index + 1 < len(found) and found[index + 1].word == "SILENT"
            services.append(_graph_after(found, index + 1 + silent, prefixes, base))
        elif word == "LOAD":
            loads = True
        elif word in NONDETERMINISTIC:
            nondeterministic.append(word)
        elif word == "NOW" and index + 2 < len(found) and found[index + 1].text == "(":
            closing = found[index + 2]
            if closing.text == ")":
                now_spans.append((token.start, closing.start + 1))
        elif word == "LIMIT" and token.depth == 0 and index + 1 < len(found):
            number = found[index + 1]
            if number.kind == "number" and number.text.isdigit():
                limit = int(number.text)
                limit_span = (number.start, number.start + len(number.text))
        elif word == "VALUES" and token.depth == 0 and form in QUERY_FORMS:
            values_at = token.start
    return Scan(
        form=form,
        from_graphs=tuple(from_graphs),
        from_named=tuple(from_named),
        services=tuple(services),
        loads=loads,
        nondeterministic=tuple(nondeterministic),
        now_spans=tuple(now_spans),
        **_shape(found),
        limit=limit,
        limit_span=limit_span,
        values_at=values_at,
        end=len(text),
    )


@dataclass(frozen=True)
class Policy:
    """The limits a scanned text must respect; built from the app's settings."""

    graphs: frozenset[str]
    service_allowlist: frozenset[str] = frozenset()
    max_nesting: int = 64
    max_groups: int = 1000
    max_operators: int = 2000
    max_rows: int = 0


def check_shape(found: Scan, policy: Policy) -> None:
    """Refuse texts nested deeper or with more groups than the engine can safely parse."""
    if found.max_depth > policy.max_nesting:
        raise Refused(
            f"The query nests {found.max_depth} levels deep; the limit is "
            f"{policy.max_nesting} (MAX_QUERY_NESTING)."
        )
    if found.groups > policy.max_groups:
        raise Refused(
            f"The query has {found.groups} group patterns; the limit is "
            f"{policy.max_groups} (MAX_QUERY_GROUPS)."
        )
    if found.operators > policy.max_operators:
        raise Refused(
            f"The query has {found.operators} operators (UNION, OPTIONAL, ||, /, ...); the "
            f"limit is {policy.max_operators} (MAX_QUERY_OPERATORS)."
        )


def check_fetches(found: Scan, policy: Policy) -> None:
    """Refuse anything that would make the engine fetch a URL: SERVICE, LOAD, outside graphs."""
    if found.loads:
        raise Refused("LOAD is refused: this endpoint never fetches URLs.")
    for service in found.services:
        if service not in policy.service_allowlist:
            shown = service or "without an IRI"
            raise Refused(
                f"SERVICE {shown} is refused: federated queries are off unless the endpoint "
                "is on SERVICE_ALLOWLIST."
            )
    for graph in (*found.from_graphs, *found.from_named):
        if graph not in policy.graphs:
            raise Refused(
                f"The graph {graph or '(missing IRI)'} is not in this dataset; FROM, FROM NAMED "
                "and USING may only name the dataset's own graphs (see /.well-known/void)."
            )


def check_query(text: str, policy: Policy) -> Scan:
    """Scan a query and apply every check; the scan is returned for dataset and LIMIT use."""
    found = scan(text)
    check_shape(found, policy)
    if found.form in UPDATE_VERBS:
        raise Refused(
            f"{found.form} is an update: send updates to /update (see /sparql's service "
            "description).",
        )
    check_fetches(found, policy)
    return found


def capped(text: str, found: Scan, max_rows: int) -> tuple[str, bool]:
    """The query with its top-level LIMIT no larger than `max_rows`, and whether it changed."""
    if not max_rows or found.form not in ("SELECT", "CONSTRUCT", "DESCRIBE"):
        return text, False
    if found.limit is not None and found.limit_span is not None:
        if found.limit <= max_rows:
            return text, False
        start, end = found.limit_span
        return f"{text[:start]}{max_rows}{text[end:]}", True
    if found.values_at is not None:
        at = found.values_at
        return f"{text[:at]}LIMIT {max_rows}\n{text[at:]}", True
    return f"{text}\nLIMIT {max_rows}", True
