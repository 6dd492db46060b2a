"""`copytrace bench make`, then `copytrace scan`, then `copytrace bench score` and `bench peers`, end to end."""

import json

import pytest
from typer.testing import CliRunner

from copytrace.faces.cli import app
from copytrace.evaluation.generator import DEFAULT_INPUT, load_articles

runner = CliRunner()


@pytest.fixture(scope="module")
def small_input(tmp_path_factory):
    if not DEFAULT_INPUT.exists():
        pytest.skip(f"{DEFAULT_INPUT} is absent")
    # ../shared's ground-truth.json, or without it the sample shipped in the package (.jsonl.gz): read both
    # as `bench make` reads them
    articles = load_articles(DEFAULT_INPUT)
    folder = tmp_path_factory.mktemp("input")
    path = folder / "articles.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for url, text in articles[:45]:
            handle.write(json.dumps({"url": url, "text": text}) + "\n")
    return path


@pytest.fixture(scope="module")
def corpus(small_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    result = runner.invoke(app, ["bench", "make", "--out", str(out), "--input", str(small_input), "--families", "12"])
    assert result.exit_code == 0, result.output
    assert "families" in result.output
    return out


def test_make_scan_score_end_to_end(corpus, tmp_path):
    scanned = runner.invoke(app, ["scan", str(corpus / "documents.jsonl"), "-o", str(tmp_path / "out"), "-q"])
    assert scanned.exit_code == 0, scanned.output
    scores = tmp_path / "scores.json"
    result = runner.invoke(app, ["bench", "score", "--gold", str(corpus), "--pred", str(tmp_path / "out"),
                                 "--json", str(scores)])
    assert result.exit_code == 0, result.output
    assert "Republication benchmark" in result.output
    got = json.loads(scores.read_text())
    assert got["available"]["pairs"] and got["available"]["families"]
    # whole republications are the easy case: copytrace must find most of them
    assert got["pairs"]["by_relation"]["republication"]["recall"] > 0.8
    assert -1.0 <= got["families"]["ari"] <= 1.0
    assert set(got["goals"]) >= {"families.ari", "passages.plagdet", "credit.f1"}


def test_peers_run_and_are_scored(corpus, tmp_path):
    result = runner.invoke(app, ["bench", "peers", "--corpus", str(corpus), "--out", str(tmp_path / "peers")])
    assert result.exit_code == 0, result.output
    for name in ("minhash-0.8", "minhash-0.5", "difflib"):
        assert (tmp_path / "peers" / name / "pairs.parquet").exists()
        assert name in result.output
    scores = tmp_path / "peer.json"
    result = runner.invoke(app, ["bench", "score", "--gold", str(corpus), "--pred", str(tmp_path / "peers" / "minhash-0.5"),
                                 "--json", str(scores)])
    got = json.loads(scores.read_text())
    assert got["passages"] is None and got["credit"] is None  # peers say nothing of passages or credit
    assert got["pairs"]["overall"]["precision"] is None or 0 <= got["pairs"]["overall"]["precision"] <= 1


def test_bad_folders_give_one_line_errors(tmp_path):
    result = runner.invoke(app, ["bench", "score", "--gold", str(tmp_path), "--pred", str(tmp_path)])
    assert result.exit_code == 3  # input error
    assert "gold.json" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["bench", "make", "--out", str(tmp_path / "x"), "--input", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 3 and "no such file" in result.output
