"""`copytrace bench score`: a system's output folder against the gold of a benchmark corpus.

Pairs are scored by relation and by goal band. A predicted pair the gold
does not hold (a false pair) counts against the relation the system gave
it; when the system gives no relation, against every relation: per-relation
precision can then only be understated, never flattered. Credit is scored
per copying document: the set of corpus outlets it credits; names of
outlets outside the corpus (a wire named inside the real article text) are
not scored.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from copytrace.schemas import RELATIONS
from copytrace.outlets import outlet_key
from copytrace.evaluation.gold import Gold
from copytrace.evaluation.measures import Passage, adjusted_rand_index, pan_measures, prf, ratio
from copytrace.evaluation.predictions import Predictions, has, map_span, offset_maps

BANDS = ("major", "section", "quote")
BANDS_OF_RELATION = {"same": ("major",), "republication": ("major",), "cut": ("major", "section"), "partial": ("major", "section"),
                     "quote": ("quote",)}
GOALS = {  # measure path -> target (issue 7)
    "pairs.by_band.major.f1": 0.97,
    "pairs.by_band.section.f1": 0.90,
    "families.ari": 0.95,
    "original.accuracy": 0.95,
    "direction.accuracy": 0.95,
    "credit.f1": 0.95,
    "passages.plagdet": 0.90,
}


def score_predictions(gold: Gold, pred: Predictions, system: str) -> dict:
    result = {"system": system, "available": pred.available()}
    result["pairs"], result_failures = score_pairs(gold, pred)
    result["families"] = score_families(gold, pred)
    result["original"] = score_original(gold, pred)
    result["direction"] = score_direction(gold, pred)
    result["credit"] = score_credit(gold, pred)
    result["passages"] = score_passages(gold, pred)
    result["failures"] = result_failures
    result["goals"] = goals(result)
    return result


def lookup(result: dict, path: str):
    value = result
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def goals(result: dict) -> dict:
    out = {}
    for path, target in GOALS.items():
        value = lookup(result, path)
        out[path] = {"target": target, "value": value, "met": None if value is None else value >= target}
    return out


def predicted_pairs(gold: Gold, pred: Predictions) -> tuple[dict[tuple[str, str], str | None], int]:
    """Found pairs (in gold document order) with the relation the system gave, if any."""
    found: dict[tuple[str, str], str | None] = {}
    unknown = 0
    for row in pred.rows("pairs", "a", "b", "relation", "family_link"):
        if row["a"] not in gold.order or row["b"] not in gold.order:
            unknown += 1
            continue
        # copytrace marks a pair that does not link families as a possible quote
        claimed = row.get("relation") or ("quote" if row.get("family_link") is False else None)
        found[gold.ordered(row["a"], row["b"])] = claimed
    for row in pred.rows("edges", "source", "copy", "relation"):
        if row["source"] in gold.order and row["copy"] in gold.order:
            key = gold.ordered(row["source"], row["copy"])
            found[key] = row.get("relation") or found.get(key)
    return found, unknown


def score_pairs(gold: Gold, pred: Predictions) -> tuple[dict | None, dict]:
    failures: dict = {}
    if not (has(pred.table("pairs"), "a", "b") or has(pred.table("edges"), "source", "copy")):
        return None, failures
    found, unknown = predicted_pairs(gold, pred)
    truth = {(p["a"], p["b"]): p for p in gold.pairs}
    false_pairs = [k for k in found if k not in truth]
    by_relation, by_band = {}, {}
    for group, names, key, claimed in (
        (by_relation, RELATIONS, "relation", lambda rel: () if rel is None else (rel,)),
        (by_band, BANDS, "band", lambda rel: () if rel is None else BANDS_OF_RELATION.get(rel, ())),
    ):
        for name in names:
            gold_keys = [k for k, p in truth.items() if p[key] == name]
            tp = sum(1 for k in gold_keys if k in found)
            fp = sum(1 for k in false_pairs if found[k] is None or name in claimed(found[k]))
            group[name] = prf(tp, fp, len(gold_keys) - tp)
    tp = sum(1 for k in truth if k in found)
    docs = {d["id"]: d for d in gold.documents}
    missed = [p for k, p in truth.items() if k not in found]
    noise_total = Counter(tag for p in gold.pairs for tag in p["noise"])
    noise_missed = Counter(tag for p in missed for tag in p["noise"])
    failures["missed_pairs_by_relation"] = dict(Counter(p["relation"] for p in missed))
    failures["missed_pairs_by_noise"] = {tag: f"{noise_missed[tag]}/{noise_total[tag]}"
                                         for tag, _ in noise_missed.most_common()}
    failures["false_pairs_by_kind"] = dict(Counter(false_pair_kind(docs[a], docs[b]) for a, b in false_pairs))
    if unknown:
        failures["pairs_naming_unknown_documents"] = unknown
    return {"overall": prf(tp, len(false_pairs), len(truth) - tp), "by_relation": by_relation, "by_band": by_band}, failures


def false_pair_kind(x: dict, y: dict) -> str:
    if x["outlet"] == y["outlet"]:
        return "same outlet (shared page chrome)"
    if x["article"] >= 0 and x["article"] == y["article"]:
        return "pieces of one input article"
    if x["family"] == y["family"]:
        return "same family, no shared text"
    return "unrelated"


def predicted_families(gold: Gold, pred: Predictions) -> dict[str, object] | None:
    if has(pred.table("documents"), "id", "family"):
        return {r["id"]: r["family"] for r in pred.rows("documents", "id", "family")}
    if has(pred.table("families"), "family", "members"):
        return {m: r["family"] for r in pred.rows("families", "family", "members") for m in (r["members"] or [])}
    return None


def score_families(gold: Gold, pred: Predictions) -> dict | None:
    label = predicted_families(gold, pred)
    if label is None:
        return None
    ids = [d["id"] for d in gold.documents]
    truth = [d["family"] for d in gold.documents]
    guess = [label.get(i, f"absent:{i}") for i in ids]
    members = defaultdict(set)
    for i, f in zip(ids, guess):
        members[f].add(i)
    gold_sets = [set(f["members"]) for f in gold.families if f["size"] > 1]
    exact = sum(1 for s in gold_sets if members[label.get(next(iter(s)), None)] == s)
    return {"ari": adjusted_rand_index(truth, guess), "gold_families": len(gold.families),
            "predicted_families": len(set(guess)), "multi_member_gold": len(gold_sets),
            "recovered_exactly": exact, "absent_documents": sum(1 for i in ids if i not in label)}


def score_original(gold: Gold, pred: Predictions) -> dict | None:
    label = predicted_families(gold, pred)
    if label is None or not has(pred.table("families"), "family", "original"):
        return None
    named = {r["family"]: r["original"] for r in pred.rows("families", "family", "original")}
    right, judged, wrong_by_plan = 0, 0, Counter()
    for family in gold.families:
        if family["size"] < 2:
            continue
        judged += 1
        guess = named.get(label.get(family["original"]))
        if guess in family["originals"]:
            right += 1
        else:
            wrong_by_plan[family["plan"]] += 1
    return {"accuracy": ratio(right, judged), "right": right, "judged": judged, "wrong_by_plan": dict(wrong_by_plan)}


def predicted_edges(pred: Predictions) -> list[dict] | None:
    if has(pred.table("edges"), "source", "copy"):
        return pred.rows("edges", "source", "copy", "relation", "credit", "credited")
    if has(pred.table("families"), "tree"):
        return [dict(edge) for r in pred.rows("families", "tree") for edge in (r["tree"] or [])]
    return None


def score_direction(gold: Gold, pred: Predictions) -> dict | None:
    edges = predicted_edges(pred)
    if edges is None:
        return None
    page = {e["copy"]: e["source"] for e in gold.edges if e["kind"] == "capture"}
    older = {(p["a"], p["b"]): p["older"] for p in gold.pairs if p["older"]}
    right = judged = 0
    wrong = Counter()
    docs = {d["id"]: d for d in gold.documents}
    for e in edges:
        if e.get("relation") == "same" or e["source"] not in gold.order or e["copy"] not in gold.order:
            continue
        truth = older.get(gold.ordered(e["source"], e["copy"]))
        if truth is None:
            continue
        judged += 1
        if page.get(e["source"], e["source"]) == page.get(truth, truth):
            right += 1
        else:
            # turned round: e["source"] is the true copy, `truth` the true source
            wrong[f"copy date {docs[e['source']]['date_kind']}, source date {docs[truth]['date_kind']}"] += 1
    found = {(e["source"], e["copy"]) for e in edges}
    direct = [e for e in gold.edges if e["kind"] != "capture" and e["relation"]]
    recovered = sum(1 for e in direct if (e["source"], e["copy"]) in found)
    return {"accuracy": ratio(right, judged), "right": right, "judged": judged,
            "gold_edges_recovered": ratio(recovered, len(direct)), "wrong_by_dates": dict(wrong)}


def score_credit(gold: Gold, pred: Predictions) -> dict | None:
    table = pred.table("edges")
    if not has(table, "source", "copy", "credit"):
        return None
    canonical = {}
    for outlet in gold.data["outlets"]:
        for name in (outlet["name"], outlet["domain"]):
            canonical[outlet_key(name)] = outlet["domain"]
    domain_of = {d["id"]: d["domain"] for d in gold.documents}
    truth = {(e["copy"], e["credited_domain"]) for e in gold.edges if e["credit"]}
    copies = {e["copy"] for e in gold.edges if e["kind"] != "capture"}
    claimed, outside = set(), 0
    for e in pred.rows("edges", "source", "copy", "credit", "credited"):
        if not e.get("credit") or e["copy"] not in domain_of:
            continue
        named = e.get("credited")
        outlet = canonical.get(outlet_key(named)) if named else domain_of.get(e["source"])
        if outlet is None:
            outside += 1
            continue
        claimed.add((e["copy"], outlet))
    measures = prf(len(truth & claimed), len(claimed - truth), len(truth - claimed))
    gold_sets, pred_sets = defaultdict(set), defaultdict(set)
    for doc, outlet in truth:
        gold_sets[doc].add(outlet)
    for doc, outlet in claimed:
        pred_sets[doc].add(outlet)
    right = sum(1 for doc in copies if gold_sets[doc] == pred_sets[doc])
    forms = {(e["copy"], e["credited_domain"]): next((n[7:] for n in e["noise"] if n.startswith("credit_")), "?")
             for e in gold.edges if e["credit"]}
    missed = Counter(forms[k] for k in truth - claimed)
    false = Counter("names itself (feed footer, own copyright)" if outlet == domain_of[doc] else "names another outlet"
                    for doc, outlet in claimed - truth)
    return {**measures, "accuracy": ratio(right, len(copies)), "copies": len(copies),
            "credits_outside_corpus": outside, "missed_by_form": dict(missed), "false_by_kind": dict(false)}


def score_passages(gold: Gold, pred: Predictions) -> dict | None:
    if not has(pred.table("passages"), "a", "b", "a_start", "a_end", "b_start", "b_end"):
        return None
    cases = [Passage(p["a"], p["b"], *span) for p in gold.pairs for span in p["passages"]]
    # offsets into cleaned text (chrome lines removed) are taken back to the text as given
    maps, unmapped = offset_maps(pred, gold.texts)
    detections = []
    for r in pred.rows("passages", "a", "b", "a_start", "a_end", "b_start", "b_end"):
        if r["a"] not in gold.order or r["b"] not in gold.order:
            continue
        a_span = map_span(maps, r["a"], r["a_start"], r["a_end"])
        b_span = map_span(maps, r["b"], r["b_start"], r["b_end"])
        if gold.order[r["a"]] <= gold.order[r["b"]]:
            detections.append(Passage(r["a"], r["b"], *a_span, *b_span))
        else:
            detections.append(Passage(r["b"], r["a"], *b_span, *a_span))
    relation_of = {(p["a"], p["b"]): p["relation"] for p in gold.pairs}
    recall_by_relation = {}
    for relation in RELATIONS:
        mine = [c for c in cases if relation_of[(c.a, c.b)] == relation]
        found = [d for d in detections if relation_of.get((d.a, d.b)) == relation]
        if mine:
            recall_by_relation[relation] = round(pan_measures(mine, found)["recall"], 4)
    return {**pan_measures(cases, detections), "recall_by_relation": recall_by_relation,
            "documents_cleaned": len(maps), "documents_unmapped": len(unmapped)}


# The newsroom corpus (`evaluation.newsroom`): journalists' classes of a paper's story against its wire story.
CLASS_OF_RELATION = {"same": "wholly", "republication": "wholly", "cut": "wholly", "partial": "partially",
                     "quote": "quotes"}
NEWSROOM_GOALS = {
    "classes.wholly.linked": 0.99, "classes.wholly.classified": 0.95,
    "classes.partially.linked": 0.95, "classes.partially.classified": 0.85,
    "classes.quotes.only_as_quotes": 1.0, "direction.accuracy": 0.95, "tree.wire_parent": 0.95,
}


def _newsroom_found(pred: Predictions) -> tuple[dict, dict]:
    """{(x, y) unordered: relation or None} of every pair the system holds, and {(source, copy)}."""
    found: dict[frozenset, str | None] = {}
    linked: set[frozenset] = set()
    for row in pred.rows("pairs", "a", "b", "family_link"):
        key = frozenset((row["a"], row["b"]))
        found.setdefault(key, None)
        if row.get("family_link"):
            linked.add(key)
    directed = {}
    for row in pred.rows("edges", "source", "copy", "relation"):
        key = frozenset((row["source"], row["copy"]))
        found[key] = row.get("relation")
        directed[key] = row["source"]
    return found, {"family_link": linked, "source": directed}


def score_newsroom(gold: dict, pred: Predictions, system: str) -> dict:
    """Per class: linked, classified, direction; quote-sharing reports never called derived; tree parents."""
    found, more = _newsroom_found(pred)
    classes = {}
    right_dir = judged_dir = 0
    for name in ("wholly", "partially", "quotes"):
        pairs = [p for p in gold["pairs"] if p["class"] == name]
        keys = [frozenset((p["wire"], p["copy"])) for p in pairs]
        hit = [k for k in keys if k in found]
        claimed = Counter(CLASS_OF_RELATION.get(found[k], "none") for k in hit)
        row = {"pairs": len(pairs), "linked": ratio(len(hit), len(pairs)),
               "classified": ratio(claimed[name], len(pairs)), "claimed_as": dict(claimed)}
        if name == "quotes":
            derived = claimed["wholly"] + claimed["partially"]
            joined = sum(1 for k in hit if k in more["family_link"])
            row.update(derived_claims=derived, family_links=joined,
                       only_as_quotes=ratio(len(pairs) - derived - joined, len(pairs)))
        else:
            judged = [(p, k) for p, k in zip(pairs, keys) if k in more["source"]]
            right = sum(1 for p, k in judged if more["source"][k] == p["wire"])
            row["direction"] = ratio(right, len(judged))
            right_dir += right
            judged_dir += len(judged)
        classes[name] = row
    result = {"system": system, "classes": classes,
              "direction": {"accuracy": ratio(right_dir, judged_dir), "right": right_dir, "judged": judged_dir},
              "unrelated": _unrelated(gold, found), "tree": _tree_parents(gold, pred)}
    result["goals"] = {path: {"target": target, "value": lookup(result, path),
                              "met": None if lookup(result, path) is None else lookup(result, path) >= target}
                       for path, target in NEWSROOM_GOALS.items()}
    return result


def _unrelated(gold: dict, found: dict) -> dict:
    """Pairs of documents written from different wire stories: any link is false."""
    wire_of = {d["id"]: d["wire"] for d in gold["documents"]}
    false = [k for k in found if len({wire_of.get(d) for d in k}) > 1]
    derived = sum(1 for k in false if CLASS_OF_RELATION.get(found[k]) in ("wholly", "partially"))
    return {"false_links": len(false), "claimed_derived": derived}


def _tree_parents(gold: dict, pred: Predictions) -> dict:
    """Papers whose parent in the family tree is the one the gold names: the wire, or the paper a chain took."""
    parent = {}
    for row in pred.rows("families", "tree"):
        for edge in row.get("tree") or []:
            parent[edge["copy"]] = edge["source"]
    kinds = {d["id"]: d for d in gold["documents"]}
    wire_kids = [d for d in kinds.values() if d["parent"] and d["parent"] == d["wire"]]
    paper_kids = [d for d in kinds.values() if d["parent"] and d["parent"] != d["wire"]]
    wrong = Counter(f"{d['kind']} under {kinds[parent[d['id']]]['kind'] if parent.get(d['id']) in kinds else 'nothing'}"
                    for d in wire_kids if parent.get(d["id"]) != d["parent"])
    return {"wire_parent": ratio(sum(1 for d in wire_kids if parent.get(d["id"]) == d["parent"]), len(wire_kids)),
            "paper_parent": ratio(sum(1 for d in paper_kids if parent.get(d["id"]) == d["parent"]), len(paper_kids)),
            "papers": len(wire_kids), "chains": len(paper_kids), "wrong": dict(wrong)}
