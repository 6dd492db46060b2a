"""Date fields: the project's own rules (text/dates.py) against dateparser, on dates with a known truth.

The dates are those the benchmark corpus writes (`copytrace bench make`:
evaluation/outlets.py `format_date`, six formats, and `junk_date`, four
kinds of broken scraper output), for random moments; plus day-month-year
dates with month names in five other languages (written from a small
table here). Scored: right to the minute (UTC; a value without a zone is
read as UTC, as the published column does), right to the day, a date where
there is none (junk), nothing where there is one (missed), and the time per
value.

    PYTHONPATH=src .venv/bin/python bench/dates_bench.py --per-format 300
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import datetime, timedelta, timezone

from copytrace.evaluation.outlets import DATE_FORMATS, format_date, junk_date
from copytrace.text.dates import parse_date, published_of

MONTH_NAMES = {
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "ru": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
}
# What a junk value may rightly give: kind 0 ("14:31 GMT +317 October 2019") and 3 ("2017-05") a month, 1 and 2 nothing.
JUNK_TRUTH = {0: "month", 1: None, 2: None, 3: "month"}


def cases(per_format: int, seed: int = 7):
    rng = random.Random(seed)
    start = datetime(2015, 1, 1)

    def moment():
        return start + timedelta(minutes=rng.randrange(10 * 365 * 24 * 60))

    for style in DATE_FORMATS:
        for _ in range(per_format):
            m = moment()
            precision = "day" if style == "long" else "minute"
            yield style, format_date(m, style), m, precision
    for language, names in MONTH_NAMES.items():
        months = names.split()
        for _ in range(per_format // 2):
            m = moment()
            yield f"long_{language}", f"{m.day} {months[m.month - 1]} {m.year}", m, "day"
    for _ in range(per_format):
        m = moment()
        text = junk_date(rng, m)
        kind = 0 if "GMT +3" in text else 1 if text.startswith("1970") else 2 if "ago" in text else 3
        yield f"junk_{kind}", text, m, JUNK_TRUTH[kind]


def own(text: str):
    found = parse_date(text)
    if found is None:
        return None, None
    return found.value, found.precision


def published(text: str):
    """What the published column reads: the own rules, then dateparser for what they cannot read."""
    found = published_of(text, None)
    return (found[0], found[1]) if found else (None, None)


def make_dateparser():
    import dateparser

    parser = dateparser.DateDataParser(settings={"TO_TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True,
                                                 "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY"})

    def read(text: str):
        data = parser.get_date_data(text)
        if data is None or data.date_obj is None:
            return None, None
        return data.date_obj, "minute"  # its `period` says "day" even when a time was read

    return read


def utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def score(read, items) -> dict:
    out = {}
    started = time.perf_counter()
    for style, text, truth, precision in items:
        row = out.setdefault(style, {"n": 0, "minute": 0, "day": 0, "month": 0, "false_date": 0, "missed": 0})
        row["n"] += 1
        value, got = read(text)
        if value is None:
            row["missed"] += precision is not None
            continue
        if precision is None:
            row["false_date"] += 1
            continue
        value = utc(value)
        row["month"] += (value.year, value.month) == (truth.year, truth.month)
        row["day"] += value.date() == truth.date() and precision in ("day", "minute")
        row["minute"] += value.replace(second=0) == truth.replace(second=0) and precision == "minute" and got == "minute"
    out["_seconds"] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-format", type=int, default=300)
    args = parser.parse_args()
    items = list(cases(args.per_format))
    results = {"own rules": score(own, items), "dateparser": score(make_dateparser(), items),
               "published column": score(published, items)}
    styles = sorted({i[0] for i in items})
    print(f"{'format':<12} {'n':>5}  " + "  ".join(f"{name:>36}" for name in results))
    print(f"{'':<12} {'':>5}  " + "  ".join(f"{'minute  day  month  false  missed':>36}" for _ in results))
    for style in styles:
        cells = []
        for res in results.values():
            r = res[style]
            cells.append(f"{r['minute']:>6} {r['day']:>4} {r['month']:>6} {r['false_date']:>6} {r['missed']:>7}")
        print(f"{style:<12} {results['own rules'][style]['n']:>5}  " + "  ".join(f"{c:>36}" for c in cells))
    for name, res in results.items():
        print(f"{name}: {res['_seconds'] / len(items) * 1e6:.0f} µs per value")
    print(json.dumps({name: res for name, res in results.items()}, default=str))


if __name__ == "__main__":
    main()
