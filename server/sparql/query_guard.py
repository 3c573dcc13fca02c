"""Decide what a query or update may do before the engine sees it, by a lexer-level scan.

Both engines fetch URLs for `SERVICE` and `LOAD` (docs/endpoint.md), and pyoxigraph exposes no
parser, so the scan tokenises the text (skipping strings, IRIs and comments) and reads the few
constructs that matter: the query form, `FROM`/`FROM NAMED`, `SERVICE`, `LOAD`, `USING`, the
nesting depth and the top-level `LIMIT`. Results are cached by query text.

The scan must read the text as the engine does, and refuses where the two could differ:
pyoxigraph matches a keyword without a word boundary (`SERVICE:x` is `SERVICE :x`,
`trueSERVICE` is `true SERVICE`), so a name hiding a dangerous keyword is refused; and a text
with `\\u` escapes is also read with the escapes decoded over the whole text, as SPARQL 1.1
says, and refused if that reading differs in anything that matters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from urllib.parse import urljoin

from .lexer import (
    ESCAPE,
    KEYWORDS,
    OPENERS,
    OPERATOR_WORDS,
    QUERY_FORMS,
    UPDATE_VERBS,
    Token,
    decode_escapes,
    hidden_keyword,
    tokens,
)
from .refused import Refused

NONDETERMINISTIC = frozenset({"RAND", "UUID", "STRUUID"})
OPERATOR_CHARS = frozenset("|/^+-*=<>!")
CACHED_QUERY_CHARS = 16_384


@dataclass(frozen=True)
class Scan:
    """What the scan learnt about one query or update text.

    `refusals` holds what the scan could not read with certainty; `check_fetches` refuses them.
    """

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
    refusals: tuple[str, ...] = ()


def _glue_refusal(token: Token) -> str | None:
    """Why a name or prefixed name is refused: it may hide a keyword the engine would act on."""
    if token.kind == "name":
        if token.word in KEYWORDS:
            return None
        part = token.text
    elif token.kind == "pname":
        part = token.text.partition(":")[0] + ":"
    else:
        return None
    word = hidden_keyword(part)
    if word is None:
        return None
    return (
        f"`{token.text}` is refused: the engine may read it as the keyword {word} followed by "
        f"the rest. Put a space after {word}, or rename the prefix."
    )


def _resolve(token: Token, prefixes: dict[str, str], base: str) -> str:
    if token.kind == "iri":
        iri = decode_escapes(token.text[1:-1])
        return urljoin(base, iri) if base else iri
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
    return _read_both_ways(text)


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
    return _read_both_ways(text)


def _fetches(found: Scan) -> tuple[object, ...]:
    return (found.form, found.services, found.loads, found.from_graphs, found.from_named)


def _read_both_ways(text: str) -> Scan:
    """The engine's reading; with escapes, also the spec's reading, which must agree with it.

    pyoxigraph decodes escapes only inside strings and IRIs, rdflib and the spec everywhere: an
    escape that moves a token boundary (`\\u0022` in a string) would be read two ways.
    """
    engine = _scan(text)
    if not ESCAPE.search(text):
        return engine
    try:
        decoded = decode_escapes(text)
    except Refused as refused:
        return replace(engine, refusals=(*engine.refusals, refused.message))
    spec = _scan(decoded)
    kinds = [token.kind for token in tokens(text)] == [token.kind for token in tokens(decoded)]
    if kinds and _fetches(spec) == _fetches(engine) and not spec.refusals:
        return engine
    message = (
        "The text reads differently once its \\u escapes are decoded (as SPARQL 1.1 says), so "
        "it is refused: write the characters themselves instead of escapes."
    )
    return replace(engine, refusals=(*engine.refusals, message))


@dataclass
class _Reading:
    """What one pass over the tokens has found so far."""

    prefixes: dict[str, str] = field(default_factory=dict)
    base: str = ""
    form: str | None = None
    from_graphs: list[str] = field(default_factory=list)
    from_named: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    loads: bool = False
    nondeterministic: list[str] = field(default_factory=list)
    now_spans: list[tuple[int, int]] = field(default_factory=list)
    limit: int | None = None
    limit_span: tuple[int, int] | None = None
    values_at: int | None = None
    refusals: list[str] = field(default_factory=list)


def _read_prologue(found: list[Token], index: int, word: str, reading: _Reading) -> None:
    """PREFIX and BASE as the engine reads them: a later declaration replaces an earlier one."""
    name, iri = [*found[index + 1 : index + 3], None, None][:2]
    if word == "BASE" and name is not None and name.kind == "iri":
        reading.base = _resolve(name, reading.prefixes, reading.base)
    elif (
        word == "PREFIX"
        and name is not None
        and iri is not None
        and (name.kind, iri.kind) == ("pname", "iri")
        and name.text.index(":") == len(name.text) - 1
    ):
        reading.prefixes[name.text[:-1]] = _resolve(iri, reading.prefixes, reading.base)
    else:
        reading.refusals.append(f"A {word} declaration could not be read.")


def _read_word(found: list[Token], index: int, reading: _Reading) -> None:
    """Note what one keyword means for fetching, replaying and capping."""
    token = found[index]
    word = token.word
    following = found[index + 1] if index + 1 < len(found) else None
    after = following.word if following is not None else ""
    if word in ("PREFIX", "BASE"):
        _read_prologue(found, index, word, reading)
    elif reading.form is None and (word in QUERY_FORMS or word in UPDATE_VERBS):
        reading.form = word
    if word in ("FROM", "USING"):
        named = after == "NAMED"
        graph = _graph_after(found, index + 1 + named, reading.prefixes, reading.base)
        (reading.from_named if named else reading.from_graphs).append(graph)
    elif word == "SERVICE":
        silent = after == "SILENT"
        reading.services.append(
            _graph_after(found, index + 1 + silent, reading.prefixes, reading.base)
        )
    elif word == "LOAD":
        reading.loads = True
    elif word in NONDETERMINISTIC:
        reading.nondeterministic.append(word)
    elif word == "NOW" and after == "" and following is not None and following.text == "(":
        closing = found[index + 2] if index + 2 < len(found) else None
        if closing is not None and closing.text == ")":
            reading.now_spans.append((token.start, closing.start + 1))
    elif word == "LIMIT" and token.depth == 0 and following is not None:
        if following.kind == "number" and following.text.isdigit():
            reading.limit = int(following.text)
            reading.limit_span = (following.start, following.start + len(following.text))
    elif word == "VALUES" and token.depth == 0 and reading.form in QUERY_FORMS:
        reading.values_at = token.start


def _scan(text: str) -> Scan:
    """One reading of the text, token by token, as the engine's grammar would see it."""
    found = tokens(text)
    reading = _Reading()
    for index, token in enumerate(found):
        refusal = _glue_refusal(token)
        if refusal is not None:
            reading.refusals.append(refusal)
        elif token.word:
            _read_word(found, index, reading)
    return Scan(
        form=reading.form,
        from_graphs=tuple(reading.from_graphs),
        from_named=tuple(reading.from_named),
        services=tuple(reading.services),
        loads=reading.loads,
        nondeterministic=tuple(reading.nondeterministic),
        now_spans=tuple(reading.now_spans),
        **_shape(found),
        limit=reading.limit,
        limit_span=reading.limit_span,
        values_at=reading.values_at,
        end=len(text),
        refusals=tuple(reading.refusals),
    )


@dataclass(frozen=True)
class Policy:
    """The limits a scanned text must respect; built from the app's settings."""

    graphs: frozenset[str]
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
    """Refuse anything that would or might make the engine fetch a URL: SERVICE, LOAD, graphs
    outside the dataset, and whatever the scan could not read as the engine does."""
    if found.refusals:
        raise Refused(found.refusals[0])
    if found.loads:
        raise Refused("LOAD is refused: this endpoint never fetches URLs.")
    if found.services:
        shown = found.services[0] or "without an IRI"
        raise Refused(
            f"SERVICE {shown} is refused: this endpoint never makes federated calls, "
            "whatever the service's IRI or variable."
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
