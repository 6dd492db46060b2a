"""Cues in a document's own text of agency copy and of a paper's copy of it.

Wire copy carries the agency's conventions; a paper that runs it strips
most of them and often credits the agency instead:

agency copy (the source side):
  dateline   "LONDON, Dec 4 (Reuters) -", "WASHINGTON (AP) —", "BEIJING, Dec. 4 (Xinhua) --",
             "MOSCOW, December 4. /TASS/.", "МОСКВА, 4 дек - РИА Новости." at the head of the story;
  byline     "By Staff, PA News", "By Jill Lawless, Associated Press";
  slug       a catchline of capitals joined by - or / on a line of its own ("BRITAIN-WALES/");
  embargo    "EMBARGOED UNTIL 00:01 GMT ...", "Embargo: ...";
  end mark   "ends", "-30-", "###", "Enditem", "bur/jl", "(Reporting by ...; Editing by ...)" as the last line;
derived copy (the copy side):
  credit     the agency credited by the paper: "- PA", "(Reuters)" alone on the last line,
             "Additional reporting by Reuters", "Source: AP", "AFP contributed to this report".

A dateline counts only when it names an agency (`AGENCIES`) after a place in
capitals: "(Daily Voice) —" is a credit line of a site, left to `credit`.
`document_cues(text)` returns them, each with its span; `agency_balance`
sums them (agency cues up, derived cues down) for the direction score.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

AGENCIES = (r"Reuters|AP|Associated Press|AFP|Agence France-Presse|Xinhua|UPI|dpa|DPA|ANSA|EFE|Bloomberg|PA"
            r"|PA Media|Press Association|IANS|PTI|Kyodo|Yonhap|Anadolu|Interfax|Bernama|Antara")
_PLACE = r"[A-ZÀ-ÝА-Я][A-ZÀ-ÝА-Я .'’\-]{1,30}"
_DATE = r"(?:,\s*(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+\w+)(?:,\s*\d{4})?)?"
DATELINE = re.compile(
    rf"^\s*{_PLACE}{_DATE}\s*\((?:{AGENCIES})\)\s*[-–—]+"
    rf"|^\s*{_PLACE},\s*(?:[A-Z][a-z]+|\d{{1,2}}\s+\w+)\.?\s*\d{{0,2}}\.\s*/(?:ITAR-)?TASS/\."
    rf"|^\s*{_PLACE},\s*\d{{1,2}}\s+\w+\.?\s*[-–—]\s*(?:РИА Новости|RIA Novosti|ТАСС|Интерфакс)",
    re.MULTILINE)
BYLINE = re.compile(rf"^\s*By\s+[\w .'’\-]{{2,40}},\s*(?:{AGENCIES})(?:\s+(?:News|Media|Writer|Reporter))?\s*$",
                    re.MULTILINE)
SLUG = re.compile(r"^\s*[A-Z]{2,}(?:[-/][A-Z0-9]{2,})+/?\s*$", re.MULTILINE)
EMBARGO = re.compile(r"^\s*EMBARGO(?:ED)?\b.*$|^\s*Embargo(?:ed)?\s*(?::|until)\b.*$", re.MULTILINE)
END_MARK = re.compile(r"^\s*(?:ends|ENDS|-30-|#{3}|Enditem|ENDITEM|bur/\w+|\(Reporting by [^()]{3,160}\))\.?\s*$", re.MULTILINE)
CREDIT = re.compile(
    rf"^\s*[-–—]\s*(?:{AGENCIES})\s*$|^\s*\((?:{AGENCIES})\)\s*$"
    rf"|\bAdditional reporting by (?:{AGENCIES})\b|^\s*Source:\s*(?:{AGENCIES})\s*$"
    rf"|\b(?:{AGENCIES})(?: Media)? contributed to this (?:report|story)", re.MULTILINE)
# Every credit cue names an agency, as written: where no name is in the tail, CREDIT (its alternatives
# tried at every character, 80 us a document) is not run (5 us for this search).
_AGENCY_NAME = re.compile(AGENCIES)
HEAD_CHARS = 400  # marks of the head of a story: within its first characters
WEIGHTS = {"dateline": 2.0, "byline": 1.5, "slug": 1.0, "embargo": 1.5, "end mark": 1.5, "credit": 1.5}
SIDE = {"credit": "derived"}


@dataclass(frozen=True)
class Cue:
    kind: str  # dateline | byline | slug | embargo | end mark | credit
    text: str
    start: int
    end: int

    @property
    def side(self) -> str:
        """'agency' (the text is the agency's copy) or 'derived' (a paper's copy of it)."""
        return SIDE.get(self.kind, "agency")

    @property
    def weight(self) -> float:
        return WEIGHTS[self.kind]

    def describe(self) -> str:
        return f"{self.kind} {self.text.strip()[:60]!r}"


def document_cues(text: str) -> list[Cue]:
    """The agency and derived-copy cues of one document, in text order."""
    found: list[Cue] = []
    head = text[:HEAD_CHARS]
    for kind, pattern in (("dateline", DATELINE), ("byline", BYLINE), ("slug", SLUG), ("embargo", EMBARGO)):
        m = _search_lines(pattern, head)
        if m:
            found.append(Cue(kind, m.group(), m.start(), m.end()))
    tail_start = _last_line_start(text)
    m = END_MARK.match(text, tail_start)
    if m:
        found.append(Cue("end mark", m.group(), m.start(), m.end()))
    tail = max(0, len(text) - HEAD_CHARS)
    if _AGENCY_NAME.search(text, tail):
        for m in CREDIT.finditer(text, tail):
            found.append(Cue("credit", m.group(), m.start(), m.end()))
            break
    return sorted(found, key=lambda c: c.start)


def _search_lines(pattern: re.Pattern, text: str) -> re.Match | None:
    """`pattern.search(text)` for a pattern whose every branch opens with `^` (multi-line): tried at line starts
    alone, in order, since no match can begin elsewhere (a search tries every character)."""
    at = 0
    while at >= 0:
        m = pattern.match(text, at)
        if m is not None:
            return m
        at = text.find("\n", at)
        at = at + 1 if at >= 0 else -1
    return None


def _last_line_start(text: str) -> int:
    end = len(text.rstrip())
    return text.rfind("\n", 0, end) + 1


def agency_balance(cues: list[Cue]) -> float:
    """Agency cues up, derived-copy cues down."""
    return sum(c.weight if c.side == "agency" else -c.weight for c in cues)


def agency_marks(cues: list[Cue]) -> float:
    """The agency cues alone (a credit to an agency says the text is a copy, not whose)."""
    return sum(c.weight for c in cues if c.side == "agency")


def differ(x: list[Cue], y: list[Cue]) -> bool:
    """One side reads as agency copy and the other does not: they are not two captures of one page."""
    return (agency_balance(x) > 0) != (agency_balance(y) > 0)
