"""Who copied whom in one pair: the direction score from independent cues (date, credit, feed, wire,
cut, coverage, framing, capture), the pair's relation from coverage, and the copy's credit fields.
See the package's docstring for the cues."""

from __future__ import annotations

import math

import numpy as np

from copytrace.outlets import OutletIndex
from copytrace.settings import ProvenanceSettings
from copytrace.stages.provenance import cues as wire_cues
from copytrace.stages.provenance.credit import Credit
from copytrace.stages.provenance.facts import DocumentFacts, PairView
from copytrace.text.dates import order_dates


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
