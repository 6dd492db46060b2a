"""Ingest: every input format, field mapping, sidecar metadata, and every kind of bad record."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from copytrace.io import DOCUMENT_SCHEMA, FieldMap, InputError, read_inputs

GOOD = "The committee approved the budget after a long debate on Monday evening."


def rejects_of(ingested) -> list[dict]:
    return ingested.rejects.to_pylist()


def only_reject(ingested) -> dict:
    rows = rejects_of(ingested)
    assert len(rows) == 1, rows
    return rows[0]


def write_jsonl(path: Path, rows: list, opener=open) -> Path:
    with opener(path, "wt", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


# --- formats and the one document schema -------------------------------------------------


def test_text_folder_ids_are_relative_paths_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "two.md").write_text("# Two\n\n" + GOOD)
    (tmp_path / "one.txt").write_text(GOOD)
    (tmp_path / ".hidden.txt").write_text(GOOD)
    ingested = read_inputs([tmp_path])
    docs = ingested.documents
    assert docs.schema == DOCUMENT_SCHEMA
    assert docs["id"].to_pylist() == ["b/two.md", "one.txt"]
    assert docs["origin"].to_pylist() == ["b/two.md:1", "one.txt:1"]
    assert (ingested.read, ingested.used, ingested.rejects.num_rows) == (2, 2, 0)


def test_a_byte_order_mark_is_not_text(tmp_path):
    (tmp_path / "bom.txt").write_bytes("\ufeff".encode() + GOOD.encode())
    assert read_inputs([tmp_path]).documents["text"][0].as_py() == GOOD


MAPPED_ROWS = [
    {"uid": "r1", "body": GOOD, "outlet": "Example Wire", "published": "2024-05-01",
     "link": "https://example.org/r1", "headline": "Budget approved"},
    {"uid": 7, "body": GOOD + " Second.", "outlet": "Other Daily", "published": "2024-05-02",
     "link": "https://other.example/7", "headline": "Budget passes"},
]
MAPPING = FieldMap(id="uid", text="body", source="outlet", date="published", url="link", title="headline")


def write_mapped(path: Path, kind: str) -> Path:
    if kind == "jsonl":
        return write_jsonl(path / "docs.jsonl", MAPPED_ROWS)
    if kind == "jsonl.gz":
        return write_jsonl(path / "docs.jsonl.gz", MAPPED_ROWS, opener=gzip.open)
    if kind == "csv":
        with open(path / "docs.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(MAPPED_ROWS[0]))
            writer.writeheader()
            writer.writerows(MAPPED_ROWS)
        return path / "docs.csv"
    table = pa.Table.from_pylist([{**r, "uid": str(r["uid"])} for r in MAPPED_ROWS])
    pq.write_table(table, path / "docs.parquet")
    return path / "docs.parquet"


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "csv", "parquet"])
def test_field_mapping_gives_one_schema_for_every_format(tmp_path, kind):
    path = write_mapped(tmp_path, kind)
    ingested = read_inputs([path], MAPPING)
    assert rejects_of(ingested) == []
    docs = ingested.documents
    assert docs.schema == DOCUMENT_SCHEMA
    rows = docs.select(["id", "text", "source", "date", "url", "title"]).to_pylist()
    assert rows == [
        {"id": "r1", "text": GOOD, "source": "Example Wire", "date": "2024-05-01",
         "url": "https://example.org/r1", "title": "Budget approved"},
        {"id": "7", "text": GOOD + " Second.", "source": "Other Daily", "date": "2024-05-02",
         "url": "https://other.example/7", "title": "Budget passes"},
    ]
    assert docs["origin"].to_pylist() == [f"{path}:1", f"{path}:2"]


def test_unmapped_fields_fall_back_to_defaults_and_missing_id_uses_the_place(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": GOOD, "url": "https://x.example/a"}])
    docs = read_inputs([path]).documents
    assert docs["id"].to_pylist() == [f"{path}:1"]
    assert docs["url"].to_pylist() == ["https://x.example/a"]


def test_dotted_field_reaches_into_nested_objects(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": "n1", "content": {"body": GOOD}, "meta": {"site": "Wire"}}])
    docs = read_inputs([path], FieldMap(text="content.body", source="meta.site")).documents
    assert docs.select(["id", "text", "source"]).to_pylist() == [{"id": "n1", "text": GOOD, "source": "Wire"}]


def test_empty_metadata_cells_are_missing_not_empty_strings(tmp_path):
    (tmp_path / "d.csv").write_text(f"id,text,url,source\nc1,{GOOD},,\n", encoding="utf-8")
    docs = read_inputs([tmp_path / "d.csv"]).documents
    assert docs.select(["url", "source"]).to_pylist() == [{"url": None, "source": None}]


# --- sidecar metadata -------------------------------------------------------------------


def test_sidecar_jsonl_fills_missing_facts_but_never_overrides(tmp_path):
    write_jsonl(tmp_path / "docs.jsonl", [{"id": "a", "text": GOOD, "source": "Given Source"},
                                          {"id": "b", "text": GOOD + " More."}])
    write_jsonl(tmp_path / "_metadata.jsonl", [
        {"id": "a", "source": "Sidecar Source", "url": "https://a.example/1"},
        {"id": "b", "source": "Sidecar B", "date": "2020-01-02", "title": "B"},
        {"id": "unknown", "source": "nobody"},
    ])
    ingested = read_inputs([tmp_path])
    rows = ingested.documents.select(["id", "source", "url", "date", "title"]).to_pylist()
    assert rows == [
        {"id": "a", "source": "Given Source", "url": "https://a.example/1", "date": None, "title": None},
        {"id": "b", "source": "Sidecar B", "url": None, "date": "2020-01-02", "title": "B"},
    ]
    assert ingested.read == 2  # the sidecar is not a document


def test_sidecar_csv_and_explicit_metadata_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "one.txt").write_text(GOOD)
    (corpus / "_metadata.csv").write_text("id,source,url\none.txt,Wire Service,\n")
    elsewhere = write_jsonl(tmp_path / "facts.jsonl", [{"id": "one.txt", "url": "https://wire.example/one",
                                                        "date": "2021-03-04"}])
    docs = read_inputs([corpus], metadata=elsewhere).documents
    assert docs.select(["source", "url", "date"]).to_pylist() == [
        {"source": "Wire Service", "url": "https://wire.example/one", "date": "2021-03-04"}
    ]


def test_bad_metadata_file_is_a_one_line_input_error(tmp_path):
    (tmp_path / "one.txt").write_text(GOOD)
    bad = tmp_path / "facts.jsonl"
    bad.write_text('{"id": "one.txt"}\n{not json\n')
    with pytest.raises(InputError, match=r"facts.jsonl: line 2: malformed JSON"):
        read_inputs([tmp_path / "one.txt"], metadata=bad)
    with pytest.raises(InputError, match="no such metadata file"):
        read_inputs([tmp_path / "one.txt"], metadata=tmp_path / "missing.jsonl")


def test_lavrov_sidecar_names_the_outlets(lavrov_dir):
    docs = read_inputs([lavrov_dir]).documents
    sources = dict(zip(docs["id"].to_pylist(), docs["source"].to_pylist()))
    assert sources == {
        "000_f6bf16f87c8d377a.txt": "Sputnik News",
        "001_029c3bd5a6ee19c6.txt": "Sputnik News",
        "002_980889d471020f42.txt": "The Duran",
    }
    titles = docs["title"].to_pylist()
    assert titles[0].startswith("Lavrov Unveils") and titles[2].startswith("Sergei Lavrov says")
    for doc_id, title in zip(docs["id"].to_pylist(), titles):
        if title:  # every title given is written in the document itself
            assert title in (lavrov_dir / doc_id).read_text(encoding="utf-8")


# --- bad records: each one rejected with file, record number and reason; the rest read ---


def test_bad_text_files_are_rejected_with_reasons(tmp_path):
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "blank.txt").write_text(" \n\t\r\n ")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 au lait".encode("latin-1"))
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF")
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["good.txt"]
    reasons = {r["file"]: (r["record"], r["reason"]) for r in rejects_of(ingested)}
    assert reasons == {
        "blank.txt": (1, "empty text (nothing but whitespace)"),
        "empty.txt": (1, "empty text (nothing but whitespace)"),
        "latin1.txt": (1, "invalid UTF-8 at byte 3"),
        "image.txt": (1, "binary file (NUL bytes)"),
        "photo.jpg": (0, "unsupported file type .jpg: not read"),
    }
    assert (ingested.read, ingested.used, ingested.rejects.num_rows) == (6, 1, 5)


def test_bad_jsonl_lines_are_rejected_and_the_rest_is_read(tmp_path):
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"id": "ok1", "text": GOOD}).encode(),
        json.dumps({"id": "blank", "text": "   \n"}).encode(),
        b'{"id": "latin", "text": "caf\xe9"}',
        b'{"id": "broken", "text": "no end',
        json.dumps({"id": "notext", "body": GOOD}).encode(),
        json.dumps({"id": "ok1", "text": GOOD + " again"}).encode(),
        b"",
        b'["a", "list"]',
        json.dumps({"id": "number", "text": 42}).encode(),
        json.dumps({"id": "surrogate", "text": "bad \ud800 text"}).encode(),
        json.dumps({"id": "nul", "text": "a\x00b"}).encode(),
        json.dumps({"id": "ok2", "text": GOOD + " Two."}).encode(),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    ingested = read_inputs([path])
    assert ingested.documents["id"].to_pylist() == ["ok1", "ok2"]
    got = sorted((r["record"], r["id"], r["reason"]) for r in rejects_of(ingested))
    assert all(r["file"] == str(path) for r in rejects_of(ingested))
    assert [(n, i, r.replace(" and html field 'html'", "")) for n, i, r in got] == [
        (2, "blank", "empty text (nothing but whitespace)"),
        (3, None, "invalid UTF-8 at byte 28 of the line"),
        (4, None, "malformed JSON: Unterminated string starting at (column 26)"),
        (5, "notext", "missing text field 'text'"),
        (6, "ok1", "duplicate id 'ok1' (first occurrence kept)"),
        (8, None, "JSON line is a list, not an object"),
        (9, "number", "text field is not a string (int)"),
        (10, "surrogate", "invalid Unicode in text: lone surrogate at character 4"),
        (11, "nul", "binary content (NUL bytes) in text"),
    ]
    # the blank line 7 is not a record: 11 read, 2 used, 9 rejected
    assert (ingested.read, ingested.used, ingested.rejects.num_rows) == (11, 2, 9)


def test_truncated_jsonl_gz_keeps_the_lines_before_the_damage(tmp_path):
    rows = [{"id": f"d{i}", "text": f"document {i} " + GOOD * 3} for i in range(400)]
    whole = gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    ingested = read_inputs([path])
    used = ingested.used
    assert 0 < used < 400
    assert ingested.documents["id"].to_pylist() == [f"d{i}" for i in range(used)]
    reject = only_reject(ingested)
    assert reject["file"] == str(path) and reject["record"] == used + 1
    assert "truncated" in reject["reason"] and f"after line {used}" in reject["reason"]


def test_a_gz_file_that_is_not_gzip(tmp_path):
    (tmp_path / "plain.jsonl.gz").write_text(json.dumps({"id": "x", "text": GOOD}) + "\n")
    (tmp_path / "ok.txt").write_text(GOOD)
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["ok.txt"]
    reject = only_reject(ingested)
    assert reject["file"] == "plain.jsonl.gz" and reject["record"] == 1
    assert "BadGzipFile" in reject["reason"]


def test_ragged_and_badly_encoded_csv_rows(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_bytes(
        b"id,text,source\n"
        b"c1,\"" + GOOD.encode() + b"\",Wire\n"
        b"c2,only two\n"
        b"c3,a,b,c,d\n"
        b"c4,\"caf\xe9 latin-1\",Wire\n"
        b"c5,\"multi\nline " + GOOD.encode() + b"\",Wire\n"
        b"c6,,Wire\n"
    )
    ingested = read_inputs([path])
    assert ingested.documents["id"].to_pylist() == ["c1", "c5"]
    got = [(r["record"], r["id"], r["reason"]) for r in rejects_of(ingested)]
    assert got == [
        (2, "c2", "ragged row: 2 fields, header has 3 (line 3)"),
        (3, "c3", "ragged row: 5 fields, header has 3 (line 4)"),
        (4, None, "invalid UTF-8 in column 'text' (line 5)"),
        (6, "c6", "empty text (nothing but whitespace)"),
    ]
    assert (ingested.read, ingested.used) == (6, 2)


def test_bad_parquet_file_is_one_reject_and_the_run_goes_on(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 this is not really parquet")
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": [GOOD, None]}), good)
    ingested = read_inputs([tmp_path])
    assert ingested.documents["id"].to_pylist() == ["p1"]
    got = {(r["file"], r["record"]): r["reason"] for r in rejects_of(ingested)}
    assert got[("good.parquet", 2)] == "missing text field"
    assert got[("bad.parquet", 0)].startswith("not a readable Parquet file")


def test_parquet_binary_and_numeric_columns(tmp_path):
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"id": pa.array([1, 2], pa.int64()),
                             "text": pa.array([GOOD.encode(), b"\xff\xfe bad"], pa.binary())}), path)
    ingested = read_inputs([path])
    assert ingested.documents.select(["id", "text"]).to_pylist() == [{"id": "1", "text": GOOD}]
    assert only_reject(ingested)["reason"] == "invalid UTF-8 at byte 0 of the text field"


def test_duplicate_ids_across_files_keep_the_first(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [{"id": "same", "text": GOOD}])
    write_jsonl(tmp_path / "b.jsonl", [{"id": "same", "text": GOOD + " later"}])
    ingested = read_inputs([tmp_path])
    assert ingested.documents["origin"].to_pylist() == ["a.jsonl:1"]
    assert only_reject(ingested) == {"file": "b.jsonl", "record": 1, "id": "same",
                                     "reason": "duplicate id 'same' (first occurrence kept)"}


def test_too_large_documents_are_rejected_before_they_are_read(tmp_path):
    big = "word " * 40_000  # 200 kB
    (tmp_path / "big.txt").write_text(big)
    write_jsonl(tmp_path / "big.jsonl", [{"id": "j", "text": big}, {"id": "small", "text": GOOD}])
    ingested = read_inputs([tmp_path], max_doc_bytes=100_000)
    assert ingested.documents["id"].to_pylist() == ["small"]
    reasons = {r["file"]: r["reason"] for r in rejects_of(ingested)}
    assert reasons["big.txt"] == "document too large: 200,000 bytes > limit 100,000 (--max-doc-mb)"
    assert reasons["big.jsonl"] == "document too large: 200,000 bytes > limit 100,000 (--max-doc-mb)"


def test_a_line_beyond_any_plausible_record_is_skipped_unread(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text(json.dumps({"id": "huge", "text": "x" * 50_000}) + "\n" + json.dumps({"id": "ok", "text": GOOD}) + "\n")
    ingested = read_inputs([path], max_doc_bytes=1_000)
    assert ingested.documents["id"].to_pylist() == ["ok"]
    reject = only_reject(ingested)
    assert reject["record"] == 1 and reject["reason"].startswith("record too large: 50,027 bytes")


def test_broken_link_in_a_folder_is_reported(tmp_path):
    (tmp_path / "ok.txt").write_text(GOOD)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    ingested = read_inputs([tmp_path])
    assert only_reject(ingested) == {"file": "gone.txt", "record": 0, "id": None,
                                     "reason": "broken link: its target does not exist"}


def test_unreadable_paths_stop_with_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read_inputs([tmp_path / "missing"])
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    with pytest.raises(InputError, match="broken link"):
        read_inputs([tmp_path / "link"])


def test_every_record_is_used_or_rejected(tmp_path):
    """Nothing is lost: read == used + rejected, over a mix of good and bad inputs."""
    write_jsonl(tmp_path / "a.jsonl", [{"id": str(i), "text": GOOD if i % 3 else ""} for i in range(30)])
    (tmp_path / "b.csv").write_text("id,text\nx,hello there\ny\n")
    (tmp_path / "c.txt").write_text(GOOD)
    ingested = read_inputs([tmp_path])
    assert ingested.read == ingested.used + ingested.rejects.num_rows == 30 + 2 + 1


def test_utf16_with_a_byte_order_mark_is_decoded(tmp_path):
    (tmp_path / "windows.txt").write_bytes(("\u201cQuoted\u201d " + GOOD).encode("utf-16"))
    (tmp_path / "odd.txt").write_bytes(b"\xff\xfe" + "ok".encode("utf-16-le") + b"\x00")
    ingested = read_inputs([tmp_path])
    assert ingested.documents["text"].to_pylist() == ["\u201cQuoted\u201d " + GOOD]
    assert only_reject(ingested)["reason"].startswith("invalid UTF-16")


def test_progress_is_told_of_every_record(tmp_path, monkeypatch):
    import copytrace.io.blocks

    monkeypatch.setattr(copytrace.io.blocks, "BLOCK", 1 << 16)  # JSONL is read by blocks of lines: several here
    write_jsonl(tmp_path / "many.jsonl", [{"id": str(i), "text": GOOD} for i in range(3000)])
    (tmp_path / "one.txt").write_text(GOOD)
    steps = []
    ingested = read_inputs([tmp_path], advance=steps.append)
    assert sum(steps) == ingested.read == 3001
    assert len(steps) >= 3  # told along the way, not only at the end


def test_dotted_fields_reach_into_parquet_structs_and_empty_files_are_no_records(tmp_path):
    pq.write_table(pa.Table.from_pylist([{"doc": {"id": "n1", "body": GOOD}, "meta": {"site": "Wire"}}]),
                   tmp_path / "nested.parquet")
    pq.write_table(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string())}),
                   tmp_path / "empty.parquet")
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "empty.jsonl.gz").write_bytes(gzip.compress(b""))
    (tmp_path / "header.csv").write_text("id,text\n")
    (tmp_path / "bom.csv").write_bytes("\ufeffdoc.id,doc.body\nb1,".encode() + GOOD.encode() + b"\n")
    ingested = read_inputs([tmp_path], FieldMap(id="doc.id", text="doc.body", source="meta.site"))
    assert ingested.documents.select(["id", "source", "origin"]).to_pylist() == [
        {"id": "b1", "source": None, "origin": "bom.csv:1"},  # a flat column named with a dot wins
        {"id": "n1", "source": "Wire", "origin": "nested.parquet:1"},
    ]
    assert rejects_of(ingested) == []
