"""Matches of the semantic stage into the scan's tables: passages, edges (direction, credit), edits, families.

Direction reuses `stages.provenance` (dates, credit lines, coverage, framing)
on a pair view built from the aligned sentences, plus one cue that needs no
language: one side names the other's outlet ("según la BBC", "по данным
RT", "(Reuters)") and not the reverse. A copy joins its source's family; the
tree gains the edge when the copy was its own family's root.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, PASSAGE_SCHEMA
from copytrace.settings import ScanSettings
from copytrace.stages.provenance import (PairView, _confidence, _document_rows, direction_score, document_facts)
from copytrace.stages.provenance.edits import copy_edits
from copytrace.text.spans import merge


def _outlet_named(text: str, outlet: str | None) -> re.Match | None:
    """Where `text` names `outlet` as a word (any script around it), else None."""
    if not outlet or len(outlet) < 2:
        return None
    return re.search(rf"(?<!\w){re.escape(outlet)}(?!\w)", text)


def outlet_cue(x: dict, y: dict, weight: float, credits: dict) -> tuple[float, list[str]]:
    """Positive when y names x's outlet (y credits x), negative for the reverse; with its evidence.

    `credits` gets, per naming document, the text around the name."""
    score, evidence = 0.0, []
    for src, cp, sign in ((x, y, 1.0), (y, x, -1.0)):
        hit = _outlet_named(cp["text"], src.get("source"))
        if hit and src.get("source") != cp.get("source"):
            score += sign * weight
            lo, hi = max(0, hit.start() - 40), min(len(cp["text"]), hit.end() + 40)
            snippet = cp["text"][lo:hi].strip()
            evidence.append(f"credit: {cp['id']} names {src['source']!r}, the outlet of {src['id']} ({snippet!r})")
            credits[cp["id"]] = snippet
    return score, evidence


def _view(corpus, m, facts) -> PairView:
    a, b = corpus.ids[m.a], corpus.ids[m.b]
    passages = []
    for i, j, cos in m.sentences:
        (as_, ae), (bs, be) = corpus.spans[m.a][i], corpus.spans[m.b][j]
        passages.append((as_, ae, bs, be, round(cos, 4)))
    view = PairView(a, b, passages)
    view.cover_a, view.prose_a = facts[a].covered(merge((p[0], p[1]) for p in passages))
    view.cover_b, view.prose_b = facts[b].covered(merge((p[2], p[3]) for p in passages))
    view.shared_words = sum(len(facts[a].text[p[0]:p[1]].split()) for p in passages)
    return view


def _extent(m, corpus, source_doc: int) -> str:
    n_src = len(corpus.spans[source_doc])
    copy_doc = m.b if source_doc == m.a else m.a
    n_copy = len(corpus.spans[copy_doc])
    whole = len(m.sentences) >= 0.8 * n_src
    mean = float(np.mean([c for _, _, c in m.sentences]))
    return (f"{m.relation}: {'whole' if whole else 'partial'}, {len(m.sentences)} of {n_src} source sentences "
            f"and {len(m.sentences)} of {n_copy} copy sentences aligned "
            f"({corpus.languages[source_doc]} -> {corpus.languages[copy_doc]}), mean cosine {mean:.2f}, "
            f"found by {m.found_by}")


def add_matches(result, corpus, matches, settings: ScanSettings) -> dict:
    """Append the matches' passages, edges and edits to `result.tables`; merge families. Counts added."""
    if not matches:
        return {"edges_added": 0, "families_merged": 0}
    prov = settings.provenance
    docs = result.documents
    ids = {corpus.ids[d] for m in matches for d in (m.a, m.b)}
    rows = _document_rows(docs, ids)
    by_id = {r["id"]: r for r in rows}
    facts, index = document_facts(rows, prov)
    family_of = dict(zip(docs["id"].to_pylist(), docs["family"].to_pylist())) if "family" in docs.column_names else {}
    passages, edges, edits = [], [], []
    for m in matches:
        a, b = corpus.ids[m.a], corpus.ids[m.b]
        view = _view(corpus, m, facts)
        score, evidence = direction_score(facts[a], facts[b], view, index, prov)
        named: dict[str, str] = {}
        extra, said = outlet_cue(by_id[a], by_id[b], prov.credit_weight, named)
        if not any(e.startswith("credit:") for e in evidence):
            score, evidence = score + extra, evidence + said
        source, copy = (a, b) if score >= 0 else (b, a)
        source_doc = m.a if source == a else m.b
        evidence = [_extent(m, corpus, source_doc)] + (evidence or [f"no cue: {source} first in input order"])
        credited = named.get(copy)
        for k, p in enumerate(view.passages):
            passages.append({"a": a, "b": b, "passage": k, "a_start": p[0], "a_end": p[1], "b_start": p[2],
                             "b_end": p[3], "identity": p[4]})
        edges.append({"family": family_of.get(source), "source": source, "copy": copy, "relation": m.relation,
                      "source_coverage": round(view.side(source)[0], 4), "copy_coverage": round(view.side(copy)[0], 4),
                      "credit": True if credited else None, "credited": by_id[source].get("source") if credited else None,
                      "credit_text": credited, "confidence": _confidence(score), "evidence": evidence,
                      "in_tree": False})
        directed = [(p[0], p[1], p[2], p[3], 1.0) if source == a else (p[2], p[3], p[0], p[1], 1.0)
                    for p in view.passages]  # 1.0: no word diff across languages or paraphrase
        edits += copy_edits(facts[source], facts[copy], directed, prov.edits)
    _drop_upgraded(result, [e for e in edges if e["relation"] == "rewrite"])
    merged = _merge_families(result, edges)
    _append(result, "passages", passages, PASSAGE_SCHEMA)
    _append(result, "edges", edges, EDGE_SCHEMA)
    _append(result, "edits", edits, EDIT_SCHEMA)
    return {"edges_added": len(edges), "passages_added": len(passages), "edits_added": len(edits),
            "families_merged": merged}


def _drop_upgraded(result, rewrites: list[dict]) -> None:
    """A near miss upgraded to a rewrite keeps one edge: the rewrite (its lexical passages stay)."""
    edges = result.tables.get("edges")
    if not rewrites or edges is None or not edges.num_rows:
        return
    upgraded = {frozenset((e["source"], e["copy"])) for e in rewrites}
    keep = [frozenset((s, c)) not in upgraded for s, c in zip(edges["source"].to_pylist(), edges["copy"].to_pylist())]
    result.tables["edges"] = edges.filter(pa.array(keep, pa.bool_()))


def _append(result, name: str, rows: list[dict], schema: pa.Schema) -> None:
    new = pa.Table.from_pylist(rows, schema=schema)
    old = result.tables.get(name)
    result.tables[name] = pa.concat_tables([old.cast(schema), new]) if old is not None and old.num_rows else new


def _merge_families(result, edges: list[dict]) -> int:
    """Each copy's family joins its source's (the tree gains the edge when the copy was its family's root)."""
    docs = result.documents
    if "family" not in docs.column_names:
        return 0
    family = dict(zip(docs["id"].to_pylist(), docs["family"].to_pylist()))
    fams = {f["family"]: f for f in result.families.to_pylist()}
    merged = 0
    for e in edges:
        fs, fc = family[e["source"]], family[e["copy"]]
        if fs == fc:
            e["family"] = fs
            continue
        src, cp = fams[fs], fams.pop(fc)
        was_root = cp.get("original") in (None, e["copy"]) or cp["size"] == 1
        src["members"] = list(src["members"]) + list(cp["members"])
        src["size"] = len(src["members"])
        src["original"] = src.get("original") or e["source"]
        src["tree"] = list(src.get("tree") or []) + list(cp.get("tree") or [])
        if was_root:
            src["tree"].append({"source": e["source"], "copy": e["copy"], "relation": e["relation"]})
            e["in_tree"] = True
        for m in cp["members"]:
            family[m] = fs
        merged += 1
        e["family"] = fs
    for e in edges:
        e["family"] = family[e["copy"]]
    ids = docs["id"].to_pylist()
    column = pa.array([family[d] for d in ids], docs.schema.field("family").type)
    result.documents = docs.set_column(docs.schema.get_field_index("family"), "family", column)
    result.families = pa.Table.from_pylist(sorted(fams.values(), key=lambda f: f["family"]),
                                           schema=result.families.schema)
    _refamily(result, family)
    return merged


def _refamily(result, family: dict) -> None:
    """Earlier edges carry the family of their copy after the merge."""
    edges = result.tables.get("edges")
    if edges is None or not edges.num_rows or "family" not in edges.column_names:
        return
    column = pa.array([family.get(c, f) for c, f in zip(edges["copy"].to_pylist(), edges["family"].to_pylist())],
                      edges.schema.field("family").type)
    result.tables["edges"] = edges.set_column(edges.schema.get_field_index("family"), "family", column)
