"""Index speed: adds (documents per second) and query latency of one 5 KB article, on generated news-like text.

    .venv/bin/python bench/index_bench.py --docs 100000 300000

For each size, an index is built from scratch in daily batches (`--batch`
documents per transaction) of generated articles of about 5 KB; one in ten
carries a passage of an earlier article (so adds find and verify real pairs).
Adds defer explanation by default (`--defer-explain`), then one
`explain_pending` pass aligns and traces every family; both rates are
reported (`--explain-on-add` explains inside each add instead). Then `--queries` articles of about 5 KB are looked up: half
carry part of an indexed article, half are new. Query latency is reported for
the full answer (fingerprint, band lookup, verification, alignment,
provenance) and for matching alone (no alignment or provenance).
Results go to bench/results/index_bench.json and are printed as Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from copytrace.index import Store, add_documents, explain_pending, search_text  # noqa: E402

HERE = Path(__file__).resolve().parent
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def vocabulary(size: int, rng) -> np.ndarray:
    lengths = rng.integers(2, 11, size)
    return np.array(["".join(LETTERS[rng.integers(0, 26, n)]) for n in lengths])


class Corpus:
    """Zipf-distributed words in sentences; articles of about `chars` characters."""

    def __init__(self, seed: int = 7, vocab: int = 50_000, chars: int = 5_000):
        self.rng = np.random.default_rng(seed)
        self.words = vocabulary(vocab, self.rng)
        ranks = np.arange(1, vocab + 1)
        weights = 1.0 / ranks**1.05
        self.cdf = np.cumsum(weights / weights.sum())
        self.n_words = chars // 7  # mean word length plus space and punctuation

    def text(self, n_words: int | None = None) -> str:
        n = n_words or self.n_words
        idx = np.searchsorted(self.cdf, self.rng.random(n))
        words = self.words[idx]
        sentence_ends = np.cumsum(self.rng.integers(12, 30, n // 12 + 2))
        pieces = words.tolist()
        for k, end in enumerate(sentence_ends[sentence_ends < n]):
            pieces[end - 1] += ".\n\n" if k % 3 == 2 else "."  # paragraphs of three sentences
        return " ".join(pieces) + "."

    def reuse(self, source: str, share: float) -> str:
        """A copy carrying `share` of the source's words in one run, with new text around it."""
        words = source.split(" ")
        take = max(40, int(len(words) * share))
        start = int(self.rng.integers(0, max(1, len(words) - take)))
        framing = self.text(int(self.n_words * (1 - share) / 2))
        return framing + "\n\n" + " ".join(words[start:start + take]) + "\n\n" + framing


def batches(corpus: Corpus, total: int, batch: int, reuse_every: int = 10):
    recent: list[str] = []
    made = 0
    while made < total:
        n = min(batch, total - made)
        ids, texts = [], []
        for k in range(made, made + n):
            if recent and k % reuse_every == 0:
                text = corpus.reuse(recent[int(corpus.rng.integers(0, len(recent)))], float(corpus.rng.uniform(0.4, 0.9)))
            else:
                text = corpus.text()
            ids.append(f"doc-{k}")
            texts.append(text)
            if len(recent) < 2000 or k % 50 == 0:
                recent.append(text) if len(recent) < 2000 else recent.__setitem__(int(corpus.rng.integers(0, 2000)), text)
        made += n
        dates = [f"2026-{1 + (k // 30) % 12:02d}-{1 + k % 28:02d}" for k in range(made - n, made)]
        yield pa.table({"id": ids, "text": texts, "date": dates}), recent


def build(path: Path, docs: int, batch: int, corpus: Corpus, explain: bool) -> tuple[dict, list[str]]:
    if path.exists():
        path.unlink()
    wal = Path(str(path) + ".wal")
    if wal.exists():
        wal.unlink()
    store = Store.create(path)
    rows, added, adding, recent = [], 0, 0.0, []
    for table, recent in batches(corpus, docs, batch):
        t0 = time.perf_counter()
        report = add_documents(store, table, explain=explain)
        seconds = time.perf_counter() - t0
        adding += seconds  # generating the batch is not counted
        added += report.added
        rows.append({"indexed_after": added, "docs": report.added, "seconds": round(seconds, 2),
                     "docs_per_s": round(report.added / seconds), "pairs": report.pairs})
        print(f"  add: {added:>9,} indexed, batch of {report.added:,} in {seconds:.1f} s "
              f"({report.added / seconds:,.0f} docs/s, {report.pairs} pairs)", flush=True)
    explained = explain_pending(store)
    print(f"  explain pending: {explained['families']:,} families in {explained['seconds']:.1f} s", flush=True)
    t0 = time.perf_counter()
    stats = store.stats()
    store.close()  # the checkpoint: band index and tables written to the main file
    closing = time.perf_counter() - t0
    total = adding + explained["seconds"] + closing
    text_bytes = sum(len(t.encode()) for t in recent[:1000]) / max(1, len(recent[:1000]))
    return {"docs": docs, "explain_on_add": explain, "add_seconds": round(adding, 1),
            "add_docs_per_s": round(docs / adding), "explain_seconds": explained["seconds"],
            "close_checkpoint_seconds": round(closing, 1),
            "seconds": round(total, 1), "docs_per_s": round(docs / total), "batches": rows,
            "mean_doc_bytes": round(text_bytes), "file_mb": round(path.stat().st_size / 1e6),
            "band_rows": stats["band_rows"], "pairs": stats["pairs"], "families": stats["families_with_copies"]}, recent


def percentiles(values: list[float]) -> dict:
    ms = np.array(values) * 1000
    return {"median_ms": round(float(np.median(ms)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "mean_ms": round(float(ms.mean()), 2), "max_ms": round(float(ms.max()), 2)}


def query(path: Path, corpus: Corpus, recent: list[str], n: int) -> dict:
    queries = []
    for k in range(n):
        queries.append(corpus.reuse(recent[int(corpus.rng.integers(0, len(recent)))], 0.6) if k % 2 == 0
                       else corpus.text())
    out = {"queries": n, "mean_query_bytes": round(float(np.mean([len(q.encode()) for q in queries])))}
    with Store(path, read_only=True) as store:
        for q in queries[:10]:  # warm: compiled kernels, the first pages of the ART index
            search_text(store, q)
        for label, explain in (("full", True), ("match_only", False)):
            times, found = [], 0
            for q in queries:
                t0 = time.perf_counter()
                result = search_text(store, q, with_explain=explain)
                times.append(time.perf_counter() - t0)
                found += bool(result.pairs.num_rows)
            out[label] = {**percentiles(times), "queries_with_matches": found}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[100_000])
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--dir", type=Path, default=HERE / "data")
    parser.add_argument("--keep", action="store_true", help="Keep the index files.")
    parser.add_argument("--explain-on-add", action="store_true",
                        help="Align and trace inside each add (default: adds defer it, then one explain pass).")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "runs": []}
    for docs in args.docs:
        print(f"index of {docs:,} documents", flush=True)
        path = args.dir / f"index-{docs}.duckdb"
        corpus = Corpus()
        built, recent = build(path, docs, args.batch, corpus, args.explain_on_add)
        measured = query(path, corpus, recent, args.queries)
        results["runs"].append({"build": built, "query": measured})
        print(json.dumps({"build": {k: v for k, v in built.items() if k != "batches"}, "query": measured}), flush=True)
        if not args.keep:
            path.unlink()
    out = HERE / "results" / "index_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print("\n| indexed docs | adds docs/s | with explaining docs/s | query median (full) | query p99 (full) "
          "| median (match only) | p99 (match only) |")
    print("|---|---|---|---|---|---|---|")
    for run in results["runs"]:
        b, q = run["build"], run["query"]
        print(f"| {b['docs']:,} | {b['add_docs_per_s']:,} | {b['docs_per_s']:,} | {q['full']['median_ms']} ms | "
              f"{q['full']['p99_ms']} ms | {q['match_only']['median_ms']} ms | {q['match_only']['p99_ms']} ms |")


if __name__ == "__main__":
    main()
