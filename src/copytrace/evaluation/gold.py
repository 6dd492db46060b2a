"""The gold standard of a benchmark corpus: pairs, passages, families, originals, edges and credit.

Gold is derived from character origins, never from the generator's intent
alone: two documents are a gold pair when they share at least
`MIN_PAIR_CHARS` characters of the same origin, and their gold passages are
the runs of those characters, in order in both documents, merged across
gaps of up to `GAP` characters (a dropped space, a paragraph break, a
re-cased letter), and kept when `MIN_PASSAGE_CHARS` long or more on both
sides (shorter shared runs still count in `shared_chars`). Relations, from the shared characters `s`:

- `same`: two captures of one page;
- `republication`: `s` is at least `REPUBLICATION_SHARE` of the older
  document's content (of the larger one, for two copies of one source);
- `partial`: `s` is 300 characters or more, or 30% of the smaller document;
- `quote`: less (a sentence or two).

Goal bands: `major` (same, republication, or partial at 30%+ of the smaller
document), `section` (partial, 300+ characters, under 30%), `quote`.
Families are the connected components of gold pairs other than quotes:
quoting a sentence does not make an article part of a story family.

Files: `documents.jsonl` (id, text, source, url, date, title: what a
scraper gives) and `gold.json` (format `copytrace-bench-gold/1`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from copytrace.evaluation.generator import Corpus

GOLD_FORMAT = "copytrace-bench-gold/1"
GAP = 10
MIN_PAIR_CHARS = 40
MIN_PASSAGE_CHARS = 50  # passim's minimum too: a two-word sub-heading is no passage anyone can align
REPUBLICATION_SHARE = 0.8
SECTION_CHARS = 300
MAJOR_SHARE = 0.3


def shared_positions(key_x, off_x, key_y, off_y) -> tuple[np.ndarray, np.ndarray]:
    """Positions in x and in y of the characters the two share by origin, ordered by position in x."""
    px, py = np.flatnonzero(key_x >= 0), np.flatnonzero(key_y >= 0)
    packed_x = (key_x[px].astype(np.int64) << 32) | off_x[px].astype(np.int64)
    packed_y = (key_y[py].astype(np.int64) << 32) | off_y[py].astype(np.int64)
    _, ix, iy = np.intersect1d(packed_x, packed_y, return_indices=True)
    xs, ys = px[ix], py[iy]
    order = np.argsort(xs, kind="stable")
    return xs[order], ys[order]


def passages_of(xs: np.ndarray, ys: np.ndarray) -> list[list[int]]:
    """Runs of shared characters in order in both documents: [x_start, x_end, y_start, y_end]."""
    if len(xs) == 0:
        return []
    dx, dy = np.diff(xs), np.diff(ys)
    breaks = np.flatnonzero(~((dx >= 1) & (dx <= GAP + 1) & (dy >= 1) & (dy <= GAP + 1))) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [len(xs)]]) - 1
    out = []
    for s, e in zip(starts, ends):
        span = [int(xs[s]), int(xs[e]) + 1, int(ys[s]), int(ys[e]) + 1]
        if span[1] - span[0] >= MIN_PASSAGE_CHARS and span[3] - span[2] >= MIN_PASSAGE_CHARS:
            out.append(span)
    return out


class Lineage:
    """Who copied whom: ancestors through edges, a capture standing for the page it captured."""

    def __init__(self, edges) -> None:
        self.page = {e.copy: e.source for e in edges if e.kind == "capture"}
        self.parents: dict[str, list[str]] = defaultdict(list)
        for e in edges:
            if e.kind != "capture":
                self.parents[e.copy].append(e.source)

    def canonical(self, doc: str) -> str:
        return self.page.get(doc, doc)

    def ancestors(self, doc: str) -> set[str]:
        seen, stack = set(), [self.canonical(doc)]
        while stack:
            for parent in self.parents.get(stack.pop(), []):
                parent = self.canonical(parent)
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def older(self, x: str, y: str) -> str | None:
        """The ancestor of the two, if one descends from the other."""
        if self.canonical(x) in self.ancestors(y):
            return x
        if self.canonical(y) in self.ancestors(x):
            return y
        return None


def relation_of(shared: int, content: dict[str, int], x: str, y: str, lineage: Lineage) -> tuple[str, str, float]:
    """(relation, band, share of the smaller document) of a pair sharing `shared` characters."""
    smaller = shared / max(1, min(content[x], content[y]))
    if lineage.canonical(x) == lineage.canonical(y):
        return "same", "major", smaller
    older = lineage.older(x, y)
    base = content[older] if older else max(content[x], content[y])
    if shared >= REPUBLICATION_SHARE * base:
        return "republication", "major", smaller
    if shared >= SECTION_CHARS or smaller >= MAJOR_SHARE:
        return "partial", ("major" if smaller >= MAJOR_SHARE else "section"), smaller
    return "quote", "quote", smaller


def derive_gold(corpus: Corpus, seed: int, source: str) -> dict:
    drafts = corpus.drafts
    order = {d.id: i for i, d in enumerate(drafts)}
    content = {d.id: int((d.key >= 0).sum()) for d in drafts}
    lineage = Lineage(corpus.edges)
    holders: dict[int, list[int]] = defaultdict(list)
    for i, d in enumerate(drafts):
        for key in np.unique(d.key[d.key >= 0]):
            holders[int(key)].append(i)
    candidates = sorted({pair for docs in holders.values() for pair in combinations(sorted(set(docs)), 2)})
    pairs, linked = [], []
    for i, j in candidates:
        x, y = drafts[i], drafts[j]
        xs, ys = shared_positions(x.key, x.off, y.key, y.off)
        if len(xs) < MIN_PAIR_CHARS:
            continue
        relation, band, smaller = relation_of(len(xs), content, x.id, y.id, lineage)
        older = lineage.older(x.id, y.id)
        pairs.append({
            "a": x.id, "b": y.id, "relation": relation, "band": band, "shared_chars": int(len(xs)),
            "share_of_smaller": round(smaller, 4), "older": older,
            "noise": sorted(set(x.noise) | set(y.noise)), "passages": passages_of(xs, ys),
        })
        if relation != "quote":
            linked.append((i, j))
    family_of = components(len(drafts), linked)
    return {
        "format": GOLD_FORMAT, "seed": seed, "input": source, "notes": corpus.notes,
        "thresholds": {"gap": GAP, "min_pair_chars": MIN_PAIR_CHARS, "min_passage_chars": MIN_PASSAGE_CHARS,
                       "republication_share": REPUBLICATION_SHARE,
                       "section_chars": SECTION_CHARS, "major_share": MAJOR_SHARE},
        "outlets": [{"name": o.name, "domain": o.domain, "role": o.role} for o in corpus.outlets],
        "documents": [document_entry(d, family_of[i], content[d.id]) for i, d in enumerate(drafts)],
        "families": family_entries(drafts, family_of, lineage, corpus.plans),
        "edges": edge_entries(corpus.edges, pairs, order),
        "pairs": pairs,
    }


def components(n: int, links: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for i, j in links:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
    roots = [find(v) for v in range(n)]
    number = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return [number[r] for r in roots]


def document_entry(d, family: int, content: int) -> dict:
    return {"id": d.id, "outlet": d.outlet.name, "domain": d.outlet.domain, "role": d.role, "family": family,
            "article": d.article, "content_chars": content, "date_kind": d.date_kind, "noise": list(d.noise)}


def family_entries(drafts, family_of: list[int], lineage: Lineage, plans: dict[int, str]) -> list[dict]:
    members: dict[int, list[str]] = defaultdict(list)
    plan_of: dict[int, str] = {}
    for d, f in zip(drafts, family_of):
        members[f].append(d.id)
        if d.role in ("original", "negative") or f not in plan_of:
            plan_of[f] = plans.get(d.family, "negative" if d.role == "negative" else d.role)
    out = []
    for f, ids in members.items():
        inside = set(ids)
        roots = [m for m in ids if not (lineage.ancestors(m) & inside)]
        page = lineage.canonical(roots[0])
        originals = sorted({m for m in roots if lineage.canonical(m) == page})
        out.append({"family": f, "size": len(ids), "members": ids, "original": page, "originals": originals,
                    "plan": plan_of[f] if len(ids) > 1 else ("negative" if plan_of[f] != "host" else "quote-host")})
    return out


def edge_entries(edges, pairs: list[dict], order: dict[str, int]) -> list[dict]:
    by_pair = {(p["a"], p["b"]): p for p in pairs}
    out = []
    for e in edges:
        flipped = order[e.source] > order[e.copy]
        a, b = (e.copy, e.source) if flipped else (e.source, e.copy)
        pair = by_pair.get((a, b))
        spans = [[s[2], s[3], s[0], s[1]] if flipped else s for s in pair["passages"]] if pair else []
        out.append({
            "source": e.source, "copy": e.copy, "kind": e.kind, "relation": pair["relation"] if pair else None,
            "credit": e.credit, "credited": e.credited, "credited_outlet": e.credited_outlet,
            "credited_domain": e.credited_domain, "credit_text": e.credit_text, "noise": list(e.noise),
            "passages": spans,  # [source_start, source_end, copy_start, copy_end]
        })
    return out


def write_corpus(corpus: Corpus, out: Path, seed: int, source: str) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "documents.jsonl", "w", encoding="utf-8") as handle:
        for d in corpus.drafts:
            record = {"id": d.id, "text": d.text, "source": d.outlet.domain, "url": d.url, "date": d.date_text,
                      "title": d.title.text}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    gold = derive_gold(corpus, seed, source)
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return gold


@dataclass
class Gold:
    """A gold file read back, with the look-ups the scorer needs."""

    data: dict
    order: dict[str, int] = field(init=False)
    texts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.order = {d["id"]: i for i, d in enumerate(self.data["documents"])}

    @property
    def documents(self) -> list[dict]:
        return self.data["documents"]

    @property
    def pairs(self) -> list[dict]:
        return self.data["pairs"]

    @property
    def edges(self) -> list[dict]:
        return self.data["edges"]

    @property
    def families(self) -> list[dict]:
        return self.data["families"]

    def ordered(self, x: str, y: str) -> tuple[str, str]:
        return (x, y) if self.order[x] <= self.order[y] else (y, x)


def read_gold(folder: Path) -> Gold:
    path = Path(folder) / "gold.json"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no gold file (make one with `copytrace bench make`)")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != GOLD_FORMAT:
        raise ValueError(f"{path}: not a {GOLD_FORMAT} file (format {data.get('format')!r})")
    gold = Gold(data)
    docs = Path(folder) / "documents.jsonl"
    if docs.exists():
        with open(docs, encoding="utf-8") as handle:
            gold.texts = {r["id"]: r["text"] for r in map(json.loads, handle)}
    return gold
