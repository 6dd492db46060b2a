"""Which lines a chrome rule could hold: the gate's conditions and tables (its compiled test is
`scan._gate_line`, asked by the clean stage's one pass, `scan.scan_lines`).

Most lines of a corpus are article text that no rule holds, yet the rules
(`patterns._pattern_reason`, `chrome._line_features`) are Python and were
asked of every line. The gate works out, per line, exact necessary
conditions of each rule from the line's bytes, and gives each line the bits
of the rules whose condition it meets; `chrome.line_reasons` then asks each
flagged line only those rules. A line the gate cannot read exactly (a
character whose case folding is more than one character, or beyond the
folding table) gets every bit, never judged. Lines of more than 400
visible ASCII characters are not asked (no rule holds a line that long).

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
  1 to 4 tokens before the first item separator, two separators or more,
  and after each one (and the white space after it) a character
  upper-case, '#' or a digit;
- headline: at most 220 characters, not ending in . , ; or :, fewer than 6
  lowercase ASCII tokens that are not small words, at most 25 letter tokens,
  4 letter runs or more, and 3 or more starting upper-case, at least 4 per
  such lowercase token (each is a content word not capitalized, and 80% of
  the content words must be);
- short line: at most 40 characters.

A line of over 320 characters that comes to the point where only a clue
word is left to ask is not searched for one: only a pattern needs a clue,
and no pattern holds a line that long.
"""

from __future__ import annotations

import re

import numpy as np

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
from copytrace.text.code_point_tables import cached_table

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
        _props = cached_table("char_props", _build_char_props)
    return _props


def _build_char_props() -> np.ndarray:
    """`char_props` built from Python's Unicode data."""
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
    return props


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
        # What a position of a casefolded line must start for a needle to start there (most start none: a
        # look-up or three): [0, 256) its byte (needles of 1 byte), [256, 256 + 65536) its 2 bytes (of 2),
        # then `_triple` of its 3 bytes (needles of 3 bytes or more); 1 a needle other than a player one, 2 a
        # player needle (the table holds a superset: a hit is then compared byte by byte).
        pair = np.zeros(256 + 2 * (1 << 16), dtype=np.uint8)
        for (word, kind), raw in zip(words, encoded):
            bit = 2 if kind == _PLAYER else 1
            if len(raw) == 1:
                pair[raw[0]] |= bit
            elif len(raw) == 2:
                pair[256 + ((raw[0] << 8) | raw[1])] |= bit
            else:
                pair[256 + (1 << 16) + triple(raw[0], raw[1], raw[2])] |= bit
        _needles = (data, starts, ends, kinds, by_first, codes, lead_second, pair)
    return _needles


def triple(a: int, b: int, c: int) -> int:
    """A 16-bit hash of three bytes (`scan._triple`)."""
    return ((((a << 16) | (b << 8) | c) * 2654435761) >> 12) & 0xFFFF


def word_code(word: str) -> int:
    """The code `scan._gate_line` gives a casefolded word (64-bit polynomial of its code points)."""
    code = 0
    for ch in word:
        code = (code * 1000003 + ord(ch)) & 0xFFFFFFFFFFFFFFFF
    return code


def _small_code(word: bytes) -> int:
    code = 0
    for b in word:
        code = code * 256 + b
    return code


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

    row_pos, line, *_ = scan_lines(texts, rows)  # without templates every flagged line is a gated one
    return row_pos, line
