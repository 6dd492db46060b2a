"""The local engine's candidates reduce under a memory budget (issue 19): sorted runs reduced by range.

The pairs are the memory engine's whatever the budget; a small budget cuts the
anchors and the reduce into more ranges, each holding at most the budgeted rows
(as the stage records them in its done marker).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from copytrace.engines.local import ANCHOR_PARTITIONS, LocalEngine, candidate_shards, fingerprint_shards
from copytrace.engines.documents import DocumentStore
from copytrace.engines.ingest import ingest
from copytrace.engines.shards import Budget, WorkDir, done_info, scan_job
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import candidates, count_code_rows
from copytrace.stages.candidates.runs import (
    ReduceStats,
    VALUE_BITS,
    AnchorSpill,
    value_ranges,
    Run,
    bin_edges,
    greedy_ranges,
    plan_ranges,
    reduce_runs,
)
from copytrace.stages.fingerprint import fingerprint

sys.path.insert(0, str(Path(__file__).parent))
from engines_corpus import build_documents  # noqa: E402


def _codes(a, b):
    return (np.asarray(a, np.uint64) << np.uint64(32)) | np.asarray(b, np.uint64)


def test_a_run_reads_back_any_range_of_bins(tmp_path):
    rng = np.random.default_rng(1)
    n_docs = 300
    a = rng.integers(0, n_docs - 1, 5000)
    b = a + 1 + rng.integers(0, 5, 5000) % (n_docs - 1 - a)
    codes = _codes(a, np.minimum(b, n_docs - 1))
    shared = rng.integers(1, 4, 5000)
    run = Run(tmp_path / "r", weighted=True)
    run.write(codes, n_docs, shared)  # unsorted in: sorted on the way, rows and weights together
    cuts = run.cuts()
    edges = bin_edges(n_docs)
    assert len(cuts) == len(edges) and cuts[0] == 0 and cuts[-1] == 5000 and np.all(np.diff(edges) > 0)
    order = np.argsort(codes, kind="stable")
    got, weights = run.read(int(cuts[1000]), int(cuts[40000]))
    inside = (codes[order] >= edges[1000]) & (codes[order] < edges[40000])
    assert 0 < inside.sum() < len(codes)
    assert np.array_equal(got, codes[order][inside]) and np.array_equal(weights, shared[order][inside])
    with pytest.raises(ValueError):
        Run(tmp_path / "s", weighted=False).write(codes, n_docs, shared)


def test_ranges_hold_at_most_the_rows_asked_unless_one_bin_does():
    per_bin = np.array([3, 4, 0, 2, 9, 1, 1, 1, 5])
    ranges = greedy_ranges(per_bin, 6)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(per_bin)
    assert all(x[1] == y[0] for x, y in zip(ranges, ranges[1:]))  # consecutive, every bin once
    held = [int(per_bin[lo:hi].sum()) for lo, hi in ranges]
    assert all(h <= 6 or hi - lo == 1 for h, (lo, hi) in zip(held, ranges))  # the bin of 9 alone
    assert plan_ranges([], 10) == []



def test_an_anchor_spill_gives_back_every_row_by_range(tmp_path):
    rng = np.random.default_rng(2)
    values = rng.integers(0, 2**60, 10_000, dtype=np.uint64)  # partition 0 of 16
    docs = np.sort(rng.integers(0, 500, 10_000))
    shards = np.array_split(np.arange(10_000), 3)  # three shards, documents ascending across them
    cut = value_ranges([values[part] for part in shards], 4, 1000)
    assert 10 <= len(cut) <= 12 and sum(n for _, _, n in cut) == 10_000
    assert all(n <= 1000 for _, _, n in cut) and cut[0][0] == 0 and cut[-1][1] == 2**VALUE_BITS
    spill = AnchorSpill(tmp_path / "spill", 4, cut)
    for part in shards:
        spill.add(values[part], docs[part])
    got = [spill.rows(r) for r in range(len(cut))]
    assert [len(v) for v, _ in got] == [n for _, _, n in cut]
    assert all(np.all(np.diff(d) >= 0) for _, d in got)  # documents ascending in every range
    pairs = sorted(zip(np.concatenate([v for v, _ in got]).tolist(), np.concatenate([d for _, d in got]).tolist()))
    assert pairs == sorted(zip(values.tolist(), docs.tolist()))
    spill.remove()
    assert not (tmp_path / "spill").exists()


def test_the_reduce_of_runs_is_count_codes_of_every_row(tmp_path):
    rng = np.random.default_rng(4)
    n_docs = 500
    a = rng.integers(0, n_docs - 1, 20_000)
    b = np.minimum(n_docs - 1, a + 1 + rng.integers(0, 30, 20_000))
    banded = _codes(a, b)
    anchored, shared = _codes(a[:6000] // 2, b[:6000]), rng.integers(1, 3, 6000)
    short = rng.random(n_docs) < 0.1
    runs = []
    for k, part in enumerate(np.array_split(banded, 3)):
        runs.append(Run(tmp_path / f"b{k}", weighted=False))
        runs[-1].write(np.sort(part), n_docs)
    anchor_runs = []
    for k, (part, weight) in enumerate(zip(np.array_split(anchored, 2), np.array_split(shared, 2))):
        anchor_runs.append(Run(tmp_path / f"a{k}", weighted=True))
        anchor_runs[-1].write(part, n_docs, weight)
    stats = ReduceStats(2000)
    count = lambda c, ac, ash: count_code_rows(c, None, ac, ash, 2, short)  # noqa: E731
    parts = list(reduce_runs(runs, anchor_runs, stats.max_rows, count, stats))
    want_codes, want_shared = count_code_rows(banded, None, anchored, shared, 2, short)
    assert np.array_equal(np.concatenate([p[0] for p in parts]), want_codes)
    assert np.array_equal(np.concatenate([p[1] for p in parts]), want_shared)
    assert stats.ranges > 10 and stats.held <= 2000 and stats.rows == len(banded) + len(anchored)


def _corpus(folder: Path) -> Path:
    """The engines' corpus plus briefs: a sentence of another document and a few words (one anchor pairs them)."""
    folder.mkdir(parents=True)
    docs = build_documents(300, seed=11)
    rng = np.random.default_rng(11)
    for k in range(30):
        source = docs[int(rng.integers(0, len(docs)))]["text"]
        sentence = max(source.split(". "), key=len)
        docs.append({"id": f"brief{k}", "text": f"In brief from the wires today. {sentence}.",
                     "date": "2022-05-01"})
    with open(folder / "docs.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(d) + "\n" for d in docs)
    return folder


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("cand-scale")
    corpus = _corpus(root / "corpus")
    settings = ScanSettings(explain=False)
    engine = LocalEngine(root / "work", "64MB", shard_bytes=40_000, workers=1)
    work = WorkDir(root / "work", scan_job([corpus], None, None, settings, None, engine.budget))
    ingest(work, [corpus], None, None, None, engine.budget, Progress(), settings)
    doc_paths = work.shards("documents", "part-*.arrow")
    fp_paths = fingerprint_shards(work, doc_paths, settings, Progress())
    store = DocumentStore(doc_paths)
    texts = store.column("text").combine_chunks()
    expected = candidates(fingerprint(texts, settings), settings)
    return work, fp_paths, store.n_docs, settings, expected, store


def _local_pairs(prepared, budget: Budget):
    work, fp_paths, n_docs, settings, _, _ = prepared
    shutil.rmtree(work.root / "candidates", ignore_errors=True)
    final = candidate_shards(work, fp_paths, n_docs, settings, budget, Progress())
    table = pq.read_table(final)
    codes = table["code"].to_numpy()
    assert table.schema.names == ["code", "bands_shared"]
    assert not (work.root / "candidates" / "runs").exists()  # the runs go once the pairs are written
    return ((codes >> np.uint64(32)).astype(np.int64), (codes & np.uint64(0xFFFFFFFF)).astype(np.int64),
            table["bands_shared"].to_numpy()), done_info(final)


@pytest.mark.parametrize("memory", [64 * 2**10, 4 * 2**30])
def test_the_local_candidates_are_the_memory_engines_under_any_budget(prepared, memory):
    expected = prepared[4]
    budget = Budget(memory=memory, workers=1)
    got, info = _local_pairs(prepared, budget)
    for want, have in zip(expected, got):
        assert np.array_equal(want, have)
    # Pairs of every kind: several bands, anchors alone, and briefs paired on one anchor (issue 14).
    assert (got[2] > 1).any() and (got[2] == 0).any()
    names = prepared[5].column("id").to_pylist()
    briefs = {i for i, name in enumerate(names) if name.startswith("brief")}
    assert any(a in briefs or b in briefs for a, b, s in zip(*got) if s == 0)
    assert info["reduce_rows"] == budget.reduce_rows() and info["anchor_rows"] == budget.anchor_rows()
    assert info["reduce_rows_read"] > info["reduce_rows_held"]  if memory < 2**20 else True
    if memory < 2**20:  # a 64 KB budget: 256 rows at once, in many ranges
        assert info["reduce_rows_held"] <= budget.reduce_rows() and info["reduce_ranges"] > 5
        assert info["anchor_rows_held"] <= budget.anchor_rows() and info["anchor_ranges"] > ANCHOR_PARTITIONS
        assert info["band_group"] == 1
    else:
        assert info["reduce_ranges"] == 1 and info["anchor_ranges"] == ANCHOR_PARTITIONS


def test_a_resumed_reduce_keeps_the_runs_written(prepared, monkeypatch):
    """A scan killed after some runs were written writes only the others again: the same pairs."""
    from copytrace.engines import local

    work, fp_paths, n_docs, settings, expected, _ = prepared
    shutil.rmtree(work.root / "candidates", ignore_errors=True)
    budget = Budget(memory=64 * 2**10, workers=1)
    calls = []
    original = local.partition_anchor_codes

    def failing(values, docs, settings_):
        calls.append(len(values))
        if len(calls) == 5:
            raise KeyboardInterrupt
        return original(values, docs, settings_)

    monkeypatch.setattr(local, "partition_anchor_codes", failing)
    with pytest.raises(KeyboardInterrupt):
        candidate_shards(work, fp_paths, n_docs, settings, budget, Progress())
    written = sorted(p.name for p in (work.root / "candidates" / "runs").glob("*.done"))
    assert len(written) >= 4
    monkeypatch.setattr(local, "partition_anchor_codes", original)
    final = candidate_shards(work, fp_paths, n_docs, settings, budget, Progress())
    codes = pq.read_table(final)["code"].to_numpy()
    assert np.array_equal(codes >> np.uint64(32), expected[0]) and np.array_equal(codes & np.uint64(0xFFFFFFFF),
                                                                                 expected[1])
