from datetime import datetime, timezone

import pytest

from copytrace.text.dates import (
    NAIVE_TIME_WEIGHT,
    compare_dates,
    document_date,
    find_dateline,
    order_dates,
    parse_date,
)


@pytest.mark.parametrize(
    "value, iso, precision",
    [
        ("2019-10-17", "2019-10-17", "day"),
        ("2019-10-17T14:31:00Z", "2019-10-17T14:31+00:00", "minute"),
        ("2019-10-17 14:31:00+03:00", "2019-10-17T14:31+03:00", "minute"),
        ("Thu, 17 Oct 2019 14:31:00 +0300", "2019-10-17T14:31+03:00", "minute"),
        ("October 17, 2019", "2019-10-17", "day"),
        ("Oct. 17th, 2019", "2019-10-17", "day"),
        ("17 October 2019", "2019-10-17", "day"),
        ("17 Oct 2019", "2019-10-17", "day"),
        ("Posted on Thursday, October 17, 2019 at 2:31 pm", "2019-10-17T14:31", "minute"),
        ("Sep 29, 2023 07:24 PM", "2023-09-29T19:24", "minute"),
        ("22.12.2023 08:36", "2023-12-22T08:36", "minute"),
        ("11.12.2023", "2023-12-11", "day"),
        ("17 October 2019, 14:31 GMT", "2019-10-17T14:31+00:00", "minute"),
        ("17/10/2019", "2019-10-17", "day"),
        ("2019/10/17", "2019-10-17", "day"),
        ("October 2019", "2019-10", "month"),
        ("2019-10", "2019-10", "month"),
        ("1571322660", "2019-10-17T14:31+00:00", "minute"),
        ("1571322660000", "2019-10-17T14:31+00:00", "minute"),
    ],
)
def test_date_forms(value, iso, precision):
    parsed = parse_date(value)
    assert parsed is not None
    assert parsed.iso() == iso
    assert parsed.precision == precision
    assert parsed.confidence >= 0.6


def test_numbers_dates_and_datetimes_are_read():
    assert parse_date(1571322660).iso() == "2019-10-17T14:31+00:00"
    assert parse_date(datetime(2019, 10, 17, 14, 31, tzinfo=timezone.utc)).precision == "minute"
    assert parse_date(datetime(2019, 10, 17).date()).iso() == "2019-10-17"


def test_mangled_seed_timestamp_gives_no_day_and_low_confidence():
    # "14:31 GMT +3" and "17 October 2019" glued: the 17th must not be read as the day,
    # and the junk "+317" must show in the confidence.
    parsed = parse_date("14:31 GMT +317 October 2019")
    assert parsed is not None
    assert parsed.precision == "month" and parsed.iso() == "2019-10"
    assert parsed.confidence < 0.3


@pytest.mark.parametrize(
    "junk",
    ["", "   ", "junk", "+317", "2019-13-45", "99999999999999", "31/02/2019", "0000-00-00", "date",
     "1 January 0001", "Sunday", "\x00\x01", "9" * 300, None, [], {"a": 1}, float("nan"), "2019-02-30"],
)
def test_junk_never_raises_and_gives_no_date(junk):
    assert parse_date(junk) is None


def test_ambiguous_day_and_month_keep_only_the_year():
    parsed = parse_date("03/04/2019")
    assert parsed.precision == "year" and parsed.iso() == "2019"


def test_impossible_zone_keeps_the_day_only():
    parsed = parse_date("2019-10-17 14:31:00+99:00")
    assert parsed.precision == "day" and parsed.iso() == "2019-10-17"


def test_dateline_is_found_near_the_top_and_trusted_less_than_a_field():
    text = "Harbour news\nPublished 17 October 2019\n\nThe port authority voted on Tuesday.\n"
    line = find_dateline(text)
    assert line.iso() == "2019-10-17" and line.origin == "text"
    assert line.confidence < parse_date("17 October 2019").confidence


def test_dates_inside_sentences_and_photo_credits_are_not_datelines(lavrov_dir):
    assert find_dateline("The minister spoke at a press conference on December 13, 2016 in Moscow.\n") is None
    assert find_dateline(" date 2017-05 © AFP 2017/ ANDREJ ISAKOVIC\n\nText.") is None
    # Seed 001 begins with a photo credit dated 2017: it must not date the 2019 article.
    assert find_dateline((lavrov_dir / "001_029c3bd5a6ee19c6.txt").read_text()) is None
    # Seed 000's mangled timestamp yields at most the month, at very low confidence.
    seed = find_dateline((lavrov_dir / "000_f6bf16f87c8d377a.txt").read_text())
    assert seed.iso() == "2019-10" and seed.confidence < 0.2


def test_document_date_prefers_the_field():
    text = "Published 1 March 2018\n\nBody."
    assert document_date("2019-10-17", text).iso() == "2019-10-17"
    assert document_date(None, text).iso() == "2018-03-01"
    assert document_date("junk", "no date here") is None


def test_document_dates_read_each_field_string_once(monkeypatch):
    import copytrace.text.dates as dates

    rows = [("2019-10-17", "LONDON, March 1, 2018 - x"), ("junk", "LONDON, March 1, 2018 - y"), ("junk", "none"),
            ("2019-10-17", None), (None, "LONDON, March 1, 2018 - z"), (1571270400, None), ("3. März 2021", None)]
    plain = [document_date(value, text) for value, text in rows]
    read = []
    monkeypatch.setattr(dates, "field_date", lambda value, read_one=dates.field_date: read.append(value) or read_one(value))
    fields: dict = {}
    assert [document_date(value, text, fields) for value, text in rows] == plain
    assert read == ["2019-10-17", "junk", None, 1571270400, "3. März 2021"]  # strings once each; others every time


def test_compare_at_the_shared_precision():
    day = parse_date("2019-10-17")
    assert compare_dates(day, parse_date("2019-10-18")) == -1
    assert compare_dates(parse_date("2019-10-18"), day) == 1
    assert compare_dates(day, parse_date("October 2019")) == 0  # same month: no order
    assert compare_dates(day, None) is None
    # Zoned times compare in UTC: 14:31 in Moscow is before 12:00 in London.
    assert compare_dates(parse_date("2019-10-17T14:31:00+03:00"), parse_date("2019-10-17T12:00:00Z")) == -1
    # A naive time and a zoned one compare by day only.
    assert compare_dates(parse_date("2019-10-17T14:31:00"), parse_date("2019-10-17T12:00:00Z")) == 0


@pytest.mark.parametrize("placeholder", ["1970-01-01T00:00:00Z", "0", "1970-01-01", "Thu, 01 Jan 1970 00:00:00 +0000"])
def test_placeholder_dates_are_no_date(placeholder):
    assert parse_date(placeholder) is None


def test_same_day_times_without_a_zone_order_weakly():
    naive, zoned = parse_date("2020-10-17 12:28"), parse_date("Sat, 17 Oct 2020 16:04:23 +0000")
    assert compare_dates(naive, zoned) == 0
    assert order_dates(naive, zoned) == (-1, NAIVE_TIME_WEIGHT)
    assert order_dates(parse_date("2020-10-16"), zoned) == (-1, 1.0)
    assert order_dates(None, zoned) == (None, 1.0)


@pytest.mark.parametrize(("value", "day"), [("3. März 2021", (2021, 3, 3)), ("31 июля 2022", (2022, 7, 31)),
                                            ("12 octobre 2020", (2020, 10, 12)), ("5 de mayo de 2019", (2019, 5, 5))])
def test_field_dates_in_other_languages_read_by_dateparser(value, day):
    """Month names the rules do not know: dateparser reads them (bench/dates_bench.py), for every user of a
    document's date (provenance, dedup's earliest), as for the published column."""
    pytest.importorskip("dateparser")
    from copytrace.text.dates import field_date, published_of

    assert parse_date(value) is None  # the rules alone miss it
    found = document_date(value, "No dateline here.\n\nThe minister said ...")
    assert found is not None and found.precision == "day" and (found.value.year, found.value.month,
                                                                found.value.day) == day
    assert field_date(value).value == found.value
    assert published_of(value, None)[0].date() == found.value.date()


@pytest.mark.parametrize("value", ["Updated 5 hours ago", "vor 3 Stunden", "1970-01-01T00:00:00Z", "Sommer"])
def test_the_fallback_gives_no_date_for_relative_times_and_placeholders(value):
    pytest.importorskip("dateparser")
    from copytrace.text.dates import field_date

    assert field_date(value) is None


@pytest.mark.parametrize(("value", "precision", "moment"), [
    ("2021", "year", datetime(2021, 1, 1)), ("Q3 2021", "year", datetime(2021, 1, 1)),
    ("März 2021", "month", datetime(2021, 3, 1)), ("31 июля 2022 14:05", "minute", datetime(2022, 7, 31, 14, 5)),
])
def test_the_fallback_reads_no_finer_than_the_value_says(value, precision, moment):
    """dateparser fills a missing day or month from today's date; its `period` says what was given, and the
    value is kept at that precision (never a made-up day)."""
    pytest.importorskip("dateparser")
    from copytrace.text.dates import field_date

    found = field_date(value)
    assert (found.precision, found.value) == (precision, moment)
