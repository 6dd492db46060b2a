"""Compressed document shards (issue 19): random reads by record batch, and the documents output streamed."""

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from copytrace.engines.documents import DocumentStore, ShardedDocuments, gathered_store
from copytrace.engines.shards import (
    DOC_BATCH_ROWS,
    LZ4_ROOM,
    PLAIN_ROOM,
    doc_codec,
    plain_shards,
    read_columns,
    write_arrow,
    write_document_shard,
)
from copytrace.io.output import ScanResult, read_scan
from copytrace.io.records import REJECT_SCHEMA
from copytrace.stages.families import with_families


def _shard(first: int, n: int) -> pa.Table:
    words = np.array(["minister", "said", "talks", "Moscow", "agency", "reported", "on", "the"])
    rng = np.random.default_rng(first)
    texts = [" ".join(words[rng.integers(0, len(words), 60)]) + f" ({d})." for d in range(first, first + n)]
    return pa.table({  # as the clean stage writes them: no document numbers (the store knows each shard's first)
        "id": [f"d{d}" for d in range(first, first + n)],
        "text": pa.array(texts, pa.large_string()),
        "raw_text": pa.array(["Site header\n" + t for t in texts], pa.large_string()),
        "source": [f"outlet{d % 7}" for d in range(first, first + n)],
    })


def _store(tmp_path, sizes=(DOC_BATCH_ROWS * 3 + 17, 5, DOC_BATCH_ROWS + 1), codecs=("zstd",)):
    tables, first = [], 0
    for i, n in enumerate(sizes):
        tables.append(_shard(first, n))
        write_document_shard(tmp_path / f"part-{i:05d}.arrow", tables[-1], {"docs": n}, codecs[i % len(codecs)])
        first += n
    return DocumentStore([tmp_path / f"part-{i:05d}.arrow" for i in range(len(sizes))]), pa.concat_tables(tables)


def test_shards_are_compressed_in_record_batches(tmp_path):
    store, whole = _store(tmp_path)
    plain = tmp_path / "plain.arrow"
    write_arrow(plain, whole.slice(0, DOC_BATCH_ROWS * 3 + 17))
    assert store.paths[0].stat().st_size < plain.stat().st_size / 2
    assert ipc.open_file(str(store.paths[0])).num_record_batches == 4
    assert store.n_docs == whole.num_rows and list(store.starts) == [0, 785, 790, 1047]


def test_take_reads_any_rows_and_columns_as_the_whole_table(tmp_path):
    store, whole = _store(tmp_path)
    rng = np.random.default_rng(3)
    for docs in (np.arange(whole.num_rows), np.sort(rng.choice(whole.num_rows, 100, replace=False)),
                 np.array([0, 255, 256, 784, 785, 789, 790, 1046]), np.array([], np.int64)):
        for columns in (None, ["text"], ["source", "id"]):
            expected = (whole.select(columns) if columns else whole).take(pa.array(docs, pa.int64()))
            got = store.take(docs, columns)
            assert got.column_names == expected.column_names
            assert got.equals(expected.cast(got.schema)) if got.num_rows else got.num_rows == 0
    assert store.column("id").to_pylist() == whole["id"].to_pylist()
    assert read_columns(store.paths[1], ["text", "id"]).column_names == ["text", "id"]


def test_lz4_and_plain_shards_read_as_the_zstd_ones_even_mixed_in_one_store(tmp_path):
    (tmp_path / "z").mkdir()
    (tmp_path / "m").mkdir()
    zstd, whole = _store(tmp_path / "z")
    mixed, _ = _store(tmp_path / "m", codecs=("lz4", "none", "zstd"))  # a run resumed on a fuller disk
    assert mixed.paths[0].stat().st_size > zstd.paths[0].stat().st_size  # lz4: bigger, cheaper to read
    assert mixed.paths[0].stat().st_size < whole.slice(0, DOC_BATCH_ROWS * 3 + 17).nbytes
    docs = np.array([0, 255, 256, 784, 785, 789, 790, 1046])
    for columns in (None, ["text"], ["source", "id"]):
        assert mixed.take(docs, columns).equals(zstd.take(docs, columns))
    every = np.arange(whole.num_rows)
    assert mixed.take(every, None).equals(whole.take(pa.array(every)).cast(mixed.take(every, None).schema))


def test_document_shards_are_compressed_less_where_the_disk_has_room_to_spare(tmp_path, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda folder: usage(10**12, 0, 80 * 10**9))
    assert doc_codec(tmp_path, 80 * 10**9 // LZ4_ROOM // 2 + 1) == "lz4"
    assert doc_codec(tmp_path, 10 * 10**9) == "lz4"  # 80 GB free for 10 GB of input
    assert doc_codec(tmp_path, 10 * 10**9 + 1) == "zstd"
    assert doc_codec(tmp_path, 31 * 10**9) == "zstd"  # ten million news documents keep the smaller shards
    assert doc_codec(tmp_path, 80 * 10**9 // PLAIN_ROOM) == "none"  # room to spare twice over: not compressed
    assert doc_codec(tmp_path, 80 * 10**9 // PLAIN_ROOM + 1) == "lz4"
    assert doc_codec(tmp_path, 0) == "none"


def test_gathered_store_holds_the_texts_asked_for_uncompressed_in_the_same_numbering(tmp_path):
    store, whole = _store(tmp_path)
    docs = np.array([1, 2, 255, 300, 784, 785, 1040, 1046])  # none in shard 1 but 785
    folder = tmp_path / "verify"
    folder.mkdir()
    gathered = gathered_store(store, docs, folder)
    assert gathered.n_docs == store.n_docs and list(gathered.starts) == list(store.starts)
    assert gathered.take(docs, ["text"]).equals(whole.select(["text"]).take(pa.array(docs)))
    others = np.setdiff1d(np.arange(whole.num_rows), docs)
    assert gathered.take(others, ["text"])["text"].null_count == len(others)
    shard = ipc.open_file(str(gathered.paths[0]))
    assert shard.num_record_batches == 1 and shard.schema.names == ["doc", "text"]
    held = whole["text"].take(pa.array(docs[:5])).to_pylist()  # shard 0's five texts alone, uncompressed
    assert shard.get_batch(0).column(1).buffers()[2].size == sum(len(t.encode()) for t in held)
    # A gathered shard that is done is kept as it is (a resumed verify).
    assert gathered_store(store, docs[:2], folder).take(docs, ["text"]).equals(gathered.take(docs, ["text"]))


def test_documents_output_streamed_shard_by_shard_is_the_whole_table(tmp_path):
    store, whole = _store(tmp_path)
    family = np.arange(whole.num_rows) // 3
    n_shingles = np.arange(whole.num_rows) * 2
    sharded = ShardedDocuments(store, family, n_shingles)
    expected = pa.concat_tables([with_families(store.table(i), family[lo:hi], n_shingles[lo:hi])
                                 for i, (lo, hi) in enumerate(zip(store.starts[:-1], store.starts[1:]))])
    assert sharded.num_rows == whole.num_rows and sharded.schema == expected.schema
    assert sharded["family"].to_pylist() == family.tolist() and sharded["id"].to_pylist() == whole["id"].to_pylist()
    assert sharded.filter(pa.compute.field("family") == 5).equals(expected.filter(pa.compute.field("family") == 5))
    empty = pa.table({"a": pa.array([], pa.string())})
    for fmt in ("parquet", "jsonl"):
        out = tmp_path / f"out-{fmt}"
        ScanResult(sharded, empty, empty, REJECT_SCHEMA.empty_table()).write(out, format=fmt)
        got = read_scan(out).documents
        if fmt == "parquet":
            assert pq.ParquetFile(out / "documents.parquet").metadata.row_group(0).column(0).compression == "ZSTD"
            assert got.equals(expected)
        else:
            assert got["id"].to_pylist() == expected["id"].to_pylist()
            assert got["text"].to_pylist() == expected["text"].to_pylist()


def test_documents_are_read_in_place_only_when_every_shard_is_plain(tmp_path):
    """A run resumed on a fuller or emptier disk may write its remaining shards with another codec: the
    stages read documents in place only if none of them is compressed."""
    paths = []
    for i, codec in enumerate(("none", "none", "lz4")):
        paths.append(tmp_path / f"part-{i:05d}.arrow")
        write_document_shard(paths[-1], _shard(10 * i, 10), {"first_doc": 10 * i, "codec": codec}, codec)
    assert plain_shards(paths[:2]) and not plain_shards(paths)
    assert DocumentStore(paths[:2]).take(np.arange(20), ["id"])["id"].to_pylist() == [f"d{d}" for d in range(20)]
