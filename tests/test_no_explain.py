"""`scan --no-explain`: detection only (documents, pairs, families), explained later on demand from its folder."""

from __future__ import annotations

import io

from rich.console import Console
from typer.testing import CliRunner

import copytrace
from copytrace.faces.cli import app
from copytrace.faces.explain import Account, print_account
from copytrace.io.output import ScanOutput

from conftest import SEED_IDS


def render(out, doc_id: str) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    print_account(console, Account(out, doc_id), limit=50)
    return " ".join(console.export_text().split())


def test_no_explain_writes_detection_only_and_explain_works_on_its_folder(lavrov_dir, tmp_path):
    detected = tmp_path / "detected"
    done = CliRunner().invoke(app, ["scan", str(lavrov_dir), "-o", str(detected), "--no-explain", "-q"])
    assert done.exit_code == 0, done.output
    names = ScanOutput(detected).names()
    assert {"documents", "pairs", "families"} <= set(names)
    assert not {"passages", "edges", "edits"} & set(names)

    explained = tmp_path / "explained"
    copytrace.scan(lavrov_dir).write(explained)
    got = ScanOutput(detected).table("pairs", ["a", "b"]).sort_by([("a", "ascending"), ("b", "ascending")])
    want = ScanOutput(explained).table("pairs", ["a", "b"]).sort_by([("a", "ascending"), ("b", "ascending")])
    assert got.equals(want)
    # On demand, one document's family is aligned and traced: the same account as a full scan's.
    for doc in SEED_IDS:
        assert render(detected, doc) == render(explained, doc)
