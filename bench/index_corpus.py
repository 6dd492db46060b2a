"""A cheap, deterministic generator of news-like articles for the index benchmark (millions of them).

Every article is a function of (seed, article number) alone, made by one
compiled kernel straight into an Arrow string buffer: Zipf-distributed words
from a 50,000-word vocabulary, sentences of 12 to 29 words, paragraphs of
three sentences. One article in ten (`REUSE_EVERY`) is a copy: 40 to 90% of
an earlier plain article's text in one run, inside new framing. Because any
article can be regenerated from its number, copies and queries need no
memory of earlier batches. About 40 ns per byte on one core (1M articles of
3 KB in about two minutes).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from numba import njit

REUSE_EVERY = 10
LETTERS = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)


@njit(cache=True, inline="always")
def _mix(x):
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xFF51AFD7ED558CCD)
    x ^= x >> np.uint64(33)
    x *= np.uint64(0xC4CEB9FE1A85EC53)
    x ^= x >> np.uint64(33)
    return x


@njit(cache=True, inline="always")
def _next(state):
    """splitmix64 step: (new state, 64 random bits)."""
    state += np.uint64(0x9E3779B97F4A7C15)
    return state, _mix(state)


@njit(cache=True, inline="always")
def _uniform(bits):
    return (bits >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _words(state, n_words, vocab, vocab_off, cdf, out, pos):
    """Write n_words Zipf words with sentence and paragraph breaks at out[pos:]; return (state, pos)."""
    until_stop = 0
    sentence = 0
    for w in range(n_words):
        if until_stop == 0:
            state, bits = _next(state)
            until_stop = 12 + np.int64(bits % np.uint64(18))
        state, bits = _next(state)
        k = np.searchsorted(cdf, _uniform(bits))
        for b in range(vocab_off[k], vocab_off[k + 1]):
            out[pos] = vocab[b]
            pos += 1
        until_stop -= 1
        if until_stop == 0 or w == n_words - 1:
            out[pos] = 46  # "."
            pos += 1
            sentence += 1
            if sentence % 3 == 0 and w < n_words - 1:
                out[pos] = 10
                out[pos + 1] = 10
                pos += 2
                continue
        if w < n_words - 1:
            out[pos] = 32
            pos += 1
    return state, pos


@njit(cache=True)
def _plain(seed, d, mean_words, vocab, vocab_off, cdf, out, pos):
    state = _mix(np.uint64(seed) * np.uint64(1000003) + np.uint64(d) + np.uint64(1))
    state, bits = _next(state)
    n = mean_words // 2 + np.int64(bits % np.uint64(mean_words))  # 0.5x to 1.5x the mean
    state, pos = _words(state, n, vocab, vocab_off, cdf, out, pos)
    return pos


@njit(cache=True)
def _source_of(seed, d):
    """An earlier plain article (number not a multiple of REUSE_EVERY) for copy d, and the share it carries."""
    state = _mix(np.uint64(seed) * np.uint64(7919) + np.uint64(d))
    state, bits = _next(state)
    j = np.int64(bits % np.uint64(d))
    if j % REUSE_EVERY == 0:
        j += 1
    state, bits = _next(state)
    share = 0.4 + 0.5 * _uniform(bits)
    return j, share, state


@njit(cache=True)
def _copy(seed, d, j, share, state, mean_words, vocab, vocab_off, cdf, scratch, out, pos):
    """Framing, then `share` of plain article j's bytes cut at spaces, then framing."""
    end = _plain(seed, j, mean_words, vocab, vocab_off, cdf, scratch, 0)
    take = np.int64(end * share)
    state, bits = _next(state)
    start = np.int64(bits % np.uint64(max(1, end - take)))
    while start > 0 and scratch[start - 1] != 32:
        start -= 1
    stop = min(end, start + take)
    while stop < end and scratch[stop] != 32:
        stop += 1
    framing = max(20, np.int64(mean_words * (1.0 - share) / 2))
    state, pos = _words(state, framing, vocab, vocab_off, cdf, out, pos)
    out[pos] = 10
    out[pos + 1] = 10
    pos += 2
    for b in range(start, stop):
        out[pos] = scratch[b]
        pos += 1
    out[pos] = 10
    out[pos + 1] = 10
    pos += 2
    state, pos = _words(state, framing, vocab, vocab_off, cdf, out, pos)
    return pos


@njit(cache=True)
def _batch(seed, first, n, mean_words, vocab, vocab_off, cdf, max_word):
    per_doc = (mean_words * 3 // 2 + 2 * mean_words) * (max_word + 3) + 64
    out = np.empty(n * per_doc // 2 + per_doc, dtype=np.uint8)
    scratch = np.empty(per_doc, dtype=np.uint8)
    offsets = np.zeros(n + 1, dtype=np.int32)
    pos = 0
    for k in range(n):
        d = first + k
        if pos + per_doc > len(out):
            grown = np.empty(len(out) * 2, dtype=np.uint8)
            grown[:pos] = out[:pos]
            out = grown
        if d > 0 and d % REUSE_EVERY == 0:
            j, share, state = _source_of(seed, d)
            pos = _copy(seed, d, j, share, state, mean_words, vocab, vocab_off, cdf, scratch, out, pos)
        else:
            pos = _plain(seed, d, mean_words, vocab, vocab_off, cdf, out, pos)
        offsets[k + 1] = pos
    return out[:pos], offsets


class ArticleGenerator:
    """Articles by number: `batch(first, n)` is an Arrow string array, the same on every run."""

    def __init__(self, seed: int = 7, mean_bytes: int = 3000, vocab: int = 50_000):
        rng = np.random.default_rng(seed)
        lengths = rng.integers(2, 11, vocab)
        self.vocab = LETTERS[rng.integers(0, 26, int(lengths.sum()))]
        self.vocab_off = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        weights = 1.0 / np.arange(1, vocab + 1) ** 1.05
        self.cdf = np.cumsum(weights / weights.sum())
        self.cdf[-1] = 1.0
        self.seed = seed
        mean_word = float((lengths * weights).sum() / weights.sum())
        self.mean_words = max(20, int(mean_bytes / (mean_word + 1.1)))
        self.max_word = int(lengths.max())

    def batch(self, first: int, n: int) -> pa.Array:
        data, offsets = _batch(self.seed, first, n, self.mean_words, self.vocab, self.vocab_off, self.cdf,
                               self.max_word)
        return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])

    def text(self, d: int) -> str:
        return self.batch(d, 1)[0].as_py()

    def source_of(self, d: int) -> int | None:
        """The plain article copy d carries part of (None for a plain article)."""
        return int(_source_of(self.seed, d)[0]) if d > 0 and d % REUSE_EVERY == 0 else None

    def query(self, rng: np.random.Generator, indexed: int, share: float = 0.6, query_bytes: int = 5000) -> tuple[str, int | None]:
        """A ~5 KB article: with probability 1/2 it carries `share` of an indexed plain article."""
        fresh = ArticleGenerator.__new__(ArticleGenerator)
        fresh.__dict__.update(self.__dict__)
        fresh.seed = int(rng.integers(1 << 30, 1 << 31))  # new words, never the indexed ones
        fresh.mean_words = int(self.mean_words * query_bytes / self._mean_bytes())
        if rng.random() < 0.5:
            return fresh.text(1), None
        j = int(rng.integers(1, indexed))
        if j % REUSE_EVERY == 0:
            j += 1 if j + 1 < indexed else -1
        source = self.text(j)
        words = source.split(" ")
        take = max(40, int(len(words) * share))
        start = int(rng.integers(0, max(1, len(words) - take)))
        framing = fresh.text(1)
        cut = max(0, (query_bytes - len(" ".join(words[start:start + take]))) // 2)
        return framing[:cut] + "\n\n" + " ".join(words[start:start + take]) + "\n\n" + framing[len(framing) - cut:], j

    def _mean_bytes(self) -> float:
        return float(np.mean([len(self.text(d).encode()) for d in range(1, 40) if d % REUSE_EVERY]))
