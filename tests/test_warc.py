"""WARC input: HTML responses become documents, the rest is skipped and counted, truncation is reported."""

from __future__ import annotations

import gzip
import io
from html import escape
from pathlib import Path

import pytest

import copytrace

from conftest import OTHER_TOPIC

warcio = pytest.importorskip("warcio")
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

PARAGRAPHS = [p.strip().replace("\n", " ") for p in OTHER_TOPIC.split("\n\n") if p.strip()][1:]
FETCHED = "2021-05-06T07:08:09Z"


def page(title: str, paragraphs=PARAGRAPHS, published: str | None = None) -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return f"<html><head><title>{escape(title)}</title>{meta}</head><body><article><h1>{escape(title)}</h1>{body}</article></body></html>"


class Archive:
    """Writes a WARC with warcio, remembering where each record ends."""

    def __init__(self, path: Path, compress: bool = True):
        self.path, self.handle = path, open(path, "wb")
        self.writer = WARCWriter(self.handle, gzip=compress)
        self.ends: list[int] = []
        self._write(self.writer.create_warcinfo_record(path.name, {"software": "copytrace tests"}))

    def _write(self, record) -> None:
        self.writer.write_record(record)
        self.ends.append(self.handle.tell())

    def response(self, url: str, body: bytes, content_type="text/html; charset=utf-8", status="200 OK", headers=()):
        self._write(self.writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
        http = StatusAndHeaders(status, [("Content-Type", content_type), *headers], protocol="HTTP/1.1")
        self._write(self.writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                                   warc_headers_dict={"WARC-Date": FETCHED}))

    def other(self, kind: str, url: str, payload: bytes = b"x: y\r\n"):
        self._write(self.writer.create_warc_record(url, kind, payload=io.BytesIO(payload),
                                                   warc_content_type="application/warc-fields"))

    def close(self) -> Path:
        self.handle.close()
        return self.path


def crawl(folder: Path, name="crawl.warc.gz", compress=True) -> Archive:
    archive = Archive(folder / name, compress)
    archive.response("https://news.example/a", page("Harbour story", published="2021-05-01").encode("utf-8"))
    russian = page("Лавров о НАТО", ["Министр иностранных дел России заявил, что альянс заморозил отношения с Москвой. " * 4])
    archive.response("https://ru.example/b", russian.encode("cp1251"), content_type="text/html; charset=windows-1251")
    packed = gzip.compress(page("Packed story").encode("utf-8"))
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(packed), packed)
    archive.response("https://news.example/c", chunked, headers=[("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")])
    archive.response("https://news.example/logo.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    archive.response("https://news.example/missing", page("Not found").encode(), status="404 Not Found")
    archive.response("https://news.example/old", b"", status="301 Moved Permanently", headers=[("Location", "/a")])
    archive.other("metadata", "https://news.example/a")
    archive.close()
    return archive


def test_html_responses_become_documents(tmp_path):
    crawl(tmp_path)
    result = copytrace.scan(tmp_path)
    docs = {d["id"]: d for d in result.documents.to_pylist()}
    assert sorted(docs) == ["crawl.warc.gz#3", "crawl.warc.gz#5", "crawl.warc.gz#7"]
    first, russian, packed = docs["crawl.warc.gz#3"], docs["crawl.warc.gz#5"], docs["crawl.warc.gz#7"]
    assert first["url"] == "https://news.example/a" and first["source"] == "news.example"
    assert first["date"] == "2021-05-01"  # the page's publication date over the fetch date
    assert first["origin"] == f"crawl.warc.gz:3 (fetched {FETCHED}; from the page: title, date, source)"
    assert packed["date"] == FETCHED  # no date on the page: the fetch date stays
    assert first["fetched"] == packed["fetched"] == FETCHED
    assert PARAGRAPHS[0] in packed["text"] and PARAGRAPHS[0] in first["text"]
    assert "Министр иностранных дел России" in russian["text"]
    assert "encoding cp1251 (declared by the server)" in russian["origin"]


def test_other_records_are_skipped_and_counted(tmp_path):
    crawl(tmp_path)
    rejects = {(r["record"], r["reason"]) for r in copytrace.scan(tmp_path).rejects.to_pylist()}
    assert rejects == {
        (9, "not HTML (image/png): https://news.example/logo.png"),
        (11, "HTTP status 404, not a page: https://news.example/missing"),
        (13, "HTTP status 301, not a page: https://news.example/old"),
        (0, "skipped 8 WARC records that hold no page (metadata 1, request 6, warcinfo 1)"),
    }


def test_plain_warc(tmp_path):
    crawl(tmp_path, "crawl.warc", compress=False)
    assert copytrace.scan(tmp_path).documents.num_rows == 3


@pytest.mark.parametrize("where, fraction", [("headers", 0.2), ("payload", 0.8)])
def test_truncated_warc_gz_keeps_every_page_before_the_cut(tmp_path, where, fraction):
    (tmp_path / "whole").mkdir()
    ends = crawl(tmp_path / "whole").ends
    data = (tmp_path / "whole" / "crawl.warc.gz").read_bytes()
    # records: 1 warcinfo, 2 request, 3 response (page a), 4 request, 5 response (page b), ...
    start, end = ends[3], ends[4]
    (tmp_path / "cut").mkdir()
    (tmp_path / "cut" / "crawl.warc.gz").write_bytes(data[: start + int((end - start) * fraction)])
    result = copytrace.scan(tmp_path / "cut")
    assert result.documents["id"].to_pylist() == ["crawl.warc.gz#3"]
    reasons = {r["record"]: r["reason"] for r in result.rejects.to_pylist()}
    expected = "cut off inside its headers" if where == "headers" else "record cut off"
    assert expected in reasons[5] and "file truncated" in reasons[5], reasons


def test_warc_gz_cut_between_records_is_reported(tmp_path):
    (tmp_path / "whole").mkdir()
    ends = crawl(tmp_path / "whole").ends
    data = (tmp_path / "whole" / "crawl.warc.gz").read_bytes()
    (tmp_path / "cut").mkdir()
    # inside the gzip member of record 4 (a request): no page is cut, but the file is
    (tmp_path / "cut" / "crawl.warc.gz").write_bytes(data[: (ends[2] + ends[3]) // 2])
    result = copytrace.scan(tmp_path / "cut")
    assert result.documents["id"].to_pylist() == ["crawl.warc.gz#3"]
    assert any("file truncated" in r["reason"] for r in result.rejects.to_pylist())


def test_not_a_warc(tmp_path):
    (tmp_path / "bad.warc.gz").write_bytes(gzip.compress(b"this is not a WARC file at all\n" * 10))
    (tmp_path / "ok.txt").write_text("A text document keeps the run alive.", encoding="utf-8")
    result = copytrace.scan(tmp_path)
    assert result.documents["id"].to_pylist() == ["ok.txt"]
    assert result.rejects.num_rows >= 1 and all(r["file"] == "bad.warc.gz" for r in result.rejects.to_pylist())


def test_resource_records_revisits_and_unlabelled_pages(tmp_path):
    archive = Archive(tmp_path / "browser.warc.gz")
    writer = archive.writer
    archive._write(writer.create_warc_record(
        "https://news.example/saved", "resource", payload=io.BytesIO(page("Saved page").encode("utf-8")),
        warc_content_type="text/html; charset=utf-8"))
    archive.response("https://news.example/unlabelled", page("Unlabelled").encode("utf-8"), content_type="application/octet-stream")
    archive.response("https://news.example/data", b"1,2,3\n4,5,6\n", content_type="application/octet-stream")
    archive._write(writer.create_revisit_record("https://news.example/saved", digest="sha1:AAAA",
                                                refers_to_uri="https://news.example/saved", refers_to_date="2021-05-05T00:00:00Z"))
    archive.close()
    result = copytrace.scan(tmp_path)
    assert result.documents["id"].to_pylist() == ["browser.warc.gz#2", "browser.warc.gz#4"]
    assert PARAGRAPHS[0] in result.documents["text"][0].as_py()
    reasons = {r["record"]: r["reason"] for r in result.rejects.to_pylist()}
    assert reasons[6].startswith("not HTML (application/octet-stream, and the payload does not start like a page)")
    assert reasons[7].startswith("WARC revisit record of https://news.example/saved: a revisit")
