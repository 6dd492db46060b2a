"""RSS and Atom feeds: one document per item, the feed footer kept as credit evidence, broken items reported."""

from __future__ import annotations

import shutil
from html import escape
from pathlib import Path

import pytest

import copytrace

from conftest import LAVROV, SEED_IDS

pytest.importorskip("feedparser")

SEED_002 = (LAVROV / SEED_IDS[2]).read_text(encoding="utf-8")
HEADLINE_002, *REST_002 = [p for p in SEED_002.split("\n") if p.strip()]
FOOTER_002 = next(p for p in REST_002 if p.startswith("The post "))
BODY_002 = [p for p in REST_002 if p not in (FOOTER_002, "Source")]


def wordpress_item(guid: str, title: str, paragraphs: list[str], footer: str, date="Mon, 14 Oct 2019 08:00:00 +0300") -> str:
    content = "".join(f"<p>{escape(p)}</p>" for p in paragraphs) + f"<p>{escape(footer)}</p>"
    return f"""<item><title>{escape(title)}</title><link>https://theduran.com/{guid}/</link>
<guid isPermaLink="false">https://theduran.com/?p={guid}</guid><pubDate>{date}</pubDate>
<description><![CDATA[{escape(paragraphs[0][:80])} [&#8230;]]]></description>
<content:encoded><![CDATA[{content}]]></content:encoded></item>"""


def rss(items: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>The Duran</title><link>https://theduran.com</link><description>News</description>
{items}
</channel></rss>"""


def test_rss_items_become_documents_with_their_footer(tmp_path):
    other = ["A second story, about a harbour, that was published the day after.", "It has two paragraphs."]
    feed = rss(wordpress_item("101", HEADLINE_002, BODY_002, FOOTER_002)
               + wordpress_item("102", "Harbour story", other, "The post Harbour story appeared first on The Duran.",
                                "Tue, 15 Oct 2019 09:30:00 GMT"))
    (tmp_path / "duran.rss").write_text(feed, encoding="utf-8")
    result = copytrace.scan(tmp_path)
    docs = result.documents.to_pylist()
    assert [d["id"] for d in docs] == ["https://theduran.com/?p=101", "https://theduran.com/?p=102"]
    first = docs[0]
    assert first["title"] == HEADLINE_002 and first["url"] == "https://theduran.com/101/"
    assert first["source"] == "The Duran" and first["date"] == "2019-10-14T05:00:00Z"
    assert first["text"].split("\n") == [p.strip() for p in (*BODY_002, FOOTER_002)]  # full content, not the description
    assert first["origin"] == "duran.rss:1 (feed item 1)"
    assert docs[1]["text"].endswith("\nThe post Harbour story appeared first on The Duran.")
    assert result.tables["removed_lines"].num_rows == 0


def test_atom_feed(tmp_path):
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Port News</title><id>urn:port</id><updated>2021-03-04T10:00:00Z</updated>
<entry><title>Dredging approved</title><id>urn:port:1</id><link href="https://portnews.example/1"/>
<updated>2021-03-04T10:00:00+01:00</updated>
<content type="html">&lt;p&gt;The port authority voted on Tuesday to deepen the channel.&lt;/p&gt;&lt;p&gt;Fishermen objected.&lt;/p&gt;</content></entry>
<entry><title>Summary only</title><id>urn:port:2</id><link href="https://portnews.example/2"/>
<summary>Only a summary, and that is the whole item.</summary></entry>
</feed>"""
    (tmp_path / "port.atom").write_text(atom, encoding="utf-8")
    docs = copytrace.scan(tmp_path).documents.to_pylist()
    assert [(d["id"], d["text"], d["date"]) for d in docs] == [
        ("urn:port:1", "The port authority voted on Tuesday to deepen the channel.\nFishermen objected.", "2021-03-04T09:00:00Z"),
        ("urn:port:2", "Only a summary, and that is the whole item.", None),
    ]
    assert docs[0]["source"] == "Port News" and docs[0]["url"] == "https://portnews.example/1"


def test_broken_feed_entries_lose_no_document(tmp_path):
    items = (wordpress_item("1", "Fine story", ["The first item is fine and whole."], "The post Fine story appeared first on The Duran.")
             + "<item><title>Broken & unescaped</title><link>https://theduran.com/2/</link>"
               "<description>Text with a bare & ampersand and <b>an unclosed tag</description></item>"
             + "<item><title>Empty item</title><link>https://theduran.com/3/</link></item>"
             + wordpress_item("4", "Last story", ["The last item is read too."], "The post Last story appeared first on The Duran."))
    (tmp_path / "broken.xml").write_text(rss(items), encoding="utf-8")
    result = copytrace.scan(tmp_path)
    docs = {d["id"]: d for d in result.documents.to_pylist()}
    assert list(docs) == ["https://theduran.com/?p=1", "https://theduran.com/2/", "https://theduran.com/?p=4"]
    assert docs["https://theduran.com/2/"]["text"] == "Text with a bare & ampersand and an unclosed tag"
    assert all("feed not well-formed" in d["origin"] and "read leniently" in d["origin"] for d in docs.values())
    (reject,) = result.rejects.to_pylist()
    assert reject == {"file": "broken.xml", "record": 3, "id": "https://theduran.com/3/",
                      "reason": "feed item 3 ('Empty item') has no content or description"}


def test_xml_that_is_not_a_feed(tmp_path):
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset><url><loc>https://x.example/</loc></url></urlset>')
    (tmp_path / "garbage.rss").write_bytes(b"\x00\x01 not xml at all")
    (tmp_path / "ok.txt").write_text("A text document keeps the run going.", encoding="utf-8")
    result = copytrace.scan(tmp_path)
    reasons = {r["file"]: r["reason"] for r in result.rejects.to_pylist()}
    assert set(reasons) == {"sitemap.xml", "garbage.rss"}
    assert all(r.startswith("not an RSS or Atom feed") for r in reasons.values())


def test_feed_item_is_linked_to_the_original_and_keeps_its_credit_footer(tmp_path):
    for name in SEED_IDS[:2]:
        shutil.copy(LAVROV / name, tmp_path / name)
    (tmp_path / "duran.rss").write_text(rss(wordpress_item("101", HEADLINE_002, BODY_002, FOOTER_002)), encoding="utf-8")
    result = copytrace.scan(tmp_path)
    pairs = {(p["a"], p["b"]) for p in result.pairs.to_pylist()}
    assert (SEED_IDS[0], "https://theduran.com/?p=101") in pairs
    item = next(d for d in result.documents.to_pylist() if d["id"] == "https://theduran.com/?p=101")
    assert FOOTER_002 in item["text"] and "Sputnik News reports" in item["text"]
