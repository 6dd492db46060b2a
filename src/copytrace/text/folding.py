"""Word hashes for the fingerprint kernel, with NFKC applied as the text is read where that is safe.

A tokenizer that gives up on a document at the first character whose NFKC
form changes a word (`tokens.tokenize_checked`) leaves the document to be
normalized in Python and tokenized again: on news, a fifth of the documents
(a "½", a "ﬁ" ligature, Arabic presentation forms) and a third of the
fingerprint stage's time. Here such a character is replaced by its NFKC
form as it is read, when that gives exactly the words NFKC-then-tokenize
gives:

- its NFKC form, and the first character of its full decomposition, are
  starters (combining class 0) that compose with no preceding character,
  so nothing before or after it can combine or reorder with it;
- the document holds no character NFKC could reorder or compose across it
  (a combining mark, or a character whose decomposition starts with one):
  with both in one document, the document is redone the usual way.

Any other character that NFKC changes within a word still sends the
document back. The table is derived from the running Python's `unicodedata`,
the same data the redo path normalizes with.

Words are hashed as in `tokens.tokenize_into` (FNV-1a over lower-cased code
points, then mixed), but the ASCII loop keeps no branch on word boundaries:
it stores the running hash at every byte and advances the word count by a
flag, since a mispredicted branch per word cost more than the hashing.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata

import numpy as np
from numba import njit

from copytrace.text.code_point_tables import cached_table
from copytrace.text.tokens import (
    _ASCII_WORD,
    _FNV_OFFSET,
    _FNV_PRIME,
    _TRIGGERS,
    _decode,
    _is_separator,
    _lower,
    UNIT_MARK,
    _breaks,
    mix64,
    unit_class,
)

FOLD_PLAIN = -1  # read as it is
FOLD_REDO = -2  # NFKC changes a word here, not safely foldable: redo the document
FOLD_MARK = -3  # could reorder or compose with a neighbour under NFKC


def _is_mark(ch: str) -> bool:
    return unicodedata.combining(ch) > 0 or (ord(ch) < len(_TRIGGERS) and bool(_TRIGGERS[ord(ch)]))


def _plain_starter(ch: str) -> bool:
    """A starter that NFKC leaves alone and that composes with nothing before it."""
    return ord(ch) < 0x80 or not (_is_mark(ch) or 0x1100 <= ord(ch) <= 0x11FF or 0x3130 <= ord(ch) <= 0x318F)


@functools.cache
def folding_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(kind per code point, expansions, expansion offsets): kind >= 0 is the number of its NFKC form."""
    return cached_table("folding_table", _build_folding_table)


def _build_folding_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`folding_table` built from Python's Unicode data.

    Combining marks live in planes 0, 1 and 14 only; scanning those keeps
    building the table near a tenth of a second.
    """
    kinds = np.full(len(_TRIGGERS), FOLD_PLAIN, dtype=np.int32)
    for cp in itertools.chain(range(0x80, 0x20000), range(0xE0000, 0xE1000)):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if unicodedata.combining(ch) or (unicodedata.decomposition(ch)
                                         and _is_mark(unicodedata.normalize("NFKD", ch)[0])):
            kinds[cp] = FOLD_MARK
    expansions, offsets = [], [0]
    for cp in np.flatnonzero(_TRIGGERS).tolist():
        ch = chr(cp)
        folded = unicodedata.normalize("NFKC", ch)
        first = unicodedata.normalize("NFKD", ch)[0]
        if folded and _plain_starter(first) and all(_plain_starter(x) for x in folded):
            kinds[cp] = len(offsets) - 1
            expansions.extend(ord(x) for x in folded)
            offsets.append(len(expansions))
        else:
            kinds[cp] = FOLD_REDO
    return kinds, np.array(expansions, dtype=np.int64), np.array(offsets, dtype=np.int64)


NO_FOLDING = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64), np.zeros(1, dtype=np.int64))


@njit(cache=True, nogil=True, inline="always")
def _feed(cp, h, n, in_word, hashes):
    """One non-ASCII code point (or a folded one) into the word state; the new (h, n, in_word)."""
    if _is_separator(cp):
        if in_word:
            hashes[n] = h
            n += 1
        return h, n, False
    if not in_word:
        h = _FNV_OFFSET
    return (h ^ np.uint64(_lower(cp))) * _FNV_PRIME, n, True


@njit(cache=True, nogil=True)
def tokenize_folding(buf, start, end, hashes, kinds, expansions, offsets):
    """Word hashes of buf[start:end] into `hashes` (room for (end - start + 1) // 2 + 1); their count.

    The same hashes as `tokens.tokenize_into` gives on the NFKC form of the
    text, or -1 when the document must be normalized first (see the module
    doc). With empty `kinds` the text is taken as already normalized.
    """
    n = 0
    i = start
    in_word = False
    h = _FNV_OFFSET
    seen_fold, seen_mark = False, False
    while i < end:
        byte = buf[i]
        if byte < 0x80:
            c = np.uint64(_ASCII_WORD[byte])
            hashes[n] = h  # kept only if a word ends here
            n += in_word and c == 0
            h = ((h if in_word else _FNV_OFFSET) ^ c) * _FNV_PRIME
            in_word = c != 0
            i += 1
            continue
        cp, width = _decode(buf, i, end)
        kind = kinds[cp] if cp < len(kinds) else FOLD_PLAIN
        if kind == FOLD_REDO or (kind >= 0 and (seen_mark or width == 1)):
            return -1
        if kind == FOLD_MARK:
            if seen_fold:
                return -1
            seen_mark = True
        if kind >= 0:
            if n + offsets[kind + 1] - offsets[kind] >= len(hashes):
                return -1  # more words than bytes (a long ligature): room is for one per two bytes
            seen_fold = True
            for k in range(offsets[kind], offsets[kind + 1]):
                if unit_class(expansions[k]) & 1:
                    return -1  # folds to a letter of an unspaced script: the redo path cuts its units
                h, n, in_word = _feed(expansions[k], h, n, in_word, hashes)
            i += width
            continue
        unit = unit_class(cp)
        if unit & 1:  # as in `tokens.tokenize_checked`
            if in_word:
                hashes[n] = h
                n += 1
                in_word = False
            h = _FNV_OFFSET
            while True:
                h = (h ^ np.uint64(cp)) * _FNV_PRIME
                prev = cp
                i += width
                cp = -1
                while i < end and buf[i] >= 0x80:
                    cp, width = _decode(buf, i, end)
                    kind = kinds[cp] if cp < len(kinds) else FOLD_PLAIN
                    if unit_class(cp) != UNIT_MARK:
                        break
                    if kind == FOLD_REDO or kind >= 0 or (kind == FOLD_MARK and seen_fold):
                        return -1
                    seen_mark = seen_mark or kind == FOLD_MARK
                    h = (h ^ np.uint64(cp)) * _FNV_PRIME
                    i += width
                    cp = -1
                if cp < 0 or i >= end:
                    break
                unit = unit_class(cp)
                if not unit & 1 or kind != FOLD_PLAIN or _breaks(prev, cp, unit):
                    break  # a letter NFKC changes goes back to the main loop (which redoes the document)
            hashes[n] = h
            n += 1
            continue
        h, n, in_word = _feed(cp, h, n, in_word, hashes)
        i += width
    if in_word:
        hashes[n] = h
        n += 1
    for k in range(n):
        hashes[k] = mix64(hashes[k])
    return n
