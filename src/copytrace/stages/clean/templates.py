"""Per-source template lines, counted by 64-bit hashes of their keys.

A source's template is the set of line keys (`chrome.line_key`: case,
spacing and digits folded) found on at least `min_repeat` of its distinct
pages. Counting every distinct line of a corpus as a Python string costs
gigabytes (nearly every body line is distinct); here a compiled scan hashes
each line's key straight from the UTF-8 bytes of an Arrow text column, the
counter keeps sorted (hash, pages) arrays, and the string of a key is kept
only once it reaches `min_repeat` pages: it does so within a batch still
held, whose text it is read back from. Lines holding a character whose case
folding is more than one character (rare: 'ß', ligatures) or beyond the
table are keyed by `line_key` itself, and hashed the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numba import njit

from copytrace.text.code_point_tables import cached_table
from copytrace.text.tokens import mix64

_TABLE_SIZE = 0x30000  # code points classified by the compiled scan; the rest go through line_key
_SPACE, _DIGIT, _PYTHON = -1, -2, -3
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_fold_table: np.ndarray | None = None


def fold_table() -> np.ndarray:
    """Code point -> its case folding (one code point), or _SPACE, _DIGIT, _PYTHON (line_key must decide)."""
    global _fold_table
    if _fold_table is None:
        _fold_table = cached_table("fold_table", _build_fold_table)
    return _fold_table


def _build_fold_table() -> np.ndarray:
    """`fold_table` built from Python's Unicode data."""
    table = np.arange(_TABLE_SIZE, dtype=np.int32)
    chars = [chr(c) for c in range(_TABLE_SIZE)]
    digits = set(re.findall(r"\d", "".join(chars)))
    for c, ch in enumerate(chars):
        folded = ch.casefold()
        if folded == ch:
            if ch.isspace():
                table[c] = _SPACE
            elif ch in digits:
                table[c] = _DIGIT
        elif len(folded) != 1 or folded.isspace() or folded in digits:
            table[c] = _PYTHON
        else:
            table[c] = ord(folded)
    table[0xD800:0xE000] = _PYTHON  # surrogates: never in UTF-8 text
    return table


@njit(cache=True, inline="always")
def _feed(h, byte):
    return (h ^ np.uint64(byte)) * np.uint64(0x100000001B3)


@njit(cache=True, inline="always")
def _feed_digit_run(h, size, space):
    """A run of digits is one "0" in a line key, after the pending space if any: (hash, key size)."""
    if space:
        h = _feed(h, 32)
        size += 1
    return _feed(h, 48), size + 1


@njit(cache=True, inline="always")
def _feed_code_point(h, cp):
    """FNV-1a over the UTF-8 bytes of one code point."""
    if cp < 0x80:
        return _feed(h, cp)
    if cp < 0x800:
        h = _feed(h, 0xC0 | (cp >> 6))
    elif cp < 0x10000:
        h = _feed(h, 0xE0 | (cp >> 12))
        h = _feed(h, 0x80 | ((cp >> 6) & 0x3F))
    else:
        h = _feed(h, 0xF0 | (cp >> 18))
        h = _feed(h, 0x80 | ((cp >> 12) & 0x3F))
        h = _feed(h, 0x80 | ((cp >> 6) & 0x3F))
    return _feed(h, 0x80 | (cp & 0x3F))


@njit(cache=True, inline="always")
def _finish(h, size):
    return mix64(h ^ (np.uint64(size) * np.uint64(0x9E3779B97F4A7C15)))


@njit(cache=True, inline="always")
def _decode(buf, k, b):
    """(code point, next position) of the multi-byte UTF-8 character whose lead byte `b` is at k."""
    if b < 0xE0:
        return ((b & 0x1F) << 6) | (buf[k + 1] & 0x3F), k + 2
    if b < 0xF0:
        return ((b & 0x0F) << 12) | ((buf[k + 1] & 0x3F) << 6) | (buf[k + 2] & 0x3F), k + 3
    return ((b & 0x07) << 18) | ((buf[k + 1] & 0x3F) << 12) | ((buf[k + 2] & 0x3F) << 6) | (buf[k + 3] & 0x3F), k + 4


@njit(cache=True, inline="always")
def _feed_kind(h, size, space, digits, started, kind):
    """One character of `fold_table`'s kind (-1 space, -2 digit, else its folded code point; not -3) fed to a
    line key's hash: the new (hash, key size, space pending, in digits, started). A letter or sign, most
    characters, is asked first."""
    if kind >= 0:
        if space:
            h = _feed(h, 32)
            size += 1
        h = _feed_code_point(h, kind)
        size += 1 if kind < 0x80 else (2 if kind < 0x800 else (3 if kind < 0x10000 else 4))
        return h, size, False, False, True
    if kind == -1:
        return h, size, started, False, started
    if digits:
        return h, size, space, digits, started
    h, size = _feed_digit_run(h, size, space)
    return h, size, False, True, True


@njit(cache=True, inline="always")
def _key_char(buf, k, table, h, size, space, digits, started, python):
    """The character at buf[k] fed to its line's key hash (`fold_table` is `table`; a character it leaves to
    Python marks the line `python`): the new (k, hash, key size, space pending, in digits, started, python)."""
    b = buf[k]
    if b < 0x80:  # ASCII: most text (the table's first entries, hot); a letter or sign fed at once
        kind = table[b]
        if kind >= 0:
            if space:
                h = _feed(h, 32)
                size += 1
            return k + 1, _feed(h, kind), size + 1, False, False, True, python
        h, size, space, digits, started = _feed_kind(h, size, space, digits, started, kind)
        return k + 1, h, size, space, digits, started, python
    cp, k = _decode(buf, k, b)
    kind = table[cp] if cp < len(table) else -3
    if kind == -3:
        return k, h, size, space, digits, started, True
    h, size, space, digits, started = _feed_kind(h, size, space, digits, started, kind)
    return k, h, size, space, digits, started, python


@njit(cache=True, nogil=True)
def _hash_segments(buf, offsets):
    """The key hash of each UTF-8 segment buf[offsets[i]:offsets[i+1]] (a key as line_key gives it)."""
    n = len(offsets) - 1
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        h = np.uint64(0xCBF29CE484222325)
        for j in range(offsets[i], offsets[i + 1]):
            h = _feed(h, buf[j])
        out[i] = _finish(h, offsets[i + 1] - offsets[i])
    return out


@njit(cache=True, inline="always")
def _text_hash(buf, start, end):
    """A 64-bit hash of the bytes buf[start:end], 8 bytes a step (identical texts: the same hash)."""
    h = np.uint64(0xCBF29CE484222325)
    j = start
    while j + 8 <= end:
        w = (np.uint64(buf[j]) | (np.uint64(buf[j + 1]) << np.uint64(8)) | (np.uint64(buf[j + 2]) << np.uint64(16))
             | (np.uint64(buf[j + 3]) << np.uint64(24)) | (np.uint64(buf[j + 4]) << np.uint64(32))
             | (np.uint64(buf[j + 5]) << np.uint64(40)) | (np.uint64(buf[j + 6]) << np.uint64(48))
             | (np.uint64(buf[j + 7]) << np.uint64(56)))
        h = mix64(h ^ w) + np.uint64(0x9E3779B97F4A7C15)
        j += 8
    while j < end:
        h = _feed(h, buf[j])
        j += 1
    return _finish(h, end - start)


@njit(cache=True, nogil=True)
def _scan_lines(buf, offsets, rows, table, text_hashes):
    """For the lines of the texts `rows`: (row position, line index, key hash, state); and each text's hash
    (if `text_hashes`, else 0).

    state 1: hashed; 2: line_key must key it (hash 0). Blank lines are left out.
    """
    total = 0
    for r in range(len(rows)):
        total += 1
        for j in range(offsets[rows[r]], offsets[rows[r] + 1]):
            if buf[j] == 10:
                total += 1
    out_row = np.empty(total, dtype=np.int32)
    out_line = np.empty(total, dtype=np.int32)
    out_hash = np.empty(total, dtype=np.uint64)
    out_state = np.empty(total, dtype=np.uint8)
    text_hash = np.zeros(len(rows), dtype=np.uint64)
    n = 0
    for r in range(len(rows)):
        start, end = offsets[rows[r]], offsets[rows[r] + 1]
        if text_hashes:
            text_hash[r] = _text_hash(buf, start, end)
        line = 0
        j = start
        while j <= end:
            # one line: buf[j:k]
            h = np.uint64(0xCBF29CE484222325)
            size = 0
            started = False
            space = False
            digits = False
            python = False
            k = j
            while k < end:
                b = buf[k]
                if b == 10:
                    break
                if b < 0x80 and table[b] >= 0:
                    # An ASCII letter or sign, most bytes: fed here, `_key_char`'s first case written out (numba
                    # compiles this loop a fifth faster than the call alone; with a case for spaces, slower again).
                    if space:
                        h = _feed(h, 32)
                        size += 1
                        space = False
                    h = _feed(h, table[b])
                    size += 1
                    digits = False
                    started = True
                    k += 1
                    continue
                k, h, size, space, digits, started, python = _key_char(buf, k, table, h, size, space, digits,
                                                                       started, python)
            if python or started:
                out_row[n] = r
                out_line[n] = line
                out_hash[n] = np.uint64(0) if python else _finish(h, size)
                out_state[n] = 2 if python else 1
                n += 1
            line += 1
            j = k + 1
    return out_row[:n], out_line[:n], out_hash[:n], out_state[:n], text_hash


def _utf8(texts) -> tuple[np.ndarray, np.ndarray]:
    """Zero-copy UTF-8 bytes and int64 offsets of an Arrow string array (nulls read as empty)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    if not isinstance(texts, pa.Array):
        texts = pa.array(texts, pa.large_string())
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    if texts.null_count:
        texts = texts.fill_null("")
    _, offsets_buffer, data_buffer = texts.buffers()
    width = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=width)[texts.offset:texts.offset + len(texts) + 1].astype(np.int64)
    if data_buffer is None or len(data_buffer) == 0:
        return np.zeros(1, dtype=np.uint8), offsets
    return np.frombuffer(data_buffer, dtype=np.uint8), offsets


def key_hashes(keys: Sequence[str]) -> np.ndarray:
    """The hash of each line key, as the compiled scan gives it for a line with that key."""
    encoded = [key.encode("utf-8") for key in keys]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    buf = np.frombuffer(b"".join(encoded), dtype=np.uint8) if offsets[-1] else np.zeros(1, dtype=np.uint8)
    return _hash_segments(buf, offsets)


def line_hashes(texts, rows: np.ndarray, text_of: Callable[[int], str], text_hashes: bool = True):
    """Every non-blank line of the texts `rows` (an Arrow string array's rows): (row position, line index,
    key hash) arrays, and each text's hash. `text_of(row)` gives a text as str, for the few lines
    line_key must key."""
    from copytrace.stages.clean.chrome import line_key

    buf, offsets = _utf8(texts)
    row_pos, line, hashes, state, text_hash = _scan_lines(buf, offsets, rows.astype(np.int64), fold_table(), text_hashes)
    slow = np.flatnonzero(state == 2)
    if len(slow):
        keep = np.ones(len(hashes), dtype=bool)
        keys, places, split = [], [], {}
        for i in slow:
            r = int(row_pos[i])
            pieces = split.get(r)
            if pieces is None:
                pieces = split[r] = text_of(int(rows[r])).split("\n")
            piece = pieces[line[i]]
            if piece.strip():
                keys.append(line_key(piece))
                places.append(i)
            else:
                keep[i] = False
        hashes[places] = key_hashes(keys)
        if not keep.all():
            row_pos, line, hashes = row_pos[keep], line[keep], hashes[keep]
    return row_pos, line, hashes, text_hash


def with_group(hashes: np.ndarray, group_ids: np.ndarray) -> np.ndarray:
    """Key hashes made distinct per source group (a line is a template line of one source only)."""
    return _mix_groups(hashes, group_ids.astype(np.uint64))


@njit(cache=True, nogil=True)
def _mix_groups(hashes, groups):
    out = np.empty(len(hashes), dtype=np.uint64)
    for i in range(len(hashes)):
        out[i] = mix64(hashes[i] ^ ((groups[i] + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)))
    return out


@dataclass
class LineKeys:
    """The template key hash (`line_hashes`) of lines of a batch's rows: line `line[k]` (0-based) of row `row[k]`,
    rows ascending and each row's lines ascending, blank lines left out. Learning the templates works them out
    for every line of the corpus; cleaning reads them back instead of hashing every line again."""

    row: np.ndarray  # int64
    line: np.ndarray  # int32
    hash: np.ndarray  # uint64

    def by_row(self, n_rows: int) -> np.ndarray:
        """Where each row's lines start in the arrays (n_rows + 1 offsets)."""
        return np.searchsorted(self.row, np.arange(n_rows + 1))

    @classmethod
    def merged(cls, parts: list["LineKeys"]) -> "LineKeys":
        """Parts holding different rows of one batch, as one (rows ascending, then lines)."""
        row = np.concatenate([p.row for p in parts]).astype(np.int64)
        line = np.concatenate([p.line for p in parts]).astype(np.int32)
        order = np.lexsort((line, row))
        return cls(row[order], line[order], np.concatenate([p.hash for p in parts]).astype(np.uint64)[order])


class TemplateCounter:
    """Counts, per source, on how many distinct pages each line key occurs; fed page by page or by batches.

    Identical texts of a source count once, so a source that carries one
    article twice does not turn that article into its template. Counts live
    in sorted (hash, pages) arrays; batches not yet merged are held (an
    Arrow array is a view of its shard) until they are, so that a key's
    string can be read from them when its page count reaches `min_repeat`.
    """

    _BUFFERED = 4096  # pages given one by one (`add`) are hashed in batches of this many
    _MIN_PENDING = 1 << 19  # (page, key) pairs held before a merge, at least; and a quarter of those merged

    def __init__(self, min_repeat: int = 3) -> None:
        self.min_repeat = min_repeat
        self.groups: dict[str, int] = {}  # source group -> id, in order of first page
        self.names: list[str] = []
        self.seen: set[int] = set()  # hashes of the texts counted (per group)
        self.hashes = np.zeros(0, dtype=np.uint64)  # sorted key hashes (mixed with their group)
        self.pages = np.zeros(0, dtype=np.int32)
        self.keys: dict[int, tuple[int, str]] = {}  # hash -> (group id, key), for keys on min_repeat pages or more
        # batches not merged yet: key hashes, and the row, line and group id where each was found
        self.pending: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Callable[[int], str]]] = []
        self.pending_size = 0
        self.buffer: tuple[list[str | None], list[str]] = ([], [])

    def _group_id(self, group: str) -> int:
        gid = self.groups.get(group)
        if gid is None:
            gid = self.groups[group] = len(self.names)
            self.names.append(group)
        return gid

    def add(self, source: str | None, text: str) -> None:
        if source is None:
            return
        self.buffer[0].append(source)
        self.buffer[1].append(text)
        if len(self.buffer[0]) >= self._BUFFERED:
            self._flush_buffer()

    def _flush_buffer(self) -> None:
        groups, texts = self.buffer
        if groups:
            self.buffer = ([], [])
            self.add_batch(groups, pa.array(texts, pa.large_string()), texts.__getitem__)

    def add_batch(self, groups: Sequence[str | None], texts, text_of: Callable[[int], str] | None = None
                  ) -> LineKeys | None:
        """Count the pages of an Arrow string array (row i of source group `groups[i]`; None: not counted).

        `texts` is held until merged: pass a view of a shard, not a copy.
        `text_of(i)` gives row i as str (default: read from `texts`).
        Returns the key hash of every non-blank line of the rows counted (`LineKeys`), or None if none was.
        """
        rows = [i for i, g in enumerate(groups) if g is not None]
        if not rows:
            return None
        text_of = text_of or (lambda i: texts[i].as_py())
        gids = np.array([self._group_id(groups[i]) for i in rows], dtype=np.int64)
        rows = np.array(rows, dtype=np.int64)
        row_pos, line, hashes, text_hash = line_hashes(texts, rows, text_of)
        keys = LineKeys(rows[row_pos], line, hashes)
        counted = np.zeros(len(rows), dtype=bool)
        for r, h in enumerate(with_group(text_hash, gids).tolist()):
            if h not in self.seen:
                self.seen.add(h)
                counted[r] = True
        take = counted[row_pos]
        row_pos, line, hashes = row_pos[take], line[take], with_group(hashes[take], gids[row_pos[take]])
        # A page counts each of its keys once: unique (page, key) pairs, first line of each.
        order = np.lexsort((hashes, row_pos))
        row_pos, line, hashes = row_pos[order], line[order], hashes[order]
        first = np.ones(len(hashes), dtype=bool)
        first[1:] = (hashes[1:] != hashes[:-1]) | (row_pos[1:] != row_pos[:-1])
        self.pending.append((hashes[first], rows[row_pos[first]], line[first], gids[row_pos[first]], text_of))
        self.pending_size += int(first.sum())
        if self.pending_size >= max(self._MIN_PENDING, len(self.hashes) // 4):
            self._merge()
        return keys

    def _merge(self) -> None:
        """Fold the pending batches into the sorted counts; keep the strings of keys reaching min_repeat."""
        if not self.pending:
            return
        hashes = np.concatenate([p[0] for p in self.pending])
        batch = np.concatenate([np.full(len(p[0]), k, dtype=np.int32) for k, p in enumerate(self.pending)])
        unique, first, counts = np.unique(hashes, return_index=True, return_counts=True)
        at = np.searchsorted(self.hashes, unique)
        inside = at < len(self.hashes)
        known = np.zeros(len(unique), dtype=bool)
        known[inside] = self.hashes[at[inside]] == unique[inside]
        before = np.zeros(len(unique), dtype=np.int64)
        before[known] = self.pages[at[known]]
        reached = np.flatnonzero((before < self.min_repeat) & (before + counts >= self.min_repeat))
        if len(reached):
            self._keep_keys(unique[reached], first[reached], batch)
        self.pages[at[known]] += counts[known]
        new = ~known
        self.hashes = np.insert(self.hashes, at[new], unique[new])
        self.pages = np.insert(self.pages, at[new], counts[new])
        self.pending, self.pending_size = [], 0

    def _keep_keys(self, hashes: np.ndarray, where: np.ndarray, batch: np.ndarray) -> None:
        from copytrace.stages.clean.chrome import line_key

        starts = np.cumsum([0] + [len(p[0]) for p in self.pending])
        split: dict[tuple[int, int], list[str]] = {}
        for h, i in zip(hashes.tolist(), where.tolist()):
            k = int(batch[i])
            _, rows, lines, gids, text_of = self.pending[k]
            j = i - starts[k]
            row = int(rows[j])
            pieces = split.get((k, row))
            if pieces is None:
                pieces = split[(k, row)] = text_of(row).split("\n")
            self.keys[h] = (int(gids[j]), line_key(pieces[lines[j]]))

    def templates(self, min_repeat: int | None = None) -> dict[str, dict[str, int]]:
        """Per source: the line keys found on at least `min_repeat` distinct pages, with their page counts."""
        min_repeat = self.min_repeat if min_repeat is None else min_repeat
        if min_repeat < self.min_repeat:
            raise ValueError(f"this counter keeps keys from {self.min_repeat} pages, not {min_repeat}")
        self._flush_buffer()
        self._merge()
        found: dict[str, dict[str, int]] = {name: {} for name in self.names}
        if self.keys:
            hashes = np.fromiter(self.keys, dtype=np.uint64, count=len(self.keys))
            pages = self.pages[np.searchsorted(self.hashes, hashes)]
            for h, n in zip(hashes.tolist(), pages.tolist()):
                if n >= min_repeat:
                    gid, key = self.keys[h]
                    found[self.names[gid]][key] = n
        return found


def template_candidates(texts: Sequence[str], groups: Sequence[str | None], templates: dict[str, dict[str, int]],
                        arrow_texts=None) -> list[frozenset[int]]:
    """Per text, the indices of its lines whose key hash is one of its group's template keys' hashes.

    Only these lines can be template lines (a hash match is then confirmed
    by the key itself): most lines of a corpus skip the key's working out.
    `arrow_texts`: the same texts as an Arrow string array, if at hand.
    """
    ids = {group: gid for gid, group in enumerate(g for g, lines in templates.items() if lines)}
    found = [frozenset()] * len(texts)
    rows = [i for i, g in enumerate(groups) if g in ids]
    if not rows:
        return found
    keys = [(ids[g], key) for g, lines in templates.items() if g in ids for key in lines]
    wanted = np.unique(with_group(key_hashes([k for _, k in keys]), np.array([g for g, _ in keys], dtype=np.int64)))
    if arrow_texts is None:
        arrow_texts, index = pa.array([texts[i] for i in rows], pa.large_string()), np.arange(len(rows))
        text_of = lambda r: texts[rows[r]]  # noqa: E731
    else:
        index, text_of = np.array(rows, dtype=np.int64), texts.__getitem__
    row_pos, line, hashes, _ = line_hashes(arrow_texts, index, text_of, text_hashes=False)
    gids = np.array([ids[groups[i]] for i in rows], dtype=np.int64)
    hit = np.flatnonzero(np.isin(with_group(hashes, gids[row_pos]), wanted))
    by_row: dict[int, set[int]] = {}
    for r, i in zip(row_pos[hit].tolist(), line[hit].tolist()):
        by_row.setdefault(r, set()).add(i)
    for r, lines in by_row.items():
        found[rows[r]] = frozenset(lines)
    return found
