"""The semantic stage: translated and paraphrased copies, which share meaning and few or no words.

    documents -> sentences, language, document vectors (map) -> candidates (search)
              -> sentence alignment per pair (map) -> passages, edges, edits, families (added to the scan's)

Runs after the lexical stages when `ScanSettings.semantic.enabled` (`scan
--semantic`), on the scan's result, the same unit under every engine:
`semantic_stage(result, settings, progress)`.

- sentences (`sentences.sentence_spans`) with offsets, a language per
  document (`sentences.language_of`);
- a document vector: the mean of the vectors of up to `doc_sentences`
  sentences spread over it (`model.embed`: multilingual USE v3); every
  sentence vector goes through `SentenceCache` (by text: a sentence met
  again, in a copy or in the alignment of a document read for its vector,
  is embedded once);
- candidates (`candidates`): nearest document vectors in other languages,
  documents sharing rare language-independent anchors, and the lexical
  stage's near misses within one language;
- alignment (`align.align`): mutual best sentence pairs above a cosine, in order;
- relation: `translation` (languages differ; whole or partial in the
  evidence) or `rewrite` (one language, `rewrite_cosine` and most of the
  shorter side aligned: two reports of one event share facts, not most of
  their sentences). One passage per aligned sentence pair, its `identity` the
  cosine. Direction, credit and edits come from `stages.provenance`
  (dates, credits, coverage, framing) plus a cue of its own: one side naming
  the other's outlet in any language ("según la BBC", "по данным RT").
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from copytrace.settings import ScanSettings, SemanticSettings
from copytrace.stages.semantic.align import align
from copytrace.stages.semantic.candidates import (anchor_neighbours, anchors_of, latin_names, majority_shortlist,
                                                  vector_neighbours)
from copytrace.stages.semantic.model import embed, encoder_text
from copytrace.stages.semantic.sentences import language_of, sentence_spans, spread

DOC_SENTENCE_CHARS = 300  # a document vector reads the start of each sentence it takes
ALIGN_CHUNK = 2000  # candidate pairs whose sentence vectors are gathered at once
SENTENCE_CACHE = 400_000  # sentence vectors kept by text (2 KB each: 800 MB); over it, the cache starts again
EMBED_BATCH = 1024  # sentences per call of the encoder


class SentenceCache:
    """Sentence vectors by the encoder's input text: a sentence met again (a copy, boilerplate, a document
    read for its vector then aligned) is embedded once. Bounded: past `limit` vectors it is emptied."""

    def __init__(self, limit: int = SENTENCE_CACHE):
        self.limit = limit
        self.rows: dict[str, int] = {}
        self.matrix: np.ndarray | None = None  # limit x 512, zeros: memory is taken as rows are written
        self.embedded = 0  # sentences given to the encoder
        self.asked = 0  # sentences asked for

    def __call__(self, pieces: list[str]) -> np.ndarray:
        """One vector per piece (the same as `embed(pieces)`)."""
        self.asked += len(pieces)
        new = list(dict.fromkeys(p for p in pieces if p not in self.rows))
        if len(self.rows) + len(new) > self.limit:
            self.rows.clear()
            new = list(dict.fromkeys(pieces))
            if len(new) > self.limit:  # more distinct sentences than the cache holds: no cache
                self.embedded += len(pieces)
                return embed(pieces)
        if self.matrix is None:
            self.matrix = np.zeros((self.limit, 512), np.float32)
        base = len(self.rows)
        for lo in range(0, len(new), EMBED_BATCH):
            part = new[lo:lo + EMBED_BATCH]
            self.matrix[base + lo:base + lo + len(part)] = embed(part)
        for k, piece in enumerate(new):
            self.rows[piece] = base + k
        self.embedded += len(new)
        if not pieces:
            return np.zeros((0, 512), np.float32)
        return self.matrix[np.fromiter((self.rows[p] for p in pieces), np.int64, len(pieces))]


class Spans:
    """The sentence spans of each text, cut on first use: most documents of the majority language are never
    read sentence by sentence (no document vector, no candidate pair)."""

    def __init__(self, texts: list[str]):
        self.texts = texts
        self._spans: list[list[tuple[int, int]] | None] = [None] * len(texts)

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, doc: int) -> list[tuple[int, int]]:
        spans = self._spans[doc]
        if spans is None:
            spans = self._spans[doc] = sentence_spans(self.texts[doc])
        return spans

    def __iter__(self):
        return (self[d] for d in range(len(self.texts)))


@dataclass
class Corpus:
    """Sentences, languages and vectors of the scan's documents; sentence vectors only where asked."""

    ids: list[str]
    texts: list[str]
    spans: Spans  # sentence spans by document, cut on first use
    languages: np.ndarray
    doc_vectors: np.ndarray
    anchors: list[set[str]]  # numbers; Latin-script names in a text of another script
    names: list[set[str]]  # capitalised words of a Latin-script text (where a name in another script is looked up)
    majority: str | None  # the corpus' most common language
    embedded: int = 0  # sentences given to the encoder (a sentence met again comes from the cache)
    shortlisted: int = 0  # documents given a document vector
    cache: SentenceCache = field(default_factory=SentenceCache)
    asked: int = 0  # sentences whose vector was asked for (embedded + found in the cache)
    _vectors: dict[int, np.ndarray] = field(default_factory=dict)

    def vectors(self, doc: int) -> np.ndarray:
        if doc not in self._vectors:
            self.prefetch([doc])
        return self._vectors[doc]

    def sentences(self, doc: int) -> list[str]:
        """The encoder's input for each sentence of `doc` (see `model.encoder_text`)."""
        text, language = self.texts[doc], self.languages[doc]
        return [encoder_text(text[s:e], language) for s, e in self.spans[doc]]

    def release(self) -> None:
        """Forget the documents' sentence matrices (the cache by text stays, bounded by its limit)."""
        self._vectors.clear()

    def prefetch(self, docs, advance=None, batch: int = 4096) -> None:
        """Sentence vectors of `docs`, the sentences not met before embedded in large batches."""
        todo = [d for d in sorted(set(docs)) if d not in self._vectors]
        for lo in range(0, len(todo), batch):
            group = todo[lo:lo + batch]
            per_doc = [self.sentences(d) for d in group]
            before = self.cache.embedded
            vectors = self.cache([piece for pieces in per_doc for piece in pieces])
            k = 0
            for d, pieces in zip(group, per_doc):
                self._vectors[d] = vectors[k:k + len(pieces)]
                k += len(pieces)
            self.embedded += self.cache.embedded - before
            self.asked += k
            if advance:
                advance(len(group))


def read_corpus(ids: list[str], texts: list[str], settings: SemanticSettings, advance=None) -> Corpus:
    """Sentences, language, anchors and document vector of every document (map over documents, in batches).

    With `settings.shortlist_max_df`, a document of the majority language gets a vector only if it shares
    a rare anchor with a document in another language (`majority_shortlist`); the others keep a zero
    vector, which no search reaches."""
    texts = list(texts)
    spans = Spans(texts)
    languages = np.array([language_of(t) for t in texts], dtype=object)
    majority = Counter(languages.tolist()).most_common(1)[0][0] if len(texts) else None
    anchors = [anchors_of(t, lang) for t, lang in zip(texts, languages)]
    names = [latin_names(t) if lang in _LATIN_NAMED else set() for t, lang in zip(texts, languages)]
    wanted = (majority_shortlist(anchors, names, languages, majority, settings.shortlist_max_df)
              if settings.shortlist_max_df else np.ones(len(texts), bool))
    doc_vectors = np.zeros((len(texts), 512), np.float32)
    cache = SentenceCache()
    step = 2048
    for lo in range(0, len(texts), step):
        pieces, owners = [], []
        for d in np.flatnonzero(wanted[lo:lo + step]) + lo:
            for k in spread(len(spans[d]), settings.doc_sentences):
                s, e = spans[d][k]
                pieces.append(encoder_text(texts[d][s:min(e, s + DOC_SENTENCE_CHARS)], languages[d]))
                owners.append(d)
        if pieces:
            np.add.at(doc_vectors, np.asarray(owners), cache(pieces))
        if advance:
            advance(min(step, len(texts) - lo))
    norms = np.linalg.norm(doc_vectors, axis=1, keepdims=True)
    doc_vectors /= np.where(norms > 0, norms, 1.0)
    return Corpus(list(ids), texts, spans, languages, doc_vectors, anchors, names, majority, cache.embedded,
                  int(wanted.sum()), cache, cache.asked)


_LATIN_NAMED = ("en", "es", "pt", "fr", "de", "it", "id", "nl")


def candidate_pairs(corpus: Corpus, near_misses: list[tuple[int, int]], settings: SemanticSettings
                    ) -> tuple[dict[tuple[int, int], str], dict]:
    """Pairs (i < j) to align and how each was found; with counts per source of candidates."""
    queries = np.flatnonzero(corpus.languages != corpus.majority)
    found: dict[tuple[int, int], str] = {}
    by_vector = vector_neighbours(corpus.doc_vectors, corpus.languages, queries, settings.neighbours,
                                  settings.min_doc_cosine, corpus.majority, corpus.doc_vectors.any(axis=1))
    for q, d, _ in by_vector:
        found.setdefault((min(q, d), max(q, d)), "vector")
    by_anchor = anchor_neighbours(corpus.anchors, corpus.languages, queries, corpus.names)
    for q, d, _ in by_anchor:
        found.setdefault((min(q, d), max(q, d)), "anchors")
    for i, j in near_misses:
        found.setdefault((min(i, j), max(i, j)), "near miss")
    counts = Counter(found.values())
    return found, {"queries": int(len(queries)), "shortlisted": corpus.shortlisted, "by_vector": len(by_vector),
                   "by_anchors": len(by_anchor),
                   "near_misses": len(near_misses), "pairs": len(found), **{f"kept_{k}": v for k, v in counts.items()}}


@dataclass
class Match:
    """One pair of documents and its aligned sentences (index in a, index in b, cosine)."""

    a: int
    b: int
    relation: str  # translation | rewrite
    sentences: list[tuple[int, int, float]]
    found_by: str


def verify(corpus: Corpus, pairs: dict[tuple[int, int], str], settings: SemanticSettings) -> list[Match]:
    """The candidate pairs whose sentences align: translations across languages, rewrites within one."""
    matches = []
    for (a, b), how in sorted(pairs.items()):
        crossing = corpus.languages[a] != corpus.languages[b]
        threshold = settings.min_sentence_cosine if crossing else settings.rewrite_cosine
        aligned = align(corpus.vectors(a), corpus.vectors(b), threshold)
        if len(aligned) < settings.min_sentences:
            continue
        shorter = min(len(corpus.spans[a]), len(corpus.spans[b]))
        share = settings.min_translation_share if crossing else settings.min_rewrite_share
        if len(aligned) < share * shorter:
            continue
        matches.append(Match(a, b, "translation" if crossing else "rewrite", aligned, how))
    return matches


def verify_in_chunks(corpus: Corpus, pairs: dict[tuple[int, int], str], settings: SemanticSettings,
                     advance=None) -> list[Match]:
    """`verify` over chunks of pairs in document order: sentence vectors of one chunk in memory at a time."""
    matches = []
    ordered = sorted(pairs.items())
    for lo in range(0, len(ordered), ALIGN_CHUNK):
        chunk = dict(ordered[lo:lo + ALIGN_CHUNK])
        corpus.prefetch([d for pair in chunk for d in pair])
        matches += verify(corpus, chunk, settings)
        corpus.release()
        if advance:
            advance(len(chunk))
    return matches


def near_miss_pairs(result, index_of: dict[str, int]) -> list[tuple[int, int]]:
    """Lexical pairs that share a few passages and no more: no edge, or a quote, partial or cut edge covering
    under half of either side."""
    if result.pairs.num_rows == 0:
        return []
    strong = set()
    edges = result.tables.get("edges")
    if edges is not None and edges.num_rows:
        for s, c, rel, cs, cc in zip(*(edges[k].to_pylist() for k in
                                          ("source", "copy", "relation", "source_coverage", "copy_coverage"))):
            if rel not in ("quote", "partial", "cut") or max(cs, cc) >= 0.5:
                strong.add(frozenset((s, c)))
    out = []
    for a, b in zip(result.pairs["a"].to_pylist(), result.pairs["b"].to_pylist()):
        if frozenset((a, b)) not in strong and a in index_of and b in index_of:
            out.append((index_of[a], index_of[b]))
    return out


def semantic_stage(result, settings: ScanSettings, progress=None):
    """Add the translations and rewrites of a scan's documents to its result (in place; returned)."""
    sem = settings.semantic
    if not sem.enabled:
        return result
    from copytrace.progress import Progress
    from copytrace.stages.semantic.relate import add_matches

    progress = progress or Progress()
    started = time.perf_counter()
    docs = result.documents
    ids = docs["id"].to_pylist()
    texts = docs["text"].to_pylist()
    with progress.task("semantic vectors", total=len(ids)) as advance:
        corpus = read_corpus(ids, texts, sem, advance)
    vector_seconds = time.perf_counter() - started
    near = near_miss_pairs(result, {d: i for i, d in enumerate(ids)})
    pairs, counts = candidate_pairs(corpus, near, sem)
    with progress.task("semantic align", total=len(pairs)) as advance:
        matches = verify_in_chunks(corpus, pairs, sem, advance)
    added = add_matches(result, corpus, matches, settings)
    families = result.families
    seconds = time.perf_counter() - started
    before = result.stats or {}
    result.stats = {**before, "families": families.num_rows,
                    "seconds": round(before.get("seconds", 0.0) + seconds, 3),
                    "passages": result.tables["passages"].num_rows if "passages" in result.tables else None,
                    "families_with_copies": int(pc.sum(pc.greater(families["size"], 1)).as_py() or 0),
                    "semantic": {
        "documents": len(ids), "languages": dict(Counter(corpus.languages.tolist()).most_common()),
        "sentences_embedded": corpus.embedded, "sentence_vectors_asked": corpus.asked, "candidates": counts,
        "translations": sum(m.relation == "translation" for m in matches),
        "rewrites": sum(m.relation == "rewrite" for m in matches), **added,
        "vector_seconds": round(vector_seconds, 3), "seconds": round(seconds, 3)}}
    return result


__all__ = ["semantic_stage", "read_corpus", "candidate_pairs", "verify", "verify_in_chunks", "Match", "Corpus"]
