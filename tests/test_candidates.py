"""Candidates: LSH banding finds partial reuse, ignores unrelated text, and stays linear on big buckets."""

import numpy as np
import pytest

from copytrace.stages.candidates.bands import band_keys_by_band, candidate_pairs
from copytrace.stages.fingerprint import MinHasher
from copytrace.stages.candidates.lsh import LshParams
from copytrace.settings import ScanSettings

SETTINGS = ScanSettings()
PARAMS = SETTINGS.lsh
HASHER = SETTINGS.hasher


def words(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def as_pairs(result) -> set[tuple[int, int]]:
    a, b, _ = result
    return set(zip(a.tolist(), b.tolist()))


def test_defaults_aim_at_partial_reuse():
    assert (PARAMS.bands, PARAMS.rows) == (128, 2)
    assert PARAMS.threshold == pytest.approx(0.4 / 2.6)


def test_a_pair_at_jaccard_a_quarter_is_found_and_unrelated_documents_are_not():
    texts, expected = [], set()
    for k in range(10):
        source = words(f"s{k}w", 1000)
        # The copy carries 40% of the source inside 588 words of its own: Jaccard 396 / 1584 = 0.25.
        copy = words(f"own{k}w", 294) + source[300:700] + words(f"end{k}w", 294)
        expected.add((len(texts), len(texts) + 1))
        texts += [" ".join(source), " ".join(copy)]
    unrelated = [" ".join(words(f"u{k}w", int(200 + 40 * k))) for k in range(30)]
    texts += unrelated
    values, offsets = HASHER.shingle_sets(texts[:2])
    a, b = set(values[offsets[0]:offsets[1]]), set(values[offsets[1]:offsets[2]])
    assert len(a & b) / len(a | b) == pytest.approx(0.25, abs=0.005)
    sigs, _ = HASHER.signatures(texts)
    found = as_pairs(candidate_pairs(sigs, PARAMS))
    assert expected <= found
    assert found == expected  # nothing links the unrelated documents to anything


def test_a_large_bucket_becomes_a_star_and_a_small_one_a_clique():
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 2**32, size=(400, PARAMS.num_perm), dtype=np.uint32)
    template = sigs[0].copy()
    big = np.arange(10, 310)  # 300 documents with one signature: templated text
    sigs[big] = template
    small = np.array([350, 360, 370, 380])
    sigs[small] = sigs[399]
    a, b, bands = candidate_pairs(sigs, PARAMS, max_bucket=200)
    pairs = set(zip(a.tolist(), b.tolist()))
    star = {(0, int(m)) for m in big}  # linked to the bucket's first (lowest) member
    clique = {(int(x), int(y)) for i, x in enumerate(small) for y in list(small[i + 1:]) + [399]}
    assert pairs == star | clique
    assert len(a) == 300 + 10
    assert set(bands.tolist()) == {PARAMS.bands}  # identical signatures share every band


def test_output_is_sorted_unique_and_counts_bands():
    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 2**32, size=(200, 256), dtype=np.uint32)
    # Pairs sharing exactly k bands (2 rows each) with a base document.
    for k, doc in zip((1, 3, 7, 40), (20, 60, 100, 150)):
        sigs[doc, : 2 * k] = sigs[doc - 1, : 2 * k]
    sigs[190:195] = sigs[189]
    a, b, bands = candidate_pairs(sigs, PARAMS)
    assert np.all(a < b)
    codes = a * 1000 + b
    assert np.all(np.diff(codes) > 0)  # sorted by (a, b), no duplicates
    shared = dict(zip(zip(a.tolist(), b.tolist()), bands.tolist()))
    assert shared[(19, 20)] == 1 and shared[(59, 60)] == 3 and shared[(99, 100)] == 7 and shared[(149, 150)] == 40
    assert shared[(189, 194)] == 128
    keys = band_keys_by_band(sigs, PARAMS.bands, PARAMS.rows).T
    assert keys.shape == (200, 128)
    assert np.array_equal(keys[189], keys[190]) and (keys[59, :3] == keys[60, :3]).all()


def test_candidates_are_deterministic_and_edge_cases_are_clear():
    rng = np.random.default_rng(11)
    sigs = rng.integers(0, 4, size=(300, 256), dtype=np.uint32)  # many chance collisions
    first = candidate_pairs(sigs, PARAMS)
    again = candidate_pairs(sigs.copy(), PARAMS)
    assert all(np.array_equal(x, y) for x, y in zip(first, again))
    assert len(first[0]) > 0
    assert all(len(x) == 0 for x in candidate_pairs(sigs[:1], PARAMS))
    with pytest.raises(ValueError, match="bands need"):
        candidate_pairs(sigs[:, :128], PARAMS)
    narrow = LshParams.for_threshold(0.5, num_perm=64)
    sigs64, _ = MinHasher(num_perm=64).signatures(["a b c d e f g"] * 3)
    assert as_pairs(candidate_pairs(sigs64, narrow)) == {(0, 1), (0, 2), (1, 2)}
