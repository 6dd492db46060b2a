"""Work shards of the local engine: consumed shards gone, a resumed scan still whole."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from copytrace.engines import local
from copytrace.engines.documents import DocumentStore
from copytrace.engines.shards import first_doc, read_arrow
from copytrace.engines.local import LocalEngine

sys.path.insert(0, str(Path(__file__).parent))
from engines_corpus import write_corpus  # noqa: E402

SHARD_BYTES = 60_000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"), n_docs=300)


def test_band_keys_and_anchors_go_once_candidates_are_done_and_a_resume_skips_them(corpus, tmp_path, monkeypatch):
    work = tmp_path / "work"
    first = LocalEngine(work, "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([corpus])
    fp = sorted((work / "fingerprint").glob("part-?????.arrow"))
    assert len(fp) >= 3
    assert not list((work / "fingerprint").glob("*.anchors.*"))
    assert all(read_arrow(p).column_names == ["doc", "n_shingles"] for p in fp)
    # Document shards hold no numbers: each one's first is in its done marker, and they number every document once.
    docs = sorted((work / "documents").glob("part-?????.arrow"))
    assert len(docs) == len(fp) and all("doc" not in read_arrow(p).column_names for p in docs)
    firsts = [first_doc(p) for p in docs]
    assert firsts == list(DocumentStore(docs).starts[:-1]) and firsts[0] == 0
    numbers = np.concatenate([read_arrow(p)["doc"].to_numpy() for p in fp])
    assert numbers.tolist() == list(range(first.documents.num_rows))
    assert not list((work / "candidates").glob("bands-*")) and not list((work / "candidates").glob("anchors-*"))
    assert not (work / "spill").exists() and not (work / "raw").exists()

    computed = []
    monkeypatch.setattr(local, "fingerprint_shard", lambda *a: computed.append(a))
    again = LocalEngine(work, "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([corpus])
    assert computed == []  # the slimmed shards are still done: nothing fingerprinted again
    for name in ("documents", "pairs", "families"):
        assert getattr(again, name).equals(getattr(first, name)), name
