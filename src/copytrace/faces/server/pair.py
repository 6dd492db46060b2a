"""One pair of indexed documents side by side, on demand.

What the index stored for the pair (passages, the directed edge, edits) is
used when it is there; a pair that was never aligned (only tree edges are,
in a big family) is aligned now by the align stage's own unit
(`stages.align.align_pairs`, the index's settings) on the two texts, and
shown undirected unless an edge was stored.
"""

from __future__ import annotations

import pyarrow as pa

from copytrace.index.store import Store, arrow


def pair_tables(store: Store, a: str, b: str) -> dict | None:
    """Documents, passages, edge and edits of the pair (a, b), the source first when an edge says so;
    None when either is not in the index. `computed` says the passages were aligned just now."""
    cur = store.cursor()
    try:
        docs = arrow(cur, "select id, text, url, source, date, title, n_chars from documents where id = ? or id = ?",
                     [a, b]).to_pylist()
        passages = arrow(cur, "select * from passages where (a = ? and b = ?) or (a = ? and b = ?) order by passage",
                         [a, b, b, a]).to_pylist()
        edges = arrow(cur, 'select * from edges where (source = ? and "copy" = ?) or (source = ? and "copy" = ?)',
                      [a, b, b, a]).to_pylist()
        edits = arrow(cur, 'select * from edits where (source = ? and "copy" = ?) or (source = ? and "copy" = ?) '
                           'order by copy_start, source_start', [a, b, b, a]).to_pylist()
    finally:
        cur.close()
    by_id = {d["id"]: d for d in docs}
    if a not in by_id or b not in by_id or a == b:
        return None
    edge = edges[0] if edges else None
    source, copy = (edge["source"], edge["copy"]) if edge else (a, b)
    computed = False
    if not passages:
        passages, computed = aligned_now(store, by_id[source], by_id[copy]), True
    return {"source": by_id[source], "copy": by_id[copy], "passages": passages, "edge": edge, "edits": edits,
            "computed": computed}


def aligned_now(store: Store, source: dict, copy: dict) -> list[dict]:
    from copytrace.stages.align import align_pairs

    documents = pa.table({"id": [source["id"], copy["id"]], "text": [source["text"], copy["text"]]})
    pairs = pa.table({"a": [source["id"]], "b": [copy["id"]]})
    return align_pairs(documents, pairs, store.settings.align).to_pylist()


def pair_json(tables: dict) -> dict:
    """The API's answer: both documents without text, and the pair's passages, edge and edits."""
    meta = lambda d: {k: v for k, v in d.items() if k != "text"}  # noqa: E731
    return {"source": meta(tables["source"]), "copy": meta(tables["copy"]), "edge": tables["edge"],
            "passages": tables["passages"], "edits": tables["edits"], "computed": tables["computed"]}
