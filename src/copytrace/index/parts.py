"""The files beside an index's database that make lookups fast: band segments, document files, families.

`INDEX.duckdb.parts/` holds the sorted band-key segments (`segments.py`)
and one Arrow file of documents per batch (`docfiles.py`); both are written
before their batch's transaction commits and are valid only for committed
batch numbers. The family of every document number is held in memory
(-1: removed or never committed) and re-read after every write; it is the
only changing field a query needs, and it tells removed documents apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from copytrace.index.docfiles import DOC_FILE_COLUMNS, DocumentFiles
from copytrace.index.segments import BandSegments, memory_segment

# Column order and types of fetched documents (and of the `documents` table's readers).
DOCUMENT_FIELDS = {name: pa.field(name, kind) for name, kind in {
    "doc": pa.uint32(), "id": pa.string(), "text": pa.string(), "url": pa.string(), "source": pa.string(),
    "date": pa.string(), "title": pa.string(), "origin": pa.string(), "family": pa.int64(),
    "n_chars": pa.int64(), "n_shingles": pa.int64()}.items()}
FETCH_SCHEMA = pa.schema(list(DOCUMENT_FIELDS.values()))


def _band_rows(cur, batch: int, settings) -> tuple[np.ndarray, np.ndarray]:
    """Band rows of one batch, from its texts (as an add makes them: none for a text too short to link)."""
    from copytrace.index.matching import fingerprint_keys

    table = cur.sql("select doc, text from documents where batch = ? order by doc", params=[batch]).to_arrow_table()
    keys, counts, _ = fingerprint_keys(table["text"].combine_chunks(), settings)
    rows = np.flatnonzero(counts >= settings.min_shared)
    docs = np.asarray(table["doc"].to_numpy(zero_copy_only=False), dtype=np.uint32)
    return keys[rows].reshape(-1), np.repeat(docs[rows], settings.bands)


def parts_dir(index_path: Path) -> Path:
    return index_path.with_name(index_path.name + ".parts")


class IndexParts:
    def __init__(self, index_path: Path):
        directory = parts_dir(index_path)
        self.segments = BandSegments(directory)
        self.documents = DocumentFiles(directory)
        self.family = np.empty(0, dtype=np.int64)

    def load(self, cur, read_only: bool, settings) -> None:
        """Open the parts of committed batches; rebuild any missing one from the database."""
        committed = int(cur.execute("select value from meta where key = 'next_batch'").fetchone()[0])
        covered = self.segments.load(committed, writable=not read_only)
        have_docs = self.documents.load(committed, writable=not read_only)
        batches = [r[0] for r in cur.execute(
            "select distinct batch from documents where batch is not null order by batch").fetchall()]
        for batch in batches:
            if not any(f <= batch <= last for f, last in covered):
                keys, docs = _band_rows(cur, batch, settings)
                self.segments.commit(memory_segment(batch, keys, docs) if read_only
                                     else self.segments.add(batch, keys, docs))
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
