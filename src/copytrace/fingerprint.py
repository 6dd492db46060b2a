"""Fingerprint stage: word shingles and MinHash signatures, compiled and parallel.

Each batch of texts becomes one contiguous UTF-8 buffer (an Arrow string
array's own buffer, or Python strings encoded) handed to one numba kernel
that tokenizes, shingles and min-hashes the documents on all cores, with
working arrays allocated per unit of 64 documents, not per document. The
few documents holding a character whose NFKC form changes a word are
noticed by the kernel and redone on their normalized text. Large batches
are cut into parts so that preparing part k + 1 (Python, one core) overlaps
sketching part k (the kernel releases the GIL). Nothing is random at run
time: the same input gives the same signatures on every run and machine.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit, prange

from .tokens import (
    doc_shingles,
    _TRIGGERS,
    NO_TRIGGERS,
    encode_batch,
    mix64,
    needs_nfkc,
    nfkc_documents,
    shingles_into,
    tokenize_checked,
    utf8_batch,
)

SIGNATURE_SEED = 0x5EED
# Text prepared per part while the kernel sketches the previous part.
_PART_BYTES = 4_000_000


def _parts(texts, part_bytes: int) -> list[tuple[int, int]]:
    """Slices [start, stop) of `texts` holding about `part_bytes` of text each (characters for str)."""
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        sizes = pc.binary_length(texts).fill_null(0).to_numpy(zero_copy_only=False)
    else:
        sizes = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    ends = np.cumsum(sizes)
    parts, start = [], 0
    while start < len(texts):
        base = ends[start - 1] if start else 0
        stop = int(np.searchsorted(ends, base + part_bytes, side="left")) + 1
        stop = min(max(stop, start + 1), len(texts))
        parts.append((start, stop))
        start = stop
    return parts


@contextmanager
def small_parallel_chunks():
    """Parallel loops started from this thread hand out one iteration at a time.

    By default a `prange` is split into one equal share per core up front; on
    a machine shared with other work, the wall time is then that of the most
    slowed core. Handed out one by one (iterations here are units of many
    documents or bands), a slowed core simply takes fewer. Set from Python:
    setting it inside a kernel would stop numba from caching the kernel.
    """
    previous = numba.set_parallel_chunksize(1)
    try:
        yield
    finally:
        numba.set_parallel_chunksize(previous)


@functools.cache
def _threads_can_overlap() -> bool:
    """Text preparation runs beside the kernel only on a thread-safe numba threading layer (omp, tbb)."""
    needs_nfkc(np.zeros(1, dtype=np.uint8), np.array([0, 1], dtype=np.int64))  # starts the layer
    return numba.threading_layer() != "workqueue"


def _slice(texts, start: int, stop: int):
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        return texts.slice(start, stop - start)
    return texts[start:stop]


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
        """Return (signatures[n, num_perm] uint32, shingle counts[n] int64).

        `texts` is a sequence of str or an Arrow string array (its buffer is
        used without a copy: the fastest input). Preparing text (encoding
        Python strings, NFKC where it changes a word) runs on one core, so it
        is done part by part while the compiled kernel, which releases the
        GIL, sketches the previous part on all cores.
        """
        parts = _parts(texts, _PART_BYTES)
        if len(parts) <= 1 or not _threads_can_overlap():
            return self._sketch(*utf8_batch(texts))
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copytrace-minhash") as kernel:
            pending = [kernel.submit(self._sketch, *utf8_batch(_slice(texts, start, stop))) for start, stop in parts]
            results = [future.result() for future in pending]
        return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])

    def _sketch(self, buf, offsets) -> tuple[np.ndarray, np.ndarray]:
        """Signatures of a UTF-8 batch; documents that need NFKC are redone after it.

        The kernel notices the characters NFKC would change within a word as
        it decodes them and leaves those documents (a few percent of news)
        for a second pass over their normalized text.
        """
        with small_parallel_chunks():
            sigs, counts, flagged = _signatures(buf, offsets, self.shingle_size, self.num_perm, _TRIGGERS)
            redo = np.flatnonzero(flagged)
            if len(redo):
                folded, folded_offsets = nfkc_documents(buf, offsets, redo)
                sigs[redo], counts[redo], _ = _signatures(
                    folded, folded_offsets, self.shingle_size, self.num_perm, NO_TRIGGERS)
        return sigs, counts

    def shingle_sets(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """Sorted unique shingle hashes of each text, as (values, offsets) CSR."""
        buf, offsets = encode_batch(texts)
        return _shingle_sets(buf, offsets, self.shingle_size)


_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_LOW32 = np.uint64(0xFFFFFFFF)
_SEED_MASK = mix64(np.uint64(SIGNATURE_SEED))
# Documents per unit of parallel work: working arrays are allocated once per
# unit, not once per document, and units are small enough to balance cores.
_DOCS_PER_UNIT = 64


@njit(cache=True, nogil=True)
def _densify(row, num_perm, scratch):
    """Fill empty bins from non-empty ones along a fixed, document-independent probe sequence."""
    filled = 0
    for p in range(num_perm):
        if row[p] != _EMPTY:
            filled += 1
    if filled == 0 or filled == num_perm:
        return
    for p in range(num_perm):
        scratch[p] = row[p]
        if row[p] != _EMPTY:
            continue
        attempt = np.uint64(1)
        while True:
            probe = mix64(np.uint64(SIGNATURE_SEED) ^ (np.uint64(p) << np.uint64(32)) ^ attempt)
            src = probe & np.uint64(num_perm - 1)
            if row[src] != _EMPTY:
                scratch[p] = row[src]
                break
            attempt += np.uint64(1)
    row[:] = scratch


@njit(cache=True, nogil=True, parallel=True)
def _signatures(buf, offsets, shingle_size, num_perm, triggers):
    """Signatures, shingle counts and NFKC flags of the documents buf[offsets[d]:offsets[d + 1]].

    A document holding a character flagged in `triggers` is left unsketched
    and flagged.

    Shingle hashes are already well mixed 64-bit values, so each one is its
    own one-permutation hash: the top bits pick the bin, the low 32 bits
    compete for its minimum.
    """
    n_docs = len(offsets) - 1
    shift = np.uint64(64 - int(np.log2(num_perm)))
    sigs = np.empty((n_docs, num_perm), dtype=np.uint32)
    counts = np.zeros(n_docs, dtype=np.int64)
    flagged = np.zeros(n_docs, dtype=np.bool_)
    n_units = (n_docs + _DOCS_PER_UNIT - 1) // _DOCS_PER_UNIT
    for u in prange(n_units):
        first, stop = u * _DOCS_PER_UNIT, min(n_docs, (u + 1) * _DOCS_PER_UNIT)
        cap = 2
        for d in range(first, stop):
            cap = max(cap, (offsets[d + 1] - offsets[d] + 1) // 2 + 2)
        words = np.empty(cap, dtype=np.uint64)
        spans = np.empty(cap, dtype=np.int64)
        shingles = np.empty(cap, dtype=np.uint64)
        row = np.empty(num_perm, dtype=np.uint64)
        scratch = np.empty(num_perm, dtype=np.uint64)
        for d in range(first, stop):
            n_words = tokenize_checked(buf, offsets[d], offsets[d + 1], words, spans, spans, triggers)
            if n_words < 0:  # needs NFKC first: the caller redoes it
                flagged[d] = True
                continue
            n_shingles = shingles_into(words, n_words, shingle_size, shingles)
            counts[d] = n_shingles
            row[:] = _EMPTY
            for s in range(n_shingles):
                x = shingles[s] ^ _SEED_MASK
                b = x >> shift
                v = x & _LOW32
                if v < row[b]:
                    row[b] = v
            _densify(row, num_perm, scratch)
            for p in range(num_perm):
                sigs[d, p] = np.uint32(row[p])
    return sigs, counts, flagged


@njit(cache=True, parallel=True)
def _shingle_sets(buf, offsets, shingle_size):
    n_docs = len(offsets) - 1
    counts = np.zeros(n_docs, dtype=np.int64)
    per_doc = [np.empty(0, dtype=np.uint64) for _ in range(n_docs)]
    for d in prange(n_docs):
        unique = np.unique(doc_shingles(buf, offsets[d], offsets[d + 1], shingle_size))
        per_doc[d] = unique
        counts[d] = len(unique)
    out_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    values = np.empty(out_offsets[-1], dtype=np.uint64)
    for d in prange(n_docs):
        values[out_offsets[d]:out_offsets[d + 1]] = per_doc[d]
    return values, out_offsets
