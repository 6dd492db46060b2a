"""Anchor candidates: find short reuse (a section, a quote) that MinHash banding cannot see.

MinHash LSH finds pairs by Jaccard similarity, so a 300-character section or
a quoted sentence inside a long article (Jaccard near 0.01) is invisible to
it at any useful threshold. Anchors see reuse by its absolute length instead:

- Winnowing (Schleimer, Wilkerson and Aiken, 2003): in every window of
  `window` consecutive shingles the smallest hash is an anchor. Any run of
  `window + shingle_size - 1` words shared by two documents therefore
  shares at least one anchor, whatever else the documents hold; about
  2 / (window + 1) of the shingles become anchors.
- Anchors found in more than `max_df` documents are boilerplate, stock
  phrases or a wire story (which LSH finds anyway), and anchors found in one
  document link nothing: only anchors in 2 to `max_df` documents count
  (passim's rule, for the same reason).
- A pair needs `min_shared` such anchors: one shared 5-word phrase is
  chance. Any run of `2 * window + shingle_size - 1` shared words (20 with
  the defaults: one or two sentences) holds two anchors.

Every pair kept is then verified exactly like an LSH candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .candidates import bucket_codes
from .tokens import doc_shingles, encode_batch


@dataclass(frozen=True)
class AnchorSettings:
    """Winnowing window (in shingles) and the document-frequency band of useful anchors."""

    window: int = 8
    max_df: int = 20
    min_shared: int = 2
    enabled: bool = True


@njit(cache=True)
def _winnow(shingles, n, window, out):
    """Write the winnowed anchors of shingles[:n] into out; return the count (duplicates kept)."""
    if n == 0:
        return 0
    if n <= window:
        out[0] = shingles[:n].min()
        return 1
    count = 0
    last = -1
    for start in range(n - window + 1):
        best = start
        for k in range(start + 1, start + window):
            if shingles[k] <= shingles[best]:  # rightmost minimum, as in the paper
                best = k
        if best != last:
            out[count] = shingles[best]
            count += 1
            last = best
    return count


@njit(cache=True, parallel=True)
def _anchor_sets(buf, offsets, shingle_size, window):
    n_docs = len(offsets) - 1
    per_doc = [np.empty(0, dtype=np.uint64) for _ in range(n_docs)]
    counts = np.zeros(n_docs, dtype=np.int64)
    for d in prange(n_docs):
        shingles = doc_shingles(buf, offsets[d], offsets[d + 1], shingle_size)
        n = len(shingles)
        picked = np.empty(max(n, 1), dtype=np.uint64)
        m = _winnow(shingles, n, window, picked)
        per_doc[d] = np.unique(picked[:m])
        counts[d] = len(per_doc[d])
    out_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    values = np.empty(out_offsets[-1], dtype=np.uint64)
    docs = np.empty(out_offsets[-1], dtype=np.int64)
    for d in prange(n_docs):
        values[out_offsets[d]:out_offsets[d + 1]] = per_doc[d]
        docs[out_offsets[d]:out_offsets[d + 1]] = d
    return values, docs


def anchor_sets(texts, shingle_size: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """(anchor hash, document number) for the unique anchors of every text."""
    buf, offsets = encode_batch(texts)
    return _anchor_sets(buf, offsets, shingle_size, window)


def anchor_pairs(values: np.ndarray, docs: np.ndarray, settings: AnchorSettings):
    """(a, b, anchors_shared) for pairs sharing at least `min_shared` useful anchors; a < b, sorted."""
    _, inverse, df = np.unique(values, return_inverse=True, return_counts=True)
    useful = (df[inverse] >= 2) & (df[inverse] <= settings.max_df)
    # No bucket left is larger than max_df, so every bucket gives all its pairs (no star).
    codes = bucket_codes(values[useful], docs[useful].astype(np.int64), settings.max_df)
    unique, counts = np.unique(codes, return_counts=True)
    unique, counts = unique[counts >= settings.min_shared], counts[counts >= settings.min_shared]
    a = (unique >> np.uint64(32)).astype(np.int64)
    b = (unique & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return a, b, counts.astype(np.int64)
