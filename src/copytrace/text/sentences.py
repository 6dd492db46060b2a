"""Sentences of a text and their matches in another: the evidence of derivation a person sees.

Each sentence keeps its words outside quoted speech (`text.quotes`); a copy's
sentence is matched to the source sentence closest to it by the Dice overlap
of their word multisets, with a few word pairs in common: verbatim and
near-verbatim sentences (words swapped or dropped, a clause moved) match,
two sentences on one subject do not. See `stages.provenance.relations`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from copytrace.settings import RelationSettings
from copytrace.text.quotes import quote_spans

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’»“」』]*|\n|$)")
_WORD = re.compile(r"\w+")


@dataclass
class Sentence:
    start: int
    end: int
    words: list[str]  # lower-cased, outside quotes
    quoted: int  # words inside quotes

    @property
    def bag(self) -> Counter:
        return Counter(self.words)

    @property
    def bigrams(self) -> set:
        return set(zip(self.words, self.words[1:]))


def sentences(text: str, set_quotes_aside: bool = True) -> list[Sentence]:
    """The text's sentences with their words outside quoted speech (all words, if not `set_quotes_aside`)."""
    spans = quote_spans(text) if set_quotes_aside else []
    starts = [s for s, _ in spans]
    out = []
    for m in _SENTENCE.finditer(text):
        lo, hi = m.start(), m.end()
        k = bisect_right(starts, hi - 1) - 1  # the last quote starting inside or before the sentence
        if k < 0 or spans[k][1] <= lo:
            # No quote reaches into the sentence: every word counts (the common case, without a mask).
            words, quoted = [w.lower() for w in _WORD.findall(text, lo, hi)], 0
        else:
            words, quoted = _outside_quotes(text, lo, hi, spans, starts)
        if words or quoted:
            out.append(Sentence(lo, hi, words, quoted))
    return out


def sentence_splits(text: str) -> tuple[list[Sentence], list[Sentence]]:
    """`sentences(text)` and `sentences(text, set_quotes_aside=False)` in one pass over the text."""
    spans = quote_spans(text)
    starts = [s for s, _ in spans]
    aside, whole = [], []
    for m in _SENTENCE.finditer(text):
        lo, hi = m.start(), m.end()
        every = [w.lower() for w in _WORD.findall(text, lo, hi)]
        k = bisect_right(starts, hi - 1) - 1
        if k < 0 or spans[k][1] <= lo:
            words, quoted = every, 0
        else:
            words, quoted = _outside_quotes(text, lo, hi, spans, starts)
        if words or quoted:
            aside.append(Sentence(lo, hi, words, quoted))
        if every:
            whole.append(Sentence(lo, hi, every, 0))
    return aside, whole


def _outside_quotes(text: str, lo: int, hi: int, spans, starts) -> tuple[list[str], int]:
    """Words of text[lo:hi] whose first character lies outside every quote span, and the count of the others."""
    words, quoted = [], 0
    for w in _WORD.finditer(text, lo, hi):
        at = w.start()
        k = bisect_right(starts, at) - 1
        if k >= 0 and at < spans[k][1]:
            quoted += 1
        else:
            words.append(w.group().lower())
    return words, quoted


@dataclass
class Matching:
    """Sentences of a copy matched to a source's, and what they say about the relation."""

    pairs: list[tuple[int, int, float]]  # (copy sentence, source sentence, overlap)
    copy_words: int  # unquoted words of the copy
    derived_words: int  # of them, in matched sentences
    source_words: int
    source_derived: int
    verbatim: int
    order_kept: bool
    takes_lead: bool = False  # the copy opens with the source's first sentence (of `min_words` or more)
    quoted_words: int = 0  # words inside quotes on the copy's side
    notes: list[str] = field(default_factory=list)

    @property
    def derived_share(self) -> float:
        return self.derived_words / self.copy_words if self.copy_words else 0.0

    @property
    def source_share(self) -> float:
        return self.source_derived / self.source_words if self.source_words else 0.0


def _dice(a: Counter, b: Counter, total: int) -> float:
    """Dice overlap of two word multisets; `total`: their sizes summed."""
    if len(a) > len(b):
        a, b = b, a
    common = 0
    for word, n in a.items():
        m = b.get(word)
        if m:
            common += n if n < m else m
    return 2 * common / total if total else 0.0


@dataclass
class SentenceIndex:
    """A text's sentences of `min_words` or more, by position: their distinct words, word bags and word pairs;
    and which of them hold each word. Made once per text: a text is matched against many others."""

    postings: dict[str, set[int]]
    distinct: dict[int, tuple[str, ...]]
    bags: dict[int, Counter]
    bigrams: dict[int, set]


def index_sentences(text: list[Sentence], min_words: int) -> SentenceIndex:
    postings: dict[str, set[int]] = {}
    distinct, bags, bigrams = {}, {}, {}
    for i, s in enumerate(text):
        if len(s.words) >= min_words:
            distinct[i] = tuple(dict.fromkeys(s.words))  # word order: ties in most_common follow it, not the hash seed
            for w in distinct[i]:
                postings.setdefault(w, set()).add(i)
            bags[i], bigrams[i] = s.bag, s.bigrams
    return SentenceIndex(postings, distinct, bags, bigrams)


def match_sentences(source: list[Sentence], copy: list[Sentence], settings: RelationSettings = RelationSettings(),
                    index: SentenceIndex | None = None, copy_index: SentenceIndex | None = None) -> Matching:
    """Each copy sentence with enough unquoted words against its closest source sentence.

    `index`, `copy_index`: `index_sentences(source / copy, settings.min_words)`, when made already.
    """
    index = index or index_sentences(source, settings.min_words)
    copy_index = copy_index or index_sentences(copy, settings.min_words)
    postings, bags, source_grams = index.postings, index.bags, index.bigrams
    pairs = []
    for j, words in copy_index.distinct.items():
        hits = Counter(i for w in words for i in postings.get(w, ()))
        bag, grams, best, size = copy_index.bags[j], copy_index.bigrams[j], None, len(copy[j].words)
        for i, _ in hits.most_common(5):
            overlap = _dice(bag, bags[i], size + len(source[i].words))
            if overlap >= settings.min_overlap and len(grams & source_grams[i]) >= settings.min_bigrams:
                if best is None or overlap > best[2]:
                    best = (j, i, overlap)
        if best:
            pairs.append(best)
    derived = sum(len(copy[j].words) for j, _, _ in pairs)
    used = {i for _, i, _ in pairs}
    in_order = longest_increasing([i for _, i, _ in pairs])
    return Matching(
        pairs=pairs, copy_words=sum(len(s.words) for s in copy), derived_words=derived,
        source_words=sum(len(s.words) for s in source), source_derived=sum(len(source[i].words) for i in used),
        verbatim=sum(1 for j, i, _ in pairs if copy[j].words == source[i].words),
        order_kept=len(pairs) - in_order <= settings.order_slack * len(pairs),
        takes_lead=_opens_with_lead(pairs, bags, copy, settings.min_words),
        quoted_words=sum(s.quoted for s in copy),
    )


def longest_increasing(values: list[int]) -> int:
    """Length of the longest strictly increasing subsequence (patience sorting): the matched sentences
    that come in the source's order; the others were moved."""
    from bisect import bisect_left

    tails: list[int] = []
    for v in values:
        k = bisect_left(tails, v)
        if k == len(tails):
            tails.append(v)
        else:
            tails[k] = v
    return len(tails)


def _opens_with_lead(pairs, bags: dict, copy: list[Sentence], min_words: int) -> bool:
    """Does one of the copy's first two sentences (of `min_words` or more) match the source's lead?
    A brief or a cut opens with the wire's lead; a rewrite opens with a lead of its own."""
    if not bags:
        return False
    opening = [j for j, s in enumerate(copy) if len(s.words) >= min_words][:2]
    lead = min(bags)
    return any(i == lead and j in opening for j, i, _ in pairs)
