"""Band buckets to candidate pair codes, for keys that arrive a band (or a partition) at a time.

The rule is the in-memory path's (`candidates._bucket_pairs`): every pair of
a bucket, or a star to its lowest document when the bucket holds more than
`max_bucket` documents. Codes are `a << 32 | b` with a < b.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from copytrace.stages.candidates.bands import bucket_codes, concat_codes


@njit(cache=True, parallel=True)
def band_group_codes(keys, max_bucket):
    """Pair codes of every band (column) of keys[n_docs, bands], row number = document number."""
    n_docs, bands = keys.shape
    docs = np.arange(n_docs)
    per_band = [np.empty(0, dtype=np.uint64) for _ in range(bands)]
    for j in prange(bands):
        per_band[j] = bucket_codes(keys[:, j].copy(), docs, max_bucket)
    return concat_codes(per_band)


def partition_codes(band: np.ndarray, key: np.ndarray, doc: np.ndarray, max_bucket: int) -> np.ndarray:
    """Pair codes of rows (band, key, doc) holding whole buckets (a partition by key), band by band."""
    order = np.lexsort((doc, band))
    band, key, doc = band[order], key[order], doc[order]
    cuts = np.flatnonzero(np.diff(band)) + 1
    parts = [bucket_codes(k, d, max_bucket) for k, d in zip(np.split(key, cuts), np.split(doc, cuts))]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
