"""The essay reader: paragraphs, sentences with deep links, their facts and mentions."""

from __future__ import annotations

import re

import pytest

from alliance_kg.store.backend import Backend

from .pages_support import HTML, essay_app

ESSAY = "/essay/us-japan-alliance-adrift-again"


@pytest.fixture(scope="module")
def html(essay_store: Backend) -> str:
    client = essay_app(essay_store).test_client()
    page = client.get(ESSAY, headers=HTML)
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _sentence(html: str, anchor: str) -> str:
    return html.split(f'<div class="sentence" id="{anchor}"', 1)[1].split("</details>", 1)[0]


def test_reader_shows_every_paragraph_and_sentence_with_an_anchor(html: str) -> None:
    paragraphs = re.findall(r'<section class="paragraph" id="(p\d+)"', html)
    assert paragraphs == ["p1", "p2", "p3", "p4"]
    sentences = re.findall(r'<div class="sentence" id="(p\d+-s\d+)"', html)
    assert len(sentences) == 20
    assert 'href="#p2-s3"' in html


def test_each_sentence_lists_the_facts_it_supports(html: str) -> None:
    sentence = _sentence(html, "p2-s3")
    assert "parliamentary election coming up on July 29" in re.sub(r"<[^>]+>", "", sentence)
    assert 'href="/id/event/upper-house-election-2007"' in sentence
    assert re.search(r"\d+ facts", sentence)


def test_mentions_are_highlighted_and_linked(html: str) -> None:
    sentence = _sentence(html, "p2-s2")
    assert re.search(
        r'<a class="mention" href="/id/actor/bush-administration"[^>]*>Bush administration</a>',
        sentence,
    )
    assert re.search(r'<a class="mention" href="/id/issue/iraq"[^>]*>Iraq</a>', sentence)


def test_essay_address_serves_the_only_source(essay_store: Backend) -> None:
    client = essay_app(essay_store).test_client()
    html = client.get("/essay", headers=HTML).get_data(as_text=True)
    assert html.count('class="sentence" id="p') == 20
    missing = client.get("/essay/no-such-essay", headers=HTML)
    assert missing.status_code == 404
