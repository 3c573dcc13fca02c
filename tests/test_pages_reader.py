"""The essay reader: paragraphs, sentences with deep links, their claims, facts and mentions."""

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


def _claim(html: str, slug: str) -> str:
    return html.split(f'id="claim-{slug}"', 1)[1].split("</li>\n", 1)[0]


def test_each_sentence_shows_the_claims_it_makes(html: str) -> None:
    sentence = _sentence(html, "p2-s7")
    claims = re.findall(r'<li class="claim [^"]*" id="claim-([^"]+)"', sentence)
    assert set(claims) == {
        "tokyo-growing-sense-of-betrayal",
        "washington-may-have-betrayed-tokyo",
        "us-shifted-to-engagement-with-north-korea",
    }
    betrayed = _claim(html, "washington-may-have-betrayed-tokyo")
    text = re.sub(r"<[^>]+>", "", betrayed)
    assert "Reported attitude" in text and "Possible" in text
    assert "according to Japanese political circles" in re.sub(r"\s+", " ", text)
    assert "<q>may have</q>" in betrayed
    assert 'href="/id/claim/washington-may-have-betrayed-tokyo"' in betrayed
    assert re.search(
        r'Reported within: <a href="/id/claim/tokyo-growing-sense-of-betrayal">[^<]+</a> '
        r'<a class="deep" href="#p2-s7"',
        betrayed,
    )


def test_claims_link_to_the_claims_they_argue_with_both_ways(html: str) -> None:
    factors = _claim(html, "factors-create-uncertainty")
    assert re.search(
        r'>supports</span> <a href="/id/claim/alliance-in-danger-of-drifting-again">[^<]+</a> '
        r'<a class="deep" href="#p2-s1"',
        factors,
    )
    assert factors.count(">caused by</span>") >= 8
    thesis = _claim(html, "alliance-in-danger-of-drifting-again")
    assert '<span class="badge badge-thesis">Thesis</span>' in thesis
    assert re.search(
        r'>supported by</span> <a href="/id/claim/factors-create-uncertainty">[^<]+</a> '
        r'<a class="deep" href="#p2-s8"',
        thesis,
    )
    assert html.count("badge-thesis") == 1


def test_claim_records_stay_out_of_the_fact_list(html: str) -> None:
    for anchor in ("p2-s7", "p2-s8", "p4-s2"):
        details = _sentence(html, anchor).split('<details class="facts-of">', 1)[1]
        assert "/id/claim/" not in details
        assert "Certain" not in details and "Assessment" not in details
        if anchor != "p4-s2":  # where the author recommends, she is named
            assert "Yuki Tatsumi" not in details  # the holder of the claims only


def test_facts_read_as_statements_one_click_from_their_links(html: str) -> None:
    details = _sentence(html, "p2-s6").split('<details class="facts-of">', 1)[1]
    statements = re.findall(r"<li>([^<]*)</li>", details)
    assert "Shinzo Abe frustrates US political circles" in statements
    assert "Shinzo Abe is member of Japanese political leadership" in statements
    assert "Shinzo Abe (political leader; also called “Abe”)" in details
    links = re.findall(r'<a href="([^"]+)"', details)
    assert links == ["/id/source/us-japan-alliance-adrift-again/p2-s6"]


def test_no_hidden_triple_links_outside_curation(html: str) -> None:
    assert 'class="triples"' not in html
    assert "data-s=" not in html
