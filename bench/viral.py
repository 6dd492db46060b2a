"""One story republished by N outlets among other documents: is a big family explained at linear cost?

    .venv/bin/python bench/viral.py --copies 100,1000,10000 --background 100000
    .venv/bin/python bench/viral.py --copies 100,1000 --background 5000      # a quick run

The story is the longest English article of ../shared/data/ntrex. Each copy
is its own outlet's: a cut (the bottom dropped, a paragraph or two skipped),
a framing lead of its own (sentences of other ntrex articles), the outlet's
header and footer (chrome), a credit line on a third of them, a date one to
72 hours after the original; a few carry a page template's year ("2017-05")
and a few no date at all. The background is `bench/news_corpus.py`'s
independent stories (no reuse). Each size runs in its own process (peak
memory is that process's): a scan without explaining, then the explain
stage alone (`engines.memory.explain_pairs`: plan, align, trace), timed.

Records: documents, candidate and kept pairs, pairs explained (aligned),
explain seconds and seconds per copy, the whole scan's wall and CPU seconds
(and each stage's), peak memory after the scan and after explaining, output
sizes (pairs.parquet, families.parquet, the whole folder), the family's
size and tree, and whether the original found is the earliest-dated member
(the wire story: its date is the earliest clean one by construction).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NT = ROOT.parent / "shared" / "data" / "ntrex"


def ntrex_articles() -> list[list[str]]:
    ids = [line.split("\t")[-1].strip() for line in (NT / "DOCUMENT_IDS.tsv").read_text().splitlines()]
    docs: dict[str, list[str]] = {}
    for doc, line in zip(ids, (NT / "eng.txt").read_text().splitlines()):
        docs.setdefault(doc, []).append(line)
    return list(docs.values())


def viral_rows(copies: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    articles = ntrex_articles()
    story = max(articles, key=len)
    others = [a for a in articles if a is not story]
    rows = [{"id": "wire", "text": "\n\n".join(["By Staff, Wire News"] + story), "source": "Wire News",
             "url": "https://wirenews.example/story", "date": "2022-03-01T06:00:00+00:00"}]
    for k in range(copies):
        keep = len(story) - rng.randrange(0, max(1, len(story) // 2))  # the bottom cut
        body = [p for i, p in enumerate(story[:keep]) if i < 2 or rng.random() > 0.15]
        lead = " ".join(rng.sample(rng.choice(others), 2))
        outlet = f"Outlet {k}"
        parts = [f"{outlet} | Home | World | Politics", lead, *body]
        if rng.random() < 0.33:
            parts.append(rng.choice(("Originally published by Wire News.", "Source: Wire News",
                                     "This story first appeared on Wire News.")))
        parts.append(f"© 2022 {outlet}. All rights reserved.")
        hours = 1 + rng.random() * 71
        date = None if rng.random() < 0.03 else "2017-05" if rng.random() < 0.02 else \
            time.strftime("%Y-%m-%dT%H:%M:00+00:00", time.gmtime(1646114400 + hours * 3600))
        rows.append({"id": f"copy{k:05d}", "text": "\n\n".join(parts), "source": outlet,
                     "url": f"https://outlet{k}.example/news/{k}", "date": date})
    return rows


def background_rows(n: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    from news_corpus import BATCH, generate_batch

    rows = []
    for number in range((n + BATCH - 1) // BATCH):
        table, _ = generate_batch(n, 11, 0.0, number)
        rows += table.select(["id", "text", "source", "url", "date"]).to_pylist()
    return rows[:n]


class StageClock:
    """A silent progress that keeps each stage's wall and CPU seconds (this process: numba threads count)."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextmanager
    def task(self, description: str, total=None):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield lambda n=1: None
        finally:
            self.wall[description] = round(self.wall.get(description, 0.0) + time.perf_counter() - wall, 2)
            self.cpu[description] = round(self.cpu.get(description, 0.0) + time.process_time() - cpu, 2)


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def folder_bytes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.is_file()}


def one(copies: int, background: int) -> dict:
    """One size, in this process."""
    import copytrace
    from copytrace.engines.memory import explain_pairs
    from copytrace.progress import Progress
    from copytrace.settings import ScanSettings

    work = Path(tempfile.mkdtemp(prefix="viral-"))
    # Warm up (imports, compiled regexes, numba caches) on three documents, so the timing is the work's.
    warm = work / "warm.jsonl"
    warm.write_text("".join(json.dumps(r) + "\n" for r in viral_rows(3)))
    copytrace.scan(warm)
    path = work / "docs.jsonl"
    rows = viral_rows(copies) + background_rows(background)
    with open(path, "w") as handle:
        for r in rows:
            handle.write(json.dumps(r) + "\n")
    del rows
    clock = StageClock()
    started, cpu = time.perf_counter(), time.process_time()
    result = copytrace.scan(path, settings=ScanSettings(explain=False), progress=clock)
    scanned, scan_cpu, scan_peak = time.perf_counter() - started, time.process_time() - cpu, peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    tables = explain_pairs(result.documents, result.pairs, ScanSettings(), Progress())
    explained, explain_cpu = time.perf_counter() - started, time.process_time() - cpu
    result.families = tables.pop("families")
    result.pairs = tables.pop("pairs")
    result.tables.update(tables)
    result.write(work / "out")
    family = next(f for f in result.families.to_pylist() if "wire" in f["members"])
    passages = tables["passages"]
    aligned = len(set(zip(passages["a"].to_pylist(), passages["b"].to_pylist())))
    sizes = folder_bytes(work / "out")
    return {
        "copies": copies, "background": background, "documents": result.documents.num_rows,
        "candidate_pairs": result.stats.get("candidate_pairs"),
        "kept_pairs": result.pairs.num_rows, "pairs_explained": aligned,
        "family_size": family["size"], "tree_edges": len(family["tree"]),
        "roots": family["size"] - len({e["copy"] for e in family["tree"]}),
        "original": family["original"], "original_is_earliest": family["original"] == "wire",
        "original_evidence": (family.get("original_evidence") or [])[:4],
        "scan_seconds": round(scanned, 2), "scan_cpu_seconds": round(scan_cpu, 2),
        "stage_seconds": clock.wall, "stage_cpu_seconds": clock.cpu,
        "explain_seconds": round(explained, 2), "explain_cpu_seconds": round(explain_cpu, 2),
        "explain_ms_per_copy": round(1000 * explained / copies, 3),
        "scan_peak_rss_mb": scan_peak, "peak_rss_mb": peak_mb(),
        "output_bytes": sum(sizes.values()), "families_bytes": sizes.get("families.parquet", 0),
        "pairs_bytes": sizes.get("pairs.parquet", 0),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", default="100,1000,10000")
    parser.add_argument("--background", type=int, default=100_000, help="other documents (fewer for a quick run)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.background)))
        return 0
    results = []
    for n in [int(x) for x in args.copies.split(",") if x.strip()]:
        run = subprocess.run([sys.executable, __file__, "--one", str(n), "--background", str(args.background)],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{n} copies: failed ({run.returncode}): {run.stderr.strip().splitlines()[-1:]}", flush=True)
            continue
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), flush=True)
    base = results[0]["explain_ms_per_copy"]
    for r in results:
        print(f"{r['copies']:>6} copies: explain {r['explain_seconds']:.2f} s ({r['explain_ms_per_copy']:.2f} ms/copy, "
              f"{r['explain_ms_per_copy'] / base:.2f}x the first), {r['pairs_explained']} pairs explained of "
              f"{r['kept_pairs']} kept, scan {r['scan_seconds']:.1f} s ({r['scan_cpu_seconds']:.1f} CPU s, peak "
              f"{r['scan_peak_rss_mb']} MB), peak {r['peak_rss_mb']} MB, "
              f"output {r['output_bytes'] / 1e6:.1f} MB, roots {r['roots']}, original earliest: {r['original_is_earliest']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
