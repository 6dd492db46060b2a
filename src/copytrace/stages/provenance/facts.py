"""What provenance knows of each document and pair before judging them: `DocumentFacts` (date, outlet,
credits, prose, agency cues) and `PairView` (passages and the share of each side they cover); the
corpus' outlets (`corpus_outlets`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.outlets import OutletIndex
from copytrace.settings import ProvenanceSettings
from copytrace.stages.provenance import cues as wire_cues
from copytrace.stages.provenance.credit import FEED_FOOTER, Credit, looks_like_outlet, roles_lead
from copytrace.stages.provenance.mentions import document_mentions, merged_self_names, self_scans
from copytrace.text.dates import ParsedDate, document_date
from copytrace.text.lang import languages_for_all
from copytrace.text.spans import covered_count, merge, prose_mask, text_mask


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
    mask: np.ndarray | None  # characters that carry text (None in facts made for the plan alone)
    prose: np.ndarray | None  # characters of the article's prose (idem)
    cues: list = field(default_factory=list)  # agency and derived-copy marks (`cues.document_cues`)
    lowered: str | None = None  # the text lower-cased (credit scans and the plan's framing test read it)

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


def learn_outlets(rows: list[dict], settings: ProvenanceSettings) -> tuple[OutletIndex, dict[str, tuple]]:
    """The outlets of `rows` (`add_outlets`), and the self-name scans made, for `document_facts(scans=...)`."""
    scans: dict[str, tuple] = {}
    index = OutletIndex(aliases=settings.aliases)
    add_outlets(index, rows, settings, scans if roles_lead(("self",), settings.languages) else None)
    return index, scans


def document_facts(rows: list[dict], settings: ProvenanceSettings, index: OutletIndex | None = None,
                   plan_only: bool = False, scans: dict[str, tuple] | None = None
                   ) -> tuple[dict[str, DocumentFacts], OutletIndex]:
    """Facts of each document, and the corpus' outlets (metadata first, self-names where it is missing).

    With `index` (the outlets of the whole corpus, from `corpus_outlets`), the
    outlets are not learnt from `rows` but taken from it. `plan_only`: only
    what `plan_explain` reads (date, credits, order, text): no text and prose
    masks, no agency cues, which only judging a pair needs (a third of the cost).
    `scans`: the self-name scans `learn_outlets` made for these rows, with the `index` it returned.
    """
    if index is None:
        index, scans = learn_outlets(rows, settings)
    scans = scans or {}
    is_outlet = _is_outlet(index)
    facts = {}
    fields: dict[str, ParsedDate | None] = {}  # each distinct date string read once: a day's stories share one
    # Each document's languages (its credit patterns), the language model asked once for all the rows.
    owns = languages_for_all([row["text"] for row in rows], tuple(settings.languages),
                             [row.get("lang") for row in rows])
    for row, own in zip(rows, owns):
        doc, text = row["id"], row["text"]
        # Knowing the corpus' outlets: "originally published on Daily Voice" counts
        # when Daily Voice is in the corpus, though its name does not look like an outlet's.
        lowered = (text or "").lower()
        found = document_mentions(row, settings.languages, is_outlet, prior=scans.get(doc), lowered=lowered, own=own)
        credits = [c for c in found if c.role == "credit" and not index.names(doc, c.name)]
        selfs = [c for c in found if c.role == "self" and index.names(doc, c.name)]
        feeds = [c for c in found if c.role == "self" and c.kind == FEED_FOOTER and not index.names(doc, c.name)]
        boiler = [(c.start, c.end) for c in found if c.start >= 0]
        mask = None if plan_only else text_mask(text)
        facts[doc] = DocumentFacts(
            id=doc, text=text, order=row["order"], family=row.get("family"),
            # A dateline is chrome to the cleaning stage: look for it in the raw text.
            date=document_date(row.get("date"), row.get("raw_text") or text, fields),
            credits=credits, self_names=selfs, feed_credits=feeds, mentions=found,
            mask=mask, prose=None if plan_only else prose_mask(text, boiler, mask),
            cues=[] if plan_only else wire_cues.document_cues(row.get("raw_text") or text), lowered=lowered,
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


def _document_rows(documents: pa.Table, ids: set[str]) -> list[dict]:
    """The rows of `ids` (their order in `documents` as `order`); filtered first, so that an engine's
    documents (`engines.documents.ShardedDocuments`) decompress only the shards holding them."""
    wanted = [c for c in ("id", "text", "raw_text", "url", "source", "date", "family") if c in documents.column_names]
    mask = pc.is_in(documents["id"], value_set=pa.array(sorted(ids), pa.string()))
    table = documents.filter(mask).select(wanted)
    chosen = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
    order = np.flatnonzero(chosen.to_numpy(zero_copy_only=False))
    return table.append_column("order", pa.array(order.astype(np.int64))).to_pylist()


def _explainable(documents: pa.Table, passages: pa.Table) -> tuple[pa.Table, set[str]]:
    """Rows (passages or pairs) whose two documents are in `documents` (a stale table has others), and their ids."""
    if passages.num_rows:
        known = pc.unique(documents["id"])  # in Arrow: a whole corpus's ids are no Python list
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
    # Metadata first, without the texts; only a document it leaves unknown is read whole (its self-names).
    meta = [c for c in ("id", "url", "source") if c in documents.column_names]
    rows = _document_rows(documents.select(meta), ids)
    for row in rows:
        index.add(row["id"], row.get("source"), "source")
        index.add(row["id"], row.get("url"), "url")
    unknown = {row["id"] for row in rows if not index.known(row["id"])}
    if unknown:
        add_outlets(index, _document_rows(documents, unknown), settings)
    return index
