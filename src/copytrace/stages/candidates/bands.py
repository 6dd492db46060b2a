"""Candidates stage: LSH banding of signatures into candidate pairs.

Each band of a signature is hashed to one 64-bit key; documents with equal
keys in a band share a bucket and become candidate pairs. Nearly every key is
unique, so instead of sorting all keys of a band, a pass over a small table of
slot counts picks the few documents whose key may be shared, and only those
are sorted into buckets. Bands are keyed 16 at a time from the signature rows
and processed in parallel. A bucket larger than `max_bucket` (templated text, a wire
story carried by hundreds of outlets) is linked as a star to its first
member instead of as all pairs: the family stays connected, the pair count
stays linear, and verification decides what is real. A bucket over
`clique_up_to` (a story in hundreds of copies, cut in many ways, fills many
buckets of 50-200 documents in every band) gets the star and, for each
member, its `window` next members: each copy a few partners per band
rather than every member, so a family of 10,000 copies gives pairs in
proportion to its copies (every pair of them: 50 million).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from copytrace.parallel import small_parallel_chunks
from copytrace.stages.candidates.lsh import LshParams
from copytrace.text.tokens import mix64

# `ScanSettings.clique_bucket` and `bucket_window` (the defaults of callers without settings).
CLIQUE_UP_TO = 48
BUCKET_WINDOW = 4


@njit(cache=True, nogil=True, inline="always")
def _band_key(signatures, d, j, rows):
    h = np.uint64(j + 1) * np.uint64(0x9E3779B97F4A7C15)
    for r in range(j * rows, (j + 1) * rows):
        h = mix64(h ^ np.uint64(signatures[d, r]))
    return h


@njit(cache=True, nogil=True, parallel=True)
def band_keys_by_band(signatures, bands, rows):
    """keys[j, d]: hash of band j of the signature of document d (band-major).

    Blocks of 1,024 documents: a block's signatures stay in cache while every
    band's keys of the block are written side by side.
    """
    n_docs = signatures.shape[0]
    keys = np.empty((bands, n_docs), dtype=np.uint64)
    for block in prange((n_docs + 1023) // 1024):
        for j in range(bands):
            for d in range(block * 1024, min(n_docs, (block + 1) * 1024)):
                keys[j, d] = _band_key(signatures, d, j, rows)
    return keys


@njit(cache=True, nogil=True)
def _bucket_pairs(sorted_keys, order, max_bucket, clique_up_to, window, out_a, out_b):
    """Emit pairs of one band's sorted keys into out_a/out_b; return the count.

    A bucket of up to `clique_up_to` documents: every pair. Up to `max_bucket`: each member with the
    first (the star's centre) and with its `window` next members; a big family's copies then get a few
    partners each in every band, not all of its members, and the pairs grow with copies, not with their
    square. Past `max_bucket`: the star alone.
    """
    n = len(sorted_keys)
    clique_up_to = min(clique_up_to, max_bucket)
    count = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        size = j - i
        if size > 1:
            if size <= clique_up_to:
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
                if size <= max_bucket:
                    for x in range(i + 1, j):
                        for y in range(x + 1, min(j, x + 1 + window)):
                            out_a[count] = order[x]
                            out_b[count] = order[y]
                            count += 1
        i = j
    return count


@njit(cache=True, nogil=True)
def _pair_capacity(sorted_keys, max_bucket, clique_up_to, window):
    n = len(sorted_keys)
    clique_up_to = min(clique_up_to, max_bucket)
    total = 0
    i = 0
    while i < n:
        j = i + 1
        while j < n and sorted_keys[j] == sorted_keys[i]:
            j += 1
        size = j - i
        total += size * (size - 1) // 2 if size <= clique_up_to else (size - 1) * (1 + window) \
            if size <= max_bucket else size - 1
        i = j
    return total


@njit(cache=True, nogil=True)
def _colliding(keys, table_bits):
    """Documents whose key shares a slot of a 2**table_bits table with another document's key.

    Nearly every band key is unique, so instead of sorting all of them, one
    pass over a small table of slot counts picks the few documents that may
    share a bucket; only those are sorted.
    """
    shift = np.uint64(64 - table_bits)
    seen = np.zeros(1 << table_bits, dtype=np.uint8)
    for d in range(len(keys)):
        slot = keys[d] >> shift
        if seen[slot] < 2:
            seen[slot] += 1
    count = 0
    for d in range(len(keys)):
        if seen[keys[d] >> shift] == 2:
            count += 1
    docs = np.empty(count, dtype=np.int64)
    k = 0
    for d in range(len(keys)):
        if seen[keys[d] >> shift] == 2:
            docs[k] = d
            k += 1
    return docs


@njit(cache=True, nogil=True)
def concat_codes(parts):
    """One array of the code arrays of every band, in band order."""
    total = 0
    for part in parts:
        total += len(part)
    out = np.empty(total, dtype=np.uint64)
    pos = 0
    for part in parts:
        out[pos:pos + len(part)] = part
        pos += len(part)
    return out


@njit(cache=True, nogil=True)
def bucket_codes(keys, docs, max_bucket, clique_up_to, window):
    """Pair codes (a << 32 | b, a < b) of the buckets of equal `keys`; `docs` ascending,
    so a stable sort puts a bucket's lowest document first (the star's centre)."""
    by_key = np.argsort(keys, kind="mergesort")
    sorted_keys = keys[by_key]
    order = docs[by_key]
    cap = _pair_capacity(sorted_keys, max_bucket, clique_up_to, window)
    out_a = np.empty(cap, dtype=np.int64)
    out_b = np.empty(cap, dtype=np.int64)
    count = _bucket_pairs(sorted_keys, order, max_bucket, clique_up_to, window, out_a, out_b)
    codes = np.empty(count, dtype=np.uint64)
    for k in range(count):
        a, b = out_a[k], out_b[k]
        if a > b:
            a, b = b, a
        codes[k] = (np.uint64(a) << np.uint64(32)) | np.uint64(b)
    return codes


@njit(cache=True, nogil=True)
def _band_codes(keys, table_bits, max_bucket, clique_up_to, window):
    """Candidate pairs of one band's keys, as codes (a << 32 | b), a < b."""
    docs = _colliding(keys, table_bits)
    if len(docs) < 2:
        return np.empty(0, dtype=np.uint64)
    return bucket_codes(keys[docs], docs, max_bucket, clique_up_to, window)


@njit(cache=True, nogil=True, parallel=True)
def _band_codes_of_keys(by_band, max_bucket, clique_up_to, window):
    bands, n_docs = by_band.shape
    table_bits = 4
    while (1 << table_bits) < 8 * n_docs:
        table_bits += 1
    per_band = [np.empty(0, dtype=np.uint64) for _ in range(bands)]
    for j in prange(bands):
        per_band[j] = _band_codes(by_band[j], table_bits, max_bucket, clique_up_to, window)
    return concat_codes(per_band)


def band_codes(keys: np.ndarray, max_bucket: int = 200, clique_up_to: int = CLIQUE_UP_TO,
               window: int = BUCKET_WINDOW) -> np.ndarray:
    """The candidates unit over band keys: pair codes (a << 32 | b, a < b) of every bucket of every
    band (column) of keys[n_docs, bands], row number = document number; a pair once per band it shares."""
    if len(keys) < 2:
        return np.empty(0, dtype=np.uint64)
    by_band = np.ascontiguousarray(keys.T)  # one band's keys side by side: each band reads whole cache lines
    with small_parallel_chunks():
        return _band_codes_of_keys(by_band, max_bucket, clique_up_to, window)


def partition_codes(band: np.ndarray, key: np.ndarray, doc: np.ndarray, max_bucket: int,
                    clique_up_to: int = CLIQUE_UP_TO, window: int = BUCKET_WINDOW) -> np.ndarray:
    """`band_codes` of rows (band, key, doc) holding whole buckets (a partition by key), band by band."""
    order = np.lexsort((doc, band))
    band, key, doc = band[order], key[order], doc[order]
    cuts = np.flatnonzero(np.diff(band)) + 1
    parts = [bucket_codes(k, d, max_bucket, clique_up_to, window) for k, d in zip(np.split(key, cuts), np.split(doc, cuts))]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def candidate_pairs(signatures: np.ndarray, params: LshParams, max_bucket: int = 200):
    """Return (a, b, bands_shared) for every pair sharing at least one band; a < b, sorted."""
    if signatures.shape[1] < params.num_perm:
        raise ValueError(f"signatures have {signatures.shape[1]} values, bands need {params.num_perm}")
    if len(signatures) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    codes = band_codes(band_keys_by_band(signatures, params.bands, params.rows).T, max_bucket)
    unique, counts = np.unique(codes, return_counts=True)
    a = (unique >> np.uint64(32)).astype(np.int64)
    b = (unique & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return a, b, counts.astype(np.int64)


@njit(cache=True, nogil=True)
def merge_codes(codes, bands, extra):
    """Sorted union of pair codes `codes` (with their bands) and `extra` (bands 0 where only there).

    Both are sorted and unique: one merge, instead of a set test and a sort.
    """
    out = np.empty(len(codes) + len(extra), dtype=np.uint64)
    out_bands = np.empty(len(codes) + len(extra), dtype=np.int64)
    i, j, k = 0, 0, 0
    while i < len(codes) or j < len(extra):
        if j == len(extra) or (i < len(codes) and codes[i] <= extra[j]):
            if j < len(extra) and codes[i] == extra[j]:
                j += 1
            out[k], out_bands[k] = codes[i], bands[i]
            i += 1
        else:
            out[k], out_bands[k] = extra[j], 0
            j += 1
        k += 1
    return out[:k], out_bands[:k]
