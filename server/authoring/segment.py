"""Split a captured source text into title, byline, paragraphs, sentences and boilerplate.

Offsets are Python string indices (Unicode code points) into the file's text, as NIF 2.0 counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pysbd

BYLINE = re.compile(r"By (?P<author>[^–—\n-]+?)(?: [–—-] |\s*$)")
BOILERPLATE_MARKER = r"^Share on "


@dataclass(frozen=True)
class SegmentRules:
    """What a curator may override when a source is added.

    `boilerplate_marker` is a regular expression matched against each line: the page furniture
    (share links, subscription forms) starts at the first line it matches and runs to the end
    of the text. `None` means the text has no boilerplate.
    """

    boilerplate_marker: str | None = BOILERPLATE_MARKER

    def boilerplate_start(self, text: str) -> int | None:
        if self.boilerplate_marker is None:
            return None
        match = re.compile(self.boilerplate_marker, re.MULTILINE).search(text)
        return match.start() if match else None


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


def _sentences(text: str, block: Span, skip: int) -> list[Span]:
    segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    start = block.begin + skip
    spans = [
        _span(text, start + piece.start, start + piece.end)
        for piece in segmenter.segment(text[start : block.end])
    ]
    return [span for span in spans if span.text]


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
    title = blocks[0]
    start = next((i for i, b in enumerate(blocks) if i and BYLINE.match(b.text)), 1)
    byline = author = None
    skip = 0
    if start < len(blocks) and (match := BYLINE.match(blocks[start].text)):
        block = blocks[start]
        byline = _span(text, block.begin, block.begin + match.end("author"))
        author = match.group("author")
        if match.end() >= len(block.text):  # a byline block of its own, not part of p1
            start += 1
        else:
            skip = match.end()
    paragraphs = []
    for number, block in enumerate(blocks[start:], start=1):
        sentences = _sentences(text, block, skip if number == 1 else 0)
        paragraphs.append(Paragraph(block.begin, block.end, block.text, number, sentences))
    boilerplate = None if boiler_start is None else _span(text, body_end, len(text))
    return Segmentation(title, byline, author, paragraphs, boilerplate)
