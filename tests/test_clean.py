"""Chrome removal: the seed checks, per-source templates, line features, and the clean stage in a scan."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import copytrace
from copytrace.stages.clean import CleanSettings, clean_documents, clean_stage
from copytrace.stages.clean.chrome import (
    ChromeSettings,
    chrome_lines,
    is_credit,
    is_tag_list,
    is_title_case,
    pattern_reason,
    template_lines,
)
from copytrace.io import read_inputs
from copytrace.outlets import load_aliases, parse_aliases, site_host

from conftest import LAVROV, OTHER_TOPIC, SEED_IDS

SEED_000, SEED_001, SEED_002 = SEED_IDS

# The chrome of seed 000, line by line as written (no-break spaces folded).
CHROME_000 = {
    "14:31 GMT +317 October 2019": "chrome: timestamp",
    "Listen Live": "chrome: player",
    "Get short URL": "chrome: share",
    "Never miss a story again — sign up to our Telegram channel and we'll keep you up to speed!": "chrome: subscription",
    "Lavrov Hopes NATO to Follow Russia's Suit to Ensure Flight Safety Over Baltics": "headline list",
    "Give Me Fire: US Deploys Three Black Hawk Helicopters, 50 Troops to Poland": "headline list",
    "US Top Brass in Europe Demands More Troops to Counter Moscow ‘Threat’": "headline list",
    "RT's Head Simonyan Mocks NATO Claims of Russian Plan to Impact German Election": "headline list",
    "Russia-NATO cooperation, Collective Security Treaty Organization, NATO, Sergei Lavrov, Vladimir Putin, Ukraine, Russia": "tag list",
    "Community standardsDiscussion": "chrome: comments",
    "Comment via FacebookComment via Sputnik": "chrome: comments",
}
PHOTO_CREDIT_001 = "date 2017-05 © AFP 2017/ ANDREJ ISAKOVIC"


def _plain(line: str) -> str:
    return " ".join(line.replace("\u00a0", " ").split())


def _seed_folder(tmp_path: Path, with_sidecar: bool) -> Path:
    folder = tmp_path / ("with-sidecar" if with_sidecar else "bare")
    folder.mkdir()
    for name in SEED_IDS:
        shutil.copy(LAVROV / name, folder / name)
    if with_sidecar:
        shutil.copy(LAVROV / "_metadata.jsonl", folder / "_metadata.jsonl")
    return folder


@pytest.fixture(scope="module", params=[False, True], ids=["bare", "sidecar"])
def cleaned_seeds(request, tmp_path_factory):
    folder = _seed_folder(tmp_path_factory.mktemp("seeds"), request.param)
    cleaned = clean_stage(read_inputs([folder]).documents)
    texts = dict(zip(cleaned.documents["id"].to_pylist(), cleaned.documents["text"].to_pylist()))
    removed = cleaned.removed.to_pylist()
    return texts, removed, cleaned


def _removed_of(removed: list[dict], doc_id: str) -> dict[str, str]:
    return {_plain(r["text"]): r["reason"] for r in removed if r["id"] == doc_id}


def test_seed_000_loses_exactly_its_chrome(cleaned_seeds):
    texts, removed, _ = cleaned_seeds
    got = _removed_of(removed, SEED_000)
    assert set(got) == set(CHROME_000)
    for line, reason in CHROME_000.items():
        assert got[line].startswith(reason), (line, got[line])
    kept = {_plain(line) for line in texts[SEED_000].split("\n")}
    assert not kept & set(CHROME_000)


def test_seed_000_keeps_every_body_line(cleaned_seeds):
    texts, _, _ = cleaned_seeds
    raw = (LAVROV / SEED_000).read_text(encoding="utf-8")
    body = [line for line in raw.split("\n") if line.strip() and _plain(line) not in CHROME_000]
    assert len(body) == 19  # caption, title, 3 sub-headings, 14 paragraphs
    cleaned_lines = texts[SEED_000].split("\n")
    for line in body:
        assert line.rstrip() in cleaned_lines, line
    for sentence in ("Russian Foreign Minister Sergei Lavrov said Sunday.", "'NATO's arrogance is not helping'",
                     "This is what we are doing right now,\" he said.", "On meeting between Putin and Trump"):
        assert sentence in texts[SEED_000].replace("\u00a0", " ")


def test_seed_001_photo_credit_flagged_body_kept(cleaned_seeds):
    texts, removed, _ = cleaned_seeds
    assert _removed_of(removed, SEED_001) == {PHOTO_CREDIT_001: "photo credit"}
    raw = (LAVROV / SEED_001).read_text(encoding="utf-8")
    body = [line for line in raw.split("\n") if line.strip() and _plain(line) != PHOTO_CREDIT_001]
    assert len(body) == 4  # three sub-headings and the glued body paragraph
    for line in body:
        assert line in texts[SEED_001].split("\n")


def test_seed_002_credit_lines_are_never_chrome(cleaned_seeds):
    texts, removed, _ = cleaned_seeds
    assert _removed_of(removed, SEED_002) == {}
    raw = (LAVROV / SEED_002).read_text(encoding="utf-8")
    assert texts[SEED_002] == raw.strip()
    assert "Sputnik News reports" in texts[SEED_002]
    assert "appeared first on The Duran." in texts[SEED_002]


def test_removed_offsets_point_into_raw_text(cleaned_seeds):
    _, removed, cleaned = cleaned_seeds
    raws = dict(zip(cleaned.documents["id"].to_pylist(), cleaned.documents["raw_text"].to_pylist()))
    assert raws[SEED_002] is None  # nothing removed: no second copy of the text
    for row in removed:
        raw = raws[row["id"]]
        assert raw[row["start"]:row["end"]] == row["text"]
        assert raw.split("\n")[row["line"] - 1].rstrip("\r") == row["text"]
        assert raw == (LAVROV / row["id"]).read_text(encoding="utf-8")


def test_scan_writes_removed_lines_and_no_clean_keeps_every_line(tmp_path):
    folder = _seed_folder(tmp_path, with_sidecar=True)
    result = copytrace.scan(folder)
    out = result.write(tmp_path / "out")
    removed = pq.read_table(out / "removed_lines.parquet")
    assert removed.num_rows == len(CHROME_000) + 1
    assert {"Listen Live", PHOTO_CREDIT_001} <= {_plain(t) for t in removed["text"].to_pylist()}
    pairs = {(p["a"], p["b"]) for p in result.pairs.to_pylist()}
    assert (SEED_000, SEED_002) in pairs and (SEED_000, SEED_001) in pairs

    raw = copytrace.scan(folder, settings=copytrace.ScanSettings(clean=CleanSettings(chrome_removal=False)))
    assert raw.tables["removed_lines"].num_rows == 0
    texts = dict(zip(raw.documents["id"].to_pylist(), raw.documents["text"].to_pylist()))
    assert texts[SEED_000] == (folder / SEED_000).read_text(encoding="utf-8")


def test_cli_no_clean(tmp_path, cli):
    folder = _seed_folder(tmp_path, with_sidecar=False)
    done = cli("scan", str(folder), "-o", str(tmp_path / "a"), "-q", "--no-clean")
    assert done.returncode == 0, done.output
    assert pq.read_table(tmp_path / "a" / "removed_lines.parquet").num_rows == 0
    done = cli("scan", str(folder), "-o", str(tmp_path / "b"), "-q")
    assert done.returncode == 0, done.output
    assert pq.read_table(tmp_path / "b" / "removed_lines.parquet").num_rows == len(CHROME_000) + 1
    bad = cli("scan", str(folder), "-o", str(tmp_path / "c"), "--template-pages", "1")
    assert bad.returncode == 2 and "--template-pages" in bad.output and "Traceback" not in bad.output


# --- line features ----------------------------------------------------------------


@pytest.mark.parametrize("line, reason", [
    ("Share on Facebook", "chrome: share"),
    ("Facebook Twitter Email Print", "chrome: share"),
    ("Skip to main content", "chrome: navigation"),
    ("ADVERTISEMENT", "chrome: navigation"),
    ("12 comments", "chrome: comments"),
    ("Subscribe to our newsletter for the latest updates", "chrome: subscription"),
    ("We use cookies to improve your experience.", "chrome: cookie notice"),
    ("Updated 09:12 BST, Mon 14 October 2019", "chrome: timestamp"),
    ("Photo: Reuters / Maxim Shemetov", "photo credit"),
    ("© 2024 Daily Bugle Media Group. All rights reserved.", "copyright notice"),
])
def test_generic_patterns(line, reason):
    assert pattern_reason(line) == reason


@pytest.mark.parametrize("line", [
    "The foreign minister said the talks would resume in Geneva next week.",
    "Comments by the minister were shared widely on social media, officials said.",
    "Lavrov Unveils Why NATO Sent Ties With Russia Into Deep Freeze",
    "'Aggressive anti-Russian minority'",
    "On meeting between Putin and Trump",
])
def test_article_lines_match_no_pattern(line):
    assert pattern_reason(line) is None


def test_density_features():
    assert is_title_case("US Top Brass in Europe Demands More Troops to Counter Moscow ‘Threat’")
    assert not is_title_case("'NATO's arrogance is not helping'")
    assert is_tag_list("Tags: economy, trade")
    assert is_tag_list("Brexit, Theresa May, European Union, Parliament")
    assert not is_tag_list("Armenia, Belarus, Kazakhstan, Kyrgyzstan, Russia and Tajikistan.")
    menu = "Politics\nBusiness\nSport\nCulture\n\nThe council approved the plan on Tuesday after a long debate."
    lines, reasons = chrome_lines(menu)
    assert set(reasons) == {1, 2, 3, 4} and all(r.startswith("link list") for r in reasons.values())
    single = "Lavrov said…\n\nSputnik News reports\n\nSource"
    assert chrome_lines(single)[1] == {}


def test_credit_lines_are_protected():
    for line in ("Sputnik News reports", "The post X appeared first on The Duran.", "Source: RT",
                 "This article originally appeared on Harbour Herald.", "Read more at sputniknews.com"):
        assert is_credit(line), line
    assert not is_credit("Comment via FacebookComment via Sputnik")
    text = "Body sentence one is here.\nThis article originally appeared on Harbour Herald."
    template = {"this article originally appeared on harbour herald.": 9}
    assert chrome_lines(text, template, "Daily Bugle")[1] == {}


def test_templates_are_learned_per_source_never_across():
    shared = "A syndicated paragraph that every outlet carries word for word."
    docs = [("bugle", f"Daily Bugle menu line\nOwn story on {topic} by the bugle.\n{shared}")
            for topic in ("the port", "the bridge", "the school")]
    docs += [("herald", f"Herald story on {topic}.\n{shared}") for topic in ("rain", "trade")]
    docs += [("bugle", docs[0][1])]  # the same page twice counts once
    templates = template_lines(docs, min_repeat=3)
    assert set(templates["bugle"]) == {"daily bugle menu line", shared.casefold()}
    assert templates["herald"] == {}
    # the syndicated line is in 5 documents overall, yet only the bugle's 3 own pages make it its template
    assert templates["bugle"][shared.casefold()] == 3
    assert template_lines(docs, min_repeat=4)["bugle"] == {}


def test_a_document_left_empty_is_rejected_not_lost(tmp_path):
    rows = [{"id": topic, "source": "Bugle", "text": f"The story says something important about {topic}.\nDaily Bugle menu line"}
            for topic in ("the port", "the bridge", "the school")]
    rows.append({"id": "chrome-only", "source": "Bugle", "text": "Daily Bugle menu line\nShare on Facebook\nListen Live"})
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    cleaned = clean_stage(read_inputs([path]).documents)
    assert "chrome-only" not in cleaned.documents["id"].to_pylist()
    (reject,) = cleaned.rejects
    assert reject.id == "chrome-only" and reject.file == str(path) and reject.record == 4
    assert reject.reason.startswith("chrome removal left no text: all 3 lines removed")
    assert sum(r == "chrome-only" for r in cleaned.removed["id"].to_pylist()) == 3
    documents, removed = clean_documents(read_inputs([path]).documents)
    assert documents.num_rows == 3 and removed.num_rows == 6
    result = copytrace.scan(path)
    assert "chrome-only" in result.rejects["id"].to_pylist()


def test_chrome_options_turn_evidence_off():
    text = "Listen Live\nHome\nWorld\nBusiness\nThe council approved the plan."
    assert chrome_lines(text, options=ChromeSettings(patterns=False, density=False))[1] == {}
    only_density = chrome_lines(text, options=ChromeSettings(patterns=False))[1]
    assert set(only_density) == {1, 2, 3, 4}
    docs = read_inputs([LAVROV / SEED_000]).documents
    assert clean_stage(docs, CleanSettings(chrome_removal=False)).removed.num_rows == 0


# --- outlet names -----------------------------------------------------------------


def test_site_hosts_and_aliases(tmp_path):
    assert site_host("https://www.m.sputniknews.com/world/1") == "sputniknews.com"
    assert site_host("amp.theguardian.com") == "theguardian.com"
    assert site_host("Sputnik News") is None
    aliases = parse_aliases("RT = rt.com = Russia Today  # state broadcaster\n\nSputnik | sputniknews.com\n")
    assert aliases.same("Russia Today", "https://www.rt.com/news/1")
    assert aliases.same("Sputnik", "m.sputniknews.com")
    (tmp_path / "a.json").write_text(json.dumps({"RT": ["Russia Today"]}), encoding="utf-8")
    assert load_aliases(tmp_path / "a.json").same("russia today", "rt.com")
    (tmp_path / "bad.txt").write_text("RT = rt.com\nlonely\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_aliases(tmp_path / "bad.txt")


def test_unrelated_story_is_untouched():
    lines, reasons = chrome_lines(OTHER_TOPIC)
    assert reasons == {}


# --- one site's template, and an article it syndicated from another outlet ---------------

DATA = Path(__file__).parents[2] / "shared" / "data" / "article-extraction-benchmark"
# Real article bodies from the extraction benchmark: 4 for the Bugle's own stories, 3 for the Herald's.
BODIES = ("04a6711c", "05844573", "08f79376", "14cc2a0c", "156770d6", "232a43fb", "360c732d")
BUGLE_TEMPLATE = (
    "Support independent journalism: become a member of the Daily Bugle and get every story first.",
    "The Daily Bugle is a reader-funded newsroom covering Riverton and the valley since 1921.",
)
HERALD_TEMPLATE = ("Harbour Herald journalists report from the docks, the council and the courts every day.",)
CREDIT = "This article originally appeared on Harbour Herald."


def _page(site: str, url: str, title: str, paragraphs: list[str], before: tuple, after: tuple, related: list[str]) -> str:
    from html import escape

    body = "".join(f"<p>{escape(p)}</p>\n" for p in (*before, *paragraphs, *after))
    links = "".join(f'<li><a href="/{i}">{escape(h)}</a></li>' for i, h in enumerate(related))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)} | {site}</title>
<meta property="og:site_name" content="{site}"><link rel="canonical" href="{url}">
<meta property="article:published_time" content="2019-11-20T08:00:00Z"></head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>{escape(title)}</h1>
{body}</article>
<aside><h3>More from {site}</h3><ul>{links}</ul></aside></main>
<footer><p>&copy; 2019 {site}. All rights reserved.</p></footer></body></html>"""


@pytest.fixture(scope="module")
def site_corpus(tmp_path_factory):
    truth_file = DATA / "ground-truth.json"
    if not truth_file.is_file():
        pytest.skip(f"{DATA} is absent")
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    keys = [next(k for k in sorted(truth) if k.startswith(prefix)) for prefix in BODIES]
    bodies = [[p.strip() for p in truth[k]["articleBody"].split("\n") if p.strip()] for k in keys]
    titles = [f"Story number {word} from the wire" for word in ("one", "two", "three", "four", "five", "six", "seven")]
    root = tmp_path_factory.mktemp("sites")
    (root / "bugle").mkdir()
    (root / "herald").mkdir()
    for i in range(3):  # the Herald's own pages; the first is the story the Bugle syndicates
        html = _page("Harbour Herald", f"https://www.harbourherald.com/news/{i}", titles[4 + i], bodies[4 + i],
                     (), HERALD_TEMPLATE, titles[:3])
        (root / "herald" / f"h{i}.html").write_text(html, encoding="utf-8")
    for i in range(4):
        html = _page("Daily Bugle", f"https://dailybugle.com/story/{i}", titles[i], bodies[i],
                     BUGLE_TEMPLATE[:1], BUGLE_TEMPLATE[1:], titles[(i + 1) % 4:][:2])
        (root / "bugle" / f"b{i}.html").write_text(html, encoding="utf-8")
    syndicated = _page("Daily Bugle", "https://dailybugle.com/story/wire-1", titles[4], bodies[4],
                       BUGLE_TEMPLATE[:1], (CREDIT, *BUGLE_TEMPLATE[1:]), titles[:2])
    (root / "bugle" / "syndicated.html").write_text(syndicated, encoding="utf-8")
    return root, bodies


def test_site_template_goes_and_syndicated_article_stays_whole_and_linked(site_corpus):
    root, bodies = site_corpus
    result = copytrace.scan(root)
    docs = {d["id"]: d for d in result.documents.to_pylist()}
    assert len(docs) == 8 and result.rejects.num_rows == 0
    assert docs["bugle/b0.html"]["source"] == "dailybugle.com" and docs["bugle/b0.html"]["date"] == "2019-11-20"
    removed = result.tables["removed_lines"].to_pylist()
    for doc_id, doc in docs.items():
        template = BUGLE_TEMPLATE if doc_id.startswith("bugle/") else HERALD_TEMPLATE
        gone = {r["text"]: r["reason"] for r in removed if r["id"] == doc_id}
        for line in template:
            assert line not in doc["text"], (doc_id, line)
            assert gone[line].startswith("repeated on ") and doc["source"] in gone[line]
    syndicated = docs["bugle/syndicated.html"]["text"]
    for paragraph in bodies[4]:
        assert " ".join(paragraph.split()) in " ".join(syndicated.split()), paragraph
    assert CREDIT in syndicated
    pairs = {(p["a"], p["b"]): p for p in result.pairs.to_pylist()}
    assert ("bugle/syndicated.html", "herald/h0.html") in pairs
    assert pairs[("bugle/syndicated.html", "herald/h0.html")]["containment_b_in_a"] > 0.9
    assert len(pairs) == 1  # the template no longer links the Bugle's own stories


def test_aliases_join_one_outlets_pages_into_one_template():
    import pyarrow as pa

    from copytrace.io.records import DOCUMENT_SCHEMA

    names = ("RT", "rt.com", "Russia Today")
    rows = [{"id": f"d{i}", "text": f"Watch RT live on every screen, every day\nStory about {topic} in full.",
             "source": name, "origin": f"x.jsonl:{i + 1}"} for i, (name, topic) in enumerate(zip(names, ("ports", "bridges", "schools")))]
    table = pa.Table.from_pylist(rows, schema=DOCUMENT_SCHEMA)
    assert clean_stage(table).removed.num_rows == 0  # three names: three outlets of one page each
    aliases = parse_aliases("RT = rt.com = Russia Today")
    removed = clean_stage(table, CleanSettings(), aliases=aliases).removed.to_pylist()
    assert [r["id"] for r in removed] == ["d0", "d1", "d2"]
    assert all(r["reason"].startswith("repeated on 3 pages of") for r in removed)


def test_templates_learned_over_shards_reach_every_shard():
    import pyarrow as pa

    from copytrace.stages.clean import learn_templates
    from copytrace.io.records import DOCUMENT_SCHEMA

    def shard(topics):
        return pa.Table.from_pylist(
            [{"id": t, "text": f"Bugle members get every story first, join today\nThe story of {t} in full.",
              "source": "Daily Bugle", "origin": f"x:{i}"} for i, t in enumerate(topics)], schema=DOCUMENT_SCHEMA)

    shards = [shard(["ports", "bridges"]), shard(["schools", "parks"])]
    assert all(clean_stage(s).removed.num_rows == 0 for s in shards)  # 2 pages a shard: below 3
    templates = learn_templates(shards)
    assert templates == {"dailybugle": {"bugle members get every story first, join today": 4}}
    for s in shards:
        removed = clean_stage(s, templates=templates).removed.to_pylist()
        assert [r["line"] for r in removed] == [1, 1]
