"""Shortcuts of the per-document facts give the plain scans' answers (session 10, facts20).

Patterns opening with `^` are tried at line starts alone (`credit._line_starts`),
start-string places are shared between the patterns of one scan, and the
head-of-story cues are tried at line starts alone (`cues._search_lines`).
"""

from __future__ import annotations

from dataclasses import replace

from copytrace.stages.provenance import credit, cues, mentions
from copytrace.stages.provenance.credit import PATTERNS, _searcher, occurrences, scan_mentions

from test_credit_shortcuts import TEXTS

LINES = TEXTS + [
    "Source: Reuters\nSOURCES - The Daily Voice", "x\n  Source link: RT\n", "\n\nИсточник: РИА Новости",
    "МОСКВА, 4 дек — РИА Новости.\nтекст", "BEIJING, 4 dic (Xinhua) -- x", "a\n\tFuente: EFE\n", "Source:\n",
    "\nSource: Sputnik News\r\nSource: RT", "Kaynak: Anadolu Ajansı", "text\nQuelle: dpa\n\n",
]
HEADS = LINES + [
    "LONDON, Dec 4 (Reuters) - x", "\n\nBy Jill Lawless, Associated Press\nWASHINGTON (AP) — y",
    "A\nBRITAIN-WALES/\nEMBARGOED UNTIL now\n", "  \n MOSCOW, December 4. /TASS/. z", "x\n\n\n", "\n",
    "Embargoed until Monday\nENDS", " \n\n  \tBy Staff, PA News\n",
]


def line_patterns() -> list:
    found = [p for code in PATTERNS for p in PATTERNS[code] if p.candidates is credit._line_starts]
    assert {p.kind for p in found} >= {"source", "dateline"}
    return list({id(p): p for p in found}.values())


def test_line_start_patterns_match_as_a_search_does():
    for pattern in line_patterns():
        for text in LINES:
            lowered = text.lower()
            if len(lowered) != len(text):
                continue
            search = _searcher(pattern, text, lowered)
            for lo, hi in ((0, len(text)), (1, len(text)), (0, max(0, len(text) - 3))):
                got, want = search(lo, hi), pattern.regex.search(text, lo, hi)
                assert (got and got.span()) == (want and want.span()), (pattern.regex.pattern, text, lo, hi)


def test_scans_of_every_language_match_the_plain_scans(monkeypatch):
    languages = tuple(PATTERNS)
    found = {text: [(c.as_dict(), c.match) for c in scan_mentions(text, languages)] for text in LINES}
    for code in languages:
        monkeypatch.setitem(PATTERNS, code, [replace(p, candidates=None, starts=()) for p in PATTERNS[code]])
    monkeypatch.setattr(credit, "_HINT_SETS", {})
    for text in LINES:
        assert [(c.as_dict(), c.match) for c in scan_mentions(text, languages)] == found[text], text


def test_shared_places_are_the_places_of_each_start():
    text = "First, the © sign; (c) first (C) Copyright © first"
    places: dict = {}
    for pattern in PATTERNS["en"]:
        if pattern.starts and pattern.candidates is None:
            _searcher(pattern, text, text.lower(), places)
    for start, found in places.items():
        if isinstance(start, str):
            assert found == occurrences(start, text.lower())


def test_head_cues_are_found_at_line_starts_as_a_search_finds_them():
    for text in HEADS:
        head = text[: cues.HEAD_CHARS]
        for pattern in (cues.DATELINE, cues.BYLINE, cues.SLUG, cues.EMBARGO):
            got, want = cues._search_lines(pattern, head), pattern.search(head)
            assert (got and (got.span(), got.group())) == (want and (want.span(), want.group())), text
    assert [c.kind for c in cues.document_cues("LONDON, Dec 4 (Reuters) - Talks.\n(Reuters)")] == ["dateline", "credit"]


def test_a_held_text_lowered_around_is_the_whole_lowered():
    from copytrace.text.substrings import lowered_around

    texts = ["", "x", "via Reuters", "ort ed", "ΣΑΣ", "İST", "ap", "appeared first"]
    arounds = ["", "re", "rep", " on RT", "Σ", "ΟΔΟΣ ", "İ", "\n©", "via", "сначала", " на"]
    for text in texts:
        for before in arounds:
            for after in arounds:
                whole = before + text + after
                assert lowered_around(text, text.lower(), whole) == whole.lower(), (before, text, after)
        assert lowered_around(text + "!", (text + "!").lower(), "Elsewhere") == "elsewhere"


def test_credit_cue_is_the_regex_answer_where_an_agency_is_named_or_not():
    tails = ["- PA", "(Reuters)", "Additional reporting by AFP and staff.", "Source: AP", "dpa contributed to this report",
             "PA Media contributed to this story", "- Reuters\n", "A paper wrote this.", "(Daily Voice)", "JAPAN - AP",
             "Source:AP", "apropos nothing", "—\tXinhua  ", "Additional reporting by reuters"]
    bodies = ["", "Short.\n", "Body text of a story. " * 30 + "\n", "x" * 399 + "\n", "Reuters said so.\n" + "y" * 500 + "\n"]
    for body in bodies:
        for tail in tails:
            text = body + tail
            start = max(0, len(text) - cues.HEAD_CHARS)
            want = next(cues.CREDIT.finditer(text, start), None)
            got = [c for c in cues.document_cues(text) if c.kind == "credit"]
            assert [(c.start, c.end, c.text) for c in got] == ([(want.start(), want.end(), want.group())] if want else []), text


def test_chrome_parts_find_what_a_scan_of_the_whole_raw_text_finds(monkeypatch):
    """`document_mentions` reads the raw text's chrome with `CHROME_MARGIN` characters of the text around it:
    the same mentions as a scan of the whole raw text, whatever the mentions' places (in the chrome, across
    its edge with the text, in the text near or far from it, at the cut)."""
    languages = tuple(PATTERNS)
    body = "A paragraph of the story itself, long enough to be cut. " * 6 + "\n"
    inside = [body * k for k in (1, 4)]
    chrome = ["", "Home | World | Sport\n", "Follow The Daily Voice on Facebook and Twitter.\n",
              "The post Title here appeared first on Daily Voice.\n", "© 2024 RT\n", "\n\nSource: Sputnik News\n"]
    rows = []
    for k, mention in enumerate(LINES):  # each mention in the text far from the chrome, or in the chrome
        middle = inside[1] if k % 5 else inside[0]
        text = (middle + mention + "\n" + middle).strip("\n") or mention
        before, after = chrome[k % len(chrome)], chrome[(k + 2) % len(chrome)]
        if k % 2:
            rows.append({"text": text, "raw_text": before + text + "\n" + after})
        else:
            rows.append({"text": text, "raw_text": before + mention + " " + text + after + "\n" + LINES[k - 1]})
    # Lines at the two cuts that would make a mention if they met ("... via" + "Reuters News ..."): the parts
    # are joined by a line no pattern crosses.
    far = "words of the story " * 40
    text = far + "as shown via\n" + far + ".\nReuters News staff " + far
    rows.append({"text": text, "raw_text": "Home | World\n" + text + "\nFooter"})
    cut = sum(mentions.chrome_parts(r["raw_text"], r["text"], r["raw_text"].lower())[2] != (0, 0, 0) for r in rows)
    assert cut > len(rows) // 4  # the shortcut is taken, not only the fallback
    fast = [mentions.document_mentions(r, languages) for r in rows]
    monkeypatch.setattr(mentions, "chrome_parts", lambda raw, text, low: (raw, low, (0, 0, 0)))
    for k, (row, got) in enumerate(zip(rows, fast)):
        want = mentions.document_mentions(row, languages)
        assert [(c.as_dict(), c.match) for c in got] == [(c.as_dict(), c.match) for c in want], row
        if k % 4:
            continue  # the prior self-name scans (a document without metadata) on a quarter of the rows
        prior = mentions.self_scans(row, languages)
        monkeypatch.undo()
        with_prior = mentions.document_mentions(row, languages, prior=prior)
        monkeypatch.setattr(mentions, "chrome_parts", lambda raw, text, low: (raw, low, (0, 0, 0)))
        assert with_prior == mentions.document_mentions(row, languages, prior=prior), row
