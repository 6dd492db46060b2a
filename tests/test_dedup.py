"""`copytrace dedup`: the rules (one per family, earliest or longest; containment), the input's own schema
kept in the output, and the report of what was dropped and why."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from copytrace.faces.cli import app

from conftest import OTHER_TOPIC, SEED_IDS

runner = CliRunner()
# The seed: 001 is another capture of 000 (91% of it inside 000), 002 a partial copy (75% inside 000).
DATES = {"000": "Sun, 13 Oct 2019 09:00:00 +0000", "001": None, "002": "14.10.2019 18:10"}


def rows(lavrov_dir: Path) -> list[dict]:
    out = [{"id": name[:3], "text": (lavrov_dir / name).read_text(encoding="utf-8"), "date": DATES[name[:3]],
            "extra": {"kept": "as given", "n": i}} for i, name in enumerate(SEED_IDS)]
    # Listed first but dated last: "earliest" must not mean "first in the file".
    out.insert(0, {**out.pop(2), "date": "2020-01-01"})
    return out + [{"id": "harbour", "text": OTHER_TOPIC, "date": "2024-01-01", "extra": None}]


def run(*args: str):
    result = runner.invoke(app, ["dedup", *args, "-q"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def dropped(out: Path) -> dict[str, dict]:
    return {r["id"]: r for r in map(json.loads, (out / "dropped.jsonl").read_text().splitlines())}


def test_one_per_family_earliest_keeps_the_input_lines_byte_for_byte(lavrov_dir, tmp_path):
    source = tmp_path / "in" / "docs.jsonl"
    source.parent.mkdir()
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in rows(lavrov_dir)]
    source.write_text("".join(lines), encoding="utf-8")
    assert run(str(source.parent), "-o", str(tmp_path / "out")).exit_code == 0
    kept = (tmp_path / "out" / "docs.jsonl").read_text(encoding="utf-8")
    # 000 is the earliest dated member of the family; harbour has no copy
    assert kept == "".join(line for line in lines if json.loads(line)["id"] in ("000", "harbour"))
    report = dropped(tmp_path / "out")
    assert set(report) == {"001", "002"} and {r["kept"] for r in report.values()} == {"000"}
    assert "one kept per family (earliest)" in report["002"]["reason"]


def test_longest_and_first(lavrov_dir, tmp_path):
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows(lavrov_dir)))
    lengths = {r["id"]: len(r["text"]) for r in rows(lavrov_dir) if r["id"] != "harbour"}
    assert run(str(source), "-o", str(tmp_path / "long"), "--keep", "longest").exit_code == 0
    assert set(dropped(tmp_path / "long")) == set(lengths) - {max(lengths, key=lengths.get)}
    assert run(str(source), "-o", str(tmp_path / "first"), "--keep", "first").exit_code == 0
    assert set(dropped(tmp_path / "first")) == {"000", "001"}  # 002 comes first in the file


def test_containment_rule_keeps_a_partial_copy_below_the_threshold(lavrov_dir, tmp_path):
    source = tmp_path / "docs.csv"
    table = [{k: v for k, v in r.items() if k != "extra"} for r in rows(lavrov_dir)]
    with open(source, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "date"])
        writer.writeheader()
        writer.writerows(table)
    assert run(str(source), "-o", str(tmp_path / "c"), "--rule", "containment", "--threshold", "0.8").exit_code == 0
    report = dropped(tmp_path / "c")
    assert set(report) == {"001"} and report["001"]["kept"] == "000" and report["001"]["containment"] >= 0.8
    assert "inside 000 (threshold 80%)" in report["001"]["reason"]
    with open(tmp_path / "c" / "docs.csv", newline="", encoding="utf-8") as handle:
        assert [r["id"] for r in csv.DictReader(handle)] == ["002", "000", "harbour"]
    # A lower threshold drops the partial copy too
    assert run(str(source), "-o", str(tmp_path / "d"), "--rule", "containment", "--threshold", "0.5").exit_code == 0
    assert set(dropped(tmp_path / "d")) == {"001", "002"}


def test_parquet_keeps_its_schema_and_text_files_are_copied(lavrov_dir, tmp_path):
    source = tmp_path / "docs.parquet"
    pq.write_table(pa.Table.from_pylist(rows(lavrov_dir)), source)
    assert run(str(source), "-o", str(tmp_path / "p")).exit_code == 0
    got = pq.read_table(tmp_path / "p" / "docs.parquet")
    assert got.schema == pq.read_schema(source) and got["id"].to_pylist() == ["000", "harbour"]
    assert run(str(lavrov_dir), "-o", str(tmp_path / "t"), "--keep", "first").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "t").glob("*.txt")) == [SEED_IDS[0]]
    assert (tmp_path / "t" / SEED_IDS[0]).read_bytes() == (lavrov_dir / SEED_IDS[0]).read_bytes()


def test_a_parquet_input_is_copied_batch_by_batch(tmp_path, monkeypatch):
    """Kept records of a Parquet input of several row groups, read and written a batch at a time (a 1M-document
    input once failed on one string array past 2 GB): the same rows, in order, in the input's schema."""
    from copytrace.faces.dedup import _write_parquet_records
    from copytrace.io import output

    monkeypatch.setattr(output, "READ_BATCH_ROWS", 7)

    table = pa.table({"id": [f"d{k}" for k in range(100)], "text": [f"text {k}" for k in range(100)]},
                     schema=pa.schema([("id", pa.string()), ("text", pa.string())], metadata={b"from": b"crawl"}))
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=16)
    for records in (set(), {1}, {1, 2, 7, 8, 9, 16, 17, 33, 64, 100}, set(range(1, 101))):
        _write_parquet_records(tmp_path / "in.parquet", tmp_path / "out.parquet", records)
        got = pq.read_table(tmp_path / "out.parquet")
        assert got.schema.equals(table.schema, check_metadata=True)
        assert got.equals(table.take(pa.array(sorted(r - 1 for r in records), pa.int64()))), records


@pytest.mark.parametrize(("args", "message"), [
    (["--rule", "exact"], "--rule must be one of family, containment"),
    (["--keep", "newest"], "--keep must be one of earliest, longest, first"),
    (["--threshold", "0"], "--threshold must be in (0, 1]"),
])
def test_bad_rules_are_usage_errors(lavrov_dir, tmp_path, args, message):
    result = run(str(lavrov_dir), "-o", str(tmp_path / "x"), *args)
    assert result.exit_code == 2 and message in result.stderr


def test_json_counts(lavrov_dir, tmp_path):
    result = runner.invoke(app, ["dedup", str(lavrov_dir), "-o", str(tmp_path / "j"), "--json"])
    counts = json.loads(result.stdout)
    assert (counts["kept"], counts["dropped"], counts["rule"]) == (1, 2, "family")


def test_earliest_reads_dates_in_other_languages(lavrov_dir, tmp_path):
    """A date field the rules cannot read ("3. März 2019") is read by dateparser, as the published column
    reads it: the earliest member is kept, not the only one with an English or numeric date."""
    pytest.importorskip("dateparser")
    german = {"000": "15. Oktober 2019", "001": "3. März 2019"}
    source = tmp_path / "docs.jsonl"
    source.write_text("".join(json.dumps({**r, "date": german.get(r["id"], r["date"])}, ensure_ascii=False) + "\n"
                              for r in rows(lavrov_dir)), encoding="utf-8")
    assert run(str(source), "-o", str(tmp_path / "out")).exit_code == 0
    report = dropped(tmp_path / "out")
    assert set(report) == {"000", "002"} and {r["kept"] for r in report.values()} == {"001"}, report


def test_earliest_by_the_published_column_is_the_order_read_from_each_text():
    """A scan's documents carry their published date: ranking by it gives the order `document_date` of
    each date field and text gives (zoned, naive, dateline, unreadable and missing dates; ties in input order)."""
    from copytrace.dedup import preference
    from copytrace.stages.families import with_families

    texts = ["MOSCOW, Oct 12 (Reuters) - The talks resumed.", "No date here at all.", "Plain text.",
             "PARIS, 3 March 2019 - More.", "Nothing.", "Also nothing."]
    dates = [None, "2019-10-13T09:00:00+03:00", "2019-10-13 06:00", None, "not a date", "2019-10-13T06:00:00Z"]
    documents = pa.table({"id": [f"d{i}" for i in range(6)], "text": texts, "date": dates})
    scanned = with_families(documents, [0] * 6, [1] * 6)
    assert "published" in scanned.column_names
    assert preference(scanned, "earliest") == preference(scanned.drop_columns(["published"]), "earliest")


def test_the_local_engine_keeps_what_the_memory_engine_keeps(tmp_path):
    """`dedup --engine local` (a corpus larger than memory, here in several 1 MB shards) writes the same kept
    records and report as the in-memory scan, and removes its work folder."""
    from engines_corpus import write_corpus

    corpus = write_corpus(tmp_path / "in", n_docs=2000)
    assert run(str(corpus), "-o", str(tmp_path / "memory")).exit_code == 0
    done = run(str(corpus), "-o", str(tmp_path / "local"), "--engine", "local", "--memory", "16MB")
    assert done.exit_code == 0, done.output
    for name in ("part-0.jsonl", "part-1.jsonl", "part-2.jsonl", "dropped.jsonl", "rejects.jsonl"):
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "memory" / name).read_bytes(), name
    assert len(dropped(tmp_path / "local")) > 100
    assert not (tmp_path / "local" / ".work").exists()
