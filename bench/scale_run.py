"""One timed scan for bench/scale.py: scan, write the outputs, print stage times and stats as JSON.

    scale_run.py CORPUS WORK ENGINE MEMORY EXPLAIN(1|0) ANCHORS(1|0) [PLANTED]

With PLANTED (the corpus' planted (source, copy) pairs), the report has the
recall of planted pairs: found as a kept pair, and put in one family.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import time
from contextlib import contextmanager
from pathlib import Path

from copytrace import scan
from copytrace.parallel import unused_packages_refused
from copytrace.progress import Progress
from copytrace.settings import AnchorSettings, ScanSettings


def tree_cpu(pid: int | None = None) -> float:
    """CPU seconds (user + system) of a live process and its live descendants (worker processes)."""
    import os

    tick = os.sysconf("SC_CLK_TCK")
    total, stack = 0.0, [pid or os.getpid()]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            with open(f"/proc/{p}/task/{p}/children") as handle:
                stack.extend(int(c) for c in handle.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def folder_bytes(folder: Path) -> int:
    """Bytes of every file under `folder` (a few hundred shards: cheap enough to take after every stage)."""
    import os

    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                continue
    return total


class StageTimes(Progress):
    """Wall seconds and CPU seconds (this process and its workers) spent in each stage, as the engines report them."""

    def __init__(self, work: Path | None = None):
        self.work = work
        self.disk: dict[str, int] = {}  # bytes in the work folder when each stage ended
        self.seconds: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.spans: dict[str, list[tuple[float, float]]] = {}  # epoch seconds, to match memory samples to stages

    @contextmanager
    def task(self, description: str, total=None):
        started, cpu, epoch = time.perf_counter(), tree_cpu(), time.time()
        try:
            yield lambda n=1: None
        finally:
            self.spans.setdefault(description, []).append((epoch, time.time()))
            if self.work is not None:
                self.disk[description] = folder_bytes(self.work)
            self.seconds[description] = round(self.seconds.get(description, 0.0) + time.perf_counter() - started, 2)
            self.cpu[description] = round(self.cpu.get(description, 0.0) + tree_cpu() - cpu, 2)


def planted_recall(result, planted_path: str) -> dict:
    """Share of planted (source, copy) pairs the scan kept as a pair, and put in one family."""
    planted = pq.read_table(planted_path, columns=["source", "copy"])
    if planted.num_rows == 0:
        return {"planted_pairs": 0}
    found = {tuple(sorted(p)) for p in zip(result.pairs["a"].to_pylist(), result.pairs["b"].to_pylist())}
    wanted = [tuple(sorted(p)) for p in zip(planted["source"].to_pylist(), planted["copy"].to_pylist())]
    ids = result.documents["id"]
    family_of = {}
    for column in ("source", "copy"):
        rows = pc.index_in(planted[column], value_set=ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids)
        family_of[column] = result.documents["family"].take(rows.fill_null(0)).to_numpy()
    same_family = family_of["source"] == family_of["copy"]
    return {"planted_pairs": planted.num_rows,
            "recall_pairs": round(sum(p in found for p in wanted) / len(wanted), 4),
            "recall_families": round(float(np.mean(same_family)), 4)}


def main() -> int:
    corpus, work, engine, memory, explain, anchors = sys.argv[1:7]
    work = Path(work)
    times = StageTimes(work)
    settings = ScanSettings(explain=explain == "1", anchors=AnchorSettings(enabled=anchors == "1"))
    options = {} if engine == "memory" else {"engine": engine, "work_dir": work / "work", "memory": memory}
    with unused_packages_refused(engine != "ray"):  # as `copytrace scan` runs
        result = scan(corpus, settings=settings, progress=times, **options)
        with times.task("write"):
            result.write(work / "out")
    recall = planted_recall(result, sys.argv[7]) if len(sys.argv) > 7 else {}
    print(json.dumps({"stages": times.seconds, "stages_cpu": times.cpu, "spans": times.spans, "disk_gb": {k: round(v / 2**30, 2) for k, v in times.disk.items()}, "stats": result.stats, "recall": recall},
                     default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
