from __future__ import annotations

from alliance_kg.authoring.segment import segment

from .conftest import REPO

ESSAY = REPO / "triples" / "sources" / "us-japan-alliance-adrift-again.txt"


def test_source_copy_is_the_seed_unchanged() -> None:
    seed = REPO.parent / "shared" / "seed" / ESSAY.name
    if seed.exists():
        assert seed.read_bytes() == ESSAY.read_bytes()


def test_essay_has_four_paragraphs_and_twenty_sentences() -> None:
    parts = segment(ESSAY.read_text("utf-8"))
    assert [len(p.sentences) for p in parts.paragraphs] == [6, 8, 4, 2]


def test_every_span_is_the_exact_slice_of_the_text() -> None:
    text = ESSAY.read_text("utf-8")
    parts = segment(text)
    spans = [parts.title, parts.byline, *parts.paragraphs]
    spans += [s for p in parts.paragraphs for s in p.sentences]
    for span in spans:
        assert span is not None
        assert text[span.begin : span.end] == span.text


def test_title_byline_and_boilerplate_are_told_apart() -> None:
    parts = segment(ESSAY.read_text("utf-8"))
    assert parts.title.text == "US-Japan Alliance: Adrift Again?"
    assert parts.byline is not None and parts.byline.text == "By Yuki Tatsumi"
    assert parts.author == "Yuki Tatsumi"
    assert (
        parts.paragraphs[0].sentences[0].text == "A decade ago, the US-Japan alliance was adrift."
    )
    assert parts.boilerplate is not None
    assert parts.boilerplate.text.startswith("Share on twitter")
    assert (
        parts.paragraphs[-1]
        .sentences[-1]
        .text.endswith("move the issues within the alliance forward.")
    )
    assert "Share on" not in parts.paragraphs[-1].text


def test_curly_quotes_and_dashes_stay_inside_their_sentence() -> None:
    parts = segment(ESSAY.read_text("utf-8"))
    sentence = parts.paragraphs[1].sentences[5].text
    assert sentence.startswith("The Japanese leadership’s—particularly Abe’s—inability")
    assert sentence.endswith("successful US pursuit of its interests in Asia.")
