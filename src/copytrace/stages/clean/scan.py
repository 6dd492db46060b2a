"""The clean stage's per-line work on a batch, in compiled passes over its UTF-8 text (Arrow buffers).

`scan_lines`, one pass: for every line of the texts asked for, its bounds
(in characters, as Python slices a str), the hash of its template key when
its text's source has a template (the hash `templates.line_hashes` gives,
mixed with the source's id and looked up among the template keys' hashes),
and which chrome rules could hold it (`_gate_line`, the gate of `gate.py`:
a bit per rule, asked of lines of at most 400 visible ASCII characters).
It gives back only the lines something flags, so that `chrome.line_reasons`
reads just those lines (sliced from the text, never split), asks each only
the rules its bits allow, and the texts with no flagged line are not asked
at all.

Lines whose key the compiled hash cannot work out (a character folding to
more than one, or beyond the folding table) are flagged as template
candidates: the template look-up confirms a candidate by its key, so a
candidate too many changes no output, a candidate missed would. Given the
line keys learning worked out (`templates.LineKeys`), the scan reads each
line's hash instead of working it out, those lines' included.

The chrome lines are then taken out in one more compiled pass
(`take_out.take_out`).

Numba caches each module's kernels by that module's source: the gate's
kernels live here, beside the pass that inlines them, so that an edit to
them recompiles the pass (the `templates.py` helpers it uses are stable;
after editing those, clear `__pycache__/scan.*.nbi`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from copytrace.stages.clean.templates import _decode, _finish, _key_char, _utf8, fold_table
from copytrace.text.tokens import mix64

# Flag bits of a line: its template key's hash is one of its source's template keys' (or cannot be worked
# out here); a generic pattern (`patterns._pattern_reason`) could hold it; a tag list, headline or short line
# test (`chrome._line_features`) could.
CANDIDATE, PATTERN, TAG, HEADLINE, SHORT = 1, 2, 4, 8, 16
RULES = PATTERN | TAG | HEADLINE | SHORT


# --- the gate: whether a chrome rule could hold a line (its tables: `gate.py`) ---

@njit(cache=True, inline="always")
def _known(code, codes):
    for c in codes:
        if c == code:
            return True
    return False


@njit(cache=True, inline="always")
def _encode(out, m, cp):
    """UTF-8 of `cp` into out[m:], the new end."""
    if cp < 0x80:
        out[m] = cp
        return m + 1
    if cp < 0x800:
        out[m] = 0xC0 | (cp >> 6)
        out[m + 1] = 0x80 | (cp & 0x3F)
        return m + 2
    if cp < 0x10000:
        out[m] = 0xE0 | (cp >> 12)
        out[m + 1] = 0x80 | ((cp >> 6) & 0x3F)
        out[m + 2] = 0x80 | (cp & 0x3F)
        return m + 3
    out[m] = 0xF0 | (cp >> 18)
    out[m + 1] = 0x80 | ((cp >> 12) & 0x3F)
    out[m + 2] = 0x80 | ((cp >> 6) & 0x3F)
    out[m + 3] = 0x80 | (cp & 0x3F)
    return m + 4


@njit(cache=True, inline="always")
def _triple(a, b, c):
    """`gate.triple`: a 16-bit hash of three bytes."""
    return ((((a << 16) | (b << 8) | c) * 2654435761) >> 12) & 0xFFFF


@njit(cache=True)
def _holds_needle(buf, start, end, fold, folded, data, starts, ends, kinds, by_first, pair, player_ok):
    """Whether the casefolded text of buf[start:end] (no character folding to more than one) holds a needle
    (player needles only if `player_ok`)."""
    m = 0
    k = start
    while k < end:
        b = buf[k]
        if b < 0x80:
            folded[m] = b + 32 if 65 <= b <= 90 else b
            m += 1
            k += 1
            continue
        cp, after = _decode(buf, k, b)
        width = after - k
        if cp >= len(fold) or fold[cp] == -3:
            return True  # a character the gate cannot read: the line is flagged anyway
        kind = fold[cp]
        m = _encode(folded, m, kind if kind >= 0 else cp)
        k += width
    folded[m] = 0
    folded[m + 1] = 0
    for p in range(m):
        b = np.int64(folded[p])
        c = np.int64(folded[p + 1])
        at = pair[b] | pair[256 + ((b << 8) | c)] | pair[65792 + _triple(b, c, np.int64(folded[p + 2]))]
        if at == 0 or (at == 2 and not player_ok):
            continue
        for k in range(by_first[b], by_first[b + 1]):
            if kinds[k] == 1 and not player_ok:
                continue
            size = ends[k] - starts[k]
            if p + size > m:
                continue
            same = True
            for q in range(1, size):
                if folded[p + q] != data[starts[k] + q]:
                    same = False
                    break
            if same:
                return True
    return False


@njit(cache=True, inline="always")
def _is_small(buf, start, end, codes):
    if end - start > 4:
        return False
    code = 0
    for j in range(start, end):
        code = code * 256 + buf[j]
    for c in codes:
        if c == code:
            return True
    return False


@njit(cache=True, inline="always")
def _unreadable(buf, j, end, fold):
    """Whether buf[j:end] holds a character the gate cannot read (folding to more than one, or beyond the table)."""
    k = j
    while k < end:
        b = buf[k]
        if b < 0x80:
            k += 1
            continue
        cp, k = _decode(buf, k, b)
        if cp >= len(fold) or fold[cp] == -3:
            return True
    return False


@njit(cache=True)
def _gate_line(buf, j, end, chars, fold, props, folded, data, starts, ends, kinds, by_first, pair, codes, lead_second,
               nav_words, player_max, nav_chars, share_codes, time_codes):
    """Which rules could hold the line buf[j:end] (its bytes, without the line break; `chars` characters), by
    the conditions in `gate`'s docstring: PATTERN, TAG, HEADLINE, SHORT bits, each a necessary condition of its
    rule (all four for a line of at most 40 characters or one the gate cannot read). `_scan` does not ask
    lines of more than 400 visible ASCII characters."""
    # Two quick answers from the line's ends, before the full reading below (the same answers it gives):
    f = j
    while f < end and (buf[f] == 32 or 9 <= buf[f] <= 13 or 28 <= buf[f] <= 31):
        f += 1
    if f == end:
        return 0  # blank
    last = end - 1
    while buf[last] == 32 or 9 <= buf[last] <= 13 or 28 <= buf[last] <= 31:
        last -= 1
    if buf[f] < 0x80 and buf[last] < 0x80 and last - f < 40:
        return RULES  # at most 40 characters between two non-space ones: a short line (any rule may hold it)
    # The line's size (`size` once read to its end) when both its ends are ASCII (the spaces trimmed are one
    # character each), else unknown (-1).
    whole = chars - (f - j) - (end - 1 - last) if buf[f] < 0x80 and buf[last] < 0x80 else -1
    size = 0  # characters up to the last non-space one
    pending = 0  # spaces after the last non-space character
    first = -1
    second = -1
    last_cp = -1
    python = False
    tokens = 0
    letter_tokens = 0
    lower_tokens = 0
    keep_tokens = 0  # tokens holding a character other than navigation separators
    in_token = False
    token_letter = False
    token_keep = False
    token_lower = True
    token_start = 0
    keep_chars = 0  # characters other than spaces and navigation separators
    word_state = 0  # the first word (a run of letters): 0 not met, 1 in it, 2 past it
    word_code = np.uint64(0)
    word_size = 0
    run_code = np.uint64(0)  # the letter run being read, and whether every run so far is a time word
    run_size = 0
    time_words = True
    digit = False
    seps = False  # , : or |
    before_sep = -1  # tokens before the first item separator
    run_starts = 0  # letter runs, and those starting upper-case: at least the words, the capitalized words
    upper_starts = 0
    item_seps = 0  # item separators (`chrome._TAG_SEPARATOR`'s characters)
    item_next = False  # an item separator read, the next item's first character not yet
    items_ok = True  # every item after a separator starts upper-case, with a digit or '#' (`is_tag_list`)
    spaced = 0  # non-space characters (of the folded line)
    decided = False  # every test but a clue word's was ruled out, and the line holds a clue word
    k = j
    while True:
        if k < end and 97 <= buf[k] <= 122 and run_size and word_state == 2 and not item_next and second >= 0:
            # A lower-case ASCII letter inside a letter run past the first word, most characters: the updates
            # the general case below makes of one (it folds to itself; its properties: a letter alone).
            size += pending + 1
            pending = 0
            last_cp = buf[k]
            spaced += 1
            token_keep = True
            keep_chars += 1
            run_size += 1
            run_code = run_code * np.uint64(1000003) + np.uint64(buf[k])
            k += 1
            continue
        at_end = k >= end or buf[k] == 10
        if at_end:
            cp = 32
            width = 0
        else:
            b = buf[k]
            if b < 0x80:
                cp, width = b, 1
            else:
                cp, after = _decode(buf, k, b)
                width = after - k
        kind = fold[cp] if cp < len(fold) else -3
        if kind == -1 or at_end:  # a space ends a token, a letter run, the first word
            if run_size:
                time_words = time_words and run_size <= 9 and _known(run_code, time_codes)
                run_size = 0
                run_code = np.uint64(0)
            if word_state == 1:
                word_state = 2
            if in_token:
                if token_letter:
                    letter_tokens += 1
                if token_keep:
                    keep_tokens += 1
                if token_lower and not _is_small(buf, token_start, k, codes):
                    lower_tokens += 1
                in_token = False
            if at_end:
                break
            if not decided and size > 40 and (lower_tokens >= 6 or letter_tokens > 25 or size > 220):
                # No short line or headline now; once no tag list, navigation, share or timestamp line either
                # (each test's counts only grow), only a clue word (or an unreadable character) is left to ask.
                lead_out = (first < len(props) and props[first] & 64 == 0) or (0 <= second < 128 and not lead_second[second])
                item_out = (not ((first < len(props) and props[first] & 6 != 0) or first == 35)
                            or (before_sep >= 0 and not 1 <= before_sep <= 4) or (before_sep < 0 and tokens >= 6))
                if (lead_out and item_out and (keep_tokens > nav_words or keep_chars > nav_chars)
                        and (size > 80 or not time_words)
                        and (letter_tokens > 8 or (word_state == 2 and not (0 < word_size <= 9 and _known(word_code, share_codes))))):
                    decided = True
                    if whole > 320:
                        # No pattern either (at most 320 characters): only an unreadable character flags it.
                        return RULES if _unreadable(buf, j, end, fold) else 0
                    if not _holds_needle(buf, j, end, fold, folded, data, starts, ends, kinds, by_first, pair,
                                         spaced + tokens - 1 <= player_max):
                        return 0
            if first >= 0:
                pending += 1
            k += width
            continue
        if kind == -3:
            python = True
        prop = props[cp] if cp < len(props) else 0
        if first < 0:
            first = cp
        elif second < 0:
            second = cp
        size += pending + 1
        pending = 0
        last_cp = cp
        spaced += 1
        if not in_token:
            in_token = True
            tokens += 1
            token_letter = token_keep = False
            token_lower = True
            token_start = k
        if prop & 1:
            token_letter = True
        if not prop & 16:
            token_keep = True
            keep_chars += 1
        if prop & 1:
            if run_size == 0:  # a letter run starts: every `_WORDS` match starts one
                run_starts += 1
                if prop & 2:
                    upper_starts += 1
            run_size += 1
            run_code = run_code * np.uint64(1000003) + np.uint64(fold[cp] if cp < len(fold) and fold[cp] >= 0 else cp)
        elif run_size:
            time_words = time_words and run_size <= 9 and _known(run_code, time_codes)
            run_size = 0
            run_code = np.uint64(0)
        if word_state < 2:
            if prop & 1:
                word_state = 1
                word_size += 1
                folded_cp = fold[cp] if cp < len(fold) and fold[cp] >= 0 else cp
                word_code = word_code * np.uint64(1000003) + np.uint64(folded_cp)
            elif word_state == 1:
                word_state = 2
        if not 97 <= cp <= 122:
            token_lower = False
        if prop & 8:
            digit = True
        if cp == 44 or cp == 58 or cp == 124:
            seps = True
        if item_next:
            items_ok = items_ok and (prop & 6 != 0 or cp == 35)
            item_next = False
        if prop & 32:
            item_seps += 1
            item_next = True
            if before_sep < 0:
                before_sep = tokens - 1 if token_start == k else tokens
        k += width
    if first < 0:
        return 0
    if python or size <= 40:
        return RULES
    found = 0
    if size <= 220 and not (last_cp == 46 or last_cp == 44 or last_cp == 59 or last_cp == 58):
        # `is_title_case`: 4 words or more, and of its content words (3 or more) at least 80% capitalized,
        # where each lowercase ASCII token that is not a small word is one content word not capitalized.
        if (lower_tokens < 6 and letter_tokens <= 25 and run_starts >= 4 and upper_starts >= 3
                and upper_starts >= 4 * lower_tokens):
            found |= HEADLINE
    if seps and size <= 400:
        if (first >= len(props) or props[first] & 64 != 0) and (second < 0 or second >= 128 or lead_second[second]):
            found |= TAG
        elif 1 <= before_sep <= 4 and item_seps >= 2 and items_ok and not item_next:
            # three items or more, none empty, each starting as `is_tag_list` asks (the separators split
            # at white space around them, which `item_next` passes over)
            sentence_end = (last_cp == 46 or last_cp == 33 or last_cp == 63 or last_cp == 0x2026
                            or last_cp == 58 or last_cp == 59 or last_cp == 34 or last_cp == 0x201D
                            or last_cp == 93)
            upper = first < len(props) and props[first] & 6 != 0
            if not sentence_end and (upper or first == 35):
                found |= TAG
    if size <= 320 and letter_tokens <= 40:
        sentence = last_cp == 46 or last_cp == 33 or last_cp == 63
        folded_size = spaced + tokens - 1
        if size > 80 and sentence:
            held = _holds_needle(buf, j, k, fold, folded, data, starts, ends, kinds, by_first, pair, folded_size <= player_max)
        else:
            nav = keep_tokens <= nav_words and keep_chars <= nav_chars
            share = not sentence and letter_tokens <= 8 and 0 < word_size <= 9 and _known(word_code, share_codes)
            held = (nav or share or (size <= 80 and digit and time_words)
                    or _holds_needle(buf, j, k, fold, folded, data, starts, ends, kinds, by_first, pair, folded_size <= player_max))
        if held:
            found |= PATTERN
    return found


# --- the pass ---


@njit(cache=True)
def _grow(a, n):
    out = np.empty(2 * len(a) + 16, dtype=a.dtype)
    out[:n] = a[:n]
    return out


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
def _scan(buf, offsets, rows, groups, wanted, gate, fold, props, data, starts, ends, kinds, by_first, pair, codes,
          lead_second, nav_words, player_max, nav_chars, share_codes, time_codes, known_at, known_line, known_hash):
    """(row position, line index, first character, end character, flags) of the flagged lines of the texts `rows`.

    `groups[r]`: the template id of row position r's source (-1: none; its lines are never candidates);
    `wanted`: the sorted hashes of the template keys, mixed with their source's id (`templates.with_group`).
    A line's characters are [first, end) of its text, the line break left out (a '\\r' before it kept).
    `known_*` (empty: none): the key hashes of the texts' lines as learning worked them out
    (`templates.LineKeys`, `known_at` by text row), read instead of hashing the lines again.
    """
    cap = len(buf) // 256 + 1024
    out_row = np.empty(cap, dtype=np.int32)
    out_line = np.empty(cap, dtype=np.int32)
    out_first = np.empty(cap, dtype=np.int64)
    out_end = np.empty(cap, dtype=np.int64)
    out_flags = np.empty(cap, dtype=np.uint8)
    out_from = np.empty(cap, dtype=np.int64)
    out_to = np.empty(cap, dtype=np.int64)
    folded = np.empty(4096, dtype=np.uint8)
    golden = np.uint64(0x9E3779B97F4A7C15)
    n = 0
    known = len(known_at) > 0
    for r in range(len(rows)):
        start, end = offsets[rows[r]], offsets[rows[r] + 1]
        hashing = groups[r] >= 0
        salt = (np.uint64(groups[r]) + np.uint64(1)) * golden if hashing else np.uint64(0)
        cursor, last = (known_at[rows[r]], known_at[rows[r] + 1]) if known else (0, 0)
        line = 0
        char = 0  # the line's first character in the text
        j = start
        while j <= end:
            k = j
            chars = 0
            visible = 0
            flags = 0
            if hashing and not known:  # the key hash, as templates._scan_lines works it out
                h = np.uint64(0xCBF29CE484222325)
                size = 0
                started = False
                space = False
                digits = False
                python = False
                while k < end and buf[k] != 10:
                    chars += 1
                    if 33 <= buf[k] < 0x80:
                        visible += 1
                    k, h, size, space, digits, started, python = _key_char(buf, k, fold, h, size, space, digits,
                                                                           started, python)
                if python:
                    flags = 1
                elif started and _member(wanted, mix64(_finish(h, size) ^ salt)):
                    flags = 1
            else:
                while k < end and buf[k] != 10:
                    b = buf[k]
                    if b & 0xC0 != 0x80:
                        chars += 1
                    if 33 <= b < 128:
                        visible += 1
                    k += 1
                if hashing:  # the hash learning worked out (blank lines have none)
                    while cursor < last and known_line[cursor] < line:
                        cursor += 1
                    if (cursor < last and known_line[cursor] == line
                            and _member(wanted, mix64(known_hash[cursor] ^ salt))):
                        flags = 1
            if gate and visible <= 400 and k > j:
                if 4 * (k - j) + 4 > len(folded):
                    folded = np.empty(8 * (k - j) + 8, dtype=np.uint8)
                flags |= _gate_line(buf, j, k, chars, fold, props, folded, data, starts, ends, kinds, by_first, pair, codes,
                                    lead_second, nav_words, player_max, nav_chars, share_codes, time_codes)
            if flags:
                if n == len(out_row):
                    out_row, out_line = _grow(out_row, n), _grow(out_line, n)
                    out_first, out_end, out_flags = _grow(out_first, n), _grow(out_end, n), _grow(out_flags, n)
                    out_from, out_to = _grow(out_from, n), _grow(out_to, n)
                out_row[n] = r
                out_line[n] = line
                out_first[n] = char
                out_end[n] = char + chars
                out_flags[n] = flags
                out_from[n] = j
                out_to[n] = k
                n += 1
            char += chars + 1
            line += 1
            j = k + 1
    return out_row[:n], out_line[:n], out_first[:n], out_end[:n], out_flags[:n], out_from[:n], out_to[:n]


def scan_lines(texts, rows, groups=None, wanted=None, gate: bool = True, line_keys=None):
    """The flagged lines of the texts `rows` (an Arrow string array's rows), one compiled pass:
    (row position, 0-based line index, first character, end character, flags, first byte, end byte) arrays,
    ordered by row position then line. Flags (bits): CANDIDATE (the key's hash, mixed with `groups[r]`, is
    in `wanted`; `groups` None or -1: never), and with `gate` PATTERN, TAG, HEADLINE, SHORT (`_gate_line`).
    The bytes are the line's in the UTF-8 data `templates._utf8` gives of `texts` (so that a line is decoded
    alone, not its whole text). `line_keys` (`templates.LineKeys` of every row of `texts` a template may
    hold): the key hashes read, not worked out; a line whose key needs Python is then a candidate only if
    its key's hash is wanted (the look-up confirms every candidate by its key: the same lines come out)."""
    from copytrace.stages.clean.gate import (
        _NAV_CHARS, _NAV_WORDS, _PLAYER_MAX, _needle_table, char_props, share_codes, time_codes)

    buf, offsets = _utf8(texts)
    rows = np.asarray(rows, dtype=np.int64)
    groups = np.full(len(rows), -1, dtype=np.int64) if groups is None else np.asarray(groups, dtype=np.int64)
    wanted = np.zeros(0, dtype=np.uint64) if wanted is None else np.asarray(wanted, dtype=np.uint64)
    data, starts, ends, kinds, by_first, codes, lead_second, pair = _needle_table()
    if line_keys is None:
        known = np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.uint64)
    else:
        known = line_keys.by_row(len(offsets) - 1), line_keys.line.astype(np.int32), line_keys.hash
    return _scan(buf, offsets, rows, groups, wanted, gate, fold_table(), char_props(), data, starts, ends, kinds,
                 by_first, pair, codes, lead_second, _NAV_WORDS, _PLAYER_MAX, _NAV_CHARS, share_codes(), time_codes(),
                 *known)
