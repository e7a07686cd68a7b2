"""Markdown in edition texts: sanitised HTML, a readable text twin, links found for the check."""

from __future__ import annotations

import pytest

from mailer.core.edition.markup import link_targets, markdown_to_html, markdown_to_text


@pytest.mark.parametrize(
    ("source", "absent"),
    [
        ("<script>alert(1)</script> hei", "<script"),
        ("[klik](javascript:alert(1))", 'href="javascript'),
        ('<img src="https://x.example/a.png" onerror="alert(1)">', "<img"),
        ("[a](https://x.example) <b onclick=x>b</b>", "<b onclick"),
        ("![kuva](https://x.example/a.png)", "<img"),
    ],
)
def test_html_is_sanitised(source: str, absent: str) -> None:
    assert absent not in markdown_to_html(source)


def test_links_are_kept_and_coloured_inline() -> None:
    html = markdown_to_html("Lue [lisää](https://vip-verkosto.example/a?b=1&c=2) **nyt**.")
    assert 'href="https://vip-verkosto.example/a?b=1&amp;c=2"' in html
    assert 'style="color:#0b5c8c"' in html
    assert "<strong>nyt</strong>" in html


def test_text_twin_shows_link_targets_and_lists() -> None:
    source = (
        "Lue [ohje](https://thl.example/ohje) ja <https://oph.example/>.\n\n"
        "- yksi\n- kaksi [posti](mailto:vip@vip-verkosto.example)\n\n1. a\n2. b"
    )
    assert markdown_to_text(source) == (
        "Lue ohje <https://thl.example/ohje> ja https://oph.example/.\n\n"
        "- yksi\n- kaksi posti <vip@vip-verkosto.example>\n\n1. a\n2. b"
    )


def test_text_twin_keeps_ampersands_raw() -> None:
    assert markdown_to_text("Ek & Åberg <3") == "Ek & Åberg <3"


def test_link_targets_lists_every_link() -> None:
    source = "[a](http://x.example) ja <https://y.example> ja [c](/relative)"
    assert link_targets(source) == ["http://x.example", "https://y.example", "/relative"]
