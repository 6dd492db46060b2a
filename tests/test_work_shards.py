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


def test_a_fingerprint_shard_holds_band_keys_and_one_record_batch_of_anchors_per_partition(tmp_path):
    """`fingerprint_shard` writes Arrow IPC: the band keys a column per band, and the anchors of partition p as
    record batch p, documents numbered from the shard's first, as `Fingerprints` gives them."""
    import pyarrow as pa

    from copytrace.engines.shards import write_document_shard
    from copytrace.settings import ScanSettings
    from copytrace.stages.fingerprint import fingerprint_batch

    texts = [f"Story {k}: the minister said on Tuesday that the talks in Geneva would go on for "
             f"another {k} days, officials told reporters after the {k}th session ended." for k in range(40)]
    doc_path = tmp_path / "part-00000.arrow"
    write_document_shard(doc_path, pa.table({"id": [f"d{k}" for k in range(40)], "text": texts}),
                         info={"first_doc": 1000})
    out = tmp_path / "fp" / doc_path.name
    out.parent.mkdir()
    settings = ScanSettings()
    local.fingerprint_shard(doc_path, out, settings)

    expected = fingerprint_batch(pa.array(texts, pa.large_string()), settings)
    keys = read_arrow(out)
    assert keys["doc"].to_pylist() == list(range(1000, 1040))
    assert np.array_equal(keys["n_shingles"].to_numpy(), expected.n_shingles)
    assert np.array_equal(np.column_stack([keys[f"k{j:03d}"].to_numpy() for j in range(expected.keys.shape[1])]),
                          expected.keys)
    values, docs = expected.anchor_rows(1000)
    batches = [local._anchor_table(out, p) for p in range(local.ANCHOR_PARTITIONS)]
    assert all(b.schema.field("doc").type == pa.uint32() for b in batches)
    for p, batch in enumerate(batches):  # each partition's values share their top bits, in row order
        assert np.all(batch["value"].to_numpy() >> np.uint64(64 - local.ANCHOR_PARTITION_BITS) == p)
    got = sorted(zip(np.concatenate([b["value"].to_numpy() for b in batches]).tolist(),
                     np.concatenate([b["doc"].to_numpy() for b in batches]).tolist()))
    assert got == sorted(zip(values.tolist(), docs.tolist())) and len(got) > 0


def test_cleaning_reads_the_line_keys_learning_left(tmp_path, monkeypatch):
    """Each shard's template key hashes, worked out while learning the templates, are read back by its
    cleaning (not hashed again), and go with the scratch shards; the chrome comes out as from the memory engine."""
    import json

    import copytrace
    from copytrace.engines import cleaning

    rng = np.random.default_rng(5)
    words = ["minister", "talks", "border", "trade", "court", "energy", "vote", "prices", "storm", "league"]
    with open(tmp_path / "pages.jsonl", "w", encoding="utf-8") as handle:
        for k in range(240):
            site = f"site{k % 3}"
            body = "\n\n".join(" ".join(rng.choice(words, 40)) + "." for _ in range(3))
            text = f"Sign up for the {site} newsletter\n{body}\nStraße des {site} © 2026, all rights reserved"
            handle.write(json.dumps({"id": f"d{k}", "text": text, "source": site, "url": f"https://{site}.example/{k}"})
                         + "\n")
    used = []
    read = cleaning._line_keys
    monkeypatch.setattr(cleaning, "_line_keys", lambda paths: used.append(read(paths)) or used[-1])
    work = tmp_path / "work"
    result = LocalEngine(work, "2MB", shard_bytes=SHARD_BYTES, workers=1).scan([tmp_path / "pages.jsonl"])
    shards = list((work / "documents").glob("part-?????.arrow"))
    assert len(used) == len(shards) >= 3
    assert all(keys is not None and len(keys.row) > 0 for keys in used)
    assert not (work / "raw").exists()
    in_memory = copytrace.scan(tmp_path / "pages.jsonl")
    assert result.tables["removed_lines"].num_rows == in_memory.tables["removed_lines"].num_rows >= 480
    assert result.documents.to_table().select(["id", "text"]).equals(in_memory.documents.select(["id", "text"]))


def test_line_keys_are_read_only_when_every_share_of_the_same_split_left_them(tmp_path):
    """Two learning shares leave a shard's line keys in two files, together every line of its sources; a
    cleaning that expects another split (a run resumed with another number of workers) hashes the lines itself."""
    import pyarrow as pa

    from copytrace.engines import cleaning
    from copytrace.engines.shards import write_arrow
    from copytrace.settings import ScanSettings
    from copytrace.stages.clean.templates import line_hashes

    texts = [f"Sign up for site{k % 4}\nStory {k} of the day, told in full.\n\nStraße {k}" for k in range(40)]
    shard = tmp_path / "part-00000.raw.arrow"
    write_arrow(shard, pa.table({"id": [f"d{k}" for k in range(40)], "text": texts,
                                 "source": [f"site{k % 4}" for k in range(40)],
                                 "url": [f"https://site{k % 4}.example/{k}" for k in range(40)]}))
    settings = ScanSettings()
    for part in range(2):
        cleaning.learn_share(([shard], part, 2, settings))
    paths = [cleaning.line_keys_path(shard, part) for part in range(2)]
    keys = cleaning._line_keys(paths)
    row_pos, line, hashes, _ = line_hashes(pa.array(texts, pa.large_string()), np.arange(40), texts.__getitem__)
    assert keys.row.tolist() == row_pos.tolist() and keys.line.tolist() == line.tolist()
    assert keys.hash.tolist() == hashes.tolist()
    assert cleaning._line_keys(paths[:1]) is None  # one share of two: another split
    assert cleaning._line_keys(paths + [cleaning.line_keys_path(shard, 2)]) is None  # a share missing
