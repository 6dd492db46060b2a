"""Sentences with their offsets, and a document's language from its script and function words.

Sentences end at . ! ? and their CJK/Arabic/Devanagari forms, or at a line
break; pieces shorter than `MIN_CHARS` join the next (a dateline, "Mr."). The
language is only used to tell "another language" from "this one": the
script decides, and in Latin and Cyrillic script the commonest function words.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

# A sentence ends after terminal punctuation (and closing quotes) followed by space, or at a line break;
# CJK full stops need no space after them.
_END = re.compile(r"(?:(?<=[.!?…])[\"'”’»)\]]*\s+)|(?<=[。！？])[\"'”’」』)]*\s*|\n+|(?<=[؟।۔])\s+")
MIN_CHARS = 25
MAX_CHARS = 1200  # longer pieces (lists, tables) are cut: the encoder averages, a long piece says little


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, stripped of surrounding space."""
    spans, start = [], 0
    for m in _END.finditer(text):
        if m.end() > start:
            spans.append((start, m.start() if m.start() > start else m.end()))
            start = m.end()
    spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    pending = None
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        if pending is not None:
            s = pending
            pending = None
        if _letters(text[s:e]) < MIN_CHARS // 2:
            pending = s  # too short to mean anything alone: joins the next
            continue
        while e - s > MAX_CHARS:
            out.append((s, s + MAX_CHARS))
            s += MAX_CHARS
        out.append((s, e))
    if pending is not None:
        if out and len(text[pending:].strip()) < MIN_CHARS:
            out[-1] = (out[-1][0], len(text.rstrip()))
        else:
            out.append((pending, len(text.rstrip())))
    return out


def _letters(piece: str, enough: int = MIN_CHARS // 2) -> int:
    """Letters, a Han, Kana or Hangul character counting as three (it is a word, or most of one).

    Exact below `enough`; at or above it, some count >= `enough` (all the caller asks)."""
    alpha = "".join(filter(str.isalpha, piece))  # C speed: no Python loop over a long sentence
    if len(alpha) >= enough:
        return len(alpha)
    return sum((3 if ch >= "\u3040" else 1) for ch in alpha)


_SCRIPTS = (  # (first, last code point, script)
    (0x0400, 0x04FF, "Cyrl"), (0x0370, 0x03FF, "Grek"), (0x0590, 0x05FF, "Hebr"), (0x0600, 0x06FF, "Arab"),
    (0x0900, 0x097F, "Deva"), (0x0980, 0x09FF, "Beng"), (0x0E00, 0x0E7F, "Thai"), (0x10A0, 0x10FF, "Geor"),
    (0x0530, 0x058F, "Armn"), (0x3040, 0x30FF, "Kana"), (0xAC00, 0xD7AF, "Hang"), (0x4E00, 0x9FFF, "Hani"),
)
_FUNCTION_WORDS = {
    "en": "the and of to in is that for was with on said by it his are from",
    "es": "el la de que y en los las del por con para una se es",
    "pt": "o a de que e em os do da para com uma não é no na",
    "fr": "le la les de des et en du un une est que pour dans qui",
    "de": "der die das und den von zu mit ist sich des nicht ein eine auf",
    "it": "il la di che e in per un una è del della con non sono",
    "pl": "i w na z się że do nie jest to o od przez jak",
    "tr": "ve bir bu da de için ile olarak olan çok gibi daha",
    "id": "yang dan di untuk dengan dari ini itu dalam tidak akan",
    "nl": "de het een en van in is dat op te voor met zijn",
    "ru": "и в не на что с по как это он из за но от",
    "uk": "і в не на що з як це та до за від але у",
    "sr": "и у је да се на за са од не као што",
    "bg": "и в на да се за от с не е че по това",
}
_WORDS = {lang: set(words.split()) for lang, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"\w+", re.UNICODE)


def language_of(text: str, sample: int = 2000) -> str:
    """A language code in Latin/Cyrillic script ('en', 'es', ...), else the script ('Hani', 'Arab', ...)."""
    piece = text[:sample]
    alpha = "".join(filter(str.isalpha, piece))
    if not alpha:
        return "und"
    codes = np.frombuffer(alpha.encode("utf-32-le"), np.uint32)
    # Category per letter: 0 Latin (below U+0250), 1 + k the k-th of _SCRIPTS, -1 none; counted at C speed.
    slot = np.searchsorted(_EDGES, codes, side="right")
    category = np.where(codes < 0x0250, 0, np.where(slot % 2 == 1, _SLOT_SCRIPT[slot // 2], -1))
    counts = np.bincount(category[category >= 0], minlength=len(_NAMES))
    if not counts.any():
        return "und"
    tied = np.flatnonzero(counts == counts.max())
    if len(tied) > 1:  # Counter.most_common's tie: the category seen first in the text
        first = [int(np.argmax(category == t)) for t in tied]
        script = _NAMES[tied[int(np.argmin(first))]]
    else:
        script = _NAMES[tied[0]]
    if script == "Kana" or (script == "Hani" and counts[_NAMES.index("Kana")] > counts[_NAMES.index("Hani")] * 0.1):
        return "ja"
    if script not in ("Latn", "Cyrl"):
        return script
    words = Counter(w.lower() for w in _WORD.findall(piece))
    best, hits = script, 0
    for lang, vocab in _WORDS.items():
        n = sum(words[w] for w in vocab if w in words)
        if n > hits:
            best, hits = lang, n
    return best if hits >= 3 else script


_NAMES = ["Latn"] + [name for _, _, name in _SCRIPTS]
_ORDER = sorted(range(len(_SCRIPTS)), key=lambda k: _SCRIPTS[k][0])
_EDGES = np.array([edge for k in _ORDER for edge in (_SCRIPTS[k][0], _SCRIPTS[k][1] + 1)], np.int64)
_SLOT_SCRIPT = np.array([1 + k for k in _ORDER] + [0], np.int64)  # odd slot s: inside range _ORDER[s // 2]


def spread(n: int, k: int) -> np.ndarray:
    """Up to `k` indices of `range(n)` spread evenly (the first and last included)."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))
