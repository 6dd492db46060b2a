"""Candidates stage: pairs of documents worth verifying, from LSH bands and shared anchors.

- `bands`: band keys of the signatures and the pairs that share a bucket (a
  star to the lowest document for buckets over `max_bucket`);
- `anchors`: winnowed shingles in 2..`max_df` documents (short reuse LSH misses);
- `lsh`: bands and rows derived from the reuse to be found.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from copytrace.progress import Progress
from copytrace.settings import AnchorSettings, ScanSettings
from copytrace.stages.candidates.anchors import anchor_pairs, document_anchor_pairs
from copytrace.stages.candidates.bands import band_codes, merge_codes, partition_codes  # noqa: F401  (the units)


def candidates(fingerprints, settings: ScanSettings, progress: Progress = Progress()):
    """The candidates stage over one corpus' fingerprints (documents 0..n-1), in memory.

    (a, b, bands_shared), a < b, sorted: pairs sharing an LSH band, and pairs
    sharing `anchors.min_shared` useful anchors (bands_shared 0 if only those).
    The scale engines run the same two reduces by band group and by anchor
    partition (`band_codes`, `partition_anchor_codes`), then `count_codes`.
    """
    with progress.task("candidates", total=2) as advance:
        codes = band_codes(fingerprints.keys, settings.max_bucket, settings.clique_bucket, settings.bucket_window) if len(fingerprints) > 1 else _NO_CODES
        advance(1)
        anchored = anchored_shared = None
        if settings.anchors.enabled and fingerprints.anchors is not None and len(fingerprints) > 1:
            every = replace(settings.anchors, min_shared=1) if settings.anchors.short_anchors else settings.anchors
            xa, xb, anchored_shared = document_anchor_pairs(fingerprints.anchors, every)
            anchored = (xa.astype(np.uint64) << np.uint64(32)) | xb.astype(np.uint64)
        short = short_documents(fingerprints.anchors, settings.anchors) if anchored is not None else None
        result = count_codes(codes, None, anchored, anchored_shared,
                             settings.anchors.min_shared, short)
        advance(1)
    return result


_NO_CODES = np.empty(0, dtype=np.uint64)


def partition_anchor_codes(values: np.ndarray, docs: np.ndarray, settings: ScanSettings):
    """(codes, anchors shared) of pairs sharing useful anchors among rows holding whole anchors
    (a partition by anchor value); `min_shared` is applied to the sum over partitions by `count_codes`."""
    every = replace(settings.anchors, min_shared=1)
    a, b, shared = anchor_pairs(values, docs, every)
    return (a.astype(np.uint64) << np.uint64(32)) | b.astype(np.uint64), shared


def short_documents(anchors, settings: AnchorSettings) -> np.ndarray | None:
    """Documents with at most `short_anchors` anchors: a brief of a sentence or two, which one shared
    anchor is enough to pair (a 20-word brief has one or two anchors: two shared would miss it)."""
    if not settings.short_anchors:
        return None
    return np.diff(anchors.offsets) <= settings.short_anchors


def count_codes(codes: np.ndarray, bands: np.ndarray | None, anchored: np.ndarray | None = None,
                anchored_shared: np.ndarray | None = None, min_anchors: int = 1, short: np.ndarray | None = None):
    """The candidates reduce: each pair once, with the bands it shares; anchor pairs join it
    when they share at least `min_anchors` anchors in all (one, when a side is `short`). `bands`: the bands
    each row of `codes` stands for (None: one each). Returns (a, b, bands_shared), sorted."""
    unique, shared = count_code_rows(codes, bands, anchored, anchored_shared, min_anchors, short)
    return ((unique >> np.uint64(32)).astype(np.int64), (unique & np.uint64(0xFFFFFFFF)).astype(np.int64),
            shared.astype(np.int64))


def count_code_rows(codes: np.ndarray, bands: np.ndarray | None, anchored: np.ndarray | None = None,
                    anchored_shared: np.ndarray | None = None, min_anchors: int = 1, short: np.ndarray | None = None):
    """`count_codes` as (pair codes, bands shared), sorted: the local engine's reduce of each range of codes."""
    if bands is None:  # one row per band shared: counting is enough (NumPy's radix sort of the codes)
        unique, shared = np.unique(codes, return_counts=True)
    else:
        unique, inverse = np.unique(codes, return_inverse=True)
        shared = np.bincount(inverse, weights=bands, minlength=len(unique)).astype(np.int64)
    if anchored is not None and len(anchored):
        acodes, ainverse = np.unique(anchored, return_inverse=True)
        total = np.bincount(ainverse, weights=anchored_shared, minlength=len(acodes))
        enough = total >= min_anchors
        if short is not None:
            x = (acodes >> np.uint64(32)).astype(np.int64)
            y = (acodes & np.uint64(0xFFFFFFFF)).astype(np.int64)
            enough |= short[x] | short[y]
        acodes = acodes[enough]
        unique, shared = merge_codes(unique, shared.astype(np.int64), acodes)
    return unique, shared.astype(np.int64)
