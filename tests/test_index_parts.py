"""The files beside the index database: band segments (lookups), document files (fetches), their recovery."""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("duckdb")

from copytrace.index import Store, add_documents, remove_documents, search_text  # noqa: E402
from copytrace.index.matching import lookup_batch, lookup_one  # noqa: E402
from copytrace.index.parts import parts_dir  # noqa: E402
from copytrace.index.segments import KeySegments  # noqa: E402

from conftest import LAVROV, SEED_IDS  # noqa: E402
from test_index import seeds  # noqa: E402
from test_index_crash import generated  # noqa: E402

SPUTNIK, CAPTURE, DURAN = SEED_IDS


def brute_force(keys: np.ndarray, docs: np.ndarray, wanted: np.ndarray, max_bucket: int) -> set:
    """(key position, doc) pairs: the `max_bucket` smallest docs of each wanted key."""
    out = set()
    for p, key in enumerate(wanted):
        for doc in sorted(docs[keys == key].tolist())[:max_bucket]:
            out.add((p, doc))
    return out


def test_segment_lookups_match_brute_force_before_and_after_compaction(tmp_path):
    rng = np.random.default_rng(5)
    segments = KeySegments(tmp_path / "parts")
    all_keys, all_docs, doc = [], [], 0
    for batch in range(9):
        n = int(rng.integers(5, 60))
        keys = rng.integers(0, 40, n).astype(np.uint64)  # few distinct keys: big buckets
        docs = np.arange(doc, doc + n, dtype=np.uint32)
        doc += n
        segments.commit(segments.add(batch, keys, docs))
        all_keys.append(keys)
        all_docs.append(docs)
    keys, docs = np.concatenate(all_keys), np.concatenate(all_docs)
    wanted = np.unique(rng.integers(0, 50, 30).astype(np.uint64))
    for max_bucket in (3, 1000):
        expected = brute_force(keys, docs, wanted, max_bucket)
        pos, found = segments.lookup(wanted, max_bucket)
        assert set(zip(pos.tolist(), found.tolist())) == expected
    segments.compact(max_segments=2)
    assert len(segments.segments) == 2 and segments.rows() == len(keys)
    assert len(list((tmp_path / "parts").glob("*.seg"))) == 2
    pos, found = segments.lookup(wanted, 3)
    assert set(zip(pos.tolist(), found.tolist())) == brute_force(keys, docs, wanted, 3)
    reopened = KeySegments(tmp_path / "parts")
    assert reopened.load(committed_batches=9, writable=True) == [(s.first, s.last) for s in segments.segments]
    assert reopened.load(committed_batches=4, writable=False) == [(s.first, s.last) for s in segments.segments
                                                                   if s.last < 4]


def test_a_few_keys_in_a_big_segment_are_found_through_its_fence(tmp_path):
    rng = np.random.default_rng(8)
    segments = KeySegments(tmp_path / "parts")
    keys = rng.integers(0, 3000, 20_000).astype(np.uint64)  # long runs of equal keys cross block bounds
    docs = np.arange(20_000, dtype=np.uint32)
    segments.commit(segments.add(0, keys, docs))
    few = np.array([0, 17, 1500, 2999, 5000], dtype=np.uint64)  # 5 keys x 128 < 20,000 rows: fenced
    some = np.unique(rng.integers(0, 3100, 200)).astype(np.uint64)  # x 128 > 20,000 rows: galloped
    for wanted in (few, some):
        for max_bucket in (2, 200):
            pos, found = segments.lookup(wanted, max_bucket)
            assert set(zip(pos.tolist(), found.tolist())) == brute_force(keys, docs, wanted, max_bucket)


def test_batch_lookup_counts_shared_bands_per_row_and_document(tmp_path):
    segments = KeySegments(tmp_path / "parts")
    segments.commit(segments.add(0, np.array([1, 2, 3, 4, 1], np.uint64), np.array([0, 0, 0, 1, 1], np.uint32)))
    batch_keys = np.array([[1, 2, 9], [4, 1, 3]], dtype=np.uint64)

    class Settings:
        max_bucket = 200

    row, doc, shared = lookup_batch(segments, batch_keys, Settings)
    assert sorted(zip(row.tolist(), doc.tolist(), shared.tolist())) == [(0, 0, 2), (0, 1, 1), (1, 0, 2), (1, 1, 2)]
    docs, counts = lookup_one(segments, batch_keys[1], Settings)
    assert dict(zip(docs.tolist(), counts.tolist())) == {0: 2, 1: 2}


def test_lost_parts_are_rebuilt_from_the_database(tmp_path):
    path = tmp_path / "ix.duckdb"
    pasted = (LAVROV / DURAN).read_text(encoding="utf-8")
    with Store.create(path) as store:
        add_documents(store, seeds().slice(0, 1))
        add_documents(store, seeds().slice(1, 2))
        before = [m["id"] for m in search_text(store, pasted).matches()]
    assert set(before) == set(SEED_IDS)
    shutil.rmtree(parts_dir(path))
    with Store(path, read_only=True) as store:  # rebuilt in memory
        assert [m["id"] for m in search_text(store, pasted).matches()] == before
    assert not parts_dir(path).exists()
    with Store(path) as store:  # rebuilt on disk
        assert [m["id"] for m in search_text(store, pasted).matches()] == before
        assert store.segments.rows() == 3 * store.lsh.bands
    assert len(list(parts_dir(path).glob("*.docs.arrow"))) == 2


def test_removed_documents_are_not_found_through_the_parts(tmp_path):
    with Store.create(tmp_path / "ix.duckdb") as store:
        add_documents(store, seeds())
        remove_documents(store, [SPUTNIK])
        found = store.parts.fetch(np.arange(3))
        assert sorted(found["id"].to_pylist()) == sorted([CAPTURE, DURAN])
        pasted = (LAVROV / DURAN).read_text(encoding="utf-8")
        assert {m["id"] for m in search_text(store, pasted).matches()} == {CAPTURE, DURAN}


def test_many_small_adds_are_compacted_and_still_found(tmp_path):
    day = generated(40, 9, "day")
    with Store.create(tmp_path / "ix.duckdb") as store:
        for k in range(16):
            add_documents(store, day.slice(k * 2, 2))
        add_documents(store, seeds())
        assert len(store.segments.segments) <= 12
        assert store.segments.rows() == 35 * store.lsh.bands
        result = search_text(store, (LAVROV / DURAN).read_text(encoding="utf-8"))
        assert {m["id"] for m in result.matches()} == set(SEED_IDS)
        copy = day["text"][5].as_py()
        assert [m["id"] for m in search_text(store, copy).matches()][:1] == ["day-5"]


def test_an_id_given_twice_in_one_batch_is_added_once(tmp_path):
    with Store.create(tmp_path / "ix.duckdb") as store:
        text = seeds()["text"][0].as_py()
        report = add_documents(store, pa.table({"id": ["x", "x"], "text": [text, text]}))
        assert report.added == 1 and report.rejected == [("x", "id given twice in one batch (the first is added)")]
        assert store.stats()["documents"] == 1

