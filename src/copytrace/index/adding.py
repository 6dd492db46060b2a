"""Adding a batch of documents to the index, and removing documents, each in one transaction.

An add is idempotent: a document whose id is already indexed with the same
text (same digest) is counted as present and left alone, so re-running an
add that was killed half-way adds exactly what is missing. An id indexed
with a different text is rejected with the reason (remove it first).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.stages.candidates.bands import candidate_pairs
from copytrace.index.explain import passages_of
from copytrace.index.docfiles import DOC_FILE_COLUMNS
from copytrace.index.matching import fingerprint_keys, lookup_batch, verify_pairs
from copytrace.index.segments import Segment
from copytrace.index.store import Store, arrow
from copytrace.index.tracing import PENDING, family_tables, insert_table, regroup, retrace

DOCUMENT_COLUMNS = ("id", "text", "url", "source", "date", "title", "origin")


@dataclass
class AddReport:
    """What one add did: counts, the rejected records with reasons, and what could not be explained."""

    added: int = 0
    present: int = 0
    rejected: list = field(default_factory=list)  # (id, reason)
    pairs: int = 0
    families_touched: int = 0
    batch: int | None = None
    seconds: float = 0.0
    missing: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"added": self.added, "present": self.present,
                "rejected": [{"id": i, "reason": r} for i, r in self.rejected], "pairs": self.pairs,
                "families_touched": self.families_touched, "batch": self.batch,
                "seconds": round(self.seconds, 3), "missing": self.missing}


def digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def digests_of(texts) -> np.ndarray:
    """`digest` of every text of an Arrow string column, hashed from its UTF-8 buffer (no Python strings)."""
    arr = pa.chunked_array([texts]) if isinstance(texts, pa.Array) else texts
    arr = arr.combine_chunks().cast(pa.large_string())
    if arr.null_count:
        raise ValueError("a document has no text")
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset:arr.offset + len(arr) + 1]
    data = memoryview(data_buf) if data_buf is not None else memoryview(b"")
    blake = hashlib.blake2b
    return np.fromiter((int.from_bytes(blake(data[a:b], digest_size=8).digest(), "little")
                        for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())),
                       dtype=np.uint64, count=len(arr))


def _column(docs: pa.Table, name: str) -> list:
    return docs[name].to_pylist() if name in docs.column_names else [None] * docs.num_rows


def add_documents(store: Store, docs: pa.Table, label: str | None = None, explain: bool = True) -> AddReport:
    """Add a batch of documents (columns id, text and optionally url, source, date, title, origin).

    With `explain=False` the batch is matched, verified and grouped into
    families (searchable at once), and the families it touched are marked
    pending: `explain_pending` aligns and traces them later.
    """
    started = time.perf_counter()
    report = AddReport()
    ids = [str(i) for i in _column(docs, "id")]
    digests = digests_of(docs["text"])
    written = []  # the batch's parts (band segment, document file): they count only if it commits
    try:
        with store.transaction() as cur:
            known = dict(_known_digests(cur, ids))
            new_rows, seen = [], set()
            for k, (doc_id, dg) in enumerate(zip(ids, digests.tolist())):
                if doc_id in seen:
                    report.rejected.append((doc_id, "id given twice in one batch (the first is added)"))
                elif doc_id not in known:
                    new_rows.append(k)
                elif known[doc_id] == dg:
                    report.present += 1
                else:
                    report.rejected.append((doc_id, "id already indexed with a different text (remove it first)"))
                seen.add(doc_id)
            batch = store.counter(cur, "next_batch", 1)
            if new_rows:
                new = docs.take(pa.array(new_rows, pa.int64()))
                _add_new(store, cur, new, digests[new_rows], batch, report, explain, written)
            cur.execute("insert into batches (batch, label, added, present, rejected) values (?, ?, ?, ?, ?)",
                        [batch, label, report.added, report.present, len(report.rejected)])
            report.batch = batch
    except BaseException:
        for part in written:
            (part.path if isinstance(part, Segment) else part).unlink(missing_ok=True)
        raise
    for part in written:
        if isinstance(part, Segment):
            store.segments.commit(part)
        else:
            store.parts.documents.commit(part)
    store.segments.compact()
    report.seconds = time.perf_counter() - started
    return report


def _known_digests(cur, ids: list[str]):
    if not ids:
        return []
    cur.register("batch_ids", pa.table({"id": pa.array(ids, pa.string())}))
    try:
        return cur.execute("select d.id, d.digest from documents d join batch_ids using (id)").fetchall()
    finally:
        cur.unregister("batch_ids")


def _add_new(store: Store, cur, new: pa.Table, digests: np.ndarray, batch: int, report: AddReport,
             explain: bool, written: list) -> None:
    settings = store.settings
    n = new.num_rows
    texts = new["text"].combine_chunks()  # the Arrow buffer goes to the fingerprint kernel as is
    keys, shingle_counts, signatures = fingerprint_keys(texts, settings)
    first = store.counter(cur, "next_doc", n)
    docs = np.arange(first, first + n, dtype=np.int64)

    # Candidates among indexed documents (before this batch is inserted) and within the batch.
    linkable = shingle_counts >= settings.min_shared  # too short to share a sentence: no band rows
    rows = np.flatnonzero(linkable)
    band_keys_flat = keys[rows].reshape(-1)
    order = np.argsort(band_keys_flat)  # one sort serves the lookup and the batch's segment
    row, old_doc, shared = lookup_batch(store.segments, keys[rows], settings, order)
    row = rows[row]
    a_in, b_in, shared_in = _within_batch(signatures, rows, settings)

    old = store.parts.fetch(old_doc)
    old_numbers = np.asarray(old["doc"].to_numpy(zero_copy_only=False), dtype=np.int64)
    alive = np.isin(old_doc, old_numbers)  # removed documents still in a segment drop out here
    a = np.concatenate([n + np.searchsorted(old_numbers, old_doc[alive]), a_in])
    b = np.concatenate([row[alive], b_in])
    bands_shared = np.concatenate([shared[alive], shared_in])
    figures, kept = _verify(texts, old["text"], a, b, settings)

    band_docs = np.repeat(docs[rows], settings.bands)
    written.append(store.segments.add(batch, band_keys_flat, band_docs, order))  # durable before the commit
    rows_in = _document_rows(new, docs, texts, shingle_counts, digests, batch)
    written.append(store.parts.documents.write(batch, rows_in.select(DOC_FILE_COLUMNS.split(", "))))
    insert_table(cur, "documents", rows_in)
    report.added = n

    # Position k < n is a new document (doc number docs[k]); k >= n is an indexed one.
    doc_of = np.concatenate([docs, np.asarray(old["doc"].to_pylist(), dtype=np.int64)])
    fam_of = np.concatenate([docs, np.asarray(old["family"].to_pylist(), dtype=np.int64)])
    id_of = [str(i) for i in _column(new, "id")] + old["id"].to_pylist()
    pairs, pa_, pb_ = _oriented_pairs(a[kept], b[kept], doc_of, id_of, figures, kept, bands_shared)
    report.pairs = pairs.num_rows
    if pairs.num_rows == 0:
        return
    insert_table(cur, "pairs", pairs)
    merged_from, merged_to = _merge_families(cur, fam_of, pa_, pb_, doc_of)
    report.families_touched = len(merged_to)
    problem = _align_missing(cur, merged_to) if explain else None
    report.missing = ([problem] if problem else []) + retrace(cur, merged_to, merged_from, trace=explain)


def _verify(texts: pa.Array, old_texts: pa.ChunkedArray, a: np.ndarray, b: np.ndarray, settings):
    """verify_pairs over only the texts the pairs name (position k < len(texts) is new, else indexed)."""
    used = np.unique(np.concatenate([a, b]))
    n = len(texts)
    new_used, old_used = used[used < n], used[used >= n] - n
    chosen = pa.concat_arrays([  # Arrow buffers straight to the shingle kernel, no Python strings
        texts.take(pa.array(new_used, pa.int64())).cast(pa.large_string()),
        old_texts.combine_chunks().take(pa.array(old_used, pa.int64())).cast(pa.large_string())])
    return verify_pairs(chosen, np.searchsorted(used, a), np.searchsorted(used, b), settings)


def _document_rows(new: pa.Table, docs, texts, shingle_counts, digests, batch: int) -> pa.Table:
    return pa.table({
        "doc": pa.array(docs, pa.uint32()),
        **{c: pa.array([str(v) for v in _column(new, c)] if c == "id" else _column(new, c), pa.string())
           for c in DOCUMENT_COLUMNS if c != "text"},
        "text": texts,
        "n_chars": pc.utf8_length(texts).cast(pa.int64()),
        "n_shingles": pa.array(shingle_counts, pa.int64()),
        "digest": pa.array(digests, pa.uint64()),
        "family": pa.array(docs, pa.int64()),
        "batch": pa.array(np.full(len(docs), batch), pa.int64()),
    })


def _oriented_pairs(ka, kb, doc_of, id_of, figures: dict, kept, bands_shared):
    """Kept pairs as a pairs table with `a` the older document; also their positions (a, b)."""
    swap = doc_of[ka] > doc_of[kb]
    first, second = np.where(swap, kb, ka), np.where(swap, ka, kb)
    flip = lambda x, y: np.where(swap, y[kept], x[kept])  # noqa: E731
    pairs = pa.table({
        "a": pa.array([id_of[k] for k in first], pa.string()),
        "b": pa.array([id_of[k] for k in second], pa.string()),
        "jaccard": figures["jaccard"][kept],
        "containment_a_in_b": flip(figures["containment_a_in_b"], figures["containment_b_in_a"]),
        "containment_b_in_a": flip(figures["containment_b_in_a"], figures["containment_a_in_b"]),
        "shared_shingles": figures["shared_shingles"][kept],
        "bands_shared": bands_shared[kept],
    })
    return pairs, first, second


def _within_batch(signatures: np.ndarray, rows: np.ndarray, settings):
    if len(rows) < 2:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    a, b, shared = candidate_pairs(signatures[rows], settings.lsh, settings.max_bucket)
    return rows[a], rows[b], shared


def _merge_families(cur, fam_of: np.ndarray, a: np.ndarray, b: np.ndarray, doc_of: np.ndarray):
    """Union the families linked by kept pairs; renumber each result by its oldest member."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:
            parent[x], x = root, parent[x]
        return root

    for x, y in zip(fam_of[a].tolist(), fam_of[b].tolist()):
        rx, ry = find(x), find(y)
        if rx != ry:
            parent[max(rx, ry)] = min(rx, ry)  # family numbers are oldest-member doc numbers
    touched = set(fam_of[a].tolist()) | set(fam_of[b].tolist())
    mapping = {f: find(f) for f in touched}
    moved = {f: t for f, t in mapping.items() if f != t}
    if moved:
        cur.register("moved", pa.table({"old": list(moved), "new": list(moved.values())}))
        try:
            cur.execute("update documents set family = m.new from moved m where documents.family = m.old")
        finally:
            cur.unregister("moved")
    return sorted(moved), sorted(set(mapping.values()))


def explain_pending(store: Store, families_per_transaction: int = 500) -> dict:
    """Align the unaligned pairs of pending families and trace them; one transaction per chunk."""
    explained, started = 0, time.perf_counter()
    while True:
        with store.transaction() as cur:
            pending = [r[0] for r in cur.execute(
                "select family from families where explained = ? order by family limit ?",
                [PENDING, families_per_transaction]).fetchall()]
            if not pending:
                break
            _align_missing(cur, pending)
            retrace(cur, pending)
            explained += len(pending)
    return {"families": explained, "seconds": round(time.perf_counter() - started, 3)}


def explain_families(store: Store, families) -> int:
    """Align and trace those of `families` still pending, now, in one transaction; return how many.

    Adds with `explain=False` leave alignment and provenance to a later pass:
    a family is explained the first time someone asks for it (its page, a
    document of it), and the result is stored, so it is computed once."""
    if store.read_only:
        return 0
    sql = "select family from families where explained = ? and family in (select unnest(?::bigint[]))"
    params = [PENDING, [int(f) for f in families]]
    cur = store.cursor()
    try:
        if not cur.execute(sql, params).fetchall():  # the usual case: no write transaction at all
            return 0
    finally:
        cur.close()
    with store.transaction() as cur:
        pending = [r[0] for r in cur.execute(sql, params).fetchall()]
        if pending:
            _align_missing(cur, pending)
            retrace(cur, pending)
    return len(pending)


def _align_missing(cur, families) -> str | None:
    """Passages of every pair of these families that has none yet (new pairs, pairs added unexplained)."""
    members, pairs, passages = family_tables(cur, families)
    done = set(zip(passages["a"].to_pylist(), passages["b"].to_pylist()))
    todo = [k for k, ab in enumerate(zip(pairs["a"].to_pylist(), pairs["b"].to_pylist())) if ab not in done]
    if not todo:
        return None
    found, problem = passages_of(members.select(["id", "text"]), pairs.take(pa.array(todo, pa.int64())))
    insert_table(cur, "passages", found)
    return problem


def remove_documents(store: Store, ids: list[str]) -> dict:
    """Remove documents, their band rows, pairs and explain outputs; split their families as needed."""
    with store.transaction() as cur:
        found = arrow(cur, "select doc, id, family from documents where id in (select unnest(?::varchar[]))", [ids])
        gone = found["id"].to_pylist()
        missing = sorted(set(ids) - set(gone))
        if gone:
            docs = [int(d) for d in found["doc"].to_pylist()]
            families = sorted(set(found["family"].to_pylist()))
            for table, cols in (("pairs", ("a", "b")), ("passages", ("a", "b")), ("edits", ("source", '"copy"')),
                                ("edges", ("source", '"copy"'))):
                cur.execute(f"delete from {table} where {cols[0]} in (select unnest(?::varchar[])) "
                            f"or {cols[1]} in (select unnest(?::varchar[]))", [gone, gone])
            cur.execute("delete from documents where doc in (select unnest(?::uinteger[]))", [docs])
            regrouped = regroup(cur, families)
            retrace(cur, regrouped, families)
    return {"removed": gone, "not_found": missing}
