"""Text normalization for matching, with a map back to the original characters.

Two entry points share one definition of a word (see `tokens.py`):

- `fold(text)`: the fast whole-string form used when fingerprinting: NFKC,
  skipped when no character of the text would change a word under it (most
  text: NBSP, curly quotes and dashes are separators either way). Case is
  folded by the compiled tokenizer itself, far cheaper than a Python pass.
- `fold_with_map(text)`: the same folding, done per grapheme cluster so that
  every folded character knows the original character it came from. Alignment
  uses it to report passages as offsets into the text as it was given.

Quotes, dashes, apostrophes and all other punctuation are word separators for
the tokenizer, so curly and straight quotes, en and em dashes, and glued
sentences ("said.The") all fold to the same words.
"""

from __future__ import annotations

import unicodedata

import numpy as np

from copytrace.text._nfkc_triggers import COMPOSING_RANGES

_COMPOSING = frozenset(chr(c) for first, last in COMPOSING_RANGES for c in range(first, last + 1))



def needs_fold(text: str) -> bool:
    """Would NFKC change a word of `text`?"""
    from copytrace.text.tokens import text_needs_nfkc

    if text.isascii():
        return False
    return text_needs_nfkc(text.encode("utf-8", "surrogatepass"))


def fold(text: str) -> str:
    """NFKC normal form where it changes a word; the tokenizer folds case."""
    from copytrace.text.tokens import nfkc_bytes

    if not needs_fold(text):
        return text
    return nfkc_bytes(text.encode("utf-8", "surrogatepass")).decode("utf-8", "surrogatepass")


def fold_with_map(text: str) -> tuple[str, np.ndarray]:
    """Fold `text` and return (folded, origin).

    Case is left as it is (the tokenizer folds it), so this and `fold` give
    the same words. `origin[i]` is the index in `text` of the character that folded character
    `i` came from; `origin[len(folded)] == len(text)`, so a folded span
    [s, e) maps to the original span [origin[s], origin[e]).
    """
    if not needs_fold(text):
        return text, np.arange(len(text) + 1, dtype=np.int64)
    # Only the windows `fold` normalizes (stretches between spaces holding a
    # character NFKC would change) are folded; the rest maps to itself.
    from copytrace.text.tokens import nfkc_windows

    raw = text.encode("utf-8", "surrogatepass")
    char_at = utf8_char_index(text) if not text.isascii() else None
    pieces: list[str] = []
    origins: list[np.ndarray] = []
    last = 0
    for byte_start, byte_end in zip(*(w.tolist() for w in nfkc_windows(raw))):
        start, end = int(char_at[byte_start]), int(char_at[byte_end])
        pieces.append(text[last:start])
        origins.append(np.arange(last, start, dtype=np.int64))
        folded, origin = _fold_clusters(text[start:end])
        pieces.append(folded)
        origins.append(origin + start)
        last = end
    pieces.append(text[last:])
    origins.append(np.arange(last, len(text) + 1, dtype=np.int64))
    return "".join(pieces), np.concatenate(origins)


def _fold_clusters(text: str) -> tuple[str, np.ndarray]:
    """NFKC per grapheme cluster, with the original index of every folded character."""
    pieces: list[str] = []
    origin: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        # A cluster is a base character with the marks and composing
        # characters that follow it (combining accents, Hangul jamo, Indic
        # two-part vowels): NFKC composes within a cluster, never across.
        j = i + 1
        while j < n and (unicodedata.combining(text[j]) or text[j] in _COMPOSING):
            j += 1
        cluster = text[i:j]
        folded = cluster if cluster.isascii() else unicodedata.normalize("NFKC", cluster)
        pieces.append(folded)
        origin.extend([i] * len(folded))
        i = j
    return "".join(pieces), np.asarray(origin, dtype=np.int64)


def original_spans(origin: np.ndarray, starts, ends) -> tuple[np.ndarray, np.ndarray]:
    """Original spans of folded spans [starts, ends).

    A span ending inside one character's expansion ("½" folds to "1⁄2", and
    the word "1" ends inside it) ends after that whole original character.
    """
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    original_starts = origin[starts]
    last = origin[np.maximum(ends - 1, starts)]
    original_ends = origin[np.searchsorted(origin, last, side="right")]
    return original_starts, np.where(ends > starts, original_ends, original_starts)


def utf8_char_index(folded: str) -> np.ndarray:
    """Map each UTF-8 byte offset of `folded` (and the end) to its character index."""
    raw = np.frombuffer(folded.encode("utf-8"), dtype=np.uint8)
    is_lead = (raw & 0xC0) != 0x80
    index = np.empty(len(raw) + 1, dtype=np.int64)
    index[:-1] = np.cumsum(is_lead) - 1
    index[-1] = len(folded)
    return index
