"""Shard I/O for the scale engines: a work folder of shards, each finished or not.

Every stage writes its output as shards under one work folder. A shard is
written to a temporary name and renamed into place, then a `.done` marker
is written the same way: a shard without its marker is unfinished (the run
was killed while writing it) and is written again; a shard with its marker
is skipped by the next run. So an interrupted scan resumes where it stopped.

Document shards are Arrow IPC files compressed with zstd in record batches of
`DOC_BATCH_ROWS` documents (`write_document_shard`): later stages take the texts
of a few documents anywhere in the corpus by decompressing only the batches
(and columns) that hold them (`DocumentStore.take`), and the result's
documents table is streamed shard by shard into the output (`ShardedDocuments`),
never whole in memory. Compressed, the texts take ~2.3x less disk, which is
what lets ten million documents fit beside their band keys (issue 19). The
ingest's scratch copies stay uncompressed and memory-mapped (template
learning reads them as views; each goes once its document shard is written);
every other shard is Parquet, zstd-compressed. A shard goes as soon as the stage
after it has consumed it (`release_candidate_inputs`).
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

from copytrace.io import InputError, stream_documents
from copytrace.io.records import DEFAULT_MAX_DOC_BYTES, REJECT_SCHEMA
from copytrace.progress import ingest_task


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
    def write(tmp):
        with ipc.new_file(tmp, table.schema) as writer:
            writer.write_table(table)
    atomic_write(path, write)
    mark_done(path, info)


# Documents per compressed record batch of a document shard: a random read decompresses one batch
# (~0.7 MB of text and raw text); 256 compresses within 5% of 1,024 (zstd level 3, news text).
DOC_BATCH_ROWS = 256
DOC_CODEC_LEVEL = 3  # level 1 left the shards 19% larger for half the CPU (0.6 vs 1.3 s per 20,000 documents)


def write_document_shard(path: Path, table: pa.Table, info: dict | None = None) -> None:
    """A document shard: Arrow IPC, zstd, `DOC_BATCH_ROWS` documents a record batch (see the module docstring)."""
    options = ipc.IpcWriteOptions(compression=pa.Codec("zstd", DOC_CODEC_LEVEL))

    def write(tmp):
        with ipc.new_file(tmp, table.schema, options=options) as writer:
            writer.write_table(table, max_chunksize=DOC_BATCH_ROWS)
    atomic_write(path, write)
    mark_done(path, info)


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
        if is_done(path) and len(pq.read_schema(path).names) > 2:
            slim = pq.read_table(path, columns=["doc", "n_shingles"])
            atomic_write(path, lambda tmp: pq.write_table(slim, tmp, compression="zstd"))
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


def scan_job(paths, fields, metadata, settings, max_doc_bytes, budget: Budget) -> dict:
    """What a work folder's shards depend on, as JSON: inputs, field map, settings, and the shard size
    (a resumed run must cut the same shards)."""
    return {"inputs": inputs_fingerprint(paths, metadata), "fields": asdict(fields) if fields else None,
            "metadata": None if metadata is None else str(metadata), "settings": settings.to_dict(),
            "max_doc_bytes": max_doc_bytes, "text_per_shard": budget.text_per_shard}


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
                raise InputError(f"{self.root}: work folder holds a scan of other inputs or settings; "
                                 "use a fresh --work-dir or delete it")
        else:
            atomic_write(manifest, lambda tmp: tmp.write_text(json.dumps({"digest": digest, "job": wanted},
                                                                          indent=2, sort_keys=True)))

    def stage(self, name: str) -> Path:
        folder = self.root / name
        folder.mkdir(exist_ok=True)
        return folder

    def shards(self, stage: str, pattern: str) -> list[Path]:
        return sorted(p for p in self.stage(stage).glob(pattern) if is_done(p))


@dataclass
class IngestCounts:
    read: int = 0
    used: int = 0
    rejected: int = 0
    text_bytes: int = 0
    shards: int = 0


def ingest(work: WorkDir, paths, fields, metadata, max_doc_bytes: int | None, budget: Budget,
           progress, settings, pool_map=None) -> IngestCounts:
    """Stream the inputs into cleaned document shards; a finished ingest is not read again.

    Reading is one stream (`io.stream_documents`, shard by shard); extraction, template learning and cleaning run
    on every worker (`engines.cleaning`), with each source's chrome template
    learnt over the whole corpus before any shard is cleaned. `pool_map`
    maps a function over worker processes (default: a pool of `budget.workers`).
    """
    import shutil

    from copytrace.engines.cleaning import (
        clean_one,
        extract_shard,
        learn_templates_sharded,
        number_shard,
        worker_pool,
    )

    folder = work.stage("documents")
    summary = folder / "rejects.parquet"
    if is_done(summary):
        return IngestCounts(**done_info(summary))
    scratch = work.stage("raw")
    raw_paths, read_rejects = [], REJECT_SCHEMA.empty_table()
    final = lambda i: folder / f"part-{i:05d}.arrow"  # noqa: E731  (the document shard of raw shard i)
    with ingest_task(progress, paths) as advance:
        for table in stream_documents(paths, fields, metadata, max_doc_bytes or DEFAULT_MAX_DOC_BYTES,
                                      batch_bytes=budget.text_per_shard):
            if table.schema.equals(REJECT_SCHEMA):
                read_rejects = table
                break
            # A resumed run reads its inputs again but writes only the shards not yet cleaned.
            path = scratch / f"part-{len(raw_paths):05d}.raw.arrow"
            if not is_done(path) and not is_done(final(len(raw_paths))):
                write_arrow(path, table)
            raw_paths.append(path)
            advance(table.num_rows)
            del table
            release_memory()
    counts = IngestCounts()
    extracted = [p.with_name(p.name.replace(".raw.", ".extracted.")) for p in raw_paths]
    with progress.task("clean", total=len(raw_paths)) as advance, worker_pool(budget.workers, pool_map) as pool_map:
        todo = [i for i in range(len(raw_paths)) if not is_done(final(i))]
        for i, path in zip(todo, pool_map(extract_shard, [(raw_paths[i], extracted[i], settings) for i in todo])):
            extracted[i] = path  # the raw shard itself where it held no HTML
        templates = scratch / "templates.json"
        # Learnt before any shard is cleaned (and marked done then): a resumed run has it whole.
        learn_templates_sharded([extracted[i] for i in todo], settings, budget.workers, pool_map, templates)
        specs = [(extracted[i], scratch / f"part-{i:05d}.cleaned.arrow", folder, settings,
                  templates if is_done(templates) else None) for i in todo]
        cleaned = iter(pool_map(clean_one, specs))
        for i in range(len(raw_paths)):
            if is_done(final(i)):
                info = done_info(final(i))
            else:
                info = next(cleaned)
                number_shard(scratch / f"part-{i:05d}.cleaned.arrow", final(i), counts.used)
                # The document shard holds the text now: its scratch copies go, so the disk holds one copy.
                for copy in {raw_paths[i], extracted[i], scratch / f"part-{i:05d}.cleaned.arrow"}:
                    copy.unlink(missing_ok=True)
            counts.shards += 1
            counts.used += info["docs"]
            counts.text_bytes += info["text_bytes"]
            advance(1)
    parts = [read_rejects.cast(REJECT_SCHEMA)]
    parts += [pq.read_table(folder / f"part-{i:05d}.rejects.parquet").cast(REJECT_SCHEMA) for i in range(counts.shards)]
    rejects = pa.concat_tables(parts)
    counts.rejected = rejects.num_rows
    counts.read = counts.used + counts.rejected
    write_parquet(summary, rejects, counts.__dict__)
    shutil.rmtree(scratch, ignore_errors=True)  # raw and cleaned copies: the document shards hold the text now
    return counts


def require_documents(work: WorkDir, counts: IngestCounts) -> None:
    """Raise `InputError` when the ingest kept no document (with the first reject, as the memory engine says)."""
    if counts.used:
        return
    first = pq.read_table(work.stage("documents") / "rejects.parquet").slice(0, 1).to_pylist()
    example = f"; first: {first[0]['file']}:{first[0]['record']}: {first[0]['reason']}" if first else ""
    raise InputError(f"no usable document among {counts.read} records read ({counts.rejected} rejected{example})")


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


class DocumentStore:
    """Random access to the documents of a work folder, by document number.

    Only the record batches holding the documents asked for are read (and
    decompressed), and only the columns asked for; nothing is cached but the
    files' readers, so a worker holds the rows it took, not the shards.
    """

    def __init__(self, shard_paths: list[Path]):
        self.paths = list(shard_paths)
        self._tables: dict[int, pa.Table] = {}
        self._readers: dict = {}
        self.bounds: list[np.ndarray] = []  # per shard: first row of each record batch, and the shard's rows
        for i in range(len(self.paths)):
            reader = self._reader(i, ("doc",))
            lengths = [reader.get_batch(k).num_rows for k in range(reader.num_record_batches)]
            self.bounds.append(np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64))
        self.starts = np.zeros(len(self.paths) + 1, dtype=np.int64)
        for i, bounds in enumerate(self.bounds):
            self.starts[i + 1] = self.starts[i] + bounds[-1]

    @property
    def n_docs(self) -> int:
        return int(self.starts[-1])

    def __getstate__(self):
        # Sent to worker processes: they open the shards themselves.
        return {**self.__dict__, "_tables": {}, "_readers": {}}

    def _reader(self, i: int, columns=None) -> ipc.RecordBatchFileReader:
        key = (i, tuple(columns) if columns else None)
        if key not in self._readers:
            self._readers[key] = _open_ipc(self.paths[i], columns)
        return self._readers[key]

    @property
    def schema(self) -> pa.Schema:
        return self._reader(0).schema

    def table(self, i: int, columns=None) -> pa.Table:
        """Shard i whole (its columns `columns`), decompressed in memory: for one shard at a time."""
        return read_columns(self.paths[i], list(columns) if columns else None)

    def shard_rows(self, i: int, rows: np.ndarray, columns=None) -> pa.Table:
        """Rows `rows` (sorted ascending) of shard i, decompressing only the record batches that hold them."""
        bounds = self.bounds[i]
        batch_of = np.searchsorted(bounds, rows, side="right") - 1
        cuts = np.flatnonzero(np.diff(batch_of)) + 1
        reader = self._reader(i, columns)
        parts = [reader.get_batch(int(k[0])).take(pa.array(group - bounds[k[0]]))
                 for group, k in zip(np.split(rows, cuts), np.split(batch_of, cuts)) if len(group)]
        table = pa.Table.from_batches(parts, schema=reader.schema)
        return table.select(list(columns)) if columns else table

    def take(self, docs: np.ndarray, columns=None) -> pa.Table:
        """Rows of the documents numbered `docs` (sorted ascending), in that order."""
        docs = np.asarray(docs, dtype=np.int64)
        shard_of = np.searchsorted(self.starts, docs, side="right") - 1
        parts = []
        for i in np.unique(shard_of):
            parts.append(self.shard_rows(int(i), docs[shard_of == i] - self.starts[i], columns))
        if not parts:
            schema = self.schema
            return (schema if not columns else pa.schema([schema.field(c) for c in columns])).empty_table()
        return pa.concat_tables(parts)

    def column(self, name: str) -> pa.ChunkedArray:
        """One column of every document (only that column is decompressed)."""
        return pa.chunked_array([self.table(i, [name])[name].combine_chunks() for i in range(len(self.paths))],
                                type=self.schema.field(name).type)


def gather_texts(spec: dict) -> int:
    """Shard `spec["shard"]` of `spec["store"]` as an uncompressed shard for random reads (`gathered_store`).

    Only the rows `spec["rows"]` hold their values (each record batch holding one is decompressed once); every
    other row is null, so the gathered shard numbers its documents as the document shard does. The columns
    are `spec["columns"]` (the text alone by default).
    """
    store, i, rows = spec["store"], spec["shard"], np.asarray(spec["rows"], dtype=np.int64)
    columns = list(spec.get("columns") or ["text"])
    n = int(store.bounds[i][-1])
    where = np.full(n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    picked = store.shard_rows(i, rows, columns).combine_chunks() if len(rows) else None
    table = {"doc": pa.array(np.arange(store.starts[i], store.starts[i] + n, dtype=np.int64))}
    for name in columns:
        kind = store.schema.field(name).type
        table[name] = (picked[name].take(pa.array(where, mask=where < 0)).cast(kind) if picked is not None
                       else pa.nulls(n, kind))
    write_arrow(spec["out"], pa.table(table))
    return len(rows)


def gathered_store(store: DocumentStore, docs: np.ndarray, folder: Path, map_chunks=map,
                   columns=("text",), name: str = "texts") -> DocumentStore:
    """A `DocumentStore` of documents `docs` (sorted) alone, their `columns` uncompressed and memory-mapped.

    Verifying takes the two documents of each candidate pair anywhere in the corpus, and so do the align and
    provenance chunks (a family's copies are anywhere): from compressed shards each one decompresses a record
    batch of `DOC_BATCH_ROWS` documents, so every chunk decompressed nearly the whole corpus (the stage grew
    with the square of the corpus). Here each batch is decompressed once; a read is then a memory-mapped copy.
    """
    shard_of = np.searchsorted(store.starts, docs, side="right") - 1
    paths = [folder / f"{name}-{i:05d}.arrow" for i in range(len(store.paths))]
    specs = [{"store": store, "shard": i, "rows": docs[shard_of == i] - store.starts[i], "out": path,
              "columns": list(columns)} for i, path in enumerate(paths) if not is_done(path)]
    for _ in map_chunks(gather_texts, specs):
        pass
    return DocumentStore(paths)


class ShardedDocuments:
    """The documents table of an engine scan, one document shard at a time (`stages.families.with_families`).

    At ten million documents the texts do not fit in memory: `ScanResult.write`
    streams `tables()` into the output; `num_rows`, `schema`, `column` and
    `filter` read no more than they need. Any other table method works on the
    whole table, built in memory (`to_table`): for small scans and tests.
    """

    def __init__(self, store: DocumentStore, family: np.ndarray, n_shingles: np.ndarray,
                 facts: list | None = None):
        # facts: each shard's language and dates columns, computed in the workers (None: here, per shard)
        self.store, self.family, self.n_shingles, self.facts = store, family, n_shingles, facts

    @property
    def num_rows(self) -> int:
        return self.store.n_docs

    def __len__(self) -> int:
        return self.num_rows

    def shard(self, i: int) -> pa.Table:
        from copytrace.stages.families import with_families

        lo, hi = int(self.store.starts[i]), int(self.store.starts[i + 1])
        facts = self.facts[i] if self.facts is not None else True
        # Not the html (several times the text) nor the document number: with_families drops them.
        columns = [c for c in self.store.schema.names if c not in ("html", "doc")]
        return with_families(self.store.table(i, columns), self.family[lo:hi], self.n_shingles[lo:hi], facts)

    def tables(self):
        """The documents table shard by shard (each decompressed, then let go)."""
        for i in range(len(self.store.paths)):
            yield self.shard(i)

    @functools.cached_property
    def schema(self) -> pa.Schema:
        return self.shard(0).schema  # as the written parts have it (a scan has at least one document)

    @property
    def column_names(self) -> list[str]:
        return self.schema.names

    @property
    def nbytes(self) -> int:
        return sum(p.stat().st_size for p in self.store.paths)

    def column(self, name) -> pa.ChunkedArray:
        if isinstance(name, int):
            name = self.schema.names[name]
        if name == "family":
            return pa.chunked_array([pa.array(self.family, pa.int64())])
        if name == "n_shingles":
            return pa.chunked_array([pa.array(self.n_shingles, pa.int64())])
        if name in self.store.schema.names and name not in ("html", "doc"):
            return self.store.column(name)
        return pa.chunked_array([t[name] for t in self.tables()], type=self.schema.field(name).type)

    __getitem__ = column

    def filter(self, mask) -> pa.Table:
        return pa.concat_tables([t.filter(mask) for t in self.tables()])

    def equals(self, other) -> bool:
        return self.to_table().equals(other.to_table() if isinstance(other, ShardedDocuments) else other)

    def to_table(self) -> pa.Table:
        return pa.concat_tables(list(self.tables()))

    def __getattr__(self, name):
        if name.startswith("__") or name in ("store", "family", "n_shingles", "facts"):
            raise AttributeError(name)
        return getattr(self.to_table(), name)
