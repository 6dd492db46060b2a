"""A document's mentions: the credits, self-names and photo credits of its text and of its raw text.

Cleaning takes copyright notices, comment widgets and the like out of the
text: as page chrome they do not belong in passages, but they still credit
a source or name the site. So the raw text is read as well, for what the
text lacks; there only the chrome and the text's lines near it are read
(`chrome_parts`).
"""

from __future__ import annotations

from copytrace.stages.provenance.credit import Credit, _hint_set, looks_like_outlet, scan_mentions
from copytrace.text.lang import languages_for
from copytrace.text.substrings import lowered_around


def document_mentions(row: dict, languages, is_outlet=looks_like_outlet, roles=("credit", "self", "photo"),
                      prior: tuple[list[Credit], list[Credit]] | None = None, lowered: str | None = None,
                      own: tuple[str, ...] | None = None) -> list[Credit]:
    """Credit lines and self-names of a document, from its text and from the raw text before cleaning (the
    module's docstring says why). Those found only in the raw text carry no span in the text (start = end =
    -1). `prior`: the self-names already found in the text and in the raw text (`self_scans`), not looked
    for again. `lowered`: the text lower-cased, when the caller has it; `own`: `languages_for` of the row,
    when the caller has it (`languages_for_all`).
    """
    # the document's own language adds its patterns (tokens never depend on it); the prior
    # self-name scans then miss that language's: scan again
    own = own if own is not None else languages_for(row["text"], tuple(languages), row.get("lang"))
    if own != tuple(languages):
        languages, prior = own, None
    text_prior, raw_prior = prior if prior is not None else ([], [])
    if prior is not None:
        roles = tuple(r for r in roles if r != "self")
    text, hint_set = row["text"] or "", _hint_set(languages)
    lowered = text.lower() if lowered is None else lowered
    hints = hint_set.present(lowered)
    found = scan_mentions(text, languages, is_outlet, roles, text_prior, lowered, hints)
    raw = row.get("raw_text")
    if raw and raw != row["text"]:
        seen = {(c.kind, c.name, c.text) for c in found}
        # The raw text mostly holds the text whole: only the chrome around it is lower-cased.
        chrome, chrome_lowered, cuts = chrome_parts(raw, text, lowered_around(text, lowered, raw))
        prior_here = [_shifted(c, cuts) for c in raw_prior]
        # The hints of the string scanned, not of the whole raw text: every match holds one of its pattern's hints,
        # so a pattern whose hints lie only in the text left out cannot match and is not tried.
        for c in scan_mentions(chrome, languages, is_outlet, roles, [c for c in prior_here if c], chrome_lowered,
                               hint_set.present(chrome_lowered)):
            if (c.kind, c.name, c.text) not in seen:
                found.append(_shifted(c, cuts, back=True))
    return found


# Characters of the text read with the chrome before and after it (then to the line's end): more than any
# mention's match spans (the feed footers' 400 characters between their words are the longest), so that a
# mention overlapping the chrome is found whole, as in a scan of the whole raw text.
CHROME_MARGIN = 600
# Between the two parts read as one string: a line no match can cross (no white space, and longer than the
# footers' 400 characters of anything), nor take part in (NUL is no pattern's character but `.`'s).
_PART_BREAK = "\n" + "\x00" * 401 + "\n"


def chrome_parts(raw: str, text: str, raw_lowered: str) -> tuple[str, str, tuple[int, int, int]]:
    """What of `raw` to scan for mentions the text lacks, lower-cased too, and where it was cut.

    All of it; or, when it holds the text whole (chrome before and after it, as cleaning leaves it), the chrome
    with `CHROME_MARGIN` characters of the text on either side, cut at line breaks, the two parts joined by
    `_PART_BREAK` into one string (one scan). Cuts: (end of the first part, start of the second in the
    joined string, its start in `raw`); (0, 0, 0) when nothing was cut.

    A mention in the part left out lies in the text's own lines, far from the chrome: the scan of the text
    finds it (a pattern matches a line and its neighbours alone), and `document_mentions` keeps only the raw
    text's mentions the text lacks, so reading that stretch again finds nothing new; on the bench corpora
    the mentions are those of a scan of the whole raw text (tests/test_facts_shortcuts.py).
    """
    at = 0 if raw.startswith(text) else raw.find(text)
    if at < 0 or len(raw_lowered) != len(raw) or len(text) <= 2 * CHROME_MARGIN:
        return raw, raw_lowered, (0, 0, 0)
    head = raw.find("\n", at + CHROME_MARGIN)
    tail = raw.rfind("\n", at + CHROME_MARGIN, at + len(text) - CHROME_MARGIN)
    if head < 0 or tail <= head:
        return raw, raw_lowered, (0, 0, 0)
    # The first part ends before a line break and the second starts after one: neither cuts a line.
    joined = raw[:head] + _PART_BREAK + raw[tail + 1:]
    return joined, raw_lowered[:head] + _PART_BREAK + raw_lowered[tail + 1:], (head, head + len(_PART_BREAK), tail + 1)


def _shifted(c: Credit, cuts: tuple[int, int, int], back: bool = False) -> Credit | None:
    """`c` (found in `raw`) in the string `chrome_parts` made of it, or None if it lies in the part left out;
    `back`: `c` (found in that string) in `raw`, with no span in the text."""
    head, second, second_raw = cuts
    lo, hi = c.match
    if back:
        by = 0 if lo < head else second_raw - second
        return Credit(c.kind, c.name, c.text, -1, -1, c.role, (lo + by, hi + by))
    if lo < head or not head:
        return c
    if hi <= second_raw:
        return None
    by = second - second_raw  # its line (start, end) moves with it: a scan's mentions are sorted by it
    return Credit(c.kind, c.name, c.text, c.start + by, c.end + by, c.role, (lo + by, hi + by))


def _unplaced(c: Credit) -> Credit:
    """`c` with no span in the text (found in the raw text alone); `dataclasses.replace` costs ten times more."""
    return Credit(c.kind, c.name, c.text, -1, -1, c.role, c.match)


def self_scans(row: dict, languages) -> tuple[list[Credit], list[Credit]]:
    """The self-names of a document's text and of its raw text, each as its own scan finds them."""
    raw = row.get("raw_text")
    languages = languages_for(row["text"], tuple(languages), row.get("lang"))
    in_raw = scan_mentions(raw, languages, roles=("self",)) if raw and raw != row["text"] else []
    return scan_mentions(row["text"], languages, roles=("self",)), in_raw


def merged_self_names(scans: tuple[list[Credit], list[Credit]]) -> list[Credit]:
    found = list(scans[0])
    seen = {(c.kind, c.name, c.text) for c in found}
    found += [_unplaced(c) for c in scans[1] if (c.kind, c.name, c.text) not in seen]
    return found
