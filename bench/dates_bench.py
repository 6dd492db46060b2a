"""Date fields: the project's own rules (text/dates.py) against dateparser, on dates with a known truth.

The dates are those the benchmark corpus writes (`copytrace bench make`:
evaluation/outlets.py `format_date`, six formats, and `junk_date`, four
kinds of broken scraper output), for random moments; plus day-month-year
dates with month names in five other languages (written from a small
table here), month-and-year values ("March 2021", "März 2021") in six
languages and bare years. Scored: right to the minute (UTC; a value without
a zone is read as UTC, as the published column does), right to the day, a
date where there is none (junk), nothing where there is one (missed), a
precision finer than the value gives ("fine+": a day made up for "März
2021"), and the time per value.

    PYTHONPATH=src .venv/bin/python bench/dates_bench.py --per-format 300
    PYTHONPATH=src .venv/bin/python bench/dates_bench.py --pages

`--pages`: the real article pages of ../shared/data whose url holds the day (45 of 181), dated from
their HTML alone (the url is not given to any reader) by htmldate, the own rules and dateparser.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from datetime import datetime, timedelta, timezone

from copytrace.evaluation.outlets import DATE_FORMATS, format_date, junk_date
from copytrace.text.dates import PRECISIONS, parse_date, published_of

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
    for language, names in {"en": "January February March April May June July August September October "
                                  "November December", **MONTH_NAMES}.items():
        months = names.split()
        for _ in range(per_format // 10):  # a month and a year only: no day may be made up
            m = moment()
            yield f"month_{language}", f"{months[m.month - 1]} {m.year}", m, "month"
    for _ in range(per_format // 10):  # a bare year
        m = moment()
        yield "year", str(m.year), m, "year"
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

    periods = {"year": "year", "quarter": "year", "month": "month", "week": "month"}

    def read(text: str):
        data = parser.get_date_data(text)
        if data is None or data.date_obj is None:
            return None, None
        # its `period` says "day" even when a time was read: minute where the text holds a time
        return data.date_obj, periods.get(data.period) or ("minute" if re.search(r"\d:\d\d", text) else "day")

    return read


def utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def score(read, items) -> dict:
    out = {}
    started = time.perf_counter()
    for style, text, truth, precision in items:
        row = out.setdefault(style, {"n": 0, "minute": 0, "day": 0, "month": 0, "year": 0, "false_date": 0,
                                     "missed": 0, "too_fine": 0})
        row["n"] += 1
        value, got = read(text)
        if value is None:
            row["missed"] += precision is not None
            continue
        if precision is None:
            row["false_date"] += 1
            continue
        # A precision finer than the value gives (a day for "March 2021"): a made-up day or month
        row["too_fine"] += PRECISIONS.index(got) > PRECISIONS.index(precision)
        value = utc(value)
        row["year"] += value.year == truth.year
        row["month"] += (value.year, value.month) == (truth.year, truth.month) and precision != "year"
        row["day"] += value.date() == truth.date() and precision in ("day", "minute")
        row["minute"] += value.replace(second=0) == truth.replace(second=0) and precision == "minute" and got == "minute"
    out["_seconds"] = time.perf_counter() - started
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-format", type=int, default=300)
    parser.add_argument("--pages", action="store_true", help="Only the real pages of ../shared/data (dated by url).")
    args = parser.parse_args()
    if args.pages:
        print(json.dumps(score_pages()))
        return
    items = list(cases(args.per_format))
    results = {"own rules": score(own, items), "dateparser": score(make_dateparser(), items),
               "published column": score(published, items)}
    styles = sorted({i[0] for i in items})
    print(f"{'format':<12} {'n':>5}  " + "  ".join(f"{name:>50}" for name in results))
    print(f"{'':<12} {'':>5}  " + "  ".join(f"{'minute  day  month  year  false  missed  fine+':>50}" for _ in results))
    for style in styles:
        cells = []
        for res in results.values():
            r = res[style]
            cells.append(f"{r['minute']:>6} {r['day']:>4} {r['month']:>6} {r['year']:>5} {r['false_date']:>6} {r['missed']:>7}"
                         f" {r['too_fine']:>6}")
        print(f"{style:<12} {results['own rules'][style]['n']:>5}  " + "  ".join(f"{c:>50}" for c in cells))
    for name, res in results.items():
        print(f"{name}: {res['_seconds'] / len(items) * 1e6:.0f} µs per value")
    print(json.dumps({name: res for name, res in results.items()}, default=str))



# --- Page dates: real article pages whose URL carries the day (../shared/data, article-extraction-benchmark) ---

URL_DAY = re.compile(r"/((?:19|20)\d\d)[/-](\d\d?)[/-](\d\d?)(?:/|-|$)|/((?:19|20)\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])/")


def dated_pages():
    """(html, day from the url) for each benchmark page whose url holds a day; the readers are not given the url."""
    import gzip
    from pathlib import Path

    here = Path(__file__).resolve().parent.parent
    roots = [up / "shared" / "data" / "article-extraction-benchmark" for up in (here.parent, here.parent.parent)]
    root = next((r for r in roots if (r / "ground-truth.json").exists()), None)
    if root is None:  # a worktree sits one level deeper than the repository beside ../shared
        raise SystemExit("--pages needs ../shared/data/article-extraction-benchmark beside the repository")
    truth = json.loads((root / "ground-truth.json").read_text())
    for key, row in sorted(truth.items()):
        m = URL_DAY.search(row["url"])
        if not m:
            continue
        y, mo, d = [int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:])]
        html = gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace")
        yield html, datetime(y, mo, d).date()


def page_readers():
    """Ways to date a page: htmldate (as copytrace reads pages now, and with its defaults), the own dateline
    rule over the page's main text, and dateparser's search over the start of the main text."""
    import htmldate
    from dateparser.search import search_dates

    from copytrace.stages.clean.extract import extract_page, page_date, parse_page
    from copytrace.text.dates import find_dateline

    texts = {}

    def main_text(html):
        if html not in texts:
            page = extract_page(html)
            texts[html] = page.text if page else ""
        return texts[html]

    def as_day(value):
        found = parse_date(value) if value else None
        return found.value.date() if found else None

    def dateline(html):
        found = find_dateline(main_text(html))
        return found.value.date() if found else None

    def searched(html):
        found = search_dates(main_text(html)[:600], settings={"PREFER_DAY_OF_MONTH": "first"})
        return found[0][1].date() if found else None

    return {
        "htmldate as copytrace reads pages (original date, quick then extensive)":
            lambda html: as_day(page_date(parse_page(html), None)),
        "htmldate defaults (find_date)": lambda html: as_day(htmldate.find_date(html)),
        "own rules: dateline of the main text": dateline,
        "dateparser search_dates over the main text's start": searched,
    }


def score_pages() -> dict:
    pages = list(dated_pages())
    readers = page_readers()
    for html, _ in pages:  # main text extracted once, outside the readers' clocks
        readers["own rules: dateline of the main text"](html)
    out = {}
    for name, read in readers.items():
        row = {"pages": len(pages), "right": 0, "wrong": 0, "none": 0}
        started = time.perf_counter()
        for html, day in pages:
            got = read(html)
            row["none" if got is None else "right" if got == day else "wrong"] += 1
        row["ms_per_page"] = round((time.perf_counter() - started) / len(pages) * 1e3, 2)
        out[name] = row
        print(f"{name:<78} right {row['right']:>3}  wrong {row['wrong']:>3}  none {row['none']:>3}  "
              f"{row['ms_per_page']:>7.2f} ms/page")
    return out


if __name__ == "__main__":
    main()
