"""Sentences split and matched in compiled code: the hot loop of provenance's relations.

A text is read once, as code points, into its sentences (`text.sentences`'
rule: a run of characters up to a stop (`STOPS`: `.!?…`, the Indic dandas,
Arabic stops) and the closing quotes after it, or up to a line end)
and their words (`\\w+`, lower-cased; `ς` and `σ` are one
letter, `İ` is `i`), each word a fixed 64-bit hash and each word marked when
it starts inside quoted speech (`text.quotes`). A sentence in an index is
three sorted arrays of hashes (its word multiset, its distinct words, its
word pairs), so matching a copy to a source merges short sorted arrays
instead of building Python Counters and sets per sentence and pair. The
rule matched is `text.sentences.match_sentences`': for each copy sentence,
the `CANDIDATES` source sentences sharing most distinct words (ties: the
earlier one), and of them the one with the highest Dice overlap of word
multisets, at least `min_overlap`, with at least `min_bigrams` word pairs
shared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from numba import njit

from copytrace.text.code_point_tables import cached_table
from copytrace.text.hash_sort import stable_argsort
from copytrace.text.substrings import code_points
from copytrace.text.tokens import mix64

CANDIDATES = 5  # source sentences looked at per copy sentence (most distinct words shared)
# End a sentence, with the closing quotes after them: Latin, the Indic dandas, Arabic. Not the CJK stops: a Han
# or kana sentence's words are its runs between punctuation, few a sentence, and cut at "。" most sentences
# fall under `min_words` (a Japanese cut then reads as sharing quotes only).
STOPS = ".!?…।॥؟۔"
CLOSING = "\"'”’»“」』"
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_PAIR = np.uint64(0x9E3779B97F4A7C15)


@lru_cache(maxsize=1)
def word_table() -> np.ndarray:
    """Code point -> its lower-case form if it belongs to a `\\w` word, else 0."""
    return cached_table("word_table", _build_word_table)


def _build_word_table() -> np.ndarray:
    """`word_table` built from Python's Unicode data."""
    # Every code point, decoded from their UTF-32 in one call (a join of 1.1M `chr` costs 0.12 s a process).
    chars = np.arange(0x110000, dtype=np.uint32).tobytes().decode("utf-32-le", "surrogatepass")
    lowered = chars[:0x130].lower() + "i" + chars[0x131:].lower()  # U+0130 alone lowers to two characters
    table = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    word = np.zeros(len(table), dtype=bool)
    for m in re.finditer(r"\w+", chars):
        word[m.start():m.end()] = True
    table[~word] = 0
    table[table == 0x3C2] = 0x3C3  # final sigma: the word's letter, whatever its place
    return table


def _marks(chars: str) -> tuple[np.ndarray, np.ndarray]:
    """A table of the marks below U+2800 and the list of the others (CJK)."""
    marks = np.zeros(0x2800, dtype=np.uint8)
    for c in chars:
        if ord(c) < len(marks):
            marks[ord(c)] = 1
    return marks, np.array([ord(c) for c in chars if ord(c) >= len(marks)], dtype=np.uint32)


_STOP, _STOP_FAR = _marks(STOPS)
_CLOSING, _CLOSING_FAR = _marks(CLOSING)


@njit(cache=True, inline="always")
def _is(cp, marks, far):
    if cp < len(marks):
        return marks[cp] != 0
    for f in far:
        if cp == f:
            return True
    return False


@njit(cache=True)
def _split(cps, table, quote_lo, quote_hi, stops, stops_far, closing, closing_far, s_lo, s_hi, s_first, w_lo, w_hi,
           w_hash, w_quoted):
    """Sentences (start, end, first word) and words (start, end, hash, quoted) of a text's code points.

    The scratch arrays after the marks hold a slot per code point and two (`_scratch`); the results are copies.
    """
    n = len(cps)
    ns = nw = q = 0
    i = 0
    # Loops written with `break`: numba compiles `while i < n and ... and not _is(...)` ten times slower.
    while i < n:
        c = cps[i]
        if c == 10 or _is(c, stops, stops_far):
            i += 1
            continue
        lo = i
        while i < n:
            c = cps[i]
            if c == 10 or _is(c, stops, stops_far):
                break
            i += 1
        if i < n and cps[i] == 10:
            i += 1
        elif i < n:
            while i < n:
                if not _is(cps[i], stops, stops_far):
                    break
                i += 1
            while i < n:
                if not _is(cps[i], closing, closing_far):
                    break
                i += 1
        first, k = nw, lo
        while k < i:
            if table[cps[k]] == 0:
                k += 1
                continue
            start, h = k, _FNV_OFFSET
            while k < i and table[cps[k]] != 0:
                h = (h ^ np.uint64(table[cps[k]])) * _FNV_PRIME
                k += 1
            while q < len(quote_lo) and quote_hi[q] <= start:
                q += 1
            w_lo[nw], w_hi[nw], w_hash[nw] = start, k, mix64(h)
            w_quoted[nw] = q < len(quote_lo) and quote_lo[q] <= start
            nw += 1
        if nw > first:
            s_lo[ns], s_hi[ns], s_first[ns] = lo, i, first
            ns += 1
    s_first[ns] = nw
    return (s_lo[:ns].copy(), s_hi[:ns].copy(), s_first[:ns + 1].copy(), w_lo[:nw].copy(), w_hi[:nw].copy(),
            w_hash[:nw].copy(), w_quoted[:nw].copy())


def split_words(text: str, quotes: list[tuple[int, int]], cps: np.ndarray | None = None):
    """`_split` of a text, with its merged quote spans (`text.quotes.quote_spans`); `cps`: its `code_points`,
    when the caller has them."""
    cps = code_points(text) if cps is None else cps
    spans = np.asarray(quotes, dtype=np.int64).reshape(-1, 2)
    return _split(cps, word_table(), np.ascontiguousarray(spans[:, 0]), np.ascontiguousarray(spans[:, 1]),
                  _STOP, _STOP_FAR, _CLOSING, _CLOSING_FAR, *_scratch(len(cps)))


_SCRATCH: list[np.ndarray] = []


def _scratch(n: int) -> list[np.ndarray]:
    """`_split`'s scratch arrays for a text of `n` code points, made once and grown as texts grow: fresh ones per
    call cost new memory pages in a process that keeps many texts' sentences (a trace). The kernel holds the
    GIL and copies its results out, so one set serves every call, in any thread."""
    if not _SCRATCH or len(_SCRATCH[0]) < n + 2:
        size = max(n + 2, 1 << 14)
        _SCRATCH[:] = [np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.int64),
                       np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.uint64),
                       np.empty(size, np.bool_)]
    return _SCRATCH


@njit(cache=True)
def _aside(first, ids, w_lo, w_hi, quoted):
    """From `_split`'s results, both splits' per-sentence arrays: (word counts, their offsets) of all words, and
    whether any word is quoted; then the words outside quotes: (counts, offsets, quoted words per sentence,
    hashes, starts, ends), empty when no word is quoted."""
    n = len(first) - 1
    counts = np.empty(n, np.int64)
    for s in range(n):
        counts[s] = first[s + 1] - first[s]
    n_quoted = 0
    for k in range(len(quoted)):
        if quoted[k]:
            n_quoted += 1
    m = len(ids) - n_quoted if n_quoted else 0
    a_counts, a_at, a_quoted = np.empty(n if n_quoted else 0, np.int64), np.zeros(n + 1 if n_quoted else 0, np.int64), \
        np.empty(n if n_quoted else 0, np.int64)
    a_ids, a_lo, a_hi = np.empty(m, np.uint64), np.empty(m, np.int64), np.empty(m, np.int64)
    if n_quoted:
        j = 0
        for s in range(n):
            inside = 0
            for k in range(first[s], first[s + 1]):
                if quoted[k]:
                    inside += 1
                else:
                    a_ids[j], a_lo[j], a_hi[j] = ids[k], w_lo[k], w_hi[k]
                    j += 1
            a_counts[s], a_quoted[s], a_at[s + 1] = counts[s] - inside, inside, j
    return counts, first, n_quoted > 0, a_counts, a_at, a_quoted, a_ids, a_lo, a_hi


def split_sentences(text: str, quotes: list[tuple[int, int]], cps: np.ndarray | None = None):
    """`split_words` of a text, then `_aside`: ((sentence starts, ends), all words (counts, offsets, hashes,
    starts, ends), any quoted, words outside quotes (counts, offsets, quoted per sentence, hashes, starts, ends))."""
    starts, ends, first, w_lo, w_hi, ids, quoted = split_words(text, quotes, cps)
    counts, at, any_quoted, a_counts, a_at, a_quoted, a_ids, a_lo, a_hi = _aside(first, ids, w_lo, w_hi, quoted)
    return (starts, ends), (counts, at, ids, w_lo, w_hi), any_quoted, (a_counts, a_at, a_quoted, a_ids, a_lo, a_hi)


@dataclass
class SentenceIndex:
    """A text's sentences of `min_words` or more as sorted word hashes; other sentences have empty ranges.

    Arrays of one kind are concatenated over the sentences, `*_at` their offsets (n + 1).
    """

    lengths: np.ndarray  # words of every sentence (eligible or not)
    ids: np.ndarray  # word hashes in text order: verbatim sentences are equal runs
    ids_at: np.ndarray
    bag: np.ndarray  # sorted hashes (with repeats): the multiset of the Dice overlap
    distinct: np.ndarray  # sorted distinct hashes: which source sentences are candidates
    distinct_at: np.ndarray
    grams: np.ndarray  # sorted distinct word pairs (a hash of the two words' hashes)
    grams_at: np.ndarray

    def same_as(self, other: "SentenceIndex") -> bool:
        """The same sentences (arrays compared by value)."""
        return all(np.array_equal(getattr(self, name), getattr(other, name)) for name in self.__dataclass_fields__)

    @cached_property
    def postings(self) -> tuple[np.ndarray, np.ndarray]:
        """The distinct hashes of every sentence, sorted (the text's words, each once a sentence), and the
        sentence of each, ascending within one word: made when the text is first matched as a source (a copy
        never needs them)."""
        return _postings(self.distinct, self.distinct_at)

    @property
    def lead(self) -> int:
        """The first eligible sentence, or -1."""
        eligible = np.flatnonzero(np.diff(self.ids_at))
        return int(eligible[0]) if len(eligible) else -1


def index_ids(lengths: np.ndarray, ids: np.ndarray, min_words: int) -> SentenceIndex:
    """The index of sentences given by their word counts and concatenated word hashes."""
    lengths = np.asarray(lengths, dtype=np.int64)
    return SentenceIndex(lengths, *_index(lengths, np.asarray(ids, dtype=np.uint64), min_words))


@njit(cache=True)
def _index(lengths, ids, min_words):
    """`SentenceIndex`'s arrays after `lengths`, in one compiled call (a text is indexed once or twice per trace)."""
    n = len(lengths)
    at = np.zeros(n + 1, dtype=np.int64)
    kept = np.empty(len(ids), dtype=ids.dtype)
    m = k = 0
    for s in range(n):
        if lengths[s] >= min_words:
            kept[m:m + lengths[s]] = ids[k:k + lengths[s]]
            m += lengths[s]
        k += lengths[s]
        at[s + 1] = m
    kept = kept[:m]
    bag, distinct, distinct_at, grams, grams_at = _sorted_forms(kept, at)
    return kept, at, bag, distinct, distinct_at, grams, grams_at


@njit(cache=True)
def _postings(distinct, distinct_at):
    """`SentenceIndex.postings` from its distinct hashes."""
    order = stable_argsort(distinct)  # a word's sentences in ascending order
    sentence = np.empty(len(distinct), dtype=np.int64)
    for s in range(len(distinct_at) - 1):
        sentence[distinct_at[s]:distinct_at[s + 1]] = s
    return distinct[order], sentence[order]


@njit(cache=True, inline="always")
def _insertion_sort(a, lo, hi):
    """Sort a[lo:hi] in place: a sentence's few dozen values, without np.sort's allocation per call."""
    for k in range(lo + 1, hi):
        v = a[k]
        m = k - 1
        while m >= lo and a[m] > v:
            a[m + 1] = a[m]
            m -= 1
        a[m + 1] = v


@njit(cache=True)
def _sorted_forms(ids, at):
    """Per sentence: its hashes sorted, its distinct hashes, its distinct word pairs (sorted)."""
    n = len(at) - 1
    bag = ids.copy()
    distinct = np.empty_like(ids)
    distinct_at = np.zeros(n + 1, dtype=np.int64)
    pairs = np.empty(max(len(ids), 1), dtype=np.uint64)
    grams = np.empty(max(len(ids), 1), dtype=np.uint64)
    grams_at = np.zeros(n + 1, dtype=np.int64)
    d = g = 0
    for s in range(n):
        lo, hi = at[s], at[s + 1]
        _insertion_sort(bag, lo, hi)
        for k in range(lo, hi):
            if k == lo or bag[k] != bag[k - 1]:
                distinct[d] = bag[k]
                d += 1
        distinct_at[s + 1] = d
        for k in range(lo, hi - 1):
            pairs[k - lo] = mix64(ids[k] * _PAIR + ids[k + 1])
        _insertion_sort(pairs, 0, hi - lo - 1)
        for k in range(hi - lo - 1):
            if k == 0 or pairs[k] != pairs[k - 1]:
                grams[g] = pairs[k]
                g += 1
        grams_at[s + 1] = g
    return bag, distinct[:d], distinct_at, grams[:g], grams_at


@njit(cache=True, inline="always")
def _common(x, y) -> int:
    """Elements two sorted arrays share, with repeats (the multiset intersection's size)."""
    i = j = n = 0
    while i < len(x) and j < len(y):
        if x[i] < y[j]:
            i += 1
        elif x[i] > y[j]:
            j += 1
        else:
            n += 1
            i += 1
            j += 1
    return n


@njit(cache=True)
def _match(c_ids, c_ids_at, c_bag, c_distinct, c_distinct_at, c_grams, c_grams_at, c_lengths,
           s_ids, s_ids_at, s_bag, s_postings, s_posting_sentence, s_grams, s_grams_at, s_lengths,
           min_overlap, min_bigrams, candidates):
    """For each copy sentence: its matched source sentence (-1: none), their overlap, and whether verbatim."""
    n_copy, n_source = len(c_ids_at) - 1, len(s_ids_at) - 1
    matched = np.full(n_copy, -1, dtype=np.int64)
    overlaps = np.zeros(n_copy)
    same = np.zeros(n_copy, dtype=np.bool_)
    shared = np.zeros(n_source, dtype=np.int64)
    top = np.empty(candidates, dtype=np.int64)
    for j in range(n_copy):
        if c_ids_at[j + 1] == c_ids_at[j]:
            continue
        shared[:] = 0
        for w in c_distinct[c_distinct_at[j]:c_distinct_at[j + 1]]:  # distinct words shared, by the postings
            k = np.searchsorted(s_postings, w)
            while k < len(s_postings) and s_postings[k] == w:
                shared[s_posting_sentence[k]] += 1
                k += 1
        best = -1.0
        # The `candidates` sentences sharing most distinct words (the earlier on a tie), best first: one pass.
        kept = 0
        for i in range(n_source):
            v = shared[i]
            if v == 0 or (kept == candidates and v <= shared[top[kept - 1]]):
                continue
            at = kept if kept < candidates else candidates - 1
            while at > 0 and shared[top[at - 1]] < v:
                top[at] = top[at - 1]
                at -= 1
            top[at] = i
            if kept < candidates:
                kept += 1
        for t in range(kept):
            pick = top[t]
            total = c_lengths[j] + s_lengths[pick]
            # At most 2 min(lengths) / total: a candidate that cannot beat the best (nor reach min_overlap) is
            # not merged; none can beat a whole match (1.0).
            if total == 0 or 2 * min(c_lengths[j], s_lengths[pick]) / total < max(min_overlap, best):
                continue
            common = _common(c_bag[c_ids_at[j]:c_ids_at[j + 1]], s_bag[s_ids_at[pick]:s_ids_at[pick + 1]])
            overlap = 2 * common / total
            if overlap >= min_overlap and overlap > best:
                pairs = _common(c_grams[c_grams_at[j]:c_grams_at[j + 1]],
                                s_grams[s_grams_at[pick]:s_grams_at[pick + 1]])
                if pairs >= min_bigrams:
                    best = overlap
                    matched[j], overlaps[j] = pick, overlap
            if best >= 1.0:
                break
        if matched[j] >= 0:
            x = c_ids[c_ids_at[j]:c_ids_at[j + 1]]
            y = s_ids[s_ids_at[matched[j]]:s_ids_at[matched[j] + 1]]
            same[j] = len(x) == len(y) and np.all(x == y)
    return matched, overlaps, same


def match_indexes(source: SentenceIndex, copy: SentenceIndex, min_overlap: float, min_bigrams: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(matched source sentence per copy sentence, -1 for none; overlap; verbatim) of two indexes."""
    return _match(copy.ids, copy.ids_at, copy.bag, copy.distinct, copy.distinct_at, copy.grams, copy.grams_at,
                  copy.lengths, source.ids, source.ids_at, source.bag, *source.postings,
                  source.grams, source.grams_at, source.lengths, float(min_overlap), int(min_bigrams), CANDIDATES)


@njit(cache=True)
def _figures(matched, same, c_lengths, s_lengths, c_ids_at, s_ids_at):
    """(copy words in matched sentences, source words in matched sentences, verbatim matches, matches in the
    source's order (the longest strictly increasing run of matched source sentences), whether one of the copy's
    first two eligible sentences matches the source's first eligible one)."""
    used = np.zeros(len(s_lengths), dtype=np.bool_)
    tails = np.empty(len(matched) + 1, dtype=np.int64)  # patience sorting
    derived = verbatim = run = 0
    for j in range(len(matched)):
        i = matched[j]
        if i < 0:
            continue
        derived += c_lengths[j]
        verbatim += 1 if same[j] else 0
        used[i] = True
        lo = np.searchsorted(tails[:run], i)  # bisect_left: the run keeps strictly increasing sentences
        tails[lo] = i
        if lo == run:
            run += 1
    source_derived = 0
    for i in range(len(s_lengths)):
        if used[i]:
            source_derived += s_lengths[i]
    lead = -1
    for i in range(len(s_ids_at) - 1):
        if s_ids_at[i + 1] != s_ids_at[i]:
            lead = i
            break
    takes_lead = False
    if lead >= 0:
        opening = 0
        for j in range(len(c_ids_at) - 1):
            if c_ids_at[j + 1] != c_ids_at[j]:
                if matched[j] == lead:
                    takes_lead = True
                    break
                opening += 1
                if opening == 2:
                    break
    return derived, source_derived, verbatim, run, takes_lead


def matching_figures(matched: np.ndarray, same: np.ndarray, copy_lengths: np.ndarray, source_lengths: np.ndarray,
                     copy_at: np.ndarray, source_at: np.ndarray) -> tuple[int, int, int, int, bool]:
    """What a `Matching` reports of `match_indexes`' answer, in one compiled pass: (derived words, source words
    derived, verbatim sentences, sentences in the source's order, whether the copy opens with the source's lead)."""
    derived, source_derived, verbatim, run, takes_lead = _figures(
        matched, same, np.asarray(copy_lengths, np.int64), np.asarray(source_lengths, np.int64), copy_at, source_at)
    return int(derived), int(source_derived), int(verbatim), int(run), bool(takes_lead)
