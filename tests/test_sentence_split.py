"""The compiled sentence split (`text.sentence_match`) is the regex rule of `text.sentences`, in every script.

The reference below is the split as it was written in Python before it was compiled: sentences by
`_SENTENCE`, words by `\\w+` lower-cased, a word quoted when it starts inside a quote span, a sentence
kept when it holds a word. The compiled split must give the same sentences, words and quoted counts on
real news in 32 languages (NTREX, when ../shared/data is there) and on constructed edge cases.
"""

from __future__ import annotations

from bisect import bisect_right
from pathlib import Path

import numpy as np
import pytest

from copytrace.text.quotes import quote_spans
from copytrace.text.sentence_match import split_words
from copytrace.text.sentences import _SENTENCE, _WORD, match_sentences, sentence_splits, sentences

DATA = Path(__file__).parents[2] / "shared" / "data"

EDGES = [
    "",
    "...!?",
    "No stop at the end",
    "Trailing newline.\n",
    "Lines\nwithout\n\nstops\n",
    'He said: "We will build the new bridge over the river next year." Then he left.',
    "«Nous partirons demain», a déclaré le ministre… Puis il est parti!!! Fin?»",
    "「東京は晴れです。」と彼は言った。大阪は雨でした！",
    "İstanbul'da ΟΔΟΣ οδος ΣΟΦΟΣ. ŞİŞLİ İŞ.",
    "Emoji 🙂 between words 🎉🎉 and 𝐛𝐨𝐥𝐝 math letters, 𠀀𠀁 astral Han.",
    "snake_case and digits 123 4.5 and ½ ² Ⅻ numerals.",
    "Арабский: «مرحبا بالعالم». हिन्दी वाक्य है। ไทยไม่มีช่องว่าง.",
    "tab\tseparated\u00a0nbsp\u2028line sep\u0085next line.",
]


def _reference(text: str, set_quotes_aside: bool) -> list[tuple]:
    spans = quote_spans(text) if set_quotes_aside else []
    starts = [s for s, _ in spans]
    out = []
    for m in _SENTENCE.finditer(text):
        lo, hi = m.start(), m.end()
        words, quoted = [], 0
        for w in _WORD.finditer(text, lo, hi):
            k = bisect_right(starts, w.start()) - 1
            if k >= 0 and w.start() < spans[k][1]:
                quoted += 1
            else:
                words.append(w.group().lower())
        if words or quoted:
            out.append((lo, hi, words, quoted))
    return out


def _texts() -> list[str]:
    texts = list(EDGES)
    ntrex = DATA / "ntrex"
    if ntrex.is_dir():
        for path in sorted(ntrex.glob("*.txt")):
            lines = path.read_text(encoding="utf-8").split("\n")
            texts += ["\n".join(lines[k:k + 12]) for k in range(0, 120, 12)]
    return texts


@pytest.mark.parametrize("set_quotes_aside", [True, False])
def test_compiled_split_gives_the_regex_rules_sentences_words_and_quotes(set_quotes_aside):
    for text in _texts():
        got = [(s.start, s.end, s.words, s.quoted) for s in sentences(text, set_quotes_aside)]
        assert got == _reference(text, set_quotes_aside), text[:80]


def test_word_hashes_are_the_lowered_words_final_sigma_and_dotted_capital_i_folded():
    text = "ΟΔΟΣ οδος Οδοσ. İSTANBUL istanbul Istanbul."
    _, _, _, starts, ends, hashes, _ = split_words(text, [])
    words = [text[a:b] for a, b in zip(starts, ends)]
    assert words == ["ΟΔΟΣ", "οδος", "Οδοσ", "İSTANBUL", "istanbul", "Istanbul"]
    assert len(set(hashes[:3].tolist())) == 1 and len(set(hashes[3:].tolist())) == 1
    assert hashes[0] != hashes[3]


def test_both_splits_list_the_same_sentences_and_a_quote_free_text_has_one():
    quoted = 'She said: "The plant will close in May and two hundred jobs will go." Workers met on Friday.'
    aside, whole = sentence_splits(quoted)
    assert [(s.start, s.end) for s in aside] == [(s.start, s.end) for s in whole]
    assert aside.quoted.sum() > 0 and whole.quoted.sum() == 0
    plain = "Workers met on Friday. The union asked for talks."
    one, other = sentence_splits(plain)
    assert one is other


def test_matching_in_another_script_finds_the_copied_sentences():
    ntrex = DATA / "ntrex"
    if not ntrex.is_dir():
        pytest.skip("../shared/data/ntrex is not here")
    for name in ("ell.txt", "rus.txt", "arb.txt", "hin.txt"):
        path = ntrex / name
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").split("\n")
        source = " ".join(lines[:10])
        copy = "An introduction of our own, with enough words to count as a sentence. " + " ".join(lines[2:7])
        matching = match_sentences(sentences(source), sentences(copy))
        matched = {i for _, i, _ in matching.pairs}
        assert matching.pairs and matched <= set(range(len(sentences(source)))), name
        assert np.all(np.diff([i for _, i, _ in matching.pairs]) > 0), name  # in the source's order


def test_a_cut_of_a_japanese_or_chinese_story_stays_a_cut():
    """CJK stops do not end sentences: a Han sentence's words are its runs between punctuation, and cut at
    "。" most sentences would fall under `min_words`, so a cut would read as sharing quotes only."""
    from copytrace.stages.provenance.relations import SentenceCache, relation_between

    ntrex = DATA / "ntrex"
    if not ntrex.is_dir():
        pytest.skip("../shared/data/ntrex is not here")
    for name in ("jpn.txt", "zho-CN.txt"):
        lines = [line for line in (ntrex / name).read_text(encoding="utf-8").split("\n") if line.strip()]
        source, cut = "\n".join(lines[:12]), "\n".join(lines[:8])
        relation, _ = relation_between(("source", source), ("cut", cut), SentenceCache(), 0.6)
        assert relation in ("cut", "republication"), name


def test_the_aside_split_holds_the_whole_splits_hashes_of_its_unquoted_words_whatever_came_before():
    # Longest text first: the compiled split's scratch arrays, sized for it, then serve the shorter ones.
    texts = sorted(_texts(), key=len, reverse=True)
    for text in texts:
        aside, whole = sentence_splits(text)
        at = {int(s): k for k, s in enumerate(whole.word_starts.tolist())}
        picked = [at[int(s)] for s in aside.word_starts.tolist()]
        assert aside.ids.tolist() == whole.ids[picked].tolist(), text[:80]
        assert aside.word_ends.tolist() == whole.word_ends[picked].tolist()
        assert (aside.lengths + aside.quoted).tolist() == whole.lengths.tolist()
        assert aside.at.tolist() == [0] + np.cumsum(aside.lengths).tolist()
        assert whole.at.tolist() == [0] + np.cumsum(whole.lengths).tolist()


def test_the_word_table_is_every_code_point_lowered_where_a_regex_word_holds_it():
    # `word_table` decodes every code point at once from UTF-32; built here as its rule says, one `chr` each.
    import re

    from copytrace.text.sentence_match import word_table

    chars = "".join(map(chr, range(0x110000)))
    lowered = chars[:0x130].lower() + "i" + chars[0x131:].lower()
    expected = np.frombuffer(lowered.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    word = np.zeros(len(expected), dtype=bool)
    for m in re.finditer(r"\w+", chars):
        word[m.start():m.end()] = True
    expected[~word] = 0
    expected[expected == 0x3C2] = 0x3C3
    assert np.array_equal(word_table(), expected)
    assert word_table()[ord("A")] == ord("a") and word_table()[ord(" ")] == 0 and word_table()[0x130] == ord("i")
