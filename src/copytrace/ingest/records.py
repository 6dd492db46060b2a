"""The one document schema every reader yields, and the collector that validates records.

Readers turn files into `Record`s (a candidate document) or `Reject`s (a
record that cannot be one, with the reason). The `Collector` applies the
checks that are the same for every format (empty text, size limit, duplicate
id), so that every input record ends up either in the documents or in the
rejects, never silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

DOCUMENT_FIELDS = ("id", "text", "url", "source", "date", "title", "html", "origin")

DOCUMENT_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("text", pa.large_string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("source", pa.string()),
        pa.field("date", pa.string()),
        pa.field("title", pa.string()),
        pa.field("html", pa.large_string()),
        pa.field("origin", pa.string()),
    ]
)

REJECT_SCHEMA = pa.schema(
    [
        pa.field("file", pa.string()),
        pa.field("record", pa.int64()),
        pa.field("id", pa.string()),
        pa.field("reason", pa.string()),
    ]
)

DEFAULT_MAX_DOC_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True)
class FieldMap:
    """Which input field holds each part of a document (for JSONL, CSV and Parquet)."""

    id: str = "id"
    text: str = "text"
    source: str = "source"
    date: str = "date"
    url: str = "url"
    title: str = "title"
    html: str = "html"


@dataclass
class Record:
    """A candidate document, as read from one input record."""

    id: str
    text: str | None
    file: str
    record: int
    url: str | None = None
    source: str | None = None
    date: str | None = None
    title: str | None = None
    html: str | None = None

    @property
    def origin(self) -> str:
        return f"{self.file}:{self.record}"


@dataclass
class Reject:
    """An input record that did not become a document, and why."""

    file: str
    record: int
    reason: str
    id: str | None = None

    def as_dict(self) -> dict:
        return {"file": self.file, "record": self.record, "id": self.id, "reason": self.reason}


def _encodable(value: str | None) -> bool:
    if value is None or value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Collector:
    """Validates records into document columns; everything else becomes a reject."""

    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES
    columns: dict = field(default_factory=lambda: {name: [] for name in DOCUMENT_FIELDS})
    rejects: list = field(default_factory=list)
    seen_ids: set = field(default_factory=set)
    read: int = 0

    def add(self, item: Record | Reject) -> None:
        self.read += 1
        if isinstance(item, Reject):
            self.rejects.append(item)
            return
        reason = self._problem(item)
        if reason:
            self.rejects.append(Reject(item.file, item.record, reason, item.id))
            return
        self.seen_ids.add(item.id)
        for name in DOCUMENT_FIELDS:
            self.columns[name].append(getattr(item, name))

    def _problem(self, item: Record) -> str | None:
        doc_id, text = item.id, item.text
        if not isinstance(doc_id, str) or not doc_id.strip():
            return "missing id"
        if text is None:
            return "missing text field"
        if not isinstance(text, str):
            return f"text field is not a string ({type(text).__name__})"
        if not text or text.isspace():  # isspace, not strip: no copy of a large text
            return "empty text (nothing but whitespace)"
        if text.isascii():
            size = len(text)
        else:
            try:
                size = len(text.encode("utf-8"))
            except UnicodeEncodeError as err:
                # A JSON "\ud800" escape decodes to a lone surrogate: not text, and not writable.
                return f"invalid Unicode in text: lone surrogate at character {err.start}"
        if size > self.max_doc_bytes:
            return f"document too large: {size:,} bytes > limit {self.max_doc_bytes:,} (--max-doc-mb)"
        if "\x00" in text:
            return "binary content (NUL bytes) in text"
        for name in ("id", "url", "source", "date", "title", "html"):
            if not _encodable(getattr(item, name)):
                return f"invalid Unicode in {name} field: lone surrogate"
        if doc_id in self.seen_ids:
            return f"duplicate id {doc_id!r} (first occurrence kept)"
        return None

    @property
    def used(self) -> int:
        return len(self.columns["id"])

    def documents(self) -> pa.Table:
        return pa.table({name: self.columns[name] for name in DOCUMENT_FIELDS}, schema=DOCUMENT_SCHEMA)

    def rejects_table(self) -> pa.Table:
        return pa.Table.from_pylist([r.as_dict() for r in self.rejects], schema=REJECT_SCHEMA)
