"""The Ray engine: the scan's stage units on Ray Data, on a local Ray instance or an existing cluster.

- ingest and clean stream the inputs into document shards on the driver (as
  the local engine does); the shards are put in Ray's object store, where
  every worker fetches the ones it needs;
- fingerprint: `map_batches` of `fingerprint_batch`, its band keys and
  anchors exploded into rows (band, key, doc), anchors as band -1;
- candidates: the rows are grouped by a partition of the key, so that every
  bucket and every anchor is whole in one group (`partition_codes`,
  `partition_anchor_codes`); pair codes are then grouped by code and reduced
  by `count_codes`;
- verify: `map_batches` of `verify_pairs` over candidate pairs, with the
  texts of the documents a batch names;
- families: `connected_components` of the kept pairs on the driver (which
  holds them to write the pairs table anyway);
- align and provenance: one Ray task per chunk of families (`engines.results`),
  aligning the pairs of the chunk's explain plan (a large family's tree edges).

Results are the memory engine's, table for table.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from copytrace.stages.semantic import semantic_stage
from copytrace.engines.results import VERIFIED_SCHEMA, assemble, explain_chunks, named_pairs, verify_chunk
from copytrace.engines.documents import DocumentStore
from copytrace.engines.ingest import ingest, require_documents
from copytrace.engines.shards import (
    Budget,
    WorkDir,
    numbered,
    parse_size,
    read_arrow,
    scan_job,
)
from copytrace.io import InputError
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import count_codes, partition_anchor_codes, partition_codes
from copytrace.stages.families import connected_components
from copytrace.stages.fingerprint import fingerprint_batch


class ObjectStoreDocuments(DocumentStore):
    """Document shards in Ray's object store, fetched by the worker that needs them."""

    def __init__(self, refs: list, starts: np.ndarray):
        self.refs = list(refs)
        self.starts = np.asarray(starts, dtype=np.int64)
        self._tables = {}

    def table(self, i: int, columns=None) -> pa.Table:
        if i not in self._tables:
            import ray

            self._tables[i] = ray.get(self.refs[i])
        return self._tables[i].select(list(columns)) if columns else self._tables[i]

    @property
    def schema(self) -> pa.Schema:
        return self.table(0).schema

    def shard_rows(self, i: int, rows: np.ndarray, columns=None) -> pa.Table:
        return self.table(i, columns).take(pa.array(rows))


def fingerprint_rows(batch: pa.Table, settings: ScanSettings) -> pa.Table:
    """`fingerprint_batch` of a batch of documents as rows (band, key, doc); anchors as rows of band -1."""
    fingerprints = fingerprint_batch(batch["text"], settings)
    n, bands = fingerprints.keys.shape
    doc = batch["doc"].to_numpy()
    values, local = fingerprints.anchor_rows(0)
    band = np.tile(np.arange(bands, dtype=np.int32), n)
    return pa.table({
        "band": np.concatenate([band, np.full(len(values), -1, np.int32)]),
        "key": np.concatenate([fingerprints.keys.reshape(-1), values]),
        "doc": np.concatenate([np.repeat(doc, bands), doc[local]]),
        # Counts ride on band 0's row, so one pass gives both.
        "n_shingles": np.concatenate([np.where(band == 0, np.repeat(fingerprints.n_shingles, bands), -1),
                                      np.full(len(values), -1)]),
    })


def pair_codes(batch: dict, partitions: int, settings: ScanSettings) -> dict:
    """Pair codes of one partition of rows by key, where every bucket and every anchor's documents are whole:
    `partition_codes` (a code once per band shared) and `partition_anchor_codes` (with the anchors shared)."""
    banded = batch["band"] >= 0
    codes = partition_codes(batch["band"][banded], batch["key"][banded], batch["doc"][banded], settings.max_bucket,
                            settings.clique_bucket, settings.bucket_window)
    anchored, shared = np.empty(0, np.uint64), np.empty(0, np.int64)
    if settings.anchors.enabled and (~banded).any():
        anchored, shared = partition_anchor_codes(batch["key"][~banded], batch["doc"][~banded], settings)
    codes = np.concatenate([codes, anchored])
    return {"code": codes,
            "bands": np.concatenate([np.ones(len(codes) - len(anchored), np.int64), np.zeros(len(anchored), np.int64)]),
            "anchors": np.concatenate([np.zeros(len(codes) - len(anchored), np.int64), shared.astype(np.int64)]),
            "part": (codes % np.uint64(partitions)).astype(np.int64)}


def counted_pairs(batch: dict, settings: ScanSettings, short: np.ndarray | None = None) -> dict:
    """`count_codes` of one partition of pair codes (every code's rows are here): (a, b, bands_shared)."""
    banded = batch["bands"] > 0
    a, b, bands = count_codes(batch["code"][banded], batch["bands"][banded], batch["code"][~banded],
                              batch["anchors"][~banded], settings.anchors.min_shared, short)
    return {"a": a, "b": b, "bands_shared": bands}


def verify_batch(batch: pa.Table, store, settings: ScanSettings) -> pa.Table:
    return verify_chunk(store, batch["a"].to_numpy(), batch["b"].to_numpy(), batch["bands_shared"], settings)


def candidate_dataset(rows, partitions: int, settings: ScanSettings, n_docs: int):
    """Candidate pairs (a, b, bands_shared) from (band, key, doc) rows: bucket by key partition, then count."""
    keyed = rows.drop_columns(["n_shingles"]).map_batches(
        lambda b: {**b, "part": (b["key"] % np.uint64(partitions)).astype(np.int64)}, batch_format="numpy")
    codes = keyed.groupby("part", num_partitions=partitions).map_groups(
        pair_codes, fn_kwargs={"partitions": partitions, "settings": settings}, batch_format="numpy")
    return codes.groupby("part", num_partitions=partitions).map_groups(
        counted_pairs, fn_kwargs={"settings": settings, "short": short_documents(rows, n_docs, settings)},
        batch_format="numpy").materialize()


def short_documents(rows, n_docs: int, settings: ScanSettings) -> np.ndarray | None:
    """`candidates.short_documents` from the anchor rows (band -1): documents one shared anchor pairs."""
    if not (settings.anchors.enabled and settings.anchors.short_anchors):
        return None
    import ray

    docs = rows.map_batches(lambda b: {"doc": b["doc"][b["band"] < 0]}, batch_format="numpy")
    tables = ray.get(docs.to_arrow_refs())
    counts = np.zeros(n_docs, np.int64)
    for table in tables:
        counts += np.bincount(table["doc"].to_numpy(), minlength=n_docs)[:n_docs]
    return counts <= settings.anchors.short_anchors


class RayEngine:
    """Scan on Ray: a local instance (`address=None`) or a cluster (`ray://host:10001`, `auto`)."""

    name = "ray"

    def __init__(self, address: str | None = None, memory: int | str = "4GB", work_dir: str | Path | None = None,
                 shard_bytes: int | None = None, partitions: int | None = None, num_cpus: int | None = None,
                 shuffle: str = "sort_shuffle_pull_based"):
        self.address = address
        self.work_dir = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="copytrace-ray-"))
        self.budget = Budget(memory=parse_size(memory), shard_bytes=shard_bytes)
        self.partitions = partitions
        self.num_cpus = num_cpus
        self.shuffle = shuffle  # a ray.data ShuffleStrategy value, e.g. hash_shuffle on a large cluster

    def connect(self):
        try:
            import ray
            import ray.data
        except ImportError as err:
            raise InputError("--engine ray needs Ray: pip install 'copytrace[ray]'") from err
        from ray.data.context import ShuffleStrategy

        logging.getLogger("ray.data").setLevel(logging.WARNING)  # one line per dataset run otherwise
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        # Sort-based shuffle: tasks only. The default hash shuffle starts aggregator
        # actors per groupby, seconds each, which dominates small and mid-size scans.
        context.shuffle_strategy = ShuffleStrategy(self.shuffle)
        if not ray.is_initialized():
            options = {"include_dashboard": False, "log_to_driver": False}
            if self.address:
                ray.init(address=self.address, **options)
            else:
                ray.init(num_cpus=self.num_cpus, **options)
        return ray

    def scan(self, paths, fields=None, metadata=None, settings: ScanSettings | None = None,
             max_doc_bytes: int | None = None, progress: Progress | None = None):
        ray = self.connect()
        from ray.data.expressions import col

        settings = settings or ScanSettings()
        progress = progress or Progress()
        started = time.perf_counter()
        if isinstance(paths, (str, Path)):
            paths = [paths]
        work = WorkDir(self.work_dir, scan_job(paths, fields, metadata, settings, max_doc_bytes, self.budget))
        counts = ingest(work, paths, fields, metadata, max_doc_bytes, self.budget, progress, settings)
        require_documents(work, counts)
        local = DocumentStore(work.shards("documents", "part-*.arrow"))
        refs = [ray.put(numbered(read_arrow(path), int(first))) for path, first in zip(local.paths, local.starts)]
        store = ObjectStoreDocuments(refs, local.starts)
        partitions = self.partitions or max(2, 2 * int(ray.cluster_resources().get("CPU", 2)))
        mean_doc_bytes = counts.text_bytes / counts.used

        with progress.task("fingerprint", total=1) as advance:
            documents = ray.data.from_arrow_refs(refs).select_columns(["doc", "text"])
            rows = documents.map_batches(fingerprint_rows, fn_kwargs={"settings": settings},
                                         batch_format="pyarrow").materialize()
            advance(1)
        n_shingles = np.full(local.n_docs, 0, dtype=np.int64)
        for batch in rows.filter(expr=col("band") == 0).iter_batches(batch_format="numpy"):
            n_shingles[batch["doc"]] = batch["n_shingles"]

        with progress.task("candidates", total=1) as advance:
            candidates = candidate_dataset(rows, partitions, settings, local.n_docs)
            n_candidates = candidates.count()
            advance(1)

        with progress.task("verify", total=1) as advance:
            chunk = max(1, self.budget.verify_docs(mean_doc_bytes) // 2)
            verified = candidates.map_batches(verify_batch, fn_kwargs={"store": store, "settings": settings},
                                              batch_format="pyarrow", batch_size=chunk)
            kept = _sorted_pairs(verified.filter(expr=col("kept")).drop_columns(["kept"]))
            advance(1)

        with progress.task("families", total=1) as advance:
            links = kept.filter(kept["family_link"])
            family = connected_components(local.n_docs, links["a"].to_numpy(), links["b"].to_numpy())
            advance(1)
        pairs = named_pairs(local, kept)
        explained = explain_chunks(work, store, kept, pairs, family, n_shingles, settings, self.budget,
                                   mean_doc_bytes, progress, self.map_chunks)
        extra = {"engine": self.name, "ray_address": self.address or "local", "work_dir": str(self.work_dir)}
        return semantic_stage(assemble(work, local, counts, pairs, family, n_shingles, explained, settings,
                                       int(n_candidates), extra, started), settings, progress)

    def map_chunks(self, function, chunks):
        """Results of `function` over chunks as Ray tasks, in order."""
        import ray

        remote = ray.remote(function)
        refs = [remote.remote(chunk) for chunk in chunks]
        for ref in refs:
            yield ray.get(ref)


def _sorted_pairs(dataset) -> pa.Table:
    """Kept pairs on the driver, sorted by (a, b) as the memory engine lists them."""
    parts = [pa.Table.from_batches([b]) if isinstance(b, pa.RecordBatch) else b
             for b in dataset.iter_batches(batch_format="pyarrow")]
    if not parts:
        return VERIFIED_SCHEMA.empty_table()
    table = pa.concat_tables(parts).select(VERIFIED_SCHEMA.names).cast(VERIFIED_SCHEMA)
    return table.sort_by([("a", "ascending"), ("b", "ascending")])
