"""Character spans of a text: merging, gaps, coverage, and the prose (body) lines of a page.

Coverage counts only characters that carry text (not whitespace), so a
page's indentation and blank lines neither add to nor dilute it.
"""

from __future__ import annotations

import re

import numpy as np
from numba import njit

Span = tuple[int, int]

# A sentence ends in . ! ? … (maybe inside quotes or brackets), or : ; before a list.
_PROSE_END = re.compile(r"(?:[.!?…][\"'”’»)\]]*|[:;])\s*$")
PROSE_MIN_WORDS = 8
_WORD = re.compile(r"\w+")
_CONTENT = re.compile(r"\w")


def merge(spans) -> list[Span]:
    """Sorted, non-overlapping union of [start, end) spans."""
    merged: list[list[int]] = []
    for start, end in sorted((int(s), int(e)) for s, e in spans if e > s):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def gaps(spans, length: int, start: int = 0) -> list[Span]:
    """The stretches of [start, length) outside `spans` (which must be merged)."""
    out: list[Span] = []
    pos = start
    for s, e in spans:
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < length:
        out.append((pos, length))
    return out


# By code point: does the character carry text? (The last entry stands for every higher code point.)
_CARRIES_TEXT = np.ones(0x3002, dtype=bool)
_CARRIES_TEXT[[9, 10, 11, 12, 13, 32, 0xA0, 0x2028, 0x2029, 0x202F, 0x3000]] = False


_ASCII_CARRIES_TEXT = _CARRIES_TEXT[:128].copy()


def text_mask(text: str) -> np.ndarray:
    """True where a character carries text (not whitespace)."""
    if not text:
        return np.zeros(0, dtype=bool)
    if text.isascii():  # one byte a character: a quarter of the UTF-32 copy
        return _ASCII_CARRIES_TEXT[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    return _carries_text(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), _CARRIES_TEXT)


@njit(cache=True)
def _carries_text(codes, table):
    """`table[min(code, last)]` of every code point: one pass, no clipped copy of the codes."""
    out = np.empty(len(codes), dtype=np.bool_)
    last = len(table) - 1
    for i in range(len(codes)):
        c = codes[i]
        out[i] = table[c] if c < last else table[last]
    return out


def covered_share(mask: np.ndarray, spans) -> float:
    """The share of the `mask` characters that lie inside `spans`."""
    total = int(mask.sum())
    if total == 0:
        return 0.0
    inside = np.zeros(len(mask), dtype=bool)
    for s, e in merge(spans):
        inside[max(s, 0):min(e, len(mask))] = True
    return float((mask & inside).sum()) / total


def covered_count(mask: np.ndarray, merged) -> int:
    """The `mask` characters inside `merged` spans (sorted, not overlapping): `covered_share` without its share,
    and without a copy of the mask."""
    n = len(mask)
    if merged and merged[0][0] < 0:  # a negative end slices from the back: count as covered_share does
        inside = np.zeros(n, dtype=bool)
        for s, e in merged:
            inside[max(s, 0):min(e, n)] = True
        return int((mask & inside).sum())
    return sum(int(np.count_nonzero(mask[s:min(e, n)])) for s, e in merged)


def prose_mask(text: str, exclude=(), mask: np.ndarray | None = None) -> np.ndarray:
    """Characters of prose lines: at least PROSE_MIN_WORDS words ending like a sentence.

    Page chrome (player labels, headline lists, tag lists, share buttons) is
    made of short or unpunctuated lines, so coverage of the prose is a
    measure of the article that a page's chrome does not dilute. Spans in
    `exclude` (credit lines, feed footers) are not prose of the article.
    `mask`: the text's `text_mask`, when the caller has it.
    """
    mask = text_mask(text) if mask is None else mask
    prose = np.zeros(len(text), dtype=bool)
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if _ends_sentence(body) and _at_least_words(body, PROSE_MIN_WORDS):
            prose[pos:pos + len(line)] = True
        pos += len(line)
    for s, e in exclude:
        prose[s:e] = False
    prose &= mask
    # A page with no prose line at all (a headline list): measure all of it.
    return prose if prose.any() else mask


_CLOSERS = "\"'”’»)]"


def _ends_sentence(body: str) -> bool:
    """`_PROSE_END.search(body)` for a stripped line, without trying the regex at every position."""
    if not body:
        return False
    if body[-1] in ":;":
        return True
    bare = body.rstrip(_CLOSERS)
    return bool(bare) and bare[-1] in ".!?…"


def _at_least_words(body: str, n: int) -> bool:
    """Does `body` hold `n` words or more? (Counting stops at the n-th.)"""
    if len(body) < 2 * n - 1:
        return False
    count = 0
    for _ in _WORD.finditer(body):
        count += 1
        if count >= n:
            return True
    return False


def has_content(text: str) -> bool:
    """Does a stretch hold a letter or digit (not only whitespace and punctuation)?"""
    return bool(_CONTENT.search(text))


def trim(text: str, start: int, end: int) -> Span:
    """Shrink [start, end) to drop leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")


def split_paragraphs(text: str, start: int, end: int) -> list[Span]:
    """Cut [start, end) at blank lines, each piece trimmed, empty pieces dropped."""
    pieces: list[Span] = []
    pos = start
    for m in _BLANK_LINE.finditer(text, start, end):
        pieces.append(trim(text, pos, m.start()))
        pos = m.end()
    pieces.append(trim(text, pos, end))
    return [(s, e) for s, e in pieces if e > s]
