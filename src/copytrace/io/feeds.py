"""RSS and Atom feeds: one document per item, read with feedparser.

An item's text is all the text of its body (content:encoded or Atom
content, else its description), one line per paragraph, nothing judged
boilerplate: the feed footer WordPress and Yoast add ("The post <title>
appeared first on <site>.") stays in the text as the last line, where the
credit detector looks for it. The item's id is its guid (or link), so the
same item in two snapshots of a feed is read once; url, title, date
(published, else updated, in UTC) and source (the feed's title) come from
the item and the feed.

A feed that is not well-formed XML is read leniently; the items of such a
feed say so in `origin`. An item without any body is rejected with its
title.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from pathlib import Path

from copytrace.io.html import NotedRecord, read_gzip_or_plain
from copytrace.io.records import FieldMap, Record, Reject

FEED_SUFFIXES = (".rss", ".atom", ".rss.gz", ".atom.gz", ".xml", ".xml.gz")


def _utc(struct: time.struct_time | None) -> str | None:
    if not struct:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(struct)))


def _body_html(entry) -> str | None:
    """The fullest body an item has: content (HTML preferred) over summary."""
    contents = entry.get("content") or []
    html = [c.get("value") for c in contents if "html" in (c.get("type") or "") and c.get("value")]
    plain = [c.get("value") for c in contents if c.get("value")]
    best = html or plain
    if best:
        return max(best, key=len)
    return entry.get("summary") or None


def _malformed_note(parsed) -> str | None:
    if not parsed.get("bozo"):
        return None
    err = parsed.get("bozo_exception")
    where = ""
    if hasattr(err, "getLineNumber"):
        where = f" at line {err.getLineNumber()}"
    message = getattr(err, "getMessage", lambda: str(err))()
    return f"feed not well-formed: {message}{where}; read leniently"


def read_feed(path: Path, name: str, fields: FieldMap, max_bytes: int) -> Iterator[Record | Reject]:
    try:
        import feedparser
    except ImportError:
        yield Reject(name, 0, "reading feeds needs feedparser: pip install 'copytrace[web]'")
        return
    from copytrace.stages.clean.extract import fragment_text

    raw, reason = read_gzip_or_plain(path, max_bytes * 8)  # a feed holds many documents
    if reason:
        yield Reject(name, 0, reason)
        return
    parsed = feedparser.parse(raw)
    if not parsed.get("version") and not parsed.entries:
        problem = _malformed_note(parsed) or "no RSS or Atom root element"
        yield Reject(name, 0, f"not an RSS or Atom feed ({problem.removesuffix('; read leniently')})")
        return
    note = _malformed_note(parsed)
    site = parsed.feed.get("title") or None
    for number, entry in enumerate(parsed.entries, start=1):
        title = entry.get("title") or None
        doc_id = entry.get("id") or entry.get("link") or f"{name}#{number}"
        body = _body_html(entry)
        text = fragment_text(body) if body else ""
        if not text:
            yield Reject(name, number, f"feed item {number} ({title or 'untitled'!r}) has no content or description", doc_id)
            continue
        yield NotedRecord(
            id=doc_id,
            text=text,
            file=name,
            record=number,
            url=entry.get("link") or None,
            source=site,
            date=_utc(entry.get("published_parsed") or entry.get("updated_parsed")),
            title=title,
            html=body if body != text else None,  # a text equal to its html would be taken for a page
            note=note or f"feed item {number}",
        )
