"""Keeping story families and their explain outputs current as documents come and go.

A family is numbered by its oldest member (the smallest `doc`); only pairs
that link families (`family_link`) join them, as in a scan. After an add or
a remove, each touched family has its members re-read, its pairs and
passages gathered, and provenance traced again; the old edges, edits and
family rows are replaced inside the same transaction. A confirmed quote
between two families is traced with both (`trace_group`), as the scan's
one trace over the whole corpus sees it: a cross-family link, kept in the
edges table outside both trees. Only the pairs the scan's explain plan
aligns are aligned (`explain.planned_pairs`): a large family's tree edges.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from copytrace.stages.families import connected_components
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA
from copytrace.index.explain import Explained, _conform, trace_of
from copytrace.index.store import arrow

MEMBER_COLUMNS = "doc, id, text, url, source, date, title, origin, family, n_chars, n_shingles"
PENDING = "pending: added without explaining; run `copytrace index explain`"
PAIR_COLUMNS = "a, b, jaccard, containment_a_in_b, containment_b_in_a, shared_shingles, bands_shared, family_link"


def _ids_param(values) -> list:
    return [list(values)]


def family_tables(cur, families, columns: str = MEMBER_COLUMNS) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Members (with `columns`), pairs and passages of the given families."""
    fam = _ids_param(int(f) for f in families)
    members = arrow(cur, f"select {columns} from documents where family in (select unnest(?::bigint[])) order by doc", fam)
    ids = _ids_param(members["id"].to_pylist())
    pairs = arrow(cur, f"select {PAIR_COLUMNS} from pairs where a in (select unnest(?::varchar[])) order by a, b", ids)
    passages = arrow(cur, "select * from passages where a in (select unnest(?::varchar[])) order by a, b, passage", ids)
    return members, pairs, passages


def trace_group(cur, families) -> list[int]:
    """The families and every family a confirmed quote joins them to (transitively): what one trace
    must see so that a quote's edge is traced once, as in the scan's trace of the whole corpus."""
    group = sorted(set(int(f) for f in families))
    sql = """
        with m as (select id from documents where family in (select unnest(?::bigint[]))),
             q as (select a, b from pairs where not family_link and (a in (select id from m) or b in (select id from m)))
        select distinct family from documents where id in (select a from q union select b from q)"""
    while group:
        found = {r[0] for r in cur.execute(sql, [group]).fetchall()} - set(group)
        if not found:
            break
        group = sorted(set(group) | found)
    return group


def regroup(cur, families) -> list[int]:
    """Recompute the components of the given families from their family links (after a removal); new numbers."""
    members, pairs, _ = family_tables(cur, families)
    if members.num_rows == 0:
        return []
    pairs = pairs.filter(pairs["family_link"])
    docs = np.asarray(members["doc"].to_pylist(), dtype=np.int64)
    position = {doc_id: k for k, doc_id in enumerate(members["id"].to_pylist())}
    a = np.array([position[x] for x in pairs["a"].to_pylist()], dtype=np.int64)
    b = np.array([position[x] for x in pairs["b"].to_pylist()], dtype=np.int64)
    component = connected_components(len(docs), a, b)
    oldest = {}
    for k, c in enumerate(component):
        oldest[c] = min(oldest.get(c, docs[k]), docs[k])
    number = np.array([oldest[c] for c in component], dtype=np.int64)
    changed = pa.table({"doc": docs.astype(np.uint32), "family": number})
    cur.register("regrouped", changed)
    try:
        cur.execute("update documents set family = r.family from regrouped r where documents.doc = r.doc")
    finally:
        cur.unregister("regrouped")
    return sorted(set(number.tolist()))


def retrace(cur, settings, new_families, old_families=(), trace: bool = True) -> list[str]:
    """Replace edges, edits and family rows of touched families; return what could not be explained.

    The families traced are `trace_group(new_families)`. With `trace=False`
    the family rows are written with `explained` = PENDING and no tree, for
    `explain_pending` to complete later.
    """
    new_families = trace_group(cur, new_families)
    gone = sorted(set(int(f) for f in old_families) | set(new_families))
    if gone:
        # An edge's family is its members' family; a cross-family link is filed under its source's
        # (`explain.link_edges`), and both families are in the trace group.
        cur.execute("delete from edges where family in (select unnest(?::bigint[]))", [gone])
        cur.execute("delete from families where family in (select unnest(?::bigint[]))", [gone])
    # Untraced, only ids and families are needed: reading texts back from DuckDB is slow.
    members, pairs, passages = family_tables(cur, new_families, MEMBER_COLUMNS if trace else "doc, id, family")
    if members.num_rows == 0:
        return []
    ids = members["id"].to_pylist()
    cur.execute('delete from edits where "copy" in (select unnest(?::varchar[]))', [ids])
    explained, note = _trace(members, pairs, passages, settings) if trace else (Explained(), PENDING)
    if explained.edges.num_rows:
        insert_table(cur, "edges", _conform(explained.edges, EDGE_SCHEMA))
    if explained.edits.num_rows:
        insert_table(cur, "edits", _conform(explained.edits, EDIT_SCHEMA))
    quoting = set(pairs["a"].to_pylist()) | set(pairs["b"].to_pylist()) if not trace else set()
    insert_table(cur, "families", _family_rows(members, explained, note, quoting))
    return explained.missing


def _trace(members: pa.Table, pairs: pa.Table, passages: pa.Table, settings) -> tuple[Explained, str | None]:
    explained = trace_of(members.drop_columns(["doc"]), pairs, passages, settings)
    return explained, (explained.missing[0] if explained.missing else None)


def _family_rows(members: pa.Table, explained: Explained, note: str | None, quoting=frozenset()) -> pa.Table:
    """One row per family of two or more members, with the traced original and tree when known.

    Untraced (`note` PENDING), a single document in `quoting` (it has a pair: a
    confirmed quote) gets a row too, so that `explain_pending` traces its quote;
    tracing deletes that row."""
    by_family: dict[int, list[str]] = {}
    for doc_id, fam in zip(members["id"].to_pylist(), members["family"].to_pylist()):
        by_family.setdefault(fam, []).append(doc_id)
    traced = {}
    for row in explained.families.to_pylist():
        for doc_id in row.get("members") or []:
            traced[doc_id] = row
    rows = {"family": [], "size": [], "members": [], "original": [], "tree": [], "explained": []}
    for fam, ids in sorted(by_family.items()):
        if len(ids) < 2 and not (note == PENDING and ids[0] in quoting):
            continue
        found = next((traced[i] for i in ids if i in traced), None)
        tree = [e for e in (found or {}).get("tree") or [] if e["copy"] in ids]
        rows["family"].append(fam)
        rows["size"].append(len(ids))
        rows["members"].append(ids)
        rows["original"].append(found.get("original") if found else None)
        rows["tree"].append(tree)
        rows["explained"].append(None if found else (note if note == PENDING else
                                                     f"not traced: {note}" if note else "not traced"))
    tree_type = pa.list_(pa.struct([("source", pa.string()), ("copy", pa.string()), ("relation", pa.string())]))
    return pa.table({
        "family": pa.array(rows["family"], pa.int64()),
        "size": pa.array(rows["size"], pa.int64()),
        "members": pa.array(rows["members"], pa.list_(pa.string())),
        "original": pa.array(rows["original"], pa.string()),
        "tree": pa.array(rows["tree"], tree_type),
        "explained": pa.array(rows["explained"], pa.string()),
    })


def insert_table(cur, table: str, data: pa.Table) -> None:
    if data.num_rows == 0:
        return
    have = {r[0] for r in cur.execute(
        "select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}
    cur.register("incoming", data)
    try:
        names = ", ".join(f'"{n}"' for n in data.column_names if n in have)
        cur.execute(f"insert into {table} ({names}) select {names} from incoming")
    finally:
        cur.unregister("incoming")
