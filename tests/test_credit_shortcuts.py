"""The shortcuts of credit detection and provenance give the answers of the plain scans they replace.

Hints found in one pass (`substrings.SubstringSet`), anchors matched only
before their words (`credit._anchor_matches`), "This article ..." tried
only before its nouns (`credit._article_starts`), coverage counted on
slices (`spans.covered_count`), the ASCII text mask: each is checked
against the plain computation on texts built to hit their edge cases.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from copytrace.stages.provenance import credit
from copytrace.stages.provenance.credit import PATTERNS, _anchor_matches, scan_mentions
from copytrace.text.spans import covered_count, covered_share, merge, text_mask
from copytrace.text.substrings import SubstringSet

PIECES = [
    "Reuters", "Sputnik News", "The Daily Voice", "RT", "the ministry", "has", "has reported", "reported",
    "reports", "wrote", "writes", "said in a report", "said", "put it", "puts it", "noted", "explains",
    "As", "as", "This article", "The story", "this  post", "THE piece", "the report", "was", "originally",
    "first", "published", "appeared", "ran", "by", "on", "in", "at", "according to", "via", "Source:",
    "© 2024", "(c)", "Copyright", "Photo:", "Comment via", "Follow", "on Twitter", "The post", "appeared first on",
    "MOSCOW (Reuters) -", "courtesy of", "Reprinted from", "report", "article", "story", "other", "then",
    "İstanbul", "naïve", "café", "–", "—", "’", "\u00a0", ".", ",", ":",
]
SPACES = [" ", " ", " ", "  ", "\t", " \t ", "\n", "\n\n", "\u00a0", "\u2028"]


def random_texts(n: int, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(0, 40)):
            parts.append(rng.choice(PIECES))
            parts.append(rng.choice(SPACES))
        texts.append("".join(parts))
    return texts


TEXTS = random_texts(600) + [
    "", " ", "has", " has reported", "Reuters  has \t reported that", "Reuters has\treported", "x\thas reported",
    "AP said in a report", "As Reuters put\tit:", "As RT puts it,", "The article was originally published on RT.",
    "This  story ran on Sputnik News", "the\u00a0piece appeared in The Daily Voice", "THE ARTICLE ran at RT",
    "thereport", "this article appeared by", "other article published by RT",
]


def plain_patterns() -> list:
    """The English patterns without their shortcuts: every regex searched over the whole window."""
    return [replace(p, anchor_words=(), candidates=None, starts=()) for p in PATTERNS["en"]]


def test_substring_set_finds_what_in_finds():
    needles = ["wr", "report", "reported by", ")", "©", "(c)", " ran ", "put it", "é", "ßa", "aa", "aaa", "x"]
    found = SubstringSet(needles)
    for text in TEXTS + ["aaaa", "xaa", "ß", "ßa", "é", ")", "wr"]:
        for haystack in (text, text.lower()):
            assert found.present(haystack) == {n for n in needles if n in haystack}


def test_anchor_matches_are_the_anchor_regex_matches():
    anchored = [p for p in PATTERNS["en"] if p.anchor_words]
    assert anchored  # the name-first patterns ("X reports", "As X put it")
    for pattern in anchored:
        for text in TEXTS:
            expected = [(m.start(), m.end()) for m in pattern.anchor.finditer(text)]
            assert [(m.start(), m.end()) for m in _anchor_matches(pattern, text)] == expected, text


def test_scan_matches_the_plain_scan(monkeypatch):
    found = {text: [(c.as_dict(), c.match) for c in scan_mentions(text)] for text in TEXTS}
    monkeypatch.setitem(PATTERNS, "en", plain_patterns())
    monkeypatch.setattr(credit, "_HINT_SETS", {})
    plain = {text: [(c.as_dict(), c.match) for c in scan_mentions(text)] for text in TEXTS}
    assert found == plain
    assert sum(len(v) for v in found.values()) > 100  # the texts do hold credits


def test_article_credit_found_before_its_noun():
    (credit_line,) = [c for c in scan_mentions("Some text.\nThis  story ran on Sputnik News\n") if c.role == "credit"]
    assert (credit_line.kind, credit_line.name) == ("originally", "Sputnik News")


@pytest.mark.parametrize("text", ["plain ascii text\twith  spaces\n", "non ascii\u00a0text ’quoted’\u3000end", ""])
def test_text_mask_ascii_path(text):
    codes = np.array([ord(c) for c in text], dtype=np.int64)
    expected = ~np.isin(codes, [9, 10, 11, 12, 13, 32, 0xA0, 0x2028, 0x2029, 0x202F, 0x3000])
    assert text_mask(text).tolist() == expected.tolist()


def test_covered_count_is_covered_share():
    rng = np.random.default_rng(3)
    mask = rng.random(500) < 0.7
    total = int(mask.sum())
    for _ in range(200):
        spans = [(int(s), int(s + rng.integers(0, 80))) for s in rng.integers(-20, 520, size=rng.integers(1, 5))]
        merged = merge(spans)
        assert covered_count(mask, merged) / total == covered_share(mask, spans)
