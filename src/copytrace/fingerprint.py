"""Fingerprint stage: word shingles and MinHash signatures, compiled and parallel.

Each batch of texts is folded, joined into one contiguous UTF-8 buffer and
handed to one numba kernel that tokenizes, shingles and min-hashes every
document in parallel (one document per iteration of a `prange`). Nothing is
random at run time: hashing uses a fixed seed, so the same input gives the
same signatures on every run and machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .tokens import encode_batch, mix64, shingles_into, tokenize_into

SIGNATURE_SEED = 0x5EED


@dataclass(frozen=True)
class MinHasher:
    """One-permutation MinHash over word shingles, with optimal densification.

    Classic MinHash hashes every shingle `num_perm` times; here each shingle is
    hashed once and falls into one of `num_perm` bins, each keeping its
    minimum (Li, Owen and Zhang, 2012). Empty bins borrow the value of a bin
    picked by a fixed hash sequence (Shrivastava, 2017), the same for every
    document, so two signatures still agree in a bin with probability equal to
    the Jaccard similarity of the shingle sets. The cost per shingle is one
    hash and one compare instead of `num_perm` of them.
    """

    num_perm: int = 256
    shingle_size: int = 5

    def __post_init__(self):
        if self.num_perm < 2 or self.num_perm & (self.num_perm - 1):
            raise ValueError(f"num_perm must be a power of two >= 2, got {self.num_perm}")
        if self.shingle_size < 1:
            raise ValueError(f"shingle_size must be >= 1, got {self.shingle_size}")

    def signatures(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """Return (signatures[n, num_perm] uint32, shingle counts[n] int64)."""
        buf, offsets = encode_batch(texts)
        return _signatures(buf, offsets, self.shingle_size, self.num_perm)

    def shingle_sets(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """Sorted unique shingle hashes of each text, as (values, offsets) CSR."""
        buf, offsets = encode_batch(texts)
        return _shingle_sets(buf, offsets, self.shingle_size)


_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True)
def _densify(row, num_perm):
    """Fill empty bins from non-empty ones along a fixed, document-independent probe sequence."""
    filled = 0
    for p in range(num_perm):
        if row[p] != _EMPTY:
            filled += 1
    if filled == 0 or filled == num_perm:
        return
    out = row.copy()
    for p in range(num_perm):
        if row[p] != _EMPTY:
            continue
        attempt = np.uint64(1)
        while True:
            probe = mix64(np.uint64(SIGNATURE_SEED) ^ (np.uint64(p) << np.uint64(32)) ^ attempt)
            src = probe & np.uint64(num_perm - 1)
            if row[src] != _EMPTY:
                out[p] = row[src]
                break
            attempt += np.uint64(1)
    row[:] = out


@njit(cache=True, parallel=True)
def _signatures(buf, offsets, shingle_size, num_perm):
    n_docs = len(offsets) - 1
    shift = np.uint64(64 - int(np.log2(num_perm)))
    sigs = np.empty((n_docs, num_perm), dtype=np.uint32)
    counts = np.zeros(n_docs, dtype=np.int64)
    for d in prange(n_docs):
        start, end = offsets[d], offsets[d + 1]
        cap = (end - start + 1) // 2 + 2
        hashes = np.empty(cap, dtype=np.uint64)
        spans = np.empty(cap, dtype=np.int64)
        n_tokens = tokenize_into(buf, start, end, hashes, spans, spans)
        shingles = np.empty(max(n_tokens, 1), dtype=np.uint64)
        n_shingles = shingles_into(hashes, n_tokens, shingle_size, shingles)
        counts[d] = n_shingles
        row = np.full(num_perm, _EMPTY, dtype=np.uint64)
        for s in range(n_shingles):
            x = mix64(shingles[s] ^ np.uint64(SIGNATURE_SEED))
            b = x >> shift
            v = x & np.uint64(0xFFFFFFFF)
            if v < row[b]:
                row[b] = v
        _densify(row, num_perm)
        for p in range(num_perm):
            sigs[d, p] = np.uint32(row[p] & np.uint64(0xFFFFFFFF))
    return sigs, counts


@njit(cache=True, parallel=True)
def _shingle_sets(buf, offsets, shingle_size):
    n_docs = len(offsets) - 1
    counts = np.zeros(n_docs, dtype=np.int64)
    per_doc = [np.empty(0, dtype=np.uint64) for _ in range(n_docs)]
    for d in prange(n_docs):
        start, end = offsets[d], offsets[d + 1]
        cap = (end - start + 1) // 2 + 2
        hashes = np.empty(cap, dtype=np.uint64)
        spans = np.empty(cap, dtype=np.int64)
        n_tokens = tokenize_into(buf, start, end, hashes, spans, spans)
        shingles = np.empty(max(n_tokens, 1), dtype=np.uint64)
        n = shingles_into(hashes, n_tokens, shingle_size, shingles)
        unique = np.unique(shingles[:n])
        per_doc[d] = unique
        counts[d] = len(unique)
    out_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    values = np.empty(out_offsets[-1], dtype=np.uint64)
    for d in prange(n_docs):
        values[out_offsets[d]:out_offsets[d + 1]] = per_doc[d]
    return values, out_offsets
