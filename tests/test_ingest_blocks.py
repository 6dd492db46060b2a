"""Parquet rows read as blocks (checked at once) give what reading them record by record gives."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import copytrace.io.tabular as tabular
from copytrace.io import read_inputs, stream_documents

_rows_block = tabular._rows_block


def _rows(n: int, overrides: dict | None = None) -> list[dict]:
    rows = [{"id": f"d{i}", "text": f"Story {i} text.", "url": f"https://x.example/{i}", "source": "x",
             "date": "2024-01-02", "title": f"T{i}", "html": None} for i in range(n)]
    for (i, key), value in (overrides or {}).items():
        rows[i][key] = value
    return rows


def _both(path, monkeypatch, **kwargs):
    """(block path, record-by-record path) results of read_inputs on `path`; the block path did read blocks."""
    blocks = []
    with monkeypatch.context() as m:
        m.setattr(tabular, "_rows_block", lambda *a: blocks.append(1) or _rows_block(*a))
        fast = read_inputs([path], **kwargs)
    assert blocks
    with monkeypatch.context() as m:
        m.setattr(tabular, "_string_columns", lambda *a: False)
        slow = read_inputs([path], **kwargs)
    return fast, slow


def _same(fast, slow):
    assert fast.documents.equals(slow.documents)
    assert fast.rejects.sort_by("record").equals(slow.rejects.sort_by("record"))
    assert fast.read == slow.read


def test_clean_blocks_equal_record_by_record(tmp_path, monkeypatch):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(3000, {(5, "url"): "  ", (7, "title"): "\u3000"})), path,
                   row_group_size=700)
    fast, slow = _both(path, monkeypatch)
    _same(fast, slow)
    assert fast.documents.num_rows == 3000
    assert fast.documents["url"][5].as_py() is None  # blank metadata is missing, as `_scalar_text` says
    assert fast.documents["origin"][2999].as_py().endswith("a.parquet:3000")


@pytest.mark.parametrize("key, value", [
    ("id", None), ("id", " \u2003 "), ("text", None), ("text", " \x1c\n"), ("text", "a\x00b"),
    ("text", "x" * 5000), ("id", "d3"),  # too large (limit below); a duplicate of the block's own id
])
def test_a_block_with_a_bad_record_goes_record_by_record(tmp_path, monkeypatch, key, value):
    path = tmp_path / "b.parquet"
    rows = _rows(2100, {(1500, key): value})
    rows[1500]["html"] = "<p>page</p>" if key == "text" and value is None else None
    pq.write_table(pa.Table.from_pylist(rows), path)
    fast, slow = _both(path, monkeypatch, max_doc_bytes=4096)
    _same(fast, slow)
    assert fast.read == 2100
    assert fast.documents.num_rows + fast.rejects.num_rows == 2100


def test_duplicates_across_blocks_and_files_are_rejected(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(_rows(1500)), folder / "a.parquet")
    pq.write_table(pa.Table.from_pylist(_rows(10)), folder / "b.parquet")  # the same ids again
    fast, slow = _both(folder, monkeypatch)
    _same(fast, slow)
    assert fast.documents.num_rows == 1500
    assert fast.rejects.num_rows == 10
    assert "duplicate id" in fast.rejects["reason"][0].as_py()


def test_sidecar_facts_apply_to_block_rows(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    rows = _rows(20)
    rows[4]["date"] = None
    pq.write_table(pa.Table.from_pylist(rows), folder / "a.parquet")
    meta = tmp_path / "facts.jsonl"
    meta.write_text(json.dumps({"id": "d4", "date": "2020-05-05"}) + "\n")
    fast, slow = _both(folder, monkeypatch, metadata=meta)
    _same(fast, slow)
    assert fast.documents["date"][4].as_py() == "2020-05-05"


def test_number_columns_are_read_record_by_record(tmp_path, monkeypatch):
    path = tmp_path / "n.parquet"
    pq.write_table(pa.table({"id": list(range(50)), "text": [f"t {i}" for i in range(50)]}), path)
    assert not tabular._string_columns(pq.read_schema(path), tabular.FieldMap())
    assert read_inputs([path]).documents["id"][0].as_py() == "0"


def test_the_engine_stream_gives_the_same_documents_in_shards(tmp_path, monkeypatch):
    path = tmp_path / "s.parquet"
    pq.write_table(pa.Table.from_pylist(_rows(5000)), path)
    fast = list(stream_documents([path], None, None, 10**6, 20_000))
    monkeypatch.setattr(tabular, "_string_columns", lambda *a: False)
    slow = list(stream_documents([path], None, None, 10**6, 20_000))
    assert pa.concat_tables(fast[:-1]).equals(pa.concat_tables(slow[:-1]))
    assert len(fast) > 2  # cut into several shards
    assert fast[-1].num_rows == slow[-1].num_rows == 0


# --- JSONL and CSV: pyarrow's readers over blocks of lines, record by record where a block is bad ------------

import gzip  # noqa: E402

import copytrace.io.blocks as blocks  # noqa: E402


def _lines_both(path, monkeypatch, block_bytes=4096, **kwargs):
    """(block reader, record-by-record reader) results of read_inputs on `path`; the block reader made Rows."""
    made = []
    with monkeypatch.context() as m:
        m.setattr(blocks, "BLOCK", block_bytes)
        m.setattr(tabular, "_rows_block", lambda *a: made.append(1) or _rows_block(*a))
        fast = read_inputs([path], **kwargs)
    with monkeypatch.context() as m:
        m.setattr(blocks, "jsonl_blocks", lambda path, name, fields, max_bytes: tabular.read_jsonl_records(
            path, name, fields, max_bytes))
        m.setattr(blocks, "csv_blocks", lambda path, name, fields, max_bytes: tabular.read_csv_records(
            path, name, fields, max_bytes))
        slow = read_inputs([path], **kwargs)
    return fast, slow, len(made)


def _json_lines(n: int) -> list[bytes]:
    return [json.dumps(row, ensure_ascii=False).encode() for row in _rows(n)]


BAD_JSON_LINES = {
    3: b'{"id": "d3", "text": "broken',                       # malformed
    40: b"",                                                   # blank line: not a record, numbering goes on
    41: b"   ",
    77: b'{"id": 77, "text": "number id"}',                    # a number where a string is mapped
    90: b'{"id": "d90", "text": "bad \xff byte"}',            # invalid UTF-8
    120: b'{"id": "d120", "text": "x", "other": "\xfe"}',     # invalid UTF-8 in a field nobody maps
    150: b'{"id": "d150", "text": "lone \\ud800 surrogate"}',
    151: b'{"id": "d151", "text": "emoji \\ud83d\\ude00 pair"}',
    170: b'{"id": "d170", "text": "tab\there"}',
    200: b'{"id": "d200", "title": "no text, a page", "html": "<p>The page text.</p>"}',
    210: b'{"id": "d210", "text": null}',
    220: b'["not", "an", "object"]',
    230: b'{"id": "d230", "text": "x", "text": "twice"}',
    240: b'{"id": "d240", "text": "' + b"y" * 9000 + b'"}',  # over the size limit (below)
    250: b'{"id": "d250", "text": "a"}{"id": "d251", "text": "b"}',
    260: b'{"id": "d5", "text": "duplicate id"}',
    270: b'{"id": "d270", "text": NaN}',
    280: b'\xef\xbb\xbf{"id": "d280", "text": "bom inside"}',
}


@pytest.mark.parametrize("gz", [False, True])
def test_jsonl_blocks_give_the_record_readers_documents_and_rejects(tmp_path, monkeypatch, gz):
    lines = _json_lines(1200)
    for i, line in BAD_JSON_LINES.items():
        lines[i] = line
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / ("a.jsonl.gz" if gz else "a.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    fast, slow, made = _lines_both(path, monkeypatch, max_doc_bytes=1024)
    assert made >= 10  # most blocks were read by pyarrow
    _same(fast, slow)
    assert fast.rejects.num_rows >= 12


def test_jsonl_first_line_bom_last_line_unterminated_and_a_truncated_gzip(tmp_path, monkeypatch):
    lines = _json_lines(600)
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    path = tmp_path / "b.jsonl"
    path.write_bytes(b"\n".join(lines))  # no final line break
    fast, slow, _ = _lines_both(path, monkeypatch)
    _same(fast, slow)
    assert fast.documents.num_rows == 600
    cut = tmp_path / "c.jsonl.gz"
    cut.write_bytes(gzip.compress(b"\n".join(_json_lines(3000)) + b"\n")[:-300])
    fast, slow, _ = _lines_both(cut, monkeypatch)
    _same(fast, slow)
    assert "rest of file skipped" in fast.rejects["reason"][-1].as_py()


def test_jsonl_a_line_longer_than_any_block_is_rejected_as_before(tmp_path, monkeypatch):
    lines = _json_lines(300)
    lines[100] = b'{"id": "huge", "text": "' + b"z" * 40_000 + b'"}'
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    fast, slow, _ = _lines_both(path, monkeypatch, max_doc_bytes=2048)
    _same(fast, slow)
    assert "record too large" in " ".join(fast.rejects["reason"].to_pylist())


def _csv_bytes(rows: list[dict]) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "text", "url", "source", "date", "title", "extra"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**{k: v for k, v in row.items() if k != "html"}, "extra": "e,\"q\""})
    return out.getvalue().encode()


def test_csv_blocks_give_the_record_readers_documents_and_rejects(tmp_path, monkeypatch):
    rows = _rows(1500, {(3, "text"): "line one\nline two, \"quoted\"\r\nthree", (9, "id"): "", (11, "text"): "   ",
                        (20, "id"): "d5", (30, "text"): "z" * 3000})
    path = tmp_path / "a.csv"
    path.write_bytes(_csv_bytes(rows))
    fast, slow, made = _lines_both(path, monkeypatch, max_doc_bytes=2048)
    assert made >= 10
    _same(fast, slow)
    assert fast.rejects.num_rows == 3  # an empty id is no reject: the record is named by its place


@pytest.mark.parametrize("damage", [b'\nd900,text with a "stray" quote,u,s,d,t,e\n', b"\n\n", b"\nd901,ragged\n",
                                    b"\nd902,bad \xff byte,u,s,d,t,e\n", b"\r\n"])
def test_csv_from_a_bad_block_on_record_by_record_as_before(tmp_path, monkeypatch, damage):
    data = _csv_bytes(_rows(1200))
    cut = data.index(b"\n", len(data) // 2)
    path = tmp_path / "b.csv.gz"
    path.write_bytes(gzip.compress(data[:cut] + damage + data[cut + 1:]))
    fast, slow, made = _lines_both(path, monkeypatch)
    assert made >= 5
    _same(fast, slow)
    assert fast.read >= 1200
