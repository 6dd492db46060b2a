"""The web page in real Chromium (Debian's package, driven by Playwright's Python client).

The test starts `copytrace serve` itself on a free loopback port over an index
of the seeds 000 and 001, pastes seed 002 into the search page, and expects
seed 000 as its source with highlighted passages; then it opens the family
view (tree first, a copy's side-by-side view fetched when clicked). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import LAVROV, REPO, SEED_IDS

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright's Python client is not installed")
pytest.importorskip("duckdb")
pytest.importorskip("fastapi")

from copytrace.index import Store, add_documents  # noqa: E402
from copytrace.io import read_inputs  # noqa: E402
from copytrace.faces.server.process import ServerProcess  # noqa: E402

SPUTNIK, CAPTURE, DURAN = SEED_IDS
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "seeds.duckdb"
    docs = read_inputs([LAVROV]).documents
    with Store.create(path) as store:
        add_documents(store, docs.filter(pa_in(docs["id"], [SPUTNIK, CAPTURE])), "day 1")
    with ServerProcess(path) as server:
        yield server


def pa_in(column, values):
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.is_in(column, value_set=pa.array(values))


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def test_pasting_seed_002_shows_seed_000_as_its_source(served, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served.url + "/ui/search")
    page.fill("#search-text", (LAVROV / DURAN).read_text(encoding="utf-8"))
    page.fill("input[name=source]", "The Duran")
    page.click("#search-button")
    page.wait_for_selector("#results", timeout=180_000)  # a loaded 2-core CI box: the first search warms up
    match = page.locator(f".match-view[data-match='{SPUTNIK}']")
    assert match.count() == 1
    assert "source" in page.locator(".match", has_text=SPUTNIK).locator(".role").inner_text()
    highlighted = " ".join(match.locator(".copy-text .passage").all_inner_texts())
    assert "NATO became bitter that its project aimed at bringing the entire Ukraine" in highlighted
    assert "US Ukraine coup" not in highlighted  # the copy's own framing is not a passage
    assert "NATO became bitter" in " ".join(match.locator(".source-text .passage").all_inner_texts())
    assert match.locator(".credit-line").inner_text().startswith("Credit line")
    page.screenshot(path=str(ARTIFACTS / "search-seed-002.png"), full_page=False)
    match.screenshot(path=str(ARTIFACTS / "search-seed-002-source.png"))
    assert errors == []
    page.close()


def test_family_view_of_the_seeds(served, browser):
    import httpx

    day2 = {"documents": [{"id": DURAN, "text": (LAVROV / DURAN).read_text(encoding="utf-8"), "source": "The Duran"}]}
    assert httpx.post(served.url + "/documents", json=day2, timeout=120).json()["added"] == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(served.url + "/ui/families")
    rows = page.locator("#families-table tbody tr")
    assert rows.count() == 1 and "3" in rows.first.inner_text()
    page.click("#families-table th[data-key=size]")
    assert page.locator("#families-table th[data-key=size]").get_attribute("data-order") == "desc"
    page.locator("#families-table tbody a").first.click()
    page.wait_for_selector("#family-tree")
    assert page.locator("#family-tree > li").count() == 3
    assert page.locator("#family-tree .badge", has_text="original").count() == 1
    assert page.locator("#family-tree > li.d1").count() == 2  # 001 and 002 hang from 000
    page.locator("#family-tree > li", has_text=DURAN).locator("a.cmp").click()  # fetched on demand
    page.wait_for_selector(".pair-slot .comparison")
    assert page.locator(".comparison .added", has_text="US Ukraine coup").count() >= 1
    assert page.locator(".comparison .passage").count() >= 2
    page.screenshot(path=str(ARTIFACTS / "family-view.png"), full_page=False)
    page.close()
