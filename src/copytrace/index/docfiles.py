"""Documents of the index as one memory-mapped Arrow file per batch: fetching candidates by number.

A query fetches the texts of a few candidate documents picked at random
across the index. Rows of a file are in document-number order. DuckDB answers `where doc in (...)` by scanning and
decompressing whole row groups (a quarter of a second at 100,000
documents), so every add also writes its documents' fixed fields (id, text,
metadata, counts) as an uncompressed Arrow IPC file. Opened with a memory
map, a fetch is an array slice: the document number minus the batch's first
number. The DuckDB `documents` table stays the record every other read and
all changing fields (the family) come from.

Crash safety is that of the band segments (`segments.py`): the file is
written (temporary name, fsync, rename) before the batch's transaction
commits; a file of a batch number that is not committed is ignored by
readers and deleted by the next writer; a committed batch with no file is
rebuilt from the `documents` table.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa

DOC_FILE_COLUMNS = "doc, id, text, url, source, date, title, origin, n_chars, n_shingles"
DOC_FILE_SCHEMA = pa.schema([("doc", pa.uint32())] + [(c, pa.string()) for c in
                            ("id", "text", "url", "source", "date", "title", "origin")]
                            + [("n_chars", pa.int64()), ("n_shingles", pa.int64())])
_NAME = re.compile(r"^(\d{10})\.docs\.arrow$")


def doc_file_name(batch: int) -> str:
    return f"{batch:010d}.docs.arrow"


def _read(path: Path) -> pa.Table:
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()


class DocumentFiles:
    """Per-batch document tables; `take` returns rows by document number."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._tables: list[pa.Table] = []
        self._first = np.empty(0, dtype=np.int64)  # first document number of each table

    def load(self, committed_batches: int, writable: bool) -> set[int]:
        """Open the files of committed batches (a writer deletes the others); return their batch numbers."""
        tables, batches = [], set()
        if self.directory.is_dir():
            for path in sorted(self.directory.iterdir()):
                match = _NAME.match(path.name)
                if match is None:
                    if writable and path.name.endswith(".docs.arrow.tmp"):
                        path.unlink(missing_ok=True)
                    continue
                batch = int(match[1])
                if batch >= committed_batches:
                    if writable:
                        path.unlink(missing_ok=True)
                    continue
                try:
                    table = _read(path)
                except (OSError, pa.ArrowInvalid):
                    if writable:
                        path.unlink(missing_ok=True)
                    continue
                tables.append(table)
                batches.add(batch)
        self._set(tables)
        return batches

    def _set(self, tables: list[pa.Table]) -> None:
        tables = sorted((t for t in tables if t.num_rows), key=lambda t: t["doc"][0].as_py())
        # Readers use (tables, first) as one snapshot: assign both together.
        self._tables, self._first = tables, np.array([t["doc"][0].as_py() for t in tables], dtype=np.int64)

    def write(self, batch: int, table: pa.Table) -> Path:
        """Write one batch's documents durably; they count once `commit` is called."""
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / doc_file_name(batch)
        tmp = self.directory / (path.name + ".tmp")
        table = table.select(DOC_FILE_SCHEMA.names).cast(DOC_FILE_SCHEMA)
        with pa.OSFile(str(tmp), "wb") as sink:
            with pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table, max_chunksize=max(1, table.num_rows))
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        return path

    def commit(self, path: Path | None = None, table: pa.Table | None = None) -> None:
        self._set(self._tables + [_read(path) if path is not None
                                  else table.select(DOC_FILE_SCHEMA.names).cast(DOC_FILE_SCHEMA)])

    def take(self, docs: np.ndarray) -> pa.Table | None:
        """Rows of the sorted, unique document numbers `docs` found in the files (None if there are no files)."""
        tables, first = self._tables, self._first
        if not tables:
            return None
        which = np.searchsorted(first, docs, side="right") - 1
        parts = []
        for t in np.unique(which[which >= 0]):
            table = tables[t]
            numbers = table["doc"].chunk(0).to_numpy() if table["doc"].num_chunks == 1 else table["doc"].to_numpy()
            wanted = docs[which == t]
            rows = np.minimum(np.searchsorted(numbers, wanted), len(numbers) - 1)
            rows = rows[numbers[rows] == wanted]  # a removed document may be missing from a rebuilt file
            if len(rows):
                parts.append(table.take(pa.array(rows, pa.int64())))
        if not parts:
            return tables[0].schema.empty_table()
        return pa.concat_tables(parts)
