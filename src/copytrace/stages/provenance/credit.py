"""Credit lines: who a document says its text comes from, and who it says it is.

Two kinds of mention, told apart because they point opposite ways:

- a *credit* names the source of the text: "Sputnik News reports",
  "according to Reuters", "originally published by X", "Source: X",
  "via X", "© X", "Reprinted with permission from X", "MOSCOW (Reuters) -",
  "As X put it:";
- a *self-name* names the site the page belongs to: the WordPress/Yoast feed
  footer "The post ... appeared first on X." (X is the publishing site
  itself: syndication evidence and site boilerplate, not a credit to a
  source), comment widgets ("Comment via X"), "Follow X on Twitter".

A credit only counts when its name is an outlet: one of the corpus'
outlets (the caller passes `is_outlet`), or a name that looks like one (a
domain, a known wire, a name ending in News/Times/Post/Agency...). So
"according to Lavrov" (a person), "according to the ministry" and
"via satellite" are not credits.

Patterns are grouped by language in `PATTERNS`; `add_language` registers
another language's patterns (the outlet-name shape is shared).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field, replace
from typing import Callable

from copytrace.outlets import host_of
from copytrace.stages.provenance.credit_languages import _language_patterns, is_native_outlet, strip_outlet_noun
from copytrace.text.substrings import SubstringSet

# An outlet's name as written: capitalized words (with a few lower-case
# joiners), or a domain. The name is cut at the first word that cannot
# belong to it.
_CAP_WORD = r"(?:[A-Z](?:[\w&'’\-]|\.(?=\w))*|\d+[A-Z]\w*)"
_JOINER = r"(?:of|de|del|la|le|di|for|and|&|on|the)"
NAME = (
    r"(?P<name>(?:[a-z0-9][a-z0-9\-]*\.)+(?:com|org|net|news|info|ru|uk|us|de|fr|io|co|tv|eu|cn|in|au|ca|[a-z]{2})\b"
    r"|(?:[Tt]he[ \t]+)?" + _CAP_WORD + r"(?:[ \t]+(?:" + _JOINER + r"[ \t]+)?" + _CAP_WORD + r"){0,5})"
)
# "appeared first on X": X is the publishing site, not a source.
FEED_FOOTER = "feed_footer"
CREDIT_KINDS = ("reports", "according_to", "lead_in", "originally", "source", "via", "copyright", "reprinted",
                "dateline", FEED_FOOTER)

KNOWN_WIRES = {
    "reuters", "ap", "associatedpress", "afp", "agencefrancepresse", "francepresse", "tass", "ria",
    "rianovosti", "xinhua", "bloomberg", "upi", "dpa", "ansa", "efe", "interfax", "sputnik", "rt",
    "russiatoday", "cnn", "bbc", "aljazeera", "kyodo", "yonhap", "pti", "ians", "ani", "cctv", "cgtn",
    "anadolu", "irna", "presstv", "tasnim", "globaltimes", "chinadaily", "nytimes", "wsj", "npr", "pbs",
    "abc", "nbc", "cbs", "msnbc", "politico", "axios", "euronews", "dw", "france24", "lenta", "izvestia",
    "kommersant", "vedomosti", "ukrinform", "unian", "pap", "apa", "mena", "wam", "spa", "kuna", "bernama",
    "antara", "aa", "prensalatina", "telesur",
}
OUTLET_WORDS = {
    "news", "times", "post", "agency", "press", "journal", "herald", "tribune", "gazette", "telegraph",
    "guardian", "daily", "today", "network", "media", "tv", "radio", "wire", "review", "observer",
    "chronicle", "insider", "monitor", "standard", "express", "mail", "mirror", "independent", "bulletin",
    "magazine", "reporter", "dispatch", "courier", "register", "inquirer", "examiner", "digest",
    "channel", "broadcasting", "newswire", "online", "weekly", "globe", "star", "sun", "blog", "report",
    "voice", "sentinel", "ledger", "beacon", "record", "recorder", "mercury", "spectator", "outlook",
    "informer", "enquirer", "bureau", "newsroom", "service", "hub",
}
# Platforms a page is commented on or shared to: never a source or a site name.
PLATFORMS = {
    "facebook", "twitter", "x", "telegram", "instagram", "youtube", "tiktok", "vk", "vkontakte",
    "whatsapp", "disqus", "email", "e-mail", "rss", "linkedin", "reddit", "google", "gab", "rumble",
    "odnoklassniki", "viber", "line", "pinterest", "flipboard", "mastodon", "bluesky",
}
_COPYRIGHT = r"(?:©|\([cC]\)|\b[Cc]opyright\b|\bCOPYRIGHT\b)\s*(?:©\s*)?(?:\d{4}(?:\s*[-–]\s*\d{4})?\s+)?"
# Page-chrome labels glued to a name by a careless text dump ("via FacebookComment via ...").
_GLUED_LABEL = re.compile(r"(?<=[a-z])(?:Comment|Share|Follow|Discussion|Subscribe|Read|Listen|Tweet|Like|Email)")
_TRAILING_NOISE = re.compile(r"(?:[\s.,:;!?'\"”’)\]]|\s+(?:and|the|on|of|for|de|la|le|di|del))+$")


@dataclass(frozen=True)
class CreditPattern:
    kind: str  # one of CREDIT_KINDS
    regex: re.Pattern
    role: str = "credit"  # credit | self | photo
    # Lower-case strings one of which a text must hold for the pattern to be tried:
    # most texts hold none, and a substring test is far cheaper than a regex scan.
    hints: tuple[str, ...] = ()
    # For patterns that start with the name ("X reports"): the regex of the words after
    # it; the pattern is tried only on the line up to each of them.
    anchor: re.Pattern | None = None
    # Lower-case strings at one of which every match of `regex` begins: the regex is
    # tried only there (a substring search is far cheaper than a regex scan of every position).
    starts: tuple[str, ...] = ()
    # A regex every match must contain (with a literal first character, so cheap to search):
    # when the text holds none, the pattern is not tried.
    requires: re.Pattern | None = None
    # For an `anchor` that starts with a run of spaces or tabs: (word, needed) pairs, one of whose words
    # begins every anchor match's text after that run, and only where the text holds `needed` too
    # ("has reported"); the anchor is matched only before them.
    anchor_words: tuple[tuple[str, str], ...] = ()
    # For starts too common to try at each occurrence: `candidates(text, lowered)`, the sorted places
    # where a match may begin (every match begins at one of them).
    candidates: Callable[[str, str], list[int]] | None = None
    # Names in other languages: accepted when `credit_languages.is_native_outlet` says so too.
    native: bool = False


@dataclass(frozen=True)
class Credit:
    """One credit line (or self-name) found in a text."""

    kind: str
    name: str  # as written
    text: str  # the credit line, stripped
    start: int  # span of the line in the text
    end: int
    role: str = "credit"
    # The span the pattern matched (no other mention may overlap it); not part of the mention's identity.
    match: tuple[int, int] = field(default=(-1, -1), compare=False, repr=False)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "text": self.text, "start": self.start,
                "end": self.end, "role": self.role}


def _line_starts(text: str, lowered: str) -> list[int]:
    """Where a line begins: the only places a pattern opening with `^` (multi-line) can match."""
    return [0] + [at + 1 for at in occurrences("\n", text)]


def _p(kind: str, pattern: str, role: str = "credit", flags: int = 0, hints=(), anchor: str | None = None,
       starts=(), requires: str | None = None, anchor_words=(), candidates=None) -> CreditPattern:
    if pattern.startswith("^") and not starts:
        # A search tries the regex at every character; its matches begin at line starts alone.
        starts, candidates = ("\n",), _line_starts
    return CreditPattern(kind, re.compile(pattern, flags | re.MULTILINE), role, tuple(hints),
                         re.compile(anchor) if anchor else None, tuple(starts),
                         re.compile(requires) if requires else None, tuple(anchor_words),
                         candidates)


_ARTICLE_NOUNS = ("article", "story", "post", "piece", "report")


def _article_starts(text: str, lowered: str) -> list[int]:
    """Where "This article|The story ..." may begin: "this" or "the" (any case), whitespace, then one of the nouns."""
    found: set[int] = set()
    for noun in _ARTICLE_NOUNS:
        at = text.find(noun)
        while at >= 0:
            run = at
            while run > 0 and text[run - 1].isspace():  # str.isspace is the regex's \s
                run -= 1
            if run < at:
                for word in ("this", "the"):
                    if run >= len(word) and lowered.startswith(word, run - len(word)):
                        found.add(run - len(word))
            at = text.find(noun, at + 1)
    return sorted(found)


_REPORT_VERBS = r"[ \t]+(?:reports|reported|has[ \t]+reported|writes|wrote|said[ \t]+in[ \t]+a[ \t]+report)\b"
_LEAD_IN_VERBS = r"[ \t]+(?:put[ \t]+it|puts[ \t]+it|noted|notes|wrote|writes|explained|explains)\b"
_COPYRIGHT_HINTS = ("©", "(c)", "copyright")

_ENGLISH = [
    # Site self-names first: the spans they take are not read as credits.
    _p(FEED_FOOTER, r"\bThe post\b.{1,400}?\bappeared first on\s+" + NAME, "self", re.S, ("appeared first on",),
       starts=("the post",)),
    _p("widget", r"(?:\b|(?<=[a-z]))Comments? (?:via|on|with)\s+" + NAME, "self", hints=("comment",),
       starts=("comment",)),
    _p("widget", r"\bFollow\s+" + NAME + r"\s+on\s+(?:Twitter|Facebook|Telegram|Instagram|VK|X)\b", "self",
       hints=("follow",), starts=("follow",)),
    # Photo credits: "© AFP 2017/ ANDREJ ISAKOVIC" credits the picture.
    _p("copyright", _COPYRIGHT + NAME + r"\s*(?:\d{4}\s*)?/\s*[A-Z]", "photo", hints=_COPYRIGHT_HINTS,
       starts=_COPYRIGHT_HINTS),
    _p("photo", r"\b(?:Photo|PHOTO|Image|IMAGE|Picture|Video)(?:\s+[Cc]redit)?\s*(?::|by|©)\s*" + NAME, "photo",
       hints=("photo", "image", "picture", "video"), starts=("photo", "image", "picture", "video")),
    # Credits.
    _p("reprinted", r"\b(?:[Rr]eprinted|[Rr]epublished|[Rr]eproduced|[Ss]yndicated|[Aa]dapted|[Ee]xcerpted)"
       r"(?:\s+with\s+(?:the\s+)?(?:kind\s+)?permission)?\s+(?:from|of|by)\s+" + NAME,
       hints=("reprinted", "republished", "reproduced", "syndicated", "adapted", "excerpted"),
       starts=("reprinted", "republished", "reproduced", "syndicated", "adapted", "excerpted")),
    _p("reprinted", r"\b[Cc]ourtesy\s+of\s+" + NAME, hints=("courtesy",), starts=("courtesy",)),
    _p("originally", r"\b(?:[Oo]riginally|[Ff]irst)\s+(?:published|appeared|posted|ran|reported)\s+(?:by|on|in|at)\s+"
       + NAME, hints=("originally", "first"), starts=("originally", "first")),
    _p("originally", r"\b(?:[Tt]his|[Tt]he)\s+(?:article|story|post|piece|report)\s+(?:was\s+)?(?:originally\s+)?"
       r"(?:published|appeared|ran)\s+(?:by|on|in|at)\s+" + NAME, hints=("published", "appeared", " ran "),
       starts=("this", "the"), candidates=_article_starts),
    _p("source", r"^[ \t]*(?:[Ss]ources?|SOURCES?|[Ss]ource\s+[Ll]ink)\s*[:\-–—]\s*" + NAME, hints=("source",)),
    _p("according_to", r"\b[Aa]ccording\s+to\s+(?:a\s+report\s+(?:by|in|from)\s+)?" + NAME, hints=("according",),
       starts=("according",)),
    _p("reports", NAME + _REPORT_VERBS, hints=("report", "writes", "wrote"), anchor=_REPORT_VERBS,
       anchor_words=(("report", ""), ("has", "reported"), ("wr", ""), ("said", "report"))),
    _p("reports", r"\b(?:[Aa]s\s+)?(?:reported|first\s+reported)\s+by\s+" + NAME, hints=("reported by",),
       starts=("as", "reported", "first")),
    _p("via", r"\bvia\s+" + NAME, hints=("via",), starts=("via",)),
    _p("copyright", _COPYRIGHT + NAME, hints=_COPYRIGHT_HINTS, starts=_COPYRIGHT_HINTS),
    _p("lead_in", r"\b[Aa]s\s+" + NAME + _LEAD_IN_VERBS, hints=("put it", "puts it", "note", "wr", "explain"),
       anchor=_LEAD_IN_VERBS, anchor_words=(("put", "it"), ("note", ""), ("wr", ""), ("explain", ""))),
    _p("dateline", r"(?:^[ \t]*|(?<=[.!?”\"]))(?:[A-Z][A-Z .,'\-]{2,40})?\((?P<name>[A-Z][\w .&\-]{1,40}?"
                   r"|[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)+)\)\s*[-–—]", hints=(")",),
       requires=r"\)\s*[-–—]"),
]

PATTERNS: dict[str, list[CreditPattern]] = {"en": _ENGLISH}


def add_language(code: str, patterns: list[CreditPattern]) -> None:
    """Register credit patterns for another language (each regex has a `name` group)."""
    PATTERNS[code] = list(patterns)
    _HINT_SETS.clear()



_HINT_SETS: dict[tuple[str, ...], SubstringSet] = {}
for _code, _patterns in _language_patterns(_p, FEED_FOOTER).items():
    add_language(_code, [replace(p, native=True) for p in _patterns])


def _hint_set(languages) -> SubstringSet:
    """The hints of the languages' patterns, to find in one pass over a text."""
    key = tuple(languages)
    found = _HINT_SETS.get(key)
    if found is None:
        found = _HINT_SETS[key] = SubstringSet(h for code in key for p in PATTERNS.get(code, ()) for h in p.hints)
    return found


def clean_name(name: str) -> str:
    """Strip the trailing punctuation and joiners a greedy match may carry."""
    name = _TRAILING_NOISE.sub("", name.strip()).removeprefix("the ")
    return re.sub(r"\s+", " ", name)


def _name_words(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", name.lower()) if w]


def looks_like_outlet(name: str) -> bool:
    """A domain, a known wire or broadcaster, or a name ending like an outlet ('... News')."""
    if not name:
        return False
    if host_of(name) and "." in name:
        return True
    words = _name_words(re.sub(r"^the\s+", "", name.strip(), flags=re.I))
    if not words:
        return False
    joined = re.sub(r"[\W_]+", "", "".join(words))
    if joined in KNOWN_WIRES or words[0].strip(".") in KNOWN_WIRES and len(words) <= 2:
        return True
    return len(words) >= 2 and words[-1].strip(".") in OUTLET_WORDS


# Capitalized words that start a sentence rather than a name.
_STARTERS = {"yesterday", "today", "meanwhile", "as", "and", "but", "in", "on", "also", "however", "earlier",
             "now", "then", "last", "this", "that", "so", "while", "when", "after", "before", "according",
             "here", "there", "it", "he", "she", "they", "we", "i", "a", "an", "on", "monday", "tuesday",
             "wednesday", "thursday", "friday", "saturday", "sunday"}


def name_candidates(name: str) -> list[str]:
    """The name and its tails, longest first: a greedy match may carry leading words."""
    words = name.split()
    while len(words) > 1 and words[0].lower().strip(",.") in _STARTERS:
        words = words[1:]
    tails = [" ".join(words[i:]) for i in range(len(words))]
    return [t for t in tails if t.lower() not in {"the", "and", "of"}]


def _line_span(text: str, start: int, end: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end < 0 else line_end


def _outlet_name(raw: str, is_outlet: Callable[[str], bool]) -> str | None:
    """The part of a matched name that is an outlet, or None."""
    name = clean_name(raw)
    for candidate in name_candidates(name):
        if candidate.lower() in PLATFORMS:
            return None
        if is_outlet(candidate):
            return candidate
    return None


def _native_name(raw: str) -> str | None:
    """An outlet name in another language (a known agency, or a name holding an outlet noun), or None."""
    name = clean_name(raw).strip("«»\"“”„")
    return name if name and name.lower() not in PLATFORMS and is_native_outlet(name) else None


def scan_mentions(text: str, languages=("en",), is_outlet: Callable[[str], bool] = looks_like_outlet,
                  roles=("credit", "self", "photo"), prior: list[Credit] = (), lowered: str | None = None,
                  hints: set[str] | None = None) -> list[Credit]:
    """Every credit, self-name and photo credit in `text`, in text order, spans not overlapping.

    Self-names and photo credits are kept whatever their name looks like
    (their place tells what they are); credits only when `is_outlet` accepts
    the name. `prior`: the mentions of an earlier scan of this text for roles
    whose patterns all come before those of `roles` (see `roles_lead`): they
    are kept and their spans taken, as one scan of all the roles would. `lowered`, `hints`: `text.lower()`
    and the languages' hints it holds, when the caller has them.
    """
    found: list[Credit] = list(prior)
    taken: list[tuple[int, int]] = [c.match for c in prior]
    text = text or ""
    lowered = text.lower() if lowered is None else lowered
    hints = _hint_set(languages).present(lowered) if hints is None else hints
    places: dict = {}  # where each start string occurs: patterns share them ("first", the copyright signs)
    for code in languages:
        for pattern in PATTERNS.get(code, ()):
            if pattern.role not in roles:
                continue
            windows = _windows(pattern, text, hints)
            if windows:
                search = _searcher(pattern, text, lowered, places)
                for lo, hi in windows:
                    _scan_window(pattern, text, lo, hi, is_outlet, found, taken, search)
    found.sort(key=lambda c: (c.start, c.end))
    return found


def roles_lead(first: tuple[str, ...], languages=("en",)) -> bool:
    """Do the patterns of roles `first` all come before every other pattern (so a scan for them,
    then one for the other roles with `prior`, finds what one scan finds)?"""
    order = [p.role in first for code in languages for p in PATTERNS.get(code, ())]
    return order == sorted(order, reverse=True)


# How far before its anchor a name-first pattern may start: six words of a name and more.
_ANCHOR_REACH = 160


def _windows(pattern: CreditPattern, text: str, hints: set[str]) -> list[tuple[int, int]]:
    """The stretches of `text` worth trying `pattern` on: none, all of it, or the lines before its anchors.

    `hints`: the patterns' hints the lower-cased text holds.
    """
    if pattern.hints and hints.isdisjoint(pattern.hints):
        return []
    if pattern.requires is not None and pattern.requires.search(text) is None:
        return []
    if pattern.anchor is None:
        return [(0, len(text))]
    windows: list[tuple[int, int]] = []
    for a in _anchor_matches(pattern, text):
        lo = max(text.rfind("\n", 0, a.start()) + 1, a.start() - _ANCHOR_REACH)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], a.end())
        else:
            windows.append((lo, a.end()))
    return windows


def _anchor_matches(pattern: CreditPattern, text: str):
    """`pattern.anchor.finditer(text)`, the regex tried only at the runs of spaces or tabs before `anchor_words`.

    A match of an anchor that starts with a run of spaces or tabs begins where a run of
    spaces or tabs begins (from further in, the run would match longer), so
    matching at the start of each run before an anchor word, left to right
    and past the last match, finds the matches a scan of every position does.
    """
    if not pattern.anchor_words:
        yield from pattern.anchor.finditer(text)
        return
    runs: set[int] = set()
    for word, needed in pattern.anchor_words:
        if needed and needed not in text:
            continue
        for at in occurrences(word, text, 1):
            if text[at - 1] in " \t":
                start = at - 1
                while start > 0 and text[start - 1] in " \t":
                    start -= 1
                runs.add(start)
    done = 0
    for start in sorted(runs):
        if start < done:
            continue
        m = pattern.anchor.match(text, start)
        if m is not None:
            done = m.end()
            yield m


def occurrences(needle: str, text: str, start: int = 0) -> list[int]:
    """Every position of `needle` in `text` from `start`, in order."""
    found, at = [], text.find(needle, start)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _searcher(pattern: CreditPattern, text: str, lowered: str, places: dict | None = None):
    """`search(pos, hi)`: the first match of the pattern in text[pos:hi], as `regex.search` finds it.

    With `starts`, the regex is matched only where one of them occurs: every
    match begins there, so the first that matches is the one a scan of every
    position would find. `places`: the candidate lists of this text found so far, by starts, shared.
    """
    regex = pattern.regex
    if not pattern.starts or len(lowered) != len(text):
        return lambda pos, hi: regex.search(text, pos, hi)
    places = {} if places is None else places
    key = pattern.candidates or pattern.starts
    ordered = places.get(key)
    if ordered is None:
        if pattern.candidates is not None:
            ordered = pattern.candidates(text, lowered)
        else:
            candidates: set[int] = set()
            for start in pattern.starts:
                found = places.get(start)
                if found is None:
                    found = places[start] = occurrences(start, lowered)
                candidates.update(found)
            ordered = sorted(candidates)
        places[key] = ordered

    def search(pos: int, hi: int):
        for k in range(bisect_left(ordered, pos), len(ordered)):
            if ordered[k] >= hi:
                return None
            m = regex.match(text, ordered[k], hi)
            if m is not None:
                return m
        return None

    return search


def _scan_window(pattern: CreditPattern, text: str, lo: int, hi: int, is_outlet, found: list, taken: list,
                 search=None) -> None:
    """Add the mentions `pattern` finds in text[lo:hi] to `found`, skipping spans already `taken`."""
    search = search or (lambda pos, end: pattern.regex.search(text, pos, end))
    pos = lo
    while (m := search(pos, hi)) is not None:
        span = m.span("name")
        raw = m.group("name")
        glued = _GLUED_LABEL.search(raw)
        if glued:
            # Resume at the glued label: it may start a mention of its own.
            raw = raw[: glued.start()]
            pos = span[0] + glued.start()
        else:
            pos = m.end() if m.end() > m.start() else m.end() + 1
        if any(s < span[1] and span[0] < e for s, e in taken):
            continue
        if pattern.role == "credit":
            bare = strip_outlet_noun(raw) if pattern.native else raw  # "لوكالة سبوتنيك": the agency's name alone
            name = (bare != raw and (_outlet_name(bare, is_outlet) or _native_name(bare))) or _outlet_name(raw, is_outlet)
            if name is None and pattern.native:
                name = _native_name(raw)
        else:
            name = clean_name(raw)
            name = None if name.lower() in PLATFORMS else name
        if not name:
            continue
        line = _line_span(text, m.start(), m.end())
        match = (m.start(), span[0] + len(raw))
        found.append(Credit(pattern.kind, name, _phrase(text, pattern.kind, line, m), line[0], line[1],
                            pattern.role, match))
        taken.append(match)


_SENTENCE_END = re.compile(r"[.!?…](?=[\s\"”’»)\]]|$)|[。！？؟]")
_PHRASE_MAX = 300  # a longer sentence is cut to the matched words


def _phrase(text: str, kind: str, line: tuple[int, int], m: re.Match) -> str:
    """The credit phrase alone: a dateline's own words ("MOSCOW (Reuters) -"), else the sentence holding the match.

    A whole line can be a paragraph ("(Continental Press) - A faint lilt ..."): the credit is not all of it.
    """
    if kind == "dateline":
        return m.group(0).strip()
    if kind == FEED_FOOTER:
        return text[max(line[0], m.start() - 200):line[1]].strip()[:500]
    lo = line[0]
    for end in _SENTENCE_END.finditer(text, line[0], m.start()):
        lo = end.end()
    after = _SENTENCE_END.search(text, m.end() - 1 if m.end() > m.start() else m.end(), line[1])
    hi = after.end() if after else line[1]
    if hi - lo > _PHRASE_MAX:
        lo, hi = m.start(), m.end()
    return text[lo:hi].strip()


def find_credits(text: str, languages=("en",), is_outlet: Callable[[str], bool] = looks_like_outlet) -> list[Credit]:
    """The credit lines of `text`: names of the outlets it says its text comes from."""
    return [c for c in scan_mentions(text, languages, is_outlet) if c.role == "credit"]


def find_self_names(text: str, languages=("en",)) -> list[Credit]:
    """Names the page gives itself: feed footers, comment widgets, follow-us lines."""
    return scan_mentions(text, languages, roles=("self",))
