"""The clean stage's chrome lines taken out of a batch's texts, in one compiled pass over their UTF-8 bytes.

`take_out`: the texts with the lines chrome removal chose taken out as
`chrome.cleaned_text` does (kept lines right-stripped, runs of blank lines
one, none at either end), straight into a new Arrow array.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from copytrace.stages.clean.templates import _decode, _utf8, fold_table


@njit(cache=True, inline="always")
def _space_before(buf, start, p, fold):
    """Whether the character ending just before byte p (p > start) is white space (`str.isspace`); and
    where it starts."""
    q = p - 1
    while q > start and buf[q] & 0xC0 == 0x80:
        q -= 1
    b = buf[q]
    if b < 0x80:
        return b == 32 or 9 <= b <= 13 or 28 <= b <= 31, q
    cp, _ = _decode(buf, q, b)
    return cp < len(fold) and fold[cp] == -1, q


@njit(cache=True)
def _take_out_all(buf, offsets, changed, cuts, lines, fold):
    """Every text of the Arrow array (buf, offsets), with the 0-based `lines[cuts[k]:cuts[k + 1]]` (ascending)
    of row `changed[k]` (ascending) taken out as `chrome.cleaned_text` does (kept lines right-stripped, runs
    of blank lines one, none at either end); the other rows as they are. (bytes, offsets, and per changed
    row whether nothing is left)."""
    n = len(offsets) - 1
    out = np.empty(offsets[n] - offsets[0] + 1, dtype=np.uint8)
    out_offsets = np.empty(n + 1, dtype=np.int64)
    empty = np.zeros(len(changed), dtype=np.bool_)
    m = 0
    k = 0
    for r in range(n):
        out_offsets[r] = m
        start, end = offsets[r], offsets[r + 1]
        if k >= len(changed) or changed[k] != r:
            out[m:m + end - start] = buf[start:end]
            m += end - start
            continue
        first = m
        c = cuts[k]
        line = 0
        pending = False  # a blank line to write before the next kept one
        j = start
        while j <= end:
            e = j
            while e < end and buf[e] != 10:
                e += 1
            if c < cuts[k + 1] and lines[c] == line:
                c += 1  # taken out
            else:
                last = e  # the line right-stripped: buf[j:last]
                while last > j:
                    space, q = _space_before(buf, j, last, fold)
                    if not space:
                        break
                    last = q
                if last == j:
                    pending = m > first
                else:
                    if m > first:
                        out[m] = 10
                        m += 1
                        if pending:
                            out[m] = 10
                            m += 1
                    pending = False
                    out[m:m + last - j] = buf[j:last]
                    m += last - j
            line += 1
            j = e + 1
        empty[k] = m == first
        k += 1
    out_offsets[n] = m
    return out[:m], out_offsets, empty


def take_out(texts, changed: list[int], removed_lines: list[list[int]]):
    """The Arrow large_string array of `texts` (an Arrow string array) with the lines `removed_lines[k]`
    (0-based, ascending) of row `changed[k]` (ascending) taken out (`chrome.cleaned_text`), and per changed
    row whether no text is left."""
    import pyarrow as pa

    buf, offsets = _utf8(texts)
    cuts = np.zeros(len(changed) + 1, dtype=np.int64)
    np.cumsum([len(lines) for lines in removed_lines], out=cuts[1:])
    flat = np.fromiter((i for lines in removed_lines for i in lines), dtype=np.int64, count=int(cuts[-1]))
    out, out_offsets, empty = _take_out_all(buf, offsets, np.asarray(changed, dtype=np.int64), cuts, flat, fold_table())
    array = pa.LargeStringArray.from_buffers(len(out_offsets) - 1, pa.py_buffer(out_offsets), pa.py_buffer(out))
    return array, empty
