"""NFKC folded in while reading gives exactly the words of NFKC first, or sends the document back."""

import numpy as np

from copytrace.stages import fingerprint as fp
from copytrace.text.folding import FOLD_MARK, FOLD_REDO, NO_FOLDING, folding_table, tokenize_folding
from copytrace.text.tokens import encode_batch, nfkc_bytes, tokenize_into

PIECES = ["said", "The", " ", ".", "\n", "½", "¼", "ﬁnal", "ﬂ", "ＦＵＬＬ", "Ⅳ", "ﺎﻟ", "ﻚ", "ﷺ", "ẛ", "\u0323",
          "e\u0301", "\u0305\u0316", "é", "Привет", "МИР", "naïve", "’", "—", "…", "\u00a0", "3", "ℌ",
          "\u0340", "ㄱ", "ㅏ", "가", "\u1161", "ǅ", "x"]


def words(text: str, kinds) -> tuple[int, np.ndarray]:
    raw = text.encode("utf-8")
    buf = np.frombuffer(raw, dtype=np.uint8)
    out = np.empty(len(raw) // 2 + 2, dtype=np.uint64)
    n = tokenize_folding(buf, 0, len(raw), out, *kinds)
    return n, out[:max(n, 0)]


def nfkc_words(text: str) -> np.ndarray:
    raw = nfkc_bytes(text.encode("utf-8"))
    buf = np.frombuffer(raw, dtype=np.uint8)
    cap = len(raw) // 2 + 2
    out, spans = np.empty(cap, dtype=np.uint64), np.empty(cap, dtype=np.int64)
    return out[:tokenize_into(buf, 0, len(raw), out, spans, spans)]


def test_folded_words_are_those_of_the_normalized_text():
    table = folding_table()
    rng = np.random.default_rng(11)
    folded = 0
    for _ in range(3000):
        text = "".join(rng.choice(PIECES, size=int(rng.integers(0, 14))))
        n, hashes = words(text, table)
        if n >= 0:
            folded += 1
            assert np.array_equal(hashes, nfkc_words(text)), text
    assert folded > 500  # a third of these texts are folded: the equality is tested, not skipped


def test_what_is_folded_and_what_is_sent_back():
    kinds, _, _ = folding_table()
    assert kinds[ord("½")] >= 0 and kinds[ord("ﬁ")] >= 0 and kinds[0xFE8E] >= 0  # plain starters
    assert kinds[0x0340] == FOLD_REDO and kinds[0x1161] == FOLD_REDO  # a mark, a vowel jamo that composes
    assert kinds[0x0316] == FOLD_MARK and kinds[ord("a")] == -1
    table = folding_table()
    assert words("3½ cups", table)[0] == 3  # 31 / 2 / cups
    assert words("½ e\u0316\u0305 x", table)[0] == -1  # a fold and a mark in one document: redone
    assert words("ﬁ\u0340", table)[0] == -1
    assert words("only ascii here", NO_FOLDING)[0] == 3


def test_signatures_equal_those_of_normalized_text():
    rng = np.random.default_rng(2)
    texts = [" ".join(rng.choice(PIECES, size=int(rng.integers(0, 200)))) for _ in range(200)]
    sigs, counts = fp.MinHasher().signatures(texts)
    buf, offsets = encode_batch(texts)  # NFKC applied the slow way
    expected, expected_counts, flagged, _, _ = fp._signatures(buf, offsets, 5, 256, NO_FOLDING, 0)
    assert not flagged.any()
    assert np.array_equal(sigs, expected) and np.array_equal(counts, expected_counts)
