"""Record files: JSONL (plain or gzipped), CSV and Parquet, with fields mapped by `FieldMap`.

Every reader yields one `Record` or `Reject` per input record, numbered from 1:
the line number in JSONL, the data row number in CSV (header not counted),
the row number in Parquet. A problem that stops a file part-way (a truncated
gzip stream, a broken Parquet page) becomes one reject naming the record
where reading stopped; the records before it are kept.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.io.records import DOCUMENT_SCHEMA, VISIBLE, FieldMap, Record, Reject, Rows, html_as_text

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")

# Errors that end the reading of a compressed or damaged file part-way.
_STREAM_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error, OSError)
_CHUNK = 1 << 20


def field_value(row: dict, key: str):
    """The value of `key` in a row; a dotted key ("meta.url") reaches into nested objects."""
    if key in row:
        return row[key]
    if "." not in key:
        return None
    value = row
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _has_field(row: dict, key: str) -> bool:
    if key in row:
        return True
    head, _, rest = key.partition(".")
    return bool(rest) and isinstance(row.get(head), dict) and _has_field(row[head], rest)


def _scalar_text(value) -> str | None:
    """Metadata and ids as strings: numbers are written out, empty strings are missing."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value if value.strip() else None
    return None


def record_from_row(row: dict, name: str, number: int, fields: FieldMap) -> Record | Reject:
    """Map one input row to a Record (text left unvalidated: the Collector checks it)."""
    raw_id = field_value(row, fields.id)
    doc_id = _scalar_text(raw_id)
    if raw_id is None or (isinstance(raw_id, str) and doc_id is None):
        doc_id = f"{name}:{number}"  # no id given: the record's place is its id
    elif doc_id is None:
        return Reject(name, number, f"id field {fields.id!r} is a {type(raw_id).__name__}, not a string or number")
    if not _has_field(row, fields.text):
        return Reject(name, number, f"missing text field {fields.text!r}", doc_id)
    meta = {part: _scalar_text(field_value(row, getattr(fields, part))) for part in ("url", "source", "date", "title")}
    text = field_value(row, fields.text)
    if isinstance(text, bytes):  # a binary column in Parquet: text only if it is UTF-8
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as err:
            return Reject(name, number, f"invalid UTF-8 at byte {err.start} of the text field", doc_id)
    html = field_value(row, fields.html)
    return Record(
        id=doc_id, text=text, file=name, record=number,
        html=html if isinstance(html, str) else None, **meta,
    )


def _open_binary(path: Path):
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _bounded_lines(handle, limit: int):
    """(line, total length) per line, reading at most `limit` bytes of any one line.

    A longer line is skipped to its end in chunks and yielded as None with its
    length, so a single huge record never has to fit in memory.
    """
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line, len(line)
            continue
        size = len(line)
        while True:
            chunk = handle.readline(_CHUNK)
            size += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
        yield None, size


def _parse_json_line(line: bytes, name: str, number: int, fields: FieldMap) -> Record | Reject:
    try:
        # The line break ends the record; it is not part of it.
        text = line.rstrip(b"\r\n").decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as err:
        return Reject(name, number, f"invalid UTF-8 at byte {err.start} of the line")
    try:
        row = json.loads(text)
    except json.JSONDecodeError as err:
        return Reject(name, number, f"malformed JSON: {err.msg} (column {err.colno})")
    except RecursionError:
        return Reject(name, number, "malformed JSON: nested too deeply")
    if not isinstance(row, dict):
        return Reject(name, number, f"JSON line is a {type(row).__name__}, not an object")
    return record_from_row(row, name, number, fields)


def read_jsonl(path: Path, name: str, fields: FieldMap, max_bytes: int):
    """One document per JSON line; blank lines are not records.

    Read in blocks of lines parsed by pyarrow's JSON reader (`_jsonl_blocks`)
    where the field map allows it; a block the reader cannot take as it is goes
    record by record, so the records and rejects are those of `read_jsonl_records`.
    """
    from copytrace.io.blocks import jsonl_blocks, mapped_keys

    if any("." in key for key in mapped_keys(fields)):
        yield from read_jsonl_records(path, name, fields, max_bytes)
        return
    yield from jsonl_blocks(path, name, fields, max_bytes)


def _jsonl_limit(max_bytes: int) -> int:
    # JSON escapes can make a line up to 6 times longer than its text.
    return 6 * max_bytes + 4096


def read_jsonl_records(path: Path, name: str, fields: FieldMap, max_bytes: int, skip: int = 0):
    """`read_jsonl` record by record (json.loads per line); the first `skip` lines were read already."""
    number = 0
    limit = _jsonl_limit(max_bytes)
    try:
        with _open_binary(path) as handle:
            for number, (line, size) in enumerate(_bounded_lines(handle, limit), start=1):
                if number <= skip:
                    continue
                if line is None:
                    yield Reject(name, number, f"record too large: {size:,} bytes > limit {max_bytes:,} (--max-doc-mb)")
                elif line.strip():
                    yield _parse_json_line(line, name, number, fields)
    except _STREAM_ERRORS as err:
        yield Reject(name, number + 1, f"unreadable after line {number}, rest of file skipped: {_describe(err)}")


def _describe(err: Exception) -> str:
    if isinstance(err, EOFError):
        return "truncated (compressed stream ended early)"
    return f"{err.__class__.__name__}: {err}"


def _csv_rows(path: Path):
    """Rows of a CSV file, decoded leniently: bad UTF-8 bytes become lone surrogates to detect per row."""
    import io

    csv.field_size_limit(sys.maxsize)
    raw = _open_binary(path)
    handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")
    return handle, csv.reader(handle)


def _bad_utf8_field(header: list[str], values: list[str]) -> str | None:
    for column, value in zip(header, values):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return column
    return None


def _id_of_ragged(header: list[str], values: list[str], fields: FieldMap) -> str | None:
    """The id of a ragged row, when the row reaches its id column (a best guess: columns may be shifted)."""
    if fields.id in header and header.index(fields.id) < len(values):
        return _scalar_text(values[header.index(fields.id)])
    return None


def read_csv(path: Path, name: str, fields: FieldMap, max_bytes: int):
    """One document per row of a CSV file with a header row.

    Read in blocks parsed by pyarrow's CSV reader (`blocks.csv_blocks`) where the
    field map allows it; from a block it cannot take as it is, record by record
    (`read_csv_records`), so the records and rejects are the same.
    """
    from copytrace.io.blocks import csv_blocks, mapped_keys

    if any("." in key for key in mapped_keys(fields)):
        yield from read_csv_records(path, name, fields, max_bytes)
        return
    yield from csv_blocks(path, name, fields, max_bytes)


def read_csv_records(path: Path, name: str, fields: FieldMap, max_bytes: int, skip: int = 0):
    """`read_csv` record by record (the csv module); the first `skip` rows were read already."""
    number = 0
    try:
        handle, reader = _csv_rows(path)
        with handle:
            header = next(reader, None)
            if header is None:
                return
            for number, values in enumerate(reader, start=1):
                if number <= skip or not values:
                    continue  # a blank line is not a record
                if len(values) != len(header):
                    yield Reject(name, number, f"ragged row: {len(values)} fields, header has {len(header)} (line {reader.line_num})",
                                 _id_of_ragged(header, values, fields))
                    continue
                column = _bad_utf8_field(header, values)
                if column is not None:
                    yield Reject(name, number, f"invalid UTF-8 in column {column!r} (line {reader.line_num})")
                    continue
                yield record_from_row(dict(zip(header, values)), name, number, fields)
    except csv.Error as err:
        yield Reject(name, number + 1, f"malformed CSV after row {number}, rest of file skipped: {err}")
    except _STREAM_ERRORS as err:
        yield Reject(name, number + 1, f"unreadable after row {number}, rest of file skipped: {_describe(err)}")


def read_parquet(path: Path, name: str, fields: FieldMap, max_bytes: int):
    """One document per row; only the mapped columns are read.

    Where every mapped column is a top-level string column, a batch of rows
    comes out as one `Rows` block (the collector checks it at once, and
    record by record only if some row needs it).
    """
    try:
        # pre_buffer keeps every range it read until the file is closed: memory grew with the file.
        parquet = pq.ParquetFile(path, pre_buffer=False)
    except Exception as err:  # pyarrow raises several kinds for a bad file
        yield Reject(name, 0, f"not a readable Parquet file: {err.__class__.__name__}: {err}")
        return
    wanted = {fields.id, fields.text, fields.url, fields.source, fields.date, fields.title, fields.html}
    wanted |= {key.split(".")[0] for key in wanted}
    columns = [c for c in parquet.schema_arrow.names if c in wanted]
    blocks = _string_columns(parquet.schema_arrow, fields)
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=1024, columns=columns):
            if blocks and _valid_utf8(batch):
                yield _rows_block(batch, name, number, fields)
                number += batch.num_rows
                continue
            for row in batch.to_pylist():
                number += 1
                yield record_from_row(row, name, number, fields)
    except Exception as err:  # a damaged page: keep what was read, reject the rest
        yield Reject(name, number + 1, f"unreadable after row {number}, rest of file skipped: {err.__class__.__name__}: {err}")


_META = ("url", "source", "date", "title", "html")


def _string_columns(schema: pa.Schema, fields: FieldMap) -> bool:
    """Whether rows can be read as blocks: id and text are string columns, other mapped fields strings or absent."""
    def kind(key: str) -> str:
        if key not in schema.names:
            return "absent" if "." not in key else "nested"
        t = schema.field(key).type
        return "string" if pa.types.is_string(t) or pa.types.is_large_string(t) else "null" if pa.types.is_null(t) else "other"

    if kind(fields.id) != "string" or kind(fields.text) != "string":
        return False
    return all(kind(getattr(fields, part)) in ("string", "null", "absent") for part in _META)


def _valid_utf8(batch: pa.RecordBatch) -> bool:
    try:
        batch.validate(full=True)
    except pa.ArrowInvalid:
        return False  # record by record: the row that fails becomes the file's reject, as before
    return True


def _rows_block(batch: pa.RecordBatch, name: str, number: int, fields: FieldMap) -> Rows:
    """The batch as document columns; its rows, one by one, if the collector does not clear the block."""
    n = batch.num_rows
    null = pa.nulls(n, pa.string())

    def meta(key: str, keep_blank: bool = False) -> pa.Array:
        if key not in batch.schema.names:
            return null
        column = batch.column(key).cast(pa.string())
        # Blank metadata is missing (`_scalar_text`); a blank html field is kept as it is.
        return column if keep_blank else pc.if_else(pc.match_substring_regex(column, VISIBLE), column, null)

    table = pa.table({
        "id": batch.column(fields.id).cast(pa.string()),
        "text": batch.column(fields.text).cast(pa.large_string()),
        "url": meta(fields.url), "source": meta(fields.source), "date": meta(fields.date),
        "title": meta(fields.title), "html": meta(fields.html, keep_blank=True).cast(pa.large_string()),
        "origin": pa.array([f"{name}:{i}" for i in range(number + 1, number + n + 1)], pa.string()),
    }, schema=DOCUMENT_SCHEMA)

    def records():
        for i, row in enumerate(batch.to_pylist(), number + 1):
            yield html_as_text(record_from_row(row, name, i, fields))

    return Rows(table, records)