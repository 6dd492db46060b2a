"""Fingerprint stage: word shingles and MinHash signatures, compiled and parallel.

Each batch of texts becomes one contiguous UTF-8 buffer (an Arrow string
array's own buffer, or Python strings encoded) handed to one numba kernel
that tokenizes, shingles and min-hashes the documents on all cores, with
working arrays allocated per unit of 64 documents, not per document. The
characters whose NFKC form changes a word are folded in as they are read
where that is exact (`folding.py`); the few documents where it is not are
noticed by the kernel and redone on their normalized text. The same pass
can winnow the shingles into anchors (`anchors.py`), so the scan tokenizes
every document once for both kinds of candidates. Large batches
are cut into parts so that preparing part k + 1 (Python, one core) overlaps
sketching part k (the kernel releases the GIL). Nothing is random at run
time: the same input gives the same signatures on every run and machine.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit, prange

from copytrace.stages.candidates.anchors import Anchors, winnow_into
from copytrace.text.folding import NO_FOLDING, folding_table, tokenize_folding
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.text.batches import text_batches
from copytrace.text.hash_sort import sorted_unique
from copytrace.parallel import small_parallel_chunks
from copytrace.text.tokens import (
    doc_shingles,
    encode_batch,
    mix64,
    needs_nfkc,
    nfkc_documents,
    shingles_into,
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
class Sketches:
    """What one pass over a batch of documents gives: signatures, shingle counts, anchors if asked for."""

    signatures: np.ndarray  # uint32 [n, num_perm]
    shingle_counts: np.ndarray  # int64 [n]
    anchors: Anchors | None = None

    @classmethod
    def concat(cls, parts: list["Sketches"]) -> "Sketches":
        """The sketches of consecutive batches of documents, as one."""
        if len(parts) == 1:
            return parts[0]
        anchors = None if parts[0].anchors is None else Anchors.concat([p.anchors for p in parts])
        return cls(np.concatenate([p.signatures for p in parts]),
                   np.concatenate([p.shingle_counts for p in parts]), anchors)


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
        used without a copy: the fastest input).
        """
        sketches = self.sketch(texts)
        return sketches.signatures, sketches.shingle_counts

    def sketch(self, texts, anchor_window: int = 0) -> "Sketches":
        """Signatures and shingle counts, and with `anchor_window` > 0 the winnowed anchors, in one pass."""
        return Sketches.concat(self.sketch_parts(texts, anchor_window))

    def sketch_parts(self, texts, anchor_window: int = 0) -> list["Sketches"]:
        """`sketch` of consecutive parts of `texts`, left apart (the caller may gather more first).

        Preparing text (encoding Python strings, NFKC where it changes a
        word) runs on one core, so it is done part by part while the
        compiled kernel, which releases the GIL, sketches the previous part
        on all cores.
        """
        parts = _parts(texts, _PART_BYTES)
        if len(parts) <= 1 or not _threads_can_overlap():
            return [self._sketch(*utf8_batch(texts), anchor_window)]
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="copytrace-minhash") as kernel:
            pending = [kernel.submit(self._sketch, *utf8_batch(_slice(texts, start, stop)), anchor_window)
                       for start, stop in parts]
            return [future.result() for future in pending]

    def _sketch(self, buf, offsets, anchor_window: int) -> "Sketches":
        """Sketches of a UTF-8 batch; documents that need NFKC are redone after it.

        The kernel notices the characters NFKC would change within a word as
        it decodes them and leaves those documents (a few percent of news)
        for a second pass over their normalized text.
        """
        with small_parallel_chunks():
            sigs, counts, flagged, values, value_offsets = _signatures(
                buf, offsets, self.shingle_size, self.num_perm, folding_table(), anchor_window)
            redo = np.flatnonzero(flagged)
            if len(redo):
                folded, folded_offsets = nfkc_documents(buf, offsets, redo)
                sigs[redo], counts[redo], _, redo_values, redo_offsets = _signatures(
                    folded, folded_offsets, self.shingle_size, self.num_perm, NO_FOLDING, anchor_window)
                if anchor_window > 0:
                    values, value_offsets = _replace_anchors(values, value_offsets, redo, redo_values, redo_offsets)
        anchors = Anchors(values, value_offsets) if anchor_window > 0 else None
        return Sketches(sigs, counts, anchors)

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
def _signatures(buf, offsets, shingle_size, num_perm, folding, window):
    """Signatures, shingle counts, NFKC flags and anchors of the documents buf[offsets[d]:offsets[d + 1]].

    A document that needs NFKC before it can be tokenized (see `folding`;
    `folding` is `folding_table()` or `NO_FOLDING`) is left unsketched and
    flagged. With `window` > 0 the shingles are also winnowed into
    anchors (`anchors.winnow_into`), returned as (values, offsets per
    document); with 0 there are none.

    Shingle hashes are already well mixed 64-bit values, so each one is its
    own one-permutation hash: the top bits pick the bin, the low 32 bits
    compete for its minimum.
    """
    n_docs = len(offsets) - 1
    shift = np.uint64(64 - int(np.log2(num_perm)))
    sigs = np.empty((n_docs, num_perm), dtype=np.uint32)
    counts = np.zeros(n_docs, dtype=np.int64)
    flagged = np.zeros(n_docs, dtype=np.bool_)
    anchor_counts = np.zeros(n_docs, dtype=np.int64)
    n_units = (n_docs + _DOCS_PER_UNIT - 1) // _DOCS_PER_UNIT
    per_unit = [np.empty(0, dtype=np.uint64) for _ in range(n_units)]
    for u in prange(n_units):
        first, stop = u * _DOCS_PER_UNIT, min(n_docs, (u + 1) * _DOCS_PER_UNIT)
        cap = 2
        for d in range(first, stop):
            cap = max(cap, (offsets[d + 1] - offsets[d] + 1) // 2 + 2)
        words = np.empty(cap, dtype=np.uint64)
        shingles = np.empty(cap, dtype=np.uint64)
        row = np.empty(num_perm, dtype=np.uint64)
        scratch = np.empty(num_perm, dtype=np.uint64)
        # About one shingle in 4.5 becomes an anchor (window 8), a shingle per 6 bytes: grown if needed.
        picked = np.empty((offsets[stop] - offsets[first]) // 16 + 16 if window > 0 else 0, dtype=np.uint64)
        prefix = np.empty(cap if window > 0 else 0, dtype=np.uint64)
        suffix = np.empty(cap if window > 0 else 0, dtype=np.uint64)
        n_picked = 0
        for d in range(first, stop):
            n_words = tokenize_folding(buf, offsets[d], offsets[d + 1], words, folding[0], folding[1], folding[2])
            if n_words < 0:  # needs NFKC first: the caller redoes it
                flagged[d] = True
                continue
            n_shingles = shingles_into(words, n_words, shingle_size, shingles)
            counts[d] = n_shingles
            _minhash(shingles, n_shingles, shift, row, scratch, sigs[d])
            if window > 0:
                if n_picked + n_shingles + 1 > len(picked):
                    grown = np.empty(max(2 * len(picked), n_picked + n_shingles + 1), dtype=np.uint64)
                    for k in range(n_picked):  # a loop: numba's parfor size check trips on the slice copy
                        grown[k] = picked[k]
                    picked = grown
                end = winnow_into(shingles, n_shingles, window, picked, n_picked, prefix, suffix)
                anchor_counts[d] = end - n_picked
                n_picked = end
        per_unit[u] = picked[:n_picked].copy()
    anchors, anchor_offsets = _join_units(per_unit, anchor_counts)
    return sigs, counts, flagged, anchors, anchor_offsets


@njit(cache=True, nogil=True)
def _minhash(shingles, n_shingles, shift, row, scratch, out):
    """One-permutation MinHash of shingles[:n_shingles] into `out` (uint32, num_perm values)."""
    row[:] = _EMPTY
    for s in range(n_shingles):
        x = shingles[s] ^ _SEED_MASK
        b = x >> shift
        v = x & _LOW32
        if v < row[b]:
            row[b] = v
    _densify(row, len(row), scratch)
    for p in range(len(row)):
        out[p] = np.uint32(row[p])


@njit(cache=True, nogil=True, parallel=True)
def _join_units(per_unit, anchor_counts):
    """The anchors of every unit of documents in one array, with offsets per document."""
    n_docs = len(anchor_counts)
    anchor_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        anchor_offsets[d + 1] = anchor_offsets[d] + anchor_counts[d]
    anchors = np.empty(anchor_offsets[n_docs], dtype=np.uint64)
    for u in prange(len(per_unit)):
        at = anchor_offsets[u * _DOCS_PER_UNIT]
        anchors[at:at + len(per_unit[u])] = per_unit[u]
    return anchors, anchor_offsets


@njit(cache=True, nogil=True)
def _replace_anchors(values, offsets, docs, new_values, new_offsets):
    """Anchors with those of documents `docs` (ascending) replaced by new_values/new_offsets (CSR of docs)."""
    n_docs = len(offsets) - 1
    counts = offsets[1:] - offsets[:-1]
    for k in range(len(docs)):
        counts[docs[k]] = new_offsets[k + 1] - new_offsets[k]
    out_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    out = np.empty(out_offsets[n_docs], dtype=np.uint64)
    k = 0
    for d in range(n_docs):
        if k < len(docs) and docs[k] == d:
            out[out_offsets[d]:out_offsets[d + 1]] = new_values[new_offsets[k]:new_offsets[k + 1]]
            k += 1
        else:
            out[out_offsets[d]:out_offsets[d + 1]] = values[offsets[d]:offsets[d + 1]]
    return out, out_offsets


@njit(cache=True, parallel=True)
def _shingle_sets(buf, offsets, shingle_size):
    n_docs = len(offsets) - 1
    counts = np.zeros(n_docs, dtype=np.int64)
    per_doc = [np.empty(0, dtype=np.uint64) for _ in range(n_docs)]
    for d in prange(n_docs):
        unique = sorted_unique(doc_shingles(buf, offsets[d], offsets[d + 1], shingle_size))
        per_doc[d] = unique
        counts[d] = len(unique)
    out_offsets = np.zeros(n_docs + 1, dtype=np.int64)
    for d in range(n_docs):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    values = np.empty(out_offsets[-1], dtype=np.uint64)
    for d in prange(n_docs):
        values[out_offsets[d]:out_offsets[d + 1]] = per_doc[d]
    return values, out_offsets


@dataclass(frozen=True)
class Fingerprints:
    """The fingerprint stage's output for a batch: shingle counts, LSH band keys, and anchors if on.

    Signatures are not kept: band keys are all the candidates stage reads.
    Anchors of document d are `anchors.values[anchors.offsets[d]:anchors.offsets[d + 1]]`.
    """

    n_shingles: np.ndarray  # int64 [n]
    # Band-major: one band's keys side by side, as the candidates stage buckets them band by band.
    by_band: np.ndarray  # uint64 [bands, n]
    anchors: Anchors | None = None

    def __len__(self) -> int:
        return len(self.n_shingles)

    @property
    def keys(self) -> np.ndarray:
        """keys[d, j]: the key of band j of document d (a view of `by_band`)."""
        return self.by_band.T

    def anchor_rows(self, first_doc: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(anchor values, document numbers) of every anchor, documents numbered from `first_doc`."""
        if self.anchors is None:
            return np.empty(0, np.uint64), np.empty(0, np.int64)
        per_doc = np.diff(self.anchors.offsets)
        docs = np.repeat(np.arange(first_doc, first_doc + len(self), dtype=np.int64), per_doc)
        return self.anchors.values[self.anchors.offsets[0]:self.anchors.offsets[-1]], docs

    def anchor_partitions(self, first_doc: int, bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`anchor_rows` grouped by the top `bits` bits of the value, each group in the rows' order:
        (values, documents, bounds), group p at rows bounds[p]:bounds[p + 1]."""
        values, docs = self.anchor_rows(first_doc)
        return _partitioned(values, docs, bits)

    @classmethod
    def concat(cls, parts: list["Fingerprints"]) -> "Fingerprints":
        if len(parts) == 1:
            return parts[0]
        anchors = None if parts[0].anchors is None else Anchors.concat([p.anchors for p in parts])
        return cls(np.concatenate([p.n_shingles for p in parts]), np.concatenate([p.by_band for p in parts], axis=1),
                   anchors)


@njit(cache=True)
def _partitioned(values, docs, bits):
    # A counting sort on the top bits: one pass where a stable argsort of 2 M rows took a third of the shard's unit.
    shift = np.uint64(64 - bits)
    bounds = np.zeros((1 << bits) + 1, np.int64)
    for v in values:
        bounds[np.int64(v >> shift) + 1] += 1
    bounds = np.cumsum(bounds)
    at = bounds[:-1].copy()
    out_values, out_docs = np.empty_like(values), np.empty_like(docs)
    for k in range(len(values)):
        p = np.int64(values[k] >> shift)
        out_values[at[p]], out_docs[at[p]] = values[k], docs[k]
        at[p] += 1
    return out_values, out_docs, bounds


def fingerprint_batch(texts, settings: ScanSettings) -> Fingerprints:
    """The fingerprint stage's unit: one tokenizing pass over a batch of texts gives signatures
    (turned into band keys here) and, with anchors on, the winnowed anchors."""
    return Fingerprints.concat([_empty(settings), *_fingerprint_parts(texts, settings)])


def _fingerprint_parts(texts, settings: ScanSettings) -> list[Fingerprints]:
    from copytrace.stages.candidates.bands import band_keys_by_band

    lsh = settings.lsh
    return [Fingerprints(s.shingle_counts, band_keys_by_band(s.signatures, lsh.bands, lsh.rows), s.anchors)
            for s in settings.hasher.sketch_parts(texts, settings.anchor_window)]


def _empty(settings: ScanSettings) -> Fingerprints:
    anchors = Anchors(np.empty(0, dtype=np.uint64), np.zeros(1, dtype=np.int64)) if settings.anchor_window else None
    return Fingerprints(np.empty(0, np.int64), np.empty((settings.lsh.bands, 0), np.uint64), anchors)


def fingerprint(texts, settings: ScanSettings, progress: Progress = Progress()) -> Fingerprints:
    """`fingerprint_batch` over a whole text column, `settings.batch_bytes` of text at a time."""
    parts = [_empty(settings)]
    with progress.task("fingerprint", total=len(texts)) as advance:
        for start, stop in text_batches(texts, settings.batch_bytes):
            parts += _fingerprint_parts(texts.slice(start, stop - start), settings)
            advance(stop - start)
    return Fingerprints.concat(parts)  # one copy of everything, at the end
