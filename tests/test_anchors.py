"""Anchors: winnowing as in the paper, pairing as the plain NumPy rule, and the scan's one-pass sketch."""

import numpy as np
import pyarrow as pa

from copytrace.stages.candidates.anchors import (
    AnchorSettings,
    Anchors,
    anchor_pairs,
    anchor_sets,
    document_anchor_pairs,
    winnow_into,
)
from copytrace.stages.fingerprint import MinHasher
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import candidates
from copytrace.stages.candidates.bands import candidate_pairs
from copytrace.stages.fingerprint import fingerprint
from copytrace.text.tokens import doc_shingles, encode_batch


def paper_winnow(shingles: np.ndarray, window: int) -> set[int]:
    """Schleimer et al.: the rightmost minimum of every window (one minimum if the text is shorter)."""
    if len(shingles) == 0:
        return set()
    if len(shingles) <= window:
        return {int(shingles.min())}
    return {int(shingles[start:start + window].min()) for start in range(len(shingles) - window + 1)}


def winnow(shingles: np.ndarray, window: int) -> np.ndarray:
    n = len(shingles)
    out = np.empty(n + 1, dtype=np.uint64)
    m = winnow_into(shingles, n, window, out, 0, np.empty(n, np.uint64), np.empty(n, np.uint64))
    return out[:m]


def test_winnowing_picks_the_minimum_of_every_window():
    rng = np.random.default_rng(3)
    for trial in range(300):
        n = int(rng.integers(0, 60))
        window = int(rng.integers(1, 12))
        # Few distinct values: ties and repeats are frequent.
        shingles = rng.integers(0, 6 if trial % 2 else 2**62, n).astype(np.uint64)
        picked = winnow(shingles, window)
        assert set(picked.tolist()) == paper_winnow(shingles, window)
        assert all(picked[k] != picked[k + 1] for k in range(len(picked) - 1))  # a run of one minimum: once


def reference_pairs(values, docs, settings: AnchorSettings) -> dict[tuple[int, int], int]:
    """The rule in plain Python: anchors in 2..max_df documents; pairs sharing >= min_shared of them."""
    holders: dict[int, set[int]] = {}
    for value, doc in zip(values.tolist(), docs.tolist()):
        holders.setdefault(value, set()).add(doc)
    shared: dict[tuple[int, int], int] = {}
    for members in holders.values():
        if 2 <= len(members) <= settings.max_df:
            ordered = sorted(members)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1:]:
                    shared[(a, b)] = shared.get((a, b), 0) + 1
    return {pair: n for pair, n in shared.items() if n >= settings.min_shared}


def test_anchor_pairs_follow_the_rule_whatever_the_order_and_repeats():
    rng = np.random.default_rng(5)
    for trial in range(20):
        n = int(rng.integers(0, 40_000))
        values = (rng.integers(0, 3_000, n).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
        docs = rng.integers(0, 500, n) * 7 + 1_000  # sparse document numbers, any order, repeats
        settings = AnchorSettings(max_df=int(rng.integers(2, 30)), min_shared=int(rng.integers(1, 4)))
        a, b, shared = anchor_pairs(values, docs, settings)
        found = dict(zip(zip(a.tolist(), b.tolist()), shared.tolist()))
        assert found == reference_pairs(values, docs, settings)
        codes = a.astype(np.uint64) << np.uint64(32) | b.astype(np.uint64)
        assert np.all(np.diff(codes.astype(np.float64)) > 0)  # sorted, unique


TEXTS = [
    "Sergei Lavrov said on Monday that the talks in Geneva would go on until the end of the week, "
    "and that the Kremlin saw no reason to stop them now.",
    "In other news, Sergei Lavrov said on Monday that the talks in Geneva would go on until the end of the "
    "week, and that the Kremlin saw no reason to stop them now. Prices rose ½ percent.",
    "A recipe: mix the ﬂour with ½ cup of water, add salt, bake for forty minutes at 200 degrees.",
    "Recipe of the day: mix the flour with 1/2 cup of water, add salt, bake for forty minutes at 200 degrees.",
    "Nothing in common with anything else here, just a short note about the weather in Oslo.",
    "",
    "ＦＵＬＬ width and Привет МИР with naïve café and l'été, e\u0301 composed later ½.",
]


def test_the_sketch_gives_the_anchors_of_anchor_sets():
    """One pass gives the same anchors as tokenizing again (NFKC text, folded or redone, included)."""
    sketches = MinHasher().sketch(pa.array(TEXTS * 3), anchor_window=8)
    values, docs = anchor_sets(TEXTS * 3, 5, 8)
    for d in range(len(TEXTS) * 3):
        mine = sketches.anchors.values[sketches.anchors.offsets[d]:sketches.anchors.offsets[d + 1]]
        assert set(mine.tolist()) == set(values[docs == d].tolist())
    buf, offsets = encode_batch(TEXTS)
    for d, text in enumerate(TEXTS):
        assert set(values[docs == d].tolist()) == paper_winnow(doc_shingles(buf, offsets[d], offsets[d + 1], 5), 8)
    assert np.array_equal(sketches.signatures, MinHasher().signatures(TEXTS * 3)[0])


def test_the_candidates_unit_gives_lsh_pairs_and_anchor_pairs_as_the_plain_rules_do():
    settings = ScanSettings()
    texts = pa.array(TEXTS * 2, pa.large_string())
    prints = fingerprint(texts, settings)
    a, b, bands = candidates(prints, settings)
    sketches = MinHasher().sketch(texts, anchor_window=settings.anchors.window)
    la, lb, lbands = candidate_pairs(sketches.signatures, settings.lsh, settings.max_bucket)
    xa, xb, _ = anchor_pairs(sketches.anchors.values, np.repeat(np.arange(len(texts)), np.diff(sketches.anchors.offsets)),
                             settings.anchors)
    expected = dict(zip(zip(la.tolist(), lb.tolist()), lbands.tolist()))
    for pair in zip(xa.tolist(), xb.tolist()):
        expected.setdefault(pair, 0)
    assert dict(zip(zip(a.tolist(), b.tolist()), bands.tolist())) == expected
    assert (0, 1) in expected
    assert fingerprint(texts, ScanSettings(anchors=AnchorSettings(enabled=False))).anchors is None


def test_anchors_of_parts_join_into_one():
    parts = [Anchors(np.array([5, 6, 7], np.uint64), np.array([0, 2, 3])),
             Anchors(np.zeros(0, np.uint64), np.array([0, 0])),
             Anchors(np.array([9], np.uint64), np.array([0, 1]))]
    joined = Anchors.concat(parts)
    assert joined.values.tolist() == [5, 6, 7, 9] and joined.offsets.tolist() == [0, 2, 3, 3, 4]
    a, b, shared = document_anchor_pairs(joined, AnchorSettings(min_shared=1))
    assert len(a) == 0
