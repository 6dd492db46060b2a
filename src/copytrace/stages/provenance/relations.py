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
  the copy in the source's order (all but `order_slack` of them in the longest
  run that keeps it).

Relation (names kept from before; the classes are the journalists'):

  same           (decided before, in `relation_of`: two captures of one page);
  republication  wholly derived: the copy is mostly the source's sentences
                 in order (derived share over `wholly_share`, or over
                 `lead_share` when it took the source's lead: a paper cuts
                 from the bottom) and carries at least
                 `republication_coverage` of the source;
  cut            wholly derived, carrying less of it: a brief or a cut;
  partial        partially derived: some verbatim or near-verbatim sentences
                 of the source among own text, or reordered;
  quote          shares quotes: no sentence outside quotes is shared.
"""

from __future__ import annotations

from copytrace.settings import RelationSettings
from copytrace.text.sentence_match import SentenceIndex
from copytrace.text.sentences import Matching, Sentences, index_sentences, match_sentences, sentence_splits

WHOLE_COPY = 0.9  # share of a copy's words, quotes included, in the source's sentences: nothing of its own
CLASS_OF = {"same": "wholly derived", "republication": "wholly derived", "cut": "wholly derived",
            "partial": "partially derived", "quote": "shares quotes"}


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
             f"source's, order {'kept' if m.order_kept else 'changed'}{', its lead taken' if m.takes_lead else ''}")
    mostly = m.derived_share > (settings.lead_share if m.takes_lead else settings.wholly_share)
    if mostly and m.order_kept:
        if m.source_share >= republication_coverage:
            return "republication", f"relation: wholly derived (republication): {found}"
        return "cut", f"relation: wholly derived (a cut of the source): {found}"
    why = "order changed" if mostly else "mostly own text"
    return "partial", f"relation: partially derived ({why}): {found}"


class SentenceCache:
    """Sentences of each document, split once per trace, and indexed once as a source."""

    def __init__(self):
        self._of: dict[tuple[str, bool], Sentences] = {}
        self._index: dict[tuple[str, bool, int], SentenceIndex] = {}

    def of(self, doc: str, text: str, set_quotes_aside: bool = True) -> Sentences:
        key = (doc, set_quotes_aside)
        found = self._of.get(key)
        if found is None:
            # Both splits in one pass over the text: a family's members are matched both ways.
            aside, whole = sentence_splits(text)  # one object when no word is quoted
            self._of[(doc, True)], self._of[(doc, False)] = aside, whole
            found = self._of[key]
        return found

    def index(self, doc: str, text: str, set_quotes_aside: bool, min_words: int) -> SentenceIndex:
        key = (doc, set_quotes_aside, min_words)
        found = self._index.get(key)
        if found is None:
            split = self.of(doc, text, set_quotes_aside)
            other = (doc, not set_quotes_aside, min_words)
            if other in self._index and self.of(doc, text, not set_quotes_aside) is split:
                found = self._index[other]  # no quoted word: one split, one index
            else:
                found = index_sentences(split, min_words)
            self._index[key] = found
        return found


def relation_between(source: tuple[str, str], copy: tuple[str, str], cache: SentenceCache,
                     republication_coverage: float, settings: RelationSettings = RelationSettings()
                     ) -> tuple[str, str]:
    """(relation, evidence) of copy (id, text) against source (id, text).

    Quoted speech is set aside first: a copy sharing nothing outside it
    shares quotes, unless it holds nothing of its own either (a brief that
    is the wire's quoted lead, attribution and all). Once a copy shares
    sentences outside quotes and carries most of the source (quotes
    included), the source's sentences it carries, quotations in them
    included, count towards its derived share: a republication of a story
    that is mostly quotes.
    """
    words = settings.min_words
    matching = match_sentences(cache.of(*source), cache.of(*copy), settings,
                               cache.index(*source, True, words), cache.index(*copy, True, words))
    if cache.of(*source, False) is cache.of(*source) and cache.of(*copy, False) is cache.of(*copy):
        whole = matching  # neither side quotes anyone: the same sentences, the same matching
    else:
        whole = match_sentences(cache.of(*source, False), cache.of(*copy, False), settings,
                                cache.index(*source, False, words), cache.index(*copy, False, words))
    if not matching.pairs:
        if whole.pairs and whole.derived_share >= WHOLE_COPY and whole.order_kept:
            relation, note = classify(whole, republication_coverage, settings)
            return relation, note + " (quoted speech counted: the copy has no text of its own)"
        return classify(matching, republication_coverage, settings)
    if whole.source_share >= republication_coverage and whole.derived_share > matching.derived_share:
        # Most of the source, quotations included, carried in its own sentences: the quotes are the source's too.
        relation, note = classify(whole, republication_coverage, settings)
        return relation, note + " (quoted speech counted: carried in the source's sentences)"
    return classify(matching, republication_coverage, settings)
