"""Normalization: the seeds' noise folds to the same words, and folded spans map back to the original."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from copytrace.text.normalize import fold, fold_with_map, needs_fold
from copytrace.text.tokens import word_spans

from conftest import LAVROV, SEED_IDS


def words(text: str) -> list[str]:
    """The words the tokenizer sees, spelled from the folded text, lower-cased for reading."""
    folded = fold(text)
    _, starts, ends = word_spans(folded)
    return [folded[s:e].lower() for s, e in zip(starts, ends)]


def hashes(text: str) -> list[int]:
    return word_spans(fold(text))[0].tolist()


@pytest.mark.parametrize(
    ("noisy", "clean"),
    [
        ("said.The Kremlin", "said. The Kremlin"),  # glued sentences (seed 001)
        ("minority.\"The Kremlin", "minority.\" The Kremlin"),
        ("\u201cNATO\u2019s arrogance\u201d", "\"NATO's arrogance\""),  # curly vs straight quotes (seed 002)
        ("\u2018abnormal\u2019 approach", "'abnormal' approach"),
        ("Moscow \u2014 Kyiv \u2013 Minsk", "Moscow - Kyiv - Minsk"),  # em and en dashes
        ("full\u2010fledged", "full-fledged"),  # Unicode hyphen
        ("deep\u00a0freeze\u2009now", "deep freeze now"),  # no-break and thin spaces
        ("two\n\n\tlines\r\n  here", "two lines here"),
        ("THE KREMLIN Said", "the kremlin said"),  # case
        ("\uff2b\uff52\uff45\uff4d\uff4c\uff49\uff4e", "Kremlin"),  # fullwidth letters (NFKC)
        ("of\ufb01cial \ufb02ight", "official flight"),  # ligatures (NFKC)
        ("cafe\u0301 re\u0301sume\u0301", "caf\u00e9 r\u00e9sum\u00e9"),  # decomposed vs composed
        ("\u2460 Lavrov", "1 Lavrov"),  # circled digit
        ("\u00c9LYS\u00c9E \u041c\u041e\u0421\u041a\u0412\u0410 \u0391\u0398\u0397\u039d\u0391",
         "\u00e9lys\u00e9e \u043c\u043e\u0441\u043a\u0432\u0430 \u03b1\u03b8\u03b7\u03bd\u03b1"),  # Latin-1, Cyrillic, Greek
    ],
)
def test_noise_folds_to_the_same_words(noisy, clean):
    assert hashes(noisy) == hashes(clean)


def test_glued_sentence_yields_said_the_kremlin():
    assert words("Lavrov said.The Kremlin has") == ["lavrov", "said", "the", "kremlin", "has"]


def test_punctuation_and_symbols_separate_words():
    assert words("US-led \u201cpoliticized approach\u201d\u2026[European] 50% \u00a92017/AFP") == [
        "us", "led", "politicized", "approach", "european", "50", "2017", "afp"
    ]


def test_fold_is_nfkc_where_it_changes_a_word():
    text = "\ufb01nal \uff21\uff22 \u00bd and caf\u00e9"
    assert fold(text) == unicodedata.normalize("NFKC", text)
    plain = "He said \u201cno\u201d \u2014 twice."
    assert not needs_fold(plain) and fold(plain) is plain


def test_seed_documents_fold_without_loss_of_words():
    for name in SEED_IDS:
        text = (LAVROV / name).read_text(encoding="utf-8")
        assert words(text) == words(unicodedata.normalize("NFKC", text))


# --- the map from folded positions back to the original text ---------------------------

MAPPED = [
    "Plain ASCII text, said.The Kremlin.",
    "cafe\u0301 and na\u0131\u0308ve cre\u0300me bru\u0302le\u0301e",  # combining marks
    "the \ufb01rst \ufb03ce \ufb02oor",  # ligatures fi, ffi, fl
    "\uff2e\uff21\uff34\uff2f said \uff11\uff12\uff13",  # fullwidth letters and digits
    "\u0130stanbul Stra\u00dfe \u1e9e \u0149 \u01c4",  # case changes length: İ, ß, ẞ, ŉ, Ǆ
    "\u2460 \u3392 x\u00b2 \u2122 \ufe59a\ufe5a",  # circled digit, squared MHz, superscript, TM, small parens
    "\u05e9\u05b8\u05c1\u05dc\u05d5\u05b9\u05dd and \u0928\u092e\u0938\u094d\u0924\u0947",  # Hebrew and Devanagari marks
]


@pytest.mark.parametrize("text", MAPPED)
def test_fold_with_map_gives_the_same_words_as_fold(text):
    folded, _ = fold_with_map(text)
    assert word_spans(folded)[0].tolist() == hashes(text)


@pytest.mark.parametrize("text", MAPPED)
def test_fold_with_map_is_monotone_and_ends_at_the_text_length(text):
    folded, origin = fold_with_map(text)
    assert len(origin) == len(folded) + 1
    assert origin[0] == 0 and origin[-1] == len(text)
    assert np.all(np.diff(origin) >= 0)


@pytest.mark.parametrize("text", MAPPED)
def test_every_word_maps_back_to_the_original_characters_it_came_from(text):
    folded, origin = fold_with_map(text)
    _, starts, ends = word_spans(folded)
    assert len(starts) > 0
    for s, e in zip(starts, ends):
        original = text[origin[s]:origin[e]]
        # The original span, folded again, spells the folded word: nothing lost, nothing borrowed.
        assert unicodedata.normalize("NFKC", original) == folded[s:e], (folded[s:e], original)


def test_map_points_at_the_ligature_and_the_fullwidth_letters():
    text = "the \ufb01rst \uff2e\uff21\uff34\uff2f"
    folded, origin = fold_with_map(text)
    assert folded == "the first NATO"
    first = folded.index("first")
    assert text[origin[first]:origin[first + 5]] == "\ufb01rst"
    assert origin[first] == origin[first + 1] == 4  # f and i both come from the ligature
    nato = folded.index("NATO")
    assert text[origin[nato]:origin[nato + 4]] == "\uff2e\uff21\uff34\uff2f"


def test_map_keeps_combining_marks_with_their_base():
    text = "cre\u0300me"
    folded, origin = fold_with_map(text)
    assert folded == "cr\u00e8me"
    assert origin.tolist() == [0, 1, 2, 4, 5, 6]


def test_word_ending_inside_an_expansion_maps_to_the_character():
    from copytrace.text.normalize import original_spans

    text = "add \u00bd cup"
    folded, origin = fold_with_map(text)
    _, starts, ends = word_spans(folded)
    spans = [text[s:e] for s, e in zip(*original_spans(origin, starts, ends))]
    assert spans == ["add", "\u00bd", "\u00bd", "cup"]


@pytest.mark.parametrize("text", ["\u1100\u1161\u11a8 word", "\u0b92\u0bd7 tamil", "\u09c7\u09be bengali"])
def test_fold_with_map_composes_like_fold_across_class_zero_characters(text):
    folded, _ = fold_with_map(text)
    assert folded == fold(text)
