"""Edits: what a copy added, dropped and changed relative to its source, from the aligned passages.

- added: stretches of the copy outside every passage (framing, commentary,
  credit lines, the copier's own headline);
- dropped: stretches of the source outside every passage (sections not
  carried over, and the source page's chrome);
- changed: inside a passage, words that differ (a word-level diff on folded
  words, so quote styles, dashes, case and spacing are not changes); words
  only one side has inside a passage are added or dropped.

Stretches are cut at blank lines, so each paragraph is its own edit, and
stretches made only of whitespace and punctuation are no edit. Between two
passages that follow each other in both texts, short runs of words the
aligner left out (a sentence under its minimum length) are matched again
here, so a short quote both sides carry is not reported as added and dropped.
"""

from __future__ import annotations

from copytrace.settings import EditSettings

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from copytrace.text.spans import gaps, has_content, merge, split_paragraphs

_WORD = re.compile(r"\w+")
# Characters whose casefold crosses a word boundary (a letter folding to a combining mark, or
# the reverse); without them, casefolding a whole stretch and then cutting words gives the
# words of cutting first and casefolding each (checked over every code point).
_FOLD_SPLITS = re.compile("[\u0130\u01f0\u0345\u0390\u03b0\u1e96-\u1e99\u1f50\u1f52\u1f54\u1f56"
                          "\u1fb6\u1fb7\u1fc6\u1fc7\u1fd2\u1fd3\u1fd6\u1fd7\u1fe2-\u1fe4\u1fe6\u1fe7\u1ff6\u1ff7]")




def words_of(text: str, start: int, end: int) -> list[tuple[str, int, int]]:
    """(folded word, start, end) for the words of text[start:end], offsets into `text`."""
    piece = text[start:end]
    if piece.isascii():
        # ASCII: NFKC changes nothing and casefold is lower(), which moves no word boundary.
        return [(m.group(), start + m.start(), start + m.end()) for m in _WORD.finditer(piece.lower())]
    folded = unicodedata.normalize("NFKC", piece)
    if len(folded) != len(piece):  # NFKC changed lengths: fold word by word instead
        return [(unicodedata.normalize("NFKC", m.group()).casefold(), start + m.start(), start + m.end())
                for m in _WORD.finditer(piece)]
    whole = folded.casefold()
    if len(whole) == len(folded) and _FOLD_SPLITS.search(folded) is None:
        return [(m.group(), start + m.start(), start + m.end()) for m in _WORD.finditer(whole)]
    return [(m.group().casefold(), start + m.start(), start + m.end()) for m in _WORD.finditer(folded)]


def _carried_between(source: str, copy: str, passages, settings: EditSettings) -> tuple[list, list]:
    """Spans (source, copy) of word runs both sides carry between consecutive passages."""
    by_copy = sorted(passages, key=lambda p: p[2])
    by_source = sorted(passages, key=lambda p: p[0])
    next_in_source = {id(p): by_source[i + 1] for i, p in enumerate(by_source[:-1])}
    carried_s, carried_c = [], []
    for left, right in zip(by_copy, by_copy[1:]):
        if next_in_source.get(id(left)) is not right:
            continue  # a moved paragraph: no common gap to compare
        ws = words_of(source, left[1], right[0])
        wc = words_of(copy, left[3], right[2])
        if not ws or not wc:
            continue
        matcher = SequenceMatcher(None, [w for w, _, _ in ws], [w for w, _, _ in wc], autojunk=False)
        for block in matcher.get_matching_blocks():
            if block.size >= settings.min_carried_words:
                carried_s.append((ws[block.a][1], ws[block.a + block.size - 1][2]))
                carried_c.append((wc[block.b][1], wc[block.b + block.size - 1][2]))
    return carried_s, carried_c


def _note(start: int, end: int, notes) -> str | None:
    """The label of a noted span (credit line, feed footer) covering most of [start, end)."""
    for s, e, label in notes:
        if min(e, end) - max(s, start) >= 0.5 * (end - start):
            return label
    return None


def word_key(text: str) -> tuple[str, ...]:
    """The folded words of `text`: two stretches with one key are the same words."""
    if text.isascii():
        return tuple(_WORD.findall(text.lower()))
    folded = unicodedata.normalize("NFKC", text)
    if len(folded) == len(text) and _FOLD_SPLITS.search(folded) is None:
        return tuple(_WORD.findall(folded.casefold()))
    return tuple(w for w, _, _ in words_of(text, 0, len(text)))


def _drop_moved(edits: list[dict]) -> list[dict]:
    """Remove added/dropped pairs that are one paragraph moved (a sub-heading moved to the top).

    Such short lines are under the aligner's minimum length, so they show up
    as added in one place and dropped in another; they are neither.
    """
    def outside(kind: str) -> list[int]:
        return [i for i, edit in enumerate(edits) if edit["kind"] == kind and edit["note"] != "inside a passage"]

    added, dropped_rows = outside("added"), outside("dropped")
    if not added or not dropped_rows:
        return edits
    keys: dict[int, tuple] = {}

    def key(i: int) -> tuple:
        if i not in keys:
            keys[i] = word_key(edits[i]["text"])
        return keys[i]

    def first_word(i: int) -> str | None:
        """`key(i)[0]` without cutting the whole stretch into words."""
        text = edits[i]["text"]
        m = _WORD.search(text)
        # An ASCII opening up to the character after the first word: NFKC leaves it as it is.
        if m is not None and text[:m.end() + 1].isascii():
            return m.group().lower()
        if text.isascii():
            return None
        folded = unicodedata.normalize("NFKC", text)
        if len(folded) == len(text) and _FOLD_SPLITS.search(folded) is None:
            m = _WORD.search(folded)
            return m.group().casefold() if m else None
        return key(i)[0] if key(i) else None

    # Equal keys start with the same word: whole stretches are cut into words only
    # where the other side has a stretch that starts like them.
    first_added = {i: first_word(i) for i in added}
    first_dropped = {i: first_word(i) for i in dropped_rows}
    starting_added, starting_dropped = set(first_added.values()), set(first_dropped.values())
    dropped: dict[tuple, list[int]] = {}
    for i in dropped_rows:
        if first_dropped[i] in starting_added:
            dropped.setdefault(key(i), []).append(i)
    gone: set[int] = set()
    for i in added:
        if first_added[i] not in starting_dropped:
            continue
        matches = dropped.get(key(i))
        if matches:
            gone.update((i, matches.pop()))
    return [edit for i, edit in enumerate(edits) if i not in gone] if gone else edits


def _edit(source_id, copy_id, kind, copy_span=(None, None), source_span=(None, None), text=None,
          source_text=None, note=None) -> dict:
    return {"source": source_id, "copy": copy_id, "kind": kind, "copy_start": copy_span[0],
            "copy_end": copy_span[1], "source_start": source_span[0], "source_end": source_span[1],
            "text": text, "source_text": source_text, "note": note}


def _word_changes(source, copy, passage, source_id, copy_id) -> list[dict]:
    """Word-level differences inside one passage."""
    s_start, s_end, c_start, c_end, _ = passage
    ws, wc = words_of(source, s_start, s_end), words_of(copy, c_start, c_end)
    matcher = SequenceMatcher(None, [w for w, _, _ in ws], [w for w, _, _ in wc], autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        s_span = (ws[i1][1], ws[i2 - 1][2]) if i2 > i1 else (None, None)
        c_span = (wc[j1][1], wc[j2 - 1][2]) if j2 > j1 else (None, None)
        copy_text = copy[c_span[0]:c_span[1]] if c_span[0] is not None else None
        source_text = source[s_span[0]:s_span[1]] if s_span[0] is not None else None
        if op == "replace":
            out.append(_edit(source_id, copy_id, "changed", c_span, s_span, copy_text, source_text, "inside a passage"))
        elif op == "insert":
            out.append(_edit(source_id, copy_id, "added", c_span, text=copy_text, note="inside a passage"))
        else:
            out.append(_edit(source_id, copy_id, "dropped", source_span=s_span, text=source_text,
                             note="inside a passage"))
    return out


def copy_edits(source_facts, copy_facts, passages, settings: EditSettings = EditSettings()) -> list[dict]:
    """Added, dropped and changed spans of one copy against its source.

    `passages` are (source_start, source_end, copy_start, copy_end, identity);
    the facts give the texts and the spans to label (credit lines, feed footers).
    """
    source, copy = source_facts.text, copy_facts.text
    sid, cid = source_facts.id, copy_facts.id
    carried_s, carried_c = _carried_between(source, copy, passages, settings)
    covered_s = merge([(p[0], p[1]) for p in passages] + carried_s)
    covered_c = merge([(p[2], p[3]) for p in passages] + carried_c)
    out: list[dict] = []
    copy_notes, source_notes = copy_facts.notes(), source_facts.notes()
    for start, end in gaps(covered_c, len(copy)):
        for s, e in split_paragraphs(copy, start, end):
            if has_content(copy[s:e]):
                out.append(_edit(sid, cid, "added", (s, e), text=copy[s:e], note=_note(s, e, copy_notes)
                                 or _prose_note(copy_facts, s, e)))
    for start, end in gaps(covered_s, len(source)):
        for s, e in split_paragraphs(source, start, end):
            if has_content(source[s:e]):
                out.append(_edit(sid, cid, "dropped", source_span=(s, e), text=source[s:e],
                                 note=_note(s, e, source_notes) or _prose_note(source_facts, s, e)))
    for passage in passages:
        if passage[4] < settings.skip_identity:
            out.extend(_word_changes(source, copy, passage, sid, cid))
    out = _drop_moved(out)
    out.sort(key=lambda r: ({"added": 0, "dropped": 1, "changed": 2}[r["kind"]],
                            r["copy_start"] if r["copy_start"] is not None else r["source_start"]))
    return out


def _prose_note(facts, start: int, end: int) -> str | None:
    """'not prose' for a stretch with no sentence in it: a headline, a label, a list, page chrome."""
    return None if facts.prose[start:end].any() else "not prose"
