"""Main-text extraction on the Article Extraction Benchmark: accuracy and pages per second.

Accuracy uses the benchmark's own measure (its evaluate.py): texts are cut
into `\\w+` tokens and 4-token shingles counted as a multiset; per page, true
positives, false positives and false negatives are normalized to sum to 1;
precision and recall are averaged over pages (precision over pages with any
prediction, recall over pages with any truth) and F1 is taken from the two
means.

Rows:
- copytrace ingest+extract: what `copytrace scan` does to a folder of .html.gz
  pages: read, decode, extract main text (trafilatura `bare_extraction(fast=True)`)
  and metadata (title, date, url, site name, author), in N worker processes;
- copytrace ingest+extract+chrome: the same, then chrome-line removal;
- trafilatura.extract (peer): the benchmark's own trafilatura runner
  (`extract(html, include_comments=False)`, default fallbacks, no
  metadata), one process, pages decoded beforehand.

Every timed run is a fresh Python process (nothing one run warmed up, such as
htmldate's caches or dateparser's locale data, helps the next); the clock
starts once the modules are imported (that time, with pandas, which pyarrow
loads on the first table it builds, is shown apart) and stops
when the last page's text and metadata are back, worker start-up and exit
included. CPU counts the run's process and its workers.

Usage: python bench/extraction_bench.py [--data ../shared/data/article-extraction-benchmark] [--workers 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


DEFAULT_DATA = REPO.parent / "shared" / "data" / "article-extraction-benchmark"
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def page_counts(truth: str, prediction: str) -> tuple[float, float, float]:
    """Normalized (tp, fp, fn) of one page, as the benchmark computes them."""
    t, p = shingles(truth), shingles(prediction)
    tp, fp, fn = sum((t & p).values()), sum((p - t).values()), sum((t - p).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def scores(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, float]:
    counts = [page_counts(truth[k], predicted.get(k) or "") for k in truth]

    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fp == 0 else tp / (tp + fp))

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else (0.0 if tp == fn == 0 else tp / (tp + fn))

    p = statistics.mean(precision(*c) for c in counts if c[0] + c[1] > 0)
    r = statistics.mean(recall(*c) for c in counts if c[0] + c[2] > 0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r), "empty": sum(not predicted.get(k) for k in truth)}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the extraction workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def copytrace_run(html_dir: Path, workers: int, chrome: bool) -> tuple[dict[str, str], float, float]:
    from copytrace.stages.clean import CleanSettings, ExtractSettings, clean_stage
    from copytrace.io import read_inputs

    started, cpu = time.perf_counter(), cpu_seconds()
    ingested = read_inputs([html_dir])
    options = CleanSettings(chrome_removal=chrome, extract=ExtractSettings(workers=workers))
    cleaned = clean_stage(ingested.documents, options)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    ids = cleaned.documents["id"].to_pylist()
    texts = cleaned.documents["text"].to_pylist()
    return {i.split(".")[0]: t for i, t in zip(ids, texts)}, seconds, cpu


def peer_run(html_dir: Path) -> tuple[dict[str, str], float, float]:
    import trafilatura

    pages = {p.name.split(".")[0]: gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
             for p in sorted(html_dir.glob("*.html.gz"))}
    started, cpu = time.perf_counter(), cpu_seconds()
    out = {k: trafilatura.extract(html, include_comments=False) or "" for k, html in pages.items()}
    return out, time.perf_counter() - started, cpu_seconds() - cpu


def _burn(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def free_core_speedup(workers: int) -> float:
    """How much faster `workers` processes run a pure-Python loop than one: the cores this run really had."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    work = [2_000_000] * (4 * workers)
    started = time.perf_counter()
    [_burn(n) for n in work]
    serial = time.perf_counter() - started
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        started = time.perf_counter()
        list(pool.map(_burn, work))
        parallel = time.perf_counter() - started
    return serial / parallel


def child_run(row: str, html_dir: Path, workers: int) -> None:
    """One timed run in this fresh process: prints imports seconds, run seconds, CPU seconds and texts as JSON."""
    started = time.perf_counter()
    import trafilatura  # noqa: F401  (both rows pay the extractor's import outside the clock)

    import pyarrow as pa

    import copytrace.stages.clean
    import copytrace.io

    if row != "peer":
        pa.table({"first": [0]})  # pyarrow imports pandas on its first table: once a process, counted with the imports
    imports = time.perf_counter() - started
    if row == "peer":
        predicted, seconds, cpu = peer_run(html_dir)
    else:
        predicted, seconds, cpu = copytrace_run(html_dir, workers, row == "chrome")
    json.dump({"imports": imports, "seconds": seconds, "cpu": cpu, "texts": predicted}, sys.stdout)


def timed_runs(row: str, args) -> tuple[dict[str, str], list[float], list[float], list[float]]:
    """`args.repeat` runs of a row, each in a fresh interpreter."""
    predicted, timings, cpus, imports = {}, [], [], []
    for _ in range(args.repeat):
        command = [sys.executable, __file__, "--child", row, "--data", str(args.data), "--workers", str(args.workers)]
        out = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
        predicted = out["texts"]
        timings.append(out["seconds"])
        cpus.append(out["cpu"])
        imports.append(out["imports"])
    return predicted, timings, cpus, imports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per row, each in a fresh process; the best is reported")
    parser.add_argument("--child", choices=("extract", "one", "chrome", "peer"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    html_dir = args.data / "html"
    if args.child:
        child_run(args.child, html_dir, 1 if args.child == "one" else args.workers)
        return
    truth_file = args.data / "ground-truth.json"
    if not truth_file.is_file():
        print(f"skipped: {args.data} is absent")
        return
    truth = {k: v["articleBody"] for k, v in json.loads(truth_file.read_text(encoding="utf-8")).items()}
    n = len(truth)
    print(f"{n} pages, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    rows = []
    for name, row in (
        (f"copytrace ingest+extract, {args.workers} processes", "extract"),
        ("copytrace ingest+extract, 1 process", "one"),
        (f"copytrace ingest+extract+chrome, {args.workers} processes", "chrome"),
        ("trafilatura.extract (peer), 1 process", "peer"),
    ):
        predicted, timings, cpus, imports = timed_runs(row, args)
        rows.append((name, scores(truth, predicted), n / min(timings), 1000 * min(cpus) / n, min(imports),
                     n / statistics.median(timings)))
    peer_rate = rows[-1][2]
    print(f"{'run':<52} {'P':>6} {'R':>6} {'F1':>6} {'empty':>5} {'pages/s':>8} {'median':>7} {'x peer':>7} "
          f"{'CPU ms/page':>12} {'imports s':>9}")
    for name, s, rate, cpu_ms, imports, median_rate in rows:
        print(f"{name:<52} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['empty']:5d} "
              f"{rate:8.1f} {median_rate:7.1f} {rate / peer_rate:7.2f} {cpu_ms:12.1f} {imports:9.2f}")
    print(f"load average after the runs: {os.getloadavg()[0]:.2f}; a pure-Python loop ran "
          f"{free_core_speedup(args.workers):.2f}x faster on {args.workers} processes than on 1 just after")


if __name__ == "__main__":
    main()
