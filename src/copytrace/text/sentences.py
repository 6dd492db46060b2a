"""Sentences of a text and their matches in another: the evidence of derivation a person sees.

Each sentence keeps its words outside quoted speech (`text.quotes`); a copy's
sentence is matched to the source sentence closest to it by the Dice overlap
of their word multisets, with a few word pairs in common: verbatim and
near-verbatim sentences (words swapped or dropped, a clause moved) match,
two sentences on one subject do not. See `stages.provenance.relations`.
Splitting and matching run in compiled code (`text.sentence_match`); a
text's sentences are arrays, read as `Sentence`s where a person needs them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from copytrace.settings import RelationSettings
from copytrace.text.quotes import quote_spans
from copytrace.text.substrings import code_points
from copytrace.text.sentence_match import SentenceIndex, index_ids, match_indexes, matching_figures, split_sentences

# The rule `sentence_match` compiles (kept here as the readable statement and for tests).
_SENTENCE = re.compile(r"[^.!?…।॥؟۔\n]+(?:[.!?…।॥؟۔]+[\"'”’»“」』]*|\n|$)")
_WORD = re.compile(r"\w+")


@dataclass
class Sentence:
    start: int
    end: int
    words: list[str]  # lower-cased, outside quotes
    quoted: int  # words inside quotes


class Sentences(Sequence):
    """A text's sentences of one split (quoted words set aside, or all words), as arrays.

    Sentence k spans text[starts[k]:ends[k]]; its words (outside quotes, in the
    aside split) are hashes ids[at[k]:at[k + 1]] at [word_starts, word_ends);
    `quoted[k]` counts its words inside quotes (0 in the whole split). Every
    sentence holds at least one word, quoted or not: both splits of a text list
    the same sentences.
    """

    def __init__(self, text: str, starts, ends, lengths, quoted, ids, word_starts, word_ends, at=None):
        self.text, self.starts, self.ends, self.lengths, self.quoted = text, starts, ends, lengths, quoted
        self.ids, self.word_starts, self.word_ends = ids, word_starts, word_ends
        if at is None:
            at = np.zeros(len(lengths) + 1, dtype=np.int64)
            np.cumsum(lengths, out=at[1:])
        self.at = at  # sentence k's words: [at[k], at[k + 1])

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        lo, hi = self.at[k], self.at[k + 1]
        words = [self.text[a:b].lower() for a, b in zip(self.word_starts[lo:hi].tolist(), self.word_ends[lo:hi].tolist())]
        return Sentence(int(self.starts[k]), int(self.ends[k]), words, int(self.quoted[k]))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def words(self) -> int:
        return int(self.lengths.sum())


def sentences(text: str, set_quotes_aside: bool = True) -> Sentences:
    """The text's sentences with their words outside quoted speech (all words, if not `set_quotes_aside`)."""
    aside, whole = sentence_splits(text) if set_quotes_aside else _splits(text, [])
    return aside


def sentence_splits(text: str) -> tuple[Sentences, Sentences]:
    """`sentences(text)` and `sentences(text, set_quotes_aside=False)` in one pass over the text; one object
    when no word is quoted."""
    cps = code_points(text)  # for both passes: the quotes' and the split's
    return _splits(text, quote_spans(text, cps), cps)


def _splits(text: str, quotes, cps=None) -> tuple[Sentences, Sentences]:
    (starts, ends), (counts, at, ids, w_starts, w_ends), any_quoted, aside = split_sentences(text, quotes, cps)
    whole = Sentences(text, starts, ends, counts, np.zeros(len(counts), np.int64), ids, w_starts, w_ends, at)
    if not any_quoted:
        return whole, whole
    a_counts, a_at, in_quotes, a_ids, a_starts, a_ends = aside
    return Sentences(text, starts, ends, a_counts, in_quotes, a_ids, a_starts, a_ends, a_at), whole


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


def index_sentences(text: Sentences, min_words: int) -> SentenceIndex:
    """The text's sentences of `min_words` or more as sorted word hashes (`text.sentence_match`); made once per
    text, as a text is matched against many others."""
    return index_ids(text.lengths, text.ids, min_words)


def match_sentences(source: Sentences, copy: Sentences, settings: RelationSettings = RelationSettings(),
                    index: SentenceIndex | None = None, copy_index: SentenceIndex | None = None) -> Matching:
    """Each copy sentence with enough unquoted words against its closest source sentence.

    `index`, `copy_index`: `index_sentences(source / copy, settings.min_words)`, when made already.
    """
    index = index or index_sentences(source, settings.min_words)
    copy_index = copy_index or index_sentences(copy, settings.min_words)
    matched, overlaps, same = match_indexes(index, copy_index, settings.min_overlap, settings.min_bigrams)
    derived, source_derived, verbatim, in_order, takes_lead = matching_figures(
        matched, same, copy.lengths, source.lengths, copy_index.ids_at, index.ids_at)
    found = np.flatnonzero(matched >= 0)
    pairs = list(zip(found.tolist(), matched[found].tolist(), overlaps[found].tolist()))
    return Matching(
        pairs=pairs, copy_words=copy.words(), derived_words=derived, source_words=source.words(),
        source_derived=source_derived, verbatim=verbatim,
        order_kept=len(pairs) - in_order <= settings.order_slack * len(pairs),
        takes_lead=takes_lead, quoted_words=int(copy.quoted.sum()),
    )
