"""Index speed: adds (documents per second) over a whole build, and query latency of 5 KB articles.

    .venv/bin/python bench/index_bench.py --docs 1000000 --batch 50000 --queries 400

An index is built from scratch in batches (`--batch` documents per add, one
transaction each) of generated news-like articles of about 3 KB
(`bench/index_corpus.py`: Zipf words, one in ten carries 40 to 90% of an
earlier article). Adds run as `copytrace index add --defer-explain` does:
fingerprint, band lookup against the index, exact verification, families,
insert; the families they touch are left for `explain_pending`, and queries
explain their own matches. Generating the text is not counted. Then
`--queries` articles of about 5 KB are looked up (half carry 60% of an
indexed article, half are new), through the full answer (fingerprint, band
lookup, fetching candidate texts, verification, alignment, provenance) and
through matching alone. Every figure is given as wall time and CPU seconds
of this process, with the load average before and after, since the machine
is shared. Results go to bench/results/index_bench.json and are printed as
Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from index_corpus import ArticleGenerator  # noqa: E402

from copytrace.index import Store, add_documents, search_text  # noqa: E402
from copytrace.index.parts import parts_dir  # noqa: E402


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def remove_index(path: Path) -> None:
    for p in (path, Path(str(path) + ".wal")):
        p.unlink(missing_ok=True)
    seg = parts_dir(path)
    if seg.is_dir():
        for f in seg.iterdir():
            f.unlink()
        seg.rmdir()


def warm_up(directory: Path, generator: ArticleGenerator) -> float:
    """Compile (or load from numba's cache) every kernel of an add on a throwaway index, outside the timing."""
    path = directory / "warm-up.duckdb"
    remove_index(path)
    t0 = time.perf_counter()
    with Store.create(path) as store:
        for first in (0, 300):
            add_documents(store, pa.table({"id": [f"w-{k}" for k in range(first, first + 300)],
                                           "text": generator.batch(first, 300)}), explain=False)
    remove_index(path)
    return time.perf_counter() - t0


def build(path: Path, docs: int, batch: int, generator: ArticleGenerator) -> dict:
    remove_index(path)
    warm_seconds = warm_up(path.parent, generator)
    store = Store.create(path)
    rows, added, wall, cpu, generating, text_bytes, pairs = [], 0, 0.0, 0.0, 0.0, 0, 0
    load_before = os.getloadavg()
    for first in range(0, docs, batch):
        n = min(batch, docs - first)
        g0 = time.perf_counter()
        texts = generator.batch(first, n)
        table = pa.table({"id": pa.array([f"doc-{k}" for k in range(first, first + n)]), "text": texts,
                          "date": pa.array([f"2026-{1 + (k // 30) % 12:02d}-{1 + k % 28:02d}"
                                            for k in range(first, first + n)])})
        generating += time.perf_counter() - g0
        text_bytes += texts.nbytes
        t0, c0 = time.perf_counter(), cpu_seconds()
        report = add_documents(store, table, explain=False)
        seconds, cpu_used = time.perf_counter() - t0, cpu_seconds() - c0
        wall += seconds
        cpu += cpu_used
        added += report.added
        pairs += report.pairs
        rows.append({"indexed_after": added, "seconds": round(seconds, 2), "cpu_seconds": round(cpu_used, 2),
                     "docs_per_s": round(report.added / seconds), "pairs": report.pairs,
                     "load_1m": os.getloadavg()[0]})
        print(f"  add: {added:>9,} indexed, batch of {report.added:,} in {seconds:.1f} s, {cpu_used:.1f} CPU s "
              f"({report.added / seconds:,.0f} docs/s, {report.pairs} pairs, load {os.getloadavg()[0]:.1f})",
              flush=True)
    t0 = time.perf_counter()
    stats = store.stats()
    store.close()  # the closing checkpoint writes the tables into the main file
    closing = time.perf_counter() - t0
    seg_bytes = sum(f.stat().st_size for f in parts_dir(path).iterdir())
    return {"docs": added, "batch": batch, "add_seconds": round(wall, 1), "add_cpu_seconds": round(cpu, 1),
            "add_docs_per_s": round(added / wall), "add_docs_per_cpu_s": round(added / cpu),
            "close_checkpoint_seconds": round(closing, 1), "generate_seconds": round(generating, 1),
            "warm_up_seconds": round(warm_seconds, 1),
            "mean_doc_bytes": round(text_bytes / max(1, added)), "pairs": pairs,
            "duckdb_mb": round(path.stat().st_size / 1e6), "segments_mb": round(seg_bytes / 1e6),
            "band_rows": stats["band_rows"], "band_segments": stats["band_segments"],
            "families": stats["families_with_copies"], "load_before": load_before,
            "load_after": os.getloadavg(), "batches": rows}


def percentiles(values: list[float]) -> dict:
    ms = np.array(values) * 1000
    return {"median_ms": round(float(np.median(ms)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
            "mean_ms": round(float(ms.mean()), 2), "max_ms": round(float(ms.max()), 2)}


def query(path: Path, generator: ArticleGenerator, indexed: int, n: int, seed: int = 99) -> dict:
    rng = np.random.default_rng(seed)
    queries = [generator.query(rng, indexed) for _ in range(n + 20)]
    warm, queries = queries[:20], queries[20:]
    out = {"queries": n, "mean_query_bytes": round(float(np.mean([len(q.encode()) for q, _ in queries]))),
           "load_before": os.getloadavg()}
    t0 = time.perf_counter()
    store = Store(path, read_only=True, prefault=True)  # opened as `copytrace serve` opens it
    out["open_ms"] = round((time.perf_counter() - t0) * 1000, 1)
    try:
        for text, _ in warm:  # compiled kernels, the first pages of the segments and the table
            search_text(store, text)
        for label, explain in (("full", True), ("match_only", False)):
            times, cpus, found, missed, stages = [], [], 0, 0, {}
            for text, source in queries:
                t0, c0 = time.perf_counter(), time.thread_time()
                result = search_text(store, text, with_explain=explain)
                times.append(time.perf_counter() - t0)
                cpus.append(time.thread_time() - c0)
                ids = set(result.pairs["a"].to_pylist())
                found += bool(ids)
                missed += source is not None and f"doc-{source}" not in ids
                for stage, ms in result.timings.items():
                    stages.setdefault(stage, []).append(ms)
            out[label] = {**percentiles(times), "cpu": percentiles(cpus), "queries_with_matches": found,
                          "planted_sources_missed": missed,
                          "stage_median_ms": {k: round(float(np.median(v)), 2) for k, v in stages.items()},
                          "stage_p99_ms": {k: round(float(np.percentile(v, 99)), 2) for k, v in stages.items()}}
    finally:
        store.close()
    out["load_after"] = os.getloadavg()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--doc-bytes", type=int, default=3000, help="Mean size of an indexed article.")
    parser.add_argument("--dir", type=Path, default=HERE / "data")
    parser.add_argument("--keep", action="store_true", help="Keep the index (and reuse it with --query-only).")
    parser.add_argument("--query-only", action="store_true", help="Query a kept index of --docs documents.")
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / f"index-{args.docs}.duckdb"
    generator = ArticleGenerator(seed=7, mean_bytes=args.doc_bytes)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "command": " ".join(sys.argv)}
    if args.query_only:
        result["build"] = None
    else:
        print(f"building an index of {args.docs:,} documents", flush=True)
        result["build"] = build(path, args.docs, args.batch, generator)
        print(json.dumps({k: v for k, v in result["build"].items() if k != "batches"}), flush=True)
    result["query"] = query(path, generator, args.docs, args.queries)
    print(json.dumps(result["query"]), flush=True)
    if not args.keep:
        remove_index(path)
    out = HERE / "results" / "index_bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    b, q = result["build"], result["query"]
    print("\n| indexed docs | adds docs/s (wall) | adds docs per CPU s | query median full | p99 full "
          "| median match only | p99 match only |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.docs:,} | {b['add_docs_per_s'] if b else '-'} | {b['add_docs_per_cpu_s'] if b else '-'} "
          f"| {q['full']['median_ms']} ms | {q['full']['p99_ms']} ms | {q['match_only']['median_ms']} ms "
          f"| {q['match_only']['p99_ms']} ms |")


if __name__ == "__main__":
    main()
