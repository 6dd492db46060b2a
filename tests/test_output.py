"""The one reader of a scan's output folder: Parquet or JSONL back to the tables written, one error type."""

from __future__ import annotations

import json
import os
import shutil

import pyarrow as pa
import pytest

import copytrace
from copytrace.io.output import ScanOutput, ScanOutputError, read_scan
from copytrace.evaluation.predictions import read_predictions

from conftest import LAVROV, SEED_IDS

SPUTNIK, CAPTURE, DURAN = SEED_IDS


@pytest.fixture(scope="module")
def result():
    return copytrace.scan(LAVROV)


@pytest.fixture(scope="module")
def folders(result, tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    return {fmt: result.write(root / fmt, format=fmt) for fmt in ("parquet", "jsonl")}


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_read_scan_gives_back_the_tables_written(result, folders, fmt):
    back = read_scan(folders[fmt])
    assert set(back.all_tables()) == set(result.all_tables())
    for name, table in result.all_tables().items():
        if name == "documents" and fmt == "jsonl":  # JSON keeps values, not the types of all-null columns
            assert back.documents.to_pylist() == table.to_pylist()
        else:
            assert back.all_tables()[name].equals(table), name
    assert back.rejects.schema.equals(result.rejects.schema) and back.stats == result.stats


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_rows_of_one_document_only(folders, fmt):
    scan = ScanOutput(folders[fmt])
    edges = scan.table("edges", ["source", "copy"], source=DURAN, copy=DURAN).to_pylist()
    assert sorted(e["source"] for e in edges) == [SPUTNIK, CAPTURE] and {e["copy"] for e in edges} == {DURAN}
    assert scan.table("documents", ["id"], id=[SPUTNIK, "absent"])["id"].to_pylist() == [SPUTNIK]
    assert scan.table("passages", a="absent", b="absent").num_rows == 0
    assert scan.get("no_such_table") is None


def test_missing_and_unreadable_outputs_are_one_error_naming_the_path(folders, tmp_path):
    with pytest.raises(ScanOutputError, match=f"{tmp_path / 'nowhere'}: no such output folder"):
        read_scan(tmp_path / "nowhere")
    half = tmp_path / "half"
    half.mkdir()
    shutil.copy(folders["parquet"] / "documents.parquet", half)
    with pytest.raises(ScanOutputError, match="no pairs.parquet or pairs.jsonl"):
        read_scan(half)
    (half / "pairs.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ScanOutputError, match=r"pairs\.parquet: unreadable"):
        ScanOutput(half).table("pairs")
    (half / "families.jsonl").write_text('{"family": 0}\n{"family": \n')
    with pytest.raises(ScanOutputError, match=r"families\.jsonl: unreadable"):
        ScanOutput(half).table("families")
    with pytest.raises(ScanOutputError, match="no column nope"):
        ScanOutput(half).table("documents", ["nope"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ScanOutputError, match="no pairs, families or documents table"):
        read_predictions(tmp_path / "empty")


def test_the_format_written_last_is_read(result, tmp_path):
    out = tmp_path / "both"
    result.write(out, format="parquet")
    older = (out / "pairs.parquet").stat().st_mtime_ns
    os.utime(out / "pairs.parquet", ns=(older - 10**9, older - 10**9))
    (out / "pairs.jsonl").write_text("")  # a later run wrote JSONL, with no pairs
    assert ScanOutput(out).table("pairs").num_rows == 0


def test_jsonl_texts_may_hold_unicode_line_separators(tmp_path):
    text = "line one\u2028still line one\x85and\u2029more"
    out = tmp_path / "odd"
    out.mkdir()
    (out / "documents.jsonl").write_text(json.dumps({"id": "a", "text": text}, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    assert ScanOutput(out).table("documents")["text"].to_pylist() == [text]


def test_an_empty_jsonl_table_has_its_columns(tmp_path):
    out = tmp_path / "empty-pairs"
    out.mkdir()
    (out / "pairs.jsonl").write_text("")
    table = ScanOutput(out).table("pairs")
    assert table.num_rows == 0 and "containment_a_in_b" in table.column_names
    assert table.schema.field("a").type == pa.string()


def test_rows_asked_for_are_read_from_the_row_groups_holding_them(tmp_path, monkeypatch):
    """A large documents table is written in bounded row groups and read back in two steps (key columns, then
    the groups holding a match, a batch at a time; groups whose statistics rule every value out skipped): the
    same rows, in file order, as Arrow's own filter."""
    import numpy as np
    import pyarrow.parquet as pq

    from copytrace.io import output

    rng = np.random.default_rng(7)
    n = 1000
    ids = [f"https://example.org/{k:x}" for k in rng.permutation(10 * n)[:n]]  # no order a statistic could use
    # A list column first: the row groups' statistics are per leaf column, not per Arrow column.
    table = pa.table({"tags": [["a", "b"][: k % 3] for k in range(n)], "id": ids,
                      "family": pa.array(np.sort(rng.integers(0, 40, n)), pa.int64()),
                      "text": [f"text {k} " * (k % 7 + 1) for k in range(n)]})
    monkeypatch.setattr(output, "ROW_GROUP_ROWS", 64)
    monkeypatch.setattr(output, "READ_BATCH_ROWS", 10)
    output.write_parquet(table, tmp_path / "documents.parquet")
    assert pq.ParquetFile(tmp_path / "documents.parquet").metadata.num_row_groups == 16
    scan = ScanOutput(tmp_path)
    for any_of in ({"id": [ids[3], ids[500], ids[999], "absent"]}, {"family": 5}, {"family": [1, 2], "id": ids[0]},
                   {"id": ids[63:66]}, {"family": [None]}, {"nope": ["x"]}):
        expected = pq.read_table(tmp_path / "documents.parquet", filters=output._matching(table.column_names, any_of)) \
            if output._matching(table.column_names, any_of) is not None else table.slice(0, 0)
        for columns in (None, ["text", "id"]):
            got = scan.table("documents", columns, **any_of)
            assert got.equals(expected.select(columns) if columns else expected), (any_of, columns)
