"""The one document schema every reader yields, and the collector that validates records.

Readers turn files into `Record`s (a candidate document) or `Reject`s (a
record that cannot be one, with the reason). The `Collector` applies the
checks that are the same for every format (empty text, size limit, duplicate
id), so that every input record ends up either in the documents or in the
rejects, never silently lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

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


# Characters for which str.isspace() is true (Unicode White_Space minus the ZW* forms): a string holding
# any other character is not blank. RE2's \s is ASCII only, so the set is spelt out.
_SPACE = "\\t\\n\\x0b\\f\\r\\x1c-\\x1f \\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}"
VISIBLE = f"[^{_SPACE}]"


def html_as_text(item: Record | Reject) -> Record | Reject:
    """A record with no text but an html field: the page is its text (the clean stage extracts it)."""
    if isinstance(item, Record) and (item.text is None or item.text == "") and item.html and item.html.strip():
        item.text = item.html
    return item


@dataclass
class Rows:
    """A block of input records already in document columns (a Parquet batch), checked at once.

    `table` has DOCUMENT_SCHEMA; `records()` gives the same records one by
    one, for a block the collector's block checks do not clear; `facts` are
    known facts to apply (which only the record-by-record path does).
    """

    table: pa.Table
    records: Callable[[], Iterator[Record | Reject]]
    facts: dict | None = None


def _holds_nul(texts: pa.ChunkedArray) -> bool:
    """Whether any text holds a NUL byte: the smallest byte of the texts' UTF-8 data (a vector min, GB/s)."""
    import numpy as np

    for chunk in texts.chunks:
        if len(chunk) == 0:
            continue
        _, offsets, data = chunk.buffers()
        width = np.int64 if pa.types.is_large_string(chunk.type) or pa.types.is_large_binary(chunk.type) else np.int32
        bounds = np.frombuffer(offsets, dtype=width)[[chunk.offset, chunk.offset + len(chunk)]]
        if bounds[1] > bounds[0] and np.frombuffer(data, dtype=np.uint8)[bounds[0]:bounds[1]].min() == 0:
            return True
    return False


@dataclass
class Collector:
    """Validates records into document columns; everything else becomes a reject."""

    max_doc_bytes: int = DEFAULT_MAX_DOC_BYTES
    columns: dict = field(default_factory=lambda: {name: [] for name in DOCUMENT_FIELDS})
    rejects: list = field(default_factory=list)
    seen_ids: set = field(default_factory=set)
    read: int = 0
    blocks: list = field(default_factory=list)  # tables of cleared Rows blocks and of records before them, in order
    held: int = 0  # text held since the last take_documents (characters of records, bytes of blocks)

    def add(self, item: Record | Reject | Rows) -> None:
        if isinstance(item, Rows):
            self._add_rows(item)
            return
        self.read += 1
        if isinstance(item, Reject):
            self.rejects.append(item)
            return
        reason = self._problem(item)
        if reason:
            self.rejects.append(Reject(item.file, item.record, reason, item.id))
            return
        self.seen_ids.add(item.id)
        self.held += len(item.text)
        for name in DOCUMENT_FIELDS:
            self.columns[name].append(getattr(item, name))

    def _add_rows(self, rows: Rows) -> None:
        """A block whose every record passes the checks joins as it is; any other goes record by record."""
        table = rows.table
        ids = table["id"].to_pylist() if self._block_clear(table) else None
        if ids is None or len(set(ids)) < len(ids) or any(i in self.seen_ids for i in ids) \
                or (rows.facts and any(i in rows.facts for i in ids)):
            for item in rows.records():
                if rows.facts and isinstance(item, Record) and item.id in rows.facts:
                    for part, value in rows.facts[item.id].items():
                        if getattr(item, part) is None:
                            setattr(item, part, str(value))
                self.add(item)
            return
        self.read += table.num_rows
        self.seen_ids.update(ids)
        self.held += pc.sum(pc.binary_length(table["text"])).as_py() or 0
        self._seal_columns()
        self.blocks.append(table)

    def _block_clear(self, table: pa.Table) -> bool:
        """Every record of the block passes `_problem` (ids checked apart): what `add` would keep, vectorized."""
        if table.num_rows == 0 or table["id"].null_count or table["text"].null_count:
            return False
        text = table["text"]
        return bool(pc.all(pc.match_substring_regex(table["id"], VISIBLE)).as_py()
                    and pc.all(pc.match_substring_regex(text, VISIBLE)).as_py()
                    and pc.max(pc.binary_length(text)).as_py() <= self.max_doc_bytes
                    and not _holds_nul(text))

    def _seal_columns(self) -> None:
        if self.columns["id"]:
            self.blocks.append(pa.table({name: self.columns[name] for name in DOCUMENT_FIELDS}, schema=DOCUMENT_SCHEMA))
            self.columns = {name: [] for name in DOCUMENT_FIELDS}

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
        return len(self.columns["id"]) + sum(block.num_rows for block in self.blocks)

    def documents(self) -> pa.Table:
        self._seal_columns()
        return pa.concat_tables(self.blocks) if self.blocks else DOCUMENT_SCHEMA.empty_table()

    def take_documents(self) -> pa.Table:
        """The documents collected since the last take, handed over (the collector keeps only the ids seen)."""
        documents = self.documents()
        self.blocks, self.held = [], 0
        return documents

    def rejects_table(self) -> pa.Table:
        return pa.Table.from_pylist([r.as_dict() for r in self.rejects], schema=REJECT_SCHEMA)
