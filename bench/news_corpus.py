"""A realistic news corpus for the scale benchmark, built streaming (10M documents in bounded memory).

bench/corpus.py draws every document from one pool of ~5,000 sentences, so
unrelated documents share 5-word shingles and candidate pairs grow with the
square of the corpus. Real news is not like that: unrelated stories share
little beyond their outlets' boilerplate. Here:

- every independent story takes real sentences (the 181 article bodies of
  the article-extraction benchmark) but maps its content words through a
  story-specific permutation of the content vocabulary (an affine map modulo
  a prime: two stories' maps agree on at most one word; numbers are content
  words); function words ("the", "of", "said"...) and punctuation are kept, so text stays news-like
  while unrelated stories share almost no 5-word shingles;
- every source (a few hundred documents each, Zipf-sized) has its own
  boilerplate lines (a header on half of its pages, a footer on most), the
  chrome the clean stage learns per source;
- `--reuse` of the documents are republications of a recent document (a
  window of the last 5,000 of its batch, as news is republished within days): 40%
  full copies with a credit line naming the original's outlet, 60% partial
  copies (a contiguous 30-60% of the sentences) inside the copier's own
  text; 15% of copies copy a copy (chains). A copy's date is on or after its
  source's.

Every planted (source, copy) pair goes to `<name>.planted.parquet` with its
kind, copied share and the chain's first original, for recall. Documents are
made in independent batches of 20,000 (in parallel) and written to Parquet
batch by batch; nothing holds the whole corpus.
Seeded: the same arguments give the same files.

    .venv/bin/python bench/news_corpus.py --docs 1000000 --reuse 0.10
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from corpus import DATA_DIR, MissingData, _paragraphs, load_articles  # noqa: E402

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_CORE = re.compile(r"[^\w']+")
FUNCTION_WORDS = frozenset("""
a an the and or but nor so yet for of in on at to from by with without about above below over under into onto
out up down off than then as if when while where which who whom whose what that this these those there here
is are was were be been being am has have had do does did will would shall should can could may might must
not no it its it's he him his she her hers they them their theirs we us our ours you your yours i me my mine
said says say also just only very more most much many some any all each every other another such both either
neither one two three four five first last new after before during since until because though although
per via among between against through across around near
""".split())
CREDITS = (
    "The post {title} appeared first on {outlet}.",
    "This article was originally published by {outlet}.",
    "{outlet} reports:",
    "Read more at {outlet}.",
    "Republished with permission from {outlet}.",
    "According to {outlet},",
    "This story first appeared on {outlet}.",
)
MASTHEADS = ("Times", "Post", "Herald", "News", "Daily", "Observer", "Tribune", "Gazette", "Journal", "Chronicle",
             "Courier", "Report", "Wire", "Today", "Review")
SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("source", pa.string()), ("url", pa.string()),
                    ("date", pa.string()), ("title", pa.string())])
PLANTED_SCHEMA = pa.schema([("source", pa.string()), ("copy", pa.string()), ("kind", pa.string()),
                            ("share", pa.float64()), ("original", pa.string())])
BATCH = 20_000
WINDOW = 5_000  # documents a copy may copy from: the most recent ones
START = dt.date(2026, 1, 1)


def _largest_prime_at_most(n: int) -> int:
    def prime(k):
        return k > 1 and all(k % d for d in range(2, int(k ** 0.5) + 1))
    while not prime(n):
        n -= 1
    return n


class Vocabulary:
    """Sentences as token ids: content tokens first, by frequency, in bands of a prime size; then the kept ones.

    A story's permutation maps a content word to another of its frequency
    band (an affine map modulo the band's prime size), so common words stay
    common and the text keeps the shape of news.
    """

    def __init__(self, articles: list[str]):
        articles = [a for a in articles if _english(a)]
        sentences = [s.strip().split() for body in articles for s in _SENTENCE_END.split(body) if len(s.strip()) > 20]
        counts = Counter(t for s in sentences for t in s)
        # Numbers are content too: a story's figures are its own (kept, two stories sharing a
        # source sentence would share "between 0.6 and 0.7").
        content = [t for t, _ in counts.most_common() if _CORE.sub("", t.lower()) not in FUNCTION_WORDS
                   and any(c.isalnum() for c in t)]
        starts, sizes, at = [], [], 0
        for want in (97, 997, 4999, len(content)):
            size = _largest_prime_at_most(min(want, len(content) - at))
            if size < 2:
                break
            starts.append(at)
            sizes.append(size)
            at += size
        self.prime = at  # content ids below this are permuted, band by band
        self.band_primes = sorted(set(sizes))
        self.band_start = np.repeat(np.array(starts, np.int64), sizes)
        self.band_size = np.repeat(np.array(sizes, np.int64), sizes)
        mapped = content[:self.prime]
        kept = sorted(set(counts) - set(mapped))
        self.words = np.array(mapped + kept, dtype=object)
        number = {t: i for i, t in enumerate(self.words.tolist())}
        self.sentences = [np.array([number[t] for t in s], dtype=np.int64) for s in sentences]
        self.mean_chars = float(np.mean([sum(len(t) + 1 for t in s) for s in sentences]))

    def story(self, rng: np.random.Generator, chars: int, key: tuple[int, int]) -> list[str]:
        """Sentences of about `chars` characters, content words mapped by the story's permutation `key`."""
        n = max(1, int(round(chars / self.mean_chars)))
        chosen = [self.sentences[i] for i in rng.integers(0, len(self.sentences), size=n)]
        ids = np.concatenate(chosen)
        a, b = key
        content = ids < self.prime
        c = ids[content]
        start, size = self.band_start[c], self.band_size[c]
        ids[content] = start + (a * (c - start) + b) % size
        words = self.words[ids].tolist()
        out, at = [], 0
        for s in chosen:
            out.append(" ".join(words[at:at + len(s)]))
            at += len(s)
        out[0] = out[0][:1].upper() + out[0][1:]
        return out

    def key(self, rng: np.random.Generator) -> tuple[int, int]:
        # a is never a multiple of a band's prime size, so the map is a permutation of every band.
        a = int(rng.integers(1, 10**9))
        while any(a % p == 0 for p in self.band_primes):
            a += 1
        return a, int(rng.integers(0, 10**9))

    def name(self, rng: np.random.Generator) -> str:
        word = self.words[int(rng.integers(0, min(self.prime, 3000)))]
        return _CORE.sub("", word).capitalize() or "Metro"


def _english(text: str) -> bool:
    words = [_CORE.sub("", t.lower()) for t in text.split()]
    return len(words) > 0 and sum(w in FUNCTION_WORDS for w in words) / len(words) > 0.3


class Sources:
    """Outlets: a name, a site, and boilerplate lines of their own."""

    def __init__(self, vocab: Vocabulary, rng: np.random.Generator, n_docs: int):
        n = max(20, n_docs // 400)
        self.weights = 1.0 / np.arange(1, n + 1) ** 0.8
        self.weights /= self.weights.sum()
        self.names, self.sites, self.headers, self.footers = [], [], [], []
        for k in range(n):
            name = f"The {vocab.name(rng)} {MASTHEADS[k % len(MASTHEADS)]}"
            slug = re.sub(r"\W+", "", name.lower())[3:] + (str(k) if k >= len(MASTHEADS) else "")
            own = vocab.key(rng)
            self.names.append(name)
            self.sites.append(f"https://www.{slug}.com")
            self.headers.append(f"{name} | Home | World | Politics | Business | Sport | Opinion")
            self.footers.append("\n".join([
                f"Sign up for the {name} newsletter: {vocab.story(rng, 80, own)[0]}",
                f"Follow {name} on Facebook and Twitter.",
                f"Copyright 2026 {name}. All rights reserved.",
            ]))

    def pick(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.choice(len(self.names), size=n, p=self.weights)


_MADE: dict = {}


def _makings(n_docs: int, seed: int) -> tuple[Vocabulary, Sources]:
    """The vocabulary and the outlets, the same in every process (seeded by `seed` alone)."""
    if (n_docs, seed) not in _MADE:
        vocab = Vocabulary(load_articles())
        _MADE.clear()
        _MADE[(n_docs, seed)] = vocab, Sources(vocab, np.random.default_rng(seed), n_docs)
    return _MADE[(n_docs, seed)]


def generate_batch(n_docs: int, seed: int, reuse: float, number: int) -> tuple[pa.Table, pa.Table]:
    """Documents first..first+BATCH of the corpus and their planted pairs; batches are independent.

    Each batch has its own random stream, so batches are made in parallel and
    the corpus is the same whatever the number of processes; a copy's source
    is a recent document of its batch.
    """
    vocab, sources = _makings(n_docs, seed)
    rng = np.random.default_rng([seed, number])
    first = number * BATCH
    count = min(BATCH, n_docs - first)
    days = max(30, n_docs // 3000)
    recent: dict[int, tuple] = {}  # doc -> (body sentences, outlet, title, original)
    lengths = np.clip(rng.lognormal(np.log(2200), 0.7, size=count), 300, 30_000).astype(int)
    is_copy = rng.random(count) < reuse
    outlet = sources.pick(rng, count)
    docs = {name: [] for name in SCHEMA.names}
    planted = {name: [] for name in PLANTED_SCHEMA.names}
    for k in range(count):
        d = first + k
        src = int(outlet[k])
        day = d * days // n_docs  # documents are in date order: a copy comes after its source
        if is_copy[k] and k > 0:
            pool = [first + int(x) for x in rng.integers(max(0, k - WINDOW), k, size=3)]
            body, title, original = _copy(rng, vocab, sources, recent, pool, int(lengths[k]), d, planted)
        else:
            body = vocab.story(rng, int(lengths[k]), vocab.key(rng))
            title, original = " ".join(body[0].split()[:8]), d
        recent[d] = (body, src, title, original)
        recent.pop(d - WINDOW, None)
        text = _paragraphs(body, rng)
        if rng.random() < 0.5:
            text = sources.headers[src] + "\n" + text
        if rng.random() < 0.8:
            text = text + "\n" + sources.footers[src]
        date = (START + dt.timedelta(days=day)).isoformat()
        docs["id"].append(f"n{d:08d}")
        docs["text"].append(text)
        docs["source"].append(sources.names[src])
        docs["url"].append(f"{sources.sites[src]}/{date}/{d}")
        docs["date"].append(date)
        docs["title"].append(title)
    return pa.table(docs, schema=SCHEMA), pa.table(planted, schema=PLANTED_SCHEMA)


def _batch(args) -> tuple[pa.Table, pa.Table]:
    return generate_batch(*args)


def _copy(rng, vocab: Vocabulary, sources: Sources, recent: dict, pool: list[int], length: int, d: int,
          planted: dict) -> tuple[list[str], str, int]:
    """Body of a republication of one of `pool` (its source is recorded in `planted`)."""
    originals = [x for x in pool if recent[x][3] == x]
    # Most copies copy an original; some copy a copy (a chain).
    source = originals[0] if originals and rng.random() >= 0.15 else pool[0]
    body, from_outlet, title, original = recent[source]
    credit = CREDITS[int(rng.integers(len(CREDITS)))].format(title=title, outlet=sources.names[from_outlet])
    if rng.random() < 0.4:
        kind, share = "full", 1.0
        own = vocab.story(rng, int(rng.integers(60, 400)), vocab.key(rng))
        copied = list(body)
        sentences = ([credit] + copied + own[:1]) if credit.endswith((":", ",")) else (copied + own[:1] + [credit])
    else:
        kind = "partial"
        k = max(1, int(round(rng.uniform(0.3, 0.6) * len(body))))
        start = int(rng.integers(0, len(body) - k + 1))
        copied = body[start:start + k]
        own = vocab.story(rng, max(200, int(length * rng.uniform(0.3, 1.0))), vocab.key(rng))
        cut = int(rng.integers(0, len(own) + 1))
        sentences = own[:cut] + ([credit] if rng.random() < 0.5 else []) + copied + own[cut:]
        share = sum(map(len, copied)) / max(1, sum(map(len, body)))
    planted["source"].append(f"n{source:08d}")
    planted["copy"].append(f"n{d:08d}")
    planted["kind"].append(kind)
    planted["share"].append(float(share))
    planted["original"].append(f"n{original:08d}")
    return sentences, title if kind == "full" else " ".join(sentences[0].split()[:8]), original


def corpus_path(n_docs: int, reuse: float, seed: int) -> Path:
    return DATA_DIR / f"news-{n_docs}-r{int(round(reuse * 100)):02d}-s{seed}.parquet"


def planted_path(path: Path) -> Path:
    return path.with_name(path.stem + ".planted.parquet")


def sample_path(n_docs: int, batches: int, reuse: float, seed: int) -> Path:
    return DATA_DIR / f"news-{n_docs}-r{int(round(reuse * 100)):02d}-s{seed}-sample{batches}.parquet"


def sample_batches(n_docs: int, batches: int) -> list[int]:
    """`batches` batch numbers spread evenly over the corpus of `n_docs` (first and last included)."""
    total = (n_docs + BATCH - 1) // BATCH
    return sorted({int(round(i * (total - 1) / max(1, batches - 1))) for i in range(batches)})


def ensure_corpus(n_docs: int, reuse: float = 0.10, seed: int = 42, rebuild: bool = False,
                  workers: int = os.cpu_count() or 1, sample: int | None = None) -> Path:
    """Write the corpus (and its planted pairs) unless it is on disk; return the documents path.

    With `sample`, only that many of its batches, spread over the whole corpus
    (the same documents as in the whole corpus: batches are independent), for
    measuring shards of a corpus too large for the disk.
    """
    path = sample_path(n_docs, sample, reuse, seed) if sample else corpus_path(n_docs, reuse, seed)
    if path.exists() and planted_path(path).exists() and not rebuild:
        return path
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    tmp, tmp_planted = path.with_suffix(".tmp"), planted_path(path).with_suffix(".tmp")
    numbers = sample_batches(n_docs, sample) if sample else range((n_docs + BATCH - 1) // BATCH)
    jobs = [(n_docs, seed, reuse, number) for number in numbers]
    # zstd: the 10M corpus is ~40% smaller than with snappy, so it fits on the disk beside its scan.
    with pq.ParquetWriter(tmp, SCHEMA, compression="zstd") as docs, \
            pq.ParquetWriter(tmp_planted, PLANTED_SCHEMA, compression="zstd") as pairs, \
            ProcessPoolExecutor(min(workers, len(jobs))) as pool:
        for documents, planted in pool.map(_batch, jobs):
            docs.write_table(documents, row_group_size=BATCH)
            pairs.write_table(planted)
    os.replace(tmp_planted, planted_path(path))
    os.replace(tmp, path)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--reuse", type=float, default=0.10, help="share of documents that are copies")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        path = ensure_corpus(args.docs, args.reuse, args.seed, args.rebuild)
    except MissingData as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    meta = pq.ParquetFile(path).metadata
    print(f"{path}: {meta.num_rows:,} documents, {path.stat().st_size / 1e6:.0f} MB on disk, "
          f"{pq.ParquetFile(planted_path(path)).metadata.num_rows:,} planted pairs "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
