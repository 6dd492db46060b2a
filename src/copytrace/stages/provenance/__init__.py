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
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, FAMILY_SCHEMA, LINK_SCHEMA
from copytrace.outlets import Aliases, OutletIndex
from copytrace.text.spans import covered_count, merge, prose_mask, text_mask
from copytrace.stages.provenance.plan import (
    FamilyPlan,
    MemberEvidence,
    choose_original,
    explain_mask,
    mark_framing,
    member_order,
    plan_parents,
    same_cuts,
)
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
    links: pa.Table = field(default_factory=lambda: LINK_SCHEMA.empty_table())  # cross-family reuse
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
    """Rows (passages or pairs) whose two documents are in `documents` (a stale table has others), and their ids."""
    if passages.num_rows:
        known = pa.array(sorted(set(documents["id"].to_pylist())), pa.string())
        keep = pc.and_(pc.is_in(passages["a"], value_set=known), pc.is_in(passages["b"], value_set=known))
        passages = passages.filter(keep)
    if passages.num_rows == 0:
        return passages, set()
    # Unique ids first: a big family's pairs name each document thousands of times.
    both = pa.concat_arrays([passages["a"].combine_chunks(), passages["b"].combine_chunks()])
    return passages, set(pc.unique(both).to_pylist())


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


@dataclass
class ExplainPlan:
    """What is decided before alignment: each family's tree from cheap evidence, and the pairs to align."""

    facts: dict[str, DocumentFacts]
    index: OutletIndex
    family_of: dict[str, int | None]
    families: dict[int, FamilyPlan]
    pairs: dict[int, tuple]  # family -> (x ids, y ids, x_in_y, y_in_x) of its family-link pairs
    mask: np.ndarray  # over the pairs given: align this pair

    def to_align(self, pairs: pa.Table) -> pa.Table:
        return pairs.filter(pa.array(self.mask, pa.bool_())) if len(self.mask) == pairs.num_rows else pairs


def _family_column(documents: pa.Table, pairs: pa.Table) -> dict[str, int | None]:
    ids = documents["id"].to_pylist()
    if "family" in documents.column_names:
        return dict(zip(ids, documents["family"].to_pylist()))
    from copytrace.stages.families import connected_components

    position = {doc: k for k, doc in enumerate(ids)}
    links = pairs.filter(pairs["family_link"]) if "family_link" in pairs.column_names else pairs
    a = np.array([position[x] for x in links["a"].to_pylist()], dtype=np.int64)
    b = np.array([position[x] for x in links["b"].to_pylist()], dtype=np.int64)
    return dict(zip(ids, connected_components(len(ids), a, b).tolist()))


def _family_pairs(pairs: pa.Table, family_of: dict) -> dict[int, tuple]:
    """The family-link pairs inside each family, with their containment figures (Arrow ids, NumPy figures).

    Vectorized: a family of 10,000 copies has millions of pairs.
    """
    if pairs.num_rows == 0:
        return {}
    ids = pa.array(list(family_of), pa.string())
    numbers = np.array([-1 if f is None else f for f in family_of.values()], dtype=np.int64)
    fa = numbers[pc.fill_null(pc.index_in(pairs["a"], value_set=ids), -1).to_numpy()]
    fb = numbers[pc.fill_null(pc.index_in(pairs["b"], value_set=ids), -1).to_numpy()]
    keep = (fa >= 0) & (fa == fb)
    if "family_link" in pairs.column_names:
        keep &= pairs["family_link"].to_numpy(zero_copy_only=False).astype(bool)
    rows = np.flatnonzero(keep)
    rows = rows[np.argsort(fa[rows], kind="stable")]
    fams, starts = np.unique(fa[rows], return_index=True)
    ends = np.append(starts[1:], len(rows))
    a, b = pairs["a"].combine_chunks(), pairs["b"].combine_chunks()
    zeros = np.zeros(pairs.num_rows)
    x_in_y = pairs["containment_a_in_b"].to_numpy() if "containment_a_in_b" in pairs.column_names else zeros
    y_in_x = pairs["containment_b_in_a"].to_numpy() if "containment_b_in_a" in pairs.column_names else zeros
    out = {}
    for fam, lo, hi in zip(fams.tolist(), starts, ends):
        take = rows[lo:hi]
        index = pa.array(take, pa.int64())
        out[fam] = (a.take(index), b.take(index), np.nan_to_num(x_in_y[take]), np.nan_to_num(y_in_x[take]))
    return out


def member_evidence(members: list[str], facts: dict[str, DocumentFacts], index: OutletIndex) -> list[MemberEvidence]:
    """Per member: its date and the members whose outlet it credits (a credit line or a feed footer)."""
    inside = set(members)
    out = []
    for doc in members:
        f = facts[doc]
        credited = []
        for c in f.credits + f.feed_credits:
            credited += [d for d in index.documents_of(c.name) if d in inside and d != doc and d not in credited]
        out.append(MemberEvidence(doc, f.order, f.date, credited))
    return out


def plan_explain(documents: pa.Table, pairs: pa.Table, settings: ProvenanceSettings | None = None,
                 index: OutletIndex | None = None) -> ExplainPlan:
    """Each family's original and tree from cheap evidence (`plan`), and the pairs worth aligning.

    Families up to `all_pairs_up_to` members have every pair aligned (their
    tree is then drawn from every pair's cues); larger ones only the tree's
    edges: n - 1 alignments for n members.
    """
    settings = settings or ProvenanceSettings()
    pairs, ids = _explainable(documents, pairs)
    facts, index = document_facts(_document_rows(documents, ids), settings, index)
    family_of = _family_column(documents, pairs)
    members: dict[int, list[str]] = {}
    for doc in sorted(ids, key=lambda d: facts[d].order):
        if family_of.get(doc) is not None:
            members.setdefault(family_of[doc], []).append(doc)
    family_pairs = _family_pairs(pairs, family_of)
    plans = {}
    for fam, docs in members.items():
        if len(docs) < 2:
            continue
        evidence = member_evidence(docs, facts, index)
        mark_framing(evidence, {d: facts[d].text for d in docs})
        original, reasons = choose_original(evidence, settings)
        order = member_order(evidence, original)
        parent = _parents(order, family_pairs.get(fam), evidence)
        plans[fam] = FamilyPlan(fam, order, parent, reasons)
        if len(order) > settings.all_pairs_up_to and fam in family_pairs:
            plans[fam].same_cut = same_cuts(order, parent, *_ranked_pairs(order, family_pairs[fam]))
    large = {fam: plan for fam, plan in plans.items() if len(plan.order) > settings.all_pairs_up_to}
    mask = explain_mask(pairs, family_of, large, settings)
    return ExplainPlan(facts, index, family_of, plans, family_pairs, mask)


def _ranked_pairs(order: list[str], family_pairs: tuple) -> tuple:
    """(a, b, a_in_b, b_in_a) of a family's pairs with a and b as positions in `order`."""
    xs, ys, x_in_y, y_in_x = family_pairs
    members = pa.array(order, pa.string())
    a = pc.index_in(xs, value_set=members).to_numpy(zero_copy_only=False).astype(np.int64)
    b = pc.index_in(ys, value_set=members).to_numpy(zero_copy_only=False).astype(np.int64)
    return a, b, np.asarray(x_in_y, float), np.asarray(y_in_x, float)


def _parents(order: list[str], family_pairs: tuple | None, evidence: list[MemberEvidence] | None = None) -> dict:
    if not family_pairs:
        return {m: (None if i == 0 else order[0]) for i, m in enumerate(order)}
    credits = {m.id: m.credits for m in evidence or [] if m.credits}
    return plan_parents(order, *_ranked_pairs(order, family_pairs), credits)


def trace(documents: pa.Table, pairs: pa.Table, passages: pa.Table,
          settings: ProvenanceSettings | None = None, index: OutletIndex | None = None,
          plan: ExplainPlan | None = None) -> Provenance:
    """Relations, direction, credit, trees and edits from a scan's documents, pairs and passages.

    `index`: the corpus' outlets from `corpus_outlets`, when `documents` is
    one chunk of a larger corpus; without it they are learnt from `documents`.
    `plan`: the `plan_explain` the passages were aligned for (made here when
    not given). Each family's tree spans its members alone; an aligned pair
    between two families is a cross-family link (`links`), never a tree edge.
    """
    settings = settings or ProvenanceSettings()
    plan = plan or plan_explain(documents, pairs, settings, index)
    facts, index, family_of = plan.facts, plan.index, plan.family_of
    passages, _ = _explainable(documents, passages)
    views = pair_views(passages, facts)
    links: dict[int, list[Link]] = {}
    judged: dict[tuple[str, str], tuple[float, list[str]]] = {}
    cross = []
    for (a, b), view in views.items():
        score, evidence = direction_score(facts[a], facts[b], view, index, settings)
        judged[(a, b)] = (score, evidence)
        fam = family_of.get(a)
        if fam is not None and fam == family_of.get(b) and fam in plan.families:
            links.setdefault(fam, []).append(Link(a, b, score, view.cover_b, view.cover_a))
        else:
            cross.append((a, b))
    family = FamilyTracer(facts, index, views, judged, settings)
    edges, edits, trees = [], [], {}
    for number, fplan in plan.families.items():
        family_edges, family_edits, original, tree, reasons = family.trace(
            number, links.get(number, []), fplan, plan.pairs.get(number))
        edges += family_edges
        # To Arrow family by family: edit rows as Python dicts would outweigh the texts.
        edits.append(pa.RecordBatch.from_pylist(family_edits, schema=EDIT_SCHEMA))
        trees[number] = (original, tree, reasons)
    cross_rows = [family.cross_link(a, b, family_of) for a, b in cross]
    edits_table = pa.Table.from_batches(edits, schema=EDIT_SCHEMA)
    return Provenance(
        edges=pa.Table.from_pylist(edges, schema=EDGE_SCHEMA),
        edits=edits_table,
        families=families_table(documents, trees),
        links=pa.Table.from_pylist(cross_rows, schema=LINK_SCHEMA),
        facts=facts,
        stats={"aligned_pairs": len(views), "edges": len(edges), "edits": edits_table.num_rows,
               "cross_family_links": len(cross_rows)},
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
            fallback = _parents(order, family_pairs)
            parent = {m: found.get(m) or fallback[m] for m in order[1:]}
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
    for x, y, x_in_y, y_in_x in zip(xs.to_pylist(), ys.to_pylist(), x_in_y.tolist(), y_in_x.tolist()):
        out[(x, y)], out[(y, x)] = y_in_x, x_in_y
    return out


def families_table(documents: pa.Table, trees: dict) -> pa.Table:
    """One row per family of the documents, with its original and tree (a single document is its own original).

    Built in Arrow: a scan of 100,000 documents has mostly single ones; only traced families leave it.
    """
    from copytrace.stages.families import families_table as member_lists

    ids = documents["id"]
    if "family" in documents.column_names and documents.num_rows and documents["family"].null_count == 0:
        family = documents["family"].to_numpy()
    else:
        family = np.arange(documents.num_rows)
    table = member_lists(ids, family)
    numbers = table["family"].to_pylist()
    single = pc.equal(table["size"], 1)
    original = pc.if_else(single, pc.list_element(table["members"], 0), pa.scalar(None, pa.string())).to_pylist()
    tree: list = [[]] * table.num_rows
    reasons: list = [[]] * table.num_rows
    for k, number in enumerate(numbers):
        if number in trees:
            original[k], tree[k], reasons[k] = trees[number]
    return pa.table({"family": table["family"], "size": table["size"], "members": table["members"],
                     "original": pa.array(original, pa.string()),
                     "tree": pa.array(tree, FAMILY_SCHEMA.field("tree").type),
                     "original_evidence": pa.array(reasons, pa.list_(pa.string()))}, schema=FAMILY_SCHEMA)


def explain_pair(documents: pa.Table, x: str, y: str, settings=None) -> tuple[pa.Table, Provenance]:
    """One pair on demand (`copytrace explain A B`, the API, a page): align x and y and trace them as a pair.

    A large family's scan aligns only its tree's edges; any other pair a user
    asks about is computed here, from the two documents alone (`documents`
    holds at least their id and text; `settings` a ScanSettings). Returns the
    pair's passages and its provenance; the edge's evidence is the pair's own cues.
    """
    from copytrace.settings import ScanSettings
    from copytrace.stages.align import align_pairs

    settings = settings or ScanSettings()
    wanted = [c for c in ("id", "text", "raw_text", "url", "source", "date") if c in documents.column_names]
    two = documents.select(wanted).filter(pc.is_in(documents["id"], value_set=pa.array([x, y], pa.string())))
    missing = {x, y} - set(two["id"].to_pylist())
    if missing:
        raise KeyError(f"not a document of the scan: {', '.join(sorted(missing))}")
    # One family of two: the pair is traced as a tree edge of its own, whatever families the scan found.
    two = two.append_column("family", pa.array([0] * two.num_rows, pa.int64()))
    pair = pa.table({"a": [x], "b": [y], "family_link": [True]})
    passages = align_pairs(two, pair, settings.align)
    return passages, trace(two, pair, passages, settings.provenance)
