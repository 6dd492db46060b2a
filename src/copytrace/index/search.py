"""Asking the index where a text has appeared: its sources and copies, with passages and provenance.

A pasted text goes through the scan's stage units with the index's
settings: fingerprinted (`fingerprint_batch`), its band keys and anchors
looked up (the candidates an add would find for it), the candidates
verified exactly (`verify_pairs`), and the kept matches aligned and traced
on the spot (a possible quote only if alignment finds a passage). An
indexed document is answered from what the index stored; a family added
without explaining is explained when first asked for, and stored.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, PASSAGE_SCHEMA
from copytrace.index.explain import passages_of, trace_of
from copytrace.index.matching import lookup_anchors, lookup_one, one_thread
from copytrace.index.store import IndexStoreError, Store, arrow
from copytrace.index.tracing import MEMBER_COLUMNS, PAIR_COLUMNS, PENDING
from copytrace.stages.fingerprint import fingerprint_batch
from copytrace.stages.verify import verify_pairs

QUERY_ID = "query"
META_FIELDS = ("url", "source", "date", "title")


@dataclass
class SearchResult:
    """The query document, its verified matches and their explain tables."""

    query: dict
    documents: pa.Table  # the query (first) and every matched document
    pairs: pa.Table  # a = indexed document, b = the query (for a pasted text)
    passages: pa.Table
    edges: pa.Table
    edits: pa.Table
    family: dict | None = None
    missing: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)

    def matches(self) -> list[dict]:
        """One entry per matched document: figures, role, relation, credit, passages and edits."""
        qid = self.query["id"]
        docs = {r["id"]: r for r in self.documents.drop_columns(["text"]).to_pylist()}
        edges = {(e["source"], e["copy"]): e for e in self.edges.to_pylist()}
        by_pair: dict[tuple, list] = {}
        for p in self.passages.to_pylist():
            by_pair.setdefault((p["a"], p["b"]), []).append(p)
        edits: dict[tuple, list] = {}
        for e in self.edits.to_pylist():
            edits.setdefault((e["source"], e["copy"]), []).append(e)
        out = []
        for pair in self.pairs.to_pylist():
            other = pair["b"] if pair["a"] == qid else pair["a"]
            query_is_a = pair["a"] == qid
            edge = edges.get((other, qid)) or edges.get((qid, other))
            role = None
            if edge:
                role = "source" if edge["source"] == other else "copy"
            passages = [
                {"passage": p["passage"], "identity": p["identity"],
                 "query_start": p["a_start"] if query_is_a else p["b_start"],
                 "query_end": p["a_end"] if query_is_a else p["b_end"],
                 "match_start": p["b_start"] if query_is_a else p["a_start"],
                 "match_end": p["b_end"] if query_is_a else p["a_end"]}
                for p in by_pair.get((pair["a"], pair["b"]), [])
            ]
            c_q_in_m = pair["containment_a_in_b"] if query_is_a else pair["containment_b_in_a"]
            c_m_in_q = pair["containment_b_in_a"] if query_is_a else pair["containment_a_in_b"]
            out.append({
                **{k: docs.get(other, {}).get(k) for k in ("id", "title", "source", "date", "url", "n_chars")},
                "jaccard": pair["jaccard"], "shared_shingles": pair["shared_shingles"],
                "containment_query_in_match": c_q_in_m, "containment_match_in_query": c_m_in_q,
                "role": role,
                "edge": edge,
                "passages": passages,
                "edits": (edits.get((other, qid)) or edits.get((qid, other)) or []),
            })
        out.sort(key=lambda m: -m["shared_shingles"])
        return out

    def as_dict(self) -> dict:
        return {"query": self.query, "matches": self.matches(), "family": self.family,
                "missing": self.missing, "timings_ms": self.timings}


def search_text(store: Store, text: str, meta: dict | None = None, limit: int = 50,
                with_explain: bool = True) -> SearchResult:
    """Sources and copies of a text that is not (necessarily) in the index."""
    with one_thread():
        return _search_text(store, text, meta, limit, with_explain)


def _search_text(store: Store, text: str, meta: dict | None, limit: int, with_explain: bool) -> SearchResult:
    if not isinstance(text, str) or not text.strip():
        raise IndexStoreError("empty text: nothing to search for")
    meta = {k: v for k, v in (meta or {}).items() if k in META_FIELDS and v is not None}
    settings = store.settings
    times = {}
    t0 = time.perf_counter()
    fingerprints = fingerprint_batch([text], settings)
    count = int(fingerprints.n_shingles[0])
    t1 = time.perf_counter()
    docs, shared = _candidates(store, fingerprints, settings)
    t2 = time.perf_counter()
    found = store.parts.fetch(docs)
    t2b = time.perf_counter()
    found_texts = found["text"].to_pylist()
    m = len(found_texts)
    figures = verify_pairs([text] + found_texts, np.arange(1, m + 1), np.zeros(m, np.int64), settings)
    t3 = time.perf_counter()
    # Possible quotes need a passage: without alignment only family links are answered.
    kept = figures["kept"] if with_explain else figures["family_link"]
    order = [k for k in np.argsort(-figures["shared_shingles"], kind="stable") if kept[k]][:limit]
    matched = found.take(pa.array(order, pa.int64())).drop_columns(["doc"])
    query_doc = {"id": QUERY_ID, "text": text, **{k: meta.get(k) for k in META_FIELDS}, "origin": "query",
                 "family": None, "n_chars": len(text), "n_shingles": count}
    documents = pa.concat_tables([pa.Table.from_pylist([query_doc], schema=matched.schema), matched])
    sel = np.asarray(order, dtype=np.int64)
    pairs = pa.table({
        "a": matched["id"], "b": pa.array([QUERY_ID] * len(sel), pa.string()),
        "jaccard": figures["jaccard"][sel], "containment_a_in_b": figures["containment_a_in_b"][sel],
        "containment_b_in_a": figures["containment_b_in_a"][sel],
        "shared_shingles": figures["shared_shingles"][sel],
        "bands_shared": pa.array(_bands_of(docs, shared, found, order), pa.int64()),
        "family_link": pa.array(figures["family_link"][sel], pa.bool_()),
    })
    passages = None
    if with_explain:
        from copytrace.stages.align import drop_unaligned_quotes

        passages = passages_of(documents, pairs, settings)
        pairs = drop_unaligned_quotes(pairs, passages)
        listed = pa.concat_arrays([pa.array([QUERY_ID], pa.string()), pairs["a"].combine_chunks()])
        documents = documents.filter(pc.is_in(documents["id"], value_set=listed))
    t4 = time.perf_counter()
    explained = trace_of(documents, pairs, passages, settings) if with_explain else None
    t5 = time.perf_counter()
    missing = [] if with_explain else ["explain not asked for"]
    times.update(fingerprint=t1 - t0, lookup=t2 - t1, fetch=t2b - t2, verify=t3 - t2b, align=t4 - t3, trace=t5 - t4, total=t5 - t0)
    return SearchResult(
        query={**{k: v for k, v in query_doc.items() if k != "text"}, "candidates": m},
        documents=documents, pairs=pairs,
        passages=explained.passages if explained else PASSAGE_SCHEMA.empty_table(),
        edges=explained.edges if explained else EDGE_SCHEMA.empty_table(),
        edits=explained.edits if explained else EDIT_SCHEMA.empty_table(),
        missing=missing, timings={k: round(v * 1000, 3) for k, v in times.items()},
    )


def _candidates(store: Store, fingerprints, settings) -> tuple[np.ndarray, np.ndarray]:
    """(doc numbers, bands shared) of the indexed documents an add of this one text would verify:
    sharing a band, or sharing `anchors.min_shared` anchors in 2..max_df documents (the text counted)."""
    from copytrace.index.parts import document_anchors
    from copytrace.stages.candidates import count_codes

    empty = np.empty(0, np.int64)
    docs, shared = (lookup_one(store.segments, fingerprints.keys[0], settings)
                    if fingerprints.n_shingles[0] >= settings.keep.min_shared else (empty, empty))
    alive = store.parts.alive(docs)
    docs, shared = docs[alive], shared[alive]
    if fingerprints.anchors is None:
        return docs, shared
    values, rows = document_anchors(fingerprints)
    _, _, anchor_docs = lookup_anchors(store.parts, values, rows, settings)
    _, docs, shared = count_codes(docs.astype(np.uint64), shared, anchor_docs.astype(np.uint64),
                                  np.ones(len(anchor_docs), np.int64), settings.anchors.min_shared)
    return docs, shared


def _bands_of(docs, shared, found: pa.Table, order) -> list:
    if shared is None or len(docs) == 0:
        return [0] * len(order)
    by_doc = dict(zip(docs.tolist(), shared.tolist()))
    numbers = found["doc"].to_pylist()
    return [int(by_doc.get(numbers[k], 0)) for k in order]


def search_document(store: Store, doc_id: str, explain_pending: bool = True) -> SearchResult:
    """Sources and copies of an indexed document, from what the index stored.

    A family added without explaining is explained (and stored) on this
    first request, unless the index is open read-only."""
    cur = store.cursor()
    try:
        me = arrow(cur, f"select {MEMBER_COLUMNS} from documents where id = ?", [doc_id])
        if me.num_rows == 0:
            raise KeyError(doc_id)
        pairs = arrow(cur, f"select {PAIR_COLUMNS} from pairs where a = ? or b = ? order by shared_shingles desc",
                      [doc_id, doc_id])
        others = sorted(set(pairs["a"].to_pylist() + pairs["b"].to_pylist()) - {doc_id})
        rest = arrow(cur, f"select {MEMBER_COLUMNS} from documents where id in (select unnest(?::varchar[])) order by doc",
                     [others])
        passages = arrow(cur, "select * from passages where a = ? or b = ? order by a, b, passage", [doc_id, doc_id])
        edges = arrow(cur, 'select * from edges where source = ? or "copy" = ?', [doc_id, doc_id])
        edits = arrow(cur, 'select * from edits where source = ? or "copy" = ? order by "copy", copy_start, source_start',
                      [doc_id, doc_id])
        family = cur.execute("select family, size, members, original, tree, explained from families where family = ?",
                             [me["family"][0].as_py()]).fetchone()
    finally:
        cur.close()
    if explain_pending and family and family[5] == PENDING and not store.read_only:
        from copytrace.index.adding import explain_families

        explain_families(store, [family[0]])
        return search_document(store, doc_id, explain_pending=False)
    documents = pa.concat_tables([me, rest]).drop_columns(["doc"])
    row = me.drop_columns(["doc", "text"]).to_pylist()[0]
    fam = None
    if family:
        fam = dict(zip(("family", "size", "members", "original", "tree", "explained"), family))
    missing = [fam["explained"]] if fam and fam.get("explained") else []
    if pairs.num_rows and passages.num_rows == 0:
        missing.append("passages: none stored for this document's pairs")
    return SearchResult(query=row, documents=documents, pairs=pairs, passages=passages, edges=edges,
                        edits=edits, family=fam, missing=missing)
