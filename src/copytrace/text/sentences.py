"""Sentences of a text and their matches in another: the evidence of derivation a person sees.

Each sentence keeps its words outside quoted speech (`text.quotes`); a copy's
sentence is matched to the source sentence closest to it by the Dice overlap
of their word multisets, with a few word pairs in common: verbatim and
near-verbatim sentences (words swapped or dropped, a clause moved) match,
two sentences on one subject do not. See `stages.provenance.relations`.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from copytrace.settings import RelationSettings
from copytrace.text.quotes import quote_mask

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
    inside = quote_mask(text) if set_quotes_aside else None
    out = []
    for m in _SENTENCE.finditer(text):
        words, quoted = [], 0
        for w in _WORD.finditer(text, m.start(), m.end()):
            if inside is not None and inside[w.start()]:
                quoted += 1
            else:
                words.append(w.group().lower())
        if words or quoted:
            out.append(Sentence(m.start(), m.end(), words, quoted))
    return out


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


def _dice(a: Counter, b: Counter) -> float:
    total = sum(a.values()) + sum(b.values())
    return 2 * sum((a & b).values()) / total if total else 0.0


def match_sentences(source: list[Sentence], copy: list[Sentence], settings: RelationSettings = RelationSettings()
                    ) -> Matching:
    """Each copy sentence with enough unquoted words against its closest source sentence."""
    postings: dict[str, set[int]] = {}
    for i, s in enumerate(source):
        if len(s.words) >= settings.min_words:
            for w in set(s.words):
                postings.setdefault(w, set()).add(i)
    bags = {i: source[i].bag for i in range(len(source)) if len(source[i].words) >= settings.min_words}
    pairs = []
    for j, s in enumerate(copy):
        if len(s.words) < settings.min_words:
            continue
        hits = Counter(i for w in set(s.words) for i in postings.get(w, ()))
        bag, grams, best = s.bag, s.bigrams, None
        for i, _ in hits.most_common(5):
            overlap = _dice(bag, bags[i])
            if overlap >= settings.min_overlap and len(grams & source[i].bigrams) >= settings.min_bigrams:
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
