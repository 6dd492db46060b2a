"""The local engine's candidates stage alone, timed (wall, CPU) with the process' peak RSS.

    # once: ingest and fingerprint a corpus into a work folder (the engine's own shards)
    PYTHONPATH=src .venv/bin/python bench/candidates_local.py prepare bench/data/news-1000000-r10-s42.parquet /tmp/w
    # then, with PYTHONPATH at each checkout: the candidates stage from those shards, its pairs copied out
    PYTHONPATH=src .venv/bin/python bench/candidates_local.py run /tmp/w --out /tmp/pairs-after.parquet

`run` removes the work folder's candidates stage first, so runs of two
versions start from the same fingerprint shards (whose format both share),
and prints one JSON line: seconds, CPU seconds, peak RSS of the process
(candidates is all it does), candidate pairs, and what the version recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

from copytrace.engines.local import LocalEngine, fingerprint_shards
from copytrace.engines.ingest import ingest
from copytrace.engines.shards import WorkDir, scan_job
from copytrace.progress import Progress
from copytrace.settings import ScanSettings


def prepare(corpus: Path, work_dir: Path, memory: str) -> None:
    engine = LocalEngine(work_dir, memory)
    settings = ScanSettings(explain=False)
    work = WorkDir(work_dir, scan_job([corpus], None, None, settings, None, engine.budget))
    with engine.pool():
        counts = ingest(work, [corpus], None, None, None, engine.budget, Progress(), settings,
                        pool_map=engine.map_chunks)
        fingerprint_shards(work, work.shards("documents", "part-*.arrow"), settings, Progress(), engine.map_chunks)
    print(json.dumps({"docs": counts.used, "text_bytes": counts.text_bytes}))


def _watch_phases(local) -> dict:
    """Seconds, CPU seconds and peak RSS (sampled every 0.05 s) of each step of the runs version's stage."""
    import threading

    phases, current = {}, {"name": None, "peak": 0}

    def rss() -> int:
        with open("/proc/self/status") as handle:
            return next(int(line.split()[1]) * 1024 for line in handle if line.startswith("VmRSS:"))

    def sample():
        while True:
            current["peak"] = max(current["peak"], rss())
            time.sleep(0.05)

    threading.Thread(target=sample, daemon=True).start()
    for name in ("band_runs", "anchor_runs", "count_shared_bands"):
        original = getattr(local, name, None)
        if original is None:
            continue

        def wrapped(*args, _original=original, _name=name, **kwargs):
            current["peak"] = rss()
            wall, cpu = time.perf_counter(), time.process_time()
            try:
                return _original(*args, **kwargs)
            finally:
                got = phases.setdefault(_name, {"s": 0.0, "cpu_s": 0.0, "peak_rss_gb": 0.0})
                got["s"] = round(got["s"] + time.perf_counter() - wall, 1)
                got["cpu_s"] = round(got["cpu_s"] + time.process_time() - cpu, 1)
                got["peak_rss_gb"] = max(got["peak_rss_gb"], round(max(current["peak"], rss()) / 2**30, 2))
        setattr(local, name, wrapped)
    return phases


def run(work_dir: Path, memory: str, out: Path | None, phases_wanted: bool = False) -> None:
    import pyarrow.parquet as pq

    from copytrace.engines import local
    from copytrace.engines.documents import DocumentStore
    from copytrace.engines.shards import done_info

    engine = LocalEngine(work_dir, memory)
    settings = ScanSettings(explain=False)
    if not (work_dir / "manifest.json").exists():
        raise SystemExit(f"{work_dir}: not a prepared work folder (run `prepare` first)")
    work = WorkDir.__new__(WorkDir)  # the prepared folder as it is: its manifest is not checked again
    work.root = work_dir
    shutil.rmtree(work_dir / "candidates", ignore_errors=True)
    shutil.rmtree(work_dir / "spill", ignore_errors=True)
    store = DocumentStore(work.shards("documents", "part-*.arrow"))
    fp_paths = sorted(p for p in (work_dir / "fingerprint").glob("part-?????.arrow"))
    phases = _watch_phases(local) if phases_wanted else None
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    load = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    final = local.candidate_shards(work, fp_paths, store.n_docs, settings, engine.budget, Progress())
    report = {"seconds": round(time.perf_counter() - wall, 1), "cpu_s": round(time.process_time() - cpu, 1),
              "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30, 2),
              "rss_before_gb": round(rss_before / 2**30, 2), "docs": store.n_docs,
              "pairs": pq.ParquetFile(final).metadata.num_rows, "memory": memory,
              "load_before": [round(x, 2) for x in load], "load_after": [round(x, 2) for x in os.getloadavg()],
              "recorded": done_info(final)}
    if phases is not None:
        report["phases"] = phases
    if out is not None:
        shutil.copyfile(final, out)
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("corpus", type=Path)
    p.add_argument("work", type=Path)
    p.add_argument("--memory", default="6GB")
    r = sub.add_parser("run")
    r.add_argument("work", type=Path)
    r.add_argument("--memory", default="6GB")
    r.add_argument("--out", type=Path)
    r.add_argument("--phases", action="store_true", help="time each step (band runs, anchor runs, reduce)")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.corpus, args.work, args.memory)
    else:
        run(args.work, args.memory, args.out, args.phases)


if __name__ == "__main__":
    main()
