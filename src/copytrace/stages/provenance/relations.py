"""Relations the way journalists tell them: wholly derived, partially derived, shares quotes.

A story is set against the one it may come from sentence by sentence, not
by the share of shingles: a 30-word brief cut from a 300-word wire story
holds 8% of it and is wholly derived; two reports of one hearing that quote
the same witness at length share many words and neither derives from the
other. So:

- quoted speech (`text.quotes`) is set aside on both sides: shared words
  inside quotation marks, or after "X said:", are *shared quotes*;
- every sentence of the copy with at least `min_words` words outside quotes
  is matched to the source sentence it is closest to: the Dice overlap of
  their word multisets at least `min_overlap` and at least `min_bigrams`
  word pairs in common. That finds verbatim sentences and near-verbatim ones
  (a few words swapped or dropped, a clause moved to the other end);
- the copy's *derived share* is the share of its own (unquoted) words in
  matched sentences; *order kept* when the matched source sentences come in
  the copy in the source's order (allowing `order_slack` of the steps).

Relation (names kept from before; the classes are the journalists'):

  same           (decided before, in `relation_of`: two captures of one page);
  republication  wholly derived: the copy is mostly the source's sentences
                 in order (derived share >= `wholly_share`) and carries at
                 least `republication_coverage` of the source;
  cut            wholly derived, carrying less of it: a brief or a cut;
  partial        partially derived: some verbatim or near-verbatim sentences
                 of the source among own text, or reordered;
  quote          shares quotes: no sentence outside quotes is shared.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from copytrace.settings import RelationSettings
from copytrace.text.quotes import quote_mask

_SENTENCE = re.compile(r"[^.!?…\n]+(?:[.!?…]+[\"'”’»“」』]*|\n|$)")
_WORD = re.compile(r"\w+")
WHOLE_COPY = 0.9  # share of a copy's words, quotes included, in the source's sentences: nothing of its own
CLASS_OF = {"same": "wholly derived", "republication": "wholly derived", "cut": "wholly derived",
            "partial": "partially derived", "quote": "shares quotes"}


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
    steps = [b[1] - a[1] for a, b in zip(pairs, pairs[1:])]
    backward = sum(1 for step in steps if step < 0)
    return Matching(
        pairs=pairs, copy_words=sum(len(s.words) for s in copy), derived_words=derived,
        source_words=sum(len(s.words) for s in source), source_derived=sum(len(source[i].words) for i in used),
        verbatim=sum(1 for j, i, _ in pairs if copy[j].words == source[i].words),
        order_kept=not steps or backward <= settings.order_slack * len(steps),
        quoted_words=sum(s.quoted for s in copy),
    )


def classify(matching: Matching, republication_coverage: float, settings: RelationSettings = RelationSettings()
             ) -> tuple[str, str]:
    """(relation, evidence line) of a copy against a source, from its matched sentences."""
    m = matching
    if not m.pairs:
        return "quote", (f"relation: shares quotes: no sentence outside quotation marks is shared "
                         f"({m.quoted_words} words of the copy are quoted speech)")
    near = len(m.pairs) - m.verbatim
    found = (f"{len(m.pairs)} sentences of the copy found in the source ({m.verbatim} verbatim, {near} "
             f"near-verbatim), {m.derived_share:.0%} of the copy's own words, {m.source_share:.0%} of the "
             f"source's, order {'kept' if m.order_kept else 'changed'}")
    if m.derived_share >= settings.wholly_share and m.order_kept:
        if m.source_share >= republication_coverage:
            return "republication", f"relation: wholly derived (republication): {found}"
        return "cut", f"relation: wholly derived (a cut of the source): {found}"
    why = "order changed" if m.derived_share >= settings.wholly_share else "mostly own text"
    return "partial", f"relation: partially derived ({why}): {found}"


class SentenceCache:
    """Sentences of each document, split once per trace."""

    def __init__(self):
        self._of: dict[tuple[str, bool], list[Sentence]] = {}

    def of(self, doc: str, text: str, set_quotes_aside: bool = True) -> list[Sentence]:
        key = (doc, set_quotes_aside)
        found = self._of.get(key)
        if found is None:
            found = self._of[key] = sentences(text, set_quotes_aside)
        return found


def relation_between(source: tuple[str, str], copy: tuple[str, str], cache: SentenceCache,
                     republication_coverage: float, settings: RelationSettings = RelationSettings()
                     ) -> tuple[str, str]:
    """(relation, evidence) of copy (id, text) against source (id, text).

    Quoted speech is set aside first. When nothing else is shared but the
    copy holds nothing of its own either (a brief that is the wire's quoted
    lead, attribution and all), it is the source's text, quotes or not.
    """
    matching = match_sentences(cache.of(*source), cache.of(*copy), settings)
    relation, note = classify(matching, republication_coverage, settings)
    if relation != "quote":
        return relation, note
    whole = match_sentences(cache.of(*source, False), cache.of(*copy, False), settings)
    if whole.pairs and whole.derived_share >= WHOLE_COPY and whole.order_kept:
        relation, note = classify(whole, republication_coverage, settings)
        return relation, note + " (quoted speech counted: the copy has no text of its own)"
    return relation, note
