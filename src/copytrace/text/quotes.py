"""Quoted speech in a text: the spans inside quotation marks, and speech attributed with a colon.

Two reports of one hearing or press conference share the words of the same
witness; that is shared quotation, not derivation. So the spans of speech
are found here, once, for every stage that must tell the two apart.

Marks, in the pairs newsrooms of many languages use: "straight", “curly”,
„low-high“ and „low-high”, «guillemets» and »reversed«, ‹single›, 「corner」
and 『white corner』. Single straight and curly single quotes are left out:
they are apostrophes as often as quotes ("the AMs' title", "don’t").
A quote never runs past `MAX_QUOTE_CHARS` or the end of its paragraph (line):
an unbalanced mark then quotes nothing rather than the rest of the article.

Attributed speech without marks: "Smith said: the plan goes ahead." (a
colon after a verb of saying) quotes the rest of the sentence.
"""

from __future__ import annotations

import re

import numpy as np
from numba import njit

from copytrace.text.spans import Span, merge
from copytrace.text.substrings import code_points

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
_WORD = re.compile(r"\w+")
EDGE_WORDS = 3  # words kept at each end of a quote by `unquoted` (fewer than the shingle size)
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)|\n")


def _quote_regex() -> re.Pattern:
    # The rule `_mark_spans` compiles, as a regex (the readable statement; tests check the two agree).
    # Inside: anything but the closing marks and a line break, up to MAX_QUOTE_CHARS: the nearest close, as a
    # lazy repeat would find it (the inside holds no closing mark), in sre's fast single-character repeat.
    alternatives = [re.escape(STRAIGHT) + _inside(STRAIGHT) + re.escape(STRAIGHT)]
    for opening, closing in PAIRS.items():
        alternatives.append(re.escape(opening) + _inside(closing) + "[" + re.escape(closing) + "]")
    return re.compile("|".join(alternatives))


def _inside(closing: str) -> str:
    chars = re.escape(closing)
    return rf"[^{chars}\n]{{1,{MAX_QUOTE_CHARS}}}"


def quote_spans(text: str, cps: np.ndarray | None = None) -> list[Span]:
    """Merged [start, end) spans of quoted speech, marks included. `cps`: the text's `code_points`, when the
    caller has them."""
    spans = _marked(text, cps)
    if ":" in text:
        spans += _attributed(text)
    return merge(spans)


# The opening marks' closing marks, for the compiled scan: by opening mark, up to two closing marks (0: none).
_OPENING = np.array([ord(STRAIGHT)] + [ord(o) for o in PAIRS], dtype=np.uint32)
_CLOSING = np.array([[ord(STRAIGHT), 0]] + [[ord(c) for c in closing] + [0] * (2 - len(closing))
                                          for closing in PAIRS.values()], dtype=np.uint32)


def _marked(text: str, cps: np.ndarray | None = None) -> list[Span]:
    """`[m.span() for m in _quote_regex().finditer(text)]` in one compiled pass over the text's code points
    (`_mark_spans`): the regex tried at the opening marks alone (the first match from each place on is the one
    a search finds: no match begins elsewhere)."""
    if cps is None:
        if text.isascii() and STRAIGHT not in text:
            return []
        cps = code_points(text)
    starts, ends = _mark_spans(cps, _OPENING, _CLOSING, MAX_QUOTE_CHARS)
    return list(zip(starts.tolist(), ends.tolist()))


@njit(cache=True)
def _mark_spans(cps, opening, closing, most):
    """(starts, ends) of the quote regex's matches (`_marked`): from each opening mark not inside a match,
    the inside runs to the first of its closing marks or a line break, the match kept when a closing mark
    ends 1 to `most` characters of inside. (Written as a tight skip loop, then the mark: numba compiled the
    same scan as one `while` loop with `continue`s several times slower.)"""
    n = len(cps)
    low = opening[1:].min()  # every opening mark but the straight one is past Latin-1's letters
    straight = opening[0]
    starts = np.empty(16, dtype=np.int64)
    ends = np.empty(16, dtype=np.int64)
    m = 0
    i = 0
    while True:
        while i < n and cps[i] < low and cps[i] != straight:
            i += 1
        if i >= n:
            break
        kind = -1
        for k in range(len(opening)):
            if cps[i] == opening[k]:
                kind = k
                break
        end = -1
        if kind >= 0:
            first, second = closing[kind, 0], closing[kind, 1]
            for j in range(i + 1, min(n, i + 2 + most)):  # `most` characters of inside, then the closing mark
                c = cps[j]
                if c == first or (second != 0 and c == second):
                    if j > i + 1:
                        end = j + 1
                    break
                if c == 10:
                    break
        if end < 0:
            i += 1
            continue
        if m == len(starts):
            starts, ends = _grown(starts, m), _grown(ends, m)
        starts[m] = i
        ends[m] = end
        m += 1
        i = end
    return starts[:m], ends[:m]


@njit(cache=True)
def _grown(a, n):
    out = np.empty(2 * len(a), dtype=a.dtype)
    out[:n] = a[:n]
    return out


def unquoted(text: str, edge_words: int = EDGE_WORDS, mark: str = "") -> str:
    """The text with the inside of quoted speech blanked (same length: offsets hold).

    The first and last `edge_words` words of each quote stay: a copy that took
    a quotation with the sentence around it shares the shingles that cross
    the quotation marks; a report quoting the same words in its own sentence
    does not (with `edge_words` below the shingle size no shingle lies wholly
    inside the quote). `mark`, a word of this document's own, is written in
    each blank (when it fits) so that the two edges of one quote make no
    shingle another document quoting it would share.
    """
    spans = quote_spans(text)
    if not spans:
        return text
    parts, pos = [], 0
    for s, e in spans:
        words = list(_WORD.finditer(text, s, e))
        if len(words) <= 2 * edge_words:
            continue
        lo, hi = words[edge_words - 1].end() if edge_words else s, words[-edge_words].start() if edge_words else e
        filler = f" {mark} " if mark and hi - lo >= len(mark) + 2 else ""
        parts += [text[pos:lo], filler + " " * (hi - lo - len(filler))]
        pos = hi
    parts.append(text[pos:])
    return "".join(parts)


# A match of `_SAYING` ends at the colon after the previous match or colon (the one colon it may hold) and holds
# at most three words ("told the paper:") with the white space between and after them: it begins no earlier
# than the third run of non-space characters before that colon, so the regex is tried from there (the same
# matches as `_SAYING.finditer` over the whole text, without trying the verbs at every character).
_SAYING_WORDS = 3


def _attributed(text: str) -> list[Span]:
    out: list[Span] = []
    pos, colon = 0, text.find(":")
    while colon >= 0:
        found = _SAYING.search(text, _words_back(text, pos, colon), colon + 1)
        if found:
            m = _SAYING.match(text, found.start())  # its whole match: the space after the colon too
            end = _SENTENCE_END.search(text, m.end())
            stop = end.end() if end else len(text)
            if stop - m.end() >= 10:
                out.append((m.end(), stop))
            pos = m.end()
        else:
            pos = colon + 1
        colon = text.find(":", max(pos, colon + 1))
    return out


def _words_back(text: str, start: int, colon: int) -> int:
    """Where the `_SAYING_WORDS`-th run of non-space characters before `colon` begins (not before `start`);
    `str.isspace` is the regex's `\\s`."""
    k = colon
    for _ in range(_SAYING_WORDS):
        while k > start and text[k - 1].isspace():
            k -= 1
        while k > start and not text[k - 1].isspace():
            k -= 1
    return k


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
