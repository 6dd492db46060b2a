"""Finding and verifying matches in the index: band keys -> candidate documents -> exact overlap.

Lookups search the index's sorted band-key segments (`segments.py`) with a
vectorised binary search: one document's 128 keys, or a whole batch's keys
sorted once, never a SQL statement.
A band key shared by more than `max_bucket` documents (a template, a wire
story carried everywhere) counts only its `max_bucket` oldest documents, so
one popular key cannot flood verification; the oldest include the original.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np

from copytrace.stages.candidates.bands import band_keys
from copytrace.stages.verify import overlap_figures
from copytrace.index.store import IndexSettings

def fingerprint_keys(texts: list[str], settings: IndexSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Band keys [n, bands], shingle counts [n] and signatures [n, num_perm] of `texts`."""
    signatures, counts = settings.hasher.signatures(texts)
    if len(texts) == 0:
        return np.empty((0, settings.bands), dtype=np.uint64), counts, signatures
    return band_keys(signatures, settings.bands, settings.rows), counts, signatures


@contextmanager
def one_thread():
    """Run numba kernels on the calling thread only: for one document, starting the parallel
    workers costs far more than the work (and on a busy machine, much more)."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)  # thread-local in numba: other request threads keep theirs
    try:
        yield
    finally:
        numba.set_num_threads(before)


def lookup_one(segments, keys: np.ndarray, settings: IndexSettings, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, bands shared) of indexed documents sharing a band with one document."""
    pos, doc = segments.lookup(np.unique(keys), settings.max_bucket)
    if exclude is not None:
        doc = doc[doc != exclude]
    if len(doc) == 0:
        return doc, doc
    docs, shared = np.unique(doc, return_counts=True)
    return docs, shared


def lookup_batch(segments, keys: np.ndarray, settings: IndexSettings,
                 order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row in batch, doc number, bands shared) of indexed documents sharing a band with batch rows.

    `order` is an argsort of the flattened keys, if the caller has one."""
    empty = np.empty(0, dtype=np.int64)
    if len(keys) == 0:
        return empty, empty, empty
    flat = keys.reshape(-1)
    order = np.argsort(flat) if order is None else order
    ordered = flat[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    group = np.diff(np.r_[starts, len(ordered)])
    pos, doc = segments.lookup(ordered[starts], settings.max_bucket)
    if len(pos) == 0:
        return empty, empty, empty
    # A key may occur in several batch rows: each match stands for every row holding the key.
    reps = group[pos]
    match = np.repeat(np.arange(len(pos)), reps)
    within = np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    row = order[starts[pos[match]] + within] // keys.shape[1]
    combined, shared = np.unique((row.astype(np.int64) << 32) | doc[match], return_counts=True)
    return combined >> 32, combined & 0xFFFFFFFF, shared.astype(np.int64)


def verify_pairs(texts: list[str], a: np.ndarray, b: np.ndarray, settings: IndexSettings) -> tuple[dict, np.ndarray]:
    """Exact overlap figures of pairs (texts[a[k]], texts[b[k]]) and which of them the keep rule keeps."""
    if len(a) == 0:
        empty = np.empty(0)
        return {"shared_shingles": empty.astype(np.int64), "jaccard": empty, "containment_a_in_b": empty,
                "containment_b_in_a": empty}, empty.astype(bool)
    values, offsets = settings.hasher.shingle_sets(texts)
    figures = overlap_figures(values, offsets, np.asarray(a, np.int64), np.asarray(b, np.int64))
    containment_max = np.maximum(figures["containment_a_in_b"], figures["containment_b_in_a"])
    return figures, settings.keep.keep(figures["shared_shingles"], containment_max)
