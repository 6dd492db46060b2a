"""One timed scan for bench/scale.py: scan, write the outputs, print stage times and stats as JSON.

    scale_run.py CORPUS WORK ENGINE MEMORY EXPLAIN(1|0) ANCHORS(1|0)

The outputs are written to WORK/out; bench/scale.py scores them (the recall
of planted pairs) once this process has ended, so that no evaluation counts
in the scan's time.
"""

from __future__ import annotations

import json
import sys

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
    print(json.dumps({"stages": times.seconds, "stages_cpu": times.cpu, "spans": times.spans, "disk_gb": {k: round(v / 2**30, 2) for k, v in times.disk.items()}, "stats": result.stats},
                     default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
