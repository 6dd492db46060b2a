"""Scale benchmark: end-to-end scans of generated news corpora of growing size.

Corpora come from bench/news_corpus.py (real article sentences with a
story-specific vocabulary, per-source boilerplate, planted republication
families: full copies with a credit line, partial copies with the copier's
own text, chains); `--reuse` sets the share of documents that are copies.
Recall of the planted pairs is reported with every row, scored from the
written outputs once the scan's process has ended (not in its time). Each
size is scanned in a fresh child process (the engine's work folder is fresh
too), from its start to its exit, with every stage timed in wall and CPU
seconds; peak memory is the largest
resident set of the child and its worker processes together (all pages, and
anonymous pages only), sampled every 0.2 s from /proc.

    .venv/bin/python bench/scale.py --docs 100000 300000 1000000 --memory 6GB
    .venv/bin/python bench/scale.py --docs 100000 300000 --no-explain --no-anchors

Results are appended to bench/results/scale.jsonl and printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from corpus import MissingData  # noqa: E402
from news_corpus import ensure_corpus, planted_path  # noqa: E402

RESULTS = ROOT / "results" / "scale.jsonl"


def corpus_file(n_docs: int, reuse: float, seed: int = 42, sample: int | None = None) -> Path:
    """The news corpus of `n_docs` documents with `reuse` copies (or `sample` of its batches), kept in bench/data."""
    return ensure_corpus(n_docs, reuse, seed, sample=sample)


def tree_rss(pid: int) -> tuple[int, int, int]:
    """Resident bytes of a process and all its descendants: (all, anonymous only, the process' own anonymous).

    All resident pages count memory-mapped shards once per process that maps
    them (page cache, reclaimable); the anonymous pages are what the budget is about.
    """
    total, anon, own, stack = 0, 0, 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                    elif line.startswith("RssAnon:"):
                        anon += int(line.split()[1]) * 1024
                        own += int(line.split()[1]) * 1024 if p == pid else 0
            with open(f"/proc/{p}/task/{p}/children") as handle:
                stack.extend(int(c) for c in handle.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total, anon, own


def stage_peaks(samples: list[tuple[float, int, int]], spans: dict) -> dict:
    """Peak anonymous GB while each stage ran: [scan process and workers, scan process alone].

    samples: (epoch, all, anonymous, the scan process' own anonymous). Workers
    live for the whole scan, so memory a stage leaves in them shows in later stages too.
    """
    peaks = {}
    for stage, intervals in spans.items():
        inside = [(anon, own) for t, _, anon, own in samples if any(lo <= t <= hi for lo, hi in intervals)]
        if inside:
            peaks[stage] = [round(max(a for a, _ in inside) / 2**30, 2), round(max(o for _, o in inside) / 2**30, 2)]
    return peaks


def folder_bytes(folder: Path) -> int:
    """Bytes of the files under `folder` (files removed while walking are skipped)."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_blocks * 512  # what the disk holds (sparse files)
            except FileNotFoundError:
                continue
    return total


def machine_cpu() -> tuple[float, float] | None:
    """CPU seconds the whole machine has been busy, and stolen from it by its host (/proc/stat; None elsewhere).

    Around a run on an otherwise idle machine, the busy seconds are the run's CPU, its fork servers and
    reaped workers included; on this machine they varied by a third for the same code from one quarter of an
    hour to the next, with almost nothing stolen (a slower host, not a busier one): compare alternated runs."""
    try:
        with open("/proc/stat") as handle:
            fields = [int(x) for x in handle.readline().split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def run_child(args: list[str]) -> tuple[dict, float, int, int]:
    """Run bench/scale_run.py in a child; return its report (with each stage's peak memory and the work
    folder's peak, sampled every second, outputs included; the machine's busy and stolen CPU seconds over the
    run), wall seconds, peak tree RSS and peak anonymous RSS."""
    import threading

    cpu_before = machine_cpu()
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, str(ROOT / "scale_run.py"), *args], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    ended: list[float] = []
    # The child's end is taken by a thread waiting on it, not at the sampler's next 0.2 s tick.
    waiter = threading.Thread(target=lambda: (child.wait(), ended.append(time.perf_counter())), daemon=True)
    waiter.start()
    peak = peak_anon = disk_peak = 0
    samples, disk_at, disk_peak_at = [], 0.0, 0.0
    while waiter.is_alive():
        rss, anon, own = tree_rss(child.pid)
        samples.append((time.time(), rss, anon, own))
        peak, peak_anon = max(peak, rss), max(peak_anon, anon)
        if time.time() - disk_at >= 1.0:
            disk_at = time.time()
            disk = folder_bytes(Path(args[1]))
            if disk > disk_peak:
                disk_peak, disk_peak_at = disk, disk_at
        waiter.join(0.2)
    wall = ended[0] - started
    cpu_after = machine_cpu()
    out, err = child.communicate()
    if child.returncode != 0:
        raise SystemExit(f"scan failed ({child.returncode}): {err.strip().splitlines()[-1] if err.strip() else ''}")
    report = json.loads(out.strip().splitlines()[-1])
    spans = report.pop("spans", {})
    report["stage_peak_anon_gb"] = stage_peaks(samples, spans)
    report["work_disk_peak_gb"] = round(disk_peak / 2**30, 2)
    if cpu_before and cpu_after:
        report["machine_cpu_s"] = round(cpu_after[0] - cpu_before[0], 1)
        report["machine_steal_s"] = round(cpu_after[1] - cpu_before[1], 1)
    report["work_disk_peak_stage"] = next((stage for stage, intervals in spans.items()
                                           if disk_peak and any(lo <= disk_peak_at <= hi for lo, hi in intervals)), None)
    return report, wall, peak, peak_anon


def planted_recall(out: Path, planted: Path) -> dict:
    """Share of the corpus' planted (source, copy) pairs the scan kept as a pair, and put in one family: read
    from the scan's outputs once its process has ended (no evaluation counts in its time)."""
    import numpy as np
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    if not planted.exists():
        return {}
    planted = pq.read_table(planted, columns=["source", "copy"])
    if planted.num_rows == 0:
        return {"planted_pairs": 0}
    pairs = pq.read_table(out / "pairs.parquet", columns=["a", "b"])
    documents = pq.read_table(out / "documents.parquet", columns=["id", "family"])
    found = {tuple(sorted(p)) for p in zip(pairs["a"].to_pylist(), pairs["b"].to_pylist())}
    wanted = [tuple(sorted(p)) for p in zip(planted["source"].to_pylist(), planted["copy"].to_pylist())]
    ids = documents["id"].combine_chunks()
    family = {column: documents["family"].take(pc.index_in(planted[column], value_set=ids).fill_null(0)).to_numpy()
              for column in ("source", "copy")}
    return {"planted_pairs": planted.num_rows,
            "recall_pairs": round(sum(p in found for p in wanted) / len(wanted), 4),
            "recall_families": round(float(np.mean(family["source"] == family["copy"])), 4)}


def keep_outputs(out: Path, keep: Path) -> None:
    """The run's output tables (pairs, families, documents, passages...), rows sorted, as Parquet under `keep`
    (for `cmp`-style comparison of versions)."""
    import pyarrow.parquet as pq

    keep.mkdir(parents=True, exist_ok=True)
    for path in sorted(out.glob("*.parquet")):
        name = path.stem
        table = pq.read_table(path)
        keys = [(c, "ascending") for c in table.column_names if not str(table.schema.field(c).type).startswith("list")]
        pq.write_table(table.sort_by(keys), keep / f"{name}.parquet")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[100_000])
    parser.add_argument("--engine", default="local", choices=["memory", "local", "ray"])
    parser.add_argument("--memory", default="6GB", help="memory budget of the local engine")
    parser.add_argument("--reuse", type=float, default=0.10, help="share of documents that are copies")
    parser.add_argument("--no-explain", dest="explain", action="store_false",
                        help="stop after families (no alignment, no provenance)")
    parser.add_argument("--no-anchors", dest="anchors", action="store_false",
                        help="LSH candidates only (no winnowed anchors for short reuse)")
    parser.add_argument("--sample", type=int, default=None,
                        help="scan only this many 20,000-document batches of each corpus, spread over it "
                             "(shards of a corpus too large for the disk)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/copytrace-scale"), help="scratch folder")
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep each run's pairs and families (sorted) here, to compare two versions' outputs")
    args = parser.parse_args(argv)
    rows = []
    for n_docs in args.docs:
        try:
            started = time.perf_counter()
            corpus = corpus_file(n_docs, args.reuse, sample=args.sample)
            built = time.perf_counter() - started
        except MissingData as error:
            print(f"skipped: {error}", file=sys.stderr)
            return 0
        shutil.rmtree(args.work, ignore_errors=True)
        load_before = os.getloadavg()
        report, wall, peak, peak_anon = run_child([str(corpus), str(args.work), args.engine, args.memory,
                                        "1" if args.explain else "0", "1" if args.anchors else "0"])
        report["recall"] = planted_recall(args.work / "out", planted_path(corpus))
        row = {
            "docs": report["stats"]["documents_read"], "corpus_docs": n_docs, "sample_batches": args.sample, "engine": args.engine, "memory_budget": args.memory, "reuse": args.reuse,
            "explain": args.explain, "anchors": args.anchors, "wall_s": round(wall, 1), "peak_rss_gb": round(peak / 2**30, 2),
            "peak_anon_gb": round(peak_anon / 2**30, 2),
            "docs_per_s": round(report["stats"]["documents_read"] / wall), "text_mb": round(report["stats"]["text_bytes"] / 1e6),
            "candidate_pairs": report["stats"]["candidate_pairs"], "kept_pairs": report["stats"]["kept_pairs"], "families_with_copies": report["stats"]["families_with_copies"],
            "corpus": corpus.name, **report.get("recall", {}), "stages_s": report["stages"], "stages_cpu_s": report.get("stages_cpu", {}),
            "stage_peak_anon_gb": report.get("stage_peak_anon_gb", {}), "work_disk_gb": report.get("disk_gb", {}),
            "work_disk_peak_gb": report.get("work_disk_peak_gb"), "work_disk_peak_stage": report.get("work_disk_peak_stage"),
            "machine_cpu_s": report.get("machine_cpu_s"), "machine_steal_s": report.get("machine_steal_s"), "load_before": [round(x, 1) for x in load_before],
            "load_after": [round(x, 1) for x in os.getloadavg()], "corpus_build_s": round(built, 1),
            "cpus": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        rows.append(row)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with open(RESULTS, "a") as handle:
            handle.write(json.dumps(row) + "\n")
        if args.keep is not None:
            keep_outputs(args.work / "out", args.keep / f"{n_docs}-{'explain' if args.explain else 'no-explain'}")
        shutil.rmtree(args.work, ignore_errors=True)
        print(json.dumps(row), flush=True)
    print("| docs | text MB | engine | explain | anchors | candidates | kept | wall s | docs/s | peak RSS GB | load before/after |")
    print("|---:|---:|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['docs']:,} | {r['text_mb']:,} | {r['engine']} {r['memory_budget']} | {r['explain']} | "
              f"{r['anchors']} | {r['candidate_pairs']:,} | {r['kept_pairs']:,} | {r['wall_s']} | {r['docs_per_s']:,} | {r['peak_rss_gb']} | {r['load_before'][0]} / {r['load_after'][0]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
