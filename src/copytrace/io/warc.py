"""WARC and WARC.gz input, read with FastWARC.

Every HTTP response record holding an HTML page (2xx status; a missing or
generic media type is sniffed), and every resource record holding HTML,
becomes a document: id `<file>#<record number>`, url from WARC-Target-URI, date from
WARC-Date (the fetch date; the clean stage replaces it by the publication
date the page states, when it states one). Responses that are not usable
pages (other media types, redirects and errors, revisits, empty or cut-off
payloads) are rejected one by one with the reason; records that never hold a
page (warcinfo, request, metadata) are counted in one line per file. A
compressed file that ends mid-record is reported with where it ends: the
pages before that point are kept.
"""

from __future__ import annotations

import gzip
import re
import zlib
from collections import Counter
from datetime import timezone
from collections.abc import Iterator
from pathlib import Path

from copytrace.io.html import html_record
from copytrace.io.records import FieldMap, Record, Reject

WARC_SUFFIXES = (".warc", ".warc.gz")
HTML_TYPES = ("text/html", "application/xhtml+xml")
# Record types that never hold a page: counted, not rejected one by one.
_NON_PAGE_TYPES = ("warcinfo", "request", "metadata", "conversion", "continuation")


def _gzip_ends_cleanly(path: Path) -> bool:
    """Does the gzip stream end where a member ends? (A cut-off file does not.)"""
    try:
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 22):
                pass
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError):
        return False
    return True


def _iso(moment) -> str | None:
    """A WARC-Date as ISO 8601 in UTC."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dechunk(body: bytes) -> bytes:
    """Undo HTTP chunked transfer encoding (as far as the chunks go)."""
    out, at = bytearray(), 0
    while at < len(body):
        end = body.find(b"\r\n", at)
        if end < 0:
            break
        try:
            size = int(body[at:end].split(b";")[0].strip() or b"0", 16)
        except ValueError:
            return body  # not chunked after all: keep the bytes as sent
        if size == 0:
            break
        out += body[end + 2:end + 2 + size]
        at = end + 2 + size + 2
    return bytes(out)


def http_body(raw: bytes, headers) -> tuple[bytes | None, str | None]:
    """The entity body of an HTTP payload as sent: (bytes, None) or (None, reason)."""
    if headers is not None and "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        raw = _dechunk(raw)
    coding = (headers.get("Content-Encoding") or "").strip().lower() if headers is not None else ""
    if coding in ("", "identity", "none"):
        return raw, None
    try:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(raw, 16 + zlib.MAX_WBITS), None
        if coding == "deflate":
            try:
                return zlib.decompress(raw), None
            except zlib.error:
                return zlib.decompress(raw, -zlib.MAX_WBITS), None
    except zlib.error as err:
        return None, f"body not decodable as {coding}: {err}"
    return None, f"unsupported Content-Encoding {coding!r}"


# Media types a server sends when it does not say: the payload is sniffed instead.
_UNSAID_TYPES = (None, "", "application/octet-stream", "unknown/unknown", "text/plain")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)


def _described(record, kind: str) -> tuple[int | None, str | None, str | None]:
    """(status, media type, declared charset) of a response or resource record."""
    if kind == "resource" or not record.is_http:
        content_type = record.headers.get("Content-Type") or ""
        media = content_type.split(";")[0].strip().lower() or None
        charset = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
        return 200, media, charset.group(1) if charset else None
    status = record.http_headers.status_code if record.http_headers else None
    return status, record.http_content_type, record.http_charset


def _page(record, kind: str, name: str, number: int, max_bytes: int) -> Record | Reject:
    """The document a response (or resource) record holds, or why it holds none."""
    from copytrace.stages.clean.extract import decode_html

    url = record.headers.get("WARC-Target-URI")
    doc_id = f"{name}#{number}"
    expected = record.content_length
    status, media, charset = _described(record, kind)
    problem = None
    if status is None:
        problem = "response without a parsable HTTP status line"
    elif not 200 <= status < 300:
        problem = f"HTTP status {status}, not a page"
    elif media not in HTML_TYPES and media not in _UNSAID_TYPES:
        problem = f"not HTML ({media})"
    elif expected > max_bytes:
        problem = f"page too large: {expected:,} bytes > limit {max_bytes:,} (--max-doc-mb)"
    if problem:
        record.consume()
        return Reject(name, number, f"{problem}: {url}", doc_id)
    raw = record.reader.read()
    if len(raw) < expected:
        return Reject(name, number, f"record cut off: {len(raw):,} of {expected:,} payload bytes (file truncated): {url}", doc_id)
    payload, problem = http_body(raw, record.http_headers if kind == "response" else None)
    if problem or not payload.strip():
        return Reject(name, number, f"{problem or 'empty payload'}: {url}", doc_id)
    if media not in HTML_TYPES and not _HTML_START.match(payload[:4096]):
        return Reject(name, number, f"not HTML ({media or 'no content type'}, and the payload does not start like a page): {url}", doc_id)
    html, how = decode_html(payload, charset)
    fetched = _iso(record.record_date)
    notes = [f"fetched {fetched}" if fetched else "no WARC-Date"]
    if how != "utf-8":
        notes.append(f"encoding {how}")
    if record.headers.get("WARC-Truncated"):
        notes.append(f"WARC-Truncated: {record.headers.get('WARC-Truncated')}")
    return html_record(html, doc_id, name, number, "; ".join(notes), url=url, date=fetched)


def read_warc(path: Path, name: str, fields: FieldMap, max_bytes: int) -> Iterator[Record | Reject]:
    try:
        from fastwarc import ArchiveIterator
    except ImportError:
        yield Reject(name, 0, "reading WARC needs FastWARC: pip install 'copytrace[web]'")
        return
    skipped: Counter[str] = Counter()
    number, cut_off = 0, False
    try:
        for record in ArchiveIterator(str(path), parse_http=True, auto_decode="none"):
            number += 1
            kind = str(record.record_type)
            if record.headers.get("Content-Length") is None:
                cut_off = True
                url = record.headers.get("WARC-Target-URI") or "unknown url"
                yield Reject(name, number, f"record of {url} cut off inside its headers (file truncated)", f"{name}#{number}")
            elif kind in _NON_PAGE_TYPES:
                skipped[kind] += 1
            elif kind not in ("response", "resource"):
                url = record.headers.get("WARC-Target-URI") or "no url"
                what = "a revisit (the content of an earlier capture, not repeated)" if kind == "revisit" else "not a page"
                yield Reject(name, number, f"WARC {kind} record of {url}: {what}", f"{name}#{number}")
            else:
                item = _page(record, kind, name, number, max_bytes)
                cut_off = cut_off or (isinstance(item, Reject) and "file truncated" in item.reason)
                yield item
    except OSError as err:
        yield Reject(name, number + 1, f"unreadable after record {number}: {err}")
        return
    if path.name.lower().endswith(".gz") and not cut_off and not _gzip_ends_cleanly(path):
        yield Reject(name, number + 1, f"file truncated: the compressed stream ends inside a record "
                                       f"(after record {number}); what followed is lost")
    if skipped:
        counts = ", ".join(f"{kind} {n}" for kind, n in sorted(skipped.items()))
        yield Reject(name, 0, f"skipped {sum(skipped.values())} WARC records that hold no page ({counts})")
