"""Passage alignment: offsets, tolerance to noise, moved paragraphs."""

import pyarrow as pa

from copytrace.stages.align import AlignSettings, WordIndex, align, align_pairs
from copytrace.text.normalize import fold

P1 = ("The central bank raised its main interest rate by half a percentage point on Thursday, "
      "the largest increase in more than two decades, as policymakers tried to slow inflation.")
P2 = ("Officials said the decision was unanimous and that further increases could follow in the "
      "coming months if prices kept rising faster than wages across the economy.")
P3 = ("Markets reacted calmly, with the currency gaining slightly against the dollar while "
      "government bond yields rose to their highest level since the financial crisis began.")
OTHER = ("A local football club unveiled its new stadium design, promising more seats, better "
         "transport links and a roof that opens in summer for the first time in its history.")


def passages(a: str, b: str, **kw):
    return align(WordIndex.of(a), WordIndex.of(b), AlignSettings(**kw))


def words_of(text: str) -> list[str]:
    import re
    return re.findall(r"\w+", fold(text).lower())


def test_identical_paragraph_has_exact_offsets():
    a = "Intro line of the source.\n\n" + P1 + "\n\n" + P2
    b = "Some framing added by the copier here.\n\n" + P1 + "\n\nUnrelated ending. " + OTHER
    found = passages(a, b)
    assert len(found) == 1
    a0, a1, b0, b1, identity = found[0]
    assert a[a0:a1] == P1 and b[b0:b1] == P1
    assert identity == 1.0


def test_moved_paragraph_is_its_own_passage():
    a = "\n\n".join([P1, P2, P3])
    b = "\n\n".join([P3, P1, P2])  # the last paragraph moved to the top
    found = passages(a, b)
    covered_a = sorted((x0, x1) for x0, x1, *_ in found)
    texts_a = [a[x0:x1] for x0, x1 in covered_a]
    assert any(t.startswith("The central bank") for t in texts_a)
    assert any(t.startswith("Markets reacted calmly") for t in texts_a)
    moved = [p for p in found if a[p[0]:p[1]].startswith("Markets")][0]
    assert b[moved[2]:moved[3]] == P3


def test_glued_sentences_and_curly_quotes_align():
    a = 'He said "no deal" today. The Kremlin agreed that talks would go on next week in Geneva with both delegations present.'
    b = 'He said \u201cno deal\u201d today.The Kremlin agreed that talks would go on next week in Geneva with both delegations present.'
    found = passages(a, b)
    assert len(found) == 1
    a0, a1, b0, b1, _ = found[0]
    assert words_of(a[a0:a1]) == words_of(b[b0:b1])
    assert a1 - a0 > 0.9 * len(a)


def test_small_edits_are_bridged_with_lower_identity():
    edited = P1.replace("largest increase", "biggest rise").replace("policymakers", "officials")
    found = passages(P1 + " " + P2, edited + " " + P2)
    assert len(found) == 1
    assert 0.8 < found[0][4] < 1.0


def test_dropped_sentence_splits_the_passage():
    dropped = ("In a separate statement the ministry of finance welcomed the move and promised to cut "
               "spending in the next budget, which will be presented to parliament in the autumn.")
    a = P1 + " " + dropped + " " + P2
    b = P1 + " " + P2
    found = passages(a, b)
    assert len(found) == 2
    assert all(dropped not in a[x0:x1] for x0, x1, *_ in found)


def test_unrelated_texts_share_no_passage():
    assert passages(P1 + " " + P2, OTHER) == []


def test_non_ascii_offsets_map_to_original_characters():
    a = "Präsident Müller sagte am Dienstag, dass die Verhandlungen über das Abkommen weitergehen würden, trotz aller Bedenken."
    b = "Intro. PRÄSIDENT MÜLLER sagte am Dienstag, dass die Verhandlungen über das Abkommen weitergehen würden, trotz aller Bedenken."
    (a0, a1, b0, b1, _), = passages(a, b)
    assert a[a0:a1] == a
    assert b[b0:b1] == b[len("Intro. "):]


def test_align_pairs_table():
    docs = pa.table({"id": ["x", "y", "z"], "text": [P1 + "\n\n" + P2, "Framing.\n\n" + P2, OTHER]})
    pairs = pa.table({"a": ["x", "x"], "b": ["y", "z"]})
    table = align_pairs(docs, pairs)
    rows = table.to_pylist()
    assert [(r["a"], r["b"], r["passage"]) for r in rows] == [("x", "y", 0)]
    assert (P1 + "\n\n" + P2)[rows[0]["a_start"]:rows[0]["a_end"]] == P2


def test_seed_passages_keep_chrome_out():
    """On the founding example, no chrome line of 000 lies inside a passage."""
    from pathlib import Path

    folder = Path(__file__).parents[1] / "examples" / "lavrov"
    texts = {p.name: p.read_text() for p in sorted(folder.glob("0*.txt"))}
    ids = sorted(texts)
    docs = pa.table({"id": ids, "text": [texts[i] for i in ids]})
    pairs = pa.table({"a": [ids[0], ids[0], ids[1]], "b": [ids[1], ids[2], ids[2]]})
    rows = align_pairs(docs, pairs).to_pylist()
    assert {(r["a"], r["b"]) for r in rows} == {(ids[0], ids[1]), (ids[0], ids[2]), (ids[1], ids[2])}
    chrome = ["Listen Live", "Get short URL", "Give Me Fire", "Russia-NATO cooperation", "Comment via"]
    for r in rows:
        inside = texts[r["a"]][r["a_start"]:r["a_end"]] + texts[r["b"]][r["b_start"]:r["b_end"]]
        assert not any(c in inside for c in chrome)


def test_seeds_pair_every_shared_ngram_repeated_at_most_max_repeats_times():
    import numpy as np

    from copytrace.stages.align import ngram_hashes, seeds

    rng = np.random.default_rng(5)
    words = [f"w{k}" for k in rng.integers(0, 12, 400)]
    a = WordIndex.of(" ".join(words[:250]))
    b = WordIndex.of(" ".join(words[150:]))
    settings = AlignSettings(seed_words=2, max_repeats=3)
    ga, gb = ngram_hashes(a.hashes, 2), ngram_hashes(b.hashes, 2)
    counts_a = {h: int((ga == h).sum()) for h in set(ga.tolist())}
    counts_b = {h: int((gb == h).sum()) for h in set(gb.tolist())}
    expected = sorted((i, j) for i, x in enumerate(ga.tolist()) for j, y in enumerate(gb.tolist())
                      if x == y and counts_a[x] <= 3 and counts_b[y] <= 3)
    i_arr, j_arr = seeds(a, b, settings)
    assert expected and list(zip(i_arr.tolist(), j_arr.tolist())) == expected
