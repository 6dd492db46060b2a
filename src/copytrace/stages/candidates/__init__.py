"""Candidates stage: pairs of documents worth verifying, from LSH bands and shared anchors.

- `bands`: band keys of the signatures and the pairs that share a bucket (a
  star to the lowest document for buckets over `max_bucket`);
- `anchors`: winnowed shingles in 2..`max_df` documents (short reuse LSH misses);
- `lsh`: bands and rows derived from the reuse to be found.
"""

from __future__ import annotations

import numpy as np

from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.stages.candidates.anchors import Anchors, anchor_pairs, anchor_sets, document_anchor_pairs
from copytrace.stages.candidates.bands import candidate_pairs, merge_codes
from copytrace.text.batches import text_batches


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
