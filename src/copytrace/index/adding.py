"""Adding a batch of documents to the index, and removing documents, each in one transaction.

An add runs the scan's stage units on the batch, with the settings stored
in the index: `fingerprint_batch` (band keys and anchors in one pass), the
candidates of the batch against the index (`matching.py`: band keys and
anchors in the index's segments) and within the batch (`band_codes`,
`anchor_pairs`, `count_codes`), `verify_pairs`, possible quotes confirmed
by alignment (`align_pairs`, `drop_unaligned_quotes`), families joined by
the pairs that link them (`connected_components`), then alignment and
`trace` of the touched families. Fed a corpus in batches, the index holds
the pairs and families `scan` finds, as long as no LSH bucket grows past
`max_bucket` and no anchor past `anchors.max_df` documents: past those caps
which documents are paired depends on the order they arrived in.

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

from copytrace.index.docfiles import DOC_FILE_COLUMNS
from copytrace.index.explain import confirmed_quotes, passages_of, planned_pairs
from copytrace.index.matching import lookup_anchors, lookup_batch
from copytrace.index.parts import document_anchors, key_rows
from copytrace.index.segments import ANCHORS, BANDS, Segment
from copytrace.index.store import Store, arrow
from copytrace.index.tracing import PENDING, family_tables, insert_table, regroup, retrace, trace_group
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import count_codes
from copytrace.stages.candidates.anchors import anchor_pairs
from copytrace.stages.candidates.bands import band_codes
from copytrace.stages.families import connected_components
from copytrace.stages.fingerprint import fingerprint_batch
from copytrace.stages.verify import verify_pairs

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


def add_documents(store: Store, docs: pa.Table, label: str | None = None, explain: bool = True,
                  settings: ScanSettings | None = None, step=None) -> AddReport:
    """Add a batch of documents (columns id, text and optionally url, source, date, title, origin).

    The documents are taken as they are: clean them first as a scan would
    (`stages.clean.clean_ingested` with `store.settings.clean`).
    With `explain=False` the batch is matched, verified and grouped into
    families (searchable at once), and the families it touched are marked
    pending: `explain_pending` aligns and traces them later (possible quotes
    are aligned at once all the same: they are kept only if a passage is
    found). An index whose settings have `explain` off never explains.
    `settings`, if given, must be the index's own (IndexStoreError names
    the fields that differ).
    """
    store.require(settings)
    explain = explain and store.settings.explain
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
            if new_rows:  # an add that adds nothing (a re-run) records no batch and writes nothing
                batch = store.counter(cur, "next_batch", 1)
                new = docs.take(pa.array(new_rows, pa.int64()))
                _add_new(store, cur, new, digests[new_rows], batch, report, explain, written, step or _no_step)
                cur.execute("insert into batches (batch, label, added, present, rejected) values (?, ?, ?, ?, ?)",
                            [batch, label, report.added, report.present, len(report.rejected)])
                report.batch = batch
    except BaseException:
        for _, part in written:
            (part.path if isinstance(part, Segment) else part).unlink(missing_ok=True)
        raise
    with store.write_lock:  # two adds at once (a server's requests) must not compact the same segments
        for kind, part in written:
            if kind == BANDS:
                store.segments.commit(part)
            elif kind == ANCHORS:
                store.parts.anchors.commit(part)
            else:
                store.parts.documents.commit(part)
        store.segments.compact()
        store.parts.anchors.compact()
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


def _no_step(name: str) -> None:
    """`step(name)` is told as each part of an add ends (`progress.batch_steps`: progress inside a batch)."""


def _add_new(store: Store, cur, new: pa.Table, digests: np.ndarray, batch: int, report: AddReport,
             explain: bool, written: list, step=_no_step) -> None:
    settings = store.settings
    n = new.num_rows
    texts = new["text"].combine_chunks()  # the Arrow buffer goes to the fingerprint kernel as is
    fingerprints = fingerprint_batch(texts, settings)
    step("fingerprint")
    first = store.counter(cur, "next_doc", n)
    docs = np.arange(first, first + n, dtype=np.int64)
    anchors = document_anchors(fingerprints)
    rows = key_rows(fingerprints, docs, settings, anchors)  # this batch's rows of the segments
    band_keys, band_docs = rows[BANDS]
    order = np.argsort(band_keys)  # one sort serves the lookup and the batch's segment

    a, b, bands_shared, old = _candidates(store, fingerprints, anchors, settings, order)
    figures = _verify(texts, old["text"], a, b, settings)
    step("verify")

    written.append((BANDS, store.segments.add(batch, band_keys, band_docs, order)))  # durable before the commit
    if ANCHORS in rows:
        written.append((ANCHORS, store.parts.anchors.add(batch, *rows[ANCHORS])))
    rows_in = _document_rows(new, docs, texts, fingerprints.n_shingles, digests, batch)
    written.append((None, store.parts.documents.write(batch, rows_in.select(DOC_FILE_COLUMNS.split(", ")))))
    insert_table(cur, "documents", rows_in)
    report.added = n
    step("write")

    # Position k < n is a new document (doc number docs[k]); k >= n is an indexed one.
    doc_of = np.concatenate([docs, np.asarray(old["doc"].to_numpy(zero_copy_only=False), dtype=np.int64)])
    fam_of = np.concatenate([docs, np.asarray(old["family"].to_numpy(zero_copy_only=False), dtype=np.int64)])
    id_of = np.asarray([str(i) for i in _column(new, "id")] + old["id"].to_pylist(), dtype=object)
    kept = figures["kept"]
    pairs, pa_, pb_ = _oriented_pairs(a[kept], b[kept], doc_of, id_of, figures, kept, bands_shared)
    pairs, quote_passages, pa_, pb_ = _confirm_quotes(pairs, pa_, pb_, id_of, texts, old["text"], settings)
    report.pairs = pairs.num_rows
    if pairs.num_rows == 0:
        return
    insert_table(cur, "pairs", pairs)
    insert_table(cur, "passages", quote_passages)
    links = pairs["family_link"].to_numpy(zero_copy_only=False)
    merged_from, merged_to, moved = _merge_families(cur, fam_of, pa_[links], pb_[links])
    quoted = {moved.get(f, f) for f in fam_of[np.concatenate([pa_[~links], pb_[~links]])].tolist()}
    touched = sorted(set(merged_to) | quoted)
    report.families_touched = len(touched)
    problem = _align_missing(cur, settings, touched) if explain else None
    report.missing = ([problem] if problem else []) + retrace(cur, settings, touched, merged_from, trace=explain)


def _candidates(store: Store, fingerprints, anchors, settings: ScanSettings, order: np.ndarray):
    """Candidate pairs of a batch, as positions (k < n: batch row k; k >= n: row k - n of the
    returned indexed documents), with the bands they share: the scan's candidates stage over
    the index and the batch together (bands of texts too short to link are not looked up)."""
    n = len(fingerprints)
    linkable = np.flatnonzero(fingerprints.n_shingles >= settings.keep.min_shared)
    keys = fingerprints.keys[linkable]
    values, positions = anchors
    min_anchors = settings.anchors.min_shared

    # Against the index: (batch row, indexed doc) codes from shared bands and shared anchors.
    row, doc, shared = lookup_batch(store.segments, keys, settings, order)
    alive = store.parts.alive(doc)  # removed documents still in a segment drop out here
    row, doc, shared = linkable[row[alive]], doc[alive], shared[alive]
    useful, anchor_row, anchor_doc = lookup_anchors(store.parts, values, positions, settings)
    row, doc, shared = count_codes(_codes(row, doc), shared, _codes(anchor_row, anchor_doc),
                                   np.ones(len(anchor_row), np.int64), min_anchors)
    old = store.parts.fetch(doc)
    old_numbers = np.asarray(old["doc"].to_numpy(zero_copy_only=False), dtype=np.int64)
    found = np.isin(doc, old_numbers)

    # Within the batch: the same units as the scan's, on the batch's rows.
    codes = band_codes(keys, settings.max_bucket, settings.clique_bucket, settings.bucket_window)
    codes = _codes(linkable[(codes >> np.uint64(32)).astype(np.int64)],
                   linkable[(codes & np.uint64(0xFFFFFFFF)).astype(np.int64)])
    xa, xb, xshared = anchor_pairs(values[useful], positions[useful], settings.anchors)
    a_in, b_in, shared_in = count_codes(codes, None, _codes(xa, xb), xshared, min_anchors)

    a = np.concatenate([n + np.searchsorted(old_numbers, doc[found]), a_in])
    b = np.concatenate([row[found], b_in])
    return a, b, np.concatenate([shared[found], shared_in]), old


def _codes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.asarray(a, np.uint64) << np.uint64(32)) | np.asarray(b, np.uint64)


def _verify(texts: pa.Array, old_texts: pa.ChunkedArray, a: np.ndarray, b: np.ndarray, settings: ScanSettings) -> dict:
    """The verify unit over only the texts the pairs name (position k < len(texts) is new, else indexed)."""
    used = np.unique(np.concatenate([a, b]))
    chosen = _texts_at(texts, old_texts, used)
    return verify_pairs(chosen, np.searchsorted(used, a), np.searchsorted(used, b), settings)


def _texts_at(texts: pa.Array, old_texts: pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
    """Texts at sorted positions (k < len(texts): new, else indexed), as one Arrow array (no Python strings)."""
    n = len(texts)
    new_used, old_used = positions[positions < n], positions[positions >= n] - n
    return pa.concat_arrays([
        texts.take(pa.array(new_used, pa.int64())).cast(pa.large_string()),
        old_texts.combine_chunks().take(pa.array(old_used, pa.int64())).cast(pa.large_string())])


def _confirm_quotes(pairs: pa.Table, first, second, id_of, texts, old_texts, settings: ScanSettings):
    """Possible quotes stay only if alignment finds a passage (as in a scan); returns the pairs
    kept, the quotes' passages and the kept pairs' positions."""
    links = pairs["family_link"].to_numpy(zero_copy_only=False)
    used = np.unique(np.concatenate([first[~links], second[~links]]))
    documents = pa.table({"id": pa.array(id_of[used].tolist(), pa.string()),
                          "text": _texts_at(texts, old_texts, used)})
    numbered = pairs.append_column("_row", pa.array(np.arange(pairs.num_rows), pa.int64()))
    kept, passages = confirmed_quotes(documents, numbered, settings)
    keep = kept["_row"].to_numpy()
    return kept.drop_columns(["_row"]), passages, first[keep], second[keep]


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
        "a": pa.array(id_of[first].tolist(), pa.string()),
        "b": pa.array(id_of[second].tolist(), pa.string()),
        "jaccard": figures["jaccard"][kept],
        "containment_a_in_b": flip(figures["containment_a_in_b"], figures["containment_b_in_a"]),
        "containment_b_in_a": flip(figures["containment_b_in_a"], figures["containment_a_in_b"]),
        "shared_shingles": figures["shared_shingles"][kept],
        "bands_shared": bands_shared[kept],
        "family_link": figures["family_link"][kept],
    })
    return pairs, first, second


def _merge_families(cur, fam_of: np.ndarray, a: np.ndarray, b: np.ndarray):
    """Join the families linked by pairs (a, b) (`connected_components` over family numbers); each
    result is numbered by its oldest member. Returns (old numbers, new numbers, {moved: new})."""
    fa, fb = fam_of[a], fam_of[b]
    touched = np.unique(np.concatenate([fa, fb]))
    if len(touched) == 0:
        return [], [], {}
    component = connected_components(len(touched), np.searchsorted(touched, fa), np.searchsorted(touched, fb))
    oldest = np.full(int(component.max()) + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(oldest, component, touched)  # family numbers are oldest-member doc numbers
    number = oldest[component]
    moved = {int(f): int(t) for f, t in zip(touched, number) if f != t}
    if moved:
        cur.register("moved", pa.table({"old": list(moved), "new": list(moved.values())}))
        try:
            cur.execute("update documents set family = m.new from moved m where documents.family = m.old")
        finally:
            cur.unregister("moved")
    return sorted(moved), sorted(set(number.tolist())), moved


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
            _align_missing(cur, store.settings, pending)
            retrace(cur, store.settings, pending)
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
            _align_missing(cur, store.settings, pending)
            retrace(cur, store.settings, pending)
    return len(pending)


def _align_missing(cur, settings: ScanSettings, families) -> str | None:
    """Passages of every pair of these families (and of those quotes join them to) that has none yet
    (new pairs, pairs added unexplained)."""
    members, pairs, passages = family_tables(cur, trace_group(cur, families))
    pairs = planned_pairs(members, pairs, settings)  # a large family: its tree's edges only
    done = set(zip(passages["a"].to_pylist(), passages["b"].to_pylist()))
    todo = [k for k, ab in enumerate(zip(pairs["a"].to_pylist(), pairs["b"].to_pylist())) if ab not in done]
    if not todo:
        return None
    insert_table(cur, "passages", passages_of(members.select(["id", "text"]),
                                              pairs.take(pa.array(todo, pa.int64())), settings))
    return None


def remove_documents(store: Store, ids: list[str]) -> dict:
    """Remove documents, their band rows, pairs and explain outputs; split their families as needed."""
    with store.transaction() as cur:
        found = arrow(cur, "select doc, id, family from documents where id in (select unnest(?::varchar[]))", [ids])
        gone = found["id"].to_pylist()
        missing = sorted(set(ids) - set(gone))
        if gone:
            docs = [int(d) for d in found["doc"].to_pylist()]
            families = sorted(set(found["family"].to_pylist()))
            quoted = sorted(set(trace_group(cur, families)) - set(families))  # traced with them until now
            for table, cols in (("pairs", ("a", "b")), ("passages", ("a", "b")), ("edits", ("source", '"copy"')),
                                ("edges", ("source", '"copy"'))):
                cur.execute(f"delete from {table} where {cols[0]} in (select unnest(?::varchar[])) "
                            f"or {cols[1]} in (select unnest(?::varchar[]))", [gone, gone])
            cur.execute("delete from documents where doc in (select unnest(?::uinteger[]))", [docs])
            regrouped = regroup(cur, families)
            retrace(cur, store.settings, regrouped + quoted, families + quoted)
    return {"removed": gone, "not_found": missing}
