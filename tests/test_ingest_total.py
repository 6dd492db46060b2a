"""The ingest bar's total: records the inputs hold, known before reading, and equal to what ingest reads."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq

from copytrace import ingest_total
from copytrace.ingest_total import expected_records
from copytrace.io import read_inputs


def test_total_matches_what_ingest_reads(tmp_path):
    rows = [{"id": f"d{i}", "text": f"text number {i} " * 5} for i in range(300)]
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows[:100]))  # no final newline
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as f:
        f.write("".join(json.dumps(r) + "\n" for r in rows[100:200]))
    pq.write_table(pa.Table.from_pylist(rows[200:250]), tmp_path / "c.parquet")
    (tmp_path / "d.csv").write_text("id,text\n" + "".join(f"{r['id']},{r['text']}\n" for r in rows[250:]))
    (tmp_path / "e.txt").write_text("one document")
    assert expected_records([tmp_path]) == 301 == read_inputs([tmp_path]).read


def test_big_file_estimated_from_a_sample(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_total, "EXACT_BYTES", 10_000)
    monkeypatch.setattr(ingest_total, "SAMPLE_BYTES", 4_000)
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({"id": str(i), "text": "word " * 20}) + "\n" for i in range(2_000)))
    assert abs(expected_records([path]) - 2_000) < 40


def test_no_readable_input_gives_no_total(tmp_path):
    (tmp_path / "notes.bin").write_bytes(b"\0\1")
    assert expected_records([tmp_path]) is None
