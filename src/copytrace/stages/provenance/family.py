"""One family traced: its order, its tree (every pair's cues for a small family, the plan's for a large
one), its edges and the edits along the tree (`FamilyTracer`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.outlets import OutletIndex
from copytrace.settings import ProvenanceSettings
from copytrace.stages.provenance import cues as wire_cues
from copytrace.stages.provenance.direction import _confidence, credit_fields, relation_of
from copytrace.stages.provenance.edits import copy_edits
from copytrace.stages.provenance.facts import DocumentFacts, PairView
from copytrace.stages.provenance.parents import rehang
from copytrace.stages.provenance.plan import FamilyPlan, MemberEvidence, plan_parents
from copytrace.stages.provenance.relations import SentenceCache, relation_between
from copytrace.stages.provenance.tree import Link, build_tree, order_members


def _ranked_pairs(order: list[str], family_pairs: tuple) -> tuple:
    """(a, b, a_in_b, b_in_a) of a family's pairs with a and b as positions in `order`."""
    xs, ys, x_in_y, y_in_x = family_pairs
    if len(xs) <= FEW_PAIRS:  # most families: a dict costs a tenth of Arrow's look-up set
        rank = {m: i for i, m in enumerate(order)}
        a = np.array([rank[x] for x in _ids(xs)], dtype=np.int64)
        b = np.array([rank[y] for y in _ids(ys)], dtype=np.int64)
    else:
        members = pa.array(order, pa.string())
        a = pc.index_in(xs, value_set=members).to_numpy(zero_copy_only=False).astype(np.int64)
        b = pc.index_in(ys, value_set=members).to_numpy(zero_copy_only=False).astype(np.int64)
    return a, b, np.asarray(x_in_y, float), np.asarray(y_in_x, float)


# A family of this many pairs or fewer keeps its pairs' ids in Python lists (`provenance._family_pairs`).
FEW_PAIRS = 64


def _ids(ids) -> list[str]:
    return ids if isinstance(ids, list) else ids.to_pylist()


def _parents(order: list[str], family_pairs: tuple | None, evidence: list[MemberEvidence] | None = None) -> dict:
    if not family_pairs:
        return {m: (None if i == 0 else order[0]) for i, m in enumerate(order)}
    credits = {m.id: m.credits for m in evidence or [] if m.credits}
    return plan_parents(order, *_ranked_pairs(order, family_pairs), credits)


@dataclass
class FamilyTracer:
    """Orders one family, builds its tree, and writes its edges and the edits along the tree."""

    facts: dict[str, DocumentFacts]
    index: OutletIndex
    views: dict[tuple[str, str], PairView]
    judged: dict[tuple[str, str], tuple[float, list[str]]]
    settings: ProvenanceSettings

    sentences: SentenceCache = field(default_factory=SentenceCache)

    relations: dict = field(default_factory=dict)

    def derived_link(self, source: str, copy: str) -> bool:
        """May `source` be the parent of `copy`: do they share text outside quoted speech?"""
        key = edge_key(self.views, source, copy)
        return key in self.views and self.relation(self.views[key], source, copy)[0] != "quote"

    def spans_in(self, source: str, copy: str) -> list[tuple[int, int]]:
        return [(p[2], p[3]) for p in self.views[edge_key(self.views, source, copy)].directed(source)]

    def relation(self, view: PairView, source: str, copy: str) -> tuple[str, str | None]:
        """The journalists' class of the copy against the source (`relations`), two captures of a page apart."""
        if (source, copy) not in self.relations:
            self.relations[(source, copy)] = self._relation(view, source, copy)
        return self.relations[(source, copy)]

    def _relation(self, view: PairView, source: str, copy: str) -> tuple[str, str | None]:
        fs, fc = self.facts[source], self.facts[copy]
        if (relation_of(view, source, copy, self.index, self.settings) == "same"
                and not wire_cues.differ(fs.cues, fc.cues)):
            return "same", None
        return relation_between((source, fs.text), (copy, fc.text), self.sentences,
                                self.settings.republication_coverage, self.settings.relations)

    def tie_key(self, doc: str) -> tuple:
        """Between members no cue orders: a confident date first, then input order."""
        d = self.facts[doc].date
        if d is None or d.confidence < 0.5:
            return (1, 0.0, self.facts[doc].order)
        return (0, d.value.timestamp(), self.facts[doc].order)

    def trace(self, number, links: list[Link], plan: FamilyPlan, family_pairs: tuple | None
              ) -> tuple[list[dict], list[dict], str, list[dict], list[str]]:
        """A family's edges, the edits along its tree, its original, its tree and why that original.

        A small family (every pair aligned) is ordered by every pair's cues;
        a large one keeps the plan's order. Either way each member after the
        first hangs from exactly one earlier member: the tree spans the family.
        """
        if len(plan.order) <= self.settings.all_pairs_up_to and links:
            order = order_members(plan.order, links, self.tie_key)
            here = {(link.x, link.y) for link in links} | {(link.y, link.x) for link in links}
            found = rehang(build_tree(order, links), order, self.facts,
                           lambda p, c: (p, c) in here and self.derived_link(p, c), self.spans_in)
            # A member rehang leaves without a parent (it shares only quotes with earlier ones) still hangs
            # from its best earlier member: the tree spans the family, its edge says "quote".
            parent = {m: found.get(m) for m in order[1:]}
            if not all(parent.values()):  # only then the fallback (one pass over the family's pairs)
                fallback = _parents(order, family_pairs)
                parent = {m: p or fallback[m] for m, p in parent.items()}
            reasons = [r for r in plan.reasons if r.startswith("date:")]
            reasons.append(f"original: {order[0]}, first in the order that agrees best with the cues of "
                           f"every pair of the family (dates, credits, framing, coverage)")
        else:
            order, parent, reasons = plan.order, dict(plan.parent), list(plan.reasons)
        rank = {m: i for i, m in enumerate(order)}
        edges = {}
        for link in links:
            source, copy = (link.x, link.y) if rank[link.x] < rank[link.y] else (link.y, link.x)
            edges[(source, copy)] = self.edge(number, link, source, copy, parent.get(copy) == source)
        figures = _pair_figures(family_pairs) if len(order) <= self.settings.all_pairs_up_to else {}
        for child, first in plan.same_cut.items():
            par = parent.get(child)
            if (par, child) not in edges and (par, first) in edges and par == parent.get(first):
                edges[(par, child)] = self.same_cut_edge(edges[(par, first)], par, child, first)
        tree, edits = [], []
        for child in order[1:]:
            par = parent[child]
            edge = edges.get((par, child))
            relation = edge["relation"] if edge else self.cheap_relation(figures.get((par, child)))
            tree.append({"source": par, "copy": child, "relation": relation})
            key = edge_key(self.views, par, child)
            if key in self.views:
                view = self.views[key]
                edits += copy_edits(self.facts[par], self.facts[child], view.directed(par), self.settings.edits)
        return list(edges.values()), edits, order[0], tree, reasons

    def same_cut_edge(self, explained: dict, source: str, copy: str, first: str) -> dict:
        """The edge of a copy carrying the same cut as `first`: its relation and coverage, this copy's credit."""
        credit, credited, credit_text = credit_fields(self.facts[source], self.facts[copy], self.index)
        return {**explained, "copy": copy, "copy_coverage": None, "in_tree": True,
                "credit": credit, "credited": credited, "credit_text": credit_text,
                "evidence": [f"same cut: {copy} carries the same share of {source} as {first}; aligned once "
                             f"for the group"] + list(explained["evidence"] or [])}

    def cheap_relation(self, held: float | None) -> str:
        """A tree edge no passage explains: its relation from the share of the copy's shingles in the source."""
        if held is None:
            return "partial"
        return "republication" if held >= self.settings.republication_coverage else "partial"

    def cross_link(self, a: str, b: str, family_of: dict) -> dict:
        """A pair between two families (a shared quote): directed by its own cues, outside both trees."""
        view = self.views[(a, b)]
        score, _ = self.judged[(a, b)]
        source, copy = (a, b) if score >= 0 else (b, a)
        row = self.edge(None, Link(a, b, score, view.cover_b, view.cover_a), source, copy, False)
        del row["family"], row["in_tree"]
        return {"source_family": family_of.get(source), "copy_family": family_of.get(copy), **row}

    def edge(self, number, link: Link, source: str, copy: str, in_tree: bool) -> dict:
        view = self.views[(link.x, link.y)]
        score, evidence = self.judged[(link.x, link.y)]
        agrees = score == 0 or (score > 0) == (source == link.x)
        confidence = _confidence(score) if agrees else round(1 - _confidence(score), 3)
        if not agrees:
            evidence = evidence + [f"order: the family's order puts {source} first, against this pair's cues"]
        if not evidence:
            evidence = [f"no cue: the family's order puts {source} first"]
        credit, credited, credit_text = credit_fields(self.facts[source], self.facts[copy], self.index)
        relation, note = self.relation(view, source, copy)
        if note:
            evidence = evidence + [note]
        return {
            "family": number, "source": source, "copy": copy,
            "relation": relation,
            "source_coverage": round(view.side(source)[0], 4), "copy_coverage": round(view.side(copy)[0], 4),
            "credit": credit, "credited": credited, "credit_text": credit_text,
            "confidence": confidence, "evidence": evidence, "in_tree": in_tree,
        }


def edge_key(views: dict, x: str, y: str) -> tuple[str, str]:
    return (x, y) if (x, y) in views else (y, x)


def _pair_figures(family_pairs: tuple | None) -> dict[tuple[str, str], float]:
    """(source, copy) -> share of the copy's shingles found in the source, both ways round."""
    if not family_pairs:
        return {}
    out = {}
    xs, ys, x_in_y, y_in_x = family_pairs
    for x, y, x_in_y, y_in_x in zip(_ids(xs), _ids(ys), x_in_y.tolist(), y_in_x.tolist()):
        out[(x, y)], out[(y, x)] = y_in_x, x_in_y
    return out
