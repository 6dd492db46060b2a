"""`copytrace scan --report`: one static report.html with the web page's views, hostile text escaped."""

from __future__ import annotations

import re
import shutil

import pytest
from markupsafe import escape

pytest.importorskip("jinja2")

from conftest import LAVROV, OTHER_TOPIC, SEED_IDS  # noqa: E402

from copytrace import scan  # noqa: E402
from copytrace.faces.report import render_report, write_report  # noqa: E402

SPUTNIK, CAPTURE, DURAN = SEED_IDS
PAYLOAD = '<script>alert("report")</script> " onerror="alert(3)" <img src=x onerror=alert(4)>'


@pytest.fixture(scope="module")
def hostile_scan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    for name in SEED_IDS:
        shutil.copy(LAVROV / name, folder / name)
    shutil.copy(LAVROV / "_metadata.jsonl", folder / "_metadata.jsonl")
    (folder / "harbour.txt").write_text(OTHER_TOPIC, encoding="utf-8")
    (folder / 'harbour-copy"><script>x.txt').write_text(PAYLOAD + "\n\n" + OTHER_TOPIC, encoding="utf-8")
    return scan(folder)


def test_report_holds_families_timeline_tree_and_side_by_side(hostile_scan, tmp_path):
    path = write_report(hostile_scan, tmp_path)
    assert path.name == "report.html"
    page = path.read_text(encoding="utf-8")
    assert page.count('<article class="family"') == 2
    assert 'id="families-table"' in page and 'th data-key="size"' in page
    seeds = page[page.index(f'id="family-{hostile_scan.family_of(SPUTNIK)}"'):]
    assert '<ul class="ftree"' in seeds and "Pickups over time" in seeds
    assert seeds.count('<span class="badge">original</span>') >= 1 and '<li class="d1">' in seeds
    assert re.search(r'<span class="added">[^<]*US Ukraine coup', seeds), "002's framing is marked as added"
    assert '<span class="passage">' in seeds and '<span class="dropped">' in seeds
    assert "Sputnik News reports" in seeds
    assert "http://" not in page.replace("http://www.w3.org", "") and "<link " not in page  # self-contained


def test_report_escapes_hostile_text_and_ids(hostile_scan):
    page = render_report(hostile_scan)
    assert "<script>alert" not in page and "<img src=x" not in page
    assert '" onerror="alert(3)"' not in page
    assert str(escape('<script>alert("report")</script>')) in page
    assert 'harbour-copy"><script>' not in page
    assert str(escape('harbour-copy"><script>x.txt')) in page
    # the only scripts are the report's own sorting script
    assert page.count("<script>") == 1


def test_cli_scan_report_writes_it(tmp_path, cli):
    out = tmp_path / "out"
    done = cli("scan", str(LAVROV), "--out", str(out), "--report", "--quiet")
    assert done.returncode == 0, done.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert SPUTNIK in page and "original" in page


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_report_of_an_output_folder_is_the_report_of_the_scan(hostile_scan, tmp_path, fmt):
    folder = hostile_scan.write(tmp_path / fmt, format=fmt)
    assert render_report(folder) == render_report(hostile_scan)


def test_the_timeline_plots_members_published_at_the_same_time():
    """A wire story's pickups often carry the same date: the timeline sorts them by lag alone (sorting
    (lag, row) pairs compared two rows and failed the report and the family page)."""
    from copytrace.faces.server.tree import timeline_svg, tree_rows

    members = [{"id": i, "source": f"outlet{i}", "date": d, "title": None}
               for i, d in [("a", "2024-05-03T10:00:00Z"), ("b", "2024-05-03T12:00:00Z"),
                            ("c", "2024-05-03T12:00:00Z"), ("d", "2024-05-03T12:00:00Z")]]
    tree = [{"source": "a", "copy": c, "relation": "verbatim"} for c in "bcd"]
    plot = str(timeline_svg(tree_rows(members, "a", tree, [])))
    assert "4 pickups" in plot and plot.count("<circle") == 4
    assert all(f"outlet{i}" in plot for i in "abcd")


def test_a_local_engine_result_and_its_folder_give_the_same_report(tmp_path):
    """An engine's documents come shard by shard: the report reads every document's listing by column and
    the shown members' rows by one mask (it filtered each shard by a whole-corpus mask and failed, then read
    every shard once a family); from the written folder it reads only the rows shown. Both agree."""
    from engines_corpus import write_corpus

    from copytrace.engines.local import LocalEngine

    corpus = write_corpus(tmp_path / "in", n_docs=400)
    result = LocalEngine(tmp_path / "work", "2MB", shard_bytes=60_000, workers=1).scan([corpus])
    assert len(result.documents.store.paths) >= 5
    page = render_report(result, max_families=12)
    assert page.count('<article class="family"') == 12 and "showing the 12 largest of" in page
    result.write(tmp_path / "out")
    assert render_report(tmp_path / "out", max_families=12) == page


def test_the_timeline_of_ten_thousand_pickups_stays_small():
    """A story picked up by 10,000 outlets: the curve's steps are drawn on a grid bounded by the plot's width
    (a step per member made the family page 331 KB), and it still climbs from none to every dated member."""
    import re

    from copytrace.faces.server.tree import DOTS_UP_TO, SVG_H, PAD, timeline_svg, tree_rows

    members = [{"id": "wire", "source": "wire", "date": "2024-05-03T10:00:00Z", "title": None}]
    members += [{"id": f"c{k}", "source": f"outlet{k}", "title": None,
                 "date": f"2024-05-{3 + k % 3:02d}T{10 + k % 13:02d}:{k % 60:02d}:{k % 59:02d}Z"} for k in range(10_000)]
    tree = [{"source": "wire", "copy": m["id"], "relation": "republication"} for m in members[1:]]
    plot = str(timeline_svg(tree_rows(members, "wire", tree, [])))
    assert len(plot) < 40_000 and "10001 pickups" in plot and "<circle" not in plot
    ys = [float(v) for v in re.findall(r"[\d.]+,([\d.]+)", re.search(r'points="([^"]+)"', plot).group(1))]
    assert ys[0] == SVG_H - PAD and ys[-1] == PAD and ys == sorted(ys, reverse=True)
    small = str(timeline_svg(tree_rows(members[:DOTS_UP_TO], "wire", tree, [])))
    assert small.count("<circle") == DOTS_UP_TO
