import pyarrow as pa
import pyarrow.compute as pc
import pytest

import copytrace
from copytrace.stages.align import align_pairs
from copytrace.settings import RelationSettings
from copytrace.stages.provenance import ProvenanceSettings, trace
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, FAMILY_SCHEMA, PASSAGE_SCHEMA
from copytrace.stages.provenance.tree import Link, order_members
from tracing_helpers import (
    ARTICLE, FRAMING, OTHER_FRAMING, OWN_STORY, corpus, edge, exact_passages, paragraphs, trace_docs,
)

ORIGINAL = paragraphs(*ARTICLE)
S000, S001, S002 = "000_f6bf16f87c8d377a.txt", "001_029c3bd5a6ee19c6.txt", "002_980889d471020f42.txt"


# Relations -----------------------------------------------------------------------------------------

def test_two_captures_of_one_article_are_same_not_a_copy():
    capture = "Listen Live\nGet short URL\n" + ORIGINAL.replace("\n\n", "\n") + "Comment via Facebook\n"
    result = trace_docs([dict(id="a", text=ORIGINAL, source="Northbridge Echo"),
                         dict(id="a2", text=capture, source="Northbridge Echo")])
    assert edge(result, "a", "a2")["relation"] == "same"
    assert result.families.to_pylist()[0]["tree"][0]["relation"] == "same"


def test_identical_text_on_two_outlets_is_a_republication_not_same():
    result = trace_docs([dict(id="a", text=ORIGINAL, source="Northbridge Echo"),
                         dict(id="b", text=ORIGINAL, source="Daily Proxy")])
    assert edge(result, "a", "b")["relation"] == "republication"


def test_most_of_the_source_inside_the_copy_is_a_republication():
    result = trace_docs([dict(id="a", text=ORIGINAL), dict(id="b", text=paragraphs(FRAMING, *ARTICLE[:5]))])
    row = edge(result, "a", "b")
    assert row["relation"] == "republication"
    assert row["source_coverage"] > 0.8 and row["copy_coverage"] > 0.8


def test_a_section_reused_is_partial():
    copy = paragraphs(FRAMING, *ARTICLE[1:3], OTHER_FRAMING)
    row = edge(trace_docs([dict(id="a", text=ORIGINAL), dict(id="c", text=copy)]), "a", "c")
    assert (row["source"], row["copy"], row["relation"]) == ("a", "c", "partial")
    assert row["source_coverage"] < 0.5


def test_a_sentence_or_two_outside_quotes_is_partial_inside_quotes_a_quote():
    # A copied sentence is derivation evidence (partially derived); the same words quoted as speech are not.
    story = paragraphs(*OWN_STORY[:2], ARTICLE[2], OWN_STORY[2])
    assert edge(trace_docs([dict(id="a", text=ORIGINAL), dict(id="d", text=story)]), "a", "d")["relation"] == "partial"
    quoted = paragraphs(*OWN_STORY[:2], f'A witness told us: "{ARTICLE[2]}"', OWN_STORY[2])
    assert edge(trace_docs([dict(id="a", text=ORIGINAL), dict(id="d", text=quoted)]), "a", "d")["relation"] == "quote"


def test_thresholds_are_settable():
    copy = paragraphs(FRAMING, *ARTICLE[1:3], OTHER_FRAMING)
    docs = [dict(id="a", text=ORIGINAL), dict(id="c", text=copy)]
    assert edge(trace_docs(docs), "a", "c")["relation"] == "partial"
    mostly = RelationSettings(wholly_share=0.4)
    assert edge(trace_docs(docs, relations=mostly), "a", "c")["relation"] == "cut"
    assert edge(trace_docs(docs, relations=mostly, republication_coverage=0.25), "a", "c")["relation"] == "republication"


# Direction -----------------------------------------------------------------------------------------

def test_direction_from_dates():
    docs = [dict(id="late", text=ORIGINAL, source="X News", date="2019-10-18"),
            dict(id="early", text=ORIGINAL, source="Y News", date="Thu, 17 Oct 2019 09:00:00 +0000")]
    row = edge(trace_docs(docs), "late", "early")
    assert (row["source"], row["copy"]) == ("early", "late")
    assert row["confidence"] > 0.9
    assert any(e.startswith("date: early 2019-10-17") for e in row["evidence"])


def test_direction_without_dates_from_the_copys_additions_and_cuts():
    copy = paragraphs(FRAMING, *ARTICLE[:3])
    row = edge(trace_docs([dict(id="copy", text=copy), dict(id="orig", text=ORIGINAL)]), "copy", "orig")
    assert (row["source"], row["copy"]) == ("orig", "copy")
    assert row["confidence"] > 0.6
    assert any(e.startswith("coverage:") for e in row["evidence"])


def test_direction_from_a_credit_line_beats_coverage():
    # The copy carries all of the original and adds a long commentary: coverage alone would
    # call the shorter original the copy; the credit line says otherwise.
    copy = paragraphs(*ARTICLE[:3], "Sputnik News reports", *ARTICLE[3:])
    original = paragraphs(*ARTICLE[:4])
    docs = [dict(id="copy", text=copy, url="https://theduran.com/x"),
            dict(id="orig", text=original, url="https://sputniknews.com/world/1.html")]
    row = edge(trace_docs(docs), "copy", "orig")
    assert (row["source"], row["copy"]) == ("orig", "copy")
    assert row["credit"] is True and row["credited"] == "Sputnik News"


def test_junk_dates_do_not_mislead():
    # The copy's date field is the mangled seed timestamp set in 2016, "before" the original:
    # read at low confidence it must not outweigh the credit and the copy's framing.
    copy = paragraphs(FRAMING, *ARTICLE[:4], "according to Northbridge News")
    docs = [dict(id="copy", text=copy, date="14:31 GMT +317 October 2016", source="Daily Proxy"),
            dict(id="orig", text=ORIGINAL, date="2019-10-17", source="Northbridge News")]
    row = edge(trace_docs(docs), "copy", "orig")
    assert (row["source"], row["copy"]) == ("orig", "copy")
    date_lines = [e for e in row["evidence"] if e.startswith("date:")]
    assert date_lines and float(date_lines[0].rsplit("weight ", 1)[1]) < 1.0


def test_missing_and_junk_dates_on_identical_texts_give_low_confidence():
    docs = [dict(id="x", text=ORIGINAL, date="junk", source="X News"),
            dict(id="y", text=ORIGINAL, date=None, source="Y News")]
    row = edge(trace_docs(docs), "x", "y")
    assert row["confidence"] <= 0.6
    assert not any(e.startswith("date:") for e in row["evidence"])


def test_a_chain_of_three_is_resolved_with_dates():
    # B adds framing to A; C copies B with B's framing, cuts more, adds its own.
    docs = [dict(id="C", text=paragraphs(FRAMING, *ARTICLE[:4], OTHER_FRAMING), date="2019-10-19"),
            dict(id="A", text=ORIGINAL, date="2019-10-17"),
            dict(id="B", text=paragraphs(FRAMING, *ARTICLE[:5]), date="2019-10-18")]
    family = trace_docs(docs).families.to_pylist()[0]
    assert family["original"] == "A"
    assert {(e["source"], e["copy"]) for e in family["tree"]} == {("A", "B"), ("B", "C")}


def test_a_chain_of_three_is_resolved_without_dates():
    # Each copy is mostly inside its source; C carries B's own added sentence, so C hangs from B.
    added = "Officials at the council declined to say how much the repairs are expected to cost in total."
    b = paragraphs(*ARTICLE[:4], added)
    c = paragraphs(*ARTICLE[1:3], added)
    result = trace_docs([dict(id="C", text=c), dict(id="B", text=b), dict(id="A", text=ORIGINAL)])
    family = result.families.to_pylist()[0]
    assert family["original"] == "A"
    assert {(e["source"], e["copy"]) for e in family["tree"]} == {("A", "B"), ("B", "C")}
    in_tree = {(r["source"], r["copy"]): r["in_tree"] for r in result.edges.to_pylist()}
    assert in_tree == {("A", "B"): True, ("B", "C"): True, ("A", "C"): False}


def test_feed_footer_of_another_site_is_syndication_evidence():
    footer = "The post Bridge closed to lorries appeared first on Northbridge Echo."
    copy = paragraphs(*ARTICLE, footer)
    original = paragraphs(*ARTICLE, footer)
    docs = [dict(id="copy", text=copy, url="https://aggregator.example.com/1"),
            dict(id="orig", text=original, url="https://northbridgeecho.com/bridge")]
    row = edge(trace_docs(docs), "copy", "orig")
    assert (row["source"], row["copy"]) == ("orig", "copy")
    assert any(e.startswith("feed:") for e in row["evidence"])
    assert row["credit"] is True


def test_credit_to_another_outlet_is_reported_but_not_as_credit_to_this_source():
    copy = paragraphs(FRAMING, *ARTICLE[:4], "According to Reuters, the repairs will be costly.")
    docs = [dict(id="orig", text=ORIGINAL, source="Northbridge Echo"), dict(id="copy", text=copy, source="Proxy")]
    row = edge(trace_docs(docs), "orig", "copy")
    assert row["credit"] is False and row["credited"] == "Reuters"


def test_outputs_follow_the_schemas_and_keep_every_family():
    docs = [dict(id="a", text=ORIGINAL), dict(id="b", text=paragraphs(FRAMING, *ARTICLE[:3])),
            dict(id="lone", text=paragraphs(*OWN_STORY), family=1)]
    result = trace_docs(docs)
    assert result.edges.schema == EDGE_SCHEMA
    assert result.edits.schema == EDIT_SCHEMA
    assert result.families.schema == FAMILY_SCHEMA
    families = {f["family"]: f for f in result.families.to_pylist()}
    assert families[1] == {"family": 1, "size": 1, "members": ["lone"], "original": "lone", "tree": []}


def test_no_passages_gives_empty_edges_and_singleton_originals():
    documents = pa.Table.from_pylist([{"id": "a", "text": "x", "family": 0}, {"id": "b", "text": "y", "family": 1}])
    pairs = pa.Table.from_pylist([], schema=pa.schema([("a", pa.string()), ("b", pa.string())]))
    result = trace(documents, pairs, PASSAGE_SCHEMA.empty_table(), ProvenanceSettings())
    assert result.edges.num_rows == 0 and result.edits.num_rows == 0
    assert [f["original"] for f in result.families.to_pylist()] == ["a", "b"]


# The seeds, aligned by the real aligner -------------------------------------------------------------

@pytest.fixture(scope="module", params=["with metadata", "without metadata"])
def seeds(request, lavrov_dir):
    result = copytrace.scan(lavrov_dir)
    documents = result.documents
    if request.param == "without metadata":
        # Outlets then come from the pages themselves ("Comment via Sputnik", the feed footer).
        nulls = pa.nulls(documents.num_rows, pa.string())
        for column in ("source", "url", "title"):
            documents = documents.set_column(documents.column_names.index(column), column, nulls)
    passages = align_pairs(documents, result.pairs)
    return documents, passages, trace(documents, result.pairs, passages)


def test_seed_000_is_the_original_and_001_a_capture_of_it(seeds):
    _, _, result = seeds
    family = result.families.to_pylist()[0]
    assert family["original"] == S000
    tree = {(e["source"], e["copy"]): e["relation"] for e in family["tree"]}
    assert tree[(S000, S001)] == "same"
    assert tree[(S000, S002)] == "partial"


def test_seed_002_is_a_partial_republication_that_credits_sputnik(seeds):
    _, _, result = seeds
    row = edge(result, S000, S002)
    assert (row["source"], row["copy"], row["relation"]) == (S000, S002, "partial")
    assert row["credit"] is True and row["credited"] == "Sputnik News"
    assert row["credit_text"] == "Sputnik News reports"
    assert row["confidence"] > 0.9
    assert any(e.startswith("credit:") for e in row["evidence"])


def test_seed_chrome_lies_in_no_passage(seeds):
    documents, passages, _ = seeds
    text = documents.filter(pa.compute.equal(documents["id"], S000))["text"][0].as_py()
    chrome = ["Listen Live", "Get short URL", "Give Me Fire: US Deploys Three Black Hawk Helicopters",
              "Russia-NATO cooperation, Collective Security Treaty Organization", "Comment via Facebook"]
    spans = [(p["a_start"], p["a_end"]) if p["a"] == S000 else (p["b_start"], p["b_end"])
             for p in passages.to_pylist() if S000 in (p["a"], p["b"])]
    for line in chrome:
        at = text.find(line)
        if at < 0:
            continue  # removed by the cleaning stage
        assert not any(s < at + len(line) and at < e for s, e in spans), line


def test_direction_from_the_copys_framing_lead():
    # Two near-whole versions: the copy adds a framing lead, the original has a sentence the copy cut.
    cut = ARTICLE[3].split(", saying")[0] + "."
    copy = paragraphs(FRAMING, *ARTICLE[:3], cut, *ARTICLE[4:])
    row = edge(trace_docs([dict(id="copy", text=copy), dict(id="orig", text=ORIGINAL)]), "copy", "orig")
    assert (row["source"], row["copy"], row["relation"]) == ("orig", "copy", "republication")
    assert any(e.startswith("framing: copy opens with") for e in row["evidence"])


def test_credit_lines_removed_by_cleaning_still_count():
    # The cleaning stage drops copyright notices from `text`; the raw text still credits the source.
    copy = paragraphs(FRAMING, *ARTICLE[:4])
    docs = [dict(id="orig", text=ORIGINAL, source="Northbridge Echo"),
            dict(id="copy", text=copy, source="Daily Proxy")]
    documents, pairs = corpus(docs)
    raw = [ORIGINAL, "© Northbridge Echo\n" + copy]
    documents = documents.append_column("raw_text", pa.array(raw, pa.large_string()))
    result = trace(documents, pairs, exact_passages(documents, pairs))
    row = edge(result, "orig", "copy")
    assert row["credit"] is True and row["credited"] == "Northbridge Echo"
    assert row["credit_text"] == "© Northbridge Echo"


def test_a_strong_pair_cue_is_not_outvoted_by_weak_ones():
    # B credits A (strong); two further copies would, by summed weak cues, put B first.
    links = [Link("A", "B", 4.0, 1, 1), Link("B", "C", 1.0, 1, 1), Link("B", "D", 1.0, 1, 1),
             Link("C", "A", 0.4, 1, 1), Link("D", "A", 0.4, 1, 1)]
    order = order_members(["A", "B", "C", "D"], links, lambda m: (m,))
    assert order[0] == "A" and order.index("B") < order.index("C")


def test_a_short_piece_wholly_inside_a_long_one_gives_no_coverage_cue():
    # A short article embedded whole in a long one: the short one is as likely the source
    # (embedded) as the copy (an excerpt), so coverage must not decide.
    short = paragraphs(ARTICLE[0], ARTICLE[1])
    long = paragraphs(*OWN_STORY, *OWN_STORY, ARTICLE[0], ARTICLE[1], *OWN_STORY)
    row = edge(trace_docs([dict(id="short", text=short), dict(id="long", text=long)]), "short", "long")
    assert not any(e.startswith("coverage:") for e in row["evidence"])
    assert row["confidence"] == 0.5


def test_seed_original_does_not_depend_on_input_order(lavrov_dir):
    result = copytrace.scan(lavrov_dir)
    passages = align_pairs(result.documents, result.pairs)
    reversed_documents = result.documents.take([2, 1, 0])
    family = trace(reversed_documents, result.pairs, passages).families.to_pylist()[0]
    assert family["original"] == S000
    assert {(e["source"], e["copy"], e["relation"]) for e in family["tree"]} == {
        (S000, S001, "same"), (S000, S002, "partial")}


# Chunked provenance --------------------------------------------------------------------------------

def test_chunks_traced_with_the_corpus_outlets_give_the_whole_trace():
    from copytrace.stages.provenance import corpus_outlets

    # "Northbridge Echo" does not look like an outlet's name: it is one because family 0 has it as source,
    # so family 1's credit to it counts only when family 1 is traced knowing the whole corpus.
    docs = [dict(id="a", text=ORIGINAL, source="Northbridge Echo", family=0),
            dict(id="b", text=paragraphs(FRAMING, *ARTICLE[:5]), family=0),
            dict(id="c", text=paragraphs(*OWN_STORY), source="Harbour Lantern", family=1),
            dict(id="d", text=paragraphs(*OWN_STORY[:3], "Originally published on Northbridge Echo."), family=1)]
    documents, pairs = corpus(docs)
    passages = exact_passages(documents, pairs)
    whole = trace(documents, pairs, passages)
    index = None
    for batch in (documents.slice(2), documents.slice(0, 2)):  # batches in any order
        index = corpus_outlets(batch, passages, index=index)
    parts = []
    for family in (0, 1):
        ids = pa.array([d["id"] for d in docs if d["family"] == family])
        chunk_docs = documents.filter(pc.is_in(documents["id"], value_set=ids))
        chunk_pairs = pairs.filter(pc.is_in(pairs["a"], value_set=ids))
        chunk_passages = passages.filter(pc.is_in(passages["a"], value_set=ids))
        parts.append(trace(chunk_docs, chunk_pairs, chunk_passages, index=index))
    assert edge(whole, "c", "d")["credited"] == "Northbridge Echo"
    for name in ("edges", "edits", "families"):
        assert pa.concat_tables([getattr(p, name) for p in parts]).equals(getattr(whole, name))
    alone = trace(chunk_docs, chunk_pairs, chunk_passages)  # without the corpus' outlets: the credit is missed
    assert edge(alone, "c", "d")["credited"] != "Northbridge Echo"
