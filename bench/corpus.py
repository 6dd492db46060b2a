"""Build the benchmark corpus: news-size documents made from real article text.

Source text: the 181 ground-truth article bodies of the article-extraction
benchmark (../shared/data/article-extraction-benchmark/ground-truth.json).
181 articles are far too few to make 100,000 distinct documents by copying,
so each document is assembled from sentences drawn from several articles,
shuffled, with a share of its words replaced by words drawn (by frequency)
from the whole vocabulary. A replaced word breaks every word 5-shingle that
covers it, so two random documents share almost no shingles even when they
drew the same sentence, while lengths, bytes and vocabulary stay those of
real news text.

On top of that, a share of documents (10% by default) are planted reuse of
an earlier document, the job copytrace exists for:

- `full`: the whole source, with a framing line or two (a credit, a feed
  footer, a new lead) added;
- `partial`: a contiguous 30-60% of the source's sentences, with the
  copier's own text (10-100% of the copied length) around it.

Every planted (source, copy) pair is written to `<name>.planted.parquet` with
its kind and copied share, so recall can be measured. Seeded: the same
arguments give the same files, byte for byte.

    .venv/bin/python bench/corpus.py --docs 100000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
GROUND_TRUTH = ROOT.parent.parent / "shared" / "data" / "article-extraction-benchmark" / "ground-truth.json"
DATA_DIR = ROOT / "data"

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w+")

FRAMING = (
    "The post {outlet} appeared first on {outlet}.",
    "This article was originally published by {outlet}.",
    "{outlet} reports:",
    "Read more at {outlet}.",
    "Republished with permission from {outlet}.",
    "According to {outlet},",
)
OUTLETS = ("Sputnik News", "RT", "the Daily Wire", "Global Voices", "the Associated Press", "Reuters", "TASS")


class MissingData(RuntimeError):
    pass


def load_articles(path: Path = GROUND_TRUTH) -> list[str]:
    if not path.exists():
        raise MissingData(f"{path} not found: the benchmark needs the shared article-extraction data")
    with open(path, encoding="utf-8") as handle:
        records = json.load(handle)
    bodies = [r.get("articleBody") or "" for r in records.values()]
    return [b for b in bodies if b.strip()]


class SentencePool:
    """Sentences of the source articles, and the vocabulary used for substitutions."""

    def __init__(self, articles: list[str]):
        self.sentences = []
        for body in articles:
            self.sentences.extend(s.strip() for s in _SENTENCE_END.split(body) if len(s.strip()) > 20)
        counts = Counter(w for s in self.sentences for w in _WORD.findall(s))
        self.vocabulary = np.array(sorted(counts), dtype=object)
        weights = np.array([counts[w] for w in self.vocabulary], dtype=np.float64)
        self.word_cdf = np.cumsum(weights) / weights.sum()
        self.word_cdf[-1] = 1.0
        self.words = [s.split(" ") for s in self.sentences]
        self.mean_length = float(np.mean([len(s) for s in self.sentences]))


def fresh_text(rng: np.random.Generator, pool: SentencePool, target_chars: int, rate: float) -> list[str]:
    """Sentences of an original document: random sentences of the pool, about `rate` of their words replaced."""
    n = max(1, int(round(target_chars / pool.mean_length)))
    sentences = [pool.words[i] for i in rng.integers(0, len(pool.words), size=n)]
    sizes = np.array([len(s) for s in sentences])
    hits = np.flatnonzero(rng.random(int(sizes.sum())) < rate)
    replacements = pool.vocabulary[np.searchsorted(pool.word_cdf, rng.random(len(hits)))]
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    which = np.searchsorted(bounds, hits, side="right") - 1
    out = [list(s) for s in sentences]
    for h, s, word in zip(hits.tolist(), which.tolist(), replacements.tolist()):
        out[s][h - bounds[s]] = word
    return [" ".join(words) for words in out]


def _paragraphs(sentences: list[str], rng: np.random.Generator) -> str:
    """Join sentences into paragraphs of 1-5 sentences, as news text is laid out."""
    out, i = [], 0
    while i < len(sentences):
        k = int(rng.integers(1, 6))
        out.append(" ".join(sentences[i:i + k]))
        i += k
    return "\n\n".join(out)


def build(n_docs: int, seed: int = 42, reuse_share: float = 0.10, substitution: float = 0.25,
          articles: list[str] | None = None):
    """Return (documents table [id, text], planted table [source, copy, kind, share])."""
    pool = SentencePool(articles if articles is not None else load_articles())
    rng = np.random.default_rng(seed)
    # News-size lengths: log-normal around 3 KB (the median of the source articles), 300 B to 30 KB.
    lengths = np.clip(rng.lognormal(np.log(3000), 0.7, size=n_docs), 300, 30_000).astype(int)
    is_copy = rng.random(n_docs) < reuse_share
    is_copy[:10] = False  # copies need earlier documents to copy from
    sentences_of: list[list[str]] = []
    texts: list[str] = []
    planted = {"source": [], "copy": [], "kind": [], "share": []}
    for d in range(n_docs):
        if not is_copy[d]:
            sentences = fresh_text(rng, pool, int(lengths[d]), substitution)
            sentences_of.append(sentences)
            texts.append(_paragraphs(sentences, rng))
            continue
        source = int(rng.integers(0, d))
        while is_copy[source]:
            source = int(rng.integers(0, d))
        src = sentences_of[source]
        outlet = OUTLETS[int(rng.integers(len(OUTLETS)))]
        framing = FRAMING[int(rng.integers(len(FRAMING)))].format(outlet=outlet)
        if rng.random() < 0.4:
            kind, share = "full", 1.0
            copied = list(src)
            own = [framing] + fresh_text(rng, pool, int(rng.integers(0, 400)), substitution)
        else:
            kind = "partial"
            share = float(rng.uniform(0.3, 0.6))
            k = max(1, int(round(share * len(src))))
            first = int(rng.integers(0, len(src) - k + 1))
            copied = src[first:first + k]
            own_chars = int(sum(len(s) for s in copied) * rng.uniform(0.1, 1.0))
            own = [framing] + fresh_text(rng, pool, own_chars, substitution)
            share = sum(len(s) for s in copied) / max(1, sum(len(s) for s in src))
        cut = int(rng.integers(0, len(own) + 1))
        sentences = own[:cut] + copied + own[cut:]
        sentences_of.append(sentences)
        texts.append(_paragraphs(sentences, rng))
        planted["source"].append(f"doc{source:07d}")
        planted["copy"].append(f"doc{d:07d}")
        planted["kind"].append(kind)
        planted["share"].append(share)
    documents = pa.table({"id": [f"doc{d:07d}" for d in range(n_docs)], "text": texts})
    return documents, pa.table(planted)


def corpus_path(n_docs: int, seed: int) -> Path:
    return DATA_DIR / f"corpus-{n_docs}-s{seed}.parquet"


def planted_path(n_docs: int, seed: int) -> Path:
    return DATA_DIR / f"corpus-{n_docs}-s{seed}.planted.parquet"


def ensure_corpus(n_docs: int, seed: int = 42, rebuild: bool = False) -> tuple[Path, Path]:
    """Build the corpus unless it is already on disk; return (documents path, planted path)."""
    docs_path, pairs_path = corpus_path(n_docs, seed), planted_path(n_docs, seed)
    if rebuild or not (docs_path.exists() and pairs_path.exists()):
        documents, planted = build(n_docs, seed)
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        pq.write_table(documents, docs_path)
        pq.write_table(planted, pairs_path)
    return docs_path, pairs_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="number of documents (default 100,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if the files exist")
    args = parser.parse_args(argv)
    try:
        docs_path, pairs_path = ensure_corpus(args.docs, args.seed, args.rebuild)
    except MissingData as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    table = pq.read_table(docs_path)
    size = sum(len(t.encode("utf-8")) for t in table["text"].to_pylist())
    print(f"{docs_path}: {table.num_rows:,} documents, {size / 1e6:.1f} MB of text; "
          f"{pq.read_table(pairs_path).num_rows:,} planted reuse pairs in {pairs_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
