"""The clean stage's one compiled pass (`stages/clean/scan.py`) against the plain Python rules.

Line bounds (in characters, as Python slices a str) against `str.split`, template candidates against the
keys `line_key` gives, and each rule bit against the rule itself, on tricky lines: Unicode (characters of
2, 3 and 4 bytes, characters whose case folding is special, Unicode spaces), empty and blank lines, CRLF,
very long lines; and the cleaned documents of `clean_stage` against `chrome_reasons` asked of every line.
"""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from copytrace.stages.clean import clean_stage, learn_templates, source_group
from copytrace.stages.clean.chrome import (
    ChromeSettings, TemplateLookup, _line_features, chrome_reasons, cleaned_text, line_key, split_lines)
from copytrace.stages.clean.patterns import _pattern_reason
from copytrace.stages.clean.scan import CANDIDATE, HEADLINE, PATTERN, RULES, SHORT, TAG, scan_lines
from copytrace.stages.clean.templates import LineKeys, _utf8, fold_table, key_hashes, line_hashes, with_group
from copytrace.settings import CleanSettings

from test_clean_gate import _bent, _page_lines, _rule_lines

TRICKY = [
    "", " ", "\t", "\r", "\u00a0", "\u3000 \u2003", "x", "Home", "Home\r", "  Sport  ", "ß", "STRASSE straße",
    "İstanbul", "ﬁnance ﬂow", "\U00030000 beyond the table", "Ǆ digraph", "ΣΑΣ σας ς", "Kelvin \u212a", "ſport",
    "日本語のニュース、東京、大阪、京都", "Новости дня: Москва, Киев, Минск", "مرحبا بالعالم", "👍 Share 👍",
    "© 2021 Reuters", "Photo: AFP/Getty Images", "Follow us on Twitter", "12:04 PM", "Tags: Russia, NATO, Ukraine",
    "Putin Meets Erdogan In Sochi For Talks", "a" * 400, "a" * 401, "word " * 80, ("x" * 399 + " ") * 3,
    "é" * 500, "Ж" * 401 + " photo", "日" * 1000, "Sign up " + "ü" * 395, "1 2 3 4 5 6 7 8 9 10 11 12",
    "\u2028line separator\u2029", "\x1c\x1d\x1e\x1fcontrol spaces", "tab\tseparated\tmenu", "…", "— • —",
    "photo " * 2000 + "é",
]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    rng = random.Random(23)
    out = list(TRICKY)
    for line in _page_lines() + _rule_lines(rng):
        out.append(line)
        if len(line) <= 120 and rng.random() < 0.3:
            out += _bent(line, rng)
    return out


def _rule_bits(line: str) -> int:
    """The bits of the rules that hold `line` (the reference: the Python rules themselves)."""
    stripped = line.strip()
    if not stripped:
        return 0
    bits = PATTERN if len(stripped) <= 320 and _pattern_reason(stripped) is not None else 0
    if len(stripped) <= 400:
        tag, title, short = _line_features(stripped)
        bits |= (TAG if tag else 0) | (HEADLINE if title else 0) | (SHORT if short else 0)
    return bits


def _scan(texts, groups=None, wanted=None):
    row_pos, line, first, end, flags, _, _ = scan_lines(pa.array(texts, pa.large_string()), np.arange(len(texts)), groups,
                                                        wanted)
    return {(r, i): (a, b, f) for r, i, a, b, f in zip(row_pos.tolist(), line.tolist(), first.tolist(), end.tolist(),
                                                       flags.tolist())}


def test_every_rule_holding_a_line_has_its_bit(lines):
    found = _scan(lines)  # one line per text
    held = 0
    for k, line in enumerate(lines):
        bits = _rule_bits(line)
        held += bool(bits)
        got = found.get((k, 0), (0, 0, 0))[2]
        assert bits & ~got == 0, (line, bits, got)
        assert got & ~RULES == 0  # no candidate without templates
    assert held > 1000


def _all_keys(texts: list[str]) -> np.ndarray:
    """The hashes (group 0) of every line key of `texts`: each non-blank line is then a candidate."""
    keys = sorted({line_key(piece) for text in texts for piece in text.split("\n") if piece.strip()})
    return np.unique(with_group(key_hashes(keys), np.zeros(len(keys), dtype=np.int64)))


def _texts(lines: list[str], rng: random.Random) -> list[str]:
    texts = ["", "\n", "\r\n", "\n\n\n", "a\rb\nc", TRICKY[-1]]
    k = 0
    while k < len(lines):
        chunk = lines[k:k + rng.randint(0, 25)]
        k += max(len(chunk), 1)
        for _ in range(rng.randint(0, 4)):
            chunk.insert(rng.randint(0, len(chunk)), rng.choice(["", " ", "\r", "\u00a0\t"]))
        text = ("\r\n" if rng.random() < 0.25 else "\n").join(chunk)
        texts.append(text + rng.choice(["", "\n", "\r\n", " "]))
    return texts


def test_line_bounds_are_str_slices(lines):
    rng = random.Random(11)
    texts = _texts(lines, rng)
    found = _scan(texts, np.zeros(len(texts), dtype=np.int64), _all_keys(texts))
    for r, text in enumerate(texts):
        for i, piece in enumerate(text.split("\n")):
            if not piece.strip():
                assert (r, i) not in found or found[(r, i)][2] & CANDIDATE == 0
                continue
            first, end, flags = found[(r, i)]  # every non-blank line: its key is one of the template's
            assert flags & CANDIDATE
            assert text[first:end] == piece
            assert first == sum(len(p) + 1 for p in text.split("\n")[:i])


def _unreadable(line: str) -> bool:
    table = fold_table()
    return any(ord(ch) >= len(table) or table[ord(ch)] == -3 for ch in line)


def test_candidates_are_the_template_lines(lines):
    rng = random.Random(13)
    texts = _texts(lines, rng)
    groups = [rng.randint(-1, 2) for _ in texts]  # -1: a source without a template
    keys = {g: {line_key(line) for line in rng.sample(lines, 300) if line.strip()} for g in range(3)}
    wanted = np.unique(np.concatenate([with_group(key_hashes(sorted(k)), np.full(len(k), g, dtype=np.int64))
                                       for g, k in keys.items()]))
    found = _scan(texts, np.array(groups, dtype=np.int64), wanted)
    hits = 0
    for r, text in enumerate(texts):
        for i, piece in enumerate(text.split("\n")):
            flagged = bool(found.get((r, i), (0, 0, 0))[2] & CANDIDATE)
            expected = groups[r] >= 0 and bool(piece.strip()) and line_key(piece) in keys[groups[r]]
            hits += expected
            # a line the hash cannot key is a candidate (its key is then checked); any other is one if in the template
            assert flagged == expected or (flagged and groups[r] >= 0 and _unreadable(piece)), (piece, groups[r])
    assert hits > 200


def test_line_keys_learnt_give_the_template_lines_exactly(lines):
    # The key hashes learning worked out (`line_hashes`, `LineKeys`) read instead of hashing: the candidates are
    # the template lines exactly, lines Python must key included (their hash is then known).
    rng = random.Random(13)
    texts = _texts(lines, rng)
    groups = [rng.randint(-1, 2) for _ in texts]
    keys = {g: {line_key(line) for line in rng.sample(lines, 300) if line.strip()} for g in range(3)}
    wanted = np.unique(np.concatenate([with_group(key_hashes(sorted(k)), np.full(len(k), g, dtype=np.int64))
                                       for g, k in keys.items()]))
    array = pa.array(texts, pa.large_string())
    rows = np.array([r for r, g in enumerate(groups) if g >= 0], dtype=np.int64)
    row_pos, line, hashes, _ = line_hashes(array, rows, texts.__getitem__)
    learnt = LineKeys(rows[row_pos], line, hashes)
    row_pos, line, _, _, flags, _, _ = scan_lines(array, np.arange(len(texts)), np.array(groups, dtype=np.int64),
                                                  wanted, line_keys=learnt)
    found = {(r, i) for r, i, f in zip(row_pos.tolist(), line.tolist(), flags.tolist()) if f & CANDIDATE}
    expected = {(r, i) for r, text in enumerate(texts) if groups[r] >= 0 for i, piece in enumerate(text.split("\n"))
                if piece.strip() and line_key(piece) in keys[groups[r]]}
    assert found == expected and len(expected) > 200
    assert any(_unreadable(texts[r].split("\n")[i]) for r, i in expected)  # lines Python keys among them
    # The rule bits are the scan's own either way.
    plain = _scan(texts, np.array(groups, dtype=np.int64), wanted)
    assert {k: f & RULES for k, (_, _, f) in plain.items() if f & RULES} == {
        (r, i): f & RULES for r, i, f in zip(row_pos.tolist(), line.tolist(), flags.tolist()) if f & RULES}


def test_clean_stage_with_the_line_keys_learnt_equals_without(lines):
    texts, table, groups, templates = _pages(lines, 17, 4)
    learnt = []
    learn_templates(table, CleanSettings(), line_keys=lambda k, keys: learnt.append(keys))
    assert len(learnt) == 1 and len(learnt[0].row) > 100
    for chrome in (ChromeSettings(), ChromeSettings(density=False)):
        plain = clean_stage(table, CleanSettings(chrome=chrome), templates=templates)
        read = clean_stage(table, CleanSettings(chrome=chrome), templates=templates, line_keys=learnt[0])
        assert read.documents.equals(plain.documents) and read.removed.equals(plain.removed)
        assert [r.as_dict() for r in read.rejects] == [r.as_dict() for r in plain.rejects]
        assert any(reason.startswith("repeated on") for reason in read.removed["reason"].to_pylist())


def _table(texts: list[str], rng: random.Random) -> pa.Table:
    n = len(texts)
    return pa.table({
        "id": [f"d{i}" for i in range(n)], "text": pa.array(texts, pa.large_string()),
        "url": [f"https://site{i % 3}.example/{i}" for i in range(n)], "source": [f"site{i % 3}" for i in range(n)],
        "date": [None] * n, "title": [rng.choice(t.split("\n")) for t in texts],
        "html": pa.array([None] * n, pa.large_string()), "origin": [f"f.jsonl:{i}" for i in range(n)]})


def _pages(lines: list[str], seed: int, pages: int):
    """Texts of the tricky lines, their table, each one's source group, and a template per group (`pages`)."""
    rng = random.Random(seed)
    texts = [t for t in _texts(lines, rng) if t.strip()]
    table = _table(texts, rng)
    groups = [source_group(s, u) for s, u in zip(table["source"].to_pylist(), table["url"].to_pylist())]
    templates = {g: {line_key(line): pages for line in rng.sample(lines, 200) if line.strip()} for g in set(groups)}
    return texts, table, groups, templates


def test_clean_stage_equals_the_rules_asked_of_every_line(lines):
    texts, table, groups, templates = _pages(lines, 17, 4)
    for chrome in (ChromeSettings(), ChromeSettings(density=False), ChromeSettings(patterns=False),
                   ChromeSettings(repeated=False)):
        cleaned = clean_stage(table, CleanSettings(chrome=chrome), templates=templates)
        got = dict(zip(cleaned.documents["id"].to_pylist(), cleaned.documents["text"].to_pylist()))
        rejected = {r.id for r in cleaned.rejects}
        changed = 0
        for i, text in enumerate(texts):
            reasons = chrome_reasons(text, TemplateLookup(templates[groups[i]]), f"site{i % 3}", table["title"][i].as_py(),
                                     chrome)
            expected = cleaned_text(split_lines(text), reasons) if reasons else text
            if not expected.strip():
                assert f"d{i}" in rejected
                continue
            assert got[f"d{i}"] == expected
            changed += expected != text
        assert changed > 50


def test_removed_lines_are_the_rules_reasons_with_their_offsets(lines):
    # The removed table, row for row: each document's lines `chrome_reasons` removes, in line order, with the
    # line's offsets into the raw text and its text as `split_lines` gives it (`verdicts` judges each distinct line
    # once).
    texts, table, groups, templates = _pages(lines, 23, 5)
    cleaned = clean_stage(table, CleanSettings(), templates=templates)
    expected = []
    for i, text in enumerate(texts):
        reasons = chrome_reasons(text, TemplateLookup(templates[groups[i]]), f"site{i % 3}", table["title"][i].as_py())
        by_number = {line.number: line for line in split_lines(text)}
        for number, reason in reasons.items():
            line = by_number[number]
            expected.append((f"d{i}", number, line.start, line.end, line.text, reason))
    removed = cleaned.removed.to_pydict()
    got = list(zip(removed["id"], removed["line"], removed["start"], removed["end"], removed["text"], removed["reason"]))
    assert got == expected
    assert len({reason for *_, reason in got}) > 3  # patterns, templates and density runs among them


def test_verdicts_read_the_scans_flag_bits():
    from copytrace.stages.clean import scan, verdicts

    assert (verdicts.CANDIDATE, verdicts.PATTERN, verdicts.TAG, verdicts.HEADLINE, verdicts.SHORT) == (
        scan.CANDIDATE, scan.PATTERN, scan.TAG, scan.HEADLINE, scan.SHORT)


def test_take_out_equals_cleaned_text(lines):
    """The compiled take-out against `cleaned_text`: blank runs, CRLF, Unicode spaces at line ends."""
    from copytrace.stages.clean.take_out import take_out

    rng = random.Random(29)
    texts = _texts(lines, rng)
    ends = [" ", "\t", "\r", "\u00a0", "\u3000", "\u2029", "\x85", "\x1f", "é", ""]
    texts = ["\n".join(piece + rng.choice(ends) * rng.randint(0, 2) for piece in text.split("\n")) for text in texts]
    texts += ["a\n\n\n b \n\n", "\n\n x", " \u00a0\n\u3000\nx\u00a0", "x\r\n\r\n\r\ny\r\n"]
    changed, taken = [], []
    for r, text in enumerate(texts):
        count = text.count("\n") + 1
        if rng.random() < 0.8:
            changed.append(r)
            taken.append(sorted(rng.sample(range(count), rng.randint(0, count))))
    array, empty = take_out(pa.array(texts, pa.large_string()), changed, taken)
    got = array.to_pylist()
    by_row = dict(zip(changed, zip(taken, empty.tolist())))
    for r, text in enumerate(texts):
        if r not in by_row:
            assert got[r] == text
            continue
        lines_out, nothing = by_row[r]
        expected = cleaned_text(split_lines(text), {i + 1: "r" for i in lines_out})
        assert got[r] == expected, (text, lines_out)
        assert nothing == (not expected.strip())
    assert len(changed) > 100


def _tag_like_lines(rng: random.Random) -> list[str]:
    """Lines around `is_tag_list`'s edges: items after each separator (, | · •, Unicode spaces around them)
    starting upper-case, with a digit, '#', lower-case or nothing; and prose with commas."""
    starts = ["Nato", "nato", "#nato", "2026 Games", "Ünited", "über", "İstanbul", "ǅ", "١٢ Arabic digits", "", " ", "ß"]
    seps = [",", ", ", " , ", "|", " | ", "·", " • ", ",\u00a0", "\u2003,\u3000", ",,"]
    out = []
    for _ in range(3000):
        items = [rng.choice(starts[:4]) + rng.choice(["", " Talks", " of the Week"])]
        for _ in range(rng.randint(0, 5)):
            start = rng.choice(starts if rng.random() < 0.2 else ["Nato", "#nato", "2026 Games", "Ünited"])
            items.append(start + rng.choice(["", " Cup", " Cup", " and more words here"]))
        line = items[0]
        for item in items[1:]:
            line += rng.choice(seps if rng.random() < 0.2 else [",", ", ", " | "]) + item
        out.append(line + rng.choice(["", "", "", " ", ",", " |", "\u00a0", ".", "'"]))
    out += ["First of all, this is not, as they say, News", "According to The Version Times, Moscow, Kyiv",
            "Russia, NATO, Sergei Lavrov, Ukraine", "Russia,NATO,Lavrov", "Russia, NATO,", "Russia, , NATO, Kyiv",
            "Tags: russia, nato", "Sport | Politics | World", "A, B", "A · B · C"]
    return out


def _long_lines(rng: random.Random) -> list[str]:
    """Lines of 300 to 420 characters (a pattern holds only lines of at most 320), with a clue word or an
    unreadable character ('ß', beyond the table) late in the line, ASCII or not at either end."""
    words = ["subscribe", "newsletter", "cookies", "photo", "the", "report", "said", "minister", "©", "ß", "\U00030000"]
    out = []
    for _ in range(1500):
        size = rng.randint(300, 420)
        body = " ".join(rng.choice(words[:8] + ["alpha", "beta", "gamma", "delta"] * 4) for _ in range(size // 6))
        tail = rng.choice(["", " " + rng.choice(words), " é", "\u00a0"])
        line = (rng.choice(["", "  ", "\u3000", "É"]) + body)[:size] + tail
        out.append(line + rng.choice(["", ".", " ", "é"]))
    for size in range(300, 341):  # a subscription line of at most 40 words, around 320 characters
        line = "Subscribe to our newsletter " + " ".join(["Extraordinarily"] * 40)
        out.append(rng.choice(["", " ", "É"]) + line[:size].rstrip() + rng.choice(["", ".", " "]))
    return out


def _headline_like_lines(rng: random.Random) -> list[str]:
    """Lines around `is_title_case`'s edges: capitalized, lower-case and small words, apostrophes joining
    words, digits inside words, non-ASCII capitals and lower-case letters, letters with no case."""
    words = ["Putin", "Meets", "Erdogan", "the", "The", "of", "in", "talks", "sochi", "Don't", "don't", "O'Neil",
             "Élysée", "élysée", "İstanbul", "ǅemal", "東京", "Covid19", "G7", "x2y", "’Tis", "A", "a", "—", "2026"]
    out = []
    for _ in range(3000):
        line = " ".join(rng.choice(words[:3] * 3 + words) for _ in range(rng.randint(6, 16)))
        out.append(line + rng.choice(["", "", "?", "!", ".", ":", " "]))
    long = ["Extraordinarily", "Unprecedented", "Parliamentary", "Negotiations", "of", "the", "negotiations"]
    for _ in range(300):  # 3 to 5 long words: over 40 characters
        out.append(" ".join(rng.choice(long) for _ in range(rng.randint(3, 5))))
    return out


def test_tag_lists_headlines_and_long_lines_keep_their_bits():
    rng = random.Random(7)
    lines = _tag_like_lines(rng) + _long_lines(rng) + _headline_like_lines(rng)
    found = _scan(lines)
    held = ruled_out = long_patterns = headlines = 0
    for k, line in enumerate(lines):
        bits = _rule_bits(line)
        got = found.get((k, 0), (0, 0, 0))[2]
        assert bits & ~got == 0, (line, bits, got)
        held += bool(bits & TAG)
        headlines += bool(bits & HEADLINE) and len(line.strip()) > 40
        long_patterns += bool(bits & PATTERN) and len(line.strip()) > 300
        ruled_out += not got
    assert held > 100 and ruled_out > 500 and long_patterns > 10 and headlines > 100  # the gate rules lines out, not only lets them through


def test_byte_bounds_give_each_flagged_line_as_its_characters_do():
    """Chrome removal decodes only the flagged lines, from their bytes: the same text as slicing by characters,
    across multi-byte characters, '\\r\\n' breaks, a sliced array and a null."""
    texts = ["Réservé aux abonnés\r\nLe président a déclaré, selon l’agence, que la réunion aurait lieu.\r\n"
             "Share on Facebook\r\n", None, "Поделиться\n\nПодписывайтесь на наш канал в Telegram\n読む 🙂 Share",
             "Follow us on Twitter"]
    array = pa.array(["ignored"] + texts, pa.large_string()).slice(1)
    rows = np.arange(len(texts))
    row_pos, line, first, end, flags, byte_from, byte_to = scan_lines(array, rows)
    assert len(row_pos) >= 5
    data = memoryview(_utf8(array)[0])
    for r, a, b, s, e in zip(row_pos.tolist(), first.tolist(), end.tolist(), byte_from.tolist(), byte_to.tolist()):
        assert str(data[s:e], "utf-8") == (texts[r] or "")[a:b]
