"""The ingest bar's total, known before reading: how many records the inputs hold, counted or estimated cheaply;
and how many bytes they hold once read (`input_bytes`, for the engine `auto` chooses).

Per file of the input listing (the same walk ingest reads): a Parquet file's row count from its footer; one
record for a page or text file; for line-based files (JSONL, CSV) the newlines, counted whole up to
`EXACT_BYTES` and otherwise estimated from the first `SAMPLE_BYTES` of text and the file's size (for a
gzipped file, from the compressed bytes the sample took); WARC and feed files likewise by their record
markers. Costs a stat per file and at most a few MB read per big file: a fraction of a second next to
ingest. The bar still ends at the count actually read (`progress.RichProgress.task`).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

EXACT_BYTES = 64 << 20
SAMPLE_BYTES = 4 << 20
_CHUNK = 1 << 20
# Bytes of text per byte of a compressed file (gzip, WARC.gz).
_COMPRESSED = 4

# Record markers of the formats that hold many records per file.
_LINE = b"\n"
_WARC = b"WARC-Type: response"
_FEED_MARKERS = (b"<item", b"<entry")


def expected_records(paths) -> int | None:
    """Records the inputs under `paths` should give (an estimate where a file is big or compressed).

    None when nothing can be said (no readable input): the bar then counts without a total.
    """
    from copytrace.io import Reject, _walk, reader_for

    total, seen = 0, False
    try:
        for target in paths:
            for found in _walk(Path(target)):
                if isinstance(found, Reject):
                    continue
                path = found[0]
                if reader_for(path) is None:
                    continue
                try:
                    total += records_in(path)
                    seen = True
                except (OSError, EOFError, ValueError):
                    continue  # ingest will reject it with its reason; the total just leaves it out
    except OSError:
        return None
    return total if seen else None


def input_bytes(paths) -> int:
    """The inputs' size as read (a Parquet file's uncompressed columns; a gzip file about four times its
    size); files that cannot be read count as nothing (the scan reports them)."""
    from copytrace.io import Reject, _walk

    total = 0
    for target in [paths] if isinstance(paths, (str, Path)) else paths:
        for found in _walk(Path(target)):
            if not isinstance(found, Reject):
                total += _bytes_in(found[0])
    return total


def _bytes_in(path: Path) -> int:
    try:
        name = path.name.lower()
        if name.endswith((".parquet", ".pq")):
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        size = path.stat().st_size
        return size * _COMPRESSED if name.endswith((".gz", ".bz2", ".xz", ".zst")) else size
    except (OSError, ValueError, ArithmeticError):
        return 0


def records_in(path: Path) -> int:
    """Records one input file should give (exact for Parquet, pages and small line files)."""
    name = path.name.lower()
    if name.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    if name.endswith((".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")):
        return _count(path, (_LINE,))
    if name.endswith((".csv", ".csv.gz")):
        return max(_count(path, (_LINE,)) - 1, 0)  # less the header; a quoted newline makes it an overcount
    if name.endswith((".warc", ".warc.gz")):
        return _count(path, (_WARC,))
    if name.endswith((".rss", ".atom", ".xml", ".rss.gz", ".atom.gz", ".xml.gz")):
        return _count(path, _FEED_MARKERS)
    return 1  # a page or a text file is one document


def _count(path: Path, markers: tuple[bytes, ...]) -> int:
    size = os.path.getsize(path)
    if path.name.lower().endswith(".gz"):
        with open(path, "rb") as raw, gzip.GzipFile(fileobj=raw) as handle:
            found, text_read = _scan(handle, markers, SAMPLE_BYTES)
            if text_read < SAMPLE_BYTES:  # the whole file was read: the count is exact
                return found
            return round(found * size / max(raw.tell(), 1))
    with open(path, "rb") as handle:
        limit = size if size <= EXACT_BYTES else SAMPLE_BYTES
        found, text_read = _scan(handle, markers, limit)
        if text_read >= size:
            # A last line without its newline is a record too.
            if markers == (_LINE,) and size:
                handle.seek(size - 1)
                found += handle.read(1) != _LINE
            return found
        return round(found * size / max(text_read, 1))


def _scan(handle, markers: tuple[bytes, ...], limit: int) -> tuple[int, int]:
    """Occurrences of `markers` in the first `limit` bytes of `handle`, and the bytes read."""
    found = read = 0
    tail = b""
    keep = max(len(m) for m in markers) - 1
    while read < limit:
        chunk = handle.read(min(_CHUNK, limit - read))
        if not chunk:
            break
        read += len(chunk)
        window = tail + chunk
        found += sum(window.count(m) for m in markers)
        # A marker cut by the chunk boundary is counted once: keep only bytes that cannot hold a whole one.
        tail = window[-keep:] if keep else b""
        if keep:
            found -= sum(tail.count(m) for m in markers)
    return found, read
