"""HTML input: files, gzipped files, legacy encodings, raw-HTML columns, and what extraction fills in."""

from __future__ import annotations

import gzip
import json
from html import escape
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import copytrace
from copytrace.stages.clean import clean_stage
from copytrace.stages.clean.extract import ExtractSettings, decode_html, extract_pages, fragment_text
from copytrace.io import read_inputs

from conftest import OTHER_TOPIC

TITLE, *PARAGRAPHS = [p.strip().replace("\n", " ") for p in OTHER_TOPIC.split("\n\n") if p.strip()]


def article_page(paragraphs=PARAGRAPHS, title=TITLE, charset="utf-8", canonical="https://www.portnews.example/harbour",
                 extra_head="") -> str:
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{escape(title)} - Port News</title>
<meta property="og:site_name" content="Port News">
<meta name="author" content="Ada Lovelace">
<meta property="article:published_time" content="2021-03-04T10:00:00+00:00">
<link rel="canonical" href="{canonical}">{extra_head}</head>
<body><nav><a href="/">Home</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav>
<article><h1>{escape(title)}</h1>
{body}</article>
<footer>&copy; Port News 2021. Contact us. Privacy policy.</footer></body></html>"""


def _only(table: pa.Table) -> dict:
    (row,) = table.to_pylist()
    return row


def test_html_file_gives_main_text_and_metadata(tmp_path):
    (tmp_path / "harbour.html").write_text(article_page(), encoding="utf-8")
    result = copytrace.scan(tmp_path)
    doc = _only(result.documents)
    for paragraph in PARAGRAPHS:
        assert paragraph in doc["text"]
    assert "Privacy policy" not in doc["text"] and "Weather" not in doc["text"]
    assert doc["title"] == TITLE
    assert doc["url"] == "https://www.portnews.example/harbour"
    assert doc["date"] == "2021-03-04"
    assert doc["source"] == "portnews.example"
    assert doc["author"] == "Ada Lovelace" and doc["site_name"] == "Port News"
    assert doc["origin"] == "harbour.html:1 (from the page: title, url, date, source)"
    assert "html" not in result.documents.column_names


def test_known_metadata_is_not_overwritten(tmp_path):
    (tmp_path / "a.html").write_text(article_page(), encoding="utf-8")
    (tmp_path / "_metadata.jsonl").write_text(json.dumps(
        {"id": "a.html", "source": "Port News Weekly", "date": "2021-03-05", "title": "Given title"}) + "\n")
    doc = _only(copytrace.scan(tmp_path).documents)
    assert (doc["source"], doc["date"], doc["title"]) == ("Port News Weekly", "2021-03-05", "Given title")
    assert doc["origin"] == "a.html:1 (from the page: url)"


def test_gzipped_and_truncated_gzipped_html(tmp_path):
    packed = gzip.compress(article_page().encode("utf-8"))
    (tmp_path / "ok.html.gz").write_bytes(packed)
    (tmp_path / "cut.html.gz").write_bytes(packed[: len(packed) // 2])
    result = copytrace.scan(tmp_path)
    assert result.documents["id"].to_pylist() == ["ok.html.gz"]
    reject = _only(result.rejects)
    assert reject["file"] == "cut.html.gz" and reject["reason"].startswith("truncated gzip file")


@pytest.mark.parametrize("charset, encoding, declared", [
    ("windows-1251", "cp1251", True),
    ("koi8-r", "koi8_r", True),
    ("windows-1251", "cp1251", False),
])
def test_legacy_encodings(tmp_path, charset, encoding, declared):
    russian = [
        "Министр иностранных дел России Сергей Лавров заявил в воскресенье, что альянс заморозил отношения с Москвой.",
        "По его словам, проект по вовлечению всей Украины в сферу влияния блока провалился, и это вызвало раздражение.",
        "Лавров также отметил, что ОДКБ нельзя сравнивать с НАТО, поскольку стратегия организации не называет противников.",
        "Встреча президентов должна быть хорошо подготовлена, чтобы принести конкретные результаты, добавил министр.",
    ]
    page = article_page(russian, "Лавров объяснил, почему НАТО заморозило отношения", charset if declared else "")
    if not declared:
        page = page.replace('<meta charset="">', "")
    (tmp_path / "ru.html").write_bytes(page.encode(encoding))
    doc = _only(copytrace.scan(tmp_path).documents)
    for sentence in russian:
        assert sentence in doc["text"]
    assert doc["title"] == "Лавров объяснил, почему НАТО заморозило отношения"
    assert ("declared in the page" if declared else "detected") in doc["origin"]


def test_decode_html_order():
    text = "Café crème à la gare"
    utf8_in_latin1_page = f'<meta charset="iso-8859-1"><p>{text}</p>'.encode("utf-8")
    assert decode_html(utf8_in_latin1_page) == (f'<meta charset="iso-8859-1"><p>{text}</p>', "utf-8")
    latin = f'<meta charset="iso-8859-1"><p>{text} – €</p>'.encode("cp1252")
    decoded, how = decode_html(latin)
    assert f"{text} – €" in decoded and how == "cp1252 (declared in the page)"
    assert decode_html(b"<p>x</p>", "utf-8")[1] == "utf-8"
    assert decode_html(b"\xef\xbb\xbf<p>x</p>") == ("<p>x</p>", "utf-8 (byte-order mark)")
    xhtml = '<?xml version="1.0" encoding="iso-8859-1"?><p>gare é</p>'
    assert decode_html(xhtml.encode("latin-1")) == (xhtml, "cp1252 (declared in the page)")
    http_equiv = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251"><p>Ж</p>'
    assert decode_html(http_equiv.encode("cp1251")) == (http_equiv, "cp1251 (declared in the page)")
    server_says = "Ж".encode("cp1251") * 40
    assert decode_html(server_says, "windows-1251") == ("Ж" * 40, "cp1251 (declared by the server)")


def test_raw_html_column_in_jsonl_and_parquet(tmp_path):
    rows = [
        {"id": "page", "url": "https://portnews.example/harbour", "html": article_page()},
        {"id": "both", "text": "Given text wins over the html.", "html": article_page()},
        {"id": "neither", "url": "https://portnews.example/x"},
        {"id": "plain", "text": "An ordinary text record."},
    ]
    (tmp_path / "rows.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    ingested = read_inputs([tmp_path / "rows.jsonl"])
    cleaned = clean_stage(ingested.documents)
    texts = dict(zip(cleaned.documents["id"].to_pylist(), cleaned.documents["text"].to_pylist()))
    assert set(texts) == {"page", "both", "plain"}
    assert PARAGRAPHS[0] in texts["page"] and "<p>" not in texts["page"]
    assert texts["both"] == "Given text wins over the html."
    reject = _only(ingested.rejects)
    assert (reject["id"], reject["record"]) == ("neither", 3)
    assert reject["reason"] == "missing text field 'text' and html field 'html'"

    pq.write_table(pa.Table.from_pylist([{"id": "p1", "html": article_page()}, {"id": "p2", "html": None}]),
                   tmp_path / "pages.parquet")
    result = copytrace.scan(tmp_path / "pages.parquet")
    assert result.documents["id"].to_pylist() == ["p1"]
    assert _only(result.rejects)["id"] == "p2"


def test_page_without_main_text_is_rejected(tmp_path):
    (tmp_path / "empty.html").write_text("<html><head><title>Nothing</title></head><body><script>app()</script><img src=a.png></body></html>")
    (tmp_path / "good.html").write_text(article_page(), encoding="utf-8")
    result = copytrace.scan(tmp_path)
    assert result.documents["id"].to_pylist() == ["good.html"]
    reject = _only(result.rejects)
    assert reject["file"] == "empty.html" and reject["reason"] == "no main text found in the page (trafilatura)"


def test_parallel_extraction_matches_serial():
    pages = [(article_page(PARAGRAPHS[i % 4:] + PARAGRAPHS[: i % 4], f"Story {i}"), f"https://p.example/{i}")
             for i in range(48)]
    serial = extract_pages(pages, ExtractSettings(workers=1))
    parallel = extract_pages(pages, ExtractSettings(workers=2))
    assert [p.text for p in parallel] == [p.text for p in serial]
    assert [p.title for p in parallel] == [f"Story {i}" for i in range(48)]


def test_fragment_text_keeps_every_block():
    html = ("<p>One\n two.</p><div>Three &amp; four<br>five</div><script>var x;</script>"
            "<p>The post <a href='/x'>X</a> appeared first on <a href='/'>The Duran</a>.</p>")
    assert fragment_text(html) == "One two.\nThree & four\nfive\nThe post X appeared first on The Duran."
    assert fragment_text("") == "" and fragment_text("just text") == "just text"


def test_binary_file_named_html_is_rejected(tmp_path):
    (tmp_path / "x.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "good.html").write_text(article_page(), encoding="utf-8")
    result = copytrace.scan(tmp_path)
    assert _only(result.rejects)["reason"] == "binary file (NUL bytes), not HTML"


def test_html_documents_go_through_the_whole_scan(tmp_path):
    """Two pages carrying one story: extracted, paired, and their passages point into the extracted text."""
    (tmp_path / "a.html").write_text(article_page(), encoding="utf-8")
    (tmp_path / "b.html").write_text(article_page(PARAGRAPHS[:3], "Dredging plan approved",
                                                  canonical="https://copier.example/dredging"), encoding="utf-8")
    result = copytrace.scan(tmp_path)
    assert [(p["a"], p["b"]) for p in result.pairs.to_pylist()] == [("a.html", "b.html")]
    texts = dict(zip(result.documents["id"].to_pylist(), result.documents["text"].to_pylist()))
    (passage,) = result.tables["passages"].to_pylist()
    shared = texts["a.html"][passage["a_start"]:passage["a_end"]]
    assert shared == texts["b.html"][passage["b_start"]:passage["b_end"]]
    assert shared.startswith(PARAGRAPHS[0]) and shared.endswith(PARAGRAPHS[2])


def test_author_from_a_byline_when_meta_tags_name_none():
    from copytrace.stages.clean.extract import extract_page

    page = article_page().replace('<meta name="author" content="Ada Lovelace">', "").replace(
        "<article>", '<article><p class="byline">By Grace Hopper | Updated 5 May 2021</p>')
    assert extract_page(page).author == "Grace Hopper"
    assert extract_page(article_page().replace('<meta name="author" content="Ada Lovelace">', "")).author is None


def test_parallel_extraction_ends_under_a_sigterm_handler(tmp_path):
    """A process that handles SIGTERM itself (a CLI run under `sigterm_as_interrupt`, a test's server) forks
    extraction workers that must still die when their pool terminates them: the pool's exit returns."""
    import subprocess
    import sys

    script = tmp_path / "run.py"
    script.write_text(
        "import signal, sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_html import PARAGRAPHS, article_page\n"
        "from copytrace.settings import ExtractSettings\n"
        "from copytrace.stages.clean.extract import extract_pages\n"
        "signal.signal(signal.SIGTERM, lambda *a: None)  # a handler that lets the process live on\n"
        "pages = [(article_page(PARAGRAPHS, f'Story {i}'), f'https://p.example/{i}') for i in range(48)]\n"
        "for _ in range(3):\n"
        "    assert len(extract_pages(pages, ExtractSettings(workers=2))) == 48\n"
        "print('ended')\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ended"
