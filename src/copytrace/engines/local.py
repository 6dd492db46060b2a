"""The out-of-core local engine: the scan's stage units over shards in a work folder.

ingest -> clean -> fingerprint -> candidates -> verify -> families -> align -> provenance,
each stage reading the previous stage's shards and writing its own, so that
no stage holds every signature or every text at once. This module only
schedules the units of `copytrace.stages`:

- ingest and clean: `io.stream_documents` cut into shards of about
  `text_per_shard` of text, cleaned in worker processes (`engines.cleaning`);
- fingerprint: `fingerprint_batch` per document shard, writing its band keys
  (one uint64 column per band) and its anchors by hash partition; each
  shard's unit is submitted as soon as the shard is cleaned, so the stage
  starts in a worker that has no shard left to clean;
- candidates: `band_codes` over a few bands at a time for every document
  (8 bytes a document a band: ten million documents need 80 MB per band),
  `partition_anchor_codes` per anchor partition (per range of anchor values
  when a partition holds more than `Budget.anchor_rows`), each written as a
  sorted run of pair codes, then the reduce of `count_codes` over the runs a
  range of codes at a time, at most `Budget.reduce_rows` rows in memory
  (`stages.candidates.runs`);
- verify: `verify_pairs` over chunks of candidate pairs, with the texts of
  the documents each chunk names (gathered once out of the compressed
  shards into uncompressed ones, `gathered_store`, when there are several chunks);
- families: `connected_components` over the kept pairs (one integer per document);
- align and provenance: `align_plan` (the pairs `plan_explain` would align,
  planned for the large families alone), `align_pairs` (a large family's
  tree edges, every pair of a small one) and `trace` over chunks of whole
  families, in worker processes (`engines.results`).

Every shard has a done marker, so a killed scan started again with the same
`work_dir` skips what was finished. The results are the memory engine's,
table for table.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.stages.semantic import semantic_stage
from copytrace.engines.results import (
    VERIFIED_SCHEMA,
    assemble,
    explain_chunks,
    named_pairs,
    verify_chunk,
)
from copytrace.engines.documents import DocumentStore, gathered_store
from copytrace.engines.ingest import ingest, require_documents
from copytrace.engines.shards import (
    Budget,
    WorkDir,
    atomic_write,
    drop_shard,
    first_doc,
    is_done,
    mark_done,
    _open_ipc,
    numbered,
    parse_size,
    plain_shards,
    read_columns,
    release_candidate_inputs,
    release_memory,
    scan_job,
    write_arrow,
    write_batches,
    write_parquet,
)
from copytrace.parallel import process_pool, stop_pool
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import band_codes, count_code_rows, partition_anchor_codes
from copytrace.stages.candidates.runs import AnchorSpill, ReduceStats, Run, reduce_runs, value_ranges
from copytrace.stages.families import connected_components
from copytrace.stages.fingerprint import fingerprint_batch


def _key_column(band: int) -> str:
    return f"k{band:03d}"


def fingerprint_shards(work: WorkDir, doc_paths: list[Path], settings: ScanSettings, progress,
                       map_chunks=map, early: dict | None = None) -> list[Path]:
    """Band keys and shingle counts of every document, one shard per document shard, shards in parallel.

    A shard's signature pass is compiled, but reading its texts and writing
    its band keys and anchor partitions are not: one shard per worker (numba
    on one thread in each) keeps both cores busy, where numba's threads in
    one process left one core idle half the time. `early`: the futures of
    units submitted during the clean stage (`LocalEngine.fingerprint_early`), by document shard, waited for here.
    """
    out_paths = [fingerprint_path(work, doc_path) for doc_path in doc_paths]
    early = early or {}
    waiting = [early[d] for d in doc_paths if d in early]
    pending = [(d, o, settings) for d, o in zip(doc_paths, out_paths) if d not in early and not is_done(o)]
    with progress.task("fingerprint", total=len(doc_paths)) as advance:
        advance(len(doc_paths) - len(pending) - len(waiting))
        for future in waiting:
            future.result()
            advance(1)
        for _ in map_chunks(_fingerprint_one, pending):
            advance(1)
    return out_paths


def fingerprint_path(work: WorkDir, doc_path: Path) -> Path:
    return work.stage("fingerprint") / doc_path.name


def _one_thread_in_workers() -> None:
    """In a worker process, numba on one thread: the other cores run other units of the same stage."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        import numba

        numba.set_num_threads(1)


def _fingerprint_one(spec: tuple[Path, Path, ScanSettings]) -> Path:
    _one_thread_in_workers()
    fingerprint_shard(*spec)
    return spec[1]


ANCHOR_PARTITION_BITS = 4
ANCHOR_PARTITIONS = 1 << ANCHOR_PARTITION_BITS  # anchors of one partition of hash values are paired at once


def anchor_path(fp_path: Path) -> Path:
    """A fingerprint shard's anchors: one record batch per partition, in partition order."""
    return fp_path.with_name(fp_path.name.replace(".arrow", ".anchors.arrow"))


def fingerprint_shard(doc_path: Path, out: Path, settings: ScanSettings) -> None:
    """`fingerprint_batch` of one document shard: its band keys and shingle counts; its anchors by partition.

    Both are Arrow IPC files, uncompressed and read memory-mapped: band keys and anchor values are random 64-bit
    values (compression saves nothing), and the candidates stage reads a few bands, or one partition, of every
    shard at a time, which a memory map gives without decoding (as Parquet, their encoding and decoding cost
    a third of the unit, and 16 files a shard held the anchors).
    """
    first = first_doc(doc_path)
    documents = numbered(read_columns(doc_path, ["text"]), first)
    fingerprints = fingerprint_batch(documents["text"], settings)
    if settings.anchors.enabled:
        values, docs, bounds = fingerprints.anchor_partitions(first, ANCHOR_PARTITION_BITS)
        # Document numbers as uint32 where they fit: 12 bytes an anchor, not 16 (117 anchors a news document).
        docs = pa.array(docs.astype(np.uint32) if first + documents.num_rows < 1 << 32 else docs)
        values = pa.array(values)
        write_batches(anchor_path(out), [pa.record_batch([values[lo:hi], docs[lo:hi]], names=["value", "doc"])
                                         for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())])
    columns = {"doc": documents["doc"], "n_shingles": pa.array(fingerprints.n_shingles, pa.int64())}
    if settings.anchors.enabled:  # a brief with few anchors pairs on one (candidates.short_documents)
        columns["n_anchors"] = pa.array(np.diff(fingerprints.anchors.offsets), pa.int64())
    columns.update({_key_column(j): pa.array(fingerprints.keys[:, j], pa.uint64())
                    for j in range(fingerprints.keys.shape[1])})
    write_arrow(out, pa.table(columns))


def _anchor_table(fp_path: Path, partition: int) -> pa.RecordBatch:
    """A shard's anchors of one partition (value, doc), memory-mapped."""
    return _open_ipc(anchor_path(fp_path)).get_batch(partition)


def _anchor_partition(spec: tuple) -> tuple[list[Run], ReduceStats]:
    """`anchor_runs` of one partition within `max_rows`, and what it held (in a worker: one numba thread)."""
    folder, fp_paths, partition, n_docs, settings, max_rows = spec
    _one_thread_in_workers()
    held = ReduceStats(max_rows)
    return anchor_runs(folder, fp_paths, partition, n_docs, settings, max_rows, held), held


def anchor_runs(folder: Path, fp_paths: list[Path], partition: int, n_docs: int, settings: ScanSettings,
                max_rows: int, held: ReduceStats) -> list[Run]:
    """Sorted runs of (code, anchors shared) of the pairs sharing useful anchors whose hash falls in
    `partition` (`partition_anchor_codes`): the partition's rows paired at once when they fit
    `max_rows` (`Budget.anchor_rows`), else a range of anchor values at a time (`runs.value_ranges`, `runs.AnchorSpill`)."""
    per_file = [_anchor_table(p, partition).num_rows for p in fp_paths]
    rows = sum(per_file)
    done_plan = folder / f"anchors-{partition:02d}.plan"
    if rows <= max_rows:
        run = Run(folder / f"anchors-{partition:02d}-whole", weighted=True)
        if not run.exists():
            # Filled file by file (documents ascending, as `anchor_pairs` takes them fastest).
            values, docs, at = np.empty(rows, dtype=np.uint64), np.empty(rows, dtype=np.int64), 0
            for p, n in zip(fp_paths, per_file):
                if n:
                    table = _anchor_table(p, partition)
                    values[at:at + n], docs[at:at + n] = table["value"].to_numpy(), table["doc"].to_numpy()
                    at += n
                    del table
            _pair_anchor_rows(run, values[:at], docs[:at], n_docs, settings, held)
        return [run]
    if done_plan.exists():  # a resumed scan: the ranges of the run that wrote some of them
        ranges = [tuple(r) for r in json.loads(done_plan.read_text())]
    else:
        ranges = value_ranges((_anchor_table(p, partition)["value"].to_numpy() for p in fp_paths),
                              ANCHOR_PARTITION_BITS, max_rows)
        atomic_write(done_plan, lambda tmp: tmp.write_text(json.dumps(ranges)))
    runs = [Run(folder / f"anchors-{partition:02d}-{lo:04d}-{hi:04d}", weighted=True) for lo, hi, _ in ranges]
    if all(run.exists() for run in runs):
        return runs
    spill = AnchorSpill(folder / f"anchors-{partition:02d}.spill", ANCHOR_PARTITION_BITS, ranges)
    for p, n in zip(fp_paths, per_file):
        table = _anchor_table(p, partition)
        spill.add(table["value"].to_numpy(), table["doc"].to_numpy())
        del table
    for r, run in enumerate(runs):
        if not run.exists():
            _pair_anchor_rows(run, *spill.rows(r), n_docs, settings, held)
    spill.remove()
    return runs


def _pair_anchor_rows(run: Run, values: np.ndarray, docs: np.ndarray, n_docs: int, settings: ScanSettings,
                      held: ReduceStats) -> None:
    held.saw(len(values))
    codes, shared = partition_anchor_codes(values, docs, settings)
    del values, docs
    run.write(codes, n_docs, shared)
    del codes, shared
    release_memory()  # the next range starts from what the budget allows, not from this one's peak


def read_band_group(fp_paths: list[Path], n_docs: int, lo: int, hi: int, settings: ScanSettings) -> np.ndarray:
    """`band_codes` of bands lo..hi-1, with every document's keys of those bands in memory (row = document)."""
    # Band-major (a band's keys side by side, as `band_codes` pairs them): its transposed view needs no copy.
    by_band = np.empty((hi - lo, n_docs), dtype=np.uint64)
    row = 0
    for path in fp_paths:
        table = read_columns(path, [_key_column(j) for j in range(lo, hi)])
        for c in range(hi - lo):
            by_band[c, row:row + table.num_rows] = table.column(c).to_numpy()
        row += table.num_rows
        del table
    return band_codes(by_band.T, settings.max_bucket, settings.clique_bucket, settings.bucket_window)


def short_document_flags(fp_paths: list[Path], settings: ScanSettings) -> np.ndarray | None:
    """Per document: at most `anchors.short_anchors` anchors (`candidates.short_documents`), or None."""
    if not settings.anchors.short_anchors:
        return None
    counts = [read_columns(p, ["n_anchors"])["n_anchors"].to_numpy() for p in fp_paths]
    return np.concatenate(counts) <= settings.anchors.short_anchors if counts else np.zeros(0, bool)


PAIRS_SCHEMA = pa.schema([("code", pa.uint64()), ("bands_shared", pa.int64())])


def candidate_shards(work: WorkDir, fp_paths: list[Path], n_docs: int, settings: ScanSettings, budget: Budget,
                     progress, map_chunks=map) -> Path:
    """Every candidate pair once, with the number of bands it shares, sorted: candidates/pairs.parquet.

    Band groups and anchor partitions write sorted runs of pair codes (`stages.candidates.runs`), reduced
    a range of codes at a time; the done marker records the rows each step held at most. Anchor partitions
    are paired through `map_chunks` (the engine's workers), each worker within its share of the budget."""
    folder = work.stage("candidates")
    final = folder / "pairs.parquet"
    if is_done(final):
        return final
    runs_folder = folder / "runs"
    runs_folder.mkdir(exist_ok=True)
    bands = settings.lsh.bands
    parallel = map_chunks is not map and budget.workers > 1
    anchor_held = ReduceStats(budget.anchor_rows() // (budget.workers if parallel else 1))
    with progress.task("candidates", total=bands + 1) as advance:
        group = budget.band_group(n_docs, bands)
        band_run_list = band_runs(runs_folder, fp_paths, n_docs, bands, group, settings, advance)
        anchored = []
        if settings.anchors.enabled and n_docs > 1:
            specs = [(runs_folder, fp_paths, p, n_docs, settings, anchor_held.max_rows) for p in range(ANCHOR_PARTITIONS)]
            for runs, held in map_chunks(_anchor_partition, specs):
                anchored += runs
                anchor_held.merge(held)
        reduced = ReduceStats(budget.reduce_rows())
        tmp = final.with_name(final.name + ".tmp")
        count_shared_bands(band_run_list, anchored, tmp, fp_paths, settings, reduced)
        advance(1)
    os.replace(tmp, final)
    mark_done(final, {"band_group": group, "keys_held": n_docs * group, "anchor_rows": anchor_held.max_rows,
                      "anchor_rows_held": anchor_held.held, "anchor_ranges": anchor_held.ranges,
                      "reduce_rows": reduced.max_rows, "reduce_rows_held": reduced.held,
                      "reduce_ranges": reduced.ranges, "reduce_rows_read": reduced.rows})
    shutil.rmtree(runs_folder, ignore_errors=True)
    return final


def band_runs(folder: Path, fp_paths: list[Path], n_docs: int, bands: int, group: int, settings,
              advance) -> list[Run]:
    """Pair codes of each group of bands (a code once per band it shares), one sorted run per group."""
    runs = []
    for lo in range(0, bands, group):
        hi = min(bands, lo + group)
        run = Run(folder / f"bands-{lo:03d}-{hi:03d}", weighted=False)
        runs.append(run)
        if not run.exists():
            codes = read_band_group(fp_paths, n_docs, lo, hi, settings)
            codes.sort()
            run.write(codes, n_docs)
            del codes
            release_memory()
        advance(hi - lo)
    return runs


def count_shared_bands(band_run_list: list[Run], anchored: list[Run], tmp: Path, fp_paths: list[Path],
                       settings: ScanSettings, stats: ReduceStats) -> None:
    """The reduce of `candidates.count_codes` over the runs, a range of codes at a time (`runs.reduce_runs`):
    each pair once with the bands it shares; pairs in no band join with 0 when their anchors sum to
    `anchors.min_shared` (one, when a side is short). Written to `tmp` sorted by code."""
    short = short_document_flags(fp_paths, settings) if anchored else None
    min_shared = int(settings.anchors.min_shared)

    def count(codes, acodes, ashared):
        return count_code_rows(codes, None, acodes, ashared, min_shared, short)

    with pq.ParquetWriter(tmp, PAIRS_SCHEMA) as writer:
        for codes, shared in reduce_runs(band_run_list, anchored, stats.max_rows, count, stats):
            writer.write_table(pa.table({"code": pa.array(codes, pa.uint64()),
                                         "bands_shared": pa.array(shared, pa.int64())}, schema=PAIRS_SCHEMA))
            del codes, shared


def verify_shards(work: WorkDir, candidates: Path, store: DocumentStore, settings: ScanSettings,
                  budget: Budget, mean_doc_bytes: float, progress, map_chunks=map) -> list[Path]:
    """`verify_pairs` of every candidate pair, chunk by chunk (in worker processes)."""
    folder = work.stage("verify")
    source = pq.ParquetFile(candidates, pre_buffer=False)  # pre-buffered ranges stay until the file is closed
    total = source.metadata.num_rows
    # A chunk involves at most two documents a pair; every worker holds one chunk.
    chunk = max(1, min(budget.verify_docs(mean_doc_bytes) // 2 // budget.workers,
                       -(-total // (2 * budget.workers)) if total else 1))
    specs, out_paths, start = [], [], 0
    for batch in source.iter_batches(batch_size=chunk):
        out = folder / f"rows-{start:012d}-{start + batch.num_rows:012d}.parquet"
        out_paths.append(out)
        start += batch.num_rows
        if not is_done(out):
            specs.append({"out": out, "codes": batch.column("code").to_numpy(),
                          "bands_shared": batch.column("bands_shared"), "settings": settings})
    with progress.task("verify", total=total) as advance:
        advance(total - sum(len(spec["codes"]) for spec in specs))
        if len(specs) > 1:
            # The pairs' texts once out of the compressed shards, then read at random from uncompressed ones
            # (one chunk reads each record batch once as it is).
            codes = np.concatenate([spec["codes"] for spec in specs])
            docs = np.unique(np.concatenate([codes >> np.uint64(32), codes & np.uint64(0xFFFFFFFF)]))
            texts = gathered_store(store, docs.astype(np.int64), folder, map_chunks)
            del codes, docs
            for spec in specs:
                spec["store"] = texts
        for n in map_chunks(_verify_one, [{"store": store, **spec} for spec in specs]):
            advance(n)
        for path in folder.glob("texts-*.arrow"):
            drop_shard(path)
    return out_paths


def _verify_one(spec: dict) -> int:
    codes = spec["codes"]
    a = (codes >> np.uint64(32)).astype(np.int64)
    b = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    write_parquet(spec["out"], verify_chunk(spec["store"], a, b, spec["bands_shared"], spec["settings"]))
    return len(codes)


def kept_pairs(verify_paths: list[Path]) -> pa.Table:
    tables = [pq.read_table(p).filter(pc.field("kept")) for p in verify_paths]
    return pa.concat_tables(tables).drop_columns(["kept"]) if tables else VERIFIED_SCHEMA.empty_table()


class LocalEngine:
    """Scan under a memory budget with every stage's output in `work_dir`; see the module docstring."""

    name = "local"

    def __init__(self, work_dir: str | Path, memory: int | str = "4GB", shard_bytes: int | None = None,
                 workers: int | None = None):
        self.work_dir = Path(work_dir)
        self.budget = Budget(memory=parse_size(memory), shard_bytes=shard_bytes,
                             workers=workers or Budget().workers)

    def scan(self, paths, fields=None, metadata=None, settings: ScanSettings | None = None,
             max_doc_bytes: int | None = None, progress: Progress | None = None):
        settings = settings or ScanSettings()
        progress = progress or Progress()
        started = time.perf_counter()
        if isinstance(paths, (str, Path)):
            paths = [paths]
        work = WorkDir(self.work_dir, scan_job(paths, fields, metadata, settings, max_doc_bytes, self.budget))
        with self.pool():
            return self._scan(work, paths, fields, metadata, settings, max_doc_bytes, progress, started)

    def _scan(self, work, paths, fields, metadata, settings, max_doc_bytes, progress, started):
        from copytrace.engines.cleaning import warm_worker

        if not is_done(work.stage("documents") / "rejects.parquet"):
            self.warm(warm_worker)  # while this process reads the input
        early: dict = {}  # fingerprint units started during the clean stage
        counts = ingest(work, paths, fields, metadata, max_doc_bytes, self.budget, progress, settings,
                        pool_map=self.map_chunks, on_shard=partial(self.fingerprint_early, work, settings, early))
        require_documents(work, counts)
        doc_paths = work.shards("documents", "part-*.arrow")
        store = DocumentStore(doc_paths, plain=plain_shards(doc_paths))
        mean_doc_bytes = counts.text_bytes / counts.used
        fp_paths = fingerprint_shards(work, doc_paths, settings, progress, self.map_chunks, early)
        candidates = candidate_shards(work, fp_paths, store.n_docs, settings, self.budget, progress, self.map_chunks)
        release_candidate_inputs(work, fp_paths, lambda p: [anchor_path(p)])
        verify_paths = verify_shards(work, candidates, store, settings, self.budget, mean_doc_bytes, progress,
                                     self.map_chunks)
        kept = kept_pairs(verify_paths)
        with progress.task("families", total=1) as advance:
            links = kept.filter(kept["family_link"])
            family = connected_components(store.n_docs, links["a"].to_numpy(), links["b"].to_numpy())
            advance(1)
        n_shingles = np.concatenate([read_columns(p, ["n_shingles"])["n_shingles"].to_numpy()
                                     for p in fp_paths])
        with progress.task("pairs", total=1):
            pairs = named_pairs(store, kept)
        explained = explain_chunks(work, store, kept, pairs, family, n_shingles, settings, self.budget,
                                   mean_doc_bytes, progress, self.map_chunks)
        extra = {"engine": self.name, "work_dir": str(self.work_dir), "memory_budget": self.budget.memory}
        with progress.task("assemble", total=1):
            result = assemble(work, store, counts, pairs, family, n_shingles, explained, settings,
                              pq.ParquetFile(candidates).metadata.num_rows, extra, started)
        return semantic_stage(result, settings, progress)

    @contextmanager
    def pool(self):
        """One set of worker processes for the whole scan (started on first use): every stage shares it."""
        self._pool = None
        try:
            yield
        except BaseException:  # Ctrl-C, SIGTERM, a failed stage: the workers stop now, not after their chunk
            if self._pool is not None:
                stop_pool(self._pool)
            self._pool = None
            raise
        finally:
            if self._pool is not None:
                self._pool.shutdown()
            self._pool = None

    def warm(self, function):
        """`function()` started on each worker now, not waited for: imports and compiled code loaded while this
        process works alone (a failure there shows again, reported, in the stage's own call)."""
        if self.budget.workers <= 1:
            return
        for _ in range(self.budget.workers):
            self._workers().submit(function)

    def fingerprint_early(self, work, settings: ScanSettings, early: dict, doc_path: Path) -> None:
        """A document shard's fingerprint unit submitted as soon as the shard is written: it waits behind the
        clean stage's remaining shards, and a worker that runs out of shards to clean starts on it instead of
        idling until the last shard is cleaned (`fingerprint_shards` waits for it)."""
        out = fingerprint_path(work, doc_path)
        if self.budget.workers > 1 and not is_done(out):
            early[doc_path] = self._workers().submit(_then_release, _fingerprint_one, (doc_path, out, settings))

    def map_chunks(self, function, chunks):
        """Results of `function` over chunks, in order; in worker processes when there are several."""
        chunks = list(chunks)
        if self.budget.workers <= 1 or len(chunks) <= 1:
            yield from map(function, chunks)
            return
        yield from self._workers().map(partial(_then_release, function), chunks)

    def _workers(self):
        """The scan's pool of worker processes, started on first use."""
        if getattr(self, "_pool", None) is None:
            self._pool = process_pool(self.budget.workers)  # spawned, and they die with this process
        return self._pool


def _then_release(function, chunk):
    """`function(chunk)` in a worker, then the worker's freed memory back to the system (workers live for the scan)."""
    try:
        return function(chunk)
    finally:
        release_memory()
