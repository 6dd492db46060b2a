"""The HTTP API and pages, against a real `copytrace serve` on a free loopback port."""

from __future__ import annotations

import shutil
from pathlib import Path

from markupsafe import escape

import pytest

pytest.importorskip("duckdb")
pytest.importorskip("fastapi")
httpx = pytest.importorskip("httpx")

from conftest import LAVROV, OTHER_TOPIC, SEED_IDS  # noqa: E402

from copytrace.index import Store, add_documents  # noqa: E402
from copytrace.io import read_inputs  # noqa: E402
from copytrace.index.parts import parts_dir  # noqa: E402
from copytrace.faces.server.cli import is_loopback  # noqa: E402
from copytrace.faces.server.process import ServerProcess  # noqa: E402

SPUTNIK, CAPTURE, DURAN = SEED_IDS
TOKEN = "test-token-5b1e"
HOSTILE_ID = 'evil"><img src=x onerror=alert(1)>.txt'
HOSTILE_TEXT = (
    '<script>alert("pwned")</script> An attacker wrote this. " onerror="alert(2)" '
    + OTHER_TOPIC
)


@pytest.fixture(scope="module")
def index_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("served") / "ix.duckdb"
    with Store.create(path) as store:
        add_documents(store, read_inputs([LAVROV]).documents.slice(0, 2), "day 1")
    return path


def auth() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}


DAY2 = {"documents": [{"id": DURAN, "text": (LAVROV / DURAN).read_text(encoding="utf-8"), "source": "The Duran"},
                      {"id": HOSTILE_ID, "text": HOSTILE_TEXT, "title": '<script>alert("t")</script>'},
                      {"id": "harbour-copy", "text": OTHER_TOPIC}],
        "label": "day 2"}


@pytest.fixture(scope="module")
def server(index_path):
    """The server, after day 2 was added through the API (with the token)."""
    with ServerProcess(index_path, token=TOKEN, max_body_mb=1) as running:
        with httpx.Client(base_url=running.url, timeout=60) as client:
            added = client.post("/documents", json=DAY2, headers=auth())
            assert added.status_code == 200, added.text
            assert added.json()["added"] == 3 and added.json()["pairs"] >= 3
            yield client


def test_writes_need_the_token_and_re_adding_is_idempotent(server):
    body = DAY2
    refused = server.post("/documents", json=body)
    assert refused.status_code == 401 and "token" in refused.json()["error"]
    wrong = server.post("/documents", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    again = server.post("/documents", json=body, headers=auth())
    assert again.json()["present"] == 3 and again.json()["added"] == 0
    assert server.delete("/documents/harbour-copy").status_code == 401


def test_search_returns_the_source_with_passages_and_provenance(server):
    text = (LAVROV / DURAN).read_text(encoding="utf-8").replace("The Duran", "Another Site")
    found = server.post("/search", json={"text": text, "source": "Another Site"})
    assert found.status_code == 200, found.text
    out = found.json()
    by_id = {m["id"]: m for m in out["matches"]}
    assert SPUTNIK in by_id and by_id[SPUTNIK]["role"] == "source"
    assert by_id[SPUTNIK]["passages"] and by_id[SPUTNIK]["edge"]["relation"] in ("partial", "republication")
    assert out["missing"] == []
    by_doc = server.post("/search", json={"id": DURAN}).json()
    assert {m["id"] for m in by_doc["matches"]} == {SPUTNIK, CAPTURE}
    assert by_doc["family"]["original"] == SPUTNIK


def test_families_and_documents(server):
    families = server.get("/families", params={"sort": "size"}).json()["families"]
    seeds = next(f for f in families if f["original"] == SPUTNIK)
    assert seeds["size"] == 3
    assert server.get("/families", params={"sort": "recent"}).status_code == 200
    one = server.get(f"/families/{seeds['family']}").json()
    assert {e["source"] for e in one["family"]["tree"]} == {SPUTNIK}
    assert {(e["source"], e["copy"]) for e in one["edges"] if e["in_tree"]} == {(SPUTNIK, CAPTURE), (SPUTNIK, DURAN)}
    doc = server.get(f"/documents/{DURAN}").json()
    assert doc["document"]["source"] == "The Duran" and doc["family"]["original"] == SPUTNIK


def test_errors_are_json_with_a_reason(server):
    assert server.get("/documents/no-such-doc").json() == {"error": "no document 'no-such-doc' in the index"}
    traversal = server.get("/documents/..%2F..%2F..%2Fpyproject.toml")
    assert traversal.status_code == 404 and "error" in traversal.json()
    assert server.get("/static/..%2F..%2F..%2Fpyproject.toml").status_code == 404
    assert server.get("/families/not-a-number").status_code == 422
    assert server.get("/families/99999").status_code == 404
    bad = server.post("/search", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 422 and bad.json()["error"].startswith("invalid request")
    neither = server.post("/search", json={"title": "x"})
    assert neither.status_code == 422 and "exactly one" in neither.json()["error"]
    assert server.get("/families", params={"sort": "sideways"}).status_code == 422


def test_oversized_requests_are_refused(server):
    big = {"documents": [{"id": "big", "text": "word " * 400_000}]}
    refused = server.post("/documents", json=big, headers=auth())
    assert refused.status_code == 413 and "limit" in refused.json()["error"]

    def chunks():  # no Content-Length: the limit holds while the body streams in
        for _ in range(40):
            yield b"x" * 65536

    streamed = server.post("/search", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    assert server.get("/health").json()["ok"] is True


def test_openapi_is_served(server):
    spec = server.get("/openapi.json").json()
    assert {"/documents", "/search", "/families", "/families/{family}"} <= set(spec["paths"])
    assert server.get("/docs").status_code == 404  # Swagger UI would load scripts from a CDN


def test_hostile_text_renders_as_text(server):
    families = server.get("/families").json()["families"]
    harbour = next(f for f in families if HOSTILE_ID in server.get(f"/families/{f['family']}").json()["family"]["members"])
    pages = [server.get(f"/ui/families/{harbour['family']}").text,
             server.get("/ui/documents/" + httpx.URL("/x/" + HOSTILE_ID).raw_path.decode()[3:]).text,
             server.get("/ui/families").text,
             server.post("/ui/search", data={"text": HOSTILE_TEXT}).text,
             server.get("/ui/pair", params={"a": "harbour-copy", "b": HOSTILE_ID, "fragment": 1}).text]
    for page in pages:
        assert "<script>alert" not in page
        assert "onerror=alert(1)>" not in page and '" onerror="alert(2)"' not in page
    assert str(escape('<script>alert("pwned")</script>')) in pages[-1]  # the text shows in the pair view
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0]
    csp = server.get("/ui/families").headers["content-security-policy"]
    assert "script-src 'self'" in csp


def test_token_is_set_whenever_the_bind_is_not_loopback():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_with_no_token_loopback_writes_are_open(index_path, tmp_path):
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(index_path.read_bytes())
    shutil.copytree(parts_dir(index_path), parts_dir(copy))  # an index is its file and its parts folder
    with ServerProcess(copy) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        added = client.post("/documents", json={"documents": [{"id": "h", "text": OTHER_TOPIC}]})
        assert added.status_code == 200 and added.json()["added"] == 1
        assert client.delete("/documents/h").json()["removed"] == ["h"]
        assert client.delete("/documents/h").status_code == 404


# --- hardening (issue 17): hosts, origins, tokens, error bodies, hostile values ---

def test_a_foreign_host_is_refused_against_dns_rebinding(server):
    port = httpx.URL(str(server.base_url)).port
    body = {"documents": [{"id": "rebound", "text": OTHER_TOPIC}]}
    rebound = server.post("/documents", json=body, headers={**auth(), "Host": "attacker.example"})
    assert rebound.status_code == 400 and "attacker.example" in rebound.json()["error"]
    assert server.get("/families", headers={"Host": f"attacker.example:{port}"}).status_code == 400
    assert server.get("/health", headers={"Host": f"localhost:{port}"}).status_code == 200
    assert server.get("/health", headers={"Host": f"[::1]:{port}"}).status_code == 200
    assert server.get("/documents/rebound").status_code == 404  # nothing was added


def test_a_write_from_another_origin_is_refused(server):
    port = httpx.URL(str(server.base_url)).port
    body = {"documents": [{"id": "cross-site", "text": OTHER_TOPIC}]}
    foreign = server.post("/documents", json=body, headers={**auth(), "Origin": "http://attacker.example"})
    assert foreign.status_code == 403 and "origin" in foreign.json()["error"]
    assert server.post("/documents", json=body, headers={**auth(), "Origin": "null"}).status_code == 403
    form = server.post("/ui/search", data={"text": OTHER_TOPIC}, headers={"Origin": "http://evil.example"})
    assert form.status_code == 403
    same = server.post("/search", json={"id": DURAN}, headers={"Origin": f"http://127.0.0.1:{port}"})
    assert same.status_code == 200
    assert server.get("/health", headers={"Origin": "http://attacker.example"}).status_code == 200  # reads pass


def test_every_error_is_an_error_body(server):
    unknown = server.get("/no/such/route")
    assert unknown.status_code == 404 and set(unknown.json()) == {"error"} and "/no/such/route" in unknown.json()["error"]
    wrong_method = server.put("/search", json={})
    assert wrong_method.status_code == 405 and set(wrong_method.json()) == {"error"}
    invalid = server.post("/search", json={"text": "x", "limit": 0})
    assert invalid.status_code == 422 and set(invalid.json()) == {"error"} and "limit" in invalid.json()["error"]
    assert "Cannot show this" in server.get("/ui/no-such-page").text


def test_lone_surrogates_and_huge_numbers_are_client_errors(server):
    raw = b'{"text": "Harbour \\ud800 authority approves dredging plan"}'
    lone = server.post("/search", content=raw, headers={"Content-Type": "application/json"})
    assert lone.status_code == 422 and "surrogate" in lone.json()["error"]
    doc = b'{"documents": [{"id": "s\\udfff", "text": "a harbour story"}]}'
    assert server.post("/documents", content=doc, headers={**auth(), "Content-Type": "application/json"}).status_code == 422
    for huge in ("99999999999999999999999999", str(2**63), "-1"):
        got = server.get(f"/families/{huge}")
        assert got.status_code == 404 and "error" in got.json(), huge
        assert server.get(f"/ui/families/{huge}").status_code == 404


def test_documents_scan_would_reject_are_refused(server):
    blank = server.post("/documents", json={"documents": [{"id": "blank", "text": " \n\t\u3000 "}]}, headers=auth())
    assert blank.status_code == 422 and "empty text" in blank.json()["error"]
    nul = server.post("/documents", json={"documents": [{"id": "nul", "text": "bytes\x00here " * 20}]}, headers=auth())
    assert nul.status_code == 422 and "NUL" in nul.json()["error"]
    mixed = server.post("/documents", headers=auth(), json={"documents": [
        {"id": "blank2", "text": "   "}, {"id": "fine-harbour", "text": OTHER_TOPIC.replace("Tuesday", "Monday")}]})
    assert mixed.status_code == 200, mixed.text
    assert mixed.json()["added"] == 1 and {"id": "blank2", "reason": "empty text (nothing but whitespace)"} in mixed.json()["rejected"]
    assert server.get("/documents/blank2").status_code == 404


SLASH_ID = "feeds/../../ui/search?x#y"
RLO_TITLE = "\u202eevil title txt.exe"


def test_ids_with_slashes_link_and_names_are_bidi_isolated(server):
    text = OTHER_TOPIC.replace("Harbour authority", "The harbour authority")
    added = server.post("/documents", headers=auth(), json={"documents": [
        {"id": SLASH_ID, "text": text, "title": RLO_TITLE, "source": "\u202eexample.org"}]})
    assert added.status_code == 200 and added.json()["added"] == 1, added.text
    fam_no = server.get("/documents/" + "feeds%2F..%2F..%2Fui%2Fsearch%3Fx%23y").json()["document"]["family"]
    page = server.get(f"/ui/families/{fam_no}").text
    href = "/ui/documents/feeds%2F..%2F..%2Fui%2Fsearch%3Fx%23y"
    assert f'href="{href}"' in page
    doc_page = server.get(href)
    assert doc_page.status_code == 200 and f"<bdi>{RLO_TITLE}</bdi>" in doc_page.text
    assert "<bdi>\u202eexample.org</bdi>" in page or '<bdi class="o">\u202eexample.org</bdi>' in page


def test_writes_need_a_token_unless_started_with_no_token(index_path, tmp_path):
    copy = tmp_path / "tokened.duckdb"
    copy.write_bytes(index_path.read_bytes())
    shutil.copytree(parts_dir(index_path), parts_dir(copy))
    with ServerProcess(copy, open_writes=False) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        refused = client.post("/documents", json={"documents": [{"id": "h", "text": OTHER_TOPIC}]})
        assert refused.status_code == 401 and "token" in refused.json()["error"]
        assert client.delete(f"/documents/{SPUTNIK}").status_code == 401


def test_the_index_cli_names_the_server_holding_the_index(index_path, tmp_path, cli):
    copy = tmp_path / "held.duckdb"
    copy.write_bytes(index_path.read_bytes())
    shutil.copytree(parts_dir(index_path), parts_dir(copy))
    with ServerProcess(copy) as running:
        held = cli("index", "stats", str(copy))
        assert held.returncode != 0 and "Traceback" not in held.output
        assert "copytrace serve" in held.output and running.url in held.output, held.output
        assert f"pid {running.process.pid}" in held.output
    assert not Path(str(copy) + ".serving.json").exists()  # the note leaves with the server
    assert cli("index", "stats", str(copy)).returncode == 0


def test_search_and_document_pages_agree_on_credit(server):
    """A pasted copy of 002 (The Duran, crediting Sputnik) matched against 002 itself: the credit line names
    another outlet, so the page must not say "credit: none" beside it, nor "yes"."""
    text = (LAVROV / DURAN).read_text(encoding="utf-8")
    pages = [server.post("/ui/search", data={"text": text}).text, server.get(f"/ui/documents/{DURAN}").text]
    views = [chunk for page in pages for chunk in page.split('<section class="comparison">')[1:]]
    assert any("Credit line" in v for v in views)
    for view in views:
        if "Credit line" in view:
            credited_here = "credit: <strong>yes</strong>" in view
            assert "credit: <strong>none</strong>" not in view
            assert credited_here or "Credit line (naming another outlet)" in view


def test_families_page_by_family_with_filters_and_csv(server):
    everything = server.get("/families", params={"limit": 1000}).json()
    assert everything["total"] == len(everything["families"]) >= 2
    first = server.get("/families", params={"limit": 1}).json()
    second = server.get("/families", params={"limit": 1, "offset": 1}).json()
    assert len(first["families"]) == 1 and len(second["families"]) == 1  # a limit counts families, not members
    assert first["families"][0]["family"] != second["families"][0]["family"]
    assert first["families"][0] == everything["families"][0] and first["total"] == everything["total"]
    assert second["families"][0] == everything["families"][1]
    duran = server.get("/families", params={"outlet": "duran"}).json()
    assert [f["original"] for f in duran["families"]] == [SPUTNIK]
    assert SPUTNIK in [f["original"] for f in server.get("/families", params={"credited": "yes"}).json()["families"]]
    sized = server.get("/families", params={"min_size": 3, "max_size": 3}).json()["families"]
    assert SPUTNIK in [f["original"] for f in sized] and all(f["size"] == 3 for f in sized)
    assert server.get("/families", params={"min_size": 1000}).json()["total"] == 0
    assert server.get("/families", params={"relation": "no-such"}).json()["total"] == 0
    assert server.get("/families", params={"date_from": "yesterday"}).status_code == 422
    csv = server.get("/families.csv", params={"outlet": "duran"})
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("family,size,original") and len(lines) == 2 and SPUTNIK in lines[1]


def test_family_tree_and_a_pair_on_demand(server):
    family = server.get("/families", params={"outlet": "duran"}).json()["families"][0]["family"]
    tree = server.get(f"/families/{family}/tree").json()
    rows = tree["rows"]
    assert [r["id"] for r in rows if r["original"]] == [SPUTNIK] and rows[0]["depth"] == 0
    assert {r["id"] for r in rows if r["depth"] == 1} == {CAPTURE, DURAN}
    assert all(r["relation"] and r["copy_coverage"] is not None for r in rows if r["depth"])
    stored = server.get("/pair", params={"a": SPUTNIK, "b": DURAN}).json()
    assert stored["computed"] is False and stored["edge"]["source"] == SPUTNIK and stored["passages"]
    # CAPTURE and DURAN: a pair of the family that no tree edge covers when only tree edges are aligned
    fresh = server.get("/pair", params={"a": DURAN, "b": CAPTURE}).json()
    assert fresh["passages"] and "text" not in fresh["source"]
    unrelated = server.get("/pair", params={"a": SPUTNIK, "b": "harbour-copy"}).json()
    assert unrelated["computed"] is True and unrelated["edge"] is None  # aligned now by the align stage's unit
    assert server.get("/pair", params={"a": SPUTNIK, "b": "nope"}).status_code == 404
    fragment = server.get("/ui/pair", params={"a": SPUTNIK, "b": DURAN, "fragment": 1}).text
    assert fragment.lstrip().startswith("<") and "<html" not in fragment and 'class="passage"' in fragment
