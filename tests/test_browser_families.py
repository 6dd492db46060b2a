"""Big-family pages in real Chromium: the paged, filtered families list and a family page with its tree,
timeline, rows loaded on demand and a pair fetched when clicked. Screenshots go to test-artifacts/.

The index is made here: 60 two-document families and one story republished by 40 dated outlets (a third
of them crediting the wire), texts drawn from a made-up vocabulary (no data files needed).
"""

from __future__ import annotations

import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conftest import REPO

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright's Python client is not installed")
pytest.importorskip("duckdb")
pytest.importorskip("fastapi")

import pyarrow as pa  # noqa: E402

from copytrace.index import Store, add_documents  # noqa: E402
from copytrace.faces.server.process import ServerProcess  # noqa: E402

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SMALL, COPIES = 60, 40


def _article(rng: random.Random, vocab: list[str], sentences: int = 14) -> list[str]:
    return [" ".join(rng.choice(vocab) for _ in range(rng.randint(12, 20))).capitalize() + "." for _ in range(sentences)]


def corpus() -> list[dict]:
    rng = random.Random(13)
    syllables = ["ka", "lo", "mi", "ren", "tu", "sha", "vo", "pel", "dri", "na", "gos", "ti", "ber", "lum"]
    vocab = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(6000)})
    docs = []
    for k in range(SMALL):
        text = _article(rng, vocab)
        docs.append({"id": f"small/{k:03d}/a", "text": "\n".join(text), "source": f"paper{k:03d}.example",
                     "date": f"2025-{1 + k % 12:02d}-10"})
        docs.append({"id": f"small/{k:03d}/b", "text": "\n".join(text[:-2]), "source": f"mirror{k:03d}.example",
                     "date": f"2025-{1 + k % 12:02d}-11"})
    story = _article(rng, vocab, 24)
    start = datetime(2026, 3, 1, 6, 0)
    docs.append({"id": "wire/original", "text": "\n".join(story), "source": "wire.example", "date": start.isoformat(),
                 "title": "The big story"})
    for k in range(COPIES):
        keep = [s for s in story if rng.random() > 0.15]
        frame = ("Wire.example reports: " if k % 3 == 0 else "") + " ".join(rng.choice(vocab) for _ in range(14)) + "."
        docs.append({"id": f"copies/outlet{k:02d}", "text": "\n".join([frame] + keep), "source": f"bigstory{k:02d}.example",
                     "date": (start + timedelta(minutes=25 * (k + 1))).isoformat(), "title": f"Story at outlet {k}"})
    return docs


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("big-families") / "ix.duckdb"
    with Store.create(path) as store:
        add_documents(store, pa.Table.from_pylist(corpus()), "day 1")
    with ServerProcess(path, extra_args=["--tree-page", "25"]) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def test_paged_and_filtered_families_list(served, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served.url + "/ui/families")
    assert f"{SMALL + 1} families match" in page.locator("#family-count").inner_text()
    rows = page.locator("#families-table tbody tr")
    assert rows.count() == 50
    assert rows.first.locator("td").nth(1).inner_text() == str(COPIES + 1)  # the big story first (by size)
    page.screenshot(path=str(ARTIFACTS / "families-page-1.png"))
    page.click("#next-page")
    page.wait_for_url("**page=2**")
    assert page.locator("#families-table tbody tr").count() == SMALL + 1 - 50
    page.screenshot(path=str(ARTIFACTS / "families-page-2.png"))

    page.goto(served.url + "/ui/families")
    page.fill("#f-outlet", "bigstory")
    page.click("#f-apply")
    page.wait_for_url("**outlet=bigstory**")
    assert page.locator("#families-table tbody tr").count() == 1
    page.fill("#f-outlet", "")
    page.fill("#f-min", "3")
    page.select_option("#f-credited", "yes")
    page.click("#f-apply")
    page.wait_for_url("**credited=yes**")
    assert page.locator("#families-table tbody tr").count() == 1
    page.fill("#f-min", "")
    page.select_option("#f-credited", "")
    page.fill("#f-from", "2025-03-01")
    page.fill("#f-to", "2025-04-30")
    page.click("#f-apply")
    page.wait_for_url("**date_to=2025-04-30**")
    dated = page.locator("#families-table tbody tr").count()
    assert dated == 10  # months 3 and 4 of the 60 small families (five each)
    page.screenshot(path=str(ARTIFACTS / "families-filtered.png"))
    csv_href = page.locator("#csv-link").get_attribute("href")
    assert "date_from=2025-03-01" in csv_href
    csv = page.request.get(served.url + csv_href)
    assert csv.ok and csv.text().count("\n") == dated + 1 and csv.text().startswith("family,size,original")
    assert errors == []
    page.close()


def test_big_family_page_tree_timeline_and_pairs_on_demand(served, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1400})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served.url + "/ui/families")
    page.locator("#families-table tbody a").first.click()
    page.wait_for_selector("#family-tree")
    tree = page.locator("#family-tree > li")
    assert tree.count() == 25  # the first page of rows; the rest on demand
    assert tree.first.locator(".badge").inner_text() == "original"
    assert tree.nth(1).locator(".rel").count() == 1 and tree.nth(1).locator(".cov").inner_text().count("%") == 2
    assert page.locator("#family-tree .lag", has_text="+").count() >= 20
    assert page.locator("svg.timeline-plot circle").count() == COPIES + 1
    page.screenshot(path=str(ARTIFACTS / "big-family-top.png"))
    page.click("#more-rows")
    playwright_api.expect(tree).to_have_count(COPIES + 1)  # (wait_for_function would need eval: CSP forbids it)
    assert page.locator("#more-rows").count() == 0
    # every copy says whether it credits its source (which ones do is the pipeline's call)
    assert page.locator("#family-tree .cr, #family-tree .nocr").count() == COPIES
    assert "credit their source" in page.locator("#family-summary").inner_text()
    assert page.locator("#family-tree li.unplaced").count() == 0
    row = page.locator("#family-tree > li", has_text="bigstory05.example")
    row.locator("a.cmp").click()
    view = page.locator("#family-tree li.pair-slot .comparison")
    view.wait_for()
    assert view.locator(".copy-text .passage").count() >= 1
    assert "bigstory05.example" in view.locator(".side-by-side").inner_text()
    view.screenshot(path=str(ARTIFACTS / "big-family-pair.png"))
    page.screenshot(path=str(ARTIFACTS / "big-family-page.png"), full_page=False)
    assert errors == []
    page.close()
