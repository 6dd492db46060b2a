"""Text that remembers where each of its characters was first written.

The benchmark generator assembles documents out of `Marked` pieces. Every
character carries an origin: a key naming the document that authored it and
an offset in that document's authored stream, or key -1 for text that is
nobody's copyable content (page chrome, credit lines, feed footers, layout).
Copying, cutting, curling quotes and gluing sentences keep the origins, so
the gold copied spans of any two documents are exact: the characters whose
origins they share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

NO_ORIGIN = -1

_CURL = {'"': None, "'": "\u2019"}
_UNCURL = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
# A sentence ends at . ! or ? after a small letter or digit (not "U.S."), maybe then a closing quote,
# then spaces, then a capital or an opening quote.
SENTENCE_BREAK = re.compile(r"(?<=[a-z0-9%)][.!?])([\"\u201d\u2019']?)(\s+)(?=[A-Z\"\u201c\u2018])")


@dataclass(frozen=True)
class Marked:
    """A string plus, for each character, its origin key and offset."""

    text: str
    key: np.ndarray
    off: np.ndarray

    @staticmethod
    def plain(text: str) -> "Marked":
        """Text that is no one's content: chrome, layout, credit lines."""
        n = len(text)
        return Marked(text, np.full(n, NO_ORIGIN, np.int32), np.zeros(n, np.int32))

    @staticmethod
    def authored(text: str, key: int, start: int) -> "Marked":
        n = len(text)
        return Marked(text, np.full(n, key, np.int32), np.arange(start, start + n, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.text)

    def __add__(self, other: "Marked | str") -> "Marked":
        if isinstance(other, str):
            other = Marked.plain(other)
        return Marked(self.text + other.text, np.concatenate([self.key, other.key]), np.concatenate([self.off, other.off]))

    def __radd__(self, other: str) -> "Marked":
        return Marked.plain(other) + self

    def __getitem__(self, span: slice) -> "Marked":
        return Marked(self.text[span], self.key[span], self.off[span])

    @property
    def content_chars(self) -> int:
        return int((self.key != NO_ORIGIN).sum())

    def curled(self) -> "Marked":
        """Straight quotes to typographic ones, as a CMS does; same length, same origins."""
        chars = list(self.text)
        opening = True
        for i, ch in enumerate(chars):
            if ch == '"':
                chars[i] = "\u201c" if opening else "\u201d"
                opening = not opening
            elif ch == "'":
                chars[i] = _CURL["'"] if i > 0 and chars[i - 1].isalnum() else "\u2018"
        return Marked("".join(chars), self.key, self.off)

    def straightened(self) -> "Marked":
        return Marked(self.text.translate(_UNCURL), self.key, self.off)

    def unmark(self, start: int, end: int) -> "Marked":
        """Mark a span as no longer copied content (e.g. a letter the copier re-cased)."""
        key = self.key.copy()
        key[start:end] = NO_ORIGIN
        return Marked(self.text, key, self.off)

    def sentences(self) -> list["Marked"]:
        """Cut into sentences; the whitespace between them is dropped."""
        parts, start = [], 0
        for match in SENTENCE_BREAK.finditer(self.text):
            end = match.start(2)
            parts.append(self[start:end])
            start = match.end(2)
        parts.append(self[start:])
        return [p for p in parts if p.text.strip()]


def join(parts: list[Marked], separator: str) -> Marked:
    """Join marked parts with a plain separator."""
    if not parts:
        return Marked.plain("")
    out = parts[0]
    for part in parts[1:]:
        out = out + separator + part
    return out
