"""Shard I/O for the scale engines: a work folder of shards, each finished or not.

Every stage writes its output as shards under one work folder. A shard is
written to a temporary name and renamed into place, then a `.done` marker
is written the same way: a shard without its marker is unfinished (the run
was killed while writing it) and is written again; a shard with its marker
is skipped by the next run. So an interrupted scan resumes where it stopped.

Document shards are Arrow IPC files (uncompressed where the disk has room to
spare twice over, lz4 where it has room, else zstd: `doc_codec`) in record batches of
`DOC_BATCH_ROWS` documents (`write_document_shard`): later stages take the texts
of a few documents anywhere in the corpus by decompressing only the batches
(and columns) that hold them (`engines.documents.DocumentStore`), and the result's
documents table is streamed shard by shard into the output (`ShardedDocuments`),
never whole in memory. The worker that cleans a shard writes it; it holds no
document numbers: its documents are numbered from its `first_doc` (in its done
marker, written by the main process once the shards before it are cleaned).
Compressed with zstd, the texts take ~2.3x less disk, which is
what lets ten million documents fit beside their band keys (issue 19). The
ingest's scratch copies stay uncompressed and memory-mapped (template
learning reads them as views; each goes once its document shard is written),
as do the fingerprint shards (band keys and anchors: random 64-bit values, read
a few columns or one record batch at a time) and the line keys learning leaves
for cleaning; the other shards are Parquet, zstd-compressed. A shard goes as soon
as the stage after it has consumed it (`release_candidate_inputs`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from copytrace.io import InputError


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str | int) -> int:
    """Bytes in a size such as '6GB', '512M', '1.5g' or a plain number of bytes."""
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    if not match:
        raise ValueError(f"not a size: {text!r} (use e.g. 6GB, 512MB)")
    unit = (match.group(2) or "").lower()[:1]
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Budget:
    """Batch sizes derived from a memory budget, so that no stage holds more than its share."""

    memory: int = 4 * 2**30
    shard_bytes: int | None = None  # text per document shard; None: derived from memory
    workers: int = max(1, min(os.cpu_count() or 1, 8))

    @property
    def text_per_shard(self) -> int:
        # Cleaning a shard holds its text several times (Arrow, Python strings,
        # lines) in each worker: a sixteenth of the budget per worker leaves room;
        # 32 MB shards keep every worker busy to the end.
        return self.shard_bytes or max(1 << 20, min(self.memory // 16 // self.workers, 32 << 20))

    def anchor_rows(self) -> int:
        """Anchor rows (value, document) paired at once by the local engine's candidates stage.

        `anchor_pairs` holds a row about 5 times over (the rows, their order by document, the
        partitions by hash, the pieces) plus its pair codes: 96 bytes a row in a quarter of the budget.
        Measured at 1M news documents: 12.6M rows paired at once peaked 0.86 GB over the process' 0.45 GB
        (68 bytes a row).
        """
        return int(max(256, self.memory // 4 // 96))

    def reduce_rows(self) -> int:
        """Pair-code rows (a code once per band shared, or per anchor run) reduced at once (`runs.reduce_runs`).

        The slices read and their concatenation, NumPy's sorted copy and counts, the anchor rows' inverse and
        sums, and the merged output: 80 bytes a row in a quarter of the budget (measured at 1M news documents
        with 2 GB: 8.4M rows held at once took 0.59 GB, 70 bytes a row).
        """
        return int(max(256, self.memory // 4 // 80))

    def band_group(self, n_docs: int, bands: int) -> int:
        """Bands whose keys for every document are grouped in memory at once."""
        per_band = max(1, n_docs) * 8 * 4  # keys, their argsort and sorted copy
        return int(max(1, min(bands, self.memory // 4 // per_band)))

    def verify_docs(self, mean_doc_bytes: float) -> int:
        """Documents whose shingle sets are held at once while verifying."""
        per_doc = max(256.0, mean_doc_bytes) * 4  # text, UTF-8 copy, sorted shingle hashes
        return int(max(64, self.memory // 4 / per_doc))

    def explain_docs(self, mean_doc_bytes: float, linked_docs: int = 0) -> int:
        """Documents per align chunk (word indexes of every member are cached while aligning).

        At most a quarter of the linked documents per worker, so that every worker has chunks to the end.
        """
        # Measured at 1M news documents: ~21x the text per document in a worker (with its fixed cost);
        # half of that is asked here (the workers hold a quarter of the budget), since smaller chunks
        # cost time: at 1M, chunks of 24x made alignment 1.8x slower.
        per_doc = max(256.0, mean_doc_bytes) * 12
        fits = self.memory // 4 // self.workers / per_doc
        return int(max(16, min(fits, -(-linked_docs // (4 * self.workers)) if linked_docs else fits)))

    def trace_docs(self, mean_doc_bytes: float, linked_docs: int = 0) -> int:
        """Documents per provenance chunk (text, masks and facts of every member, in each worker).

        At most a quarter of the linked documents per worker, so that every worker has chunks to the end.
        """
        # The facts, sentence splits and indexes of a chunk's members outgrow their text far more than
        # assumed: at 1M documents with a 6 GB budget provenance peaked at 8.67 GB with 48x, 4.29 GB
        # with 128x for 6% more provenance time (bench/scale.py --docs 1000000 --memory 6GB).
        per_doc = max(256.0, mean_doc_bytes) * 128
        fits = self.memory // 2 // self.workers / per_doc
        return int(max(16, min(fits, -(-linked_docs // (4 * self.workers)) if linked_docs else fits)))


def release_memory() -> None:
    """Give freed memory back to the system between shards.

    Arrow's allocator (mimalloc) and glibc keep freed pages for reuse: a
    process that handled many shards otherwise holds the peak of all of
    them, and worker processes live for the whole scan.
    """
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


def atomic_write(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    os.replace(tmp, path)


def mark_done(path: Path, info: dict | None = None) -> None:
    atomic_write(done_marker(path), lambda tmp: tmp.write_text(json.dumps(info or {})))


def done_marker(path: Path) -> Path:
    return path.with_name(path.name + ".done")


def is_done(path: Path) -> bool:
    return done_marker(path).exists() and path.exists()


def done_info(path: Path) -> dict:
    return json.loads(done_marker(path).read_text())


def write_parquet(path: Path, table: pa.Table, info: dict | None = None, compression: str = "zstd",
                  dictionary: bool | list[str] = True) -> None:
    """`dictionary`: the columns worth dictionary-encoding (all by default). Columns of random 64-bit values
    (band keys, anchors) are not: the dictionary is built, found too large and dropped, at 4x the write's cost."""
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression=compression, use_dictionary=dictionary))
    mark_done(path, info)


def write_arrow(path: Path, table: pa.Table, info: dict | None = None) -> None:
    atomic_write(path, lambda tmp: _write_ipc(tmp, table))
    mark_done(path, info)


def _write_ipc(path: Path, table: pa.Table) -> None:
    with ipc.new_file(path, table.schema) as writer:
        writer.write_table(table)


def write_batches(path: Path, batches: list[pa.RecordBatch], info: dict | None = None) -> None:
    """An Arrow IPC shard of `batches` (one schema) as they are, batch k read back by `get_batch(k)`."""
    def write(tmp):
        with ipc.new_file(tmp, batches[0].schema) as writer:
            for batch in batches:
                writer.write_batch(batch)
    atomic_write(path, write)
    mark_done(path, info)


# Documents per compressed record batch of a document shard: a random read decompresses one batch
# (~0.7 MB of text and raw text); 256 compresses within 5% of 1,024 (zstd level 3, news text).
DOC_BATCH_ROWS = 256
# Level 1: a shard 16% larger than at level 3 (29 vs 25 MB for 11,264 news documents) for 40% less CPU to write
# (0.22 vs 0.36 s) and half to read (0.12 vs 0.22 s); every later stage reads the shards, most of them
# several times. The 10M scan's work folder grows by about 3.5 GB (54.8 GB at level 3).
DOC_CODEC_LEVEL = 1
# lz4 where the disk has room to spare: a 100k news bench shard (11,264 documents, 67 MB of text and raw
# text) written for 0.16 CPU s against zstd's 0.25 and read for a fraction (0.03 against 0.08-0.18 s), at 1.5x
# the disk (47 against 31 MB); the work folder then peaks at about 2.3 times the input's bytes (0.71 GB for
# 315 MB), against 1.8 times with zstd. Room to spare: `LZ4_ROOM` times the input's bytes free on the disk.
LZ4_ROOM = 8
# Uncompressed where the disk has room to spare twice over: the 100k bench's shards written for 0.7 CPU s
# against lz4's 1.6 (575 MB against 400 MB) and read memory-mapped, so the stages that read documents at random
# read them in place (`gathered_store` copies nothing).
PLAIN_ROOM = 16


def doc_codec(folder: Path, input_size: int) -> str:
    """The codec of a scan's document shards: "none" when `folder`'s disk has `PLAIN_ROOM` times the input's
    bytes free, "lz4" when it has `LZ4_ROOM` times, else "zstd" (a corpus near the disk's size keeps the
    smaller shards)."""
    import shutil

    room = shutil.disk_usage(folder).free / max(1, input_size)
    return "none" if room >= PLAIN_ROOM else "lz4" if room >= LZ4_ROOM else "zstd"


def write_document_shard(path: Path, table: pa.Table, info: dict | None = None, codec: str = "zstd",
                         done: bool = True) -> None:
    """A document shard: Arrow IPC compressed with `codec` (zstd, lz4 or none), `DOC_BATCH_ROWS` documents a
    record batch (see the module docstring); readers take any. Marked done with `info` unless not `done`
    (the ingest marks it once it knows the shard's `first_doc`). Written by a worker process: one thread
    compresses (the other cores run the other workers)."""
    compression = (None if codec == "none" else pa.Codec("zstd", DOC_CODEC_LEVEL) if codec == "zstd"
                   else pa.Codec(codec))
    options = ipc.IpcWriteOptions(compression=compression, use_threads=False)

    def write(tmp):
        with ipc.new_file(tmp, table.schema, options=options) as writer:
            writer.write_table(table, max_chunksize=DOC_BATCH_ROWS)
    atomic_write(path, write)
    if done:
        mark_done(path, info)


def first_doc(doc_path: Path) -> int:
    """The number of a document shard's first document (documents are numbered in shard order)."""
    return int(done_info(doc_path)["first_doc"])


def plain_shards(doc_paths: list[Path]) -> bool:
    """Whether every document shard is uncompressed (a run resumed on a fuller or emptier disk may mix codecs)."""
    return all(done_info(path).get("codec") == "none" for path in doc_paths)


def numbered(documents: pa.Table, first: int) -> pa.Table:
    """`documents` (a document shard's rows) with their numbers as a first column, "doc"."""
    return documents.add_column(0, "doc", pa.array(np.arange(first, first + documents.num_rows, dtype=np.int64)))


def read_columns(path: Path, columns=None) -> pa.Table:
    """Columns of an Arrow IPC shard (all when None), in the order asked: only those are decompressed."""
    return _open_ipc(path, columns).read_all().select(columns) if columns else read_arrow(path)


def _open_ipc(path: Path, columns=None) -> ipc.RecordBatchFileReader:
    if not columns:
        return ipc.open_file(pa.memory_map(str(path)))
    names = ipc.open_file(pa.memory_map(str(path))).schema.names
    missing = [c for c in columns if c not in names]
    if missing:
        raise KeyError(f"{path}: no column {', '.join(missing)}")
    fields = sorted(names.index(c) for c in columns)
    return ipc.open_file(pa.memory_map(str(path)), options=ipc.IpcReadOptions(included_fields=fields))


def drop_shard(path: Path) -> None:
    """A consumed shard and its done marker gone (the marker first: a half-deleted shard is never taken as done)."""
    done_marker(path).unlink(missing_ok=True)
    path.unlink(missing_ok=True)


def release_candidate_inputs(work: "WorkDir", fp_paths: list[Path], anchor_paths) -> None:
    """Once candidates/pairs.parquet is done: band keys, anchors, band-group codes and spill files go.

    Each fingerprint shard is rewritten to its documents' shingle counts (the
    families and documents tables need them), still marked done, so a resumed
    scan neither recomputes it nor looks for the band keys again.
    """
    import shutil

    for path in fp_paths:
        for partition in anchor_paths(path):
            drop_shard(partition)
        if is_done(path) and len(_open_ipc(path).schema.names) > 2:
            slim = read_columns(path, ["doc", "n_shingles"])  # mapped: the replaced file's pages stay till let go
            atomic_write(path, lambda tmp: _write_ipc(tmp, slim))
    folder = work.stage("candidates")
    for part in [*folder.glob("bands-*.parquet"), *folder.glob("anchors-*.parquet")]:
        drop_shard(part)
    shutil.rmtree(work.root / "spill", ignore_errors=True)


def read_arrow(path: Path) -> pa.Table:
    """A memory-mapped Arrow IPC shard: no copy, pages read only when touched."""
    return ipc.open_file(pa.memory_map(str(path))).read_all()


def inputs_fingerprint(paths, metadata=None) -> list:
    """What the inputs are: each file's path, size and modification time, sidecars and `metadata` included
    (not hidden ones: a work folder inside an input folder changes while it resumes)."""
    from copytrace.io import input_listing

    listing = []
    for target in [Path(p) for p in paths] + ([Path(metadata)] if metadata is not None else []):
        listing += input_listing(target)  # the walk ingest makes: names not UTF-8, links, PATH_MAX as it has them
    return listing


# The shards' layout: a work folder of another layout is not resumed. 2: document shards hold no numbers;
# 3: fingerprint shards and their anchors are Arrow IPC.
WORK_FORMAT = 3


def scan_job(paths, fields, metadata, settings, max_doc_bytes, budget: Budget) -> dict:
    """What a work folder's shards depend on, as JSON: inputs, field map, settings, the shard size
    (a resumed run must cut the same shards) and the shards' layout."""
    return {"inputs": inputs_fingerprint(paths, metadata), "fields": asdict(fields) if fields else None,
            "metadata": None if metadata is None else str(metadata), "settings": settings.to_dict(),
            "max_doc_bytes": max_doc_bytes, "text_per_shard": budget.text_per_shard, "format": WORK_FORMAT}


class WorkDir:
    """The work folder of one scan: shards per stage, and the manifest that ties them to their inputs.

    A work folder that holds a scan of other inputs or settings is refused, so
    a resumed scan never mixes shards of two different jobs.
    """

    def __init__(self, root: str | Path, job: dict):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        manifest = self.root / "manifest.json"
        wanted = job
        digest = hashlib.sha256(json.dumps(wanted, sort_keys=True).encode()).hexdigest()
        if manifest.exists():
            held = json.loads(manifest.read_text())
            if held.get("digest") != digest:
                raise InputError(f"{self.root}: work folder holds a scan of other inputs or settings (or of "
                                 "another copytrace version); use a fresh --work-dir or delete it")
        else:
            atomic_write(manifest, lambda tmp: tmp.write_text(json.dumps({"digest": digest, "job": wanted},
                                                                          indent=2, sort_keys=True)))

    def stage(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        return folder

    def shards(self, stage: str, pattern: str) -> list[Path]:
        return sorted(p for p in self.stage(stage).glob(pattern) if is_done(p))


WORK_STAGES = ("raw", "documents", "fingerprint", "candidates", "verify", "spill", "align", "trace", "output")


def remove_work_dir(work_dir: str | Path) -> None:
    """After a successful scan whose outputs are written: the work folder (several times the input) goes.

    Only what a scan put there is removed (the manifest and the stages'
    folders), and the folder itself if that leaves it empty: a `--work-dir`
    pointed at a folder holding other files keeps them.
    """
    import shutil

    root = Path(work_dir)
    if not (root / "manifest.json").is_file():
        return
    for stage in WORK_STAGES:
        shutil.rmtree(root / stage, ignore_errors=True)
    (root / "manifest.json").unlink(missing_ok=True)
    try:
        root.rmdir()
    except OSError:  # other files are there
        pass


def removed_lines(work: WorkDir) -> pa.Table:
    """Every shard's removed chrome lines as one memory-mapped table: written shard by shard, never all in memory."""
    from copytrace.schemas import REMOVED_LINE_SCHEMA

    out = work.stage("output") / "removed_lines.arrow"
    if not is_done(out):
        def write(tmp):
            with ipc.new_file(tmp, REMOVED_LINE_SCHEMA) as writer:
                for part in sorted(work.stage("documents").glob("part-*.removed.parquet")):
                    writer.write_table(pq.read_table(part).cast(REMOVED_LINE_SCHEMA))
        atomic_write(out, write)
        mark_done(out)
    return read_arrow(out)
