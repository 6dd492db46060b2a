import io
from pathlib import Path

import pytest
from rich.console import Console

import copytrace
from copytrace.faces.explain import Account, print_account
from copytrace.io.output import ScanOutputError

S000, S001, S002 = "000_f6bf16f87c8d377a.txt", "001_029c3bd5a6ee19c6.txt", "002_980889d471020f42.txt"


@pytest.fixture(scope="module")
def scanned(lavrov_dir, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explain") / "out"
    copytrace.scan(lavrov_dir).write(out)
    return out


def render(out: Path, doc_id: str, **options) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    print_account(console, Account(out, doc_id), **options)
    return " ".join(console.export_text().split())


def test_explain_a_copy_shows_its_source_credit_passages_and_edits(scanned):
    text = render(scanned, S002)
    assert "this document is a partial of 000_f6bf16f87c8d377a.txt" in text
    assert "its sources" in text and "yes: Sputnik News" in text
    assert "credit: 002_980889d471020f42.txt credits 'Sputnik News'" in text
    assert "shared passages: 000_f6bf16f87c8d377a.txt → 002_980889d471020f42.txt" in text
    assert "Lavrov also said that NATO could not be compared" in text
    assert "+ added" in text and "US Ukraine coup" in text
    assert "- dropped" in text


def test_explain_the_original_shows_its_tree_and_copies(scanned):
    text = render(scanned, S000, limit=50)
    assert "this document is the original" in text
    assert "its copies" in text
    assert "001_029c3bd5a6ee19c6.txt (same)" in text and "002_980889d471020f42.txt (partial)" in text
    assert "Putin and US President Donald Trump" in text  # dropped by 002


def test_explain_cli_prints_the_account(scanned, cli):
    done = cli("explain", S002, "--out", str(scanned))
    assert done.returncode == 0, done.stderr
    assert "Sputnik News reports" in done.stdout
    assert "its sources" in done.stdout


def test_explain_an_unknown_document_suggests_close_ids(scanned, cli):
    done = cli("explain", "002_980889d471020f42", "--out", str(scanned))
    assert done.returncode == 3  # input error
    assert "is not a document of" in done.stderr and "did you mean 002_980889d471020f42.txt" in done.stderr
    assert "Traceback" not in done.output


def test_explain_without_a_scan_says_so_in_one_line(tmp_path, cli):
    done = cli("explain", S000, "--out", str(tmp_path / "nowhere"))
    assert done.returncode == 3 and "no such output folder" in done.stderr
    (tmp_path / "half").mkdir()
    with pytest.raises(ScanOutputError, match="no documents.parquet or documents.jsonl"):
        Account(tmp_path / "half", S000)


def test_explain_reads_jsonl_outputs(lavrov_dir, tmp_path):
    out = tmp_path / "jsonl"
    copytrace.scan(lavrov_dir).write(out, format="jsonl")
    assert "yes: Sputnik News" in render(out, S002)


def test_a_document_with_no_copy_says_so(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "alone.txt").write_text("A short note on its own, shared with no one else at all.\n")
    (folder / "other.txt").write_text("Another unrelated note about the weather in the hills today.\n")
    copytrace.scan(folder).write(tmp_path / "out")
    assert "no source and no copy found" in render(tmp_path / "out", "alone.txt")


def test_explain_two_unrelated_documents_says_they_share_nothing(lavrov_dir, tmp_path):
    import shutil

    from conftest import OTHER_TOPIC

    from copytrace.faces.explain import PairAccount

    folder = tmp_path / "in"
    shutil.copytree(lavrov_dir, folder)
    (folder / "harbour.txt").write_text(OTHER_TOPIC, encoding="utf-8")
    copytrace.scan(folder).write(tmp_path / "out")
    console = Console(width=200, record=True, file=io.StringIO())
    print_account(console, PairAccount(tmp_path / "out", S002, "harbour.txt"))
    text = " ".join(console.export_text().split())
    assert f"{S002} and harbour.txt share no aligned passage." in text
