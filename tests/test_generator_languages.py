"""`bench make --language`: corpora from NTREX in other languages, credited in that language's own forms."""

import pytest

from copytrace.evaluation.generator import (CREDIT_LINES, NTREX_DIR, NTREX_LANGUAGES, build_corpus,
                                             load_ntrex, local_credit_line)
from copytrace.evaluation.outlets import credit_line
from copytrace.stages.provenance.credit import find_credits, looks_like_outlet

pytestmark = pytest.mark.skipif(not (NTREX_DIR / "rus.txt").exists(), reason="no ../shared/data/ntrex")


@pytest.mark.parametrize("code", ["rus", "zho-CN", "arb", "kor"])
def test_a_corpus_in_another_language_credits_in_that_language(code):
    lang = NTREX_LANGUAGES[code]
    corpus = build_corpus(load_ntrex(code), seed=3, families=20, lang=lang)
    credited = [e for e in corpus.edges if e.credit]
    assert credited and all(e.credited in e.credit_text for e in credited)
    english = {credit_line(form, e.credited).strip(" ,\u2014") for e in credited for form in CREDIT_LINES[lang]}
    assert not any(e.credit_text in english for e in credited)  # written in the corpus language


@pytest.mark.parametrize("lang, form", [(lang, form) for lang, forms in sorted(CREDIT_LINES.items()) for form in forms])
def test_every_credit_form_the_generator_writes_is_found(lang, form):
    line = local_credit_line(lang, form, "Prairie Times")
    lead = form in ("according_to", "dateline")  # written before the first paragraph; the others on their own line
    text = line + ("" if lead else "\n") + ("Текст статьи продолжается." if lang in ("ru", "uk", "sr") else "本文。") + "\n"
    found = find_credits(text, languages=("en", lang), is_outlet=looks_like_outlet)
    assert [c.name for c in found] == ["Prairie Times"], line


def test_an_unknown_language_is_a_clear_error():
    from copytrace.evaluation.generator import CorpusError

    with pytest.raises(CorpusError, match="no NTREX translation for 'klingon'"):
        load_ntrex("klingon")
