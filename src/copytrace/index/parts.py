"""The files beside an index's database that make lookups fast: band and anchor segments,
document files, families.

`INDEX.duckdb.parts/` holds the sorted band-key and anchor segments
(`segments.py`) and one Arrow file of documents per batch (`docfiles.py`);
all are written before their batch's transaction commits and are valid only
for committed batch numbers. The family of every document number is held in memory
(-1: removed or never committed) and re-read after every write; it is the
only changing field a query needs, and it tells removed documents apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
from numba import njit, prange

from copytrace.index.docfiles import DOC_FILE_COLUMNS, DocumentFiles
from copytrace.index.segments import ANCHORS, BANDS, KeySegments, memory_segment

# Column order and types of fetched documents (and of the `documents` table's readers).
DOCUMENT_FIELDS = {name: pa.field(name, kind) for name, kind in {
    "doc": pa.uint32(), "id": pa.string(), "text": pa.string(), "url": pa.string(), "source": pa.string(),
    "date": pa.string(), "title": pa.string(), "origin": pa.string(), "family": pa.int64(),
    "n_chars": pa.int64(), "n_shingles": pa.int64()}.items()}
FETCH_SCHEMA = pa.schema(list(DOCUMENT_FIELDS.values()))


def _key_rows(cur, batch: int, settings) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Band and anchor rows of one batch, from its texts, as an add makes them (`key_rows`)."""
    from copytrace.stages.fingerprint import fingerprint_batch

    table = cur.sql("select doc, text from documents where batch = ? order by doc", params=[batch]).to_arrow_table()
    docs = np.asarray(table["doc"].to_numpy(zero_copy_only=False), dtype=np.int64)
    return key_rows(fingerprint_batch(table["text"].combine_chunks(), settings), docs, settings)


def key_rows(fingerprints, docs: np.ndarray, settings, anchors=None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(keys, doc numbers) of each kind of segment for documents `docs` of one batch
    (`anchors`: `document_anchors(fingerprints)` if the caller has it).

    Band rows: none for a text too short to link (fewer shingles than the keep
    rule's `min_shared`: it can share no band with a pair that would be kept).
    Anchor rows: every document's anchors once each, short ones included,
    since every document counts in an anchor's document frequency.
    """
    rows = np.flatnonzero(fingerprints.n_shingles >= settings.keep.min_shared)
    bands = fingerprints.keys.shape[1]
    out = {BANDS: (fingerprints.keys[rows].reshape(-1), np.repeat(docs[rows], bands).astype(np.uint32))}
    if fingerprints.anchors is not None:
        values, positions = document_anchors(fingerprints) if anchors is None else anchors
        out[ANCHORS] = (values, docs[positions].astype(np.uint32))
    return out


def document_anchors(fingerprints) -> tuple[np.ndarray, np.ndarray]:
    """(anchor, batch row) of every document's anchors, each once (a document repeats a passage's
    anchors; the scan counts a document once per anchor), by row then anchor. Empty if anchors are off."""
    anchors = fingerprints.anchors
    if anchors is None or len(anchors.values) == 0:
        return np.empty(0, np.uint64), np.empty(0, np.int64)
    values, offsets = _unique_per_document(anchors.values, np.ascontiguousarray(anchors.offsets, np.int64))
    return values, np.repeat(np.arange(len(offsets) - 1, dtype=np.int64), np.diff(offsets))


@njit(cache=True, parallel=True)
def _unique_per_document(values, offsets):
    n = len(offsets) - 1
    counts = np.zeros(n, dtype=np.int64)
    scratch = np.empty(offsets[n] - offsets[0], dtype=np.uint64)
    for d in prange(n):
        run = np.sort(values[offsets[d]:offsets[d + 1]])
        at, k = offsets[d] - offsets[0], 0
        for i in range(len(run)):
            if i == 0 or run[i] != run[i - 1]:
                scratch[at + k] = run[i]
                k += 1
        counts[d] = k
    out_offsets = np.zeros(n + 1, dtype=np.int64)
    for d in range(n):
        out_offsets[d + 1] = out_offsets[d] + counts[d]
    out = np.empty(out_offsets[n], dtype=np.uint64)
    for d in prange(n):
        at = offsets[d] - offsets[0]
        out[out_offsets[d]:out_offsets[d + 1]] = scratch[at:at + counts[d]]
    return out, out_offsets


def parts_dir(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".parts")


class IndexParts:
    def __init__(self, index_path: Path):
        directory = parts_dir(index_path)
        self.segments = KeySegments(directory, BANDS)
        self.anchors = KeySegments(directory, ANCHORS)
        self.documents = DocumentFiles(directory)
        self.family = np.empty(0, dtype=np.int64)

    def load(self, cur, read_only: bool, settings) -> None:
        """Open the parts of committed batches; rebuild any missing one from the database."""
        committed = int(cur.execute("select value from meta where key = 'next_batch'").fetchone()[0])
        kinds = {BANDS: self.segments}
        if settings.anchor_window:
            kinds[ANCHORS] = self.anchors
        covered = {kind: segments.load(committed, writable=not read_only) for kind, segments in kinds.items()}
        have_docs = self.documents.load(committed, writable=not read_only)
        batches = [r[0] for r in cur.execute(
            "select distinct batch from documents where batch is not null order by batch").fetchall()]
        for batch in batches:
            lost = [kind for kind in kinds if not any(f <= batch <= last for f, last in covered[kind])]
            if lost:
                rows = _key_rows(cur, batch, settings)
                for kind in lost:
                    keys, docs = rows[kind]
                    segments = kinds[kind]
                    segments.commit(memory_segment(batch, keys, docs) if read_only else segments.add(batch, keys, docs))
            if batch not in have_docs:
                table = cur.sql(f"select {DOC_FILE_COLUMNS} from documents where batch = ? order by doc",
                                params=[batch]).to_arrow_table()
                if read_only:
                    self.documents.commit(table=table)
                else:
                    self.documents.commit(self.documents.write(batch, table))
        self.refresh_families(cur)

    def refresh_families(self, cur) -> None:
        rows = cur.execute("select doc, family from documents").fetchnumpy()
        docs = np.asarray(rows["doc"], dtype=np.int64)
        family = np.full(int(docs.max()) + 1 if len(docs) else 0, -1, dtype=np.int64)
        family[docs] = np.asarray(rows["family"], dtype=np.int64)
        self.family = family  # one assignment: readers see the old or the new array

    def alive(self, docs: np.ndarray) -> np.ndarray:
        """Which document numbers are committed and not removed (segments keep rows of removed documents)."""
        family = self.family
        docs = np.asarray(docs, dtype=np.int64)
        inside = docs < len(family)
        out = np.zeros(len(docs), dtype=bool)
        out[inside] = family[docs[inside]] >= 0
        return out

    def fetch(self, docs) -> pa.Table:
        """Indexed documents by number, in number order, removed ones left out."""
        docs = np.unique(np.asarray(docs, dtype=np.int64))
        found = self.documents.take(docs)
        if found is None or found.num_rows == 0:
            return FETCH_SCHEMA.empty_table()
        family = self.family
        numbers = found["doc"].to_numpy(zero_copy_only=False).astype(np.int64)
        fam = np.where(numbers < len(family), family[np.minimum(numbers, max(len(family) - 1, 0))], -1) \
            if len(family) else np.full(len(numbers), -1, dtype=np.int64)
        alive = fam >= 0
        found = found.filter(pa.array(alive))
        columns = {name: found[name] for name in found.column_names}
        columns["family"] = pa.array(fam[alive], pa.int64())
        return pa.table({name: columns[name].cast(field.type) for name, field in DOCUMENT_FIELDS.items()},
                        schema=FETCH_SCHEMA)
