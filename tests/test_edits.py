import numpy as np
import pytest

import copytrace
from copytrace.stages.align import align_pairs
from copytrace.stages.provenance.edits import copy_edits, words_of
from copytrace.stages.provenance import DocumentFacts, trace
from tracing_helpers import ARTICLE, FRAMING, paragraphs, trace_docs

S000, S001, S002 = "000_f6bf16f87c8d377a.txt", "001_029c3bd5a6ee19c6.txt", "002_980889d471020f42.txt"


def edits_of(result, kind=None):
    rows = result.edits.to_pylist()
    return [r for r in rows if kind is None or r["kind"] == kind]


def test_added_and_dropped_paragraphs_with_offsets():
    copy = paragraphs(FRAMING, *ARTICLE[:2], *ARTICLE[3:5], "Sputnik News reports")
    result = trace_docs([dict(id="orig", text=paragraphs(*ARTICLE), source="Sputnik News"),
                         dict(id="copy", text=copy, source="Proxy")])
    added = edits_of(result, "added")
    assert [a["text"] for a in added] == [FRAMING, "Sputnik News reports"]
    assert [a["note"] for a in added] == [None, "credit line"]
    for a in added:
        assert copy[a["copy_start"]:a["copy_end"]] == a["text"]
        assert a["source_start"] is None
    dropped = edits_of(result, "dropped")
    assert [d["text"] for d in dropped] == [ARTICLE[2], ARTICLE[5]]
    original = paragraphs(*ARTICLE)
    for d in dropped:
        assert original[d["source_start"]:d["source_end"]] == d["text"]
        assert d["copy_start"] is None


def test_changed_words_inside_a_passage():
    edited = ARTICLE[1].replace("seven tonnes", "ten tonnes").replace("diverted at once", "diverted")
    source = paragraphs(*ARTICLE[:3])
    copy = paragraphs(ARTICLE[0], edited, ARTICLE[2])
    # One passage spanning the edited paragraph, as an aligner tolerant of small edits gives it.
    passages = [(0, len(source), 0, len(copy), 0.95)]

    def facts(doc_id, text):
        mask = np.ones(len(text), bool)
        return DocumentFacts(doc_id, text, 0, 0, None, [], [], [], [], mask, mask)

    rows = copy_edits(facts("s", source), facts("c", copy), passages)
    changed = [r for r in rows if r["kind"] == "changed"]
    assert [(r["source_text"], r["text"]) for r in changed] == [("seven", "ten")]
    assert copy[changed[0]["copy_start"]:changed[0]["copy_end"]] == "ten"
    assert source[changed[0]["source_start"]:changed[0]["source_end"]] == "seven"
    dropped = [r for r in rows if r["kind"] == "dropped"]
    assert [r["text"] for r in dropped] == ["at once"] and dropped[0]["note"] == "inside a passage"
    assert source[dropped[0]["source_start"]:dropped[0]["source_end"]] == "at once"


def test_whitespace_and_punctuation_gaps_are_no_edit():
    copy = " “ " + paragraphs(*ARTICLE).replace("\n\n", "\n \u00a0 — \n") + " ” ..."
    result = trace_docs([dict(id="orig", text=paragraphs(*ARTICLE), source="A"),
                         dict(id="copy", text=copy, source="A")])
    assert edits_of(result) == []


def test_quote_style_and_case_are_not_changes():
    copy = paragraphs(*ARTICLE).replace('"', "\u201c", 1).replace('"', "\u201d", 1).replace("The city", "THE CITY")
    source = paragraphs(*ARTICLE)
    assert [w for w, _, _ in words_of(copy, 0, len(copy))] == [w for w, _, _ in words_of(source, 0, len(source))]


def test_a_moved_sub_heading_is_neither_added_nor_dropped():
    heading = "'Repairs before winter'"
    source = paragraphs(*ARTICLE[:3], heading, *ARTICLE[3:])
    copy = paragraphs(heading, *ARTICLE)
    result = trace_docs([dict(id="s", text=source, source="A"), dict(id="c", text=copy, source="A")])
    assert edits_of(result) == []


# The seeds ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def seed_edits(lavrov_dir):
    result = copytrace.scan(lavrov_dir)
    passages = align_pairs(result.documents, result.pairs)
    return trace(result.documents, result.pairs, passages).edits.to_pylist()


def test_seed_002_framing_paragraph_is_added(seed_edits):
    added = [e for e in seed_edits if (e["source"], e["copy"], e["kind"]) == (S000, S002, "added")]
    framing = [e for e in added if "US Ukraine coup" in e["text"]]
    assert len(framing) == 1
    assert framing[0]["text"].startswith("Russian Foreign Minister Sergei Lavrov explained")
    notes = {e["text"]: e["note"] for e in added}
    assert notes["Sputnik News reports"] == "credit line"
    assert any(n == "feed footer" and t.startswith("The post") for t, n in notes.items())


def test_seed_002_does_not_carry_the_putin_and_trump_section(seed_edits):
    dropped = " ".join(e["text"] for e in seed_edits if (e["source"], e["copy"], e["kind"]) == (S000, S002, "dropped"))
    dropped = " ".join(dropped.split())
    assert "On meeting between Putin and Trump" in dropped
    assert "upcoming talks between Russian President Vladimir Putin and US President Donald Trump" in dropped
    assert "This is what we are doing right now" in dropped
    # The quotes 002 did carry are not reported as dropped, even the short one the aligner skips.
    assert "The CSTO development strategy" not in dropped
    added = " ".join(e["text"] for e in seed_edits if (e["source"], e["copy"], e["kind"]) == (S000, S002, "added"))
    assert "NATO’s arrogance is not helping" not in added


def test_seed_001_is_reported_with_the_sentence_it_lost(seed_edits):
    dropped = [" ".join(e["text"].split()) for e in seed_edits
               if (e["source"], e["copy"], e["kind"]) == (S000, S001, "dropped")]
    assert any(d.startswith("Not everyone in the European Union is ready to accept this") for d in dropped)
    added = [e for e in seed_edits if (e["source"], e["copy"], e["kind"]) == (S000, S001, "added")]
    # 001's sub-headings moved to the top are not additions; its photo credit is labelled as such.
    assert all(e["note"] == "photo credit" for e in added)


@pytest.mark.parametrize("text", ["Caf\u00e9 SAID: \u201cno\u201d", "cafe\u0301 \ufb01ne \u2460 X\u00b2", "\u0130stanbul \u01f0ane",
                                  "Stra\u00dfe \u03a3\u039f\u03a3 \u1fb7x", "plain ASCII, words_1 and-more."])
def test_words_are_folded_as_word_by_word_folding_gives(text):
    import re
    import unicodedata

    from copytrace.stages.provenance.edits import word_key

    expected = [w for w, _, _ in words_of(text, 0, len(text))]
    one_by_one = [unicodedata.normalize("NFKC", m.group()).casefold() for m in re.finditer(r"\w+", text)]
    assert list(word_key(text)) == expected
    if unicodedata.normalize("NFKC", text) == text:
        assert expected == one_by_one
