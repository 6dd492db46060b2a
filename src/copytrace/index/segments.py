"""Keys of the index (LSH band keys, anchors) as sorted, memory-mapped segment files:
a lookup is a vectorised binary search.

Two kinds of key -> document rows are kept, each in its own run of files:
the LSH band keys of every document long enough to link (`NAME.seg`) and
the anchors of every document, the winnowed shingles of
`stages.candidates.anchors` (`NAME.anchors`), each once. Keys
are not kept in DuckDB (an ART index on 100 M rows is what made
adds slow, and the rows alone cost a second per 50,000 documents). They
live in segment files in a folder beside the database
(`INDEX.duckdb.parts/`): each file holds the rows of a run of batches,
sorted by (key, doc), as raw little-endian arrays: n uint64 keys, then n
uint32 doc numbers. Files are opened with `np.memmap`, so opening an index
costs nothing and the operating system keeps the hot pages in memory.

Crash safety: an add writes its batch's segment (temporary file, fsync,
rename) before its DuckDB transaction commits. A segment is valid only if
every batch it covers is below the committed `next_batch` counter; a
killed add leaves a file for a batch number that is not committed, which
readers ignore and the next writer deletes before it reuses that number.
A committed batch with no segment (a database file copied alone) is rebuilt
by fingerprinting its texts again. When there are more than `MAX_SEGMENTS`
files, the two neighbours with the fewest rows are merged (a linear merge of
two sorted runs); the merged file is written before its inputs are deleted,
and a file covered by a wider one is redundant.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

MAX_SEGMENTS = 12
# Every FENCE-th key of a segment is held in a small in-memory array: a lookup of a few keys
# searches it (cache-resident) and then one block of FENCE keys (1 KB), instead of binary
# searching 100 MB of keys with a cache and TLB miss at every step.
FENCE = 128
_ROW_BYTES = 12
BANDS, ANCHORS = "seg", "anchors"  # the file suffix of each kind of segment


@dataclass
class Segment:
    first: int  # first and last batch number covered
    last: int
    path: Path | None  # None: held in memory only
    keys: np.ndarray  # uint64, sorted
    docs: np.ndarray  # uint32, sorted within equal keys
    _fence: np.ndarray | None = None

    @property
    def rows(self) -> int:
        return len(self.keys)

    @property
    def fence(self) -> np.ndarray:
        if self._fence is None:  # built on first use; two threads building it at once get equal arrays
            self._fence = np.ascontiguousarray(self.keys[::FENCE])
        return self._fence


def memory_segment(batch: int, keys: np.ndarray, docs: np.ndarray) -> Segment:
    """A segment held in memory only (a read-only open of an index missing a segment file)."""
    keys, docs = sort_rows(np.asarray(keys, np.uint64), np.asarray(docs, np.uint32))
    return Segment(batch, batch, None, keys, docs)


def segment_name(first: int, last: int, suffix: str = BANDS) -> str:
    return f"{first:010d}-{last:010d}.{suffix}"


def _open_segment(path: Path, first: int, last: int) -> Segment | None:
    size = path.stat().st_size
    if size % _ROW_BYTES:
        return None
    n = size // _ROW_BYTES
    if n == 0:
        empty = np.empty(0, np.uint64)
        return Segment(first, last, path, empty, empty.astype(np.uint32))
    # Plain ndarray views of the maps (the compiled search takes ndarrays; the view keeps the map open).
    keys = np.asarray(np.memmap(path, dtype="<u8", mode="r", offset=0, shape=(n,)))
    docs = np.asarray(np.memmap(path, dtype="<u4", mode="r", offset=8 * n, shape=(n,)))
    return Segment(first, last, path, keys, docs)


def write_segment(directory: Path, first: int, last: int, keys: np.ndarray, docs: np.ndarray,
                  suffix: str = BANDS) -> Path:
    """Write sorted (key, doc) rows durably: temporary file, fsync, rename, fsync of the folder."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / segment_name(first, last, suffix)
    tmp = directory / (path.name + ".tmp")
    with open(tmp, "wb") as out:
        np.ascontiguousarray(keys, dtype="<u8").tofile(out)
        np.ascontiguousarray(docs, dtype="<u4").tofile(out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def sort_rows(keys: np.ndarray, docs: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by (key, doc); `order`, if given, is an argsort of `keys` (ties in any order)."""
    if order is None:
        order = np.argsort(keys)
    keys = keys[order]
    # Equal keys are rare (shared bands within a batch): order only those runs by doc, not the whole array.
    same = keys[1:] == keys[:-1]
    tie = np.r_[False, same] | np.r_[same, False]
    at = np.flatnonzero(tie)
    if len(at):
        run = np.cumsum(np.r_[True, ~same])[at]  # one number per run of equal keys
        order = order.copy()
        order[at] = order[at][np.lexsort((docs[order[at]], run))]
    return keys, docs[order]


@njit(cache=True, nogil=True)
def _lower_bound(keys, x, lo, hi):
    """First row in [lo, hi) whose key is not below x."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def _take_run(keys, x, lo, taken, i, cap):
    """Rows of key x from `lo`, at most what needle i may still take under `cap`; counted in `taken`."""
    room, c = cap - taken[i], 0
    while lo + c < len(keys) and c < room and keys[lo + c] == x:
        c += 1
    taken[i] += c
    return c


@njit(cache=True, nogil=True)
def find_fenced(keys, fence, stride, needles, taken, cap):
    """As `find_sorted`, for a few needles: search the fence, then one block of `stride` keys."""
    n, m = len(needles), len(keys)
    first = np.empty(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    for i in range(n):
        x = needles[i]
        j = np.searchsorted(fence, x) - 1  # fence[j] < x <= fence[j + 1]
        hi = min((j + 1) * stride, m) if j + 1 < len(fence) else m
        lo = _lower_bound(keys, x, max(j, 0) * stride, hi)
        first[i] = lo
        count[i] = _take_run(keys, x, lo, taken, i, cap)
    return first, count


@njit(cache=True, nogil=True)
def find_sorted(keys, needles, taken, cap):
    """(first row, count) of each sorted needle in sorted `keys`, the count capped so that
    `taken` (updated here) never passes `cap` for a needle.

    Galloping from where the previous needle was found: a batch's millions of
    needles cost about a few steps each, not a full binary search (numpy's
    searchsorted), and one needle costs a binary search.
    """
    n, m = len(needles), len(keys)
    first = np.empty(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    pos = 0
    for i in range(n):
        x = needles[i]
        bound, step = pos, 1
        while bound < m and keys[bound] < x:  # everything before `pos` is below x
            pos = bound + 1
            bound = pos + step
            step <<= 1
        lo = _lower_bound(keys, x, pos, min(bound, m))
        pos = lo
        first[i] = lo
        count[i] = _take_run(keys, x, lo, taken, i, cap)
    return first, count


@njit(cache=True, nogil=True)
def _merge(ka, da, kb, db):
    """Linear merge of two runs sorted by (key, doc)."""
    n, m = len(ka), len(kb)
    keys = np.empty(n + m, dtype=np.uint64)
    docs = np.empty(n + m, dtype=np.uint32)
    i = j = o = 0
    while i < n and j < m:
        if ka[i] < kb[j] or (ka[i] == kb[j] and da[i] <= db[j]):
            keys[o], docs[o] = ka[i], da[i]
            i += 1
        else:
            keys[o], docs[o] = kb[j], db[j]
            j += 1
        o += 1
    while i < n:
        keys[o], docs[o] = ka[i], da[i]
        i += 1
        o += 1
    while j < m:
        keys[o], docs[o] = kb[j], db[j]
        j += 1
        o += 1
    return keys, docs


class KeySegments:
    """The valid segments of one kind (`BANDS` or `ANCHORS`) of one index, oldest batches first."""

    def __init__(self, directory: Path, suffix: str = BANDS):
        self.directory = directory
        self.suffix = suffix
        self._name = re.compile(rf"^(\d{{10}})-(\d{{10}})\.{re.escape(suffix)}$")
        self.segments: list[Segment] = []

    def load(self, committed_batches: int, writable: bool) -> list[tuple[int, int]]:
        """Open every valid segment; a writer deletes orphans and redundant files. Returns the covered ranges."""
        found = []
        if self.directory.is_dir():
            for path in self.directory.iterdir():
                match = self._name.match(path.name)
                if match is None:
                    if writable and path.name.endswith(f".{self.suffix}.tmp"):
                        path.unlink(missing_ok=True)
                    continue
                found.append((int(match[1]), int(match[2]), path))
        found.sort(key=lambda f: (f[0], -f[1]))
        chosen, end = [], -1
        for first, last, path in found:
            if last >= committed_batches or first <= end:  # not committed, or covered by a wider file
                if writable:
                    path.unlink(missing_ok=True)
                continue
            segment = _open_segment(path, first, last)
            if segment is None:
                if writable:
                    path.unlink(missing_ok=True)
                continue
            chosen.append(segment)
            end = last
        self.segments = chosen
        return [(s.first, s.last) for s in chosen]

    def add(self, batch: int, keys: np.ndarray, docs: np.ndarray, order: np.ndarray | None = None) -> Segment:
        """Write one batch's rows (any order; `order` an argsort of keys if known) as a segment;
        it counts once `commit` is called."""
        keys, docs = sort_rows(np.asarray(keys, np.uint64), np.asarray(docs, np.uint32), order)
        path = write_segment(self.directory, batch, batch, keys, docs, self.suffix)
        return _open_segment(path, batch, batch)

    def commit(self, segment: Segment) -> None:
        # Readers iterate a snapshot of the list: replace it, never change it in place.
        self.segments = sorted(self.segments + [segment], key=lambda s: s.first)

    def discard(self, segment: Segment) -> None:
        segment.path.unlink(missing_ok=True)

    def compact(self, max_segments: int = MAX_SEGMENTS) -> None:
        """Merge neighbouring segments, fewest rows first, until at most `max_segments` remain."""
        while len(self.segments) > max_segments:
            segments = list(self.segments)
            sizes = [a.rows + b.rows for a, b in zip(segments, segments[1:])]
            k = int(np.argmin(sizes))
            a, b = segments[k], segments[k + 1]
            keys, docs = _merge(a.keys, a.docs, b.keys, b.docs)
            path = write_segment(self.directory, a.first, b.last, keys, docs, self.suffix)
            segments[k:k + 2] = [_open_segment(path, a.first, b.last)]
            self.segments = segments
            for old in (a, b):
                if old.path is not None:
                    old.path.unlink(missing_ok=True)

    def rows(self) -> int:
        return sum(s.rows for s in self.segments)

    def prefault(self) -> None:
        """Build every segment's fence now (it reads every page of the keys once), so that the
        first queries of a long-lived process (a server) do not pay for it."""
        for segment in self.segments:
            segment.fence

    def lookup(self, keys: np.ndarray, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """For the unique sorted `keys`, (key position, doc) of indexed rows, at most `cap` oldest
        documents per key (segments are in batch order, so older documents come first): `max_bucket`
        for band keys, one more than the anchors' `max_df` for anchors."""
        taken = np.zeros(len(keys), dtype=np.int64)
        pos_parts, doc_parts = [], []
        for segment in self.segments:  # one read of the attribute: a snapshot
            if segment.rows == 0:
                continue
            if len(keys) * FENCE < segment.rows:  # a few keys (a query): fence, then one block each
                lo, count = find_fenced(segment.keys, segment.fence, FENCE, keys, taken, cap)
            else:  # a batch's keys: gallop from one key to the next
                lo, count = find_sorted(segment.keys, keys, taken, cap)
            hit = np.flatnonzero(count)
            if len(hit) == 0:
                continue
            reps = count[hit]
            starts = np.repeat(lo[hit] - np.cumsum(np.r_[0, reps[:-1]]), reps)
            rows = starts + np.arange(int(reps.sum()))
            pos_parts.append(np.repeat(hit, reps))
            doc_parts.append(np.asarray(segment.docs[rows], dtype=np.int64))
        if not pos_parts:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        return np.concatenate(pos_parts), np.concatenate(doc_parts)
