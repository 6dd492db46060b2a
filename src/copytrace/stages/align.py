"""Align stage: the exact passages two documents share, as offsets into their texts.

Seed, chain, extend, measure:

1. Seeds: word n-grams (hashed, `seed_words` long) found in both documents.
   An n-gram repeated more than `max_repeats` times in either document is
   not a seed: it is boilerplate or a refrain, and would anchor anywhere.
2. Chains: seeds are chained along a diagonal (position in a minus position
   in b) while the gap between them stays small (`max_gap_words`) and the
   diagonal drifts little (`max_shift_words`: words inserted or dropped).
   Chains need not follow each other in the same order in both documents,
   so a paragraph moved elsewhere in the copy is its own passage (passim,
   whose anchors must increase, misses it).
3. Extension: each chain is extended word by word while the words agree,
   then at the character level over matching punctuation, so a passage ends
   where the shared text ends, not at a seed boundary.
4. Identity: the share of words that agree within the passage (edits,
   masked tokens and OCR noise lower it).

Words are compared after folding (NFKC, case, and every punctuation mark a
separator), so curly and straight quotes and glued sentences ("said.The")
agree; offsets map back to the original characters through the fold map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numba import njit

from copytrace.settings import AlignSettings
from copytrace.text.normalize import fold_with_map, original_spans
from copytrace.schemas import PASSAGE_SCHEMA
from copytrace.text.hash_sort import stable_argsort
from copytrace.text.tokens import text_needs_nfkc, tokenize_into, word_spans
# Characters that count as the same when extending a passage over punctuation.
_PUNCT_FOLD = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
                             "\u2018": "'", "\u2019": "'", "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def _lookup(chars: str) -> np.ndarray:
    """A table of code points, True for `chars`; its last entry (False) stands for every higher one."""
    table = np.zeros(max(map(ord, chars)) + 2, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


_LINE_BREAK_CODES = _lookup("\n")
_SENTENCE_MARK_CODES = _lookup(".!?\n\u2026")


def _char_codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@njit(cache=True)
def _gaps_with(marks_of, codes, starts, ends):
    """Cumulative count, before each word, of the gaps between words that hold a character of `marks_of` (`_lookup`).

    counts[k] - counts[m] > 0 says a gap between words m..k holds it: an O(1)
    test inside the compiled chaining loop.
    """
    counts = np.zeros(len(starts) + 1, dtype=np.int64)
    top = len(marks_of) - 1
    for k in range(1, len(starts)):
        hit = 0
        for c in range(ends[k - 1], starts[k]):
            if marks_of[min(codes[c], top)]:
                hit = 1
                break
        counts[k + 1] = counts[k] + hit
    return counts


_ELLIPSIS = "\u2026".encode()  # the one sentence mark outside ASCII


@njit(cache=True)
def _unfolded_words(buf):
    """`WordIndex` columns of a UTF-8 text that folding leaves as it is, in one pass: word hashes, character
    spans, and the cumulative line breaks and sentence stops between words (as `_gaps_with` counts them)."""
    cap = len(buf) // 2 + 2
    hashes, starts, ends = np.empty(cap, np.uint64), np.empty(cap, np.int64), np.empty(cap, np.int64)
    n = tokenize_into(buf, 0, len(buf), hashes, starts, ends)
    breaks, stops = np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64)
    for k in range(1, n):
        line, stop = 0, 0
        for i in range(ends[k - 1], starts[k]):
            c = buf[i]
            if c == 10:
                line = 1
            if c == 10 or c == 46 or c == 33 or c == 63 or (
                    c == 0xE2 and i + 2 < len(buf) and buf[i + 1] == 0x80 and buf[i + 2] == 0xA6):
                stop = 1
        breaks[k + 1], stops[k + 1] = breaks[k] + line, stops[k] + stop
    char_at = np.empty(len(buf) + 1, np.int64)  # byte offset -> character offset
    c = -1
    for i in range(len(buf)):
        if (buf[i] & 0xC0) != 0x80:
            c += 1
        char_at[i] = c
    char_at[len(buf)] = c + 1
    return hashes[:n].copy(), char_at[starts[:n]], char_at[ends[:n]], breaks, stops


@dataclass
class WordIndex:
    """A document's words: hashes, original character spans, and what lies between words."""

    hashes: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    text: str
    breaks: np.ndarray  # cumulative line breaks between words (see _gaps_with)
    stops: np.ndarray  # cumulative sentence ends or line breaks between words

    seed_index: dict = field(default_factory=dict)  # seed length -> SeedIndex, made on first use

    @classmethod
    def of(cls, text: str) -> "WordIndex":
        raw = text.encode("utf-8", "surrogatepass")
        if text.isascii() or not text_needs_nfkc(raw):  # nothing to fold: one compiled pass over the bytes
            hashes, starts, ends, breaks, stops = _unfolded_words(np.frombuffer(raw, dtype=np.uint8))
            return cls(hashes, starts, ends, text, breaks, stops)
        folded, origin = fold_with_map(text)
        hashes, starts, ends = word_spans(folded)
        starts, ends = original_spans(origin, starts, ends)
        codes = _char_codes(text)
        return cls(hashes, starts, ends, text, _gaps_with(_LINE_BREAK_CODES, codes, starts, ends),
                   _gaps_with(_SENTENCE_MARK_CODES, codes, starts, ends))

    def __len__(self) -> int:
        return len(self.hashes)

    def seeds_of(self, n: int) -> "SeedIndex":
        """The document's n-grams sorted by hash: made once, merged against every other document."""
        found = self.seed_index.get(n)
        if found is None:
            found = self.seed_index[n] = SeedIndex.of(self.hashes, n)
        return found


@dataclass
class SeedIndex:
    """A document's n-gram hashes in hash order, with their positions and how often each hash occurs."""

    hashes: np.ndarray  # sorted
    positions: np.ndarray  # word position of each sorted n-gram (stable: ascending within a hash)
    repeats: np.ndarray  # occurrences of each n-gram's hash in the document

    @classmethod
    def of(cls, words: np.ndarray, n: int) -> "SeedIndex":
        """The index of the n-grams of word hashes `words` (`ngram_hashes`)."""
        return cls(*_sorted_ngrams(words, n))


_NGRAM_PRIME = np.uint64(0x100000001B3)


@njit(cache=True)
def ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    """Rolling-free n-gram hashes: a fixed polynomial over the word hashes."""
    out = np.zeros(max(len(hashes) - n + 1, 0), dtype=np.uint64)
    for k in range(len(out)):
        h = np.uint64(0)
        for t in range(n):
            h = h * _NGRAM_PRIME + hashes[k + t]
        out[k] = h
    return out


@njit(cache=True)
def _sorted_ngrams(words, n):
    """(n-gram hashes sorted, their word positions in a stable order, each hash's count): `SeedIndex`'s columns."""
    grams = ngram_hashes(words, n)
    order = stable_argsort(grams)  # np.argsort(kind="mergesort")'s order, in a third of its time
    ordered = grams[order]
    repeats = np.empty(len(ordered), np.int64)
    first = 0
    for k in range(1, len(ordered) + 1):
        if k == len(ordered) or ordered[k] != ordered[first]:
            repeats[first:k] = k - first
            first = k
    return ordered, order, repeats


@njit(cache=True)
def _merge_seeds(ha, pa_, ra, hb, pb, rb, max_repeats):
    """Walk two hash-sorted n-gram lists together; every shared hash repeated at most `max_repeats`
    times on both sides gives each pairing of its positions, as (i, j) sorted by i then j."""
    cap = 0
    x, y = 0, 0
    while x < len(ha) and y < len(hb):
        if ha[x] < hb[y]:
            x += ra[x]
        elif ha[x] > hb[y]:
            y += rb[y]
        else:
            if ra[x] <= max_repeats and rb[y] <= max_repeats:
                cap += ra[x] * rb[y]
            x += ra[x]
            y += rb[y]
    i_arr = np.empty(cap, dtype=np.int64)
    j_arr = np.empty(cap, dtype=np.int64)
    k, x, y = 0, 0, 0
    while x < len(ha) and y < len(hb):
        if ha[x] < hb[y]:
            x += ra[x]
        elif ha[x] > hb[y]:
            y += rb[y]
        else:
            if ra[x] <= max_repeats and rb[y] <= max_repeats:
                for u in range(x, x + ra[x]):
                    for v in range(y, y + rb[y]):
                        i_arr[k], j_arr[k] = pa_[u], pb[v]
                        k += 1
            x += ra[x]
            y += rb[y]
    order = np.argsort(i_arr * (np.int64(1) << 31) + j_arr)
    return i_arr[order], j_arr[order]


def seeds(a: WordIndex, b: WordIndex, settings: AlignSettings) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) word positions where the same n-gram starts in a and in b, sorted by i then j."""
    sa, sb = a.seeds_of(settings.seed_words), b.seeds_of(settings.seed_words)
    if len(sa.hashes) == 0 or len(sb.hashes) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return _merge_seeds(sa.hashes, sa.positions, sa.repeats, sb.hashes, sb.positions, sb.repeats,
                        settings.max_repeats)


@njit(cache=True)
def _chain(i_arr, j_arr, n, max_gap, max_shift, breaks_a, breaks_b):
    """Compiled chaining; returns chains as rows [first_i, first_j, last_i, last_j]."""
    m = len(i_arr)
    chains = np.empty((m, 4), dtype=np.int64)
    is_open = np.zeros(m, dtype=np.bool_)
    count = 0
    reach = n + max_gap
    for k in range(m):
        i, j = i_arr[k], j_arr[k]
        best, best_shift = -1, 0
        for c in range(count):
            if not is_open[c]:
                continue
            last_i, last_j = chains[c, 2], chains[c, 3]
            if i - last_i > reach:
                is_open[c] = False
                continue
            shift = abs((j - i) - (last_j - last_i))
            if j <= last_j or j - last_j > reach + max_shift or shift > max_shift:
                continue
            # No bridging of an unmatched stretch that crosses a line break in either text.
            if i > last_i + n and breaks_a[i + 1] - breaks_a[last_i + n] > 0:
                continue
            if j > last_j + n and breaks_b[j + 1] - breaks_b[last_j + n] > 0:
                continue
            if best < 0 or shift < best_shift:
                best, best_shift = c, shift
        if best < 0:
            chains[count, 0], chains[count, 1], chains[count, 2], chains[count, 3] = i, j, i, j
            is_open[count] = True
            count += 1
        else:
            chains[best, 2], chains[best, 3] = i, j
    return chains[:count]


def chain_seeds(i_arr, j_arr, settings: AlignSettings, a: WordIndex, b: WordIndex) -> list[list[int]]:
    """Group seeds into chains: [first_i, first_j, last_i, last_j] each.

    A chain bridges a few unmatched words but never an unmatched stretch
    that crosses a line break in either text: an inserted credit line or a
    dropped heading ends a passage rather than hiding inside it.
    """
    if len(i_arr) == 0:
        return []
    chains = _chain(i_arr, j_arr, settings.seed_words, settings.max_gap_words, settings.max_shift_words,
                    a.breaks, b.breaks)
    return chains.tolist()


def _boundary_between(words: WordIndex, left: int, right: int) -> bool:
    """Is there a sentence end or line break between word `left` and word `right` = left + 1?"""
    return words.stops[right + 1] - words.stops[left + 1] > 0


def extend_words(a: WordIndex, b: WordIndex, span: list[int]) -> list[int]:
    """Grow a word span [ia, ia_end, jb, jb_end) outward while the words agree.

    Extension stops at a sentence end: a following sentence that is really
    shared has seeds of its own, so one agreeing word past a full stop
    ("...Tajikistan. The") is chance, not reuse.
    """
    ia, ia_end, jb, jb_end = span
    while (ia > 0 and jb > 0 and a.hashes[ia - 1] == b.hashes[jb - 1]
           and not _boundary_between(a, ia - 1, ia) and not _boundary_between(b, jb - 1, jb)):
        ia, jb = ia - 1, jb - 1
    while (ia_end < len(a) and jb_end < len(b) and a.hashes[ia_end] == b.hashes[jb_end]
           and not _boundary_between(a, ia_end - 1, ia_end) and not _boundary_between(b, jb_end - 1, jb_end)):
        ia_end, jb_end = ia_end + 1, jb_end + 1
    return [ia, ia_end, jb, jb_end]


def _fragment(words: WordIndex, first: int, last: int, n: int, at_end: bool) -> int:
    """Words of a sentence fragment shorter than `n` at one end of the word span [first, last)."""
    for k in range(1, min(n, last - first)):
        left = last - k - 1 if at_end else first + k - 1
        if _boundary_between(words, left, left + 1):
            return k
    return 0


def trim_fragments(a: WordIndex, b: WordIndex, span: list[int], n: int) -> list[int]:
    """Cut a passage back to whole sentences where its ends hold a fragment shorter than a seed.

    Seeds may straddle a full stop: "Tajikistan. The" agrees in both texts
    while the two sentences that follow differ. A real shared sentence
    brings seeds of its own, so a fragment of fewer than `n` words past a
    boundary is cut.
    """
    ia, ia_end, jb, jb_end = span
    tail = max(_fragment(a, ia, ia_end, n, True), _fragment(b, jb, jb_end, n, True))
    head = max(_fragment(a, ia, ia_end, n, False), _fragment(b, jb, jb_end, n, False))
    if head + tail >= min(ia_end - ia, jb_end - jb):
        return span
    return [ia + head, ia_end - tail, jb + head, jb_end - tail]


def _same_char(x: str, y: str) -> bool:
    return x.translate(_PUNCT_FOLD).lower() == y.translate(_PUNCT_FOLD).lower()


def extend_chars(a_text: str, b_text: str, a_start, a_end, b_start, b_end, limit: int):
    """Take in matching punctuation right after the end and right before the start (quotes, periods)."""
    k = 0
    while (k < limit and a_end < len(a_text) and b_end < len(b_text) and not a_text[a_end].isspace()
           and not a_text[a_end].isalnum() and _same_char(a_text[a_end], b_text[b_end])):
        a_end, b_end, k = a_end + 1, b_end + 1, k + 1
    k = 0
    while (k < limit and a_start > 0 and b_start > 0 and not a_text[a_start - 1].isspace()
           and not a_text[a_start - 1].isalnum() and _same_char(a_text[a_start - 1], b_text[b_start - 1])):
        a_start, b_start, k = a_start - 1, b_start - 1, k + 1
    return a_start, a_end, b_start, b_end


def word_identity(a: WordIndex, b: WordIndex, ia, ia_end, jb, jb_end) -> float:
    wa, wb = a.hashes[ia:ia_end].tolist(), b.hashes[jb:jb_end].tolist()
    if wa == wb:
        return 1.0
    matcher = SequenceMatcher(None, wa, wb, autojunk=False)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return same / max(len(wa), len(wb))


def align(a: WordIndex, b: WordIndex, settings: AlignSettings = AlignSettings()) -> list[tuple]:
    """Passages shared by two documents: (a_start, a_end, b_start, b_end, identity), by a_start."""
    i_arr, j_arr = seeds(a, b, settings)
    spans = []
    for first_i, first_j, last_i, last_j in chain_seeds(i_arr, j_arr, settings, a, b):
        span = [first_i, last_i + settings.seed_words, first_j, last_j + settings.seed_words]
        spans.append(trim_fragments(a, b, extend_words(a, b, span), settings.seed_words))
    passages = []
    for ia, ia_end, jb, jb_end in _drop_contained(spans):
        if min(ia_end - ia, jb_end - jb) < settings.min_words:
            continue
        offsets = extend_chars(a.text, b.text, int(a.starts[ia]), int(a.ends[ia_end - 1]),
                               int(b.starts[jb]), int(b.ends[jb_end - 1]), settings.max_punct_extension)
        passages.append((*offsets, word_identity(a, b, ia, ia_end, jb, jb_end)))
    return sorted(passages)


def _drop_contained(spans: list[list[int]]) -> list[list[int]]:
    """Word extension can grow two chains into the same passage: keep one of each."""
    unique = sorted({tuple(s) for s in spans}, key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple] = []
    for s in unique:
        if not any(k[0] <= s[0] and s[1] <= k[1] and k[2] <= s[2] and s[3] <= k[3] for k in kept):
            kept.append(s)
    return [list(s) for s in kept]


def align_pairs(documents: pa.Table, pairs: pa.Table, settings: AlignSettings = AlignSettings(),
                progress=None) -> pa.Table:
    """Passages of every pair (a, b) of `pairs`, with offsets into the documents' `text`."""
    from copytrace.progress import Progress

    progress = progress or Progress()
    if pairs.num_rows and documents.num_rows > 2 * pairs.num_rows:
        # Only the texts of the pairs' documents leave Arrow: a big family among 100,000 others.
        named = pc.unique(pa.concat_arrays([pairs["a"].combine_chunks(), pairs["b"].combine_chunks()]))
        documents = documents.filter(pc.is_in(documents["id"], value_set=named))
    texts = dict(zip(documents["id"].to_pylist(), documents["text"].to_pylist()))
    words: dict[str, WordIndex] = {}
    rows = {name: [] for name in PASSAGE_SCHEMA.names}
    with progress.task("align", total=pairs.num_rows) as advance:
        for a_id, b_id in zip(pairs["a"].to_pylist(), pairs["b"].to_pylist()):
            for doc_id in (a_id, b_id):
                if doc_id not in words:
                    words[doc_id] = WordIndex.of(texts[doc_id])
            for number, (a0, a1, b0, b1, identity) in enumerate(align(words[a_id], words[b_id], settings)):
                for name, value in zip(PASSAGE_SCHEMA.names, (a_id, b_id, number, a0, a1, b0, b1, identity)):
                    rows[name].append(value)
            advance(1)
    return pa.table(rows, schema=PASSAGE_SCHEMA)


def drop_unaligned_quotes(pairs: pa.Table, passages: pa.Table, aligned_mask=None) -> pa.Table:
    """A possible quote (a pair that does not link families) stays only if alignment found a passage.

    `aligned_mask` (over `pairs`): the pairs that were aligned; a pair not
    aligned stays as it is (the explain plan aligns every possible quote).
    """
    aligned = set(zip(passages["a"].to_pylist(), passages["b"].to_pylist()))
    links = pairs["family_link"].to_numpy(zero_copy_only=False).astype(bool)
    has_passage = np.zeros(pairs.num_rows, dtype=bool)
    quotes = np.flatnonzero(~links)  # only a possible quote needs a passage: no loop over every family link
    picked = pairs.take(pa.array(quotes, pa.int64()))
    has_passage[quotes] = [(x, y) in aligned for x, y in zip(picked["a"].to_pylist(), picked["b"].to_pylist())]
    if aligned_mask is not None and len(aligned_mask) == pairs.num_rows:
        has_passage |= ~np.asarray(aligned_mask, dtype=bool)
    return pairs.filter(pc.or_(pairs["family_link"], pa.array(has_passage, pa.bool_())))
