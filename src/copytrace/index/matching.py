"""Finding and verifying matches in the index: band keys -> candidate documents -> exact overlap.

Two lookups: one document (a query) reads the ART index on `bands.key` with
a literal IN list of its band keys (DuckDB uses the index for a literal list,
not for a bound list parameter; the keys are integers we computed, never
user text); a batch joins all its keys against `bands` in one hash join.
A band key shared by more than `max_bucket` documents (a template, a wire
story carried everywhere) counts only its `max_bucket` oldest documents, so
one popular key cannot flood verification; the oldest include the original.
"""

from __future__ import annotations

from contextlib import contextmanager

import numba
import numpy as np
import pyarrow as pa

from ..candidates import band_keys
from ..verify import overlap_figures
from .store import IndexSettings, arrow

# Arrow types of the documents table's columns, for answers with no rows.
DOCUMENT_FIELDS = {name: pa.field(name, kind) for name, kind in {
    "doc": pa.uint32(), "id": pa.string(), "text": pa.string(), "url": pa.string(), "source": pa.string(),
    "date": pa.string(), "title": pa.string(), "origin": pa.string(), "family": pa.int64(),
    "n_chars": pa.int64(), "n_shingles": pa.int64()}.items()}


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


def _int_list(values) -> str:
    return ",".join(str(int(v)) for v in values)


def lookup_one(cur, keys: np.ndarray, settings: IndexSettings, exclude: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, bands shared) of indexed documents sharing a band with one document."""
    # fetchall, not fetchnumpy: for the few rows a lookup returns it is several ms faster.
    found = cur.execute(f"select key, doc from bands where key in ({_int_list(np.unique(keys))})").fetchall()
    key = np.array([k for k, _ in found], dtype=np.uint64)
    doc = np.array([d for _, d in found], dtype=np.int64)
    if exclude is not None:
        keep = doc != exclude
        key, doc = key[keep], doc[keep]
    if len(doc) == 0:
        return doc, doc
    order = np.lexsort((doc, key))
    key, doc = key[order], doc[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    rank = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    docs, shared = np.unique(doc[rank < settings.max_bucket], return_counts=True)
    return docs, shared


def lookup_batch(cur, keys: np.ndarray, settings: IndexSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row in batch, doc number, bands shared) of indexed documents sharing a band with batch rows."""
    if len(keys) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    batch_keys = pa.table({
        "row": np.repeat(np.arange(len(keys), dtype=np.int64), keys.shape[1]),
        "key": keys.reshape(-1),
    })
    cur.register("batch_keys", batch_keys)
    try:
        found = cur.execute(
            """
            with hits as (select k.row, b.key, b.doc from batch_keys k join bands b on b.key = k.key),
            ranked as (select row, doc, dense_rank() over (partition by key order by doc) as r from hits)
            select row, doc, count(*) as shared from ranked where r <= ? group by row, doc
            """,
            [settings.max_bucket],
        ).fetchnumpy()
    finally:
        cur.unregister("batch_keys")
    return (np.asarray(found["row"], dtype=np.int64), np.asarray(found["doc"], dtype=np.int64),
            np.asarray(found["shared"], dtype=np.int64))


def fetch_documents(cur, docs, columns: str = "doc, id, text, url, source, date, title, origin, family, n_chars, n_shingles") -> pa.Table:
    """Indexed documents by number, in the order of `docs` (numbers, never text, go into the SQL)."""
    docs = np.unique(np.asarray(docs, dtype=np.int64))
    if len(docs) == 0:
        names = [c.strip() for c in columns.split(",")]
        return pa.schema([DOCUMENT_FIELDS[n] for n in names]).empty_table()
    return arrow(cur, f"select {columns} from documents where doc in ({_int_list(docs)}) order by doc")


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
