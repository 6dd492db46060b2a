"""Quality measures: pair precision/recall/F1, adjusted Rand index, PAN text-alignment measures.

PAN measures (Potthast et al., "An Evaluation Framework for Plagiarism
Detection", COLING 2010), over cases S (gold passages) and detections R
(found passages), each a pair of character spans in two documents:

- a detection r detects a case s when they belong to the same document pair
  and overlap in both documents; s ⊓ r is then their common characters;
- precision = mean over r of |∪_s (s ⊓ r)| / |r|;
- recall = mean over s of |∪_r (s ⊓ r)| / |s|;
- granularity = mean over detected cases of the number of detections that
  detect them (1 is perfect; a case found in two pieces counts 2);
- plagdet = F1 / log2(1 + granularity).

With no detections precision and recall are 0 and granularity 1.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Passage:
    """Two spans, [a_start, a_end) in document a and [b_start, b_end) in document b."""

    a: str
    b: str
    a_start: int
    a_end: int
    b_start: int
    b_end: int

    @property
    def size(self) -> int:
        return (self.a_end - self.a_start) + (self.b_end - self.b_start)


def f1(precision: float | None, recall: float | None) -> float | None:
    if recall == 0:
        return 0.0  # nothing found: F1 is 0 even when no claim makes precision undefined
    if precision is None or recall is None:
        return None
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def _overlap(s1: int, e1: int, s2: int, e2: int) -> tuple[int, int] | None:
    start, end = max(s1, s2), min(e1, e2)
    return (start, end) if start < end else None


def _union_length(spans: list[tuple[int, int]]) -> int:
    total, reach = 0, None
    for start, end in sorted(spans):
        if reach is None or start >= reach:
            total += end - start
            reach = end
        elif end > reach:
            total += end - reach
            reach = end
    return total


def _common(s: Passage, r: Passage) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """s ⊓ r: the characters common to a case and a detection, if r detects s."""
    in_a = _overlap(s.a_start, s.a_end, r.a_start, r.a_end)
    in_b = _overlap(s.b_start, s.b_end, r.b_start, r.b_end)
    return (in_a, in_b) if in_a and in_b else None


def pan_measures(cases: list[Passage], detections: list[Passage]) -> dict:
    """PAN character-level precision, recall, granularity and plagdet (see the module docstring)."""
    by_pair: dict[tuple[str, str], list[Passage]] = defaultdict(list)
    for s in cases:
        by_pair[(s.a, s.b)].append(s)
    covered_r: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    covered_s: dict[int, tuple[list, list]] = defaultdict(lambda: ([], []))
    detectors: Counter = Counter()
    case_index = {id(s): k for k, s in enumerate(cases)}
    for i, r in enumerate(detections):
        for s in by_pair.get((r.a, r.b), ()):
            common = _common(s, r)
            if common:
                k = case_index[id(s)]
                covered_r[i][0].append(common[0])
                covered_r[i][1].append(common[1])
                covered_s[k][0].append(common[0])
                covered_s[k][1].append(common[1])
                detectors[k] += 1
    precision_terms = [
        (_union_length(covered_r[i][0]) + _union_length(covered_r[i][1])) / r.size if i in covered_r else 0.0
        for i, r in enumerate(detections) if r.size > 0
    ]
    recall_terms = [
        (_union_length(covered_s[k][0]) + _union_length(covered_s[k][1])) / s.size if k in covered_s else 0.0
        for k, s in enumerate(cases) if s.size > 0
    ]
    precision = sum(precision_terms) / len(precision_terms) if precision_terms else (None if not cases else 0.0)
    recall = sum(recall_terms) / len(recall_terms) if recall_terms else None
    if not detections and cases:
        precision = 0.0
    granularity = sum(detectors.values()) / len(detectors) if detectors else 1.0
    score = f1(precision, recall)
    return {
        "precision": precision, "recall": recall, "granularity": granularity,
        "plagdet": None if score is None else score / math.log2(1 + granularity),
        "cases": len(cases), "detections": len(detections), "cases_detected": len(detectors),
    }


def adjusted_rand_index(truth: list, predicted: list) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items."""
    if len(truth) != len(predicted):
        raise ValueError("the two labellings must cover the same items")
    n = len(truth)
    if n < 2:
        return 1.0

    def pairs(count: int) -> int:
        return count * (count - 1) // 2

    joint = Counter(zip(truth, predicted))
    index = sum(pairs(c) for c in joint.values())
    sum_truth = sum(pairs(c) for c in Counter(truth).values())
    sum_pred = sum(pairs(c) for c in Counter(predicted).values())
    expected = sum_truth * sum_pred / pairs(n)
    maximum = (sum_truth + sum_pred) / 2
    if maximum == expected:  # both all-singletons or both one cluster: identical structure
        return 1.0
    return (index - expected) / (maximum - expected)


def prf(tp: int, fp: int, fn: int) -> dict:
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall), "tp": tp, "fp": fp, "fn": fn}
