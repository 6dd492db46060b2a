"""The scan before explaining at the shape of a big family: candidates grow with copies, not with pairs.

A story carried by thousands of outlets fills band buckets of 50-200 documents in every band; pairing
every member of such a bucket gave 2.2 million candidate pairs for 10,000 copies. A bucket over
`clique_bucket` now pairs each member with its first and its `bucket_window` next members.
"""

from __future__ import annotations

import json
import random
import re

import numpy as np

import copytrace
from copytrace.settings import ScanSettings
from copytrace.stages.candidates.bands import band_codes, bucket_codes, partition_codes
from copytrace.text import quotes


def _pairs(codes):
    return {(int(c >> np.uint64(32)), int(c & np.uint64(0xFFFFFFFF))) for c in codes}


def test_a_bucket_is_a_clique_up_to_clique_bucket_then_a_star_with_a_window_then_a_star():
    docs = np.arange(300, dtype=np.int64)
    for size, expected in ((48, 48 * 47 // 2), (49, 48 + 48 * 4 - 10), (200, 199 + 199 * 4 - 10), (201, 200)):
        keys = np.full(size, 7, dtype=np.uint64)
        pairs = _pairs(bucket_codes(keys, docs[:size], 200, 48, 4))
        assert len(pairs) == expected, size
        assert all(a < b for a, b in pairs)
        assert {(0, b) for b in range(1, size)} <= pairs  # the star's centre: every member joins it
    # A window pairs each member with its next four.
    pairs = _pairs(bucket_codes(np.full(100, 3, dtype=np.uint64), docs[:100], 200, 48, 4))
    assert {(50, 51), (50, 54)} <= pairs and (50, 55) not in pairs
    # max_bucket below clique_bucket: a bucket past max_bucket stays a star.
    assert len(_pairs(bucket_codes(np.full(45, 1, dtype=np.uint64), docs[:45], 40, 48, 4))) == 44


def test_band_groups_and_key_partitions_give_the_same_windowed_codes():
    rng = np.random.default_rng(5)
    keys = rng.integers(0, 3, size=(400, 6)).astype(np.uint64)  # buckets of ~130 documents in every band
    whole = np.sort(band_codes(keys, 200, 48, 4))
    grouped = np.sort(np.concatenate([band_codes(keys[:, lo:lo + 2], 200, 48, 4) for lo in (0, 2, 4)]))
    assert np.array_equal(whole, grouped)
    band, doc, flat = np.repeat(np.arange(6), 400), np.tile(np.arange(400), 6), keys.T.reshape(-1)
    parts = [partition_codes(band[m], flat[m], doc[m], 200, 48, 4) for m in (flat % np.uint64(2) == p for p in (0, 1))]
    assert np.array_equal(np.sort(np.concatenate(parts)), whole)
    assert len(whole) <= 6 * 400 * 5  # each document at most 1 + 4 codes a band, not a bucket's every pair


def _story_corpus(path, copies: int, seed: int = 3):
    rng = random.Random(seed)
    words = [f"w{k}" for k in range(3000)]
    story = [" ".join(rng.choice(words) for _ in range(40)) + "." for _ in range(12)]
    rows = [{"id": "wire", "text": "\n\n".join(story), "date": "2022-03-01"}]
    for k in range(copies):
        keep = len(story) - rng.randrange(0, 5)
        body = [p for i, p in enumerate(story[:keep]) if i < 2 or rng.random() > 0.15]
        lead = " ".join(rng.choice(words) for _ in range(25)) + "."
        rows.append({"id": f"copy{k:04d}", "text": "\n\n".join([lead, *body]), "date": "2022-03-02"})
    for k in range(200):  # other stories
        rows.append({"id": f"other{k}", "text": " ".join(rng.choice(words) for _ in range(300)), "date": None})
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_a_story_in_600_copies_is_one_family_from_a_linear_number_of_pairs(tmp_path):
    _story_corpus(tmp_path / "docs.jsonl", 600)
    result = copytrace.scan(tmp_path / "docs.jsonl", settings=ScanSettings(explain=False))
    ids, fams = result.documents["id"].to_pylist(), result.documents["family"].to_pylist()
    family_of = dict(zip(ids, fams))
    story = {family_of["wire"]} | {family_of[f"copy{k:04d}"] for k in range(600)}
    assert len(story) == 1  # every copy in the wire's family
    assert not any(family_of[f"other{k}"] in story for k in range(200))
    # Every pair of the family would be 180,300; each copy gets a bounded number of partners.
    assert result.stats["candidate_pairs"] < 600 * 60
    # Every kept pair carries its cheap figures (containment both ways, shared shingles).
    pairs = result.pairs
    assert pairs.num_rows > 600 and min(pairs["shared_shingles"].to_pylist()) > 0


def _attributed_everywhere(text):
    """`_SAYING` tried at every character (the definition `quotes._attributed` must match)."""
    out = []
    for m in quotes._SAYING.finditer(text):
        end = quotes._SENTENCE_END.search(text, m.end())
        stop = end.end() if end else len(text)
        if stop - m.end() >= 10:
            out.append((m.end(), stop))
    return out


def test_attributed_speech_found_before_each_colon_is_the_same_as_searched_everywhere():
    long_name = "Abcdefghij" * 12  # a run of word characters longer than the look-back before the colon
    texts = [
        "The minister said: the plan goes ahead next year. Then more.",
        f"He told {long_name} reporters: we will not stop this, whatever comes.",
        f"He told {long_name}: we will not stop this, whatever comes. Time: 10:30 said: x y z w v u t s",
        "Le ministre a   déclaré : nous irons jusqu'au bout de ce projet.",
        "Он заявил: мы не отступим ни на шаг, что бы ни случилось.",
        "Ratio 3:2. She said:\n\nthe vote is final and binding on all. He added: no more, no less at all.",
        "said:said: said : told them all: the end of the matter is here.",
        "No colon here at all, said the man.",
    ]
    rng = random.Random(2)
    atoms = ["said", "SAYS", "told", "told the", "a  déclaré", "заявила", ":", " : ", "\n", ".", "word", ",", " "]
    texts += ["".join(rng.choice(atoms) + rng.choice(["", " "]) for _ in range(rng.randrange(1, 30)))
              for _ in range(3000)]
    for text in texts:
        assert quotes._attributed(text) == _attributed_everywhere(text), text
    assert re.search("plan goes ahead", texts[0][quotes._attributed(texts[0])[0][0]:])
