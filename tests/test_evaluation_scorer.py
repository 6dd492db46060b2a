"""The scorer on a hand-made gold: perfect, empty and partly wrong answers give known values."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from copytrace.evaluation.gold import GOLD_FORMAT, read_gold
from copytrace.evaluation.predictions import offset_map, read_predictions
from copytrace.evaluation.scorer import score_predictions

ORIGINAL = "Home | World\n\nThe minister said the plan would cut prices by half before winter ends.\n\nTags: x"
COPY = "Framing words of the copier.\n\nThe minister said the plan would cut prices by half before winter ends.\n\nSputnik Daily reports"
OTHER = "An unrelated story about a football club and its new stadium roof."
SPAN_O = (ORIGINAL.index("The minister"), ORIGINAL.index("ends.") + 5)
SPAN_C = (COPY.index("The minister"), COPY.index("ends.") + 5)


def doc(i, outlet, domain, role, family):
    return {"id": i, "outlet": outlet, "domain": domain, "role": role, "family": family, "article": -1,
            "content_chars": 70, "date_kind": "ok", "noise": []}


@pytest.fixture
def gold_dir(tmp_path):
    folder = tmp_path / "gold"
    folder.mkdir()
    texts = {"o": ORIGINAL, "c": COPY, "n": OTHER}
    with open(folder / "documents.jsonl", "w") as handle:
        for i, text in texts.items():
            handle.write(json.dumps({"id": i, "text": text}) + "\n")
    gold = {
        "format": GOLD_FORMAT,
        "outlets": [{"name": "Sputnik Daily", "domain": "sputnikdaily.com", "role": "originator"},
                    {"name": "Copy Times", "domain": "copytimes.net", "role": "republisher"}],
        "documents": [doc("o", "Sputnik Daily", "sputnikdaily.com", "original", 0),
                      doc("c", "Copy Times", "copytimes.net", "copy", 0),
                      doc("n", "Copy Times", "copytimes.net", "negative", 1)],
        "families": [{"family": 0, "size": 2, "members": ["o", "c"], "original": "o", "originals": ["o"], "plan": "single"},
                     {"family": 1, "size": 1, "members": ["n"], "original": "n", "originals": ["n"], "plan": "negative"}],
        "edges": [{"source": "o", "copy": "c", "kind": "full", "relation": "republication", "credit": True,
                   "credited": "Sputnik Daily", "credited_outlet": "Sputnik Daily", "credited_domain": "sputnikdaily.com",
                   "credit_text": "Sputnik Daily reports", "noise": ["credit_reports"],
                   "passages": [[*SPAN_O, *SPAN_C]]}],
        "pairs": [{"a": "o", "b": "c", "relation": "republication", "band": "major", "shared_chars": 70,
                   "share_of_smaller": 1.0, "older": "o", "noise": ["credit_reports"], "passages": [[*SPAN_O, *SPAN_C]]}],
    }
    (folder / "gold.json").write_text(json.dumps(gold))
    return folder


def write(folder, **tables):
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        pq.write_table(pa.Table.from_pylist(rows), folder / f"{name}.parquet")
    return folder


def perfect(folder, source="o", copy="c", credited="Sputnik Daily", original="o"):
    return write(
        folder,
        documents=[{"id": "o", "family": 0, "text": ORIGINAL}, {"id": "c", "family": 0, "text": COPY},
                   {"id": "n", "family": 1, "text": OTHER}],
        pairs=[{"a": "o", "b": "c"}],
        families=[{"family": 0, "members": ["o", "c"], "original": original}, {"family": 1, "members": ["n"], "original": "n"}],
        edges=[{"source": source, "copy": copy, "relation": "republication", "credit": credited is not None,
                "credited": credited}],
        passages=[{"a": "o", "b": "c", "a_start": SPAN_O[0], "a_end": SPAN_O[1], "b_start": SPAN_C[0], "b_end": SPAN_C[1]}],
    )


def test_perfect_answer(gold_dir, tmp_path):
    got = score_predictions(read_gold(gold_dir), read_predictions(perfect(tmp_path / "p")), "perfect")
    assert got["pairs"]["overall"]["f1"] == 1.0
    assert got["pairs"]["by_band"]["major"]["f1"] == 1.0
    assert got["families"]["ari"] == 1.0
    assert got["original"]["accuracy"] == 1.0
    assert got["direction"]["accuracy"] == 1.0
    assert got["credit"]["f1"] == 1.0 and got["credit"]["accuracy"] == 1.0
    assert got["passages"]["plagdet"] == 1.0
    assert all(goal["met"] for path, goal in got["goals"].items() if goal["value"] is not None)


def test_empty_answer_and_missing_outputs(gold_dir, tmp_path):
    folder = write(tmp_path / "e", documents=[{"id": "o", "family": 0}, {"id": "c", "family": 1}, {"id": "n", "family": 2}])
    pq.write_table(pa.table({"a": pa.array([], pa.string()), "b": pa.array([], pa.string())}), folder / "pairs.parquet")
    got = score_predictions(read_gold(gold_dir), read_predictions(folder), "empty")
    assert got["pairs"]["overall"]["recall"] == 0.0
    assert got["pairs"]["overall"]["precision"] is None  # nothing claimed: precision undefined, not 1
    assert got["families"]["ari"] == 0.0
    # tables the system did not write are "not available", not zero
    assert got["passages"] is None and got["credit"] is None and got["original"] is None
    assert got["available"]["passages"] is False
    assert got["goals"]["passages.plagdet"]["met"] is None


def test_wrong_direction_wrong_original_and_self_credit(gold_dir, tmp_path):
    folder = perfect(tmp_path / "w", source="c", copy="o", credited="copytimes.net", original="c")
    got = score_predictions(read_gold(gold_dir), read_predictions(folder), "wrong")
    assert got["direction"]["accuracy"] == 0.0
    assert got["original"]["accuracy"] == 0.0
    # the claimed credit names the copier's own outlet on the wrong document: one false, one missed
    assert got["credit"]["tp"] == 0 and got["credit"]["fp"] == 1 and got["credit"]["fn"] == 1
    assert got["pairs"]["overall"]["f1"] == 1.0  # the pair itself is still right


def test_false_pair_counts_against_every_relation_when_unlabelled(gold_dir, tmp_path):
    folder = write(tmp_path / "f", pairs=[{"a": "o", "b": "c"}, {"a": "c", "b": "n"}])
    got = score_predictions(read_gold(gold_dir), read_predictions(folder), "fp")
    assert got["pairs"]["overall"]["precision"] == 0.5
    assert got["pairs"]["by_relation"]["republication"]["precision"] == 0.5
    assert got["failures"]["false_pairs_by_kind"] == {"same outlet (shared page chrome)": 1}


def test_split_passage_costs_granularity(gold_dir, tmp_path):
    folder = perfect(tmp_path / "s")
    mid = SPAN_O[0] + 30
    shift = SPAN_C[0] - SPAN_O[0]
    pq.write_table(pa.Table.from_pylist([
        {"a": "o", "b": "c", "a_start": SPAN_O[0], "a_end": mid, "b_start": SPAN_C[0], "b_end": mid + shift},
        {"a": "o", "b": "c", "a_start": mid, "a_end": SPAN_O[1], "b_start": mid + shift, "b_end": SPAN_C[1]},
    ]), folder / "passages.parquet")
    got = score_predictions(read_gold(gold_dir), read_predictions(folder), "split")
    assert got["passages"]["granularity"] == 2.0
    assert got["passages"]["precision"] == 1.0 and got["passages"]["recall"] == 1.0
    assert got["passages"]["plagdet"] < 0.64


def test_offsets_into_cleaned_text_are_mapped_back(gold_dir, tmp_path):
    cleaned = ORIGINAL.split("\n\n", 1)[1].rsplit("\n\n", 1)[0]  # chrome lines removed by the cleaner
    folder = perfect(tmp_path / "c")
    pq.write_table(pa.Table.from_pylist([{"id": "o", "family": 0, "text": cleaned}, {"id": "c", "family": 0, "text": COPY},
                                         {"id": "n", "family": 1, "text": OTHER}]), folder / "documents.parquet")
    pq.write_table(pa.Table.from_pylist([{"a": "o", "b": "c", "a_start": 0, "a_end": len(cleaned),
                                          "b_start": SPAN_C[0], "b_end": SPAN_C[1]}]), folder / "passages.parquet")
    got = score_predictions(read_gold(gold_dir), read_predictions(folder), "cleaned")
    assert got["passages"]["plagdet"] == 1.0
    assert got["passages"]["documents_cleaned"] == 1


def test_offset_map_follows_kept_lines():
    given = "nav\n\nkept line one\n\nchrome\nkept two"
    cleaned = "kept line one\nkept two"
    mapping = offset_map(cleaned, given)
    assert "".join(given[i] for i in mapping if given[i] != "\n") == cleaned.replace("\n", "")
    assert mapping[0] == given.index("kept line one")
    assert mapping[cleaned.index("kept two")] == given.index("kept two")
    assert offset_map("not there", given) is None


def test_pair_marked_not_family_link_is_claimed_as_a_quote(gold_dir, tmp_path):
    folder = write(tmp_path / "q", pairs=[{"a": "o", "b": "c", "family_link": True},
                                          {"a": "c", "b": "n", "family_link": False}])
    got = score_predictions(read_gold(gold_dir), read_predictions(folder), "quote")
    assert got["pairs"]["by_relation"]["republication"]["precision"] == 1.0
    assert got["pairs"]["by_relation"]["quote"]["fp"] == 1
