"""The compiled line gate never rules out a line a chrome rule holds, and the gated path equals the reference.

Lines come from real pages (the extraction benchmark's HTML, its hand-checked bodies, NTREX news in
its languages) and from every rule's own vocabulary, each also bent the ways Unicode case and spacing
can bend it (upper and title case, characters whose case folding is special, odd spaces, \\r).
"""

from __future__ import annotations

import gzip
import json
import random
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from copytrace.stages.clean import _take_out
from copytrace.stages.clean.chrome import (
    ChromeSettings,
    TemplateLookup,
    _line_features,
    chrome_reasons,
    cleaned_text,
    line_key,
    split_lines,
)
from copytrace.stages.clean.gate import gated_lines
from copytrace.stages.clean.patterns import _NAV_LINES, _PATTERNS, _SHARE_WORDS, _TIME_WORDS, _pattern_reason

DATA = Path(__file__).parents[2] / "shared" / "data"
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)


def _page_lines() -> list[str]:
    """Lines of real pages: the HTML's text with its tags taken out (menus, footers, tags, share bars
    included), the hand-checked article bodies, and NTREX's news sentences."""
    lines: list[str] = []
    bench = DATA / "article-extraction-benchmark"
    if bench.is_dir():
        import html

        for path in sorted((bench / "html").glob("*.html.gz"))[:40]:
            text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            lines += html.unescape(_TAGS.sub("\n", text)).split("\n")
        for page in json.loads((bench / "ground-truth.json").read_text()).values():
            lines += (page.get("articleBody") or "").split("\n")
    ntrex = DATA / "ntrex"
    if ntrex.is_dir():
        for path in sorted(ntrex.glob("*.txt")):
            lines += path.read_text(encoding="utf-8").split("\n")[:60]
    return lines


def _rule_lines(rng: random.Random) -> list[str]:
    """Lines built from the rules' own words: navigation names, share bars, timestamps, clue phrases,
    tag lists, headlines, menus."""
    lines = list(_NAV_LINES)
    lines += [f"{a} {b}" for a, b in zip(_NAV_LINES, reversed(sorted(_NAV_LINES)))][:80]
    share = sorted(_SHARE_WORDS)
    time_words = sorted(_TIME_WORDS)
    for _ in range(300):
        lines.append(" | ".join(rng.sample(share, rng.randint(1, 9))))
        lines.append(f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d} " + " ".join(rng.sample(time_words, rng.randint(0, 4))))
        lines.append(f"{rng.randint(1, 31)} {rng.choice(time_words)} {rng.randint(1990, 2030)}")
    for _, clues, _ in _PATTERNS:
        for clue in clues:
            lines += [clue, f"{clue} our newsletter", f"Please {clue} us on Telegram today.",
                      f"{clue} " + "word " * 45 + ".", "x" * 75 + f" {clue}."]
    lines += ["Listen live", "Play video", "12:04 / 45:10", "3 comments", "Leave a reply", "Log in to comment",
              "© 2019 Reuters", "Photo: AFP/Getty Images", "(c) 2020 TASS", "Image by Sputnik",
              "Tags: Russia, NATO, Ukraine", "Topics:Lavrov", "KEYWORDS : a, b, c", "Filed under: World",
              "Russia-NATO cooperation, NATO, Sergei Lavrov, Ukraine", "#Russia, #NATO, #Lavrov",
              "2020, 2021, 2022", "Moscow | Kyiv | Minsk", "Oil · Gas · Coal", "Home • World • Sport",
              "Putin Meets Erdogan In Sochi For Talks", "The Kremlin Says No Deal On Grain Exports Yet",
              "Why The Ruble Fell And What Comes Next", "Home", "World", "Business", "Sport", "Opinion"]
    return lines


def _bent(line: str, rng: random.Random) -> list[str]:
    """The line as case and spacing bend it on real pages."""
    variants = [line.upper(), line.title(), line.swapcase(), f"  {line}\r", f"\u00a0{line}\u3000", f"» {line} «",
                f"— {line} —", f"{line}…", f"{line}.", f"{line}:", f"{line}!"]
    # characters whose case folding is special or matches ASCII only under IGNORECASE
    specials = {"k": "\u212a", "s": "\u017f", "i": "\u0130", "ss": "\u00df", "a": "\u00c5"}
    for plain, special in specials.items():
        if plain in line:
            variants.append(line.replace(plain, special, 1))
    variants.append(line.replace(" ", "  ").replace(" ", "\t", 1))
    variants.append(re.sub(r"\d", lambda m: rng.choice("٠١٢٣٤٥٦٧٨٩۱۲0123456789"), line))
    return variants


@pytest.fixture(scope="module")
def held(lines) -> list[bool]:
    return [_held(line) for line in lines]


@pytest.fixture(scope="module")
def lines() -> list[str]:
    rng = random.Random(19)
    base = _page_lines() + _rule_lines(rng)
    out = []
    for line in base:
        out.append(line)
        if len(line) <= 120 and rng.random() < 0.5:
            out += _bent(line, rng)
    return out


def _held(line: str) -> bool:
    """Whether any pattern or density feature holds the line (the reference rules)."""
    stripped = line.strip()
    if not stripped:
        return False
    return (len(stripped) <= 320 and _pattern_reason(stripped) is not None) or (
        len(stripped) <= 400 and any(_line_features(stripped)))


def _flagged(texts: list[str]) -> set[tuple[int, int]]:
    row_pos, line = gated_lines(pa.array(texts, pa.large_string()), np.arange(len(texts)))
    return set(zip(row_pos.tolist(), line.tolist()))


def test_gate_flags_every_line_a_rule_holds(lines, held):
    assert sum(held) > 1000  # the test sees many lines the rules hold, of every kind
    flagged = _flagged(lines)  # one line per text
    missed = [line for k, line in enumerate(lines) if held[k] and (k, 0) not in flagged]
    assert missed == []
    # and it rules out most article text, which is what makes it worth its pass
    prose = [k for k, line in enumerate(lines) if len(line.strip()) > 200 and not held[k]]
    assert sum((k, 0) not in flagged for k in prose) > 0.5 * len(prose)


def test_gate_reads_lines_inside_texts(lines, held):
    """The same lines grouped into documents (line indices, blank lines, \\r\\n endings, empty texts)."""
    rng = random.Random(7)
    texts, where = [], []
    k = 0
    while k < len(lines):
        size = rng.randint(0, 30)
        chunk = lines[k:k + size]
        start, k = k, k + len(chunk)
        sep = "\r\n" if rng.random() < 0.2 else "\n"
        texts.append(sep.join(chunk))
        where.append(range(start, k))
    flagged = _flagged(texts)
    for r, chunk in enumerate(where):
        for i, k in enumerate(chunk):
            if held[k]:
                assert (r, i) in flagged, lines[k]


def _documents(lines: list[str], rng: random.Random) -> list[str]:
    texts = []
    for _ in range(400):
        chunk = rng.sample(lines, rng.randint(1, 40))
        for _ in range(rng.randint(0, 5)):
            chunk.insert(rng.randint(0, len(chunk)), rng.choice(["", "  ", "\t"]))
        texts.append("\n".join(chunk))
    return texts


def test_gated_reasons_equal_the_reference(lines):
    rng = random.Random(3)
    texts = _documents(lines, rng)
    # a template holding some of the lines, as a source's repeated lines would be
    template = TemplateLookup({line_key(line): 5 for line in rng.sample(lines, 400) if line.strip()})
    row_pos, line = gated_lines(pa.array(texts, pa.large_string()), np.arange(len(texts)))
    cuts = np.searchsorted(row_pos, np.arange(len(texts) + 1))
    same = 0
    for r, text in enumerate(texts):
        gated = line[cuts[r]:cuts[r + 1]].tolist()
        candidates = {i for i, piece in enumerate(text.split("\n")) if piece.strip() and line_key(piece) in template.pages}
        examined = sorted(set(gated) | candidates)
        title = rng.choice(text.split("\n"))
        for options in (ChromeSettings(), ChromeSettings(density=False), ChromeSettings(patterns=False)):
            expected = chrome_reasons(text, template, "site", title, options, candidates)
            assert chrome_reasons(text, template, "site", title, options, candidates, examined) == expected
            same += bool(expected)
    assert same > 100  # most documents have lines taken out: the comparison is not of empty answers


def test_take_out_equals_the_line_loop(lines):
    rng = random.Random(5)
    for text in _documents(lines, rng):
        pieces = text.split("\n")
        if rng.random() < 0.3:
            text = "\r\n".join(pieces) + rng.choice(["", "\n", "\n \n"])
            pieces = text.split("\n")
        reasons = {n: "r" for n in sorted(rng.sample(range(1, len(pieces) + 1), rng.randint(1, len(pieces))))}
        removed = {name: [] for name in ("id", "line", "start", "end", "text", "reason")}
        assert _take_out(text, reasons, "d", removed) == cleaned_text(split_lines(text), reasons)
        by_line = {line.number: line for line in split_lines(text)}
        assert removed["line"] == list(reasons)
        for n, start, end, piece in zip(removed["line"], removed["start"], removed["end"], removed["text"]):
            assert (start, end, piece) == (by_line[n].start, by_line[n].end, by_line[n].text)
