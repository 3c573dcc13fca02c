"""Split a captured source text into title, byline, paragraphs, sentences and boilerplate.

Offsets are Python string indices (Unicode code points) into the file's text, as NIF 2.0 counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from itertools import pairwise

import pysbd

# What ends a byline that opens a paragraph: a spaced dash ("By Jane Roe – After ...").
BYLINE_END = r"[ \t]+[–—-][ \t]+"
# Any name: no line break and no en or em dash; a hyphen only unspaced, as in "Jean-Luc".
BYLINE = re.compile(rf"By[ \t]+(?P<author>\S[^\n–—]*?)(?:{BYLINE_END}|[ \t]*$)")
BOILERPLATE_MARKER = r"^Share on "
APOSTROPHES = "'’ʼ"
HYPHENS = "-‐‑"
LINE_BREAK = re.compile(r"[\r\n\v\f\x85\u2028\u2029]")

# Abbreviations after which pysbd 0.3 may end a sentence although none ends there. A title
# never ends one (a name follows); the others do not when a digit follows ("approx. 300",
# "ca. 1950", "Vol. 2"). Before a lowercase letter no abbreviation ends a sentence.
TITLES = frozenset(
    {"adm", "amb", "brig", "capt", "cdr", "cmdr", "col", "cpl", "det", "dr", "gen", "gov"}
    | {"hon", "insp", "lt", "maj", "messrs", "mr", "mrs", "ms", "pres", "prof", "pvt", "rep"}
    | {"reps", "rev", "sec", "secy", "sen", "sens", "sgt", "supt"}
)
BEFORE_NUMBERS = frozenset(
    {"approx", "art", "c", "ca", "cf", "ch", "chap", "est", "fig", "figs", "incl", "no", "nos"}
    | {"nr", "p", "para", "pp", "sect", "tab", "vol", "vols", "jan", "feb", "mar", "apr", "jun"}
    | {"jul", "aug", "sep", "sept", "oct", "nov", "dec"}
)


@dataclass(frozen=True)
class SegmentRules:
    """What a curator may override when a source is added.

    `boilerplate_marker` is a regular expression matched against each line: the page furniture
    (share links, subscription forms) starts at the first line it matches and runs to the end
    of the text. `None` means the text has no boilerplate. `author` is the name the byline
    gives (any name if `None`); `byline=False` says the text prints none.
    """

    boilerplate_marker: str | None = BOILERPLATE_MARKER
    author: str | None = None
    byline: bool = True

    def boilerplate_start(self, text: str) -> int | None:
        """The offset of the start of the first line the marker matches, if any."""
        if self.boilerplate_marker is None:
            return None
        match = re.compile(self.boilerplate_marker, re.MULTILINE).search(text)
        return text.rfind("\n", 0, match.start()) + 1 if match else None

    def byline_pattern(self) -> re.Pattern[str] | None:
        """The byline to look for: "By NAME" then a spaced dash, a line break or the end of
        its block; with a known author, that name in any case, apostrophe or hyphen form."""
        if not self.byline:
            return None
        if self.author is None:
            return BYLINE
        name = r"\s+".join(_name_pattern(word) for word in self.author.split())
        ending = rf"{BYLINE_END}|[ \t\r]*\n|[ \t]*$"
        return re.compile(rf"By[ \t]+(?P<author>{name})(?:{ending})", re.IGNORECASE)


def _name_pattern(word: str) -> str:
    """One word of a name, whatever apostrophe, hyphen or Unicode normal form the text uses."""
    parts = []
    for char in unicodedata.normalize("NFC", word):
        decomposed = unicodedata.normalize("NFD", char)
        if char in APOSTROPHES:
            parts.append(f"[{APOSTROPHES}]")
        elif char in HYPHENS:
            parts.append(f"[{HYPHENS}]")
        elif decomposed != char:
            parts.append(f"(?:{re.escape(char)}|{re.escape(decomposed)})")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


@dataclass(frozen=True)
class Span:
    """A stretch of the source text, `text == source[begin:end]`."""

    begin: int
    end: int
    text: str


@dataclass(frozen=True)
class Paragraph(Span):
    number: int
    sentences: list[Span] = field(default_factory=list)


@dataclass
class Segmentation:
    """The parts of a source a knowledge graph can cite, and the part it must not."""

    title: Span
    byline: Span | None
    author: str | None
    paragraphs: list[Paragraph]
    boilerplate: Span | None


def _span(text: str, begin: int, end: int) -> Span:
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return Span(begin, end, text[begin:end])


def _blocks(text: str, begin: int, end: int) -> list[Span]:
    """The blank-line separated blocks of `text[begin:end]`."""
    blocks = []
    for match in re.finditer(r"(?:(?!\n\s*\n).)+", text[begin:end], re.DOTALL):
        block = _span(text, begin + match.start(), begin + match.end())
        if block.text:
            blocks.append(block)
    return blocks


def _continues(before: str, after: str) -> bool:
    """Whether the split pysbd made between `before` and `after` falls after an abbreviation."""
    token = before.rsplit(maxsplit=1)[-1].lstrip("([{“‘\"'")
    word = token[:-1]
    if not token.endswith(".") or not word[:1].isalpha() or not word.replace(".", "").isalpha():
        return False
    word = word.lower()
    return word in TITLES or after[0].islower() or (after[0].isdigit() and word in BEFORE_NUMBERS)


def _sentences(text: str, block: Span, skip: int) -> list[Span]:
    """The sentences of a block from `skip` on. A line break inside a block is a wrapped line,
    so pysbd sees a space there (same length: offsets stay those of the unchanged text); each
    sentence runs to the next one's start, so no text falls between two sentences."""
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    start = block.begin + skip
    flat = LINE_BREAK.sub(" ", text[start : block.end])
    ends = sorted({start + piece.end for piece in segmenter.segment(flat)} - {start})
    bounds = [start, *(end for end in ends if end < block.end), block.end]
    spans: list[Span] = []
    for begin, end in pairwise(bounds):
        span = _span(text, begin, end)
        if not span.text:
            continue
        if spans and _continues(spans[-1].text, span.text):
            span = _span(text, spans.pop().begin, end)
        spans.append(span)
    return spans


def _find_byline(
    text: str, blocks: list[Span], rules: SegmentRules
) -> tuple[int, Span | None, str | None, int]:
    """The index of the first paragraph's block, the byline and the name it gives, and how
    far into that block the first paragraph starts (past a byline that opens it)."""
    pattern = rules.byline_pattern()
    for start, block in enumerate(blocks[1:], start=1):
        if pattern is None or not (match := pattern.match(block.text)):
            continue
        byline = _span(text, block.begin, block.begin + match.end("author"))
        if match.end() >= len(block.text):  # a byline block of its own, not part of p1
            return start + 1, byline, match.group("author"), 0
        return start, byline, match.group("author"), match.end()
    return 1, None, None, 0


def segment(text: str, rules: SegmentRules | None = None) -> Segmentation:
    """Segment a captured page into blank-line separated blocks, then sentences (pysbd).

    The first block is the title. The body starts at the block that opens with a byline
    ("By NAME – " before the first sentence, or a block that is only "By NAME"), or after the
    title if none does, and ends where the boilerplate starts (`SegmentRules`: by default the
    first line beginning "Share on ").
    """
    rules = rules or SegmentRules()
    boiler_start = rules.boilerplate_start(text)
    body_end = len(text) if boiler_start is None else boiler_start
    blocks = _blocks(text, 0, body_end)
    if not blocks:
        raise ValueError("the text has no title: it is empty before the boilerplate")
    start, byline, author, skip = _find_byline(text, blocks, rules)
    paragraphs = []
    for number, block in enumerate(blocks[start:], start=1):
        sentences = _sentences(text, block, skip if number == 1 else 0)
        paragraphs.append(Paragraph(block.begin, block.end, block.text, number, sentences))
    boilerplate = None if boiler_start is None else _span(text, body_end, len(text))
    return Segmentation(blocks[0], byline, author, paragraphs, boilerplate)
