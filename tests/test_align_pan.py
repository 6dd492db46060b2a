"""PAN character measures of the aligner on constructed cases whose gold spans are known exactly."""

import random

import pyarrow as pa
import pytest

from copytrace.stages.align import align_pairs
from copytrace.evaluation.measures import Passage, pan_measures

WORDS = ("minister talks border energy prices council vote market summit troops grain pipeline bank "
         "court report leak deal crisis sanctions election budget union strike port harvest ruling").split()


def paragraph(rng: random.Random, n_sentences: int = 3) -> str:
    sentences = []
    for _ in range(n_sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def build_case(seed: int):
    """A source of 6 paragraphs; a copy that adds framing, drops one paragraph and moves one.

    Returns (source, copy, gold passages as (a_start, a_end, b_start, b_end)).
    """
    rng = random.Random(seed)
    paras = [paragraph(rng) for _ in range(6)]
    source = "\n\n".join(paras)
    starts = [source.index(p) for p in paras]
    framing = "Our view: " + paragraph(rng, 2)
    order = [4, 0, 1, 3]  # paragraph 4 moved to the top, paragraphs 2 and 5 dropped
    copy_parts, gold = [framing], []
    cursor = len(framing) + 2
    for k in order:
        copy_parts.append(paras[k])
        gold.append((starts[k], starts[k] + len(paras[k]), cursor, cursor + len(paras[k])))
        cursor += len(paras[k]) + 2
    return source, "\n\n".join(copy_parts), gold


def measure(cases: list[tuple[str, str, list]]):
    ids, texts, pairs_a, pairs_b, gold = [], [], [], [], []
    for n, (source, copy, spans) in enumerate(cases):
        a, b = f"s{n}", f"c{n}"
        ids += [a, b]
        texts += [source, copy]
        pairs_a.append(a)
        pairs_b.append(b)
        gold += [Passage(a, b, *span) for span in spans]
    docs = pa.table({"id": ids, "text": texts})
    found = align_pairs(docs, pa.table({"a": pairs_a, "b": pairs_b})).to_pylist()
    detections = [Passage(r["a"], r["b"], r["a_start"], r["a_end"], r["b_start"], r["b_end"]) for r in found]
    return pan_measures(gold, detections)


def test_moved_and_dropped_paragraphs_score_high_plagdet():
    scores = measure([build_case(seed) for seed in range(20)])
    assert scores["recall"] > 0.97
    assert scores["precision"] > 0.97
    # Adjacent copied paragraphs (0 then 1) may be found as one passage: one detection
    # covering two cases is granularity 1 per case, so granularity stays 1.
    assert scores["granularity"] == pytest.approx(1.0)
    assert scores["plagdet"] > 0.95


def test_noise_inside_passages_keeps_them_whole():
    """A word changed throughout the copy: passages bridge it, still about one detection per case."""
    noisy = []
    for seed in range(10):
        source, copy, gold = build_case(seed)
        # A same-length substitution keeps the gold offsets exact.
        copy = copy.replace("deal", "pact")
        noisy.append((source, copy, gold))
    scores = measure(noisy)
    assert scores["recall"] > 0.95
    assert scores["granularity"] < 1.1
    assert scores["plagdet"] > 0.9


def test_empty_and_split_detections_are_costed():
    source, copy, gold = build_case(3)
    cases = [Passage("s", "c", *g) for g in gold]
    assert pan_measures(cases, [])["recall"] in (0.0, None)
    a0, a1, b0, b1 = gold[0]
    half = (a1 - a0) // 2
    split = [Passage("s", "c", a0, a0 + half, b0, b0 + half), Passage("s", "c", a0 + half, a1, b0 + half, b1)]
    split += [Passage("s", "c", *g) for g in gold[1:]]
    assert pan_measures(cases, split)["granularity"] > 1.0
