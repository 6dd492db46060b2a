"""Provenance: per pair, how much each side carries of the other, who copied whom, and with what credit.

`trace(documents, pairs, passages)` turns aligned passages into

- edges (EDGE_SCHEMA): one per aligned pair, directed source -> copy, with
  its relation, coverage, credit, a confidence that the direction is right
  and the evidence it rests on;
- edits (EDIT_SCHEMA): what each copy added, dropped and changed relative
  to the source it hangs from in its family's tree;
- families (FAMILY_SCHEMA): the original and the tree of every family.

At scale, `corpus_outlets` learns the corpus' outlets once (batch by batch)
and `trace(..., index=...)` then runs over chunks of whole families with
the answers of one trace over everything.

Relation, from the share of each side's prose inside passages (see
`spans.prose_mask`: chrome does not dilute it):
  same           one side (almost) all inside the other (`same_inside`), the other
                 at least `same_coverage` inside, outlets not known to differ: two
                 captures of one article (a capture loses parts, it adds no prose);
  quote          at most `quote_max_words` shared words (a sentence or two);
  republication  the copy carries at least `republication_coverage` of the source;
  partial        a section reused.

Direction: a score summed from independent cues, positive when x is the
source of y, each cue adding one line of evidence:
  date         earlier confident date (a field beats a dateline in the text;
               a junk or missing date weighs little or nothing);
  credit       one side credits the other's outlet ("Sputnik News reports");
  feed         one side carries the other site's feed footer;
  framing      between two near-whole versions, the one that opens with prose
               of its own (a framing lead) is the copy;
  capture      two captures of one article (outlets not known to differ): the
               fuller one first (weak);
  coverage     when one side took only a section of the other: the side mostly
               inside the other is the copy, measured on prose so chrome does
               not count (between two near-whole versions the copy's additions
               and its cuts look alike, so there it is no evidence).
The confidence is a logistic of the score.
"""

from __future__ import annotations

from copytrace.settings import ProvenanceSettings

import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.stages.provenance.credit import (
    FEED_FOOTER,
    Credit,
    document_mentions,
    looks_like_outlet,
    merged_self_names,
    roles_lead,
    self_scans,
)
from copytrace.text.dates import ParsedDate, document_date, order_dates
from copytrace.stages.provenance.edits import EditSettings, copy_edits
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, FAMILY_SCHEMA
from copytrace.outlets import Aliases, OutletIndex
from copytrace.text.spans import covered_count, merge, prose_mask, text_mask
from copytrace.stages.provenance.tree import Link, build_tree, order_members
from copytrace.stages.provenance import cues as wire_cues
from copytrace.stages.provenance.relations import SentenceCache, relation_between
from copytrace.stages.provenance.parents import rehang




@dataclass
class DocumentFacts:
    """What one document says about itself: its date, outlet, credits and prose."""

    id: str
    text: str
    order: int
    family: int | None
    date: ParsedDate | None
    credits: list[Credit]  # credits to other outlets (own outlet and photo credits excluded)
    self_names: list[Credit]  # feed footers, widgets naming the page's own site
    feed_credits: list[Credit]  # feed footers naming another site: syndicated from it
    mentions: list[Credit]  # every credit-like line found, photo credits and widgets included
    mask: np.ndarray  # characters that carry text
    prose: np.ndarray  # characters of the article's prose
    cues: list = field(default_factory=list)  # agency and derived-copy marks (`cues.document_cues`)

    @cached_property
    def mask_total(self) -> int:
        return int(np.count_nonzero(self.mask))

    @cached_property
    def prose_total(self) -> int:
        return int(np.count_nonzero(self.prose))

    def covered(self, merged: list[tuple[int, int]]) -> tuple[float, float]:
        """`spans.covered_share` of `merged` spans in the text and in the prose."""
        return (covered_count(self.mask, merged) / self.mask_total if self.mask_total else 0.0,
                covered_count(self.prose, merged) / self.prose_total if self.prose_total else 0.0)

    def notes(self) -> list[tuple[int, int, str]]:
        """Spans the edits label: credit lines, feed footers."""
        labels = {FEED_FOOTER: "feed footer", "widget": "site widget"}
        return [(c.start, c.end, "photo credit" if c.role == "photo" else labels.get(c.kind, "credit line"))
                for c in self.mentions if c.start >= 0]


@dataclass
class PairView:
    """One aligned pair: passages and the share of each side they cover."""

    a: str
    b: str
    passages: list[tuple[int, int, int, int, float]]  # a_start, a_end, b_start, b_end, identity
    cover_a: float = 0.0
    cover_b: float = 0.0
    prose_a: float = 0.0
    prose_b: float = 0.0
    shared_words: int = 0

    def side(self, doc: str) -> tuple[float, float]:
        """(coverage, prose coverage) of `doc`."""
        return (self.cover_a, self.prose_a) if doc == self.a else (self.cover_b, self.prose_b)

    def directed(self, source: str) -> list[tuple[int, int, int, int, float]]:
        """Passages as (source_start, source_end, copy_start, copy_end, identity)."""
        if source == self.a:
            return list(self.passages)
        return [(bs, be, as_, ae, i) for as_, ae, bs, be, i in self.passages]


@dataclass
class Provenance:
    edges: pa.Table
    edits: pa.Table
    families: pa.Table
    facts: dict[str, DocumentFacts] = field(default_factory=dict)
    stats: dict = field(default_factory=dict)


def _is_outlet(index: OutletIndex):
    """Is a credited name an outlet of the corpus, or does it look like one? (Remembered: names repeat.)"""
    answers: dict[str, bool] = {}

    def is_outlet(name: str) -> bool:
        answer = answers.get(name)
        if answer is None:
            answer = answers[name] = index.is_corpus_outlet(name) or looks_like_outlet(name)
        return answer

    return is_outlet


def add_outlets(index: OutletIndex, rows: list[dict], settings: ProvenanceSettings, scans: dict | None = None) -> None:
    """Learn the outlets of `rows` into `index`: metadata first, the page's self-names where it has none.

    Each document's outlets depend on that document alone, so a corpus may
    be added batch by batch. `scans` collects the self-name scans made, by
    document id, for `document_facts` to reuse.
    """
    for row in rows:
        index.add(row["id"], row.get("source"), "source")
        index.add(row["id"], row.get("url"), "url")
    for row in rows:
        if not index.known(row["id"]):
            # No metadata: the page's own self-names (feed footer, widgets) tell its site.
            found = self_scans(row, settings.languages)
            if scans is not None:
                scans[row["id"]] = found
            for c in merged_self_names(found):
                index.add(row["id"], c.name, c.kind.replace("_", " "))


def document_facts(rows: list[dict], settings: ProvenanceSettings, index: OutletIndex | None = None
                   ) -> tuple[dict[str, DocumentFacts], OutletIndex]:
    """Facts of each document, and the corpus' outlets (metadata first, self-names where it is missing).

    With `index` (the outlets of the whole corpus, from `corpus_outlets`), the
    outlets are not learnt from `rows` but taken from it.
    """
    scans: dict[str, tuple] = {}
    if index is None:
        index = OutletIndex(aliases=settings.aliases)
        add_outlets(index, rows, settings, scans if roles_lead(("self",), settings.languages) else None)
    is_outlet = _is_outlet(index)
    facts = {}
    for row in rows:
        doc, text = row["id"], row["text"]
        # Knowing the corpus' outlets: "originally published on Daily Voice" counts
        # when Daily Voice is in the corpus, though its name does not look like an outlet's.
        found = document_mentions(row, settings.languages, is_outlet, prior=scans.get(doc))
        credits = [c for c in found if c.role == "credit" and not index.names(doc, c.name)]
        selfs = [c for c in found if c.role == "self" and index.names(doc, c.name)]
        feeds = [c for c in found if c.role == "self" and c.kind == FEED_FOOTER and not index.names(doc, c.name)]
        boiler = [(c.start, c.end) for c in found if c.start >= 0]
        mask = text_mask(text)
        facts[doc] = DocumentFacts(
            id=doc, text=text, order=row["order"], family=row.get("family"),
            # A dateline is chrome to the cleaning stage: look for it in the raw text.
            date=document_date(row.get("date"), row.get("raw_text") or text),
            credits=credits, self_names=selfs, feed_credits=feeds, mentions=found,
            mask=mask, prose=prose_mask(text, boiler, mask),
            cues=wire_cues.document_cues(row.get("raw_text") or text),
        )
    return facts, index


def pair_views(passages: pa.Table, facts: dict[str, DocumentFacts]) -> dict[tuple[str, str], PairView]:
    views: dict[tuple[str, str], PairView] = {}
    cols = [passages[c].to_pylist() for c in ("a", "b", "a_start", "a_end", "b_start", "b_end", "identity")]
    for a, b, as_, ae, bs, be, ident in zip(*cols):
        view = views.get((a, b))
        if view is None:
            view = views[(a, b)] = PairView(a, b, [])
        view.passages.append((as_, ae, bs, be, ident))
    for view in views.values():
        fa, fb = facts[view.a], facts[view.b]
        spans_a = merge((p[0], p[1]) for p in view.passages)
        spans_b = merge((p[2], p[3]) for p in view.passages)
        view.cover_a, view.prose_a = fa.covered(spans_a)
        view.cover_b, view.prose_b = fb.covered(spans_b)
        view.shared_words = sum(len(fa.text[s:e].split()) for s, e in spans_a)
    return views


def _credit_to(credits: list[Credit], target: str, index: OutletIndex) -> Credit | None:
    for c in credits:
        if index.names(target, c.name):
            return c
    return None


def _outlet_evidence(doc: str, index: OutletIndex) -> str:
    keys = index.keys_of(doc)
    if not keys:
        return "outlet unknown"
    key, how = next(iter(keys.items()))
    return f"outlet {key} ({how})"


def direction_score(x: DocumentFacts, y: DocumentFacts, view: PairView, index: OutletIndex,
                    settings: ProvenanceSettings) -> tuple[float, list[str]]:
    """Positive when x is the source of y; with one evidence line per cue that spoke."""
    score, evidence = 0.0, []
    order, strength = order_dates(x.date, y.date)
    if order:
        weight = settings.date_weight * min(x.date.confidence, y.date.confidence) * strength
        first, last = (x, y) if order < 0 else (y, x)
        score -= order * weight
        note = ", times without a zone read as UTC" if strength < 1 else ""
        evidence.append(f"date: {first.id} {first.date.iso()} ({first.date.origin}) before "
                        f"{last.id} {last.date.iso()} ({last.date.origin}){note}, weight {weight:.2f}")
    elif order == 0:
        evidence.append(f"date: both {x.date.iso()}, no order")
    for src, cp, sign in ((x, y, 1), (y, x, -1)):
        credit = _credit_to(cp.credits, src.id, index)
        if credit:
            weight = settings.credit_weight * (1.0 if index.names(src.id, credit.name) in ("source", "url") else 0.8)
            score += sign * weight
            evidence.append(f"credit: {cp.id} credits {credit.name!r} ({credit.text[:80]!r}), "
                            f"{_outlet_evidence(src.id, index)} of {src.id}")
        feed = _credit_to(cp.feed_credits, src.id, index)
        if feed:
            score += sign * settings.feed_weight
            evidence.append(f"feed: {cp.id} carries the feed footer of {feed.name!r}, the site of {src.id}")
    score += _wire_cue(x, y, settings, evidence)
    score += _cut_cue(x, y, view, settings, evidence)
    score += _coverage_cue(x, y, view, settings, evidence)
    score += _framing_cue(x, y, view, settings, evidence)
    if not outlets_differ(x.id, y.id, index):
        score += _fuller_capture_cue(x, y, view, settings, evidence)
    return score, evidence


def _wire_cue(x: DocumentFacts, y: DocumentFacts, settings: ProvenanceSettings, evidence: list[str]) -> float:
    """Agency marks (dateline, byline, slug, embargo, end mark) on one side, a credit to an agency on the other."""
    # Only where one side bears more agency marks: between two papers, a credit to the agency on one
    # says both copied the agency, not which copied the other.
    if wire_cues.agency_marks(x.cues) == wire_cues.agency_marks(y.cues):
        return 0.0
    gap = wire_cues.agency_balance(x.cues) - wire_cues.agency_balance(y.cues)
    if not gap or not settings.wire_weight:
        return 0.0
    weight = settings.wire_weight * min(4.0, abs(gap))
    wire, paper = (x, y) if gap > 0 else (y, x)
    def said(f):
        return ", ".join(c.describe() for c in f.cues) or "no agency mark"
    evidence.append(f"wire: {wire.id} reads as agency copy ({said(wire)}), {paper.id} less so ({said(paper)}), "
                    f"weight {weight:.2f}")
    return weight if gap > 0 else -weight


def _cut_cue(x: DocumentFacts, y: DocumentFacts, view: PairView, settings: ProvenanceSettings,
             evidence: list[str]) -> float:
    """The derived story's cut: the shorter side is (almost) all inside the other, took its head, and the
    other goes on past the shared text (a paper cuts from the bottom; an original is not cut)."""
    _, prose_x = view.side(x.id)
    _, prose_y = view.side(y.id)
    if not settings.cut_weight or max(prose_x, prose_y) < 0.9 or abs(prose_x - prose_y) < 0.05:
        return 0.0
    short, long_ = (x, y) if prose_x > prose_y else (y, x)
    spans = [(p[2], p[3]) for p in view.directed(short.id)]
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    head = int(np.count_nonzero(long_.prose[:first]))
    tail = int(np.count_nonzero(long_.prose[last:]))
    if head > settings.framing_min_chars or tail < 2 * settings.framing_min_chars:
        return 0.0
    weight = settings.cut_weight
    evidence.append(f"cut: {short.id} is {view.side(short.id)[1]:.0%} inside {long_.id}, takes its head and "
                    f"stops {tail} characters of prose before its end: a cut, weight {weight:.2f}")
    return weight if short is y else -weight


def _coverage_cue(x: DocumentFacts, y: DocumentFacts, view: PairView, settings: ProvenanceSettings,
                  evidence: list[str]) -> float:
    """The copy took a section: the side mostly inside the other is the copy.

    Only when one side carries less than `republication_coverage` of the
    other's prose: between two near-whole versions, the extra text may be
    the copy's framing as well as the original's sentences the copy cut, so
    the asymmetry says nothing (measured on the republication benchmark: it
    was wrong more often than right there). And only when the shared text
    is at least `coverage_floor` of the larger side: a short piece wholly
    inside a long one is as often a whole article embedded by the long one
    as an excerpt of it (on the benchmark, 22 of 27 such cues were wrong).
    """
    _, prose_x = view.side(x.id)
    _, prose_y = view.side(y.id)
    gap = prose_y - prose_x
    low = min(prose_x, prose_y)
    if abs(gap) < settings.coverage_margin or not settings.coverage_floor <= low < settings.republication_coverage:
        return 0.0
    weight = settings.coverage_weight * min(1.0, abs(gap) / 0.5)
    inside, outside = (y, x) if gap > 0 else (x, y)
    evidence.append(f"coverage: {view.side(inside.id)[1]:.0%} of {inside.id}'s prose is inside "
                    f"{outside.id}, {view.side(outside.id)[1]:.0%} the other way, weight {weight:.2f}")
    return weight if gap > 0 else -weight


def _leading_prose(facts: DocumentFacts, spans: list[tuple[int, int]]) -> int:
    """Characters of prose before the first passage: a lead the other side does not have."""
    first = min(s for s, _ in spans)
    return int(np.count_nonzero(facts.prose[:first]))


def _framing_cue(x: DocumentFacts, y: DocumentFacts, view: PairView, settings: ProvenanceSettings,
                 evidence: list[str]) -> float:
    """Between two near-whole versions, the one that opens with prose of its own is the copy.

    Copiers put their framing on top ("Yet another example of ..."); an
    original's sentences a copy cuts lie inside the text. Measured on the
    republication benchmark, the side with more leading unshared prose was
    the copy in 411 of 425 pairs.
    """
    _, prose_x = view.side(x.id)
    _, prose_y = view.side(y.id)
    if min(prose_x, prose_y) < settings.republication_coverage:
        return 0.0  # a section reused: the coverage cue speaks
    lead_x = _leading_prose(x, [(p[0], p[1]) for p in view.directed(x.id)])
    lead_y = _leading_prose(y, [(p[2], p[3]) for p in view.directed(x.id)])
    gap = lead_y - lead_x
    if abs(gap) < settings.framing_min_chars:
        return 0.0
    weight = settings.framing_weight * min(1.0, abs(gap) / (4 * settings.framing_min_chars))
    framed, plain = (y, x) if gap > 0 else (x, y)
    evidence.append(f"framing: {framed.id} opens with {abs(gap)} more characters of prose that "
                    f"{plain.id} lacks, weight {weight:.2f}")
    return weight if gap > 0 else -weight


def _fuller_capture_cue(x: DocumentFacts, y: DocumentFacts, view: PairView, settings: ProvenanceSettings,
                        evidence: list[str]) -> float:
    """Two captures of one article: the fuller one heads the pair (a scraper loses parts, it adds none)."""
    _, prose_x = view.side(x.id)
    _, prose_y = view.side(y.id)
    if min(prose_x, prose_y) < settings.same_coverage or max(prose_x, prose_y) < settings.same_inside:
        return 0.0
    if abs(prose_x - prose_y) < 0.05:
        return 0.0
    fuller, other = (x, y) if prose_x < prose_y else (y, x)
    evidence.append(f"capture: {fuller.id} holds prose {other.id} lacks ({view.side(other.id)[1]:.0%} of "
                    f"{other.id}'s prose is inside it, {view.side(fuller.id)[1]:.0%} the other way): the fuller capture")
    return settings.capture_weight if fuller is x else -settings.capture_weight


def outlets_differ(x: str, y: str, index: OutletIndex) -> bool:
    """Are both outlets known, and different? (Then the two cannot be captures of one page.)"""
    return index.known(x) and index.known(y) and not any(index.names(y, k) for k in index.keys_of(x))


def relation_of(view: PairView, source: str, copy: str, index: OutletIndex, settings: ProvenanceSettings) -> str:
    _, prose_source = view.side(source)
    _, prose_copy = view.side(copy)
    if (min(prose_source, prose_copy) >= settings.same_coverage
            and max(prose_source, prose_copy) >= settings.same_inside and not outlets_differ(source, copy, index)):
        return "same"
    if view.shared_words <= settings.quote_max_words:
        return "quote"
    if prose_source >= settings.republication_coverage:
        return "republication"
    return "partial"


def credit_fields(source: DocumentFacts, copy: DocumentFacts, index: OutletIndex) -> tuple:
    """(credit, credited, credit_text): does the copy credit this source, whom it credits, the line."""
    match = _credit_to(copy.credits + copy.feed_credits, source.id, index)
    if match:
        return True, match.name, match.text
    named = copy.credits + copy.feed_credits
    if not named:
        return False, None, None
    # It credits someone: not this source if the source's outlet is known, else unknown.
    return (False if index.known(source.id) else None), named[0].name, named[0].text


def _confidence(score: float) -> float:
    return round(1.0 / (1.0 + math.exp(-abs(score))), 3)


def _document_rows(documents: pa.Table, ids: set[str]) -> list[dict]:
    wanted = [c for c in ("id", "text", "raw_text", "url", "source", "date", "family") if c in documents.column_names]
    order = pa.array(np.arange(documents.num_rows, dtype=np.int64))
    table = documents.select(wanted).append_column("order", order)
    table = table.filter(pc.is_in(table["id"], value_set=pa.array(sorted(ids), pa.string())))
    return table.to_pylist()


def _explainable(documents: pa.Table, passages: pa.Table) -> tuple[pa.Table, set[str]]:
    """Passages whose two documents are in `documents` (a stale passages table has others), and their ids."""
    if passages.num_rows:
        known = pa.array(sorted(set(documents["id"].to_pylist())), pa.string())
        keep = pc.and_(pc.is_in(passages["a"], value_set=known), pc.is_in(passages["b"], value_set=known))
        passages = passages.filter(keep)
    return passages, set(passages["a"].to_pylist()) | set(passages["b"].to_pylist())


def corpus_outlets(documents: pa.Table, passages: pa.Table, settings: ProvenanceSettings | None = None,
                   index: OutletIndex | None = None) -> OutletIndex:
    """The outlets `trace` learns from a corpus, for tracing it chunk by chunk with the same answers.

    `documents` (columns id, text, and raw_text, url, source when present)
    may be one batch of the corpus at a time: call again with the `index`
    returned, in any order. Only documents named by `passages` (the whole
    scan's passages, or any table holding at least their a and b) count, as
    in `trace`. Then `trace(chunk_documents, chunk_pairs, chunk_passages,
    settings, index=index)` over chunks of whole families gives the edges,
    edits and families of one `trace` over everything.
    """
    settings = settings or ProvenanceSettings()
    index = index if index is not None else OutletIndex(aliases=settings.aliases)
    _, ids = _explainable(documents, passages.select(["a", "b"]))
    add_outlets(index, _document_rows(documents, ids), settings)
    return index


def trace(documents: pa.Table, pairs: pa.Table, passages: pa.Table,
          settings: ProvenanceSettings | None = None, index: OutletIndex | None = None) -> Provenance:
    """Relations, direction, credit, trees and edits from a scan's documents, pairs and passages.

    `index`: the corpus' outlets from `corpus_outlets`, when `documents` is
    one chunk of a larger corpus; without it they are learnt from `documents`.
    """
    settings = settings or ProvenanceSettings()
    passages, ids = _explainable(documents, passages)
    facts, index = document_facts(_document_rows(documents, ids), settings, index)
    views = pair_views(passages, facts)
    family_of = dict(zip(documents["id"].to_pylist(), documents["family"].to_pylist())) \
        if "family" in documents.column_names else {}
    links: dict[int | None, list[Link]] = {}
    judged: dict[tuple[str, str], tuple[float, list[str]]] = {}
    for (a, b), view in views.items():
        score, evidence = direction_score(facts[a], facts[b], view, index, settings)
        judged[(a, b)] = (score, evidence)
        links.setdefault(family_of.get(a), []).append(Link(a, b, score, view.cover_b, view.cover_a))
    family = FamilyTracer(facts, index, views, judged, settings)
    edges, edits, trees = [], [], {}
    for number, family_links in links.items():
        family_edges, family_edits, original, tree = family.trace(number, family_links)
        edges += family_edges
        # To Arrow family by family: edit rows as Python dicts would outweigh the texts.
        edits.append(pa.RecordBatch.from_pylist(family_edits, schema=EDIT_SCHEMA))
        trees[number] = (original, tree)
    edits_table = pa.Table.from_batches(edits, schema=EDIT_SCHEMA)
    return Provenance(
        edges=pa.Table.from_pylist(edges, schema=EDGE_SCHEMA),
        edits=edits_table,
        families=families_table(documents, trees),
        facts=facts,
        stats={"aligned_pairs": len(views), "edges": len(edges), "edits": edits_table.num_rows},
    )


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

    def trace(self, number, links: list[Link]) -> tuple[list[dict], list[dict], str, list[dict]]:
        members = sorted({m for link in links for m in (link.x, link.y)}, key=lambda m: self.facts[m].order)
        order = order_members(members, links, self.tie_key)
        rank = {m: i for i, m in enumerate(order)}
        here = {(link.x, link.y) for link in links} | {(link.y, link.x) for link in links}
        parent = rehang(build_tree(order, links), order, self.facts,
                        lambda p, c: (p, c) in here and self.derived_link(p, c), self.spans_in)
        edges = {}
        for link in links:
            source, copy = (link.x, link.y) if rank[link.x] < rank[link.y] else (link.y, link.x)
            edges[(source, copy)] = self.edge(number, link, source, copy, parent.get(copy) == source)
        tree, edits = [], []
        for child in order:
            par = parent.get(child)
            if par is None:
                continue
            tree.append({"source": par, "copy": child, "relation": edges[(par, child)]["relation"]})
            view = self.views[edge_key(self.views, par, child)]
            edits += copy_edits(self.facts[par], self.facts[child], view.directed(par), self.settings.edits)
        return list(edges.values()), edits, order[0], tree

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


def families_table(documents: pa.Table, trees: dict) -> pa.Table:
    """One row per family of the documents, with its original and tree (a single document is its own original)."""
    ids = documents["id"].to_pylist()
    families = documents["family"].to_pylist() if "family" in documents.column_names else list(range(len(ids)))
    members: dict[int, list[str]] = {}
    for doc, family in zip(ids, families):
        members.setdefault(family, []).append(doc)
    rows = []
    for family in sorted(members, key=lambda f: (f is None, f)):
        docs = members[family]
        original, tree = trees.get(family, (docs[0] if len(docs) == 1 else None, []))
        rows.append({"family": family, "size": len(docs), "members": docs, "original": original, "tree": tree})
    return pa.Table.from_pylist(rows, schema=FAMILY_SCHEMA)
