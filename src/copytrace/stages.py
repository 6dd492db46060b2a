"""The scan stages as functions over Arrow tables and NumPy arrays.

ingest -> fingerprint -> candidates -> verify -> families. Each stage takes
the previous stage's output and the settings it needs, and returns new data;
none keeps state, so an engine can run them batch by batch or elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .align import AlignSettings
from .anchors import Anchors, AnchorSettings, anchor_pairs, anchor_sets, document_anchor_pairs
from .candidates import candidate_pairs, merge_codes
from .families import connected_components
from .fingerprint import MinHasher, Sketches
from .lsh import LshParams
from .provenance import ProvenanceSettings
from .progress import Progress
from .verify import KeepRule, overlap_figures

PAIR_SCHEMA = pa.schema(
    [
        pa.field("a", pa.string(), nullable=False),
        pa.field("b", pa.string(), nullable=False),
        pa.field("jaccard", pa.float64()),
        pa.field("containment_a_in_b", pa.float64()),
        pa.field("containment_b_in_a", pa.float64()),
        pa.field("shared_shingles", pa.int64()),
        pa.field("bands_shared", pa.int64()),
        pa.field("family_link", pa.bool_()),  # False: a possible quote, kept for its passage only
    ]
)


@dataclass(frozen=True)
class ScanSettings:
    """Every setting of a scan; the defaults are aimed at partial reuse in news."""

    num_perm: int = 256
    shingle_size: int = 5
    reuse_share: float = 0.4  # share of a source a copy carries that LSH must find...
    size_ratio: float = 2.0  # ...when the copy is up to this many times the copied part
    recall: float = 0.95  # probability of finding a pair at exactly that overlap
    keep: KeepRule = field(default_factory=KeepRule)
    max_bucket: int = 200
    batch_bytes: int = 64 * 1024 * 1024
    explain: bool = True  # align passages and trace provenance of kept pairs
    anchors: AnchorSettings = field(default_factory=AnchorSettings)  # short reuse LSH cannot see
    align: AlignSettings = field(default_factory=AlignSettings)
    provenance: ProvenanceSettings = field(default_factory=ProvenanceSettings)

    @property
    def hasher(self) -> MinHasher:
        return MinHasher(num_perm=self.num_perm, shingle_size=self.shingle_size)

    @property
    def lsh(self) -> LshParams:
        return LshParams.for_reuse(self.num_perm, self.reuse_share, self.size_ratio, self.recall)


def text_batches(texts: pa.ChunkedArray | pa.Array, batch_bytes: int):
    """Slices [start, stop) of `texts` holding about `batch_bytes` of text each."""
    ends = np.cumsum(pa.compute.binary_length(texts).fill_null(0).to_numpy(zero_copy_only=False))
    start = 0
    while start < len(ends):
        # A batch ends with the first text that brings it to batch_bytes.
        base = ends[start - 1] if start else 0
        stop = min(int(np.searchsorted(ends, base + batch_bytes, side="left")) + 1, len(ends))
        yield start, stop
        start = stop


def fingerprint(texts, hasher: MinHasher, batch_bytes: int, progress: Progress = Progress()):
    """MinHash signatures and shingle counts of every text, computed batch by batch."""
    n = len(texts)
    signatures = np.empty((n, hasher.num_perm), dtype=np.uint32)
    counts = np.empty(n, dtype=np.int64)
    with progress.task("fingerprint", total=n) as advance:
        for start, stop in text_batches(texts, batch_bytes):
            batch = texts.slice(start, stop - start)  # Arrow: the kernel reads its buffer, no copy
            signatures[start:stop], counts[start:stop] = hasher.signatures(batch)
            advance(stop - start)
    return signatures, counts


def sketch(texts, settings: ScanSettings, progress: Progress = Progress()) -> Sketches:
    """`fingerprint`, plus the winnowed anchors when anchors are on: one tokenizing pass gives both."""
    hasher = settings.hasher
    window = settings.anchors.window if settings.anchors.enabled else 0
    parts = [Sketches(np.empty((0, hasher.num_perm), dtype=np.uint32), np.empty(0, dtype=np.int64),
                      Anchors(np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)) if window else None)]
    with progress.task("fingerprint", total=len(texts)) as advance:
        for start, stop in text_batches(texts, settings.batch_bytes):
            parts += hasher.sketch_parts(texts.slice(start, stop - start), window)
            advance(stop - start)
    return Sketches.concat(parts)  # one copy of everything, at the end


def verify(texts, a, b, hasher: MinHasher, progress: Progress = Progress()) -> dict:
    """Exact overlap figures of candidate pairs (a[k], b[k]), from the shingle sets of their documents."""
    with progress.task("verify", total=len(a)) as advance:
        involved = np.unique(np.concatenate([a, b]))
        position = np.full(len(texts), -1, dtype=np.int64)
        position[involved] = np.arange(len(involved))
        subset = texts.take(pa.array(involved)) if len(involved) else []
        values, offsets = hasher.shingle_sets(subset)
        figures = overlap_figures(values, offsets, position[a], position[b])
        advance(len(a))
    return figures


def pairs_table(ids: np.ndarray, a, b, bands, figures: dict, kept: np.ndarray,
                links: np.ndarray | None = None) -> pa.Table:
    links = kept if links is None else links
    columns = {
        "a": pa.array(ids[a[kept]], pa.string()),
        "b": pa.array(ids[b[kept]], pa.string()),
        "jaccard": figures["jaccard"][kept],
        "containment_a_in_b": figures["containment_a_in_b"][kept],
        "containment_b_in_a": figures["containment_b_in_a"][kept],
        "shared_shingles": figures["shared_shingles"][kept],
        "bands_shared": bands[kept],
        "family_link": links[kept],
    }
    return pa.table(columns, schema=PAIR_SCHEMA)


def families_table(ids: np.ndarray, family: np.ndarray) -> pa.Table:
    """One row per family: its number, size and members (in input order)."""
    order = np.argsort(family, kind="stable")
    numbers, starts, sizes = np.unique(family[order], return_index=True, return_counts=True)
    members = [ids[order[s:s + n]].tolist() for s, n in zip(starts, sizes)]
    return pa.table(
        {
            "family": pa.array(numbers, pa.int64()),
            "size": pa.array(sizes, pa.int64()),
            "members": pa.array(members, pa.list_(pa.string())),
        }
    )


def find_families(n_docs: int, a, b, kept) -> np.ndarray:
    return connected_components(n_docs, a[kept], b[kept])


def find_candidates(signatures, texts, settings: ScanSettings, progress: Progress = Progress(),
                    anchors: Anchors | None = None):
    """(a, b, bands_shared): LSH candidates, plus pairs sharing a winnowed anchor (bands_shared 0).

    `anchors` are those `sketch` gave; without them they are computed here from `texts`.
    """
    with progress.task("candidates", total=2) as advance:
        a, b, bands = candidate_pairs(signatures, settings.lsh, settings.max_bucket)
        advance(1)
        if settings.anchors.enabled and anchors is not None and len(signatures) > 1:
            xa, xb, _ = document_anchor_pairs(anchors, settings.anchors)
            a, b, bands = _union_pairs(a, b, bands, xa, xb)
        elif settings.anchors.enabled and len(texts) > 1:
            values, docs = [], []
            for start, stop in text_batches(texts, settings.batch_bytes):
                v, d = anchor_sets(texts.slice(start, stop - start),
                                   settings.shingle_size, settings.anchors.window)
                values.append(v)
                docs.append(d + start)
            xa, xb, _ = anchor_pairs(np.concatenate(values), np.concatenate(docs), settings.anchors)
            a, b, bands = _union_pairs(a, b, bands, xa, xb)
        advance(1)
    return a, b, bands


def _union_pairs(a, b, bands, xa, xb):
    """LSH pairs and anchor pairs (each sorted, unique) together, sorted and unique; anchor-only pairs: bands 0."""
    codes = (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64)
    extra = (xa.astype(np.uint64) << np.uint64(32)) | xb.astype(np.uint64)
    all_codes, all_bands = merge_codes(codes, bands.astype(np.int64), extra)
    return ((all_codes >> np.uint64(32)).astype(np.int64),
            (all_codes & np.uint64(0xFFFFFFFF)).astype(np.int64), all_bands)
