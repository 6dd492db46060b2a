"""What the web page and the static report show, built from the passages, edges and edits tables.

Both faces render the same views: the families list, a family (timeline,
who-copied-whom tree, side-by-side comparisons with passages, added and
dropped text marked), and search results. The functions here turn Arrow
tables into plain dicts; templates only lay them out. All document text
reaches the page through Jinja2 with autoescaping on: text is data, never
markup.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

# When spans overlap, the higher class wins: an edit is more specific than a passage.
SPAN_PRIORITY = {"outside": 0, "passage": 1, "changed": 2, "added": 3, "dropped": 3}


def environment():
    """The Jinja2 environment of both faces: autoescaping on for every template."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: "" if x is None else f"{100 * float(x):.0f}%"
    env.filters["num"] = lambda x: "" if x is None else f"{float(x):.2f}"
    env.filters["idurl"] = id_url
    from copytrace.faces.server.tree import rows_html

    env.globals["rows_html"] = rows_html
    return env


def id_url(value) -> str:
    """An id as one URL path segment: every reserved character encoded, "/" too, so "a/../b" links to
    the document "a/../b" and not to a path the browser folds."""
    from urllib.parse import quote

    return quote(str(value), safe="")


def segments(text: str, spans: list[tuple[int, int, str]], outside: str = "") -> list[dict]:
    """Cut `text` into consecutive pieces, each with the class of the spans covering it."""
    n = len(text)
    cuts = {0, n}
    for start, end, _ in spans:
        cuts.add(max(0, min(n, int(start))))
        cuts.add(max(0, min(n, int(end))))
    points = sorted(cuts)
    out = []
    for left, right in zip(points, points[1:]):
        best = outside
        for start, end, cls in spans:
            if start <= left and right <= end and SPAN_PRIORITY.get(cls, 0) > SPAN_PRIORITY.get(best, 0):
                best = cls
        if out and out[-1]["cls"] == best:
            out[-1]["text"] += text[left:right]
        else:
            out.append({"cls": best, "text": text[left:right]})
    return out


def _date_key(doc: dict):
    from copytrace.text.dates import parse_date

    parsed = parse_date(doc.get("date"))
    return (0, parsed.value.replace(tzinfo=None).isoformat()) if parsed else (1, "")


def oriented(passages: list[dict], source: str, copy: str) -> list[dict]:
    """Passages of the pair (source, copy) with offsets named by role, whichever way the pair was stored."""
    out = []
    for p in passages:
        if (p["a"], p["b"]) == (source, copy):
            out.append({"s0": p["a_start"], "s1": p["a_end"], "c0": p["b_start"], "c1": p["b_end"], "identity": p["identity"]})
        elif (p["a"], p["b"]) == (copy, source):
            out.append({"s0": p["b_start"], "s1": p["b_end"], "c0": p["a_start"], "c1": p["a_end"], "identity": p["identity"]})
    return sorted(out, key=lambda p: p["c0"])


def comparison(source: dict, copy: dict, passages: list[dict], edits: list[dict], edge: dict | None) -> dict:
    """One side-by-side view: the source and the copy, passages highlighted, edits marked."""
    mine = oriented(passages, source["id"], copy["id"])
    s_spans = [(p["s0"], p["s1"], "passage") for p in mine]
    c_spans = [(p["c0"], p["c1"], "passage") for p in mine]
    for e in edits:
        if e["source"] != source["id"] or e["copy"] != copy["id"]:
            continue
        if e["kind"] in ("added", "changed") and e["copy_start"] is not None:
            c_spans.append((e["copy_start"], e["copy_end"], e["kind"]))
        if e["kind"] in ("dropped", "changed") and e["source_start"] is not None:
            s_spans.append((e["source_start"], e["source_end"], e["kind"]))
    has_edits = any(e["source"] == source["id"] and e["copy"] == copy["id"] for e in edits)
    outside = "" if has_edits else "outside"
    s_text, c_text = source.get("text") or "", copy.get("text") or ""
    return {
        "source_doc": _meta(source), "copy_doc": _meta(copy), "edge": edge, "directed": edge is not None,
        "passages": [{**p, "source_text": s_text[p["s0"]:p["s1"]], "copy_text": c_text[p["c0"]:p["c1"]]} for p in mine],
        "source_segments": segments(s_text, s_spans, outside),
        "copy_segments": segments(c_text, c_spans, outside),
        "added": [e for e in edits if e["kind"] == "added" and e["copy"] == copy["id"] and e["source"] == source["id"]],
        "dropped": [e for e in edits if e["kind"] == "dropped" and e["copy"] == copy["id"] and e["source"] == source["id"]],
        "has_edits": has_edits,
    }


def _meta(doc: dict) -> dict:
    return {k: doc.get(k) for k in ("id", "title", "source", "date", "url", "n_chars")}


def tree_nodes(tree: list[dict], original: str | None, members: list[str]) -> list[dict]:
    """The who-copied-whom tree as nested nodes, the original at the root."""
    children: dict[str, list[dict]] = {}
    has_parent = set()
    for e in tree or []:
        children.setdefault(e["source"], []).append(e)
        has_parent.add(e["copy"])
    roots = [original] if original else [m for m in members if m not in has_parent and m in children]

    def node(doc_id: str, relation: str | None, seen: frozenset) -> dict:
        kids = [node(e["copy"], e["relation"], seen | {doc_id}) for e in children.get(doc_id, [])
                if e["copy"] not in seen]
        return {"id": doc_id, "relation": relation, "children": kids}

    return [node(r, None, frozenset()) for r in roots if r]


def family_view(family: dict, documents: pa.Table, pairs: pa.Table, passages: pa.Table,
                edges: pa.Table, edits: pa.Table) -> dict:
    """A family: timeline of members, tree, and one comparison per edge (or per pair when undirected)."""
    docs = {d["id"]: d for d in documents.to_pylist()}
    members = [docs[m] for m in family["members"] if m in docs]
    original = family.get("original")
    timeline = sorted(members, key=lambda d: (_date_key(d), family["members"].index(d["id"])))
    p_rows, e_rows, ed_rows = passages.to_pylist(), edges.to_pylist(), edits.to_pylist()
    copies = {e["copy"] for e in e_rows}
    comparisons = [comparison(docs[e["source"]], docs[e["copy"]], p_rows, ed_rows, e)
                   for e in e_rows if e["source"] in docs and e["copy"] in docs]
    if not e_rows:
        comparisons = [comparison(docs[p["a"]], docs[p["b"]], p_rows, [], None)
                       for p in pairs.to_pylist() if p["a"] in docs and p["b"] in docs]
    return {
        "family": family["family"], "size": family["size"], "original": original,
        "explained": family.get("explained"),
        "timeline": [{**_meta(d), "role": "original" if d["id"] == original else
                      ("copy" if d["id"] in copies else "member")} for d in timeline],
        "tree": tree_nodes(family.get("tree") or [], original, family["members"]),
        "titles": {d["id"]: d.get("title") or d["id"] for d in members},
        "comparisons": comparisons,
    }


def family_rows(families: pa.Table, documents: pa.Table, sort: str = "size") -> list[dict]:
    """The families list: size, original, outlets, latest date; sorted by size or by recency."""
    docs = {d["id"]: d for d in documents.select(
        [c for c in ("id", "title", "source", "date") if c in documents.column_names]).to_pylist()}
    rows = []
    for f in families.to_pylist():
        members = [docs[m] for m in f["members"] if m in docs]
        if len(members) < 2:
            continue
        head = docs.get(f.get("original") or "") or members[0]
        dated = sorted((_date_key(m) for m in members if _date_key(m)[0] == 0), key=lambda k: k[1])
        rows.append({
            "family": f["family"], "size": f["size"], "original": f.get("original"),
            "title": head.get("title") or head["id"], "head": head["id"],
            "outlets": sorted({m.get("source") for m in members if m.get("source")}),
            "first_date": dated[0][1][:10] if dated else "", "latest_date": dated[-1][1][:10] if dated else "",
            "updated": str(f.get("updated_at") or ""),
        })
    if sort == "recent":
        rows.sort(key=lambda r: (r["latest_date"] or "", r["updated"], r["family"]), reverse=True)
    else:
        rows.sort(key=lambda r: (-r["size"], r["family"]))
    return rows


def search_view(result) -> dict:
    """Search results: for each match, a comparison with the query on its side (source or copy)."""
    docs = {d["id"]: d for d in result.documents.to_pylist()}
    qid = result.query["id"]
    query = docs[qid]
    p_rows, ed_rows = result.passages.to_pylist(), result.edits.to_pylist()
    matches = []
    for m in result.matches():
        other = docs[m["id"]]
        if m["role"] == "copy":
            view = comparison(query, other, p_rows, ed_rows, m["edge"])
        else:
            view = comparison(other, query, p_rows, ed_rows, m["edge"])
        matches.append({**m, "view": view})
    return {"query": result.query, "matches": matches, "missing": result.missing, "timings": result.timings}
