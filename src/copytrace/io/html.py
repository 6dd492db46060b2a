"""HTML input: .html/.htm files (plain or gzipped), and a raw-HTML column in JSONL, CSV or Parquet.

Readers do not extract: they decode the page and hand over a document whose
`text` is its `html`. The clean stage (`copytrace.stages.clean`) extracts the main
text of all such documents at once, in worker processes, and fills the
metadata the page states. A row that has both a text and an html field keeps
its own text (the html is then only kept, not read).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from copytrace.io.records import FieldMap, Record, Reject, Rows, html_as_text

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".html.gz", ".htm.gz", ".xhtml.gz")


@dataclass
class NotedRecord(Record):
    """A Record whose origin carries a note on how it was read (encoding, fetch date, feed)."""

    note: str | None = None

    @property
    def origin(self) -> str:
        base = f"{self.file}:{self.record}"
        return f"{base} ({self.note})" if self.note else base


def html_record(html: str, doc_id: str, name: str, number: int, note: str | None = None, **meta) -> NotedRecord:
    """A document still to be extracted: its text is its html."""
    return NotedRecord(id=doc_id, text=html, html=html, file=name, record=number, note=note, **meta)


def _gunzip(packed: bytes, limit: int) -> bytes:
    """At most `limit` bytes of a gzip file's content (all its members), in C calls.

    What `gzip.open(...).read(limit)` gives, without its Python read loop
    (a tenth of a millisecond a page); EOFError for a cut stream.
    """
    if packed[:2] != b"\x1f\x8b":
        raise gzip.BadGzipFile(f"not a gzipped file ({packed[:2]!r})")
    pieces, size = [], 0
    while packed and size < limit:
        member = zlib.decompressobj(wbits=31)
        piece = member.decompress(packed, limit - size)
        pieces.append(piece)
        size += len(piece)
        if size >= limit:
            break
        if not member.eof:
            raise EOFError("compressed stream ends early")
        packed = member.unused_data.lstrip(b"\x00")  # gzip allows zero padding between members
        if packed and packed[:2] != b"\x1f\x8b":
            raise gzip.BadGzipFile("trailing garbage after the compressed data")
    return b"".join(pieces)


def read_gzip_or_plain(path: Path, max_bytes: int) -> tuple[bytes | None, str | None]:
    """(bytes, None) or (None, reason); a gzip larger than the limit is not inflated past it."""
    if not path.name.lower().endswith(".gz"):
        size = path.stat().st_size
        if size > max_bytes:
            return None, f"document too large: {size:,} bytes > limit {max_bytes:,} (--max-doc-mb)"
        return path.read_bytes(), None
    try:
        raw = _gunzip(path.read_bytes(), max_bytes + 1)
    except EOFError:
        return None, "truncated gzip file (compressed stream ends early): not read"
    except (gzip.BadGzipFile, zlib.error, OSError) as err:
        return None, f"not a readable gzip file: {err}"
    if len(raw) > max_bytes:
        return None, f"document too large: over {max_bytes:,} bytes once decompressed (--max-doc-mb)"
    return raw, None


def read_html_file(path: Path, name: str, fields: FieldMap, max_bytes: int) -> Iterator[Record | Reject]:
    """One page per file; id = path relative to the scanned folder, as for text files."""
    from copytrace.stages.clean.extract import decode_html

    raw, reason = read_gzip_or_plain(path, max_bytes)
    if reason:
        yield Reject(name, 1, reason, name)
        return
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        yield Reject(name, 1, "binary file (NUL bytes), not HTML", name)
        return
    html, how = decode_html(raw)
    note = None if how == "utf-8" else f"encoding {how}"
    yield html_record(html, name, name, 1, note)




def with_html_rows(reader: Callable) -> Callable:
    """Wrap a JSONL/CSV/Parquet reader so that rows with an html field and no text become pages.

    The wrapped reader rejects a row whose text field is absent; those rows
    are read again with the html field as their text (a second pass over the
    file, made only when such rows exist) and reach the clean stage as pages.
    """

    def read(path: Path, name: str, fields: FieldMap, max_bytes: int) -> Iterator[Record | Reject]:
        missing = f"missing text field {fields.text!r}"
        held: dict[int, Reject] = {}
        for item in reader(path, name, fields, max_bytes):
            if isinstance(item, Reject) and item.reason == missing:
                held[item.record] = item
                continue
            yield html_as_text(item)  # a Rows block passes as it is: it applies this to its records
        if not held:
            return
        second = reader(path, name, replace(fields, text=fields.html), max_bytes)
        for item in (one for block in second for one in (block.records() if isinstance(block, Rows) else [block])):
            first = held.pop(item.record, None)
            if first is None:
                continue  # already handled in the first pass
            if isinstance(item, Record) and item.html and item.html.strip():
                yield item
            else:
                first.reason = f"missing text field {fields.text!r} and html field {fields.html!r}"
                yield first
        yield from held.values()

    read.__name__ = f"{reader.__name__}_with_html"
    return read
