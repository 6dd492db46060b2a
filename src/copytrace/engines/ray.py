"""The Ray engine: the scan stages on Ray Data, on a local Ray instance or an existing cluster.

- ingest and cleaning stream the inputs into document shards on the driver
  (as the local engine does); the shards are put in Ray's object store, where
  every worker fetches the ones it needs;
- fingerprint: `map_batches` over the documents gives each document's band
  keys, exploded into rows (band, key, doc);
- candidates: the rows are grouped by a partition of the key, so that every
  bucket is whole in one group; each group is bucketed with the in-memory
  path's rule (star for large buckets); pair codes are then counted by a
  `groupby` (bands shared);
- verify: `map_batches` over candidate pairs, the shingle sets of the
  documents a batch involves recomputed on the worker;
- families: min-label propagation (hash-to-min) with pointer jumping over the
  kept-pairs dataset: the edges stay in the cluster, the driver holds one
  label per document;
- align: one Ray task per chunk of families; provenance on the driver.

Results are the local engine's, pair for pair and family for family.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from copytrace.stages.families import connected_components
from copytrace.io import InputError
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.engines.bucketing import partition_codes
from copytrace.engines.results import (
    VERIFIED_SCHEMA,
    assemble,
    explain_chunks,
    keep_columns,
    named_pairs,
    pair_figures,
)
from copytrace.engines.shards import (
    Budget,
    DocumentStore,
    WorkDir,
    ingest,
    inputs_fingerprint,
    parse_size,
    read_arrow,
)


class ObjectStoreDocuments(DocumentStore):
    """Document shards in Ray's object store, fetched by the worker that needs them."""

    def __init__(self, refs: list, starts: np.ndarray):
        self.refs = list(refs)
        self.starts = np.asarray(starts, dtype=np.int64)
        self._tables = {}

    def table(self, i: int) -> pa.Table:
        if i not in self._tables:
            import ray

            self._tables[i] = ray.get(self.refs[i])
        return self._tables[i]


def _resolve(value):
    import ray

    return ray.get(value) if isinstance(value, ray.ObjectRef) else value


def fingerprint_batch(batch: pa.Table, settings: ScanSettings) -> pa.Table:
    """Band keys of a batch of documents, one row per (band, document); anchors as rows of band -1."""
    from copytrace.stages.candidates.bands import band_keys

    lsh = settings.lsh
    # One tokenizing pass gives the signatures and, with anchors on, the winnowed anchors.
    sketches = settings.hasher.sketch(batch["text"], settings.anchors.window if settings.anchors.enabled else 0)
    counts = sketches.shingle_counts
    keys = band_keys(sketches.signatures, lsh.bands, lsh.rows)
    n = batch.num_rows
    doc = batch["doc"].to_numpy()
    band = np.tile(np.arange(lsh.bands, dtype=np.int32), n)
    columns = {
        "band": band,
        "key": keys.reshape(-1),
        "doc": np.repeat(doc, lsh.bands),
        # Counts ride on band 0's row, so one pass gives both.
        "n_shingles": np.where(band == 0, np.repeat(counts, lsh.bands), -1),
    }
    if settings.anchors.enabled:
        values = sketches.anchors.values
        local_docs = np.repeat(np.arange(n, dtype=np.int64), np.diff(sketches.anchors.offsets))
        columns = {"band": np.concatenate([band, np.full(len(values), -1, np.int32)]),
                   "key": np.concatenate([columns["key"], values]),
                   "doc": np.concatenate([columns["doc"], doc[local_docs]]),
                   "n_shingles": np.concatenate([columns["n_shingles"], np.full(len(values), -1)])}
    return pa.table(columns)


def bucket_group(batch: dict, partitions: int, settings: ScanSettings) -> dict:
    """Pair codes of one partition of rows by key: every bucket (and every anchor's documents) is whole here."""
    from copytrace.stages.candidates.anchors import anchor_pairs

    banded = batch["band"] >= 0
    codes = partition_codes(batch["band"][banded], batch["key"][banded], batch["doc"][banded], settings.max_bucket)
    bands = np.ones(len(codes), dtype=np.int64)
    anchors = np.zeros(len(codes), dtype=np.int64)
    if settings.anchors.enabled and (~banded).any():
        every = replace(settings.anchors, min_shared=1)  # min_shared applies to a pair's anchors in every group
        a, b, shared = anchor_pairs(batch["key"][~banded], batch["doc"][~banded], every)
        anchored = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
        codes = np.concatenate([codes, anchored])
        bands = np.concatenate([bands, np.zeros(len(anchored), dtype=np.int64)])
        anchors = np.concatenate([anchors, shared])
    return {"code": codes, "bands": bands, "anchors": anchors,
            "part": (codes % np.uint64(partitions)).astype(np.int64)}


def count_codes(batch: dict, min_anchors: int) -> dict:
    """Each candidate once with the bands it shares: in a band, or in at least `min_anchors` anchors."""
    codes, inverse = np.unique(batch["code"], return_inverse=True)
    bands = np.bincount(inverse, weights=batch["bands"], minlength=len(codes)).astype(np.int64)
    anchors = np.bincount(inverse, weights=batch["anchors"], minlength=len(codes)).astype(np.int64)
    found = (bands > 0) | (anchors >= min_anchors)
    return {"code": codes[found], "bands_shared": bands[found]}


def verify_batch(batch: pa.Table, store, settings: ScanSettings) -> pa.Table:
    codes = batch["code"].to_numpy()
    a = (codes >> np.uint64(32)).astype(np.int64)
    b = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    figures = pair_figures(store, a, b, settings.hasher)
    return pa.table({"a": a, "b": b, "bands_shared": batch["bands_shared"], **figures,
                     **keep_columns(figures, settings)})


def propose_labels(batch: dict, labels) -> dict:
    """Smallest label seen by each endpoint of a batch of edges (hash-to-min, reduced within the batch)."""
    labels = _resolve(labels)
    a, b = batch["a"], batch["b"]
    low = np.minimum(labels[a], labels[b])
    nodes = np.concatenate([a, b])
    proposed = np.concatenate([low, low])
    order = np.lexsort((proposed, nodes))
    nodes, proposed = nodes[order], proposed[order]
    first = np.concatenate([[True], nodes[1:] != nodes[:-1]]) if len(nodes) else np.empty(0, bool)
    return {"node": nodes[first], "label": proposed[first]}


def components(edges, n_docs: int) -> np.ndarray:
    """Family numbers from kept-pair edges in a Ray dataset: min-label propagation, then the usual numbering."""
    import ray

    labels = np.arange(n_docs, dtype=np.int64)
    while True:
        ref = ray.put(labels)
        proposals = edges.map_batches(propose_labels, fn_kwargs={"labels": ref}, batch_format="numpy")
        updated = labels.copy()
        for batch in proposals.iter_batches(batch_format="numpy"):
            np.minimum.at(updated, batch["node"], batch["label"])
        while True:  # pointer jumping: a label's own label is at least as small
            jumped = updated[updated]
            if np.array_equal(jumped, updated):
                break
            updated = jumped
        if np.array_equal(updated, labels):
            break
        labels = updated
    # Each label is now its component's smallest document: number families as the in-memory path does.
    docs = np.arange(n_docs, dtype=np.int64)
    linked = labels != docs
    return connected_components(n_docs, docs[linked], labels[linked])


def candidate_dataset(rows, partitions: int, settings: ScanSettings):
    """Candidate pairs (code, bands_shared) from (band, key, doc) rows: bucket by key partition, then count."""
    keyed = rows.drop_columns(["n_shingles"]).map_batches(
        lambda b: {**b, "part": (b["key"] % np.uint64(partitions)).astype(np.int64)}, batch_format="numpy")
    codes = keyed.groupby("part", num_partitions=partitions).map_groups(
        bucket_group, fn_kwargs={"partitions": partitions, "settings": settings}, batch_format="numpy")
    return codes.groupby("part", num_partitions=partitions).map_groups(
        count_codes, fn_kwargs={"min_anchors": settings.anchors.min_shared}, batch_format="numpy").materialize()


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
             max_doc_bytes: int | None = None, progress: Progress | None = None, clean=True):
        ray = self.connect()
        from ray.data.expressions import col

        settings = settings or ScanSettings()
        progress = progress or Progress()
        started = time.perf_counter()
        if isinstance(paths, (str, Path)):
            paths = [paths]
        job = {"inputs": inputs_fingerprint(paths), "fields": fields, "metadata": str(metadata), "clean": clean,
               "settings": settings, "max_doc_bytes": max_doc_bytes, "text_per_shard": self.budget.text_per_shard}
        work = WorkDir(self.work_dir, job)
        counts = ingest(work, paths, fields, metadata, max_doc_bytes, self.budget, progress, clean)
        if counts.used == 0:
            raise InputError(f"no usable document among {counts.read} records read ({counts.rejected} rejected)")
        local = DocumentStore(work.shards("documents", "part-*.arrow"))
        refs = [ray.put(read_arrow(path)) for path in local.paths]
        store = ObjectStoreDocuments(refs, local.starts)
        partitions = self.partitions or max(2, 2 * int(ray.cluster_resources().get("CPU", 2)))

        with progress.task("fingerprint", total=1) as advance:
            documents = ray.data.from_arrow_refs(refs).select_columns(["doc", "text"])
            rows = documents.map_batches(fingerprint_batch, fn_kwargs={"settings": settings},
                                         batch_format="pyarrow").materialize()
            advance(1)
        n_shingles = np.full(local.n_docs, 0, dtype=np.int64)
        for batch in rows.filter(expr=col("band") == 0).iter_batches(batch_format="numpy"):
            n_shingles[batch["doc"]] = batch["n_shingles"]

        with progress.task("candidates", total=1) as advance:
            candidates = candidate_dataset(rows, partitions, settings)
            n_candidates = candidates.count()
            advance(1)

        with progress.task("verify", total=1) as advance:
            chunk = max(1, self.budget.verify_docs(counts.text_bytes / counts.used) // 2)
            verified = candidates.map_batches(verify_batch, fn_kwargs={"store": store, "settings": settings},
                                              batch_format="pyarrow", batch_size=chunk)
            kept_ds = verified.filter(expr=col("kept")).drop_columns(["kept"]).materialize()
            advance(1)

        with progress.task("families", total=1) as advance:
            family = components(kept_ds.filter(expr=col("family_link")).select_columns(["a", "b"]), local.n_docs)
            advance(1)
        kept = _sorted_pairs(kept_ds)
        pairs = named_pairs(local, kept)
        explained = explain_chunks(work, store, kept, pairs, family, n_shingles, settings, self.budget,
                                   counts.text_bytes / counts.used, progress, self.map_chunks)
        stats = {"candidate_pairs": int(n_candidates), "engine": self.name, "ray_address": self.address or "local",
                 "work_dir": str(self.work_dir)}
        return assemble(work, local, counts, kept, pairs, family, n_shingles, explained, settings, stats, started)

    def map_chunks(self, function, chunks):
        """Results of `function` over chunks as Ray tasks, in order."""
        import ray

        remote = ray.remote(function)
        refs = [remote.remote(chunk) for chunk in chunks]
        for ref in refs:
            yield ray.get(ref)


def _sorted_pairs(dataset) -> pa.Table:
    """Kept pairs on the driver, sorted by (a, b) as the in-memory path lists them."""
    parts = [pa.Table.from_batches([b]) if isinstance(b, pa.RecordBatch) else b
             for b in dataset.iter_batches(batch_format="pyarrow")]
    if not parts:
        return VERIFIED_SCHEMA.empty_table()
    table = pa.concat_tables(parts).select(VERIFIED_SCHEMA.names).cast(VERIFIED_SCHEMA)
    return table.sort_by([("a", "ascending"), ("b", "ascending")])
