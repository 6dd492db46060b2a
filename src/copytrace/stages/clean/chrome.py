"""Page chrome in plain text: which lines of a document are not its article.

Three kinds of evidence, each giving the reason a line is removed:

- lines a source repeats on many of its own pages (its template), learned
  per source and never across sources: syndicated text repeats across
  sources by nature, and is exactly what copytrace looks for;
- generic chrome patterns: player, share, navigation, comment, subscription,
  cookie and advertising lines, bare timestamps, photo credits and copyright
  notices;
- line density: runs of short lines without sentence punctuation (menus),
  runs of title-case headlines (related stories) and comma-separated lists
  of capitalized names (tags).

Credit lines ("Sputnik News reports", "The post ... appeared first on X.")
and the document's own title are never removed: they are evidence.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable
from dataclasses import dataclass
from functools import lru_cache

# Generic chrome patterns live in .patterns; pattern_reason is part of this module's interface too.
from copytrace.settings import ChromeSettings
from copytrace.stages.clean.patterns import _WORDS, _pattern_reason, pattern_reason  # noqa: F401

# --- line splitting -------------------------------------------------------


class Line:
    """One line of a document: 1-based number, offsets of its content (without the line break), text."""

    __slots__ = ("number", "start", "end", "text", "blank")

    def __init__(self, number: int, start: int, end: int, text: str) -> None:
        self.number, self.start, self.end, self.text = number, start, end, text
        self.blank = not text or text.isspace()  # what strip() would leave empty

    def __eq__(self, other) -> bool:
        return isinstance(other, Line) and (self.number, self.start, self.end, self.text) == (
            other.number, other.start, other.end, other.text)

    def __repr__(self) -> str:
        return f"Line({self.number}, {self.start}, {self.end}, {self.text!r})"


def split_lines(text: str) -> list[Line]:
    lines, start, number = [], 0, 0
    for piece in text.split("\n"):
        number += 1
        size = len(piece)
        content = piece[:-1] if piece.endswith("\r") else piece
        lines.append(Line(number, start, start + len(content), content))
        start += size + 1
    return lines


_DIGIT_RUN = re.compile(r"\d+")


_ASCII_DIGITS = "0123456789"


def _digits_folded(folded: str) -> str:
    if folded.isascii() and not any(digit in folded for digit in _ASCII_DIGITS):
        return folded  # nothing for the digit pattern to replace: skip its pass
    return _DIGIT_RUN.sub("0", folded)


def line_key(text: str) -> str:
    """What makes two lines the same template line: case, spacing and digits ignored."""
    return _digits_folded(" ".join(text.casefold().split()))


_HEAD = 8


class TemplateLookup:
    """One source's template lines, looked up by line without working out most lines' keys.

    A line's key starts like its case- and space-folded text up to the first
    digit; a line whose folded start holds no digit and begins no template
    line cannot be one, and skips the digit pattern's pass over the line.
    """

    __slots__ = ("pages", "heads", "found")

    def __init__(self, pages: dict[str, int]) -> None:
        self.pages = pages
        self.heads = {key[:_HEAD] for key in pages}
        self.found: dict[str, int | None] = {}  # line -> pages: a source's template lines recur on its pages

    def __bool__(self) -> bool:
        return bool(self.pages)

    def get(self, line: str) -> int | None:
        """On how many pages the template holds `line`, or None."""
        if line in self.found:
            return self.found[line]
        folded = " ".join(line.casefold().split())
        head = folded[:_HEAD]
        pages = None
        if head in self.heads or _DIGIT_RUN.search(head):
            pages = self.pages.get(_digits_folded(folded))
        if len(self.found) < _MEMO_LINES:
            self.found[line] = pages
        return pages


# --- credit lines are evidence, never chrome -------------------------------

_CREDIT_INSIDE = re.compile(
    # A clue must lead to a name ("first published on X"): "updated since it was
    # first published to include..." is a site's stock note, not a credit.
    r"appeared first on|originally (?:published|appeared|posted) (?:on|in|by|at)\b"
    r"|first (?:published|appeared) (?:on|in|by|at)\b"
    r"|(?:republished|reprinted|reproduced) (?:from|with|by)|courtesy of|this (?:article|story) (?:was|is) (?:from|by)"
)
_CREDIT_CLUES = ("first", "originally", "republished", "reprinted", "reproduced", "courtesy", "this article", "this story")
_CREDIT_START = re.compile(r"(?:source|sources|via|read more at|credit)\b")
_CREDIT_END = re.compile(r"\b(?:reports?|reported|writes|wrote)\s*[.:…]*$")


def is_credit(text: str) -> bool:
    """A line naming where the text comes from: evidence for provenance, never chrome."""
    folded = text.strip().casefold()
    if len(folded) > 400:
        return False
    if _CREDIT_START.match(folded) or _CREDIT_END.search(folded[-24:]):
        return True
    return any(clue in folded for clue in _CREDIT_CLUES) and bool(_CREDIT_INSIDE.search(folded))


# --- line density -----------------------------------------------------------

_SMALL_WORDS = frozenset(
    "a an the and or but nor for of to in on at by with from as vs via into over per up is are its it's be".split()
)
_SENTENCE_END = re.compile(r"[.!?…:;\"”’')\]]\s*$")


def _words(text: str) -> list[str]:
    return _WORDS.findall(text)


def is_title_case(text: str) -> bool:
    """A headline: 4 to 25 words, most content words capitalized, no closing full stop."""
    stripped = text.strip()
    if len(stripped) > 220 or stripped.endswith((".", ",", ";", ":")):
        return False
    # A lowercase ASCII token is one word, lowercase, and unless small a content word: with six of
    # them, fewer than 80% of at most 25 content words can be capitalized.
    lowercase = 0
    for token in stripped.split():
        if token.islower() and token.isalpha() and token.isascii() and token not in _SMALL_WORDS:
            lowercase += 1
            if lowercase == 6:
                return False
    words = _words(stripped)
    if not 4 <= len(words) <= 25:
        return False
    content = [w for w in words if w.casefold() not in _SMALL_WORDS]
    if len(content) < 3:
        return False
    return sum(w[0].isupper() for w in content) >= 0.8 * len(content)


_TAG_LEAD = re.compile(r"^(?:tags|topics|keywords|filed under)\s*:\s*", re.IGNORECASE)
_TAG_LEAD_FIRST = frozenset("tTkKfF\u212a")  # what the lead can start with, case-insensitively (U+212A: Kelvin sign)
_SENTENCE_END_CHARS = frozenset(".!?…:;\"”’')]")  # _SENTENCE_END on a stripped line
_TAG_SEPARATOR = re.compile(r"\s*[,|·•]\s*")


def is_tag_list(text: str) -> bool:
    """'Russia-NATO cooperation, NATO, Sergei Lavrov, Ukraine': three or more short capitalized items."""
    stripped = text.strip()
    if len(stripped) > 400 or "," not in stripped and ":" not in stripped and "|" not in stripped:
        return False
    body = stripped
    if stripped[0] in _TAG_LEAD_FIRST:
        body = _TAG_LEAD.sub("", stripped)
        if body != stripped and body:
            return True
    if stripped[-1] in _SENTENCE_END_CHARS and not stripped.endswith(("'", "’", ")")):
        return False
    first = stripped[0]  # the first item's first character (an empty first item fails below anyway)
    if not (first.isupper() or first == "#" or first.isdigit()):
        return False
    cut = _TAG_SEPARATOR.search(body)  # the first item (most lines fail on it, before the whole line is split)
    if cut is None or not 1 <= len(body[:cut.start()].split()) <= 4:
        return False
    items = [i.strip() for i in _TAG_SEPARATOR.split(body)]
    if len(items) < 3 or any(not i for i in items):
        return False
    return all(1 <= len(i.split()) <= 4 and (i[0].isupper() or i[0] == "#" or i[0].isdigit()) for i in items)


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def is_short_line(text: str) -> bool:
    """A menu-like line: at most 4 words (a CJK character counts as half a word), no sentence end."""
    stripped = text.strip()
    if len(stripped) > 40:
        return False
    words = len(_words(stripped)) + len(_UNSPACED.findall(stripped)) // 2
    return 0 < words <= 4 and len(stripped) <= 40 and not re.search(r"[.!?…。！？]['\"”’)」]?$", stripped)


def _runs(passing: list[bool], taken) -> list[list[int]]:
    """Runs of directly adjacent line indices (no blank line between) passing a test and not `taken`."""
    runs, current = [], []
    for i, ok in enumerate(passing):
        if ok and not taken(i):
            current.append(i)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    return runs


def _line_features(text: str) -> tuple[bool, bool, bool]:
    """(tag list, title case, short line) of one stripped line, each tested only if its cheap limits allow."""
    if not text:
        return False, False, False
    size = len(text)
    return (size <= 400 and is_tag_list(text),
            size <= 220 and text[-1] not in ".,;:" and is_title_case(text),
            size <= 40 and is_short_line(text))


def _density(features: list[tuple[bool, bool, bool]], excluded) -> dict[int, str]:
    """Line index -> reason, by density features (from `_line_features`, one per line).

    `excluded(i)` is asked only of lines a feature marks (it may be costly).
    """
    reasons: dict[int, str] = {}
    for i, (tag, _, _) in enumerate(features):
        if tag and not excluded(i):
            reasons[i] = "tag list"

    def taken(i: int) -> bool:
        return i in reasons or excluded(i)

    for run in _runs([title for _, title, _ in features], taken):
        if len(run) >= 2:
            reasons.update((i, f"headline list ({len(run)} title-case lines)") for i in run)
    for run in _runs([short for _, _, short in features], taken):
        if len(run) >= 3:
            reasons.update((i, f"link list ({len(run)} short lines)") for i in run)
    return reasons


def density_reasons(lines: list[Line], keep: set[int]) -> dict[int, str]:
    """Line number -> reason, for lines that density features mark as chrome (lines in `keep` never)."""
    found = _density([_line_features(line.text.strip()) for line in lines], lambda i: lines[i].number in keep)
    return {lines[i].number: reason for i, reason in found.items()}


# --- per-source template lines -------------------------------------------------


# Per source group: its template lines (line_key) and on how many distinct pages each was found.
Templates = dict[str, dict[str, int]]


def template_lines(groups: Iterable[tuple[str | None, str]], min_repeat: int) -> Templates:
    """Per source: the line keys found on at least `min_repeat` distinct pages, with their page counts."""
    from copytrace.stages.clean.templates import TemplateCounter

    counter = TemplateCounter(min_repeat)
    for source, text in groups:
        counter.add(source, text)
    return counter.templates()


# --- one document ----------------------------------------------------------------

# Verdicts on a line depend on its text alone, and chrome lines recur on page after page of their
# source: the verdicts on the last distinct lines seen are remembered (per process, bounded).
_MEMO_LINES = 1 << 16
_NO_FEATURES = (False, False, False)  # what _line_features gives an empty line or one over 400 characters


_pattern_memo = lru_cache(maxsize=_MEMO_LINES)(_pattern_reason)
_features_memo = lru_cache(maxsize=_MEMO_LINES)(_line_features)
_is_credit_memo = lru_cache(maxsize=_MEMO_LINES)(is_credit)
_line_key_memo = lru_cache(maxsize=_MEMO_LINES)(line_key)
_tag_memo = lru_cache(maxsize=_MEMO_LINES)(is_tag_list)
_title_memo = lru_cache(maxsize=_MEMO_LINES)(is_title_case)
_short_memo = lru_cache(maxsize=_MEMO_LINES)(is_short_line)




def chrome_reasons(
    text: str,
    template: dict[str, int] | TemplateLookup | None = None,
    source: str | None = None,
    title: str | None = None,
    options: ChromeSettings = ChromeSettings(),
    candidates: Container[int] | None = None,
    examined: Iterable[int] | None = None,
) -> dict[int, str]:
    """By line number (1-based, lines split at \\n), the reason each chrome line of `text` is removed.

    Credit lines and the title are kept; whether a line is one is asked only
    of lines some evidence marks (most lines are article text, marked by none).
    `candidates` (0-based line indices, `templates.template_candidates`): the
    only lines that can be in `template`; None: any line. `examined` (0-based
    line indices, ascending, holding `candidates`): the only lines a rule could
    hold (`gate.gated_lines`), the others are not asked; None: every line.
    """
    if examined is not None and (candidates is not None or not (options.repeated and template)):
        return _examined_reasons(text, template, source, title, options, candidates, examined)
    stripped = [piece.strip() for piece in text.split("\n")]
    title_key = line_key(title) if title else None
    kept: dict[int, bool] = {}

    def protected(i: int) -> bool:
        answer = kept.get(i)
        if answer is None:
            line = stripped[i]
            answer = kept[i] = _is_credit_memo(line) or bool(title_key and _line_key_memo(line) == title_key)
        return answer

    reasons: dict[int, str] = {}
    use_template = options.repeated and bool(template)
    if use_template and not isinstance(template, TemplateLookup):
        template = TemplateLookup(template)
    patterns = options.patterns
    for i, line in enumerate(stripped):
        if not line:
            continue
        reason = _pattern_memo(line) if patterns and len(line) <= 320 else None
        if reason is None and use_template and (candidates is None or i in candidates):
            pages = template.get(line)
            if pages:
                reason = f"repeated on {pages} pages of {source}"
        if reason and not protected(i):
            reasons[i] = reason
    if options.density:
        features = [_features_memo(line) if line and len(line) <= 400 else _NO_FEATURES for line in stripped]
        reasons.update(_density(features, lambda i: i in reasons or protected(i)))
    return {i + 1: reason for i, reason in sorted(reasons.items())}


def _examined_reasons(text, template, source, title, options, candidates, examined) -> dict[int, str]:
    """`chrome_reasons` asking its rules of the `examined` lines only (every other line: no rule holds it)."""
    pieces = text.split("\n")
    return line_reasons({i: pieces[i].strip() for i in examined}, template, source, title, options, candidates)


def line_reasons(stripped: dict[int, str], template, source, title, options, candidates,
                 rules: dict[int, int] | None = None) -> dict[int, str]:
    """`chrome_reasons` of a text given by its `examined` lines only: 0-based line index (ascending) -> the
    line stripped (`scan.scan_lines` finds them; every other line is one no rule holds). `rules`: per line,
    the `scan` bits of the rules that could hold it (the others are not asked); None: any rule. The clean
    stage's own way (`verdicts`), for one text."""
    from copytrace.stages.clean.verdicts import CANDIDATE, RULES, SourceVerdicts, document_reasons

    if template is not None and not isinstance(template, TemplateLookup):
        template = TemplateLookup(template)
    lines = [(i, line, (RULES if rules is None else rules[i]) | (CANDIDATE if candidates is None or i in candidates
                                                                 else 0))
             for i, line in stripped.items()]
    return document_reasons(lines, SourceVerdicts(template, source, options), title)


def _sparse_runs(indices: list[int], taken) -> list[list[int]]:
    """`_runs` of lines given by their ascending indices (every other line fails the test)."""
    runs, current = [], []
    for i in indices:
        if taken(i):
            if current:
                runs.append(current)
            current = []
            continue
        if current and i != current[-1] + 1:
            runs.append(current)
            current = []
        current.append(i)
    if current:
        runs.append(current)
    return runs


def _sparse_density(features: dict[int, tuple[bool, bool, bool]], excluded) -> dict[int, str]:
    """`_density` of the lines in `features` (ascending line index -> features; the other lines have none)."""
    reasons: dict[int, str] = {}
    for i, (tag, _, _) in features.items():
        if tag and not excluded(i):
            reasons[i] = "tag list"

    def taken(i: int) -> bool:
        return i in reasons or excluded(i)

    for run in _sparse_runs([i for i, (_, title, _) in features.items() if title], taken):
        if len(run) >= 2:
            reasons.update((i, f"headline list ({len(run)} title-case lines)") for i in run)
    for run in _sparse_runs([i for i, (_, _, short) in features.items() if short], taken):
        if len(run) >= 3:
            reasons.update((i, f"link list ({len(run)} short lines)") for i in run)
    return reasons


def chrome_lines(
    text: str,
    template: dict[str, int] | None = None,
    source: str | None = None,
    title: str | None = None,
    options: ChromeSettings = ChromeSettings(),
) -> tuple[list[Line], dict[int, str]]:
    """The document's lines and, by line number, the reason each chrome line is removed."""
    return split_lines(text), chrome_reasons(text, template, source, title, options)


def cleaned_text(lines: list[Line], reasons: dict[int, str]) -> str:
    """The kept lines, with blank lines collapsed where removed lines leave gaps."""
    kept: list[str] = []
    for line in lines:
        if line.number in reasons:
            continue
        if line.blank and (not kept or kept[-1] == ""):
            continue
        kept.append("" if line.blank else line.text.rstrip())
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept)
