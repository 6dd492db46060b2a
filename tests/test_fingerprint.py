"""Fingerprints: deterministic, one-permutation MinHash semantics, and robust to the seeds' noise."""

import numpy as np
import pyarrow as pa
import pytest

from copytrace.stages import fingerprint as fp
from copytrace.stages.fingerprint import MinHasher
from copytrace.text.tokens import encode_batch

HASHER = MinHasher(num_perm=256, shingle_size=5)


def unique_words(prefix: str, n: int) -> list[str]:
    return [f"{prefix}w{i}" for i in range(n)]


def some_texts(n: int = 60) -> list[str]:
    rng = np.random.default_rng(7)
    vocabulary = ["Kremlin", "said", "Lavrov", "talks", "“peace”", "Moscow—Kyiv", "the", "ﬁnal", "½", "Привет",
                  "МИР", "ＦＵＬＬ", "l'été", "naïve", "2024", "e-mail", "said.The", "\u00a0", "news"]
    return [" ".join(rng.choice(vocabulary, size=int(rng.integers(0, 300)))) for _ in range(n)]


def test_signatures_are_the_same_on_every_run_and_batching():
    texts = some_texts()
    first, counts = HASHER.signatures(texts)
    again, counts_again = HASHER.signatures(list(texts))
    assert first.shape == (len(texts), 256) and first.dtype == np.uint32
    assert np.array_equal(first, again) and np.array_equal(counts, counts_again)
    halves = [HASHER.signatures(texts[:17])[0], HASHER.signatures(texts[17:])[0]]
    assert np.array_equal(np.concatenate(halves), first)
    one_by_one = np.concatenate([HASHER.signatures([t])[0] for t in texts])
    assert np.array_equal(one_by_one, first)


def test_arrow_input_and_pipelined_parts_give_the_same_signatures(monkeypatch):
    texts = some_texts()
    expected, counts = HASHER.signatures(texts)
    sliced = pa.array(["padding"] + texts + [None]).slice(1, len(texts))
    assert np.array_equal(HASHER.signatures(sliced)[0], expected)
    chunked = pa.chunked_array([pa.array(texts[:10], pa.large_string()), pa.array(texts[10:], pa.large_string())])
    assert np.array_equal(HASHER.signatures(chunked)[0], expected)
    # Text is prepared part by part while the kernel runs: parts must not show.
    monkeypatch.setattr(fp, "_PART_BYTES", 500)
    assert len(fp._parts(texts, 500)) > 5
    pipelined, pipelined_counts = HASHER.signatures(texts)
    assert np.array_equal(pipelined, expected) and np.array_equal(pipelined_counts, counts)
    assert np.array_equal(HASHER.signatures(sliced)[0], expected)


def test_null_and_empty_texts_have_no_shingles():
    _, counts = HASHER.signatures(pa.array(["", None, "   ", "one", "a b c d e f"]))
    assert counts.tolist() == [0, 0, 0, 1, 2]


def test_agreement_rate_is_the_jaccard_similarity():
    """One-permutation MinHash with densification: P(bins agree) = Jaccard of the shingle sets."""
    rates, jaccards = [], []
    for pair in range(12):
        words = unique_words(f"p{pair}", 1500)
        a, b = " ".join(words[:1000]), " ".join(words[500:1500])
        values, offsets = HASHER.shingle_sets([a, b])
        set_a, set_b = set(values[offsets[0]:offsets[1]]), set(values[offsets[1]:offsets[2]])
        jaccards.append(len(set_a & set_b) / len(set_a | set_b))
        sigs, _ = HASHER.signatures([a, b])
        rates.append(float(np.mean(sigs[0] == sigs[1])))
    assert jaccards[0] == pytest.approx(496 / 1496)
    assert np.mean(rates) == pytest.approx(np.mean(jaccards), abs=0.03)
    # Unrelated texts agree (nearly) nowhere; identical texts everywhere.
    sigs, _ = HASHER.signatures([" ".join(unique_words("x", 800)), " ".join(unique_words("y", 800))])
    assert np.mean(sigs[0] == sigs[1]) < 0.02
    sigs, _ = HASHER.signatures(["same text here and there again"] * 2)
    assert np.array_equal(sigs[0], sigs[1])


def test_short_documents_are_densified_and_still_comparable():
    sigs, counts = HASHER.signatures(["only three words", "only three words", "two words"])
    assert counts.tolist() == [1, 1, 1]
    assert np.array_equal(sigs[0], sigs[1])
    assert len(np.unique(sigs[0])) == 1  # one shingle fills every bin
    assert not np.array_equal(sigs[0], sigs[2])


def shingles(text: str) -> set:
    values, offsets = HASHER.shingle_sets([text])
    return set(values[offsets[0]:offsets[1]].tolist())


@pytest.mark.parametrize(
    "noisy, clean",
    [
        ("Lavrov said.The Kremlin denied it,again", "lavrov said the kremlin denied it again"),
        ("“We will not,” he said — ‘never’ – again", '"we will not," he said - \'never\' - again'),
        ("THE Foreign MINISTER Said On Monday", "the foreign minister said on monday"),
        ("Moscow\u00a0and\u2009Kyiv  \n\n held talks\ttoday", "moscow and kyiv held talks today"),
    ],
)
def test_noise_gives_the_same_shingles_as_clean_text(noisy, clean):
    assert shingles(noisy) == shingles(clean)
    sigs, _ = HASHER.signatures([noisy, clean])
    assert np.array_equal(sigs[0], sigs[1])


@pytest.mark.parametrize(
    "text, folded",
    [
        ("the ﬁnal ﬂight oﬀ the map today", "the final flight off the map today"),  # ligatures
        ("ＦＵＬＬＷＩＤＴＨ ｌｅｔｔｅｒｓ ａｎｄ １２３ here", "fullwidth letters and 123 here"),
        ("add ½ cup of water and stir well", "add 1/2 cup of water and stir well"),
        ("ПРИВЕТ Мир как дела сегодня утром", "привет мир как дела сегодня утром"),  # Cyrillic case
        ("ΑΘΗΝΑ και ΜΟΣΧΑ σήμερα το πρωί", "αθηνα και μοσχα σήμερα το πρωί"),  # Greek case
        ("cafe\u0301 au lait in the morning light", "café au lait in the morning light"),  # NFC composition
        ("ﺍﻟﺴﻼﻡ عليكم يا صديقي العزيز", "السلام عليكم يا صديقي العزيز"),  # Arabic presentation forms
        ("ÉCOLE ÇA Œuvre Łódź Ÿes today", "école ça œuvre łódź ÿes today"),  # Latin-1 and Extended-A case
    ],
)
def test_non_ascii_text_folds_like_its_normal_form(text, folded):
    assert shingles(text) == shingles(folded)
    assert len(shingles(text)) > 0


def test_nfkc_applies_per_document_inside_one_buffer():
    texts = ["plain ascii text " * 5, "the ﬁnal word is ＦＵＬＬ here", "no trigger — “quotes” only", "½ and ¼ cup"]
    buf, offsets = encode_batch(texts)
    decoded = [bytes(buf[offsets[i]:offsets[i + 1]]).decode() for i in range(len(texts))]
    assert decoded[0] == texts[0] and decoded[2] == texts[2]
    assert decoded[1] == "the final word is FULL here"
    assert decoded[3].startswith("1\u20442")
    arrow_buf, arrow_offsets = encode_batch(pa.array(texts))
    assert [bytes(arrow_buf[arrow_offsets[i]:arrow_offsets[i + 1]]).decode() for i in range(len(texts))] == decoded


def test_settings_are_checked():
    with pytest.raises(ValueError, match="power of two"):
        MinHasher(num_perm=100)
    with pytest.raises(ValueError, match="shingle_size"):
        MinHasher(shingle_size=0)


def test_hash_sort_is_numpy_sort():
    """The verify stage's shingle sets: `sorted_unique` gives np.unique's answer on hashes and on values that
    are not spread (small integers, repeats), at every size around its bucketing threshold."""
    import numpy as np

    from copytrace.text.hash_sort import sorted_unique, stable_argsort

    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 63, 64, 65, 500, 4096):
        cases = (rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2),
                 rng.integers(0, 5, n).astype(np.uint64),
                 np.repeat(rng.integers(0, 2**63, max(n // 3, 1), dtype=np.uint64), 3)[:n])
        for values in cases:
            assert np.array_equal(sorted_unique(values), np.unique(values))
            # the sentence index's postings: equal values keep their order, as a stable sort keeps them
            assert np.array_equal(stable_argsort(values), np.argsort(values, kind="mergesort"))
