"""The scan end to end: the seed family, an unrelated story, determinism, outputs, the API, memory."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import copytrace
from copytrace.faces.cli import app
from copytrace.schemas import PAIR_SCHEMA

from conftest import OTHER_TOPIC, SEED_IDS

PAIR_COLUMNS = ["a", "b", "jaccard", "containment_a_in_b", "containment_b_in_a", "shared_shingles"]


@pytest.fixture(scope="module")
def seeds_result(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seeds")
    for name in SEED_IDS:
        (folder / name).write_bytes((Path(__file__).parents[1] / "examples" / "lavrov" / name).read_bytes())
    (folder / "harbour.txt").write_text(OTHER_TOPIC, encoding="utf-8")
    return copytrace.scan(folder)


def test_the_three_seeds_form_one_family_with_all_three_pairs(seeds_result):
    pairs = {(p["a"], p["b"]): p for p in seeds_result.pairs.to_pylist()}
    assert set(pairs) == set(itertools.combinations(SEED_IDS, 2))
    for p in pairs.values():
        assert p["shared_shingles"] >= 100
        assert 0 < p["jaccard"] <= min(p["containment_a_in_b"], p["containment_b_in_a"])
    # The rescrape carries most of the original; the republication most of itself is the original's.
    assert pairs[SEED_IDS[0], SEED_IDS[1]]["containment_b_in_a"] > 0.8
    assert pairs[SEED_IDS[0], SEED_IDS[2]]["containment_b_in_a"] > 0.6
    families = {seeds_result.family_of(doc_id) for doc_id in SEED_IDS}
    assert len(families) == 1
    row = [f for f in seeds_result.families.to_pylist() if f["family"] in families][0]
    assert row["size"] == 3 and sorted(row["members"]) == list(SEED_IDS)


def test_a_story_on_another_topic_is_not_linked(seeds_result):
    assert all("harbour.txt" not in (p["a"], p["b"]) for p in seeds_result.pairs.to_pylist())
    family = seeds_result.family_of("harbour.txt")
    assert family != seeds_result.family_of(SEED_IDS[0])
    row = [f for f in seeds_result.families.to_pylist() if f["family"] == family][0]
    assert row["size"] == 1 and row["members"] == ["harbour.txt"]


def test_result_holds_documents_pairs_and_a_family_for_every_document(seeds_result):
    docs = seeds_result.documents
    assert docs["id"].to_pylist() == [*SEED_IDS, "harbour.txt"]
    assert docs["family"].null_count == 0
    assert seeds_result.pairs.schema == PAIR_SCHEMA
    families = seeds_result.families.to_pylist()
    assert sum(f["size"] for f in families) == docs.num_rows
    member_family = {m: f["family"] for f in families for m in f["members"]}
    assert member_family == dict(zip(docs["id"].to_pylist(), docs["family"].to_pylist()))
    s = seeds_result.stats
    assert (s["documents_read"], s["documents_used"], s["documents_rejected"]) == (4, 4, 0)
    assert (s["kept_pairs"], s["families"], s["families_with_copies"]) == (3, 2, 1)
    with pytest.raises(KeyError):
        seeds_result.family_of("no-such-document")


def read_written(folder: Path, fmt: str) -> dict[str, list[dict]]:
    """Every table written to `folder`, as rows with JSON-comparable values."""
    tables = {}
    for path in sorted(folder.glob(f"*.{fmt}")):
        if fmt == "parquet":
            rows = pq.read_table(path).to_pylist()
            rows = [json.loads(json.dumps(r, ensure_ascii=False, default=str)) for r in rows]
        else:
            rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        tables[path.name.rsplit(".", 1)[0]] = rows
    return tables


def test_two_runs_write_identical_outputs(seeds_and_other, tmp_path, cli):
    """One run here, one in a child process with another hash seed: nothing may depend on run-time state."""
    here, there = tmp_path / "here", tmp_path / "there"
    copytrace.scan(seeds_and_other).write(here)
    done = cli("scan", str(seeds_and_other), "-o", str(there), "-q", env={"PYTHONHASHSEED": "12345"})
    assert done.returncode == 0, done.stderr
    names = sorted(p.name for p in here.glob("*.parquet"))
    assert {"documents.parquet", "pairs.parquet", "families.parquet"} <= set(names)
    assert names == sorted(p.name for p in there.glob("*.parquet"))
    for name in names:
        first, second = pq.read_table(here / name), pq.read_table(there / name)
        assert first.equals(second), name
    assert (here / "rejects.jsonl").read_bytes() == (there / "rejects.jsonl").read_bytes()


def test_api_and_cli_give_the_same_tables_and_jsonl_mirrors_parquet(seeds_and_other, tmp_path):
    runner = CliRunner()
    for fmt in ("parquet", "jsonl"):
        done = runner.invoke(app, ["scan", str(seeds_and_other), "-o", str(tmp_path / fmt), "-q", "--format", fmt])
        assert done.exit_code == 0, done.output
    result = copytrace.scan([seeds_and_other])
    as_parquet = read_written(tmp_path / "parquet", "parquet")
    as_jsonl = read_written(tmp_path / "jsonl", "jsonl")
    assert set(as_parquet) == set(result.all_tables()) == set(as_jsonl) - {"rejects"}
    for name, table in result.all_tables().items():
        assert pq.read_table(tmp_path / "parquet" / f"{name}.parquet").equals(table), name
        assert as_jsonl[name] == as_parquet[name], name
    assert list(as_jsonl["pairs"][0]) == [f.name for f in PAIR_SCHEMA]
    summary = json.loads((tmp_path / "jsonl" / "summary.json").read_text())
    assert summary["kept_pairs"] == result.stats["kept_pairs"] == 3


def test_write_rejects_an_unknown_format(seeds_result, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        seeds_result.write(tmp_path, format="xml")


def test_rejects_are_written_with_reasons_and_counted(seeds_and_other, tmp_path):
    (seeds_and_other / "blank.txt").write_text("   ")
    (seeds_and_other / "rows.jsonl").write_text('{"id": "j1", "text": "A short note on the weather."}\n{oops\n')
    result = copytrace.scan(seeds_and_other)
    result.write(tmp_path)
    rejects = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [(r["file"], r["record"]) for r in rejects] == [("blank.txt", 1), ("rows.jsonl", 2)]
    assert all(r["reason"] for r in rejects)
    s = result.stats
    assert (s["documents_read"], s["documents_used"], s["documents_rejected"]) == (7, 5, 2)


# --- a 50 MB single document: processed or rejected with a reason, within bounded memory ---

MEMORY_BOUND_MB = 1500


@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory) -> Path:
    """A 50 MB document of varied prose-like words, as a .txt file and as one JSONL line."""
    rng = np.random.default_rng(7)
    lengths = rng.integers(2, 10, 20_000)
    letters = np.frombuffer(b"etaoinshrdlcumwfgypbvkjxqz", dtype=np.uint8)[rng.integers(0, 26, lengths.sum())]
    vocabulary = letters.tobytes().decode("ascii")
    ends = np.cumsum(lengths).tolist()
    words = [vocabulary[e - n:e] for e, n in zip(ends, lengths.tolist())]
    # Sentences of random words, then a random sequence of sentences: 50 MB of varied shingles.
    picks = rng.integers(0, len(words), (50_000, 14)).tolist()
    sentences = [" ".join([words[i] for i in row]) + "." for row in picks]
    text = " ".join([sentences[i] for i in rng.integers(0, len(sentences), 600_000).tolist()])
    folder = tmp_path_factory.mktemp("big")
    (folder / "big.txt").write_text(text, encoding="ascii")
    with open(folder / "big.jsonl", "w", encoding="ascii") as handle:
        handle.write(json.dumps({"id": "big-line", "text": text}) + "\n")
    (folder / "small.txt").write_text(OTHER_TOPIC, encoding="utf-8")
    assert (folder / "big.txt").stat().st_size > 50 * 1024 * 1024
    return folder


def test_50mb_documents_over_the_limit_are_rejected_in_bounded_memory(big_inputs, tmp_path, cli):
    done = cli("scan", str(big_inputs), "-o", str(tmp_path), "-q")  # default limit: 16 MB
    assert done.returncode == 0, done.stderr
    rejects = {r["file"]: r for r in map(json.loads, (tmp_path / "rejects.jsonl").read_text().splitlines())}
    assert set(rejects) == {"big.txt", "big.jsonl"}
    assert rejects["big.txt"]["reason"].startswith("document too large")
    assert rejects["big.jsonl"]["record"] == 1 and "too large" in rejects["big.jsonl"]["reason"]
    assert pq.read_table(tmp_path / "documents.parquet")["id"].to_pylist() == ["small.txt"]
    assert done.max_rss_mb < MEMORY_BOUND_MB, f"peak RSS {done.max_rss_mb:.0f} MB"


def test_50mb_document_within_a_raised_limit_is_processed_in_bounded_memory(big_inputs, tmp_path, cli):
    name = "big.jsonl"  # the harder path: one JSON line, read, decoded and parsed
    done = cli("scan", str(big_inputs / name), str(big_inputs / "small.txt"), "-o", str(tmp_path),
               "-q", "--max-doc-mb", "64")
    assert done.returncode == 0, done.stderr
    assert done.max_rss_mb < MEMORY_BOUND_MB, f"peak RSS {done.max_rss_mb:.0f} MB"
    docs = pq.read_table(tmp_path / "documents.parquet", columns=["id", "n_chars", "n_shingles", "family"]).to_pylist()
    big = docs[0]
    assert big["n_chars"] > 50 * 1024 * 1024 and big["n_shingles"] > 1_000_000
    assert big["family"] != docs[1]["family"]
