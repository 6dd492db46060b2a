"""The benchmark generator: reproducible, and its gold spans really are shared text."""

import difflib
import json
import re
from collections import Counter

import pytest

from copytrace.evaluation.generator import DEFAULT_INPUT, CorpusError, build_corpus, load_articles
from copytrace.evaluation.gold import GAP, read_gold, write_corpus
from copytrace.evaluation.marked import Marked, join

needs_data = pytest.mark.skipif(not DEFAULT_INPUT.exists(), reason=f"{DEFAULT_INPUT} is absent")
QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


@pytest.fixture(scope="module")
def articles():
    if not DEFAULT_INPUT.exists():
        pytest.skip(f"{DEFAULT_INPUT} is absent")
    return load_articles(None)[:70]


@pytest.fixture(scope="module")
def corpus_dir(articles, tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench")
    write_corpus(build_corpus(articles, seed=3, families=25), folder, 3, "test")
    return folder


def documents(folder):
    with open(folder / "documents.jsonl", encoding="utf-8") as handle:
        return {r["id"]: r for r in map(json.loads, handle)}


def test_marked_keeps_origins_through_edits():
    text = Marked.authored('He said "no." Then he left. It rained.', key=3, start=100)
    curled = text.curled()
    assert curled.text == "He said \u201cno.\u201d Then he left. It rained."
    assert list(curled.off) == list(text.off)
    glued = join(text.sentences(), "")
    assert glued.text == 'He said "no."Then he left.It rained.'
    # every kept character still points at where it was written
    assert all(glued.off[i] - 100 == text.text.index(glued.text[i:i + 5]) for i in (0, 14, 27))


def test_same_seed_gives_byte_identical_files(articles, tmp_path):
    for name in ("one", "two"):
        write_corpus(build_corpus(articles, seed=5, families=10), tmp_path / name, 5, "test")
    for file in ("documents.jsonl", "gold.json"):
        assert (tmp_path / "one" / file).read_bytes() == (tmp_path / "two" / file).read_bytes()
    write_corpus(build_corpus(articles, seed=6, families=10), tmp_path / "three", 6, "test")
    assert (tmp_path / "three" / "documents.jsonl").read_bytes() != (tmp_path / "one" / "documents.jsonl").read_bytes()


def normalized(text):
    return re.sub(r"\s+", "", text.translate(QUOTES))


@needs_data
def test_gold_spans_hold_the_same_text(corpus_dir):
    docs, gold = documents(corpus_dir), read_gold(corpus_dir)
    checked = 0
    for pair in gold.pairs:
        for a0, a1, b0, b1 in pair["passages"]:
            left, right = normalized(docs[pair["a"]]["text"][a0:a1]), normalized(docs[pair["b"]]["text"][b0:b1])
            # equal up to the documented noise: quote style, whitespace, and gaps of at most GAP characters
            for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, left, right, autojunk=False).get_opcodes():
                if op != "equal":
                    assert max(i2 - i1, j2 - j1) <= GAP, (pair["a"], pair["b"], left[i1:i2], right[j1:j2])
            checked += 1
    assert checked > 50


@needs_data
def test_edges_carry_their_credit_and_copied_spans(corpus_dir):
    docs, gold = documents(corpus_dir), read_gold(corpus_dir)
    credited = [e for e in gold.edges if e["credit"]]
    assert credited and any(not e["credit"] for e in gold.edges)
    for edge in credited:
        assert edge["credited"] in docs[edge["copy"]]["text"]
        assert edge["credited_outlet"] == next(d["outlet"] for d in gold.documents if d["id"] == edge["source"])
    for edge in gold.edges:
        source, copy = docs[edge["source"]]["text"], docs[edge["copy"]]["text"]
        for s0, s1, c0, c1 in edge["passages"]:
            assert normalized(source[s0:s1])[:40] == normalized(copy[c0:c1])[:40]


@needs_data
def test_feed_footers_name_the_copier_not_a_source(corpus_dir):
    docs, gold = documents(corpus_dir), read_gold(corpus_dir)
    outlet = {d["id"]: d["outlet"] for d in gold.documents}
    footers = 0
    for doc_id, record in docs.items():
        for name in re.findall(r"appeared first on (.+?)\.$", record["text"], flags=re.M):
            assert name == outlet[doc_id]
            footers += 1
    assert footers > 0


@needs_data
def test_corpus_has_the_kinds_of_republication_asked_for(corpus_dir):
    docs, gold = documents(corpus_dir), read_gold(corpus_dir)
    relations = Counter(p["relation"] for p in gold.pairs)
    assert {"republication", "partial", "quote"} <= set(relations)
    assert {f["plan"] for f in gold.families} >= {"single", "multi", "chain", "wire", "negative"}
    kinds = Counter(d["date_kind"] for d in gold.documents)
    assert kinds["missing"] and kinds["junk"]
    noise = Counter(tag for d in gold.documents for tag in d["noise"])
    assert noise["framing_added"] and noise["quote_style"]
    # every multi-member family has one original (or two captures of it) and every document a family
    for family in gold.families:
        assert family["original"] in family["members"]
    assert sum(f["size"] for f in gold.families) == len(docs)
    assert set(docs) == {d["id"] for d in gold.documents}
    assert all({"id", "text", "source", "url", "date", "title"} == set(r) for r in docs.values())


def test_bad_input_is_one_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        load_articles(tmp_path / "absent.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\nnot json\n')
    with pytest.raises(CorpusError, match="record 2"):
        load_articles(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"title": "no text here"}\n')
    with pytest.raises(CorpusError, match="no article text"):
        load_articles(empty)
