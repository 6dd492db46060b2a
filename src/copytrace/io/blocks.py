"""Block readers for JSONL and CSV: pyarrow's parsers over blocks of lines, record by record where a block is bad.

A file is read in blocks of whole lines (`BLOCK` bytes or so). A block that
pyarrow's reader takes as it is, with one record per line and every mapped
field a string, comes out as one `Rows` block (the collector checks it at
once, and record by record only if some row needs it). Any other block —
malformed JSON, a blank line, a number where a string is mapped, invalid
UTF-8, an over-long line — goes through the record-by-record reader's own
code, so the records and the rejects are what `read_jsonl_records` and
`read_csv_records` give.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.json as pjson

from copytrace.io.records import FieldMap, Reject

BLOCK = 8 << 20  # bytes of lines parsed at once: big enough for pyarrow's threads, small beside a shard


def mapped_keys(fields: FieldMap) -> list[str]:
    """The input fields a document takes, once each (all top-level: a dotted key reads record by record)."""
    keys = [fields.id, fields.text, fields.url, fields.source, fields.date, fields.title, fields.html]
    return list(dict.fromkeys(keys))


def valid_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8 (Arrow's vectorised check; json.loads and csv reject the lines that are not)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def line_spans(block: bytes) -> tuple[np.ndarray, np.ndarray, bool]:
    """(start, content length) of each line of `block`, and whether its last line ends with a line break."""
    buf = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(buf == 10)
    closed = block.endswith(b"\n")
    if not closed:
        ends = np.append(ends, len(block))
    starts = np.empty(len(ends), dtype=np.int64)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    return starts, ends - starts, closed


def read_blocks(handle, limit: int):
    """Blocks of whole lines read from a binary stream: (block, True); (None, False) when a line outgrows `limit`.

    Stream errors (a truncated gzip) propagate: the caller reads the rest record by record.
    """
    pending = b""
    while True:
        chunk = handle.read(BLOCK)
        if not chunk:
            if pending:
                yield pending, True
            return
        data = pending + chunk if pending else chunk
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            if len(data) > limit:
                yield None, False
                return
            pending = data
            continue
        pending = data[cut:]
        yield data[:cut], True


def jsonl_blocks(path, name: str, fields: FieldMap, max_bytes: int):
    """`tabular.read_jsonl` by blocks: see the module docstring."""
    from copytrace.io.tabular import _STREAM_ERRORS, _jsonl_limit, _open_binary, read_jsonl_records

    limit = _jsonl_limit(max_bytes)
    schema = pa.schema([(key, pa.string()) for key in mapped_keys(fields)])
    options = pjson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    number = 0  # lines read so far
    try:
        handle = _open_binary(path)
    except OSError:
        yield from read_jsonl_records(path, name, fields, max_bytes)
        return
    with handle:
        for block, whole, parsed in _parsed_blocks(handle, limit, fields, options, _STREAM_ERRORS):
            if not whole:  # damage, or a line too long to hold: the rest as the record reader reads it
                yield from read_jsonl_records(path, name, fields, max_bytes, skip=number)
                return
            items, lines = _jsonl_block(block, parsed, name, number, fields, limit, max_bytes)
            yield from items
            number += lines


def _parsed_blocks(handle, limit: int, fields: FieldMap, options, stream_errors):
    """(block, whole, parsed) of `read_blocks`, each block read and parsed (`_parse_block`) in a thread while
    the caller handles the one before: pyarrow's parser and the file's reading let go of the GIL, so the
    parse of block k+1 runs on one core while the checks of block k run on the other."""
    from concurrent.futures import ThreadPoolExecutor

    blocks = read_blocks(handle, limit)

    def step():
        block, whole = next(blocks, (None, None))
        return block, whole, (_parse_block(block, fields, limit, options) if whole else None)

    with ThreadPoolExecutor(1) as pool:
        ahead = pool.submit(step)
        while True:
            try:
                block, whole, parsed = ahead.result()
            except stream_errors:  # a truncated gzip: the caller reads the rest record by record
                block, whole, parsed = None, False, None
            if whole is None:
                return
            if whole:
                ahead = pool.submit(step)
            yield block, whole, parsed
            if not whole:
                return


def _parse_block(block: bytes, fields: FieldMap, limit: int, options):
    """(line starts, line lengths, last line closed, pyarrow's table of the block or None when it is not clean)."""
    starts, lengths, closed = line_spans(block)
    n = len(starts)
    table = None
    # Every line an object on its own (no blank line: pyarrow skips those, the numbering would shift), none
    # over the limit, all of it UTF-8 (pyarrow does not read the fields it ignores).
    if n and lengths.max() <= limit and bool(np.all(np.frombuffer(block, np.uint8)[starts] == 123)) \
            and valid_utf8(block):
        try:
            read = pjson.ReadOptions(block_size=max(1 << 20, int(lengths.max()) + 2))
            table = pjson.read_json(pa.py_buffer(block), read_options=read, parse_options=options)
        except (pa.ArrowException, UnicodeDecodeError):
            table = None  # whatever pyarrow finds wrong, the block goes record by record, where a bad one is named
    return starts, lengths, closed, table


def _jsonl_block(block: bytes, parsed, name: str, number: int, fields: FieldMap, limit: int, max_bytes: int):
    """([Rows] or the block's records one by one, lines in the block)."""
    from copytrace.io.tabular import _parse_json_line, _rows_block

    starts, lengths, closed, table = parsed
    n = len(starts)
    # A null text may be a missing field, which the html pass reads again: those rows go one by one.
    if table is not None and table.num_rows == n and table[fields.text].null_count == 0:
        return [_rows_block(table, name, number, fields)], n
    items = []
    for k in range(n):
        size = int(lengths[k])
        if size > limit:
            total = size + (1 if closed or k < n - 1 else 0)
            items.append(Reject(name, number + k + 1,
                                f"record too large: {total:,} bytes > limit {max_bytes:,} (--max-doc-mb)"))
            continue
        line = block[starts[k]:starts[k] + size + 1]
        if line.strip():
            items.append(_parse_json_line(line, name, number + k + 1, fields))
    return items, n


# --- CSV ----------------------------------------------------------------------------------------------------

_SIMPLE, _BAD = 0, 1


def _csv_scanner():
    from numba import njit

    @njit(cache=True, nogil=True)
    def scan(buf, n_fields):
        """(records, end of the last whole record, simple) of CSV bytes starting at a record's start.

        Simple: every record has `n_fields` fields, quotes only around whole fields ("" inside), no blank
        line, no lone CR, no NUL: where the csv module and pyarrow's parser cannot read a record apart.
        """
        records, last_end, field, chars = 0, 0, 1, 0
        state = 0  # 0 field start, 1 unquoted, 2 quoted, 3 after a closing quote
        i, n = 0, len(buf)
        while i < n:
            c = buf[i]
            if c == 0:
                return records, last_end, False
            if state == 2:
                if c == 34:
                    if i + 1 < n and buf[i + 1] == 34:
                        i += 2
                        continue
                    if i + 1 >= n:
                        return records, last_end, True  # the block ends inside a record: cut before it
                    state = 3
                i += 1
                continue
            if c == 13:
                if i + 1 >= n:
                    return records, last_end, True
                if buf[i + 1] != 10:
                    return records, last_end, False
                i += 1
                c = 10
            if c == 10:
                if chars == 0 and field == 1 and state == 0:
                    return records, last_end, False  # a blank line
                if field != n_fields:
                    return records, last_end, False
                records += 1
                last_end = i + 1
                field, chars, state = 1, 0, 0
            elif c == 44:
                field += 1
                chars += 1
                state = 0
            elif c == 34:
                if state != 0:
                    return records, last_end, False  # a quote inside an unquoted field, or after a closing one
                state = 2
                chars += 1
            else:
                if state == 3:
                    return records, last_end, False
                state = 1
                chars += 1
            i += 1
        return records, last_end, True

    return scan


_scan_csv = None


def scan_csv(buf: np.ndarray, n_fields: int):
    global _scan_csv
    if _scan_csv is None:
        _scan_csv = _csv_scanner()
    return _scan_csv(buf, n_fields)


def csv_blocks(path, name: str, fields: FieldMap, max_bytes: int):
    """`tabular.read_csv` by blocks: records of simple blocks parsed by pyarrow (see `scan_csv`); from the
    first block that is not simple, the rest of the file record by record (a stray quote leaves no sure
    record boundary to resume a block reader at)."""
    import csv

    from copytrace.io.tabular import _STREAM_ERRORS, _open_binary, _rows_block, read_csv_records

    try:
        handle = _open_binary(path)
    except OSError:
        yield from read_csv_records(path, name, fields, max_bytes)
        return
    number = 0  # records read so far
    with handle:
        try:
            data = handle.read(BLOCK)
            head = data.find(b"\n")
            header_line = data[:head] if head >= 0 else b""
            header = next(csv.reader([header_line.decode("utf-8-sig").rstrip("\r")]), None) \
                if head >= 0 and header_line.count(b'"') % 2 == 0 and valid_utf8(header_line) else None
            if not header or len(set(header)) < len(header) or len(header) < 2 \
                    or fields.id not in header or fields.text not in header:
                raise _FallBack
            wanted = [key for key in mapped_keys(fields) if key in header]
            convert = pcsv.ConvertOptions(column_types={key: pa.string() for key in wanted}, include_columns=wanted,
                                          strings_can_be_null=False, quoted_strings_can_be_null=False)
            parse = pcsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False)
            pending = data[head + 1:]
            while True:
                chunk = handle.read(BLOCK)
                data = pending + chunk if chunk else pending
                if not chunk and data and not data.endswith(b"\n"):
                    data += b"\n"  # the last record's line break (the csv module reads it as ended)
                records, end, simple = scan_csv(np.frombuffer(data, dtype=np.uint8), len(header))
                if not simple or (not chunk and end < len(data)) or (not records and len(data) > 8 * BLOCK):
                    raise _FallBack
                if not valid_utf8(data[:end]):
                    raise _FallBack
                block, pending = data[:end], data[end:]
                if records:
                    read = pcsv.ReadOptions(column_names=header, block_size=max(1 << 20, len(block) + 1))
                    table = pcsv.read_csv(pa.py_buffer(block), read_options=read, parse_options=parse,
                                          convert_options=convert)
                    if table.num_rows != records:
                        raise _FallBack
                    yield _rows_block(table, name, number, fields)
                    number += records
                if not chunk:
                    return
        except (_FallBack, pa.ArrowInvalid, *_STREAM_ERRORS):
            yield from read_csv_records(path, name, fields, max_bytes, skip=number)


class _FallBack(Exception):
    """The rest of a CSV file is read record by record."""
