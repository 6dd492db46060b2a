"""Adds at the same time, as a server's request threads make them (found by bench/soak.py: two adds
compacted the same band/anchor segments at once and one failed with FileNotFoundError, a 500)."""

from __future__ import annotations

import sys
import threading

import pytest

pytest.importorskip("duckdb")

import pyarrow as pa  # noqa: E402

from conftest import REPO  # noqa: E402

from copytrace.index import Store, add_documents  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from index_corpus import ArticleGenerator  # noqa: E402  (Zipf-worded articles: band and anchor segments both)

GENERATOR = ArticleGenerator(seed=3)


def article(seed: int) -> str:
    return GENERATOR.batch(seed, 1)[0]


def test_concurrent_adds_all_land(tmp_path):
    store = Store.create(tmp_path / "ix.duckdb")
    errors: list[str] = []

    def worker(w: int) -> None:
        for k in range(25):  # one document per add: many segments, so compactions overlap
            try:
                add_documents(store, pa.table({"id": [f"w{w}-{k}"], "text": [article(w * 100 + k)]}), explain=False)
            except Exception as err:  # noqa: BLE001 - every failure is the finding
                errors.append(repr(err))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert store.stats()["documents"] == 100
        assert len(store.segments.segments) <= 12
    finally:
        store.close()
