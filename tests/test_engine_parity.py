"""The memory, local and Ray engines write identical tables on one corpus that exercises every stage.

The corpus: a document whose source comes from a `_metadata.jsonl` sidecar and
whose date comes from `--metadata`; an HTML page; plain-text pages of one
source sharing chrome lines (one page all chrome); a full and a partial republication; a section
copied into a longer article (found by anchors only); a quote; rejects of
each stage that makes them (a bad record, a page with no main text, a page
left empty by chrome removal).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import copytrace
from copytrace.engines.local import LocalEngine
from copytrace.settings import ScanSettings

TABLES = ("documents", "pairs", "passages", "edges", "edits", "families", "removed_lines")
HEADER = "Epsilon Daily | Home | World | Politics | Sports | Opinion"
FOOTER = "Copyright Epsilon Daily. All rights reserved. Read our privacy policy and terms of use."


def _articles(seed: int = 12) -> dict[str, list[str]]:
    """Articles as lists of sentences of random letter words (no digits: chrome line keys fold them)."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocabulary = np.array(["".join(letters[rng.integers(0, 26, int(rng.integers(3, 9)))]) for _ in range(6000)])

    def sentences(n: int) -> list[str]:
        return [" ".join(vocabulary[rng.integers(0, len(vocabulary), 14)]).capitalize() + "." for _ in range(n)]

    return {name: sentences(n) for name, n in
            (("a", 20), ("b", 30), ("c", 16), ("long", 60), ("quoter", 18), ("gamma", 6), ("meta", 4),
             *((f"eps{k}", 8) for k in range(4)))}


def _page(title: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer>Zeta Herald, all rights reserved. Contact us.</footer></body></html>")


def write_parity_corpus(folder: Path) -> tuple[Path, Path]:
    """The corpus folder and the `--metadata` file."""
    art = _articles()
    text = "\n\n".join
    folder.mkdir(parents=True)
    # The copied section: four sentences (56 words) of b inside a 60-sentence article.
    section = art["long"][:30] + art["b"][10:14] + art["long"][30:]
    # The quote: 28 words of a, quoted; a possible quote (too short to link families).
    quoted = " ".join(" ".join(art["a"][5:7]).split()[:28])
    rows = [
        {"id": "orig-a", "text": text(art["a"]), "source": "Alpha Wire", "date": "2024-01-01"},
        {"id": "full-a", "text": text(["Alpha Wire reports:"] + art["a"]), "source": "Beta News",
         "date": "2024-01-02"},
        {"id": "part-a", "text": text(art["gamma"][:3] + art["a"][:10] + art["gamma"][3:]), "source": "Gamma Times",
         "date": "2024-01-03"},
        {"id": "orig-b", "text": text(art["b"]), "source": "Delta Post", "date": "2024-01-01"},
        {"id": "section-b", "text": text(section), "source": "Kappa Review", "date": "2024-01-05"},
        {"id": "quote-a", "text": text(art["quoter"][:9] + [f'The minister said: "{quoted}"'] + art["quoter"][9:]),
         "source": "Lambda Mail", "date": "2024-01-06"},
        {"id": "orig-c", "text": text(art["c"]), "source": "Omega Press", "date": "2024-02-01"},
        {"id": "meta-doc", "text": text(art["meta"] + art["c"][:12])},  # source from the sidecar, date from --metadata
        {"id": "bad", "text": "   "},
    ]
    with open(folder / "news.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)
    (folder / "zeta.html").write_text(_page("Omega story, as carried by Zeta", art["c"]), encoding="utf-8")
    (folder / "zz-blank.html").write_text("<html><head><title>Blank</title></head><body><div></div></body></html>",
                                          encoding="utf-8")  # no main text: a reject of extraction
    sidecar = [{"id": "meta-doc", "source": "Sidecar Outlet"}]
    for k in range(5):  # one source's pages: its header and footer lines are chrome
        body = [art["eps0"], art["eps1"], art["c"], art["eps3"], []][k]  # c republished; one page all chrome
        (folder / f"epsilon-{k}.txt").write_text("\n".join([HEADER, "", text(body), "", FOOTER]) + "\n",
                                                 encoding="utf-8")
        sidecar.append({"id": f"epsilon-{k}.txt", "source": "Epsilon Daily", "date": f"2024-01-{10 + k:02d}"})
    (folder / "_metadata.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sidecar), encoding="utf-8")
    metadata = folder.parent / "dates.jsonl"
    metadata.write_text(json.dumps({"id": "meta-doc", "date": "2024-03-05"}) + "\n", encoding="utf-8")
    return folder, metadata


def written(result, out: Path) -> dict:
    """The tables a result writes, read back: parquet tables, and the rejects' lines."""
    result.write(out)
    tables = {name: pq.read_table(out / f"{name}.parquet") for name in TABLES}
    tables["rejects"] = (out / "rejects.jsonl").read_text().splitlines()
    return tables


def assert_identical(expected: dict, got: dict, engine: str) -> None:
    meta = got["documents"].filter(pc.equal(got["documents"]["id"], "meta-doc")).to_pylist()
    assert [(m["source"], m["date"]) for m in meta] == [("Sidecar Outlet", "2024-03-05")], engine  # both merged
    for name, want in expected.items():
        have = got[name]
        if name == "rejects":
            assert have == want, (engine, name)
        else:
            assert have.schema.equals(want.schema), (engine, name)
            assert have.equals(want), (engine, name, have.num_rows, want.num_rows)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_parity_corpus(tmp_path_factory.mktemp("parity") / "corpus")


@pytest.fixture(scope="module")
def memory(corpus, tmp_path_factory):
    folder, metadata = corpus
    result = copytrace.scan(folder, metadata=metadata)
    return result, written(result, tmp_path_factory.mktemp("memory"))


def test_the_corpus_exercises_every_stage(memory):
    result, tables = memory
    docs = {row["id"]: row for row in tables["documents"].to_pylist()}
    # Both metadata sources on one document: the sidecar's source and --metadata's date.
    assert (docs["meta-doc"]["source"], docs["meta-doc"]["date"]) == ("Sidecar Outlet", "2024-03-05")
    page = docs["zeta.html"]["text"]  # the page's main text: no markup, menu or footer
    assert "<p>" not in page and "Contact us" not in page and page.count("\n") >= 15
    removed = tables["removed_lines"].to_pylist()
    assert {r["id"] for r in removed} == {f"epsilon-{k}.txt" for k in range(5)}
    assert {r["text"] for r in removed} == {HEADER, FOOTER}
    pairs = {frozenset((r["a"], r["b"])): r for r in tables["pairs"].to_pylist()}
    for linked in (("orig-a", "full-a"), ("orig-a", "part-a"), ("orig-c", "zeta.html"), ("orig-c", "meta-doc"),
                   ("orig-c", "epsilon-2.txt")):
        assert pairs[frozenset(linked)]["family_link"], linked
    section = pairs[frozenset(("orig-b", "section-b"))]
    assert section["family_link"] and section["bands_shared"] == 0  # found by anchors only
    quote = pairs[frozenset(("orig-a", "quote-a"))]
    assert not quote["family_link"] and quote["bands_shared"] == 0  # a quote: kept for its passage, links nothing
    assert {frozenset((r["a"], r["b"])) for r in tables["passages"].to_pylist()} == set(pairs)
    assert tables["edges"].num_rows >= 6 and tables["edits"].num_rows > 0
    assert [json.loads(line)["id"] for line in tables["rejects"]] == ["bad", "epsilon-4.txt", "zz-blank.html"]


def test_the_local_engine_writes_the_memory_engine_tables(corpus, memory, tmp_path):
    folder, metadata = corpus
    # Shards of a few documents each, cleaned, fingerprinted, verified and explained in two worker processes.
    result = LocalEngine(tmp_path / "work", "2MB", shard_bytes=4_000, workers=2).scan(
        [folder], metadata=metadata, settings=ScanSettings())
    assert len(list((tmp_path / "work" / "documents").glob("part-*.arrow.done"))) >= 4
    tables = written(result, tmp_path / "out")
    assert_identical(memory[1], tables, "local")
    stats = {k: v for k, v in result.stats.items() if k not in ("seconds", "engine", "work_dir", "memory_budget")}
    assert stats == {k: v for k, v in memory[0].stats.items() if k != "seconds"}


def test_the_ray_engine_writes_the_memory_engine_tables(corpus, memory, tmp_path):
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    from copytrace.engines.ray import RayEngine

    folder, metadata = corpus
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        result = RayEngine(work_dir=tmp_path / "work", shard_bytes=4_000, partitions=3).scan(
            [folder], metadata=metadata, settings=ScanSettings())
    finally:
        ray.shutdown()
    assert_identical(memory[1], written(result, tmp_path / "out"), "ray")
