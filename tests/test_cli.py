"""The `copytrace scan` command: field flags, metadata, summary, exit codes and one-line errors."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from copytrace.faces.cli import app

from conftest import OTHER_TOPIC, SEED_IDS

runner = CliRunner()

FLAGS = ["--id-field", "uid", "--text-field", "body", "--source-field", "outlet",
         "--date-field", "published", "--url-field", "link", "--title-field", "headline"]


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    # typer would print a traceback for an uncaught exception; CliRunner keeps it in .exception
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result


def seed_rows(lavrov_dir: Path) -> list[dict]:
    facts = {"000": ("Sputnik News", "2019-10-13"), "001": ("Sputnik News", None), "002": ("The Duran", None)}
    rows = []
    for name in SEED_IDS:
        outlet, date = facts[name[:3]]
        rows.append({"uid": name[:3], "body": (lavrov_dir / name).read_text(encoding="utf-8"),
                     "outlet": outlet, "published": date, "link": f"https://example.org/{name[:3]}",
                     "headline": f"story {name[:3]}"})
    rows.append({"uid": "harbour", "body": OTHER_TOPIC, "outlet": "Coast Gazette", "published": "2024-01-01",
                 "link": "https://example.org/harbour", "headline": "Harbour"})
    return rows


def write_rows(rows: list[dict], folder: Path, kind: str) -> Path:
    path = folder / f"docs.{kind}"
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif kind == "jsonl.gz":
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r) + "\n" for r in rows)
    elif kind == "csv":
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
    return path


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "csv", "parquet"])
def test_field_flags_map_every_format(lavrov_dir, tmp_path, kind):
    path = write_rows(seed_rows(lavrov_dir), tmp_path, kind)
    out = tmp_path / "out"
    invoke("scan", str(path), "-o", str(out), "-q", *FLAGS)
    docs = pq.read_table(out / "documents.parquet").select(["id", "source", "date", "url", "title", "family"])
    rows = {r["id"]: r for r in docs.to_pylist()}
    assert set(rows) == {"000", "001", "002", "harbour"}
    assert rows["000"]["source"] == "Sputnik News" and rows["000"]["date"] == "2019-10-13"
    assert rows["001"]["date"] is None  # an empty CSV cell or a JSON null is missing, not ""
    assert rows["002"]["url"] == "https://example.org/002" and rows["002"]["title"] == "story 002"
    assert rows["000"]["family"] == rows["001"]["family"] == rows["002"]["family"] != rows["harbour"]["family"]
    pairs = pq.read_table(out / "pairs.parquet").select(["a", "b"]).to_pylist()
    assert sorted((p["a"], p["b"]) for p in pairs) == [("000", "001"), ("000", "002"), ("001", "002")]


def test_metadata_flag_fills_facts(lavrov_dir, tmp_path):
    facts = tmp_path / "facts.csv"
    facts.write_text("id,url,date\n002_980889d471020f42.txt,https://theduran.example/lavrov,2019-10-14\n")
    out = tmp_path / "out"
    invoke("scan", str(lavrov_dir), "-o", str(out), "-q", "--metadata", str(facts))
    docs = {r["id"]: r for r in pq.read_table(out / "documents.parquet").to_pylist()}
    duran = docs["002_980889d471020f42.txt"]
    assert (duran["source"], duran["url"], duran["date"]) == ("The Duran", "https://theduran.example/lavrov", "2019-10-14")


def test_summary_shows_counts_the_family_its_members_and_pairs(lavrov_dir, tmp_path):
    result = invoke("scan", str(lavrov_dir), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0
    out = result.stdout
    assert "3 read, 3 used, 0 rejected" in out
    assert "3 kept" in out and "1 family with copies;" in out and "in all" not in out
    assert "family 0: 3 documents" in out
    for doc_id in SEED_IDS:  # ids in full, never cut
        assert f"  {doc_id}  " in out
    assert "Sputnik News" in out and "The Duran" in out
    for p in pq.read_table(tmp_path / "out" / "pairs.parquet").to_pylist():
        assert f"{p['jaccard']:.2f}" in out and f"{p['shared_shingles']:,}" in out
    assert f"written to {tmp_path / 'out'}/" in out.replace("\n", "")


def test_bad_inputs_are_rejected_and_the_run_goes_on(lavrov_dir, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in SEED_IDS:
        (corpus / name).write_bytes((lavrov_dir / name).read_bytes())
    (corpus / "blank.txt").write_text("\n \n")
    (corpus / "binary.txt").write_bytes(bytes(range(256)))
    (corpus / "cp1252.txt").write_bytes("\u201cquoted\u201d".encode("cp1252"))
    (corpus / "feed.jsonl").write_bytes(b'{"id": "f1", "text": "caf\xe9"}\n{"id": "f2"\n{"id": "f3", "body": "x"}\n')
    (corpus / "ragged.csv").write_text("id,text\nr1,one,two\n")
    (corpus / "bad.parquet").write_bytes(b"not parquet")
    out = tmp_path / "out"
    result = invoke("scan", str(corpus), "-o", str(out))
    assert result.exit_code == 0
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert {(r["file"], r["record"]) for r in rejects} == {
        ("bad.parquet", 0), ("binary.txt", 1), ("blank.txt", 1), ("cp1252.txt", 1),
        ("feed.jsonl", 1), ("feed.jsonl", 2), ("feed.jsonl", 3), ("ragged.csv", 1),
    }
    assert all(r["reason"] for r in rejects)
    assert "11 read, 3 used, 8 rejected" in result.stdout
    assert "rejects.jsonl" in result.stdout


def error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_nothing_usable_exits_non_zero_naming_the_first_reject(tmp_path):
    (tmp_path / "blank.txt").write_text("   ")
    (tmp_path / "z.jsonl").write_text("{oops\n")
    result = invoke("scan", str(tmp_path), "-o", str(tmp_path / "out"), "-q")
    assert result.exit_code == 3  # input
    assert error_line(result) == (
        "error: no usable document among 2 records read (2 rejected; first: blank.txt:1: empty text (nothing but whitespace))"
    )


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["{tmp}/missing"], "{tmp}/missing: no such file or folder", 3),
        (["{lavrov}", "--format", "xml"], "--format must be one of parquet, jsonl, not 'xml'", 2),
        (["{lavrov}", "--num-perm", "100"], "--num-perm must be a power of two", 2),
        (["{lavrov}", "--shingle-size", "0"], "--shingle-size must be >= 1", 2),
        (["{lavrov}", "--min-containment", "1.5"], "--min-containment must be between 0 and 1", 2),
        (["{lavrov}", "--min-shared", "0"], "--min-shared must be at least 1", 2),
        (["{lavrov}", "--max-doc-mb", "0"], "--max-doc-mb must be positive", 2),
        (["{lavrov}", "--extract-workers", "-1"], "--extract-workers must be 0 (one per core) or more", 2),
        (["{lavrov}", "--reuse-share", "0"], "--reuse-share must be in (0, 1]", 2),
        (["{lavrov}", "--aliases", "{tmp}/none.txt"], "{tmp}/none.txt: cannot read the aliases", 3),
        (["{lavrov}", "--metadata", "{tmp}/nope.jsonl"], "{tmp}/nope.jsonl: no such metadata file", 3),
        (["{lavrov}", "-o", "{tmp}/a-file"], "{tmp}/a-file: exists and is not a folder", 2),
    ],
)
def test_errors_are_one_line_with_a_non_zero_exit(lavrov_dir, tmp_path, args, message, code):
    (tmp_path / "a-file").write_text("x")
    fill = {"tmp": str(tmp_path), "lavrov": str(lavrov_dir)}
    argv = [a.format(**fill) for a in args]
    if "-o" not in argv:
        argv += ["-o", str(tmp_path / "out")]
    result = invoke("scan", *argv, "-q")
    assert result.exit_code == code  # 2 usage, 3 input
    assert message.format(**fill) in error_line(result)


def test_errors_from_the_installed_command_have_no_traceback(tmp_path, cli):
    (tmp_path / "blank.txt").write_text(" ")
    empty = cli("scan", str(tmp_path), "-o", str(tmp_path / "out"))
    assert empty.returncode == 3 and empty.stdout == "" and "Traceback" not in empty.output
    # The ingest progress bar ran before the error; the error is the one last line.
    *progress, last = empty.stderr.strip().splitlines()
    assert last == "error: no usable document among 1 records read (1 rejected; first: blank.txt:1: empty text (nothing but whitespace))"
    assert all("━" in line for line in progress)
    assert not (tmp_path / "out").exists()


def test_pairs_name_documents_in_full_at_any_width(lavrov_dir):
    import io

    from rich.console import Console

    import copytrace
    from copytrace.faces.summary import print_summary

    result = copytrace.scan(lavrov_dir)
    for width in (200, 80):
        buffer = io.StringIO()
        print_summary(Console(file=buffer, width=width, color_system=None), result)
        text = buffer.getvalue()
        if width == 200:
            assert f"│ {SEED_IDS[0]} │ {SEED_IDS[1]} │" in text, text
        else:  # too narrow for a table of two ids: each pair on its line, ids whole
            assert f"  {SEED_IDS[0]} ↔ {SEED_IDS[1]}\n" in text, text
        assert "│ #1 │" not in text
        assert f"  #1  {SEED_IDS[0]}  Sputnik News  Lavrov Unveils" in text


def test_scan_and_index_create_take_the_settings_options_with_the_settings_defaults():
    import inspect

    from copytrace.faces.cli import scan_command
    from copytrace.faces.index_cli import create_command
    from copytrace.faces.options import settings_from_options
    from copytrace.settings import ScanSettings

    # Every option that decides results; --explain and --config are the scan's own, `given` is not an option.
    options = {n: p for n, p in inspect.signature(settings_from_options).parameters.items()
               if n not in ("explain", "config", "given")}
    for command in (scan_command, create_command):
        params = inspect.signature(command).parameters
        assert {n: params[n].default for n in options} == {n: p.default for n, p in options.items()}, command
    assert inspect.signature(scan_command).parameters["explain"].default is True
    assert settings_from_options() == ScanSettings()


def test_options_map_into_the_one_settings_object(tmp_path):
    from copytrace.faces.options import settings_from_options
    from copytrace.settings import ChromeSettings, CleanSettings, ExtractSettings, KeepRule, ScanSettings

    (tmp_path / "aliases.txt").write_text("RT = rt.com = Russia Today\n", encoding="utf-8")
    got = settings_from_options(reuse_share=0.5, num_perm=128, min_shared=5, min_containment=0.3, clean=False,
                                template_pages=4, extract_workers=2, aliases=tmp_path / "aliases.txt")
    assert got.clean == CleanSettings(chrome_removal=False, chrome=ChromeSettings(min_repeat=4),
                                      extract=ExtractSettings(workers=2))
    assert (got.reuse_share, got.num_perm, got.keep) == (0.5, 128, KeepRule(min_shared=5, min_containment=0.3))
    assert got.aliases.groups and got.provenance.aliases is got.aliases
    assert got.aliases != ScanSettings().aliases


def test_index_create_refuses_bad_settings_in_one_line(tmp_path):
    result = invoke("index", "create", str(tmp_path / "ix.duckdb"), "--min-containment", "2")
    assert result.exit_code == 2
    assert error_line(result) == "error: --min-containment must be between 0 and 1, got 2.0"
    assert not (tmp_path / "ix.duckdb").exists()
