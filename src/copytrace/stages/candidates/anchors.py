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

The scan winnows in the fingerprint kernel (`MinHasher.sketch`): one
tokenizing pass gives both the signature and the anchors of a document.
Pairing never sorts all anchors: they are cut by the top bits of their hash
into cache-sized partitions, and in each a small hash table counts the
documents of every anchor; only the few anchors in 2 to `max_df` documents
(a seventh of them on a sentence-shuffled news corpus) emit pairs.

Every pair kept is then verified exactly like an LSH candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from copytrace.settings import AnchorSettings
from copytrace.stages.candidates.bands import concat_codes
from copytrace.parallel import small_parallel_chunks
from copytrace.text.tokens import doc_shingles, encode_batch




@dataclass(frozen=True)
class Anchors:
    """The winnowed anchors of documents 0..n-1: anchors of document d are values[offsets[d]:offsets[d + 1]].

    In text order; a document repeating a passage repeats its anchors:
    pairing counts each document once per anchor.
    """

    values: np.ndarray  # uint64
    offsets: np.ndarray  # int64, n + 1

    @classmethod
    def concat(cls, parts: list["Anchors"]) -> "Anchors":
        """The anchors of consecutive batches of documents, as one."""
        if len(parts) == 1:
            return parts[0]
        offsets, base = [np.zeros(1, dtype=np.int64)], 0
        for part in parts:
            offsets.append(part.offsets[1:] - part.offsets[0] + base)
            base += int(part.offsets[-1] - part.offsets[0])
        values = [part.values[part.offsets[0]:part.offsets[-1]] for part in parts]
        return cls(np.concatenate(values) if values else np.empty(0, np.uint64), np.concatenate(offsets))


@njit(cache=True, nogil=True, inline="always")
def _min(a, b):
    return a if a < b else b


@njit(cache=True, nogil=True)
def winnow_into(shingles, n, window, out, m, prefix, suffix):
    """Append the winnowed anchors of shingles[:n] to out[m:]; return the new end.

    The minimum of every window of `window` shingles is an anchor, written
    again only when it differs from the previous window's: the set of a
    document's anchors is the paper's (which keeps the rightmost minimum),
    repeats aside. Window minima come from running minima within blocks of
    `window` shingles, forward (`prefix`) and backward (`suffix`; both with
    room for n): three compares a shingle and no unpredictable branch,
    instead of `window` compares. `out` needs room for n + 1 values from m.
    """
    if n == 0:
        return m
    if n <= window:
        best = shingles[0]
        for k in range(1, n):
            best = _min(best, shingles[k])
        out[m] = best
        return m + 1
    for first in range(0, n, window):
        stop = min(n, first + window)
        low = shingles[first]
        prefix[first] = low
        for i in range(first + 1, stop):
            low = _min(low, shingles[i])
            prefix[i] = low
        low = shingles[stop - 1]
        suffix[stop - 1] = low
        for i in range(stop - 2, first - 1, -1):
            low = _min(low, shingles[i])
            suffix[i] = low
    previous = _min(suffix[0], prefix[window - 1])
    out[m] = previous
    m += 1
    for start in range(1, n - window + 1):
        # [start, start + window) spans the end of one block and the start of the next.
        low = _min(suffix[start], prefix[start + window - 1])
        out[m] = low
        m += low != previous
        previous = low
    return m


@njit(cache=True, parallel=True)
def _anchor_sets(buf, offsets, shingle_size, window):
    n_docs = len(offsets) - 1
    per_doc = [np.empty(0, dtype=np.uint64) for _ in range(n_docs)]
    counts = np.zeros(n_docs, dtype=np.int64)
    for d in prange(n_docs):
        shingles = doc_shingles(buf, offsets[d], offsets[d + 1], shingle_size)
        n = len(shingles)
        picked = np.empty(n + 1, dtype=np.uint64)
        m = winnow_into(shingles, n, window, picked, 0, np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint64))
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
    """(anchor hash, document number) for the unique anchors of every text.

    For engines that keep anchors apart from signatures; the scan gets the
    same anchors from `MinHasher.sketch` without a second tokenizing pass.
    """
    buf, offsets = encode_batch(texts)
    return _anchor_sets(buf, offsets, shingle_size, window)


# Anchors are scattered by hash to at most 2**8 partitions (more, and the
# scatter writes to more pages at once than the TLB holds: several times
# slower); a partition is cut again, in cache, into pieces of about
# _PIECE_ANCHORS whose hash table (about 20 bytes a slot, two slots an
# anchor) stays in a core's cache.
_MAX_PART_BITS = 8
_PIECE_ANCHORS = 2048
# Blocks of anchors partitioned at once; a fixed number, so the order in
# which anchors reach their partition never depends on the thread count.
_BLOCKS = 16


@njit(cache=True, nogil=True)
def _document_frequencies(values, docs):
    """Open-addressing table of the anchors of a piece: (document frequency, last document, slot of each anchor).

    `docs` is non-decreasing, so an anchor's documents arrive in order and a
    document repeating an anchor is seen as such (its slot is -1).
    """
    n = len(values)
    size = 16
    while size < 2 * n:
        size *= 2
    mask = np.uint64(size - 1)
    keys = np.empty(size, dtype=np.uint64)
    df = np.zeros(size, dtype=np.int32)
    last = np.empty(size, dtype=np.int64)
    slot_of = np.empty(n, dtype=np.int32)
    for i in range(n):
        slot = values[i] & mask  # hashes: their low bits are as good as any
        while df[slot] and keys[slot] != values[i]:
            slot = (slot + np.uint64(1)) & mask
        if df[slot] == 0:
            keys[slot] = values[i]
            df[slot] = 1
        elif last[slot] == docs[i]:
            slot_of[i] = -1  # the same document again
            continue
        else:
            df[slot] += 1
        last[slot] = docs[i]
        slot_of[i] = slot
    return df, last, slot_of


@njit(cache=True, nogil=True)
def _piece_pair_codes(values, docs, max_df):
    """Pair codes (a << 32 | b, a < b) of the anchors of one piece in 2..max_df documents (`docs` non-decreasing)."""
    df, group, slot_of = _document_frequencies(values, docs)
    # Each useful anchor becomes a group; its documents, in order, go to their own run of `members`.
    n_groups, n_members, n_pairs = 0, 0, 0
    for slot in range(len(df)):
        if 2 <= df[slot] <= max_df:
            group[slot] = n_groups
            n_groups += 1
            n_members += df[slot]
            n_pairs += df[slot] * (df[slot] - 1) // 2
        else:
            group[slot] = -1
    if n_pairs == 0:
        return np.empty(0, dtype=np.uint64)
    group_start = np.empty(n_groups + 1, dtype=np.int64)
    g, at = 0, 0
    for slot in range(len(df)):
        if group[slot] >= 0:
            group_start[g] = at
            at += df[slot]
            g += 1
    group_start[n_groups] = at
    members = np.empty(n_members, dtype=np.int64)
    filled = group_start[:n_groups].copy()
    for i in range(len(values)):
        if slot_of[i] >= 0 and group[slot_of[i]] >= 0:
            g = group[slot_of[i]]
            members[filled[g]] = docs[i]
            filled[g] += 1
    codes = np.empty(n_pairs, dtype=np.uint64)
    k = 0
    for g in range(n_groups):
        stop = group_start[g + 1]
        for x in range(group_start[g], stop):
            high = np.uint64(members[x]) << np.uint64(32)
            for y in range(x + 1, stop):
                codes[k] = high | np.uint64(members[y])
                k += 1
    return codes


@njit(cache=True, nogil=True)
def _partition_pair_codes(values, docs, max_df, used_bits):
    """`_piece_pair_codes` of one partition (top `used_bits` of its hashes equal), cut into pieces first.

    The cut is a stable counting sort on the next bits of the hash: the
    documents of every piece stay in order.
    """
    n = len(values)
    bits = 0
    while (n >> bits) > _PIECE_ANCHORS and used_bits + bits < 32:
        bits += 1
    if bits == 0:
        return _piece_pair_codes(values, docs, max_df)
    shift = np.uint64(64 - used_bits - bits)
    mask = np.uint64((1 << bits) - 1)
    starts = np.zeros((1 << bits) + 1, dtype=np.int64)
    for i in range(n):
        starts[((values[i] >> shift) & mask) + 1] += 1
    for q in range(1 << bits):
        starts[q + 1] += starts[q]
    at = starts[:-1].copy()
    piece_values = np.empty(n, dtype=np.uint64)
    piece_docs = np.empty(n, dtype=np.int64)
    for i in range(n):
        q = (values[i] >> shift) & mask
        piece_values[at[q]] = values[i]
        piece_docs[at[q]] = docs[i]
        at[q] += 1
    return concat_codes([_piece_pair_codes(piece_values[starts[q]:starts[q + 1]],
                                           piece_docs[starts[q]:starts[q + 1]], max_df)
                         for q in range(1 << bits)])


@njit(cache=True, nogil=True)
def _split_blocks(offsets, n_blocks):
    """First document of each of `n_blocks` runs of documents holding about as many anchors each."""
    n_docs = len(offsets) - 1
    first = np.empty(n_blocks + 1, dtype=np.int64)
    for k in range(n_blocks):
        first[k] = np.searchsorted(offsets[:n_docs], k * offsets[n_docs] // n_blocks)
    first[n_blocks] = n_docs
    return first


@njit(cache=True, nogil=True, parallel=True)
def _scatter_by_hash(values, offsets, bits):
    """Anchors and their documents cut by the top `bits` of the hash: (values, docs, partition starts).

    Blocks of documents are scattered in parallel, each into its own slice
    of every partition, in order: documents stay ascending within each.
    """
    n_parts = 1 << bits
    shift = np.uint64(64 - bits) if bits else np.uint64(0)
    mask = np.uint64(n_parts - 1)  # 0 when there is one partition (a shift by 64 is undefined)
    first = _split_blocks(offsets, _BLOCKS)
    counts = np.zeros((_BLOCKS, n_parts), dtype=np.int64)
    for k in prange(_BLOCKS):
        for i in range(offsets[first[k]], offsets[first[k + 1]]):
            counts[k, (values[i] >> shift) & mask] += 1
    starts = np.empty((_BLOCKS, n_parts), dtype=np.int64)
    part_starts = np.empty(n_parts + 1, dtype=np.int64)
    pos = 0
    for p in range(n_parts):
        part_starts[p] = pos
        for k in range(_BLOCKS):
            starts[k, p] = pos
            pos += counts[k, p]
    part_starts[n_parts] = pos
    part_values = np.empty(pos, dtype=np.uint64)
    part_docs = np.empty(pos, dtype=np.int64)
    for k in prange(_BLOCKS):
        at = starts[k].copy()
        for d in range(first[k], first[k + 1]):
            for i in range(offsets[d], offsets[d + 1]):
                p = (values[i] >> shift) & mask
                part_values[at[p]] = values[i]
                part_docs[at[p]] = d
                at[p] += 1
    return part_values, part_docs, part_starts


@njit(cache=True, nogil=True, parallel=True)
def _anchor_pair_codes(values, offsets, max_df, bits):
    """Pair codes (a << 32 | b, a < b) of every useful anchor, once per anchor a pair shares.

    Documents are 0..len(offsets) - 2; the anchors of d are values[offsets[d]:offsets[d + 1]].
    Anchors are paired in 2**bits partitions by hash.
    """
    part_values, part_docs, part_starts = _scatter_by_hash(values, offsets, bits)
    n_parts = 1 << bits
    per_part = [np.empty(0, dtype=np.uint64) for _ in range(n_parts)]
    for p in prange(n_parts):
        lo, hi = part_starts[p], part_starts[p + 1]
        per_part[p] = _partition_pair_codes(part_values[lo:hi], part_docs[lo:hi], max_df, bits)
    return concat_codes(per_part)


def _shared_pairs(values: np.ndarray, offsets: np.ndarray, settings: AnchorSettings):
    """(a, b, anchors shared) of pairs of documents 0..len(offsets) - 2 sharing >= min_shared useful anchors."""
    bits = 0
    while (len(values) >> bits) > _PIECE_ANCHORS and bits < _MAX_PART_BITS:
        bits += 1
    with small_parallel_chunks():
        codes = _anchor_pair_codes(values, offsets, settings.max_df, bits)
    # NumPy's sort of 64-bit keys (radix) is several times numba's here.
    codes, shared = np.unique(codes, return_counts=True)
    keep = shared >= settings.min_shared
    codes = codes[keep]
    a = (codes >> np.uint64(32)).astype(np.int64)
    b = (codes & np.uint64(0xFFFFFFFF)).astype(np.int64)
    return a, b, shared[keep].astype(np.int64)


def anchor_pairs(values: np.ndarray, docs: np.ndarray, settings: AnchorSettings):
    """(a, b, anchors_shared) for pairs sharing at least `min_shared` useful anchors; a < b, sorted.

    `values[k]` is an anchor of document `docs[k]`, in any order; repeats of
    an (anchor, document) count once.
    """
    values = np.ascontiguousarray(values, dtype=np.uint64)
    docs = np.ascontiguousarray(docs, dtype=np.int64)
    if len(docs) > 1 and not bool(np.all(docs[1:] >= docs[:-1])):
        order = np.argsort(docs, kind="stable")
        values, docs = values[order], docs[order]
    # Documents in order (as the local engine reads them, shard after shard): each one's run of rows.
    starts = np.flatnonzero(np.diff(docs)) + 1 if len(docs) else np.empty(0, dtype=np.int64)
    numbers = docs[np.concatenate([[0], starts])] if len(docs) else docs
    offsets = np.concatenate([[0], starts, [len(docs)]]).astype(np.int64) if len(docs) else np.zeros(1, np.int64)
    a, b, shared = _shared_pairs(values, offsets, settings)
    return numbers[a], numbers[b], shared


def document_anchor_pairs(anchors: Anchors, settings: AnchorSettings):
    """`anchor_pairs` of the anchors of documents 0..n-1, as `MinHasher.sketch` gives them."""
    return _shared_pairs(anchors.values, anchors.offsets, settings)
