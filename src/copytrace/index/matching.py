"""Finding candidates in the index: band keys and anchors -> indexed documents.

Lookups search the index's sorted segments (`segments.py`) with a vectorised
binary search: one document's 128 band keys, or a whole batch's keys sorted
once, never a SQL statement. What counts as a candidate is the scan's rule
(`stages.candidates`), applied across the index:

- a band key shared by more than `max_bucket` documents (a template, a wire
  story carried everywhere) counts only its `max_bucket` oldest documents,
  so one popular key cannot flood verification; the oldest include the
  original (the scan links such a bucket as a star to its first document);
- an anchor links documents only while it is in 2..`anchors.max_df`
  documents, counting the indexed ones and the batch being added, and a
  pair needs `anchors.min_shared` such anchors.

Verification is the scan's own unit (`stages.verify.verify_pairs`).
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np

from copytrace.settings import ScanSettings


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


def lookup_one(segments, keys: np.ndarray, settings: ScanSettings, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, bands shared) of indexed documents sharing a band with one document."""
    pos, doc = segments.lookup(np.unique(keys), settings.max_bucket)
    if exclude is not None:
        doc = doc[doc != exclude]
    if len(doc) == 0:
        return doc, doc
    docs, shared = np.unique(doc, return_counts=True)
    return docs, shared


def lookup_batch(segments, keys: np.ndarray, settings: ScanSettings,
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


def lookup_anchors(parts, values: np.ndarray, rows: np.ndarray, settings: ScanSettings):
    """The anchors of a batch against the index, by the scan's document-frequency rule.

    `values[k]` is an anchor of batch row `rows[k]`, each (value, row) once.
    Returns (useful, row, doc): `useful[k]` says the anchor is in 2..max_df
    documents of the index and the batch together (removed documents not
    counted), and each (row[j], doc[j]) is one useful anchor shared by a
    batch row and an indexed document (a pair appears once per anchor).
    """
    empty = np.empty(0, dtype=np.int64)
    if len(values) == 0:
        return np.zeros(0, dtype=bool), empty, empty
    max_df = settings.anchors.max_df
    unique, inverse = np.unique(values, return_inverse=True)
    in_batch = np.bincount(inverse, minlength=len(unique))
    cap = max_df + 1  # an anchor in more indexed documents than that is useless whatever the batch holds
    pos, doc = parts.anchors.lookup(unique, cap)
    full = np.bincount(pos, minlength=len(unique)) >= cap  # with removed rows among them: dropped too
    alive = parts.alive(doc)
    pos, doc = pos[alive], doc[alive]
    df = in_batch + np.bincount(pos, minlength=len(unique))
    useful_value = (df >= 2) & (df <= max_df) & ~full
    keep = useful_value[pos]
    pos, doc = pos[keep], doc[keep]
    order = np.argsort(pos, kind="stable")
    pos, doc = pos[order], doc[order]
    useful = useful_value[inverse]
    at = inverse[useful]
    start, stop = np.searchsorted(pos, at, "left"), np.searchsorted(pos, at, "right")
    reps = stop - start
    if reps.sum() == 0:
        return useful, empty, empty
    taken = np.repeat(start - np.cumsum(np.r_[0, reps[:-1]]), reps) + np.arange(int(reps.sum()))
    return useful, np.repeat(np.asarray(rows, np.int64)[useful], reps), doc[taken]
