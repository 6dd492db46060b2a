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
