"""Candidate pairs for the semantic stage, never all pairs.

Across languages: each document in a language other than the corpus' most
common one asks for its `neighbours` nearest document vectors among the
documents of the majority language, and as many among those of the other
languages (an exact search over the documents that have a vector, in blocks
of queries: one matrix product per block, memory bounded by the block; two
lists, so that an article's translations into many languages do not fill
its translation's list and push the article out), and for the
documents sharing language-independent anchors with it (numbers, Latin-script
names in a text of another script), each anchor counted only where it is
rare. Within one language: only the lexical stage's near misses (pairs it
kept whose passages cover little) are checked as possible rewrites.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import numpy as np

BLOCK = 256  # queries per matrix product: BLOCK x documents float32 at once (100 MB at 100,000 documents)

_NUMBER = re.compile(r"\d[\d.,]*\d|\d")
_LATIN_NAME = re.compile(r"\b[A-Z][a-zA-Z]{2,}\b")


def vector_neighbours(doc_vectors: np.ndarray, languages: np.ndarray, queries: np.ndarray, k: int,
                      min_cosine: float, majority: str | None = None, searchable: np.ndarray | None = None
                      ) -> list[tuple[int, int, float]]:
    """(query, neighbour, cosine) for the k nearest documents in another language than each query's.

    With `majority`, k nearest among the documents of the majority language and k among those of the other
    languages (not the query's): one translation of an article into many languages must not push the
    article itself out of its translations' lists. `searchable`: the documents that have a vector (the
    others are not searched)."""
    out: list[tuple[int, int, float]] = []
    if len(queries) == 0 or k < 1:
        return out
    columns = np.flatnonzero(searchable) if searchable is not None else np.arange(len(doc_vectors))
    if len(columns) == 0:
        return out
    matrix = np.ascontiguousarray(doc_vectors[columns])
    column_languages = languages[columns]
    if majority is None:
        groups = [np.arange(len(columns))]
    else:
        is_major = column_languages == majority
        groups = [g for g in (np.flatnonzero(is_major), np.flatnonzero(~is_major)) if len(g)]
    for lo in range(0, len(queries), BLOCK):
        block = queries[lo:lo + BLOCK]
        sim = doc_vectors[block] @ matrix.T
        sim[languages[block][:, None] == column_languages[None, :]] = -1.0  # same language: the lexical stage's job
        for group in groups:
            part = sim[:, group]
            kk = min(k, part.shape[1])
            top = np.argpartition(-part, kk - 1, axis=1)[:, :kk]
            cos = np.take_along_axis(part, top, axis=1)
            rows, ranks = np.nonzero(cos >= min_cosine)
            out += [(int(block[r]), int(columns[group[top[r, c]]]), float(cos[r, c])) for r, c in zip(rows, ranks)]
    return out


def anchors_of(text: str, language: str) -> set[str]:
    """Numbers of two or more digits (separators dropped), and Latin-script names in a text of another script."""
    found = set()
    for m in _NUMBER.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if len(digits) >= 2:
            found.add("#" + digits)
    if language not in _LATIN:
        found.update("@" + m.group().lower() for m in _LATIN_NAME.finditer(text))
    return found


_LATIN = {"en", "es", "pt", "fr", "de", "it", "pl", "tr", "id", "nl", "Latn"}


def anchor_neighbours(anchor_sets: list[set[str]], languages: np.ndarray, queries: np.ndarray,
                      latin_names: list[set[str]], min_shared: int = 3, max_df: int = 20) -> list[tuple[int, int, int]]:
    """(query, document, anchors shared) for documents in another language sharing `min_shared` rare anchors.

    A query's Latin-script names are looked up among the other documents' capitalised words (`latin_names`).
    """
    postings: dict[str, list[int]] = defaultdict(list)
    for doc, anchors in enumerate(anchor_sets):
        for a in anchors:
            if a[0] == "#":
                postings[a].append(doc)
        for name in latin_names[doc]:
            postings[name].append(doc)
    out = []
    for q in queries:
        counts: Counter = Counter()
        for a in anchor_sets[q]:
            docs = postings.get(a, ())
            if 1 < len(docs) <= max_df:
                counts.update(d for d in docs if d != q and languages[d] != languages[q])
        out += [(int(q), d, n) for d, n in counts.items() if n >= min_shared]
    return out


def majority_shortlist(anchor_sets: list[set[str]], latin_names: list[set[str]], languages: np.ndarray,
                       majority: str | None, max_df: int) -> np.ndarray:
    """Which documents need a document vector: every one outside the majority language, and those of the
    majority language sharing a rare anchor (a number, a Latin-script name; in at most `max_df`
    documents) with one of them. A translation keeps numbers and names; the majority side is most of the
    corpus and most of the encoder's cost, and no cross-language pair has both documents in it."""
    wanted = languages != majority
    if majority is None or wanted.all():
        return np.ones(len(languages), bool)
    postings: dict[str, list[int]] = defaultdict(list)
    for doc in np.flatnonzero(~wanted):
        for a in anchor_sets[doc]:
            if a[0] == "#":
                postings[a].append(int(doc))
        for name in latin_names[doc]:
            postings[name].append(int(doc))
    keep = wanted.copy()
    for q in np.flatnonzero(wanted):
        for a in anchor_sets[q] | latin_names[q]:
            docs = postings.get(a, ())
            if 0 < len(docs) <= max_df:
                keep[docs] = True
    return keep


def latin_names(text: str) -> set[str]:
    return {"@" + m.group().lower() for m in _LATIN_NAME.finditer(text)}
