"""Documents of a scan's work folder, read by document number: `DocumentStore` over the compressed document
shards (`shards.write_document_shard`), `gathered_store` for the documents a stage reads at random, and
`ShardedDocuments`, the result's documents table one shard at a time.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from copytrace.engines.shards import _open_ipc, is_done, read_columns, write_arrow


class DocumentStore:
    """Random access to the documents of a work folder, by document number.

    Only the record batches holding the documents asked for are read (and
    decompressed), and only the columns asked for; nothing is cached but the
    files' readers, so a worker holds the rows it took, not the shards.
    """

    def __init__(self, shard_paths: list[Path], plain: bool = False):
        self.paths = list(shard_paths)
        self.plain = plain  # the shards are uncompressed (`shards.doc_codec`): a read is a memory-mapped copy
        self._tables: dict[int, pa.Table] = {}
        self._readers: dict = {}
        self.bounds: list[np.ndarray] = []  # per shard: first row of each record batch, and the shard's rows
        for i in range(len(self.paths)):
            # One column's batches give their lengths: the first, small in any shard ("id"; a gathered one's "doc").
            reader = self._reader(i, self._reader(i).schema.names[:1])
            lengths = [reader.get_batch(k).num_rows for k in range(reader.num_record_batches)]
            self.bounds.append(np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int64))
        self.starts = np.zeros(len(self.paths) + 1, dtype=np.int64)
        for i, bounds in enumerate(self.bounds):
            self.starts[i + 1] = self.starts[i] + bounds[-1]

    @property
    def n_docs(self) -> int:
        return int(self.starts[-1])

    def __getstate__(self):
        # Sent to worker processes: they open the shards themselves.
        return {**self.__dict__, "_tables": {}, "_readers": {}}

    def _reader(self, i: int, columns=None) -> ipc.RecordBatchFileReader:
        key = (i, tuple(columns) if columns else None)
        if key not in self._readers:
            self._readers[key] = _open_ipc(self.paths[i], columns)
        return self._readers[key]

    @property
    def schema(self) -> pa.Schema:
        return self._reader(0).schema

    def table(self, i: int, columns=None) -> pa.Table:
        """Shard i whole (its columns `columns`), decompressed in memory: for one shard at a time."""
        return read_columns(self.paths[i], list(columns) if columns else None)

    def shard_rows(self, i: int, rows: np.ndarray, columns=None) -> pa.Table:
        """Rows `rows` (sorted ascending) of shard i, decompressing only the record batches that hold them."""
        bounds = self.bounds[i]
        batch_of = np.searchsorted(bounds, rows, side="right") - 1
        cuts = np.flatnonzero(np.diff(batch_of)) + 1
        reader = self._reader(i, columns)
        parts = [reader.get_batch(int(k[0])).take(pa.array(group - bounds[k[0]]))
                 for group, k in zip(np.split(rows, cuts), np.split(batch_of, cuts)) if len(group)]
        table = pa.Table.from_batches(parts, schema=reader.schema)
        return table.select(list(columns)) if columns else table

    def take(self, docs: np.ndarray, columns=None) -> pa.Table:
        """Rows of the documents numbered `docs` (sorted ascending), in that order."""
        docs = np.asarray(docs, dtype=np.int64)
        shard_of = np.searchsorted(self.starts, docs, side="right") - 1
        parts = []
        for i in np.unique(shard_of):
            parts.append(self.shard_rows(int(i), docs[shard_of == i] - self.starts[i], columns))
        if not parts:
            schema = self.schema
            return (schema if not columns else pa.schema([schema.field(c) for c in columns])).empty_table()
        return pa.concat_tables(parts)

    def column(self, name: str) -> pa.ChunkedArray:
        """One column of every document (only that column is decompressed)."""
        return pa.chunked_array([self.table(i, [name])[name].combine_chunks() for i in range(len(self.paths))],
                                type=self.schema.field(name).type)


def gather_texts(spec: dict) -> int:
    """Shard `spec["shard"]` of `spec["store"]` as an uncompressed shard for random reads (`gathered_store`).

    Only the rows `spec["rows"]` hold their values (each record batch holding one is decompressed once); every
    other row is null, so the gathered shard numbers its documents as the document shard does. The columns
    are `spec["columns"]` (the text alone by default).
    """
    store, i, rows = spec["store"], spec["shard"], np.asarray(spec["rows"], dtype=np.int64)
    columns = list(spec.get("columns") or ["text"])
    n = int(store.bounds[i][-1])
    where = np.full(n, -1, dtype=np.int64)
    where[rows] = np.arange(len(rows))
    picked = store.shard_rows(i, rows, columns).combine_chunks() if len(rows) else None
    table = {"doc": pa.array(np.arange(store.starts[i], store.starts[i] + n, dtype=np.int64))}
    for name in columns:
        kind = store.schema.field(name).type
        table[name] = (picked[name].take(pa.array(where, mask=where < 0)).cast(kind) if picked is not None
                       else pa.nulls(n, kind))
    write_arrow(spec["out"], pa.table(table))
    return len(rows)


def gathered_store(store: DocumentStore, docs: np.ndarray, folder: Path, map_chunks=map,
                   columns=("text",), name: str = "texts") -> DocumentStore:
    """A `DocumentStore` of documents `docs` (sorted) alone, their `columns` uncompressed and memory-mapped.

    Verifying takes the two documents of each candidate pair anywhere in the corpus, and so do the align and
    provenance chunks (a family's copies are anywhere): from compressed shards each one decompresses a record
    batch of `DOC_BATCH_ROWS` documents, so every chunk decompressed nearly the whole corpus (the stage grew
    with the square of the corpus). Here each batch is decompressed once; a read is then a memory-mapped copy.
    Uncompressed shards are read that way already: `store` itself.
    """
    if store.plain:
        return store
    shard_of = np.searchsorted(store.starts, docs, side="right") - 1
    paths = [folder / f"{name}-{i:05d}.arrow" for i in range(len(store.paths))]
    specs = [{"store": store, "shard": i, "rows": docs[shard_of == i] - store.starts[i], "out": path,
              "columns": list(columns)} for i, path in enumerate(paths) if not is_done(path)]
    for _ in map_chunks(gather_texts, specs):
        pass
    return DocumentStore(paths, plain=True)


class ShardedDocuments:
    """The documents table of an engine scan, one document shard at a time (`stages.families.with_families`).

    At ten million documents the texts do not fit in memory: `ScanResult.write`
    streams `tables()` into the output; `num_rows`, `schema`, `column` and
    `filter` read no more than they need. Any other table method works on the
    whole table, built in memory (`to_table`): for small scans and tests.
    """

    def __init__(self, store: DocumentStore, family: np.ndarray, n_shingles: np.ndarray,
                 facts: list | None = None):
        # facts: each shard's language and dates columns (`families.language_and_dates`), given or None. A
        # shard's missing facts are computed from its texts when it is first read, then kept (a few columns),
        # so the output's write computes them while it encodes the shard before (issue 19).
        self.store, self.family, self.n_shingles = store, family, n_shingles
        self.facts = list(facts) if facts is not None else [None] * len(store.paths)

    @property
    def num_rows(self) -> int:
        return self.store.n_docs

    def __len__(self) -> int:
        return self.num_rows

    def shard(self, i: int) -> pa.Table:
        from copytrace.stages.families import language_and_dates, with_families

        lo, hi = int(self.store.starts[i]), int(self.store.starts[i + 1])
        # Not the html (several times the text) nor the document number: with_families drops them.
        columns = [c for c in self.store.schema.names if c not in ("html", "doc")]
        documents = self.store.table(i, columns)
        if self.facts[i] is None:
            self.facts[i] = language_and_dates(documents)
        return with_families(documents, self.family[lo:hi], self.n_shingles[lo:hi], self.facts[i])

    def tables(self):
        """The documents table shard by shard (each decompressed, then let go)."""
        for i in range(len(self.store.paths)):
            yield self.shard(i)

    @functools.cached_property
    def schema(self) -> pa.Schema:
        return self.shard(0).schema  # as the written parts have it (a scan has at least one document)

    @property
    def column_names(self) -> list[str]:
        return self.schema.names

    @property
    def nbytes(self) -> int:
        return sum(p.stat().st_size for p in self.store.paths)

    def column(self, name) -> pa.ChunkedArray:
        if isinstance(name, int):
            name = self.schema.names[name]
        if name == "family":
            return pa.chunked_array([pa.array(self.family, pa.int64())])
        if name == "n_shingles":
            return pa.chunked_array([pa.array(self.n_shingles, pa.int64())])
        if name in self.store.schema.names and name not in ("html", "doc"):
            return self.store.column(name)
        if name == "n_chars":  # as `with_families` counts them, from the text column alone
            return pa.chunked_array([pc.utf8_length(t).cast(pa.int64()) for t in self.store.column("text").chunks],
                                    pa.int64())
        if all(f is not None for f in self.facts) and name in self.facts[0].column_names:
            return pa.chunked_array([f[name] for f in self.facts], type=self.schema.field(name).type)
        return pa.chunked_array([t[name] for t in self.tables()], type=self.schema.field(name).type)

    __getitem__ = column

    def select(self, columns) -> pa.Table:
        """These columns of every document, read column by column (no other column is decompressed)."""
        return pa.table({name: self.column(name) for name in columns})

    def set_column(self, i: int, field, column) -> "ShardedDocuments":
        """The documents with their family column replaced (the semantic stage merges families); any other
        column makes the table in memory, as every other table method does."""
        name = field.name if isinstance(field, pa.Field) else field
        if name == "family" and self.schema.names[i] == "family":
            family = column.to_numpy() if isinstance(column, pa.Array) else np.asarray(column.combine_chunks())
            return ShardedDocuments(self.store, family.astype(np.int64), self.n_shingles, self.facts)
        return self.to_table().set_column(i, field, column)

    def filter(self, mask) -> pa.Table:
        """The rows where `mask` (an expression, or one boolean per document) holds; only the shards holding
        a row asked for are read."""
        if isinstance(mask, pc.Expression):
            return pa.concat_tables([t.filter(mask) for t in self.tables()])
        if not isinstance(mask, pa.ChunkedArray):
            mask = pa.chunked_array([mask if isinstance(mask, pa.Array) else pa.array(mask, pa.bool_())])
        if len(mask) != self.num_rows:
            raise ValueError(f"a mask of {len(mask)} rows for {self.num_rows} documents")
        parts = []
        for i in range(len(self.store.paths)):
            lo, hi = int(self.store.starts[i]), int(self.store.starts[i + 1])
            rows = mask.slice(lo, hi - lo)
            if pc.any(rows).as_py():
                parts.append(self.shard(i).filter(rows))
        return pa.concat_tables(parts) if parts else self.shard(0).slice(0, 0)

    def equals(self, other) -> bool:
        return self.to_table().equals(other.to_table() if isinstance(other, ShardedDocuments) else other)

    def to_table(self) -> pa.Table:
        return pa.concat_tables(list(self.tables()))

    def __getattr__(self, name):
        if name.startswith("__") or name in ("store", "family", "n_shingles", "facts"):
            raise AttributeError(name)
        return getattr(self.to_table(), name)
