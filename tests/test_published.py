"""The `published` columns of documents: a UTC timestamp DuckDB reads as one, its precision, source and raw string."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

import copytrace
from copytrace.text.dates import published_of


@pytest.mark.parametrize(("raw", "value", "precision"), [
    ("Sun, 31 Jul 2022 15:39:00 +0300", datetime(2022, 7, 31, 12, 39, tzinfo=timezone.utc), "minute"),
    ("31.07.2022 18:10", datetime(2022, 7, 31, 18, 10, tzinfo=timezone.utc), "minute"),  # no zone: read as UTC
    ("7 August 2022", datetime(2022, 8, 7, tzinfo=timezone.utc), "day"),
    ("31 июля 2022", datetime(2022, 7, 31, tzinfo=timezone.utc), "day"),  # the rules cannot: dateparser does
    ("3. März 2021", datetime(2021, 3, 3, tzinfo=timezone.utc), "day"),
    ("2017-05", datetime(2017, 5, 1, tzinfo=timezone.utc), "month"),
])
def test_field_values(raw, value, precision):
    assert published_of(raw, None) == (value, precision, "field", raw)


@pytest.mark.parametrize("raw", ["1970-01-01T00:00:00Z", "Updated 5 hours ago", "soon"])
def test_no_date_where_there_is_none(raw):
    assert published_of(raw, None) is None


def test_page_and_dateline_sources():
    assert published_of("2022-07-31", None, "site/page.html:1")[2] == "page"
    found = published_of(None, "Published 17 October 2019\n\nThe minister said ...")
    assert found[:3] == (datetime(2019, 10, 17, tzinfo=timezone.utc), "day", "dateline")
    assert found[3] == "17 October 2019"


def test_duckdb_reads_published_as_a_timestamp(tmp_path, lavrov_dir):
    duckdb = pytest.importorskip("duckdb")
    rows = [{"id": n, "text": (lavrov_dir / name).read_text(encoding="utf-8"), "date": d}
            for n, name, d in zip("abc", sorted(p.name for p in lavrov_dir.glob("*.txt")),
                                  ["Sun, 13 Oct 2019 15:39:00 +0300", "14.10.2019 18:10", None])]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    for fmt in ("parquet", "jsonl"):
        out = copytrace.scan(tmp_path / "docs.jsonl").write(tmp_path / fmt, format=fmt)
        source = f"read_parquet('{out}/documents.parquet')" if fmt == "parquet" else \
            f"read_json_auto('{out}/documents.jsonl')"
        got = duckdb.sql(f"select id, published, published_precision, published_source, published_raw, date "
                         f"from {source} order by id").fetchall()
        kind = duckdb.sql(f"select typeof(published) from {source} limit 1").fetchall()[0][0]
        assert kind.startswith("TIMESTAMP"), (fmt, kind)
        a, b = got[0], got[1]
        assert a[1].astimezone(timezone.utc) == datetime(2019, 10, 13, 12, 39, tzinfo=timezone.utc)
        assert a[2:] == ("minute", "field", "Sun, 13 Oct 2019 15:39:00 +0300", "Sun, 13 Oct 2019 15:39:00 +0300")
        assert b[1].astimezone(timezone.utc) == datetime(2019, 10, 14, 18, 10, tzinfo=timezone.utc)
        # The date string stays as given beside it
        assert b[5] == "14.10.2019 18:10"
