"""The candidates reduce of the local engine under a memory budget: sorted runs reduced by key range.

The candidates stage of a large corpus gives far more rows than memory holds:
a pair code (a << 32 | b) once per band the pair shares, and once per useful
anchor partition it shares anchors in. `count_codes` wants every row of a pair
together. So the rows are written as sorted runs, each a file of pair codes in
ascending order (with the anchors shared, for anchor runs), and the reduce
takes the runs' rows a range of codes at a time, with no more than
`Budget.reduce_rows` rows in memory:

- a run is written once its producer holds it whole (a group of bands'
  codes, a range of anchor values' pairs), sorted, as raw uint64 codes plus
  the positions in it of the `bin_edges` (bin k: codes from edge k to edge
  k + 1, evenly cut pair numbers a * n_docs + b). The positions cost one
  `searchsorted` while the run is in memory, and let the reduce read any
  range of bins of any run without a search or a whole read;
- `plan_ranges` cuts the bins into consecutive ranges of at most `max_rows`
  rows over every run (a bin over it alone is a range of its own);
- `reduce_runs` reads each range's slices of every run (`np.fromfile` with an
  offset: no memory map, so the pages read are not resident afterwards),
  counts them with `count_codes` and hands the pairs on in code order.

Anchor rows are bounded the same way before they are paired: a partition of
anchor values larger than `Budget.anchor_rows` is cut into ranges of values
(`value_ranges`, from a histogram of the next 12 bits of the hash;
`AnchorSpill` writes each shard's rows once by range) paired one at a time.
Winnowed anchors are minima, so their values crowd the low partitions (at 1M
news documents partition 0 of 16 held 29M rows, partition 15 none): the cut
follows the rows, not the hash space. All rows of one anchor value are in one
range and all rows of one pair code are in one code range, so the pairs are
those of the memory engine's `candidates`, whatever the budget.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# Bins of pair codes: runs record where each bin starts (8 bytes a bin), ranges are unions of bins.
MAX_BINS = 1 << 16


def bin_edges(n_docs: int) -> np.ndarray:
    """The pair codes at which the bins start, and one past the last pair (`bins + 1` ascending codes).

    Pair (a, b) of documents 0..n_docs-1 is number a * n_docs + b in code order; the bins cut those numbers
    evenly: ten million documents give bins of ~150 first documents, a small corpus a bin per pair or so,
    so a range of bins can always be as small as one pair's rows (one a band, one an anchor run).
    """
    n = max(1, n_docs)
    bins = max(1, min(MAX_BINS, n * n))
    number = np.floor(np.linspace(0.0, float(n) * n, bins + 1)).astype(np.uint64)
    number[-1] = np.uint64(n) * np.uint64(n)
    first, second = number // np.uint64(n), number % np.uint64(n)
    return (first << np.uint64(32)) | second


def _save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        array.tofile(handle)
    os.replace(tmp, path)


@dataclass(frozen=True)
class Run:
    """One sorted run: `<stem>.codes` (uint64), `<stem>.shared` (int32, anchor runs), `<stem>.cuts` (bin positions)."""

    stem: Path
    weighted: bool

    @property
    def done(self) -> Path:
        return self.stem.with_name(self.stem.name + ".done")

    def exists(self) -> bool:
        return self.done.exists()

    def write(self, codes: np.ndarray, n_docs: int, shared: np.ndarray | None = None) -> None:
        """Write sorted `codes` (and their anchors `shared`), then the done marker (rows, for the plan)."""
        codes = np.ascontiguousarray(codes, dtype=np.uint64)
        if len(codes) > 1 and not bool(np.all(codes[1:] >= codes[:-1])):
            order = np.argsort(codes, kind="stable")
            codes = codes[order]
            shared = None if shared is None else shared[order]
        if self.weighted != (shared is not None):
            raise ValueError(f"{self.stem}: anchor runs carry the anchors shared, band runs do not")
        _save(self.stem.with_name(self.stem.name + ".codes"), codes)
        if shared is not None:
            _save(self.stem.with_name(self.stem.name + ".shared"), np.ascontiguousarray(shared, dtype=np.int32))
        cuts = np.searchsorted(codes, bin_edges(n_docs)).astype(np.int64)
        _save(self.stem.with_name(self.stem.name + ".cuts"), cuts)
        tmp = self.done.with_name(self.done.name + ".tmp")
        tmp.write_text(json.dumps({"rows": len(codes)}))
        os.replace(tmp, self.done)

    def cuts(self) -> np.ndarray:
        return np.fromfile(self.stem.with_name(self.stem.name + ".cuts"), dtype=np.int64)

    def read(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None]:
        """Rows lo..hi-1: (codes, anchors shared or None)."""
        codes = np.fromfile(self.stem.with_name(self.stem.name + ".codes"), dtype=np.uint64, count=hi - lo,
                            offset=8 * lo)
        shared = None
        if self.weighted:
            shared = np.fromfile(self.stem.with_name(self.stem.name + ".shared"), dtype=np.int32, count=hi - lo,
                                 offset=4 * lo)
        return codes, shared

    def remove(self) -> None:
        self.done.unlink(missing_ok=True)
        for suffix in (".codes", ".shared", ".cuts"):
            self.stem.with_name(self.stem.name + suffix).unlink(missing_ok=True)


def plan_ranges(cuts: list[np.ndarray], max_rows: int) -> list[tuple[int, int]]:
    """Consecutive ranges of bins (first bin, bin past the last) holding at most `max_rows` rows of all runs
    together; a bin holding more alone is a range of its own."""
    if not cuts:
        return []
    per_bin = np.zeros(len(cuts[0]) - 1, dtype=np.int64)
    for c in cuts:
        per_bin += np.diff(c)
    return greedy_ranges(per_bin, max_rows)


def greedy_ranges(per_bin: np.ndarray, max_rows: int) -> list[tuple[int, int]]:
    """Consecutive bins grouped from the first: a range closes before the bin that would take it past `max_rows`."""
    ranges, start, held = [], 0, 0
    for k, rows in enumerate(per_bin.tolist()):
        if held and held + rows > max_rows:
            ranges.append((start, k))
            start, held = k, 0
        held += rows
    if len(per_bin):
        ranges.append((start, len(per_bin)))
    return ranges


@dataclass
class ReduceStats:
    """What a budget-bounded reduce held: the budget's rows, the most rows in memory at once, ranges read."""

    max_rows: int
    held: int = 0
    ranges: int = 0
    rows: int = 0
    per_range: list = field(default_factory=list)

    def saw(self, rows: int) -> None:
        self.held = max(self.held, rows)
        self.ranges += 1
        self.rows += rows
        self.per_range.append(rows)

    def merge(self, other: "ReduceStats") -> None:
        """Add what another reduce under the same bound held (a partition paired in a worker)."""
        self.held = max(self.held, other.held)
        self.ranges += other.ranges
        self.rows += other.rows
        self.per_range += other.per_range


def reduce_runs(band_runs: list[Run], anchor_runs: list[Run], max_rows: int, count, stats: ReduceStats):
    """(codes, bands_shared) of each range of codes in turn, ascending, from every run's rows of the range.

    `count(codes, anchored, anchored_shared)` is the reduce of one range (`count_codes` with the settings'
    rules); a range holds at most `max_rows` rows of the runs unless one bin alone holds more.
    """
    runs = [*band_runs, *anchor_runs]
    cuts = [run.cuts() for run in runs]
    for lo, hi in plan_ranges(cuts, max_rows):
        banded, anchored, shared = [], [], []
        for run, c in zip(runs, cuts):
            if c[hi] == c[lo]:
                continue
            codes, weights = run.read(int(c[lo]), int(c[hi]))
            if run.weighted:
                anchored.append(codes)
                shared.append(weights)
            else:
                banded.append(codes)
        rows = sum(len(x) for x in banded) + sum(len(x) for x in anchored)
        if not rows:
            continue
        stats.saw(rows)
        codes = np.concatenate(banded) if banded else np.empty(0, dtype=np.uint64)
        yield count(codes, np.concatenate(anchored) if anchored else None,
                    np.concatenate(shared).astype(np.int64) if shared else None)
        del banded, anchored, shared, codes


VALUE_BITS = 12  # bins of anchor values below the partition's bits: 4,096 (32 KB of positions a shard)


def sub_bins(values: np.ndarray, partition_bits: int) -> np.ndarray:
    """The `VALUE_BITS` bits of each value after its top `partition_bits` (its bin within the partition)."""
    shift = np.uint64(64 - partition_bits - VALUE_BITS)
    return ((values >> shift) & np.uint64((1 << VALUE_BITS) - 1)).astype(np.uint16)


def value_ranges(value_columns, partition_bits: int, max_rows: int) -> list[tuple[int, int, int]]:
    """Ranges [lo, hi) of value bins (`sub_bins`) with their rows, at most `max_rows` each (a bin over it
    alone), from a histogram of `value_columns` (one partition's values, one shard at a time)."""
    per_bin = np.zeros(1 << VALUE_BITS, dtype=np.int64)
    for values in value_columns:
        per_bin += np.bincount(sub_bins(values, partition_bits), minlength=1 << VALUE_BITS)
    return [(lo, hi, int(per_bin[lo:hi].sum())) for lo, hi in greedy_ranges(per_bin, max_rows)]


class AnchorSpill:
    """One anchor partition too large to pair at once, written once by range of values (`value_ranges`).

    Each shard's rows are written grouped by range (a stable sort: documents stay ascending within a
    range), with the positions of the ranges; a range is then read back from every shard's slice
    (`rows`), documents ascending across shards as `anchor_pairs` takes them fastest. The partition's
    shards are read twice (values for the histogram, then rows), not once a range.
    """

    def __init__(self, folder: Path, partition_bits: int, ranges: list[tuple[int, int, int]]):
        self.folder, self.partition_bits, self.ranges = folder, partition_bits, ranges
        self.starts = np.array([lo for lo, _, _ in ranges], dtype=np.int64)
        self.cuts: list[np.ndarray] = []
        folder.mkdir(parents=True, exist_ok=True)

    def add(self, values: np.ndarray, docs: np.ndarray) -> None:
        """The rows of the next shard (its documents after those of the shards added before)."""
        which = (np.searchsorted(self.starts, sub_bins(values, self.partition_bits), side="right") - 1)
        which = which.astype(np.uint16)
        order = np.argsort(which, kind="stable")  # radix sort of 16-bit keys
        k = len(self.cuts)
        _save(self.folder / f"{k:06d}.values", np.ascontiguousarray(values[order], dtype=np.uint64))
        _save(self.folder / f"{k:06d}.docs", np.ascontiguousarray(docs[order], dtype=np.int64))
        self.cuts.append(np.searchsorted(which[order], np.arange(len(self.ranges) + 1)).astype(np.int64))

    def rows(self, r: int) -> tuple[np.ndarray, np.ndarray]:
        """(values, docs) of range r of every shard, documents ascending."""
        n = self.ranges[r][2]
        values, docs, at = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.int64), 0
        for k, c in enumerate(self.cuts):
            start, count = int(c[r]), int(c[r + 1] - c[r])
            if count:
                values[at:at + count] = np.fromfile(self.folder / f"{k:06d}.values", dtype=np.uint64,
                                                    count=count, offset=8 * start)
                docs[at:at + count] = np.fromfile(self.folder / f"{k:06d}.docs", dtype=np.int64,
                                                  count=count, offset=8 * start)
                at += count
        return values[:at], docs[:at]

    def remove(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)
