"""Split a captured source text into title, byline, paragraphs, sentences and boilerplate.

Offsets are Python string indices (Unicode code points) into the file's text, as NIF 2.0 counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pysbd

BYLINE = re.compile(r"By (?P<author>[^–—-]+?) [–—-] ")
BOILERPLATE_START = re.compile(r"^Share on ", re.MULTILINE)


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


def segment(text: str) -> Segmentation:
    """Segment a captured essay page.

    The first block is the title. The body starts at the block that opens with a byline
    ("By NAME – "), or after the title if none does, and ends where the site boilerplate
    starts: the first line beginning "Share on ".
    """
    boiler_match = BOILERPLATE_START.search(text)
    body_end = boiler_match.start() if boiler_match else len(text)
    blocks = _blocks(text, 0, body_end)
    title = blocks[0]
    start = next((i for i, b in enumerate(blocks) if BYLINE.match(b.text)), 1)
    byline = author = None
    paragraphs = []
    for number, block in enumerate(blocks[start:], start=1):
        skip = 0
        if number == 1 and (match := BYLINE.match(block.text)):
            byline = _span(text, block.begin, block.begin + match.end("author"))
            author = match.group("author")
            skip = match.end()
        sentences = _sentences(text, block, skip)
        paragraphs.append(Paragraph(block.begin, block.end, block.text, number, sentences))
    boilerplate = _span(text, body_end, len(text)) if boiler_match else None
    return Segmentation(title, byline, author, paragraphs, boilerplate)
