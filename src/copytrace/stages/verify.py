"""Verification stage: exact shingle overlap of candidate pairs, and the rule that keeps them.

LSH only says two signatures agree somewhere. Here each candidate pair gets
its exact figures from the full shingle sets: shared shingles, Jaccard, and
containment in both directions (the share of one document's shingles found in
the other). Unverified LSH matches are never joined into families: chaining
them is how one false family of 743,779 documents was once made.

The keep rule (`KeepRule`) has two tiers:

- A pair *links a family* when it shares at least `min_shared` shingles and
  either at least `min_containment` of the smaller side's shingles are found
  in the other, or at least `min_section_shingles` are shared (a reused
  section of about 200 characters or more, in however long an article).
  Containment, not Jaccard: a copy that adds its own framing or carries only
  part of the source has a low Jaccard and is still a copy.
- A short document (a brief) links on fewer shingles when mostly inside the
  other: at least `short_shared` shingles and `short_containment` of it.
- Shingles inside quoted speech (`text.quotes`; the first and last words of
  a quote stay, so a quotation copied with its sentence still counts) do not
  link: a pair needs `min_shared` shingles outside quotes (or the short
  rule there), unless one side is `whole_copy` inside the other. Two reports
  quoting one witness share quotes, not a family.
- A pair below that links when `min_sentences` of its sentences outside
  quotes match, verbatim or near-verbatim (`text.sentences`): a rewrite.
- A pair sharing at least `min_shared` shingles but less than that is a
  *possible quote*: it is kept only if alignment finds a real passage in
  it, and it never links families, so a stock phrase or a quoted sentence
  cannot chain unrelated stories into one family.
"""

from __future__ import annotations

import zlib

import numpy as np
import pyarrow as pa
from numba import njit, prange

from copytrace.collector import collector_paused
from copytrace.settings import KeepRule, ScanSettings
from copytrace.text.quotes import unquoted
from copytrace.text.sentences import match_sentences, sentences
from copytrace.progress import Progress
from copytrace.schemas import PAIR_SCHEMA


@njit(cache=True)
def _intersect_count(values, start_a, end_a, start_b, end_b):
    # Branch-free merge of two sorted runs (1.5x faster than if/elif: the comparisons are unpredictable).
    i, j, shared = start_a, start_b, 0
    while i < end_a and j < end_b:
        x, y = values[i], values[j]
        shared += x == y
        i += x <= y
        j += y <= x
    return shared


@njit(cache=True, parallel=True)
def shared_counts(values, offsets, a, b):
    """Number of shingles shared by documents a[k] and b[k], for every pair k."""
    out = np.empty(len(a), dtype=np.int64)
    for k in prange(len(a)):
        x, y = a[k], b[k]
        out[k] = _intersect_count(values, offsets[x], offsets[x + 1], offsets[y], offsets[y + 1])
    return out


def overlap_figures(values: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict:
    """Exact figures of each pair from CSR shingle sets (sorted unique hashes per document)."""
    shared = shared_counts(values, offsets, a, b)
    size = np.diff(offsets)
    size_a = size[a].astype(np.float64)
    size_b = size[b].astype(np.float64)
    union = size_a + size_b - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, shared / union, 0.0)
        a_in_b = np.where(size_a > 0, shared / size_a, 0.0)
        b_in_a = np.where(size_b > 0, shared / size_b, 0.0)
    return {
        "shared_shingles": shared,
        "jaccard": jaccard,
        "containment_a_in_b": a_in_b,
        "containment_b_in_a": b_in_a,
    }


def verify_pairs(texts, a: np.ndarray, b: np.ndarray, settings: ScanSettings) -> dict:
    """The verify stage's unit: exact figures of pairs (texts[a[k]], texts[b[k]]) and the keep decision.

    `texts` holds the documents the pairs name (Arrow or str), `a` and `b`
    positions into it. Returns the figures and `family_link` (the pair links
    a family) and `kept` (it links one, or it is a possible quote to be
    confirmed by alignment while explaining).
    """
    if len(a) == 0:
        empty = np.empty(0)
        figures = {"jaccard": empty, "containment_a_in_b": empty, "containment_b_in_a": empty,
                   "shared_shingles": empty.astype(np.int64)}
    else:
        values, offsets = settings.hasher.shingle_sets(texts)
        figures = overlap_figures(values, offsets, np.asarray(a, np.int64), np.asarray(b, np.int64))
    containment = np.maximum(figures["containment_a_in_b"], figures["containment_b_in_a"])
    large = settings.keep.keep(figures["shared_shingles"], containment)
    links = large.copy()
    if not settings.keep.quotes_link and links.any():
        links &= _links_outside_quotes(texts, np.asarray(a, np.int64), np.asarray(b, np.int64), links, settings,
                                       containment)
    # A pair large only by its quoted speech is a possible quote, as one sharing a sentence or two.
    quotes = settings.keep.possible_quote(figures["shared_shingles"], containment) | (large & ~links)
    if settings.keep.min_sentences and quotes.any():
        with collector_paused():
            rewritten = _rewrites(texts, np.asarray(a, np.int64), np.asarray(b, np.int64), quotes, settings)
        links |= rewritten
        quotes &= ~rewritten
    quotes &= settings.explain
    return {**figures, "family_link": links, "kept": links | quotes}


def _links_outside_quotes(texts, a: np.ndarray, b: np.ndarray, links: np.ndarray, settings: ScanSettings,
                          containment: np.ndarray | None = None):
    """Which linking pairs still link once quoted speech is set aside: those sharing at least `min_shared`
    shingles outside it (the sentence around a quotation counts: `quotes.unquoted` keeps its edges). Two
    reports quoting one witness in their own words share none. Only the texts of linking pairs that are not
    whole copies are looked at for quotes (finding them is most of this stage's cost), and only those holding
    quotes are hashed again."""
    whole = np.zeros(len(a), dtype=bool) if containment is None else containment >= settings.keep.whole_copy
    maybe = links & ~whole
    looked = np.unique(np.concatenate([a[maybe], b[maybe]]))
    blanked: dict[int, str] = {}
    for d in looked.tolist():
        text = _text(texts, d)
        if text:
            quiet = unquoted(text, mark=f"q{zlib.crc32(text.encode()):x}")
            if quiet is not text:
                blanked[d] = quiet
    changed = np.zeros(len(texts), dtype=bool)
    changed[list(blanked)] = True
    recheck = maybe & (changed[a] | changed[b])
    if not recheck.any():
        return np.ones(len(a), dtype=bool)
    docs = np.unique(np.concatenate([a[recheck], b[recheck]]))
    values, offsets = settings.hasher.shingle_sets([blanked.get(d) or _text(texts, d) for d in docs.tolist()])
    sub_a, sub_b = np.searchsorted(docs, a[recheck]), np.searchsorted(docs, b[recheck])
    figures = overlap_figures(values, offsets, sub_a, sub_b)
    out = np.ones(len(a), dtype=bool)
    shared = figures["shared_shingles"]
    inside = np.maximum(figures["containment_a_in_b"], figures["containment_b_in_a"])
    keep = settings.keep
    out[recheck] = (shared >= keep.min_shared) | ((shared >= keep.short_shared) & (inside >= keep.short_containment))
    return out


def _text(texts, d: int) -> str:
    return (texts[d].as_py() if hasattr(texts, "to_pylist") else texts[d]) or ""


def _rewrites(texts, a: np.ndarray, b: np.ndarray, candidates: np.ndarray, settings: ScanSettings) -> np.ndarray:
    """Which of the `candidates` pairs share `min_sentences` sentences outside quotes, verbatim or near-verbatim
    (either way round): a rewrite around a few sentences of its source, too little text for the shingle rule."""
    plain = texts.to_pylist() if hasattr(texts, "to_pylist") else list(texts)
    split: dict[int, list] = {}

    def of(d: int):
        if d not in split:
            split[d] = sentences(plain[d] or "")
        return split[d]

    out = np.zeros(len(a), dtype=bool)
    need = settings.keep.min_sentences
    for k in np.flatnonzero(candidates):
        x, y = of(int(a[k])), of(int(b[k]))
        small, large = (x, y) if len(x) <= len(y) else (y, x)
        out[k] = len(match_sentences(large, small, settings.provenance.relations).pairs) >= need
    return out


def verify(texts, a, b, settings: ScanSettings, progress: Progress = Progress()) -> dict:
    """`verify_pairs` of candidate pairs (a[k], b[k]) of documents numbered by their place in `texts`."""
    with progress.task("verify", total=len(a)) as advance:
        involved = np.unique(np.concatenate([a, b]))
        subset = texts.take(pa.array(involved)) if len(involved) else pa.array([], pa.large_string())
        figures = verify_pairs(subset, np.searchsorted(involved, a), np.searchsorted(involved, b), settings)
        advance(len(a))
    return figures


def pairs_table(ids: np.ndarray, a, b, bands, figures: dict) -> pa.Table:
    """The kept pairs (`figures["kept"]`), named by `ids`, as PAIR_SCHEMA rows."""
    kept, links = figures["kept"], figures["family_link"]
    columns = {
        "a": pa.array(ids[a[kept]], pa.string()),
        "b": pa.array(ids[b[kept]], pa.string()),
        "jaccard": figures["jaccard"][kept],
        "containment_a_in_b": figures["containment_a_in_b"][kept],
        "containment_b_in_a": figures["containment_b_in_a"][kept],
        "shared_shingles": figures["shared_shingles"][kept],
        "bands_shared": bands[kept],
        "family_link": links[kept],
    }
    return pa.table(columns, schema=PAIR_SCHEMA)
