"""Publication dates: robust parsing of date fields and of datelines in the text.

Dates on the web are often missing, partial or wrong, so every parsed date
carries its precision (year, month, day, minute) and a confidence (0..1),
and nothing here ever raises: a value that cannot be read is None. Junk
around a date lowers its confidence; a mangled line such as
"14:31 GMT +317 October 2019" (a time, a zone offset and a day glued
together) yields at most "October 2019" at low confidence, never a made-up
day.

In the text, only datelines count: a line near the top that is mostly a
date ("Published 17 October 2019"). Dates inside sentences name events
("a press conference on December 13, 2016") and dates on photo-credit lines
("© AFP 2017") name the photo, so both are ignored.

The rules use the standard library only: ISO 8601, RFC 2822 (`email.utils`),
English month names, numeric day/month/year forms and Unix timestamps. A
field value they cannot read that holds a year goes to dateparser
(`field_date`): month names in other languages. Where each wins is measured
in bench/dates_bench.py (BENCHMARKS.md, "Usability (issue 18)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import lru_cache

PRECISIONS = ("year", "month", "day", "minute")
MIN_YEAR, MAX_YEAR = 1900, 2100
# How sure a clean parse of each precision is: a day-precise field is
# usually right; a bare year says little.
_PRECISION_CONFIDENCE = {"year": 0.4, "month": 0.6, "day": 0.85, "minute": 0.9}
# Datelines found in the text are trusted less than a metadata field.
TEXT_DATE_FACTOR = 0.5
DATELINE_MAX_LINES = 8

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"

_ISO = re.compile(
    r"(?<![\d+\-])(?P<year>\d{4})-(?P<month>\d\d)(?:-(?P<day>\d\d)"
    r"(?:[T ](?P<hour>\d\d):(?P<minute>\d\d)(?::(?P<second>\d\d)(?:\.\d+)?)?"
    r"(?P<tz>Z|[+-]\d\d:?\d\d)?)?)?(?!\d)"
)
_SLASHED_YMD = re.compile(r"(?<![\d+\-/])(?P<year>(?:19|20)\d\d)[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})(?![\d/])")
_SLASHED_DMY = re.compile(
    r"(?<![\d+\-/.])(?P<first>\d{1,2})(?P<sep>[/.])(?P<second>\d{1,2})(?P=sep)(?P<year>(?:19|20)\d\d)(?![\d/])"
)
# A time of day right after a date: "17 October 2019 14:31", "10/17/2019 2:31 PM GMT".
_TIME_AFTER = re.compile(
    r"^(?:,?\s*(?:at\s+)?|T)(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::\d\d)?\s*(?P<ampm>[ap]\.?m\.?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d\d:?\d\d)?(?![\d:])", re.I
)
_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},?\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d\d:\d\d(?::\d\d)?\s*"
                      r"(?:[+-]\d{4}|[A-Z]{1,5})?\s*$")
# Zero timestamps and placeholder dates: a CMS's "no date", not a date.
_PLACEHOLDERS = {(1970, 1, 1), (1900, 1, 1), (2000, 1, 1)}
# Word boundaries matter: "+317 October 2019" must not read as the 17th.
_MONTH_DAY_YEAR = re.compile(r"\b" + _MONTH + r"\s+" + _DAY + r",?\s+" + _YEAR + r"\b", re.I)
_DAY_MONTH_YEAR = re.compile(r"(?<![\w+\-])" + _DAY + r"\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I)
_MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+" + _YEAR + r"\b", re.I)
_TIMESTAMP = re.compile(r"^\s*(?P<seconds>\d{9,10})(?P<millis>\d{3})?(?:\.\d+)?\s*$")
_TIME_OF_DAY = re.compile(r"\b\d{1,2}:\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?)?\b", re.I)
_ZONE = re.compile(r"\b(?:GMT|UTC|[ECMP][SD]T|CET|CEST|MSK|BST)\b", re.I)
_WEEKDAY = re.compile(r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b\.?,?", re.I)
_LABEL = re.compile(
    r"\b(?:published|updated|posted|last\s+modified|modified|date|dated|on|at|by|am|pm|"
    r"first\s+published|created)\b:?", re.I
)
# A date on a photo-credit line dates the photo, not the article.
_PHOTO_CREDIT = re.compile(r"©|\(c\)|\bphoto\b|\bcredit\b|\bgetty\b|\bimages?\b|\bfile\b", re.I)


@dataclass(frozen=True)
class ParsedDate:
    """A date as read: the value, how precise it is, how much it is trusted, and from what."""

    value: datetime  # naive unless the input carried a zone; unknown parts set to 1
    precision: str  # one of PRECISIONS
    confidence: float  # 0..1
    text: str  # the characters it was read from
    origin: str = "field"  # "field" or "text"

    def key(self, precision: str) -> tuple:
        """The value cut to `precision`, for comparing two dates."""
        v = self.value
        if v.tzinfo is not None and precision == "minute":
            v = v.astimezone(timezone.utc)
        parts = (v.year, v.month, v.day, v.hour, v.minute)
        return parts[: PRECISIONS.index(precision) + 1 if precision != "minute" else 5]

    def iso(self) -> str:
        v = self.value
        if self.precision == "year":
            return f"{v.year:04d}"
        if self.precision == "month":
            return f"{v.year:04d}-{v.month:02d}"
        if self.precision == "day":
            return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"
        return v.isoformat(timespec="minutes")


def _make(year, month=1, day=1, hour=0, minute=0, tz=None) -> datetime | None:
    try:
        year, month, day, hour, minute = int(year), int(month), int(day), int(hour), int(minute)
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        return datetime(year, month, day, hour, minute, tzinfo=tz)
    except (TypeError, ValueError, OverflowError):
        return None


def _zone(text: str | None):
    if not text:
        return None
    if text == "Z":
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    try:
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 14 or minutes > 59:
            return None
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    except ValueError:
        return None


def _match_iso(m: re.Match):
    g = m.groupdict()
    if g["day"] is None:
        return _make(g["year"], g["month"]), "month"
    if g["hour"] is None:
        return _make(g["year"], g["month"], g["day"]), "day"
    zone = _zone(g["tz"])
    if g["tz"] and zone is None:
        # An impossible offset: keep the day, distrust the time.
        return _make(g["year"], g["month"], g["day"]), "day"
    return _make(g["year"], g["month"], g["day"], g["hour"], g["minute"], zone), "minute"


def _match_named(m: re.Match):
    g = m.groupdict()
    month = _MONTHS[g["month"].lower().rstrip(".")]
    if g.get("day") is None:
        return _make(g["year"], month), "month"
    return _make(g["year"], month, g["day"]), "day"


def _match_slashed_dmy(m: re.Match):
    first, second, year = int(m["first"]), int(m["second"]), m["year"]
    if m["sep"] == "." and second <= 12:
        return _make(year, second, first), "day"  # dotted dates are day-first (17.10.2019)
    if first > 12 >= second:
        return _make(year, second, first), "day"
    if second > 12 >= first:
        return _make(year, first, second), "day"
    if first == second:
        return _make(year, first, first), "day"
    # 03/04/2019: April 3rd or March 4th; only the year is certain.
    return _make(year), "year"


# Most specific first: the first form that matches wins.
_FORMS = (
    (_ISO, _match_iso),
    (_SLASHED_YMD, lambda m: (_make(m["year"], m["month"], m["day"]), "day")),
    (_MONTH_DAY_YEAR, _match_named),
    (_DAY_MONTH_YEAR, _match_named),
    (_SLASHED_DMY, _match_slashed_dmy),
    (_MONTH_YEAR, _match_named),
)


def _leftover_junk(text: str, span: tuple[int, int]) -> str:
    """What is left of `text` around a date once times, zones, weekdays and labels are removed."""
    rest = text[: span[0]] + " " + text[span[1]:]
    for pattern in (_TIME_OF_DAY, _ZONE, _WEEKDAY, _LABEL):
        rest = pattern.sub(" ", rest)
    return re.sub(r"[\s,.;:|/()\[\]\-–—]+", "", rest)


def _timestamp(text: str) -> ParsedDate | None:
    m = _TIMESTAMP.match(text)
    if not m:
        return None
    try:
        value = datetime.fromtimestamp(int(m["seconds"]), tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    if not MIN_YEAR <= value.year <= MAX_YEAR or (value.year, value.month, value.day) in _PLACEHOLDERS:
        return None
    return ParsedDate(value, "minute", _PRECISION_CONFIDENCE["minute"], text.strip())


def _rfc2822(text: str) -> ParsedDate | None:
    if not _RFC2822.match(text):
        return None
    try:
        value = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR or (value.year, value.month, value.day) in _PLACEHOLDERS:
        return None
    return ParsedDate(value, "minute", _PRECISION_CONFIDENCE["minute"], text.strip())


def parse_date(value, origin: str = "field") -> ParsedDate | None:
    """Read a date from a field value (string, number, date or datetime); None if there is none.

    Never raises. The confidence drops when the value holds characters that
    are neither the date nor its usual company (time, zone, weekday, label).
    """
    try:
        return _parse(value, origin)
    except Exception:  # a date field must never stop a run; an unreadable one is no date
        return None


def _parse(value, origin: str) -> ParsedDate | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return ParsedDate(value, "minute", _PRECISION_CONFIDENCE["minute"], value.isoformat(), origin)
    if isinstance(value, date):
        return ParsedDate(datetime(value.year, value.month, value.day), "day", _PRECISION_CONFIDENCE["day"],
                          value.isoformat(), origin)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(int(value))
    text = str(value).strip()
    if not text or len(text) > 200:
        return None
    found = _timestamp(text) or _rfc2822(text)
    if found:
        return ParsedDate(found.value, found.precision, found.confidence, found.text, origin)
    for pattern, read in _FORMS:
        for m in pattern.finditer(text):
            parsed, precision = read(m)
            if parsed is None:
                continue
            end = m.end()
            if precision == "day":
                parsed, precision, end = _with_time(text, parsed, end)
            if (parsed.year, parsed.month, parsed.day) in _PLACEHOLDERS and precision in ("day", "minute"):
                return None
            confidence = _PRECISION_CONFIDENCE[precision]
            junk = _leftover_junk(text, (m.start(), end))
            if junk:
                # Unexplained characters: the stronger the doubt, the more digits.
                confidence *= 0.3 if re.search(r"\d", junk) else 0.7
            return ParsedDate(parsed, precision, round(confidence, 3), text[m.start():end], origin)
    return None


def _with_time(text: str, day: datetime, end: int) -> tuple[datetime, str, int]:
    """The day with the time of day that follows it, if one does."""
    t = _TIME_AFTER.match(text[end:])
    if not t:
        return day, "day", end
    hour, minute = int(t["hour"]), int(t["minute"])
    if t["ampm"]:
        if not 1 <= hour <= 12:
            return day, "day", end
        hour = hour % 12 + (12 if t["ampm"].lower().startswith("p") else 0)
    zone = t["zone"]
    tz = None
    if zone:
        tz = timezone.utc if zone.upper() in ("Z", "UTC", "GMT") else _zone(zone)
        if tz is None:
            return day, "day", end
    value = _make(day.year, day.month, day.day, hour, minute, tz)
    return (value, "minute", end + t.end()) if value else (day, "day", end)


def find_dateline(text: str, max_lines: int = DATELINE_MAX_LINES) -> ParsedDate | None:
    """The date of a dateline among the first non-empty lines of `text`, trusted less than a field.

    A dateline is a short line that is mostly a date; dates inside prose and
    on photo-credit lines are not datelines.
    """
    seen = 0
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        seen += 1
        if seen > max_lines:
            break
        if len(line) > 80 or _PHOTO_CREDIT.search(line):
            continue
        found = parse_date(line, origin="text")
        if found is None:
            continue
        if len(found.text) < 0.4 * len(line):
            continue  # a date mentioned in a sentence, not a dateline
        return ParsedDate(found.value, found.precision, round(found.confidence * TEXT_DATE_FACTOR, 3),
                          found.text, "text")
    return None


def field_date(value) -> ParsedDate | None:
    """A date field read as the published column reads it: the rules above, then dateparser for a value they
    cannot read that holds a year (month names in other languages: "3. März 2021", "31 июля 2022").

    bench/dates_bench.py: the rules are as right as dateparser on every English and numeric form, better on
    junk (epoch placeholders, a zone glued to the day) and ~500x faster; dateparser reads the other languages'
    month names the rules miss (150/150 each of de, es, fr, it, ru against 64/0/0/0/0).
    """
    found = parse_date(value)
    if found is None and isinstance(value, str) and value.strip() and len(value) <= 200:
        found = _fallback(value.strip())
    return found


def document_date(field_value, text: str | None = None, fields: dict | None = None) -> ParsedDate | None:
    """The date of a document: its date field when readable (`field_date`), else a dateline in its text.

    Datelines keep the rules alone: on real pages dateparser's search over the start of the main text gave a
    wrong day on 33 of 45 (bench/dates_bench.py --pages). `fields`: the dates of the field strings read so
    far, for a caller reading many documents (a day's stories share one string): each is read once.
    """
    if fields is not None and isinstance(field_value, str):
        if field_value not in fields:
            fields[field_value] = field_date(field_value)
        found = fields[field_value]
    else:
        found = field_date(field_value)
    return found or (find_dateline(text) if text else None)


def compare_dates(x: ParsedDate | None, y: ParsedDate | None) -> int | None:
    """-1 if x is earlier than y, 1 if later, 0 if equal at the precision both share, None if unknown.

    Times are compared only when both dates carry a zone: two naive times,
    or a naive and a zoned one, may be hours apart in truth (two outlets in
    two time zones); `order_dates` reads them at low strength.
    """
    if x is None or y is None:
        return None
    precision = PRECISIONS[min(PRECISIONS.index(x.precision), PRECISIONS.index(y.precision))]
    if precision == "minute" and (x.value.tzinfo is None or y.value.tzinfo is None):
        precision = "day"
    kx, ky = x.key(precision), y.key(precision)
    return (kx > ky) - (kx < ky)


# Weight of an order read from times of day when a zone is missing on one side
# or both: a same-day order that a time zone could turn round.
NAIVE_TIME_WEIGHT = 0.3


def order_dates(x: ParsedDate | None, y: ParsedDate | None) -> tuple[int | None, float]:
    """(order, strength): `compare_dates`, and for a same-day tie, the times read as UTC at low strength."""
    order = compare_dates(x, y)
    if order != 0 or x.precision != "minute" or y.precision != "minute":
        return order, 1.0
    kx, ky = _as_utc_naive(x.value), _as_utc_naive(y.value)
    return (kx > ky) - (kx < ky), NAIVE_TIME_WEIGHT


def _as_utc_naive(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(timezone.utc).replace(tzinfo=None)


# The `published` columns of documents.parquet: a UTC timestamp DuckDB, pandas and polars read as one,
# how precise it is, where it was read, and the string it was read from.
PUBLISHED_COLUMNS = ("published", "published_precision", "published_source", "published_raw")
# Files whose date field was read off the page itself (its metadata or byline), not given by the user.
_PAGE_FILES = re.compile(r"\.(?:html?|warc|arc|xml|rss|atom)(?:\.gz)?(?::\d+)?$", re.I)
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _fallback(text: str) -> ParsedDate | None:
    """dateparser, for what the rules above cannot read (month names in other languages: bench/dates_bench.py).

    Only for values holding a year: a relative time ("5 hours ago") dates the
    scrape, not the article. Cached: it costs ~12 ms a value.
    """
    if not _HAS_YEAR.search(text):
        return None
    return _dateparser(text)


# dateparser's `period` (what the value says) as a precision: "2021" is a year, "März 2021" a month, never a
# made-up day; a quarter or a week is read no finer than its year or month.
_PERIODS = {"year": "year", "quarter": "year", "month": "month", "week": "month", "day": "day", "time": "day"}


@lru_cache(maxsize=1)
def _date_data_parser():
    import dateparser

    return dateparser.DateDataParser(settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first"})


@lru_cache(maxsize=1 << 14)
def _dateparser(text: str) -> ParsedDate | None:
    try:
        parser = _date_data_parser()
    except ImportError:  # optional: without it such dates stay unread, as before
        return None
    try:
        data = parser.get_date_data(text)
    except Exception:  # noqa: BLE001  (a date field never stops a run)
        return None
    value = data.date_obj if data is not None else None
    if value is None or not MIN_YEAR <= value.year <= MAX_YEAR or (value.year, value.month, value.day) in _PLACEHOLDERS:
        return None
    precision = _PERIODS.get(data.period or "day", "day")
    if precision == "day" and _TIME_OF_DAY.search(text):
        precision = "minute"
    elif precision == "month":
        value = value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    elif precision == "year":
        value = value.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return ParsedDate(value, precision, _PRECISION_CONFIDENCE[precision] * 0.9, text, "field")


def published_of(date_value, text: str | None, origin: str | None = None) -> tuple[datetime, str, str, str] | None:
    """(UTC value, precision, source, raw) of one document; source is field, page or dateline.

    A value without a zone is read as UTC (the precision says how far to trust its time).
    """
    found, source = None, "field"
    if date_value not in (None, ""):
        raw = str(date_value).strip()
        found = field_date(raw)
        if found is not None and origin and _PAGE_FILES.search(origin):
            source = "page"
    if found is None and text:
        found, source = find_dateline(text), "dateline"
    if found is None:
        return None
    value = found.value
    value = value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value, found.precision, source, found.text


def with_published(documents):
    """`documents` (an Arrow table with date and text) with the PUBLISHED_COLUMNS appended."""
    import pyarrow as pa

    dates = documents["date"].to_pylist() if "date" in documents.column_names else [None] * documents.num_rows
    origins = documents["origin"].to_pylist() if "origin" in documents.column_names else [None] * documents.num_rows
    columns = {name: [] for name in PUBLISHED_COLUMNS}
    for date_value, text, origin in zip(dates, documents["text"].to_pylist(), origins):
        found = published_of(date_value, text, origin)
        for name, value in zip(PUBLISHED_COLUMNS, found or (None,) * 4):
            columns[name].append(value)
    types = (pa.timestamp("us", tz="UTC"), pa.string(), pa.string(), pa.string())
    for (name, values), kind in zip(columns.items(), types):
        documents = documents.append_column(name, pa.array(values, kind))
    return documents
