"""PAN character measures, adjusted Rand index and pair measures on hand-made cases with known values."""

import math

import pytest

from copytrace.evaluation.measures import Passage, adjusted_rand_index, pan_measures, prf


def case(a_start, a_end, b_start, b_end, a="x", b="y"):
    return Passage(a, b, a_start, a_end, b_start, b_end)


def test_perfect_answer_scores_one():
    cases = [case(0, 100, 10, 110), case(200, 260, 300, 360)]
    got = pan_measures(cases, list(cases))
    assert got["precision"] == 1.0 and got["recall"] == 1.0
    assert got["granularity"] == 1.0 and got["plagdet"] == 1.0


def test_empty_answer_scores_zero():
    got = pan_measures([case(0, 100, 0, 100)], [])
    assert got["precision"] == 0.0 and got["recall"] == 0.0
    assert got["granularity"] == 1.0 and got["plagdet"] == 0.0


def test_split_passage_costs_granularity():
    # one case found as two adjacent detections: precision and recall stay 1, granularity 2
    got = pan_measures([case(0, 100, 0, 100)], [case(0, 50, 0, 50), case(50, 100, 50, 100)])
    assert got["precision"] == 1.0 and got["recall"] == 1.0
    assert got["granularity"] == 2.0
    assert got["plagdet"] == pytest.approx(1 / math.log2(3))


def test_half_found_case_halves_recall_only():
    got = pan_measures([case(0, 100, 0, 100)], [case(0, 50, 0, 50)])
    assert got["precision"] == 1.0
    assert got["recall"] == pytest.approx(0.5)
    assert got["plagdet"] == pytest.approx(2 * 0.5 / 1.5)


def test_overlong_detection_costs_precision():
    # the detection runs 100 characters past the case in each document: half of it is right
    got = pan_measures([case(0, 100, 0, 100)], [case(0, 200, 0, 200)])
    assert got["recall"] == 1.0
    assert got["precision"] == pytest.approx(0.5)


def test_detection_must_overlap_in_both_documents():
    # right span in x, wrong span in y: it detects nothing
    got = pan_measures([case(0, 100, 0, 100)], [case(0, 100, 500, 600)])
    assert got["precision"] == 0.0 and got["recall"] == 0.0 and got["cases_detected"] == 0


def test_detection_in_another_pair_detects_nothing():
    got = pan_measures([case(0, 100, 0, 100, a="x", b="y")], [case(0, 100, 0, 100, a="x", b="z")])
    assert got["recall"] == 0.0 and got["precision"] == 0.0


def test_macro_average_over_cases():
    # two cases, one fully found and one not at all: recall is the mean, 0.5
    cases = [case(0, 100, 0, 100), case(0, 300, 0, 300, a="p", b="q")]
    got = pan_measures(cases, [case(0, 100, 0, 100)])
    assert got["recall"] == pytest.approx(0.5)
    assert got["precision"] == 1.0


def test_overlapping_detections_are_not_double_counted():
    got = pan_measures([case(0, 100, 0, 100)], [case(0, 80, 0, 80), case(20, 100, 20, 100)])
    assert got["recall"] == 1.0
    assert got["granularity"] == 2.0


def test_no_cases_and_no_detections_is_undefined_not_perfect():
    got = pan_measures([], [])
    assert got["precision"] is None and got["recall"] is None and got["plagdet"] is None


def test_ari_known_values():
    assert adjusted_rand_index([0, 0, 1, 1], [5, 5, 7, 7]) == 1.0  # same partition, other names
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(4 / 7)
    assert adjusted_rand_index([0, 1, 2, 3], [0, 0, 0, 0]) == 0.0  # singletons against one cluster
    assert adjusted_rand_index([0, 1, 2], [3, 4, 5]) == 1.0
    # worse than chance is negative
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


def test_ari_needs_the_same_items():
    with pytest.raises(ValueError):
        adjusted_rand_index([0, 1], [0])


def test_prf_known_values():
    got = prf(tp=8, fp=2, fn=8)
    assert got["precision"] == pytest.approx(0.8)
    assert got["recall"] == pytest.approx(0.5)
    assert got["f1"] == pytest.approx(2 * 0.8 * 0.5 / 1.3)
    assert prf(0, 0, 0)["f1"] is None  # nothing to find, nothing claimed
    assert prf(0, 0, 5)["f1"] == 0.0  # nothing claimed, five missed
