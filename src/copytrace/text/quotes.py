"""Quoted speech in a text: the spans inside quotation marks, and speech attributed with a colon.

Two reports of one hearing or press conference share the words of the same
witness; that is shared quotation, not derivation. So the spans of speech
are found here, once, for every stage that must tell the two apart.

Marks, in the pairs newsrooms of many languages use: "straight", “curly”,
„low-high“ and „low-high”, «guillemets» and »reversed«, ‹single›, 「corner」
and 『white corner』. Single straight and curly single quotes are left out:
they are apostrophes as often as quotes ("the AMs' title", "don’t").
A quote never runs past `MAX_QUOTE_CHARS` or a blank line: an unbalanced
mark then quotes nothing rather than the rest of the article.

Attributed speech without marks: "Smith said: the plan goes ahead." (a
colon after a verb of saying) quotes the rest of the sentence.
"""

from __future__ import annotations

import re

import numpy as np

from copytrace.text.spans import Span, merge

MAX_QUOTE_CHARS = 1200
# Opening mark -> the closing marks it accepts.
PAIRS = {
    "“": "”\"", "„": "“”", "«": "»", "»": "«", "‹": "›", "「": "」", "『": "』",
}
STRAIGHT = '"'
_SAYING = re.compile(
    r"\b(?:said|says|told\s+\w+(?:\s+\w+)?|added|stated|declared|wrote|explained|insisted|warned|"
    r"announced|continued|replied|sagte|a\s+déclaré|dijo|declaró|заявил[аи]?|сказал[аи]?)\s*:\s*",
    re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)|\n")


def quote_spans(text: str) -> list[Span]:
    """Merged [start, end) spans of quoted speech, marks included."""
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        close = STRAIGHT if ch == STRAIGHT else PAIRS.get(ch)
        if close is None:
            i += 1
            continue
        end = _closing(text, i + 1, close)
        if end is None:
            i += 1
            continue
        spans.append((i, end + 1))
        i = end + 1
    spans += _attributed(text)
    return merge(spans)


def _closing(text: str, start: int, close: str) -> int | None:
    """Position of the mark closing a quote opened before `start`, if it closes within bounds."""
    limit = min(len(text), start + MAX_QUOTE_CHARS)
    for j in range(start, limit):
        ch = text[j]
        if ch in close:
            return j if j > start else None
        if ch == "\n" and text[j + 1:j + 2] == "\n":
            return None
    return None


def _attributed(text: str) -> list[Span]:
    out = []
    for m in _SAYING.finditer(text):
        end = _SENTENCE_END.search(text, m.end())
        stop = end.end() if end else len(text)
        if stop - m.end() >= 10:
            out.append((m.end(), stop))
    return out


def quote_mask(text: str, spans: list[Span] | None = None) -> np.ndarray:
    """A boolean per character: inside quoted speech."""
    mask = np.zeros(len(text), dtype=bool)
    for s, e in quote_spans(text) if spans is None else spans:
        mask[s:e] = True
    return mask


def quoted_share(mask: np.ndarray, start: int, end: int) -> float:
    """Share of the characters of text[start:end] inside quotes (`mask` from `quote_mask`)."""
    if end <= start:
        return 0.0
    return float(np.count_nonzero(mask[start:end])) / (end - start)
