from __future__ import annotations

import unicodedata

import pytest

from alliance_kg.authoring.segment import SegmentRules, segment

from .conftest import DATA, REPO

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


EDGE = DATA / "new-source-edge-cases"
NAMES = [
    ("Jean-Luc Picard", "Jean-Luc Picard"),
    ("Mary Smith-Jones", "Mary Smith-Jones"),
    ("Conan O'Brien", "Conan O'Brien"),
    ("Conan O’Brien", "Conan O'Brien"),  # the text's curly apostrophe, --author's straight one
    ("John A. Smith", "John A. Smith"),
    ("J. R. R. Tolkien", "J. R. R. Tolkien"),
    ("Gérard Araud", "Gérard Araud"),
    (unicodedata.normalize("NFD", "Gérard Araud"), "Gérard Araud"),
]


def sentences(text: str, rules: SegmentRules | None = None) -> list[str]:
    return [s.text for p in segment(text, rules).paragraphs for s in p.sentences]


def assert_exact_slices(text: str, rules: SegmentRules | None = None) -> None:
    parts = segment(text, rules)
    spans = [parts.title, parts.byline, *parts.paragraphs]
    spans += [s for p in parts.paragraphs for s in p.sentences]
    assert all(text[s.begin : s.end] == s.text for s in spans if s)


@pytest.mark.parametrize(("printed", "author"), NAMES)
@pytest.mark.parametrize(
    "layout", ["By {} – First one. Second one.", "By {}\n\nFirst one. Second one."]
)
def test_issue_14_a_byline_with_name_punctuation_is_found(
    printed: str, author: str, layout: str
) -> None:
    text = "A Title\n\n" + layout.format(printed) + "\n"
    for rules in (SegmentRules(None), SegmentRules(None, author=author)):
        parts = segment(text, rules)
        assert parts.byline is not None and parts.byline.text == f"By {printed}"
        assert parts.author == printed
        assert sentences(text, rules) == ["First one.", "Second one."]


def test_issue_14_a_known_author_on_a_line_of_its_own_opens_the_first_paragraph() -> None:
    text = "A Title\n\nBY JEAN-LUC PICARD\nThe fleet was\nrebuilt. It took years.\n"
    rules = SegmentRules(None, author="Jean-Luc Picard")
    parts = segment(text, rules)
    assert parts.byline is not None and parts.byline.text == "BY JEAN-LUC PICARD"
    assert sentences(text, rules) == ["The fleet was\nrebuilt.", "It took years."]
    assert_exact_slices(text, rules)


def test_issue_14_no_byline_is_looked_for_when_the_text_has_none() -> None:
    text = "A Title\n\nBy Jane Roe – First one.\n"
    parts = segment(text, SegmentRules(None, author="Jane Roe", byline=False))
    assert parts.byline is None
    assert [s.text for s in parts.paragraphs[0].sentences] == ["By Jane Roe – First one."]


def test_issue_14_a_name_that_differs_from_the_author_is_no_byline() -> None:
    text = "A Title\n\nBy Jean-Luc Picard – First one.\n"
    assert segment(text, SegmentRules(None, author="Jean Luc Picard")).byline is None
    assert segment(text, SegmentRules(None)).author == "Jean-Luc Picard"


ABBREVIATED = [
    ["Approx. 300 troops landed.", "The rest followed."],
    ["It cost approx. 3 billion yen.", "Nobody objected."],
    ["It cost approx. three billion yen.", "Nobody objected."],
    ["The base, built ca. 1950, is old.", "It stays."],
    ["Allies, e.g. Japan, paid.", "Others did not."],
    ["Allies, i.e. Japan and Korea, paid.", "Others did not."],
    ["Ships, planes, etc. were sent.", "Others were not."],
    ["It was Japan vs. China.", "Others watched."],
    ["He was No. 3 on the list.", "Others were not."],
    ["The U.S. Army came.", "Others watched."],
    ["Gen. Smith came.", "Lt. Col. Doe followed."],
    ["Pres. Bush met Amb. Schieffer and Sec. Rice.", "Nobody else came."],
    ["See Vol. 2, Fig. 3 and pp. 14-15.", "Nothing else."],
    ["Troops arrived in Jan. 2007.", "The base was ready."],
    # a sentence still ends after an abbreviation, or a number, when the next one starts
    ["We sent ships, planes, etc.", "The rest stayed."],
    ["The base closed in 2007.", "3,000 troops remained."],
]


@pytest.mark.parametrize("expected", ABBREVIATED, ids=lambda e: e[0])
def test_issue_14_abbreviations_do_not_end_a_sentence(expected: list[str]) -> None:
    text = f"A Title\n\n{' '.join(expected)}\n"
    assert sentences(text, SegmentRules(None)) == expected
    assert_exact_slices(text, SegmentRules(None))


def test_issue_14_a_wrapped_line_stays_inside_its_sentence() -> None:
    text = (EDGE / "wrapped.txt").read_text("utf-8")
    assert sentences(text) == [
        "The alliance managers in Tokyo and Washington met ca.\n1996 to review the guidelines.",
        "They agreed on approx.\n40 items, i.e. nearly all of them, and the U.S. side\n"
        "promised more.",
        "Gen. Smith and Lt. Col. Doe reported to Pres. Bush,\nwho was pleased.",
        "The talks ended at 5 p.m. on Friday.",
    ]
    assert_exact_slices(text)


def test_issue_14_windows_line_ends_keep_offsets_into_the_unchanged_text() -> None:
    text = (EDGE / "wrapped.txt").read_text("utf-8").replace("\n", "\r\n")
    rules = SegmentRules(author="Mary Smith-Jones")
    parts = segment(text, rules)
    assert parts.byline is not None and parts.byline.text == "By Mary Smith-Jones"
    assert len([s for p in parts.paragraphs for s in p.sentences]) == 4
    assert parts.paragraphs[0].sentences[0].text.endswith("ca.\r\n1996 to review the guidelines.")
    assert_exact_slices(text, rules)


def test_a_boilerplate_marker_found_mid_line_starts_the_boilerplate_at_that_line() -> None:
    text = "A Title\n\nFirst one. Second one.\n\nPlease Share on twitter\n"
    parts = segment(text, SegmentRules("Share on"))
    assert parts.boilerplate is not None and parts.boilerplate.text == "Please Share on twitter"
