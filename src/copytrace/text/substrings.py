"""Which of a fixed set of short strings occur in a text, in one pass over it.

Credit detection gates each pattern on a few lower-case hint strings
(`credit.CreditPattern.hints`): testing some 35 of them with `in`, one
scan of the text each, cost as much as the patterns' own search. Here the
text is read once: at each character, only the needles starting with it
are compared.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Needles whose first two code points are below this are searched in the compiled pass; others with `in`.
_TABLE = 256


@njit(cache=True, nogil=True)
def _found_needles(codes, pair_start, pair_needles, needle_codes, needle_lens, found):
    """Mark in `found` the needles that occur in `codes`; needles are listed by their first two code points."""
    n = len(codes)
    for i in range(n - 1):
        c0, c1 = codes[i], codes[i + 1]
        if c0 >= _TABLE or c1 >= _TABLE:
            continue
        key = c0 * _TABLE + c1
        for j in range(pair_start[key], pair_start[key + 1]):
            k = pair_needles[j]
            length = needle_lens[k]
            if found[k] or i + length > n:
                continue
            same = True
            for t in range(2, length):
                if codes[i + t] != needle_codes[k, t]:
                    same = False
                    break
            if same:
                found[k] = True


def code_points(text: str) -> np.ndarray:
    """The code points of `text` (lone surrogates included), as uint32."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


class SubstringSet:
    """A fixed set of needles; `present(text)` is `{n for n in needles if n in text}`."""

    def __init__(self, needles):
        self.needles = tuple(sorted({n for n in needles if n}))
        self.longest = max((len(n) for n in self.needles), default=0)
        compiled = [n for n in self.needles if len(n) >= 2 and ord(n[0]) < _TABLE and ord(n[1]) < _TABLE]
        # Single characters and rarer needles: `in` (a single character is a memchr).
        self.others = tuple(n for n in self.needles if n not in compiled)
        self.compiled = tuple(compiled)
        width = max((len(n) for n in compiled), default=2)
        self.needle_codes = np.zeros((max(1, len(compiled)), width), dtype=np.uint32)
        self.needle_lens = np.zeros(max(1, len(compiled)), dtype=np.int64)
        for k, needle in enumerate(compiled):
            codes = code_points(needle)
            self.needle_codes[k, : len(codes)] = codes
            self.needle_lens[k] = len(codes)
        # Needles by their first two code points, as ranges of pair_needles (CSR).
        keys = np.array([ord(n[0]) * _TABLE + ord(n[1]) for n in compiled], dtype=np.int64)
        self.pair_needles = np.argsort(keys, kind="stable").astype(np.int64)
        counts = np.zeros(_TABLE * _TABLE + 1, dtype=np.int64)
        np.add.at(counts, keys + 1, 1)
        self.pair_start = np.cumsum(counts)

    def present(self, text: str) -> set[str]:
        out = {n for n in self.others if n in text}
        if self.compiled and len(text) > 1:
            found = np.zeros(len(self.compiled), dtype=np.bool_)
            _found_needles(code_points(text), self.pair_start, self.pair_needles, self.needle_codes,
                           self.needle_lens, found)
            out.update(n for n, hit in zip(self.compiled, found.tolist()) if hit)
        return out


def lowered_around(text: str, lowered: str, whole: str) -> str:
    """`whole.lower()`, from `lowered` (`text.lower()`) when `whole` holds `text`: only the rest is lowered.

    Lower-casing is per character but for the capital sigma (its form depends on its neighbours): a
    text holding one is lowered whole.
    """
    at = 0 if whole.startswith(text) else whole.find(text)
    if at < 0 or "\u03a3" in whole:
        return whole.lower()
    return whole[:at].lower() + lowered + whole[at + len(text):].lower()
