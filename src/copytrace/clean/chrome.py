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
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

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

    __slots__ = ("pages", "heads")

    def __init__(self, pages: dict[str, int]) -> None:
        self.pages = pages
        self.heads = {key[:_HEAD] for key in pages}

    def __bool__(self) -> bool:
        return bool(self.pages)

    def get(self, line: str) -> int | None:
        """On how many pages the template holds `line`, or None."""
        folded = " ".join(line.casefold().split())
        head = folded[:_HEAD]
        if head not in self.heads and not _DIGIT_RUN.search(head):
            return None
        return self.pages.get(_digits_folded(folded))


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


# --- generic chrome patterns ----------------------------------------------

_WORDS = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")

_SHARE_WORDS = frozenset(
    "get short url link copy share this article story post page on via facebook twitter x telegram "
    "whatsapp viber email e mail print tweet pin it linkedin reddit vk ok flipboard messenger "
    "save bookmark send to friend".split()
)
_NAV_LINES = frozenset(
    """home|menu|search|skip to content|skip to main content|back to top|top|next|previous|next article
    |previous article|next story|previous story|next post|previous post|read more|read next|more|related
    |related articles|related stories|related news|related posts|related content|more from|more stories
    |more news|most read|most popular|most viewed|trending|trending now|popular|you may also like
    |you might also like|recommended|recommended for you|sponsored|sponsored content|promoted
    |advertisement|advertising|ad|ads|loading|close|log in|login|sign in|sign up|register|subscribe
    |newsletter|follow us|latest|latest news|top stories|see also|also read|read also|watch more
    |show more|load more|continue reading|tags|topics|categories|share|comments|all rights reserved""".split("|")
)
_NAV_LINES = frozenset(" ".join(entry.split()) for entry in _NAV_LINES)  # the wrapped lines' indents are not part of a name
_NAV_STRIP = " :|•·-–—>»›"
# (reason, words one of which the line must hold, pattern): the words spare most lines the regex.
_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern], ...] = (
    ("player", ("listen", "play", "watch", "player", "radio", ":"), re.compile(
        r"^(?:listen live|listen now|listen to (?:this|the) (?:article|story)|play(?: video| audio)?|now playing"
        r"|watch(?: the)? (?:video|live)|audio player|video player|live radio|\d{1,2}:\d{2} ?/ ?\d{1,2}:\d{2})$")),
    ("comments", ("comment", "discussion", "community", "leave a", "conversation"), re.compile(
        r"^(?:(?:community standards|discussion|comments?|\d+ comments?|leave a (?:comment|reply)"
        r"|add (?:a|your) comment|post a comment|join the (?:discussion|conversation)|log ?in to comment"
        r"|show comments|view comments|comment via [a-z]+?)\s*)+$")),
    ("subscription", ("never miss", "sign", "subscribe", "join", "follow us", "newsletter", "speed", "download", "notification"), re.compile(
        r"never miss a (?:story|thing|post)|(?:sign ?up|subscribe) (?:to|for) our"
        r"|(?:sign ?up|subscribe) (?:to|for) the (?:\w+ )?(?:newsletter|channel|podcast)"
        r"|join (?:us on|our) (?:telegram|whatsapp|facebook|twitter)|follow us on|get (?:our|the) newsletter"
        r"|keep you up ?to speed|download (?:our|the) app|turn on notifications")),
    ("cookie notice", ("cookie",), re.compile(
        r"we use cookies|(?:site|website) uses cookies|accept (?:all )?cookies|cookie (?:policy|settings)")),
)
_PHOTO = re.compile(
    r"©|\(c\)\s*\d{4}|^(?:photo|image|picture|video|credit|photograph|illustration)s?\s*(?::|by\b|credit)"
    r"|\b(?:photo|image)s? by\b|/\s*(?:getty images|afp|reuters|ap|epa|sputnik|tass|shutterstock)\b",
    re.IGNORECASE,
)
_PHOTO_CLUES = ("©", "(c)", "photo", "image", "picture", "video", "credit", "illustration", "/")
_AGENCY = re.compile(
    r"\b(?:afp|reuters|ap|epa|getty|sputnik|tass|ria novosti|xinhua|anadolu|shutterstock|istock|alamy|photo|image|pool)\b",
    re.IGNORECASE,
)
_TIME_WORDS = frozenset(
    "gmt utc bst cet cest msk est edt pst pdt am pm updated published posted last modified on at "
    "jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august "
    "september october november december mon tue wed thu fri sat sun monday tuesday wednesday thursday "
    "friday saturday sunday today yesterday ago min mins minute minutes hour hours day days".split()
)


def _is_timestamp(text: str) -> bool:
    """A line that is nothing but a date or time ('14:31 GMT +317 October 2019')."""
    if len(text) > 80 or not re.search(r"\d", text):
        return False
    words = [w.casefold() for w in _WORDS.findall(text)]
    clock = re.search(r"\d{1,2}:\d{2}|\d{4}-\d{2}-\d{2}", text)
    return (bool(words) or bool(clock)) and all(w in _TIME_WORDS for w in words)


# Cheap necessary conditions for each pattern, so that most lines (article text) skip the regexes:
# player lines are whole short phrases; comment lines start with one of these; the others need a clue.
_PLAYER_MAX = 32
_COMMENT_STARTS = ("community standards", "discussion", "comment", "leave a", "add ", "post a", "join the", "log",
                   "show comments", "view comments")


# The clues of the patterns that can match inside a line ending like a sentence.
_SENTENCE_LINE_CLUES = tuple(sorted({clue for reason, clues, _ in _PATTERNS if reason in ("subscription", "cookie notice")
                                     for clue in clues} | set(_PHOTO_CLUES)))


def _clued(folded: str) -> list[tuple[str, re.Pattern]]:
    """The patterns, in order, whose cheap condition `folded` meets (only these can match it)."""
    found = []
    for reason, clues, pattern in _PATTERNS:
        if reason == "player":
            possible = len(folded) <= _PLAYER_MAX
        elif reason == "comments":
            possible = folded.startswith(_COMMENT_STARTS) or folded[:1].isdigit()
        else:
            possible = True
        if possible and any(clue in folded for clue in clues):
            found.append((reason, pattern))
    return found


def pattern_reason(text: str) -> str | None:
    """The generic chrome pattern a line matches, if any.

    Cheap tests first: the words of a line (a regex pass) are found only
    when some pattern could match, since most lines are article text.
    """
    stripped = text.strip()
    size = len(stripped)
    if size > 320 or not size:  # chrome lines are short; a paragraph is not
        return None
    folded = " ".join(stripped.casefold().split())
    if size > 80 and stripped[-1] in ".!?" and not any(clue in folded for clue in _SENTENCE_LINE_CLUES):
        # A sentence-like line (most of an article): too long for a timestamp, and its end rules out
        # navigation, share and the anchored patterns; without a clue of the others it is not chrome.
        return None
    navigation = folded.strip(_NAV_STRIP) in _NAV_LINES
    clued = _clued(folded)
    share = False
    if stripped[-1] not in ".!?":
        first = _WORDS.search(stripped)
        share = first is not None and first.group().casefold() in _SHARE_WORDS
    timestamp = size <= 80  # _is_timestamp's own limit
    photo = any(c in folded for c in _PHOTO_CLUES)
    if not (navigation or clued or share or timestamp or photo):
        return None
    words = _WORDS.findall(stripped)
    if len(words) > 40:
        return None
    if navigation:
        return "chrome: navigation"
    if share and len(words) <= 8 and all(w.casefold() in _SHARE_WORDS for w in words):
        return "chrome: share"
    for reason, pattern in clued:
        if pattern.search(folded):
            return f"chrome: {reason}"
    if timestamp and _is_timestamp(stripped):
        return "chrome: timestamp"
    if photo and len(words) <= 20 and _PHOTO.search(stripped):
        return "photo credit" if _AGENCY.search(stripped) else "copyright notice"
    return None


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
    items = [i.strip() for i in re.split(r"\s*[,|·•]\s*", body)]
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


class TemplateCounter:
    """Counts, per source, on how many distinct pages each line occurs; fed page by page.

    Identical texts count once, so a source that carries one article twice
    does not turn that article into its template. Feeding every shard of a
    corpus before cleaning any lets templates be learned over the whole
    corpus when it is cleaned shard by shard.
    """

    def __init__(self) -> None:
        self.seen: dict[str, set[int]] = {}
        self.counts: dict[str, Counter] = {}

    def add(self, source: str | None, text: str) -> None:
        if source is None:
            return
        fingerprint = hash(text)
        if fingerprint in self.seen.setdefault(source, set()):
            return
        self.seen[source].add(fingerprint)
        self.counts.setdefault(source, Counter()).update({line_key(line) for line in text.split("\n") if line.strip()})

    def templates(self, min_repeat: int) -> Templates:
        """Per source: the line keys found on at least `min_repeat` distinct pages, with their page counts."""
        return {
            source: {key: n for key, n in counter.items() if n >= min_repeat}
            for source, counter in self.counts.items()
        }


def template_lines(groups: Iterable[tuple[str | None, str]], min_repeat: int) -> Templates:
    """Per source: the line keys found on at least `min_repeat` distinct pages, with their page counts."""
    counter = TemplateCounter()
    for source, text in groups:
        counter.add(source, text)
    return counter.templates(min_repeat)


# --- one document ----------------------------------------------------------------


@dataclass(frozen=True)
class ChromeOptions:
    """Which evidence removes lines; `min_repeat` pages of one source make a line its template."""

    repeated: bool = True
    patterns: bool = True
    density: bool = True
    min_repeat: int = 3


def chrome_reasons(
    text: str,
    template: dict[str, int] | TemplateLookup | None = None,
    source: str | None = None,
    title: str | None = None,
    options: ChromeOptions = ChromeOptions(),
) -> dict[int, str]:
    """By line number (1-based, lines split at \\n), the reason each chrome line of `text` is removed.

    Credit lines and the title are kept; whether a line is one is asked only
    of lines some evidence marks (most lines are article text, marked by none).
    """
    stripped = [piece.strip() for piece in text.split("\n")]
    title_key = line_key(title) if title else None
    kept: dict[int, bool] = {}

    def protected(i: int) -> bool:
        answer = kept.get(i)
        if answer is None:
            line = stripped[i]
            answer = kept[i] = is_credit(line) or bool(title_key and line_key(line) == title_key)
        return answer

    reasons: dict[int, str] = {}
    use_template = options.repeated and bool(template)
    if use_template and not isinstance(template, TemplateLookup):
        template = TemplateLookup(template)
    for i, line in enumerate(stripped):
        if not line:
            continue
        reason = pattern_reason(line) if options.patterns else None
        if reason is None and use_template:
            pages = template.get(line)
            if pages:
                reason = f"repeated on {pages} pages of {source}"
        if reason and not protected(i):
            reasons[i] = reason
    if options.density:
        features = [_line_features(line) for line in stripped]
        reasons.update(_density(features, lambda i: i in reasons or protected(i)))
    return {i + 1: reason for i, reason in sorted(reasons.items())}


def chrome_lines(
    text: str,
    template: dict[str, int] | None = None,
    source: str | None = None,
    title: str | None = None,
    options: ChromeOptions = ChromeOptions(),
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
