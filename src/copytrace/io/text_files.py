"""Plain-text files (.txt, .md): one document per file, id = path relative to the scanned folder."""

from __future__ import annotations

from pathlib import Path

from copytrace.io.records import FieldMap, Record, Reject

TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")


def decode_text(raw: bytes) -> tuple[str | None, str | None]:
    """(text, None) for valid UTF-8, or UTF-16 with its byte-order mark; else (None, reason).

    A byte-order mark is dropped. Other encodings are refused rather than
    guessed: a wrong guess would silently change the words.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 as saved by Windows tools
        try:
            return raw.decode("utf-16"), None
        except UnicodeDecodeError as err:
            return None, f"invalid UTF-16 at byte {err.start}"
    if b"\x00" in raw[:8192]:
        return None, "binary file (NUL bytes)"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        return None, f"invalid UTF-8 at byte {err.start}"
    return text.removeprefix("\ufeff"), None


def read_text_file(path: Path, name: str, doc_id: str, fields: FieldMap, max_bytes: int):
    size = path.stat().st_size
    if size > max_bytes:
        # Not read at all: a huge file never enters memory.
        yield Reject(name, 1, f"document too large: {size:,} bytes > limit {max_bytes:,} (--max-doc-mb)", doc_id)
        return
    text, reason = decode_text(path.read_bytes())
    if reason:
        yield Reject(name, 1, reason, doc_id)
        return
    yield Record(id=doc_id, text=text, file=name, record=1)
