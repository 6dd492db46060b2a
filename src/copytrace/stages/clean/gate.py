"""Which lines a chrome rule could hold, found by one compiled pass over a batch's UTF-8 text.

Most lines of a corpus are article text that no rule holds, yet the rules
(`patterns._pattern_reason`, `chrome._line_features`) are Python and were
asked of every line. This pass works out, per line, exact necessary
conditions of each rule from the line's bytes, and flags the lines meeting
one; `chrome.chrome_reasons` then asks the rules of flagged lines only. A
line the pass cannot read exactly (a character whose case folding is more
than one character, or beyond the folding table) is flagged, never judged.

The conditions, on the stripped line (size in characters), each implied by
the rule it stands for:

- pattern: 1 to 320 characters, at most 40 whitespace tokens holding a
  letter (a pattern's line has at most 40 words), and, when over 80
  characters and ending in . ! or ?, a clue's first word in its casefolded
  text; and then one of: at most `_NAV_WORDS` tokens holding a character
  other than navigation separators (navigation), at most 8 letter tokens
  (share), a clue's first word (open clues, player clues when the folded
  line is at most 32 characters, comment clues), or a digit within 80
  characters (timestamp);
- tag list: a ',', ':' or '|', and either a possible "tags:" lead, or a
  first character upper-case, '#' or a digit, an allowed last character,
  and 1 to 4 tokens before the first item separator;
- headline: at most 220 characters, not ending in . , ; or :, fewer than 6
  lowercase ASCII tokens that are not small words, at most 25 letter tokens;
- short line: at most 40 characters.
"""

from __future__ import annotations

import re

import numpy as np
from numba import njit

from copytrace.stages.clean.chrome import _SENTENCE_END_CHARS, _SMALL_WORDS, _TAG_LEAD_FIRST
from copytrace.stages.clean.patterns import (
    _NAV_LINES,
    _NAV_STRIP,
    _NAV_WORDS,
    _PLAYER_MAX,
    _SHARE_WORDS,
    _TIME_WORDS,
    _holds_comment_word,
    _holds_open_clue_word,
    _holds_player_word,
)
from copytrace.stages.clean.templates import _TABLE_SIZE

# Character property bits (code points below _TABLE_SIZE).
_LETTER, _UPPER, _DIGIT_CHAR, _DECIMAL, _NAV_SEP, _TAG_SEP, _LEAD_FIRST = 1, 2, 4, 8, 16, 32, 64
_OPEN, _PLAYER, _COMMENT = 0, 1, 2
_NAV_CHARS = max(len(entry) for entry in _NAV_LINES)  # a navigation line's characters, spaces included
_props: np.ndarray | None = None
_needles: tuple | None = None


def char_props() -> np.ndarray:
    """Code point -> property bits: what `_WORDS` calls a letter, isupper, isdigit, \\d, separators."""
    global _props
    if _props is None:
        props = np.zeros(_TABLE_SIZE, dtype=np.uint8)
        chars = "".join(chr(c) if not 0xD800 <= c < 0xE000 else " " for c in range(_TABLE_SIZE))
        for bit, pattern in ((_LETTER, r"[^\W\d_]"), (_DECIMAL, r"\d")):
            for match in re.finditer(pattern, chars):
                props[match.start()] |= bit
        for c, ch in enumerate(chars):
            if ch.isupper():
                props[c] |= _UPPER
            if ch.isdigit():
                props[c] |= _DIGIT_CHAR
        for ch in _NAV_STRIP:
            props[ord(ch)] |= _NAV_SEP
        for ch in ",|·•":
            props[ord(ch)] |= _TAG_SEP
        for ch in _TAG_LEAD_FIRST:
            props[ord(ch)] |= _LEAD_FIRST
        _props = props
    return _props


def _needle_table():
    """The clue words' UTF-8 bytes, their kinds, and by first byte the needles starting with it (CSR)."""
    global _needles
    if _needles is None:
        words = [(w, _OPEN) for w in _holds_open_clue_word.__defaults__[0]]
        words += [(w, _PLAYER) for w in _holds_player_word.__defaults__[0]]
        words += [(w, _COMMENT) for w in _holds_comment_word.__defaults__[0]]
        encoded = [w.encode("utf-8") for w, _ in words]
        order = sorted(range(len(words)), key=lambda i: encoded[i][0])
        data = np.frombuffer(b"".join(encoded[i] for i in order), dtype=np.uint8).copy()
        ends = np.cumsum([len(encoded[i]) for i in order]).astype(np.int64)
        starts = ends - np.array([len(encoded[i]) for i in order], dtype=np.int64)
        kinds = np.array([words[i][1] for i in order], dtype=np.uint8)
        by_first = np.zeros(257, dtype=np.int64)
        for i in order:
            by_first[encoded[i][0] + 1] += 1
        by_first = np.cumsum(by_first)
        small = [w for w in _SMALL_WORDS if w.isalpha() and w.isascii()]
        codes = np.array(sorted(_small_code(w.encode()) for w in small), dtype=np.int64)
        lead_second = np.zeros(128, dtype=np.bool_)
        for ch in "aAoOeEiI":  # second letter of tags, topics, keywords, filed (a non-ASCII one: flagged)
            lead_second[ord(ch)] = True
        # by the first two bytes of a position (0 after the last one): 1 some needle other than a player one
        # starts there, 2 some player needle does (most positions of a line start none: one look-up)
        pair = np.zeros(1 << 16, dtype=np.uint8)
        for (word, kind), raw in zip(words, encoded):
            bit = 2 if kind == _PLAYER else 1
            if len(raw) == 1:
                pair[raw[0] << 8:(raw[0] + 1) << 8] |= bit
            else:
                pair[(raw[0] << 8) | raw[1]] |= bit
        _needles = (data, starts, ends, kinds, by_first, codes, lead_second, pair)
    return _needles


def word_code(word: str) -> int:
    """The code `_gate_lines` gives a casefolded word (64-bit polynomial of its code points)."""
    code = 0
    for ch in word:
        code = (code * 1000003 + ord(ch)) & 0xFFFFFFFFFFFFFFFF
    return code


@njit(cache=True, inline="always")
def _known(code, codes):
    for c in codes:
        if c == code:
            return True
    return False


def _small_code(word: bytes) -> int:
    code = 0
    for b in word:
        code = code * 256 + b
    return code


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
        if b < 0xE0:
            cp, width = ((b & 0x1F) << 6) | (buf[k + 1] & 0x3F), 2
        elif b < 0xF0:
            cp, width = ((b & 0x0F) << 12) | ((buf[k + 1] & 0x3F) << 6) | (buf[k + 2] & 0x3F), 3
        else:
            cp = ((b & 0x07) << 18) | ((buf[k + 1] & 0x3F) << 12) | ((buf[k + 2] & 0x3F) << 6) | (buf[k + 3] & 0x3F)
            width = 4
        kind = fold[cp] if cp < len(fold) else cp
        m = _encode(folded, m, kind if kind >= 0 else cp)
        k += width
    folded[m] = 0
    for p in range(m):
        b = folded[p]
        at = pair[(np.int64(b) << 8) | folded[p + 1]]
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


@njit(cache=True)
def _gate_line(buf, j, end, fold, props, folded, data, starts, ends, kinds, by_first, pair, codes, lead_second, nav_words, player_max,
               nav_chars, share_codes, time_codes):
    """Whether a rule could hold the line buf[j:end] (its bytes, without the line break): the per-line test
    of `_gate_lines` and of `scan.scan_lines` (lines of more than 400 visible ASCII characters are not asked)."""
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
    spaced = 0  # non-space characters (of the folded line)
    k = j
    while True:
        at_end = k >= end or buf[k] == 10
        if at_end:
            cp = 32
            width = 0
        else:
            b = buf[k]
            if b < 0x80:
                cp, width = b, 1
            elif b < 0xE0:
                cp, width = ((b & 0x1F) << 6) | (buf[k + 1] & 0x3F), 2
            elif b < 0xF0:
                cp, width = ((b & 0x0F) << 12) | ((buf[k + 1] & 0x3F) << 6) | (buf[k + 2] & 0x3F), 3
            else:
                cp = ((b & 0x07) << 18) | ((buf[k + 1] & 0x3F) << 12) | ((buf[k + 2] & 0x3F) << 6) | (buf[k + 3] & 0x3F)
                width = 4
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
        if prop & 32 and before_sep < 0:
            before_sep = tokens - 1 if token_start == k else tokens
        k += width
    flag = False
    if first >= 0:
        flag = python or size <= 40
        if not flag and size <= 220 and not (last_cp == 46 or last_cp == 44 or last_cp == 59 or last_cp == 58):
            flag = lower_tokens < 6 and letter_tokens <= 25
        if not flag and seps and size <= 400:
            if first >= len(props) or props[first] & 64 != 0:
                flag = second < 0 or second >= 128 or lead_second[second]
            if not flag and 1 <= before_sep <= 4:
                sentence_end = (last_cp == 46 or last_cp == 33 or last_cp == 63 or last_cp == 0x2026
                                or last_cp == 58 or last_cp == 59 or last_cp == 34 or last_cp == 0x201D
                                or last_cp == 93)
                upper = first < len(props) and props[first] & 6 != 0
                flag = not sentence_end and (upper or first == 35)
        if not flag and size <= 320 and letter_tokens <= 40:
            sentence = last_cp == 46 or last_cp == 33 or last_cp == 63
            folded_size = spaced + tokens - 1
            if size > 80 and sentence:
                flag = _holds_needle(buf, j, k, fold, folded, data, starts, ends, kinds, by_first, pair, folded_size <= player_max)
            else:
                nav = keep_tokens <= nav_words and keep_chars <= nav_chars
                share = not sentence and letter_tokens <= 8 and 0 < word_size <= 9 and _known(word_code, share_codes)
                flag = (nav or share or (size <= 80 and digit and time_words)
                        or _holds_needle(buf, j, k, fold, folded, data, starts, ends, kinds, by_first, pair, folded_size <= player_max))
    return flag


_codes: dict = {}


def share_codes() -> np.ndarray:
    """The codes (`word_code`) of the share words, sorted."""
    if "share" not in _codes:
        _codes["share"] = np.array(sorted({word_code(w) for w in _SHARE_WORDS}), dtype=np.uint64)
    return _codes["share"]


def time_codes() -> np.ndarray:
    """The codes (`word_code`) of the timestamp words, sorted."""
    if "time" not in _codes:
        _codes["time"] = np.array(sorted({word_code(w) for w in _TIME_WORDS}), dtype=np.uint64)
    return _codes["time"]


def gated_lines(texts, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row position, 0-based line index) of the lines of the texts `rows` (an Arrow string array's rows)
    that a pattern or a density feature could hold: the only lines `chrome_reasons` must ask them of."""
    from copytrace.stages.clean.scan import scan_lines

    row_pos, line, _, _, _ = scan_lines(texts, rows)
    return row_pos, line
