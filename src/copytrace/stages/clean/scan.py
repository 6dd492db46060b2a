"""The clean stage's per-line work on a batch, in one compiled pass over its UTF-8 text.

For every line of the texts asked for, the pass finds its bounds (in
characters, as Python slices a str), the hash of its template key when its
text's source has a template (`templates`: the same hash `line_hashes`
gives, mixed with the source's id and looked up among the template keys'
hashes), and whether a chrome rule could hold it (`gate._gate_line`, asked
of lines of at most 400 visible ASCII characters). It gives back only the
lines something flags, with their bounds, so that `chrome_reasons` reads
just those lines (sliced from the text, never split) and the texts with no
flagged line are not asked at all.

Lines whose key the compiled hash cannot work out (a character folding to
more than one, or beyond the folding table) are flagged as template
candidates: the template look-up confirms a candidate by its key, so a
candidate too many changes no output, a candidate missed would.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from copytrace.stages.clean.gate import _gate_line
from copytrace.stages.clean.templates import _feed, _feed_code_point, _feed_digit_run, _finish, _utf8, fold_table
from copytrace.text.tokens import mix64

GATED, CANDIDATE = 1, 2  # flag bits of a line: a rule could hold it; its template key could be its source's


@njit(cache=True, inline="always")
def _member(sorted_values, value):
    lo, hi = 0, len(sorted_values)
    while lo < hi:
        mid = (lo + hi) >> 1
        if sorted_values[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(sorted_values) and sorted_values[lo] == value


@njit(cache=True)
def _grow(a, n):
    out = np.empty(2 * len(a) + 16, dtype=a.dtype)
    out[:n] = a[:n]
    return out


@njit(cache=True)
def _scan(buf, offsets, rows, groups, wanted, gate, fold, props, data, starts, ends, kinds, by_first, pair, codes,
          lead_second, nav_words, player_max, nav_chars, share_codes, time_codes):
    """(row position, line index, first character, end character, flags) of the flagged lines of the texts `rows`.

    `groups[r]`: the template id of row position r's source (-1: none; its lines are never candidates);
    `wanted`: the sorted hashes of the template keys, mixed with their source's id (`templates.with_group`).
    A line's characters are [first, end) of its text, the line break left out (a '\\r' before it kept).
    """
    cap = len(buf) // 256 + 1024
    out_row = np.empty(cap, dtype=np.int32)
    out_line = np.empty(cap, dtype=np.int32)
    out_first = np.empty(cap, dtype=np.int64)
    out_end = np.empty(cap, dtype=np.int64)
    out_flags = np.empty(cap, dtype=np.uint8)
    folded = np.empty(4096, dtype=np.uint8)
    golden = np.uint64(0x9E3779B97F4A7C15)
    n = 0
    for r in range(len(rows)):
        start, end = offsets[rows[r]], offsets[rows[r] + 1]
        hashing = groups[r] >= 0
        salt = (np.uint64(groups[r]) + np.uint64(1)) * golden if hashing else np.uint64(0)
        line = 0
        char = 0  # the line's first character in the text
        j = start
        while j <= end:
            k = j
            chars = 0
            visible = 0
            flags = 0
            if hashing:  # the key hash, as templates._scan_lines works it out
                h = np.uint64(0xCBF29CE484222325)
                size = 0
                started = False
                space = False
                digits = False
                python = False
                while k < end and buf[k] != 10:
                    b = buf[k]
                    chars += 1
                    if b < 0x80:
                        k += 1
                        if b == 32 or 9 <= b <= 13 or 28 <= b <= 31:
                            space = started
                            digits = False
                            continue
                        if b >= 33:
                            visible += 1
                        if 48 <= b <= 57:
                            if not digits:
                                h, size = _feed_digit_run(h, size, space)
                                space, digits, started = False, True, True
                            continue
                        if space:
                            h = _feed(h, 32)
                            size += 1
                            space = False
                        h = _feed(h, b + 32 if 65 <= b <= 90 else b)
                        size += 1
                        digits = False
                        started = True
                        continue
                    if b < 0xE0:
                        cp = ((b & 0x1F) << 6) | (buf[k + 1] & 0x3F)
                        k += 2
                    elif b < 0xF0:
                        cp = ((b & 0x0F) << 12) | ((buf[k + 1] & 0x3F) << 6) | (buf[k + 2] & 0x3F)
                        k += 3
                    else:
                        cp = ((b & 0x07) << 18) | ((buf[k + 1] & 0x3F) << 12) | ((buf[k + 2] & 0x3F) << 6) | (buf[k + 3] & 0x3F)
                        k += 4
                    kind = fold[cp] if cp < len(fold) else -3
                    if kind == -3:
                        python = True
                    elif kind == -1:
                        space = started
                        digits = False
                    elif kind == -2:
                        if not digits:
                            h, size = _feed_digit_run(h, size, space)
                            space, digits, started = False, True, True
                    else:
                        if space:
                            h = _feed(h, 32)
                            size += 1
                            space = False
                        h = _feed_code_point(h, kind)
                        size += 1 if kind < 0x80 else (2 if kind < 0x800 else (3 if kind < 0x10000 else 4))
                        digits = False
                        started = True
                if python:
                    flags = 2
                elif started and _member(wanted, mix64(_finish(h, size) ^ salt)):
                    flags = 2
            else:
                while k < end and buf[k] != 10:
                    b = buf[k]
                    if b & 0xC0 != 0x80:
                        chars += 1
                    if 33 <= b < 128:
                        visible += 1
                    k += 1
            if gate and visible <= 400 and k > j:
                if 4 * (k - j) + 4 > len(folded):
                    folded = np.empty(8 * (k - j) + 8, dtype=np.uint8)
                if _gate_line(buf, j, k, fold, props, folded, data, starts, ends, kinds, by_first, pair, codes,
                              lead_second, nav_words, player_max, nav_chars, share_codes, time_codes):
                    flags |= 1
            if flags:
                if n == len(out_row):
                    out_row, out_line = _grow(out_row, n), _grow(out_line, n)
                    out_first, out_end, out_flags = _grow(out_first, n), _grow(out_end, n), _grow(out_flags, n)
                out_row[n] = r
                out_line[n] = line
                out_first[n] = char
                out_end[n] = char + chars
                out_flags[n] = flags
                n += 1
            char += chars + 1
            line += 1
            j = k + 1
    return out_row[:n], out_line[:n], out_first[:n], out_end[:n], out_flags[:n]


def scan_lines(texts, rows, groups=None, wanted=None, gate: bool = True):
    """The flagged lines of the texts `rows` (an Arrow string array's rows), one compiled pass:
    (row position, 0-based line index, first character, end character, flags) arrays, ordered by row
    position then line. Flags: GATED (a chrome rule could hold the line, `gate=True`), CANDIDATE (its
    key's hash, mixed with `groups[r]`, is in `wanted`; `groups` None or -1: no candidates)."""
    from copytrace.stages.clean.gate import (
        _NAV_CHARS, _NAV_WORDS, _PLAYER_MAX, _needle_table, char_props, share_codes, time_codes)

    buf, offsets = _utf8(texts)
    rows = np.asarray(rows, dtype=np.int64)
    groups = np.full(len(rows), -1, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    wanted = np.zeros(0, dtype=np.uint64) if wanted is None else np.asarray(wanted, dtype=np.uint64)
    data, starts, ends, kinds, by_first, codes, lead_second, pair = _needle_table()
    return _scan(buf, offsets, rows, groups, wanted, gate, fold_table(), char_props(), data, starts, ends, kinds,
                 by_first, pair, codes, lead_second, _NAV_WORDS, _PLAYER_MAX, _NAV_CHARS, share_codes(), time_codes())
