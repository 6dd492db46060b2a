"""Record files: JSONL (plain or gzipped), CSV and Parquet, with fields mapped by `FieldMap`."""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from pathlib import Path

import pyarrow.parquet as pq

from .records import FieldMap, Record, Reject

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")
CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIXES = (".parquet",)


def _value(row: dict, key: str):
    value = row.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


def record_from_row(row: dict, name: str, number: int, fields: FieldMap) -> Record | Reject:
    """Map one input row to a Record (text left unvalidated: the Collector checks it)."""
    doc_id = _value(row, fields.id)
    if doc_id is None:
        doc_id = f"{name}:{number}"
    if not isinstance(doc_id, str):
        return Reject(name, number, f"id field {fields.id!r} is not a string or number")
    if fields.text not in row:
        return Reject(name, number, f"missing text field {fields.text!r}", doc_id)
    meta = {}
    for part in ("url", "source", "date", "title", "html"):
        value = _value(row, getattr(fields, part))
        meta[part] = value if isinstance(value, str) else None
    return Record(id=doc_id, text=row.get(fields.text), file=name, record=number, **meta)


def _open_lines(path: Path):
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_jsonl(path: Path, name: str, fields: FieldMap, max_bytes: int):
    number = 0
    try:
        with _open_lines(path) as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                if len(line) > max_bytes + 1024:
                    yield Reject(name, number, f"record too large: {len(line):,} bytes > limit {max_bytes:,} (--max-doc-mb)")
                    continue
                try:
                    row = json.loads(line)
                except UnicodeDecodeError as err:
                    yield Reject(name, number, f"invalid UTF-8 at byte {err.start}")
                    continue
                except json.JSONDecodeError as err:
                    yield Reject(name, number, f"malformed JSON: {err.msg} at column {err.colno}")
                    continue
                if not isinstance(row, dict):
                    yield Reject(name, number, f"JSON line is a {type(row).__name__}, not an object")
                    continue
                yield record_from_row(row, name, number, fields)
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        yield Reject(name, number + 1, f"unreadable after line {number}: {err.__class__.__name__}: {err}")


def read_csv(path: Path, name: str, fields: FieldMap, max_bytes: int):
    csv.field_size_limit(sys.maxsize)
    number = 0
    try:
        with _open_lines(path) as raw:
            handle = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            reader = csv.DictReader(handle)
            for number, row in enumerate(reader, start=1):
                if None in row:
                    yield Reject(name, number, f"row has {len(row) - 1 + len(row[None])} fields, header has {len(row) - 1}")
                    continue
                yield record_from_row(row, name, number, fields)
    except UnicodeDecodeError as err:
        yield Reject(name, number + 1, f"invalid UTF-8 at byte {err.start} of a chunk after row {number}; rest of file skipped")
    except (csv.Error, EOFError, gzip.BadGzipFile, zlib.error, OSError) as err:
        yield Reject(name, number + 1, f"unreadable after row {number}: {err}")


def read_parquet(path: Path, name: str, fields: FieldMap, max_bytes: int):
    try:
        parquet = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises several kinds for a bad file
        yield Reject(name, 0, f"not a readable Parquet file: {err}")
        return
    wanted = {fields.id, fields.text, fields.url, fields.source, fields.date, fields.title, fields.html}
    columns = [c for c in parquet.schema_arrow.names if c in wanted]
    number = 0
    try:
        for batch in parquet.iter_batches(batch_size=2048, columns=columns):
            for row in batch.to_pylist():
                number += 1
                yield record_from_row(row, name, number, fields)
    except Exception as err:
        yield Reject(name, number + 1, f"unreadable after record {number}: {err}")
