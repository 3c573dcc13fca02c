"""SPARQL text read as the engine reads it: tokens with their bracket depth, escapes decoded.

pyoxigraph exposes no parser, so every check that must agree with the engine (the query guard,
the update fence, the update dataset) reads the text through these tokens; a differential test
(tests/test_query_guard.py) compares this reading with the engine's on generated variants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .refused import Refused

_PN_CHARS = r"\w\-\u00B7-\uFFFF"
_LOCAL = rf"(?:[{_PN_CHARS}:%]|\\.)*(?:\.+(?:[{_PN_CHARS}:%]|\\.)+)*"
TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<comment>\#[^\n\r]*)
    |(?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
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
OPENERS = {"{": "}", "(": ")", "[": "]"}
OPERATOR_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})
# Keywords the engine may read straight after another one, with no space between them.
_KEYWORD_TEXT = """BASE PREFIX ORDER BY ASC DESC LIMIT OFFSET DISTINCT REDUCED FROM NAMED WHERE
    GRAPH SERVICE SILENT BIND UNDEF FILTER VALUES TO INTO DEFAULT ALL DATA USING GROUP HAVING AS
    NOT IN EXISTS TRUE FALSE"""
KEYWORDS = QUERY_FORMS | UPDATE_VERBS | OPERATOR_WORDS | frozenset(_KEYWORD_TEXT.split())
GLUED = ("SERVICE", "LOAD", "FROM", "USING", "NAMED", "WITH", "INTO")
LEADING = ("PREFIX", "BASE")
ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    depth: int

    @property
    def word(self) -> str:
        return self.text.upper() if self.kind == "name" else ""


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


def decode_escapes(text: str) -> str:
    """`\\uXXXX` and `\\UXXXXXXXX` decoded over the whole text, as SPARQL 1.1 (19.2) says.

    Raises `Refused` for a code point no engine can take (a surrogate, or past U+10FFFF).
    """

    def one(match: re.Match[str]) -> str:
        point = int(match.group(1) or match.group(2), 16)
        if point > 0x10FFFF or 0xD800 <= point <= 0xDFFF:
            raise Refused(f"The escape {match.group()} is not a Unicode character.")
        return chr(point)

    return ESCAPE.sub(one, text)


@lru_cache(maxsize=4096)
def hidden_keyword(name: str) -> str | None:
    """The dangerous keyword the engine could read at the start of `name`, if any.

    The engine matches keywords without a word boundary, so `SERVICEc` may be `SERVICE c` and
    `ASKFROM` `ASK FROM`: every split into leading keywords is tried.
    """
    upper = name.upper()
    if upper.startswith(LEADING):
        return next(word for word in LEADING if upper.startswith(word))
    todo, seen = [0], set()
    while todo:
        at = todo.pop()
        rest = upper[at:]
        for word in GLUED:
            if rest.startswith(word):
                return word
        for word in KEYWORDS:
            if rest.startswith(word) and at + len(word) not in seen:
                seen.add(at + len(word))
                todo.append(at + len(word))
    return None
