"""Compiled word tokenizer and shingle hashing over UTF-8 buffers.

A word is a maximal run of letters and digits. Every other character (space,
punctuation, quotes of any style, dashes, symbols, emoji) separates words.
Scripts written without spaces between words (Han, Kana, Thai, Lao, Khmer,
Myanmar and a few more) give one unit per letter, with the combining marks
that follow it: shingles over such units are character n-grams, which stay
the same in a source and its copy whatever surrounds them (a dictionary
segmenter's words can change with context, and cost a Python pass; see
docs/scripts.md). Mixed text ("iPhone 15手机在2023年") is read in one pass:
Latin words and numbers stay words, each Han letter is a unit.
Letters are lower-cased here (ASCII, Latin-1, Latin Extended-A, Greek,
Cyrillic): a Python `lower()` pass would cost more than the whole kernel.
Text arrives NFKC-normalized by `normalize.fold`. Token and shingle hashes are 64-bit and fixed: the same text
gives the same hashes on every run and machine.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pyarrow as pa
from numba import njit, prange

from copytrace.text._nfkc_triggers import trigger_table
from copytrace.text.code_point_tables import cached_table

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
# ASCII byte -> its lower-case form if it belongs to a word, else 0.
_ASCII_WORD = np.array(
    [c + 32 if 65 <= c <= 90 else (c if 48 <= c <= 57 or 97 <= c <= 122 else 0) for c in range(128)],
    dtype=np.uint8,
)


@njit(cache=True, inline="always")
def mix64(x):
    """splitmix64 finalizer: spreads the bits of a 64-bit value."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


# Blocks of scripts written without spaces between words, and the mean length of their units (see `_breaks`).
# The table built from them is a constant compiled into the kernels of other modules too (folding,
# fingerprint), whose numba caches do not notice a change here: clear __pycache__/*.nbi after editing.
SOLO_BLOCKS = (
    (0x0E00, 0x0EFF, 4),  # Thai, Lao
    (0x0F00, 0x0FFF, 4),  # Tibetan (syllables, no word spaces)
    (0x1000, 0x109F, 4), (0xA9E0, 0xA9FF, 4), (0xAA60, 0xAA7F, 4),  # Myanmar
    (0x1780, 0x17FF, 4), (0x19E0, 0x19FF, 4),  # Khmer
    (0x1980, 0x19DF, 4), (0x1A20, 0x1AAF, 4), (0xAA80, 0xAADF, 4),  # New Tai Lue, Tai Tham, Tai Viet
    (0x1B00, 0x1B7F, 4), (0xA980, 0xA9DF, 4),  # Balinese, Javanese
    (0x2E80, 0x2FDF, 2),  # CJK and Kangxi radicals
    (0x3005, 0x3007, 2), (0x3021, 0x3029, 2), (0x3031, 0x3035, 2), (0x3038, 0x303C, 2),  # iteration marks
    (0x3040, 0x30FF, 4), (0x31F0, 0x31FF, 4), (0xFF66, 0xFF9F, 4),  # Hiragana, Katakana: syllables
    (0x3100, 0x312F, 2), (0x31A0, 0x31BF, 2),  # Bopomofo
    (0x3400, 0x4DBF, 2), (0x4E00, 0x9FFF, 2), (0xF900, 0xFAFF, 2),  # Han
    (0xA000, 0xA4CF, 2),  # Yi
)
# Unit classes: odd values are letters of unspaced scripts (SOLO: units of ~2 letters, SOLO_LONG: ~4).
UNIT_WORD, UNIT_SOLO, UNIT_MARK, UNIT_SOLO_LONG = 0, 1, 2, 3


def _unit_table() -> np.ndarray:
    """Per BMP code point: UNIT_SOLO / UNIT_SOLO_LONG (a letter of an unspaced script), UNIT_MARK, else 0."""
    table = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x300, 0x10000):
        if not 0xD800 <= cp <= 0xDFFF and unicodedata.category(chr(cp))[0] == "M":
            table[cp] = UNIT_MARK
    for lo, hi, length in SOLO_BLOCKS:
        for cp in range(lo, hi + 1):
            if unicodedata.category(chr(cp))[0] in "LN":
                table[cp] = UNIT_SOLO if length == 2 else UNIT_SOLO_LONG
    return table


_UNITS = cached_table("unit_table", _unit_table)


@njit(cache=True, inline="always")
def unit_class(cp):
    """UNIT_SOLO, UNIT_SOLO_LONG, UNIT_MARK or UNIT_WORD (anything else, separators too) of a code point."""
    if cp < 0x10000:
        return _UNITS[cp]
    if 0x20000 <= cp <= 0x323AF:  # Han extensions B to H
        return UNIT_SOLO
    return UNIT_WORD


@njit(cache=True, inline="always")
def _breaks(prev, cp, unit):
    """Does a unit of an unspaced script end between letters `prev` and `cp`?

    Content-defined: decided by the two letters alone, so a sentence cut into
    the same units in a source and in any copy of it, whatever surrounds it,
    like character n-grams; units average 2 letters (Han) or 4 (Kana, Thai,
    Lao, Khmer, Myanmar: letters carry less each), about a word, so that
    shingles and every threshold counted in words keep their meaning.
    """
    mask = np.uint64(1) if unit == UNIT_SOLO else np.uint64(3)
    return (mix64((np.uint64(prev) << np.uint64(21)) ^ np.uint64(cp)) & mask) == 0


@njit(cache=True, inline="always")
def _is_separator(cp):
    """True for code points that are not part of a word."""
    if cp < 0x80:
        if 48 <= cp <= 57 or 65 <= cp <= 90 or 97 <= cp <= 122:
            return False
        return True
    if cp <= 0xBF:  # Latin-1 punctuation and symbols, NBSP
        return not (cp == 0xAA or cp == 0xB5 or cp == 0xBA)
    if cp == 0xD7 or cp == 0xF7:
        return True
    if 0x2000 <= cp <= 0x2BFF:  # general punctuation .. misc symbols and arrows
        return True
    if 0x3000 <= cp <= 0x303F or 0xFE00 <= cp <= 0xFE6F or cp == 0xFEFF:
        return True
    if 0xFF00 <= cp <= 0xFF0F or 0xFF1A <= cp <= 0xFF20:
        return True
    if 0x1F000 <= cp <= 0x1FAFF:  # emoji and pictographs
        return True
    return False


@njit(cache=True, inline="always")
def _lower(cp):
    """Lower-case ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals."""
    if cp < 0x80:
        return cp + 32 if 65 <= cp <= 90 else cp
    if 0xC0 <= cp <= 0xDE and cp != 0xD7:
        return cp + 32
    if 0x100 <= cp <= 0x17F:
        if cp == 0x178:
            return 0xFF
        if 0x139 <= cp <= 0x148 or 0x179 <= cp <= 0x17E:
            return cp + 1 if cp % 2 == 1 else cp
        if cp == 0x130 or cp == 0x131 or cp == 0x138 or cp == 0x149 or cp == 0x17F:
            return cp
        return cp + 1 if cp % 2 == 0 else cp
    if 0x391 <= cp <= 0x3AB and cp != 0x3A2:
        return cp + 32
    if 0x410 <= cp <= 0x42F:
        return cp + 32
    if 0x400 <= cp <= 0x40F:
        return cp + 80
    return cp


@njit(cache=True, inline="always")
def _decode(buf, i, end):
    """Decode the UTF-8 code point at buf[i]; return (code point, its length)."""
    b0 = np.int64(buf[i])
    if b0 < 0x80:
        return b0, 1
    if b0 >= 0xF0 and i + 3 < end:
        return ((b0 & 0x07) << 18) | ((np.int64(buf[i + 1]) & 0x3F) << 12) | (
            (np.int64(buf[i + 2]) & 0x3F) << 6) | (np.int64(buf[i + 3]) & 0x3F), 4
    if b0 >= 0xE0 and i + 2 < end:
        return ((b0 & 0x0F) << 12) | ((np.int64(buf[i + 1]) & 0x3F) << 6) | (
            np.int64(buf[i + 2]) & 0x3F), 3
    if b0 >= 0xC0 and i + 1 < end:
        return ((b0 & 0x1F) << 6) | (np.int64(buf[i + 1]) & 0x3F), 2
    return b0, 1  # stray continuation byte: a one-byte letter-like unit


@njit(cache=True, nogil=True)
def tokenize_checked(buf, start, end, hashes, starts, ends, triggers):
    """`tokenize_into` that gives up (returns -1) at the first character flagged in `triggers`.

    The fingerprint kernel passes the NFKC trigger table: it decodes every
    character anyway, so it finds the documents that need NFKC for free,
    instead of a separate scan over all text.
    """
    n = 0
    i = start
    in_word = False
    h = _FNV_OFFSET
    while i < end:
        byte = buf[i]
        if byte < 0x80:  # fast path: one table look-up per ASCII byte
            lowered = _ASCII_WORD[byte]
            if lowered == 0:
                if in_word:
                    hashes[n] = mix64(h)
                    ends[n] = i
                    n += 1
                    in_word = False
            else:
                if not in_word:
                    in_word = True
                    h = _FNV_OFFSET
                    starts[n] = i
                h = (h ^ np.uint64(lowered)) * _FNV_PRIME
            i += 1
            continue
        cp, width = _decode(buf, i, end)
        if cp < len(triggers) and triggers[cp]:
            return -1
        unit = unit_class(cp)
        if unit & 1:  # a letter of an unspaced script: a unit runs to the next content-defined break
            if in_word:
                hashes[n] = mix64(h)
                ends[n] = i
                n += 1
                in_word = False
            starts[n] = i
            h = _FNV_OFFSET
            while True:
                h = (h ^ np.uint64(cp)) * _FNV_PRIME
                prev = cp
                i += width
                cp = -1
                while i < end and buf[i] >= 0x80:
                    cp, width = _decode(buf, i, end)
                    if cp < len(triggers) and triggers[cp]:
                        return -1
                    if unit_class(cp) != UNIT_MARK:
                        break
                    h = (h ^ np.uint64(cp)) * _FNV_PRIME  # a mark belongs to its letter
                    i += width
                    cp = -1
                if cp < 0 or i >= end:
                    break
                unit = unit_class(cp)
                if not unit & 1 or _breaks(prev, cp, unit):
                    break
            hashes[n] = mix64(h)
            ends[n] = i
            n += 1
            continue
        if _is_separator(cp):
            if in_word:
                hashes[n] = mix64(h)
                ends[n] = i
                n += 1
                in_word = False
        else:
            if not in_word:
                in_word = True
                h = _FNV_OFFSET
                starts[n] = i
            h = (h ^ np.uint64(_lower(cp))) * _FNV_PRIME
        i += width
    if in_word:
        hashes[n] = mix64(h)
        ends[n] = end
        n += 1
    return n


NO_TRIGGERS = np.zeros(0, dtype=np.bool_)


@njit(cache=True, nogil=True)
def tokenize_into(buf, start, end, hashes, starts, ends):
    """Hash the words of buf[start:end] into `hashes`; byte spans into starts/ends.

    Returns the number of words. The output arrays need room for
    (end - start + 1) // 2 + 1 words.
    """
    return tokenize_checked(buf, start, end, hashes, starts, ends, NO_TRIGGERS)


_ROLL = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True)
def shingles_into(token_hashes, n_tokens, size, out):
    """Write the hashes of the word shingles of a token sequence; return the count.

    A shingle hash is a polynomial over its word hashes, kept rolling (one
    multiply-add per word), then mixed. A text shorter than one shingle still
    gets one shingle (all its words), so short documents can match each other.
    """
    if n_tokens == 0:
        return 0
    width = min(size, n_tokens)
    top = np.uint64(1)  # _ROLL ** (width - 1): weight of the word leaving the window
    for _ in range(width - 1):
        top *= _ROLL
    h = np.uint64(0)
    for t in range(width):
        h = h * _ROLL + token_hashes[t]
    out[0] = mix64(h ^ np.uint64(width))
    count = n_tokens - width + 1
    for t in range(1, count):
        h = (h - token_hashes[t - 1] * top) * _ROLL + token_hashes[t + width - 1]
        out[t] = mix64(h ^ np.uint64(width))
    return count


_HIGH_BITS = np.uint64(0x8080808080808080)


@njit(cache=True, nogil=True)
def doc_shingles(buf, start, end, shingle_size):
    """The shingle hashes of the document buf[start:end], in text order."""
    cap = (end - start + 1) // 2 + 2
    hashes = np.empty(cap, dtype=np.uint64)
    spans = np.empty(cap, dtype=np.int64)
    n_tokens = tokenize_into(buf, start, end, hashes, spans, spans)
    shingles = np.empty(max(n_tokens, 1), dtype=np.uint64)
    n = shingles_into(hashes, n_tokens, shingle_size, shingles)
    return shingles[:n]


def _as_words(buf: np.ndarray) -> np.ndarray:
    """buf's aligned 8-byte words, to skip ASCII eight bytes at a time (empty if buf is unaligned)."""
    if buf.ctypes.data % 8:
        return np.zeros(0, dtype=np.uint64)
    return buf[: len(buf) // 8 * 8].view(np.uint64)


@njit(cache=True, nogil=True, inline="always")
def _next_non_ascii(buf, words, i, end):
    """The first position >= i of a non-ASCII byte in buf[:end], or end."""
    while i < end:
        if (i & 7) == 0 and (i >> 3) < len(words) and i + 8 <= end:
            if (words[i >> 3] & _HIGH_BITS) == 0:
                i += 8
                continue
        if buf[i] >= 0x80:
            return i
        i += 1
    return end


@njit(cache=True, nogil=True, parallel=True)
def _needs_nfkc(buf, words, offsets, table):
    """Per document: does it hold a character whose NFKC form changes a word?"""
    n_docs = len(offsets) - 1
    out = np.zeros(n_docs, dtype=np.bool_)
    for d in prange(n_docs):
        end = offsets[d + 1]
        i = _next_non_ascii(buf, words, offsets[d], end)
        while i < end:
            cp, width = _decode(buf, i, end)
            if cp < len(table) and table[cp]:
                out[d] = True
                break
            i = _next_non_ascii(buf, words, i + width, end)
    return out


_TRIGGERS = trigger_table()


def needs_nfkc(texts_utf8: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    return _needs_nfkc(texts_utf8, _as_words(texts_utf8), offsets, _TRIGGERS)


def _join(encoded: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8), offsets


@njit(cache=True, nogil=True)
def _doc_windows(buf, words, start, end, table, starts, ends, n):
    """Append to starts/ends (from index n) the windows of buf[start:end]; return the new count.

    A window is a stretch between ASCII spaces or newlines that holds a
    trigger character; NFKC of the window equals the window of the NFKC.
    """
    i = _next_non_ascii(buf, words, start, end)
    while i < end:
        cp, width = _decode(buf, i, end)
        if cp < len(table) and table[cp]:
            ws = i
            while ws > start and buf[ws - 1] != 32 and buf[ws - 1] != 10:
                ws -= 1
            we = i + width
            while we < end and buf[we] != 32 and buf[we] != 10:
                we += 1
            if n > 0 and ws <= ends[n - 1] and ends[n - 1] > start:
                ends[n - 1] = we
            else:
                starts[n] = ws
                ends[n] = we
                n += 1
            i = _next_non_ascii(buf, words, we, end)
            continue
        i = _next_non_ascii(buf, words, i + width, end)
    return n


@njit(cache=True, nogil=True)
def _nfkc_windows(buf, words, offsets, docs, table):
    """Byte windows [start, end) needing NFKC in documents `docs` of buf, in order."""
    cap = 16
    starts = np.empty(cap, dtype=np.int64)
    ends = np.empty(cap, dtype=np.int64)
    n = 0
    for d in docs:
        start, end = offsets[d], offsets[d + 1]
        # A document can hold at most one window per two bytes: grow before scanning it.
        need = n + (end - start) // 2 + 1
        if need > cap:
            cap = max(2 * cap, need)
            grown_starts = np.empty(cap, dtype=np.int64)
            grown_ends = np.empty(cap, dtype=np.int64)
            grown_starts[:n] = starts[:n]
            grown_ends[:n] = ends[:n]
            starts, ends = grown_starts, grown_ends
        n = _doc_windows(buf, words, start, end, table, starts, ends, n)
    return starts[:n], ends[:n]


@njit(cache=True, nogil=True, inline="always")
def _copy(source, start, end, out, pos):
    """out[pos:] = source[start:end], as a plain loop (numba's slice copies cost more); the new pos."""
    for i in range(start, end):
        out[pos] = source[i]
        pos += 1
    return pos


@njit(cache=True, nogil=True)
def _splice_windows(buf, offsets, starts, ends, replacement, replacement_offsets):
    """Copy of buf with window k ([starts[k], ends[k]), in order, inside documents) replaced; new offsets."""
    n_docs = len(offsets) - 1
    growth = 0
    for k in range(len(starts)):
        growth += (replacement_offsets[k + 1] - replacement_offsets[k]) - (ends[k] - starts[k])
    out = np.empty(offsets[n_docs] - offsets[0] + growth, dtype=np.uint8)
    out_offsets = np.empty(n_docs + 1, dtype=np.int64)
    out_offsets[0] = 0
    pos = 0
    k = 0
    for d in range(n_docs):
        i, end = offsets[d], offsets[d + 1]
        while k < len(starts) and starts[k] < end:
            pos = _copy(buf, i, starts[k], out, pos)
            pos = _copy(replacement, replacement_offsets[k], replacement_offsets[k + 1], out, pos)
            i = ends[k]
            k += 1
        pos = _copy(buf, i, end, out, pos)
        out_offsets[d + 1] = pos
    return out, out_offsets


def _nfkc_splice(buf: np.ndarray, offsets: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """NFKC applied to the windows of documents `docs` where it changes a word; one new buffer.

    CPython's NFKC runs at ~15 MB/s on non-Latin text; a long article with
    one "½" should not pay that for every character, nor a batch for the
    few documents that hold one.
    """
    starts, ends = _nfkc_windows(buf, _as_words(buf), offsets, docs.astype(np.int64), _TRIGGERS)
    pieces = [
        unicodedata.normalize("NFKC", buf[a:b].tobytes().decode("utf-8", "surrogatepass")).encode(
            "utf-8", "surrogatepass")
        for a, b in zip(starts.tolist(), ends.tolist())
    ]
    replacement, replacement_offsets = _join(pieces)
    return _read_only(*_splice_windows(buf, offsets, starts, ends, replacement, replacement_offsets))


def _read_only(buf: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batches are read-only like the bytes and Arrow buffers they mostly are: one compiled kernel each."""
    buf.flags.writeable = False
    return buf, offsets


def nfkc_windows(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Byte windows [start, end) of one text that `nfkc_bytes` normalizes."""
    buf = np.frombuffer(raw, dtype=np.uint8)
    offsets = np.array([0, len(raw)], dtype=np.int64)
    return _nfkc_windows(buf, _as_words(buf), offsets, np.zeros(1, dtype=np.int64), _TRIGGERS)


def nfkc_bytes(raw: bytes) -> bytes:
    """NFKC applied only to the space-delimited stretches of one text where it changes a word."""
    buf = np.frombuffer(raw, dtype=np.uint8)
    offsets = np.array([0, len(raw)], dtype=np.int64)
    out, _ = _nfkc_splice(buf, offsets, np.zeros(1, dtype=np.int64))
    return out.tobytes()


def _arrow_strings(texts) -> pa.Array | None:
    """`texts` as one Arrow string array without nulls, or None if it is not Arrow."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not isinstance(texts, pa.Array):
        return None
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    if texts.null_count:
        texts = texts.fill_null("")
    return texts


def _arrow_buffer(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Zero-copy view of an Arrow string array's UTF-8 bytes, with its offsets as int64."""
    _, offsets_buffer, data_buffer = texts.buffers()
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=width)[texts.offset:texts.offset + len(texts) + 1]
    if data_buffer is None or len(data_buffer) == 0:
        return _read_only(np.zeros(0, dtype=np.uint8), np.zeros(len(texts) + 1, dtype=np.int64))
    return np.frombuffer(data_buffer, dtype=np.uint8), offsets.astype(np.int64)


def encode_batch(texts) -> tuple[np.ndarray, np.ndarray]:
    """Texts as one contiguous UTF-8 buffer with offsets, NFKC where it matters.

    `texts` is a sequence of str or an Arrow string array; Arrow's own buffer
    is used as it is, without a copy (the offsets then point into it). NFKC
    runs only on the documents that hold a character it would change within
    a word (found by a compiled scan), and there only around them.
    """
    buf, offsets = utf8_batch(texts)
    flagged = np.flatnonzero(needs_nfkc(buf, offsets))
    if len(flagged) == 0:
        return buf, offsets
    return _nfkc_splice(buf, offsets, flagged)


def utf8_batch(texts) -> tuple[np.ndarray, np.ndarray]:
    """Texts as one contiguous UTF-8 buffer with offsets, as they are (no NFKC)."""
    arrow = _arrow_strings(texts)
    if arrow is not None:
        return _read_only(*_arrow_buffer(arrow))
    return _join([t.encode("utf-8", "surrogatepass") for t in texts])


def nfkc_documents(buf: np.ndarray, offsets: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Documents `docs` of a batch alone, in one new buffer, with NFKC where it changes a word."""
    sub, sub_offsets = _read_only(*_gather(buf, offsets, docs.astype(np.int64)))
    return _nfkc_splice(sub, sub_offsets, np.arange(len(docs)))


@njit(cache=True, nogil=True)
def _gather(buf, offsets, docs):
    out_offsets = np.zeros(len(docs) + 1, dtype=np.int64)
    for k in range(len(docs)):
        out_offsets[k + 1] = out_offsets[k] + offsets[docs[k] + 1] - offsets[docs[k]]
    out = np.empty(out_offsets[-1], dtype=np.uint8)
    for k in range(len(docs)):
        _copy(buf, offsets[docs[k]], offsets[docs[k] + 1], out, out_offsets[k])
    return out, out_offsets


def word_spans(folded: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hashes, start, end) of the words of a folded string, as character offsets."""
    from copytrace.text.normalize import utf8_char_index

    raw = folded.encode("utf-8", "surrogatepass")
    buf = np.frombuffer(raw, dtype=np.uint8)
    cap = len(raw) // 2 + 2
    hashes = np.empty(cap, dtype=np.uint64)
    starts = np.empty(cap, dtype=np.int64)
    ends = np.empty(cap, dtype=np.int64)
    n = tokenize_into(buf, 0, len(raw), hashes, starts, ends)
    if folded.isascii():
        return hashes[:n].copy(), starts[:n].copy(), ends[:n].copy()
    index = utf8_char_index(folded)
    return hashes[:n].copy(), index[starts[:n]], index[ends[:n]]


@njit(cache=True)
def _has_trigger(buf, table):
    i, end = 0, len(buf)
    while i < end:
        if buf[i] < 0x80:
            i += 1
            continue
        cp, width = _decode(buf, i, end)
        if cp < len(table) and table[cp]:
            return True
        i += width
    return False


def text_needs_nfkc(raw: bytes) -> bool:
    """One text's answer to `needs_nfkc`, without a parallel launch (alignment calls it per document)."""
    return bool(_has_trigger(np.frombuffer(raw, dtype=np.uint8), _TRIGGERS))
