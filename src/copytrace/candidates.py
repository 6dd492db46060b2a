"""Candidates stage: LSH banding of signatures into candidate pairs.

Each band of a signature is hashed to one 64-bit key. Per band, documents are
sorted by key and every run of equal keys is a bucket whose members become
candidate pairs. A bucket larger than `max_bucket` (templated text, a wire
story carried by hundreds of outlets) is linked as a star to its first
member instead of as all pairs: the family stays connected, the pair count
stays linear, and verification decides what is real.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .lsh import LshParams
from .tokens import mix64


@njit(cache=True, parallel=True)
def band_keys(signatures, bands, rows):
    """keys[d, j]: hash of band j of the signature of document d."""
    n_docs = signatures.shape[0]
    keys = np.empty((n_docs, bands), dtype=np.uint64)
    for d in prange(n_docs):
        for j in range(bands):
            h = np.uint64(j + 1) * np.uint64(0x9E3779B97F4A7C15)
            for r in range(j * rows, (j + 1) * rows):
                h = mix64(h ^ np.uint64(signatures[d, r]))
            keys[d, j] = h
    return keys


@njit(cache=True)
def _bucket_pairs(sorted_keys, order, max_bucket, out_a, out_b):
    """Emit pairs of one band's sorted keys into out_a/out_b; return the count."""
    n = len(sorted_keys)
    count = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        size = j - i
        if size > 1:
            if size <= max_bucket:
                for x in range(i, j):
                    for y in range(x + 1, j):
                        out_a[count] = order[x]
                        out_b[count] = order[y]
                        count += 1
            else:
                for y in range(i + 1, j):
                    out_a[count] = order[i]
                    out_b[count] = order[y]
                    count += 1
        i = j
    return count


@njit(cache=True)
def _pair_capacity(sorted_keys, max_bucket):
    n = len(sorted_keys)
    total = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        size = j - i
        total += size * (size - 1) // 2 if size <= max_bucket else size - 1
        i = j
    return total


@njit(cache=True, parallel=True)
def _band_pairs(keys, max_bucket):
    """Candidate pairs of every band, as one array of codes (a << 32 | b), a < b."""
    n_docs, bands = keys.shape
    per_band = [np.empty(0, dtype=np.uint64) for _ in range(bands)]
    for j in prange(bands):
        column = keys[:, j].copy()
        order = np.argsort(column, kind="mergesort").astype(np.int64)
        sorted_keys = column[order]
        cap = _pair_capacity(sorted_keys, max_bucket)
        out_a = np.empty(cap, dtype=np.int64)
        out_b = np.empty(cap, dtype=np.int64)
        count = _bucket_pairs(sorted_keys, order, max_bucket, out_a, out_b)
        codes = np.empty(count, dtype=np.uint64)
        for k in range(count):
            a, b = out_a[k], out_b[k]
            if a > b:
                a, b = b, a
            codes[k] = (np.uint64(a) << np.uint64(32)) | np.uint64(b)
        per_band[j] = codes
    total = 0
    for j in range(bands):
        total += len(per_band[j])
    out = np.empty(total, dtype=np.uint64)
    pos = 0
    for j in range(bands):
        m = len(per_band[j])
        out[pos:pos + m] = per_band[j]
        pos += m
    return out


def candidate_pairs(signatures: np.ndarray, params: LshParams, max_bucket: int = 200):
    """Return (a, b, bands_shared) for every pair sharing at least one band; a < b, sorted."""
    if signatures.shape[1] < params.num_perm:
        raise ValueError(f"signatures have {signatures.shape[1]} values, bands need {params.num_perm}")
    if len(signatures) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    keys = band_keys(signatures, params.bands, params.rows)
    codes = _band_pairs(keys, max_bucket)
    unique, counts = np.unique(codes, return_counts=True)
    a = (unique >> np.uint64(32)).astype(np.int64)
    b = (unique & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return a, b, counts.astype(np.int64)
