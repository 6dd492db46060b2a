"""Big families: a partition, one spanning tree per family, cross-family reuse outside the trees,
the original from cheap evidence, and a large family explained along its tree's edges only."""

from __future__ import annotations

import json
import random
from datetime import datetime

import pyarrow.compute as pc
import pytest

from copytrace.pipeline import scan
from copytrace.settings import ProvenanceSettings, ScanSettings
from copytrace.stages.provenance.plan import MemberEvidence, choose_original
from copytrace.text.dates import ParsedDate
from tracing_helpers import ARTICLE, OWN_STORY, paragraphs

VOCABULARY = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ra", "so", "tu") for b in
              ("ban", "cel", "dor", "fim", "gal", "hex", "jin", "kor", "lum", "mar", "nix", "orb")]


def _framing(rng: random.Random) -> str:
    """A lead of the copy's own: a sentence no other document carries."""
    return " ".join(rng.choice(VOCABULARY) for _ in range(24)).capitalize() + "."


def viral_rows(copies: int, seed: int = 3) -> list[dict]:
    """One story (ARTICLE) republished by `copies` outlets, cut and framed, hours apart, and a second story
    whose copies quote one sentence of the first (cross-family reuse)."""
    rng = random.Random(seed)
    rows = [{"id": "wire", "text": paragraphs(*ARTICLE), "source": "wire.com", "date": "2022-03-01T06:00"}]
    for k in range(copies):
        kept = [p for i, p in enumerate(ARTICLE) if i < 3 or rng.random() > 0.4]
        if k % 4 == 1:
            kept = ARTICLE[:3]  # one cut carried by a quarter of the copies
        rows.append({"id": f"copy{k:03d}", "text": paragraphs(_framing(rng), *kept), "source": f"outlet{k}.com",
                     "date": f"2022-03-01T{7 + k % 12:02d}:{k % 60:02d}"})
    rows[1]["date"] = "2017-05"  # a page template's year on one copy
    quote = ARTICLE[2].split(", adding")[0] + "."  # the council leader's words, quoted
    rows.append({"id": "bakery", "text": paragraphs(*OWN_STORY), "source": "harbour.com", "date": "2022-03-02"})
    rows.append({"id": "bakery-copy", "text": paragraphs(_framing(rng), *OWN_STORY, _framing(rng), quote),
                 "source": "gazette.com", "date": "2022-03-03"})
    return rows


def assert_spanning_trees(families: list[dict]) -> None:
    """Every family's tree: every member but the original once as a copy, edges between members, one root."""
    seen = set()
    for f in families:
        members = set(f["members"])
        assert not members & seen, "families overlap"
        seen |= members
        tree = f["tree"] or []
        copies = [e["copy"] for e in tree]
        assert all(e["source"] in members and e["copy"] in members for e in tree), f"edge outside family {f['family']}"
        assert len(copies) == len(set(copies)) == len(members) - 1
        roots = members - set(copies)
        assert roots == {f["original"]}


@pytest.fixture(scope="module")
def viral(tmp_path_factory):
    folder = tmp_path_factory.mktemp("viral")
    path = folder / "docs.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in viral_rows(20)))
    return scan([path])


def test_trees_span_their_own_family_and_quotes_are_cross_family_links(viral):
    families = viral.families.to_pylist()
    assert_spanning_trees(families)
    family_of = {m: f["family"] for f in families for m in f["members"]}
    assert family_of["wire"] != family_of["bakery-copy"]
    links = viral.tables["links"].to_pylist()
    quoted = [link for link in links if {link["source"], link["copy"]} & {"bakery-copy"}]
    assert quoted and quoted[0]["source_family"] != quoted[0]["copy_family"]
    edges = viral.tables["edges"].to_pylist()
    assert all(family_of[e["source"]] == family_of[e["copy"]] == e["family"] for e in edges)


def test_a_large_family_is_explained_along_its_tree_only(viral):
    story = next(f for f in viral.families.to_pylist() if "wire" in f["members"])
    passages = viral.tables["passages"]
    aligned = set(zip(passages["a"].to_pylist(), passages["b"].to_pylist()))
    inside = {p for p in aligned if p[0] in story["members"] and p[1] in story["members"]}
    assert len(inside) <= story["size"] - 1  # n - 1 tree edges, not n (n - 1) / 2 pairs
    family_pairs = viral.pairs.filter(pc.is_in(viral.pairs["a"], value_set=viral.pairs["a"].unique()))
    assert family_pairs.num_rows > 3 * story["size"]  # every pair keeps its cheap figures
    assert story["original"] == "wire"
    # Copies carrying the same cut are aligned once for their group, and each still has its tree edge.
    grouped = [e for e in viral.tables["edges"].to_pylist() if (e["evidence"] or [""])[0].startswith("same cut")]
    assert len(grouped) >= 3 and all(e["in_tree"] for e in grouped)
    assert len(inside) <= story["size"] - 1 - len(grouped)
    assert any("copy000" in line and "discounted" in line for line in story["original_evidence"])


def _date(text: str, confidence: float = 0.9) -> ParsedDate:
    return ParsedDate(datetime.fromisoformat(text), "minute", confidence, text)


def test_earliest_trustworthy_date_wins_and_outliers_are_discounted():
    members = [MemberEvidence("a", 0, _date("2022-03-01T08:00")), MemberEvidence("b", 1, _date("2022-03-01T06:00")),
               MemberEvidence("c", 2, _date("2017-05-01T00:00")), MemberEvidence("d", 3, None)]
    original, reasons = choose_original(members, ProvenanceSettings())
    assert original == "b"
    assert any(r.startswith("date: c's 2017-05-01") and "discounted" in r for r in reasons)


def test_text_evidence_overrides_the_earliest_date():
    credits = [MemberEvidence("early", 0, _date("2022-03-01T05:00"), credits=["wire"]),
               MemberEvidence("wire", 1, _date("2022-03-01T06:00"))]
    original, reasons = choose_original(credits, ProvenanceSettings())
    assert original == "wire" and any(r.startswith("credit: early credits wire") for r in reasons)
    framed = [MemberEvidence("early", 0, _date("2022-03-01T05:00"), framed=True),
              MemberEvidence("wire", 1, _date("2022-03-01T06:00"), carried=0.9),
              MemberEvidence("late", 2, _date("2022-03-01T07:00"), framed=True)]
    original, reasons = choose_original(framed, ProvenanceSettings())
    assert original == "wire" and any(r.startswith("framing: early") for r in reasons)


def test_trees_span_families_on_the_generated_quality_corpus(tmp_path):
    from copytrace.evaluation.generator import DEFAULT_INPUT, build_corpus, load_articles
    from copytrace.evaluation.gold import write_corpus

    if not DEFAULT_INPUT.exists():
        pytest.skip(f"{DEFAULT_INPUT} is absent")
    write_corpus(build_corpus(load_articles(None)[:60], seed=7, families=25), tmp_path, 7, "test")
    result = scan([tmp_path / "documents.jsonl"], settings=ScanSettings())
    assert_spanning_trees(result.families.to_pylist())
    family_of = {m: f["family"] for f in result.families.to_pylist() for m in f["members"]}
    assert all(family_of[e["source"]] == family_of[e["copy"]] for e in result.tables["edges"].to_pylist())


def test_explain_shows_cross_family_links_and_computes_any_pair_on_demand(viral, tmp_path):
    from rich.console import Console

    from copytrace.faces.explain import Account, PairAccount, print_account

    viral.write(tmp_path / "out")
    console = Console(record=True, width=200)
    print_account(console, Account(tmp_path / "out", "bakery-copy"))
    shown = console.export_text()
    assert "cross-family links" in shown
    # Two copies of the large family: not a tree edge, so not aligned by the scan; compared on demand.
    story = next(f for f in viral.families.to_pylist() if "wire" in f["members"])
    tree = {(e["source"], e["copy"]) for e in story["tree"]}
    x, y = next((a, b) for a in story["members"][1:] for b in story["members"][1:]
                if a != b and (a, b) not in tree and (b, a) not in tree)
    account = PairAccount(tmp_path / "out", x, y)
    assert account.passages and len(account.edges) == 1
    console = Console(record=True, width=200)
    print_account(console, account)
    assert "shared passages" in console.export_text()


def test_trees_span_families_on_a_high_reuse_corpus(tmp_path):
    """Half the documents copy an earlier one (chains, credits, a large wire family): one tree per family."""
    from engines_corpus import build_documents

    path = tmp_path / "reuse.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in build_documents(300, seed=5, reuse=0.5)))
    result = scan([path], settings=ScanSettings(provenance=ProvenanceSettings(all_pairs_up_to=4)))
    families = result.families.to_pylist()
    assert max(f["size"] for f in families) > 4  # a family explained along its planned tree
    assert_spanning_trees(families)
    family_of = {m: f["family"] for f in families for m in f["members"]}
    assert all(family_of[e["source"]] == family_of[e["copy"]] for e in result.tables["edges"].to_pylist())
    assert all(family_of[e["source"]] != family_of[e["copy"]] for e in result.tables["links"].to_pylist())


def test_explain_of_a_big_family_shows_its_first_members_and_says_how_many_more(viral, tmp_path):
    """`explain` of the original of thousands of copies printed every member, copy and pair (40,421 lines
    for 2,001 members): `most` caps the tree (the document's own line and copies first), the copies listed
    and the pairs detailed, each saying how many more there are."""
    from rich.console import Console

    from copytrace.faces.explain import DETAILED, Account, family_tree, print_account

    viral.write(tmp_path / "out")
    story = next(f for f in viral.families.to_pylist() if "wire" in f["members"])
    console = Console(record=True, width=200)
    print_account(console, Account(tmp_path / "out", "wire"), most=5)
    capped = console.export_text()
    console = Console(record=True, width=200)
    print_account(console, Account(tmp_path / "out", "wire"))
    whole = console.export_text()
    assert f"… {story['size'] - 5:,} more members (--most 0 shows them all" in capped
    assert "more copies (--most 0" in capped and "more" not in whole.split("its copies")[0].split("original)")[1]
    assert all(m in whole for m in story["members"]) and len(capped) < len(whole)
    detailed = lambda text: text.count("shared passages:") + text.count(": same cut:")  # noqa: E731
    assert detailed(capped) == DETAILED < detailed(whole)
    # a copy carrying a cut aligned once for its group says so, instead of an empty table of passages
    assert "wire → copy001: same cut: copy001 carries the same share of wire as" in " ".join(whole.split())
    # a copy deep in the tree: its line of sources and its own copies are shown whatever the cap
    parent = {e["copy"]: e["source"] for e in story["tree"]}
    deep = max(parent, key=lambda d: (len(_line(d, parent)), d))
    console = Console(record=True, width=200)
    console.print(family_tree(Account(tmp_path / "out", deep), most=1))
    shown = console.export_text()
    assert len(_line(deep, parent)) >= 3 and all(d in shown for d in _line(deep, parent))


def _line(doc: str, parent: dict) -> list[str]:
    line = [doc]
    while line[-1] in parent:
        line.append(parent[line[-1]])
    return line
