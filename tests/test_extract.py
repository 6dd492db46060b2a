"""Page extraction's own parsing, date order and worker pool give what trafilatura's steps give."""

from __future__ import annotations

import pytest
from lxml import etree
from trafilatura.utils import load_html

from copytrace.stages.clean.extract import ExtractSettings, Page, extract_pages, page_chunks, page_date, parse_page

BODY = "<p>" + "The harbour authority voted on Tuesday to deepen the main channel. " * 12 + "</p>"


def _page(head: str = "", body: str = BODY, start: str = "<!DOCTYPE html>\n<html>") -> str:
    return f"{start}<head><title>Harbour</title>{head}</head><body><article>{body}</article></body></html>"


def _same_tree(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return etree.tostring(a, encoding="unicode") == etree.tostring(b, encoding="unicode")


@pytest.mark.parametrize("html", [
    _page(),
    _page(body=BODY.replace("main", "ma\x0bin\x00 \x1f") + "<p>odd \ufffe\uffff end</p>"),  # characters libxml2 refuses
    _page(start='<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
                '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n<html>'),
    _page(start='<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"/>\n<html>'),
    _page(body="<p>Ünïcödé — «quotes» 東京 😀</p>" + BODY),
    "just a line of text, not a page",
    "<p>one paragraph</p>",
])
def test_parse_page_builds_trafilaturas_tree(html):
    assert _same_tree(parse_page(html), load_html(html))


def test_page_date_quick_search_first_then_extensive():
    stated = _page('<meta property="article:published_time" content="2021-03-04T10:00:00+00:00">')
    assert page_date(parse_page(stated), None) == "2021-03-04"
    in_text_only = _page(body='<div class="x">September 25, 2018</div>' + BODY)  # only the extensive search sees it
    assert page_date(parse_page(in_text_only), None) == "2018-09-25"
    assert page_date(parse_page(_page()), None) is None


def test_page_chunks_cover_every_page_largest_first():
    sizes = [5, 900, 40, 40, 7000, 1] * 20
    chunks = page_chunks(sizes, workers=2)
    order = [i for chunk in chunks for i in chunk]
    assert sorted(order) == list(range(len(sizes)))
    assert [sizes[i] for i in order] == sorted(sizes, reverse=True)
    assert len(chunks) >= 2 * 16 // 4  # small chunks: workers finish together


def test_pool_keeps_order_and_reports_failures():
    good = _page('<meta name="author" content="Ada Lovelace">')
    pages = [(good.replace("Harbour", f"Harbour {i}"), f"https://p.example/{i}") for i in range(60)]
    pages[7] = ("<html><body><script>app()</script></body></html>", None)  # no main text
    pages[31] = (None, None)  # breaks the extractor: reported, not raised
    serial = extract_pages(pages, ExtractSettings(workers=1))
    parallel = extract_pages(pages, ExtractSettings(workers=2))
    assert parallel == serial
    assert parallel[7] is None and isinstance(parallel[31], str)
    assert all(isinstance(p, Page) and p.title == f"Harbour {i}" and p.author == "Ada Lovelace"
               for i, p in enumerate(parallel) if i not in (7, 31))
