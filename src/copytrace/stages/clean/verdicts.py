"""What the chrome rules say of a batch's flagged lines, worked out once per distinct line and source.

A source's chrome ("Sign up for the X newsletter", "Follow X on Facebook and
Twitter.", its copyright line) recurs on page after page: in a shard of
11,000 news pages, four in five flagged lines are a line already judged for
the same source. `SourceVerdicts` keeps each (line, flag bits)'s verdict for
one source and one set of options: the reason a generic pattern or the
source's template gives (or None), the line's density features, and whether
it is a credit line (and its key, to tell it from a title).
`document_reasons` then reads a document's reasons off its lines' verdicts,
less the lines a credit or the document's own title protects, with the
density runs over its lines (`chrome._sparse_density`): what
`chrome.chrome_reasons` gives, asking each rule once per distinct line
rather than once per line (`chrome.line_reasons` is these, for one text).
"""

from __future__ import annotations

from copytrace.settings import ChromeSettings
from copytrace.stages.clean.chrome import (
    TemplateLookup,
    _features_memo,
    _is_credit_memo,
    _line_key_memo,
    _NO_FEATURES,
    _pattern_memo,
    _short_memo,
    _sparse_density,
    _tag_memo,
    _title_memo,
)

# scan.py's flag bits (not imported: scan.py loads the compiled pass)
CANDIDATE, PATTERN, TAG, HEADLINE, SHORT = 1, 2, 4, 8, 16
_DENSITY = TAG | HEADLINE | SHORT
RULES = PATTERN | _DENSITY


class SourceVerdicts:
    """The verdicts on one source's flagged lines, under one set of chrome options."""

    __slots__ = ("template", "source", "patterns", "use_template", "density", "known")

    def __init__(self, template: TemplateLookup | None, source: str | None, options: ChromeSettings) -> None:
        self.template, self.source = template, source
        self.patterns = options.patterns
        self.use_template = options.repeated and bool(template)
        self.density = options.density
        self.known: dict[tuple[str, int], tuple[str | None, tuple | None, bool, str | None]] = {}

    def of(self, line: str, bits: int) -> tuple[str | None, tuple | None, bool, str | None]:
        """(reason, density features or None, credit line, line key) of a stripped, non-blank line with its
        flag bits; the last two are asked only of a line a rule would remove (else False, None)."""
        key = (line, bits)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = self._judge(line, bits)
        return found

    def _judge(self, line: str, bits: int) -> tuple[str | None, tuple | None, bool, str | None]:
        reason = _pattern_memo(line) if self.patterns and bits & PATTERN and len(line) <= 320 else None
        if reason is None and self.use_template and bits & CANDIDATE:
            pages = self.template.get(line)
            if pages:
                reason = f"repeated on {pages} pages of {self.source}"
        features = _features(line, bits & _DENSITY) if self.density else None
        if not (reason or features):
            return None, None, False, None
        # A credit line is never removed, nor the document's title (the key tells it, title by title).
        return reason, features, _is_credit_memo(line), _line_key_memo(line)


def _features(line: str, bits: int) -> tuple | None:
    """`chrome._line_features`, each test only where its bit allows it; None for a line with none."""
    if not bits:
        return None
    size = len(line)
    if bits == _DENSITY:
        found = _features_memo(line) if size <= 400 else _NO_FEATURES
    else:
        found = (bool(bits & TAG) and size <= 400 and _tag_memo(line),
                 bool(bits & HEADLINE) and size <= 220 and line[-1] not in ".,;:" and _title_memo(line),
                 bool(bits & SHORT) and size <= 40 and _short_memo(line))
    return None if found == _NO_FEATURES else found


def document_reasons(lines, verdicts: SourceVerdicts, title: str | None) -> dict[int, str]:
    """By line number (1-based), the reason each chrome line of a document is removed.

    `lines`: (0-based line index, line as stripped, flag bits) of the document's flagged lines, ascending;
    every other line is one no rule holds.
    """
    reasons: dict[int, str] = {}
    features: dict[int, tuple] = {}
    credits: dict[int, bool] = {}
    title_key: list[str] = []  # the title's key, worked out the first time a rule holds a line

    for i, line, bits in lines:
        if not line:
            continue
        reason, found, credit, key = verdicts.of(line, bits)
        if reason or found:
            protected = credit or _is_title(key, title, title_key)
            credits[i] = protected
            if reason and not protected:
                reasons[i] = reason
            if found:
                features[i] = found
    if features:  # no line with a density feature (most texts): no runs to look for
        reasons.update(_sparse_density(features, lambda i: i in reasons or credits[i]))
    return {i + 1: reason for i, reason in sorted(reasons.items())}


def _is_title(key: str, title: str | None, title_key: list[str]) -> bool:
    """Whether a line of key `key` is the document's title (`title_key`: the title's, once worked out)."""
    if not title:
        return False
    if not title_key:
        title_key.append(_line_key_memo(title))
    return bool(title_key[0]) and key == title_key[0]
