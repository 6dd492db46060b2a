"""Newsroom reuse: briefs, rewrites and shared quotes told apart; agency cues; the wire family's tree."""

from __future__ import annotations

import json

import numpy as np
import pytest

import copytrace
from copytrace.evaluation.scorer import score_newsroom
from copytrace.settings import ScanSettings
from copytrace.stages.provenance.cues import document_cues
from copytrace.stages.provenance.relations import classify
from copytrace.stages.verify import verify_pairs
from copytrace.text.quotes import quote_spans, unquoted
from copytrace.text.sentences import match_sentences, sentences

BODY = [
    "The regional council voted on Tuesday to close the old harbour bridge to heavy lorries from next spring.",
    "Engineers found corrosion in three of the steel girders during an inspection carried out over the summer.",
    '"We cannot take any risks with a structure that carries twelve thousand vehicles every single day," the council leader said.',
    "Hauliers will be sent on a diversion through the industrial estate, adding about eleven minutes to each journey.",
    "The bridge opened in 1964 and was last strengthened during a two-year programme that ended in 1998.",
    "A full replacement is expected to cost between forty and sixty million pounds, according to an early estimate.",
    '"Families living along the diversion route deserve to know how much extra traffic is coming their way," a resident said.',
    "Local businesses on the quay have asked for a hardship fund to cover the months of disruption ahead.",
    "Council officers will present three options for the replacement to a public meeting in the town hall next month.",
    "Funding bids have been sent to the national transport agency, which is due to announce its decisions in autumn.",
    "Cyclists and pedestrians will still be able to use the bridge while the weight limit is in force.",
    "The closure order will be reviewed every six months until work on the new crossing can begin.",
]
WIRE = "CARDIFF, Dec 4 (Reuters) - " + "\n\n".join(BODY) + "\n\n(Reporting by Kate Holton; Editing by Guy Faulconbridge)"
OWN = [
    "Our reporter spent the morning at the quay talking to drivers queuing at the lights near the roundabout.",
    "Mrs Evans, who has run the bakery on the corner since 1987, said trade had already fallen this winter.",
    "The fishing cooperative plans to move its weekly auction to the eastern slipway until the works are over.",
    "A petition against the diversion had gathered nearly four hundred signatures by Wednesday evening.",
    "Residents of Marine Terrace say parking is already impossible whenever the ferry arrives from the islands.",
    "The harbour master declined to comment on the timetable when we contacted his office yesterday.",
    "Schools along the route will review their crossing patrols before the start of the summer term.",
    "Last year the same council rejected a plan for a second crossing further up the estuary.",
]


def scan_texts(tmp_path, docs: dict[str, str]):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in docs.items()), encoding="utf-8")
    return copytrace.scan(path)


def edge_between(result, x: str, y: str) -> dict | None:
    for row in result.tables["edges"].to_pylist():
        if {row["source"], row["copy"]} == {x, y}:
            return row
    return None


# Quotes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("opening,closing", [('"', '"'), ("“", "”"), ("«", "»"), ("„", "“"), ("「", "」")])
def test_quotation_marks_of_many_styles_are_quoted_speech(opening, closing):
    text = f"The minister said {opening}we will not back down on this{closing} and left."
    (start, end), = quote_spans(text)
    assert text[start:end] == f"{opening}we will not back down on this{closing}"


def test_an_unbalanced_mark_quotes_nothing_past_its_paragraph():
    text = 'He said "it was late.\n\nThe next paragraph is reporting, not speech, and goes on.'
    assert quote_spans(text) == []


def test_speech_attributed_with_a_colon_is_quoted_to_the_end_of_its_sentence():
    text = "Smith said: the plan goes ahead in full next year. Then the meeting closed."
    (start, end), = quote_spans(text)
    assert text[start:end] == "the plan goes ahead in full next year."


def test_unquoted_keeps_the_edges_of_a_quote_and_the_offsets():
    text = 'She said "one two three four five six seven eight nine" then left.'
    blank = unquoted(text)
    assert len(blank) == len(text) and "one two three" in blank and "seven eight nine" in blank
    assert "five" not in blank


# Sentences: near-verbatim matches ---------------------------------------------------------------

def test_near_verbatim_sentences_match_and_unrelated_ones_do_not():
    source = sentences(" ".join(BODY))
    copy = sentences(
        # a clause moved to the other end, a word swapped, a word dropped
        "Engineers found corrosion in three steel girders during an inspection carried out over the summer. "
        "Hauliers will be sent on a diversion through the industrial estate, adding around eleven minutes to each journey. "
        "Mrs Evans, who has run the bakery on the corner since 1987, said trade had already fallen this winter.")
    matching = match_sentences(source, copy)
    assert [(j, i) for j, i, _ in matching.pairs] == [(0, 1), (1, 3)]
    assert matching.verbatim == 0


def test_a_clause_moved_to_the_end_still_matches():
    source = sentences("After a long night of talks, the two unions agreed to suspend the strike at the port.")
    copy = sentences("The two unions agreed to suspend the strike at the port after a long night of talks.")
    assert len(match_sentences(source, copy).pairs) == 1


def test_relations_wholly_partially_and_quotes():
    source = sentences(WIRE)
    brief = sentences(BODY[0] + " " + BODY[1])
    assert classify(match_sentences(source, brief), 0.6)[0] == "cut"
    republication = sentences("\n\n".join(BODY[:10]))
    assert classify(match_sentences(source, republication), 0.6)[0] == "republication"
    rewrite = sentences(" ".join([OWN[0], BODY[5], OWN[1], BODY[1], OWN[2], BODY[8], OWN[3]]))
    relation, evidence = classify(match_sentences(source, rewrite), 0.6)
    assert relation == "partial" and "order changed" in evidence
    quoting = sentences(" ".join(OWN[:4]) + ' Speaking afterwards, Tom Rees said: "We cannot take any risks with a '
                        'structure that carries twelve thousand vehicles every single day."')
    assert classify(match_sentences(source, quoting), 0.6)[0] == "quote"


# Keep rule: briefs, rewrites, quoted-only overlap ---------------------------------------------------

def test_verify_links_a_rewrite_around_three_sentences_and_not_a_report_sharing_only_quotes():
    rewrite = "\n\n".join([OWN[0], BODY[5], OWN[1], BODY[1], OWN[2], BODY[8], OWN[3], OWN[4], OWN[5], OWN[6]])
    quoting = "\n\n".join(OWN[:5] + [
        "Tom Rees, a councillor, said: “We cannot take any risks with a structure that carries twelve thousand "
        "vehicles every single day”",
        "Aisha Haddad, a resident, told reporters: «Families living along the diversion route deserve to know how "
        "much extra traffic is coming their way»"] + OWN[5:])
    figures = verify_pairs([WIRE, rewrite, quoting], np.array([0, 0]), np.array([1, 2]), ScanSettings())
    assert figures["family_link"].tolist() == [True, False]
    assert figures["kept"].tolist() == [True, True]  # the quotes stay a possible quote, never a family link


def test_quoted_speech_links_when_settings_say_so():
    quoting = "\n\n".join(OWN[:3] + ['The council leader said: "We cannot take any risks with a structure that '
                                     'carries twelve thousand vehicles every single day," and then left.',
                                     'A resident added: "Families living along the diversion route deserve to know '
                                     'how much extra traffic is coming their way," at the meeting.'])
    settings = ScanSettings()
    shared = verify_pairs([WIRE, quoting], np.array([0]), np.array([1]), settings)["shared_shingles"][0]
    assert shared >= settings.keep.min_shared


def test_a_brief_cut_from_a_wire_story_is_linked_as_a_cut_from_the_wire(tmp_path):
    brief = BODY[0]  # 19 words of a 250-word story: 7% of it
    result = scan_texts(tmp_path, {"wire": WIRE, "brief": brief, "other": "\n\n".join(OWN)})
    row = edge_between(result, "wire", "brief")
    assert row is not None and row["source"] == "wire" and row["relation"] == "cut"
    assert any(e.startswith("wire: wire reads as agency copy") for e in row["evidence"])
    families = {r["id"]: r["family"] for r in result.documents.to_pylist()}
    assert families["wire"] == families["brief"] != families["other"]


def test_short_documents_pair_on_one_anchor_only_when_set():
    from dataclasses import replace

    from copytrace.stages.candidates import candidates
    from copytrace.stages.fingerprint import fingerprint_batch
    import pyarrow as pa

    # 12 words of a wire sentence and three of its own: one anchor of the wire story inside it
    brief = "Engineers found corrosion in three of the steel girders during an inspection on the quay."
    texts = pa.array([WIRE, brief], pa.large_string())
    on = ScanSettings()
    off = on.replace(anchors=replace(on.anchors, short_anchors=0))
    assert len(candidates(fingerprint_batch(texts, on), on)[0]) == 1
    assert len(candidates(fingerprint_batch(texts, off), off)[0]) == 0


# Cues --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("head", [
    "LONDON, Dec 4 (Reuters) - ", "WASHINGTON (AP) — ", "BEIJING, Dec. 4 (Xinhua) -- ", "MOSCOW, December 4. /TASS/. ",
])
def test_datelines_of_agencies_are_agency_cues(head):
    cues = document_cues(head + BODY[0])
    assert [c.kind for c in cues] == ["dateline"] and cues[0].side == "agency"


def test_byline_embargo_slug_end_mark_and_a_paper_credit():
    text = "EMBARGOED UNTIL 00:01 GMT DECEMBER 5\nBRITAIN-BRIDGE/\nBy Staff, PA News\n" + BODY[0] + "\nends"
    assert [c.kind for c in document_cues(text)] == ["embargo", "slug", "byline", "end mark"]
    credit = document_cues(BODY[0] + "\n\n- PA")
    assert [(c.kind, c.side) for c in credit] == [("credit", "derived")]


def test_a_site_credit_dateline_is_not_an_agency_mark():
    assert document_cues("(Daily Voice) — " + BODY[0]) == []


# The wire family's tree -------------------------------------------------------------------------

def test_papers_hang_from_the_wire_unless_they_took_another_papers_own_text(tmp_path):
    paper_a = "\n\n".join([OWN[0]] + BODY[:9] + [OWN[1], "- PA"])  # own lead and close
    paper_b = "\n\n".join(BODY[:8] + ["Additional reporting by Reuters."])
    paper_c = "\n\n".join([OWN[0]] + BODY[:6])  # took paper A: its own lead
    brief = BODY[0] + " " + BODY[1]
    result = scan_texts(tmp_path, {"c": paper_c, "wire": WIRE, "a": paper_a, "brief": brief, "b": paper_b})
    family, = [f for f in result.families.to_pylist() if f["size"] > 1]
    parent = {e["copy"]: e["source"] for e in family["tree"]}
    assert family["original"] == "wire"
    assert parent == {"a": "wire", "b": "wire", "brief": "wire", "c": "a"}


def test_parent_score_prefers_text_shared_with_one_candidate_alone():
    from copytrace.stages.provenance.parents import member_masks, parent_score

    class Facts:
        def __init__(self, doc, text, cues=()):
            self.id, self.text, self.cues = doc, text, list(cues)
            self.prose = np.ones(len(text), dtype=bool)
            self.prose_total = len(text)

    member = Facts("m", "x" * 400)
    spans = {("w", "m"): [(100, 400)], ("p", "m"): [(0, 400)]}
    facts = {"w": Facts("w", "", document_cues("LONDON (AP) — " + BODY[0])), "p": Facts("p", "")}
    masks = member_masks(member, ["w", "p"], lambda c, m: spans[(c, m)])
    paper, paper_evidence = parent_score(member, "p", masks, facts)
    wire, wire_evidence = parent_score(member, "w", masks, facts)
    assert paper > wire
    assert "shared with p alone" in paper_evidence[0] and wire_evidence == ["parent: w reads as agency copy"]


# The newsroom scorer ------------------------------------------------------------------------------

def test_score_newsroom_counts_linked_classified_and_direction():
    import pyarrow as pa

    from copytrace.evaluation.predictions import Predictions

    gold = {"documents": [{"id": "w", "kind": "wire", "wire": "w", "parent": None},
                          {"id": "b", "kind": "brief", "wire": "w", "parent": "w"},
                          {"id": "i", "kind": "independent", "wire": "w", "parent": None},
                          {"id": "r", "kind": "rewrite", "wire": "w", "parent": "w"}],
            "pairs": [{"wire": "w", "copy": "b", "class": "wholly"}, {"wire": "w", "copy": "i", "class": "quotes"},
                      {"wire": "w", "copy": "r", "class": "partially"}]}
    edges = pa.table({"source": ["w", "i", "r"], "copy": ["b", "w", "w"], "relation": ["cut", "quote", "partial"]})
    pairs = pa.table({"a": ["w", "w", "w"], "b": ["b", "i", "r"], "family_link": [True, False, True]})
    families = pa.table({"family": [0], "tree": [[{"source": "w", "copy": "b"}, {"source": "w", "copy": "r"}]]})
    result = score_newsroom(gold, Predictions(None, {"edges": edges, "pairs": pairs, "families": families}), "t")
    assert result["classes"]["wholly"]["classified"] == 1.0 and result["classes"]["wholly"]["direction"] == 1.0
    assert result["classes"]["partially"]["direction"] == 0.0
    assert result["classes"]["quotes"]["only_as_quotes"] == 1.0
    assert result["tree"]["wire_parent"] == 1.0


def test_a_tass_dateline_is_not_a_photo_credit():
    from copytrace.stages.clean.patterns import pattern_reason

    assert pattern_reason("LONDON, January 15. /TASS/. New cancer vaccine can teach the immune system") is None
    assert pattern_reason("Photo: Ivan Petrov / TASS") == "photo credit"


@pytest.mark.parametrize("engine", ["local", "ray"])
def test_the_scale_engines_link_a_brief_as_the_memory_engine_does(tmp_path, engine):
    """The short-document rule (one shared anchor pairs a brief) is the candidates reduce's, on every engine."""
    # Ten words of the wire's lead and a line of its own: one shared anchor, paired only by the short rule.
    brief = " ".join(BODY[0].split()[:10]) + " " + " ".join(OWN[0].split()[:12])
    path = tmp_path / "docs.jsonl"
    docs = {"wire": WIRE, "brief": brief}
    path.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in docs.items()), encoding="utf-8")
    memory = copytrace.scan(path)
    pairs = {frozenset((r["a"], r["b"])) for r in memory.all_tables()["pairs"].to_pylist()}
    assert frozenset(("brief", "wire")) in pairs
    if engine == "local":
        from copytrace.engines.local import LocalEngine

        result = LocalEngine(tmp_path / "work", "64MB", workers=1).scan([path], settings=ScanSettings())
    else:
        ray = pytest.importorskip("ray")
        pytest.importorskip("ray.data")
        from copytrace.engines.ray import RayEngine

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            result = RayEngine(work_dir=tmp_path / "work", partitions=2).scan([path], settings=ScanSettings())
        finally:
            ray.shutdown()
    assert {frozenset((r["a"], r["b"])) for r in result.all_tables()["pairs"].to_pylist()} == pairs
