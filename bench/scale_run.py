"""One timed scan for bench/scale.py: scan, write the outputs, print stage times and stats as JSON.

    scale_run.py CORPUS WORK ENGINE MEMORY EXPLAIN(1|0) ANCHORS(1|0)
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from copytrace import scan
from copytrace.anchors import AnchorSettings
from copytrace.progress import Progress
from copytrace.stages import ScanSettings


class StageTimes(Progress):
    """Seconds spent in each stage, as the engines report their tasks."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def task(self, description: str, total=None):
        started = time.perf_counter()
        try:
            yield lambda n=1: None
        finally:
            self.seconds[description] = round(self.seconds.get(description, 0.0) + time.perf_counter() - started, 2)


def main() -> int:
    corpus, work, engine, memory, explain, anchors = sys.argv[1:7]
    work = Path(work)
    times = StageTimes()
    settings = ScanSettings(explain=explain == "1", anchors=AnchorSettings(enabled=anchors == "1"))
    options = {} if engine == "memory" else {"engine": engine, "work_dir": work / "work", "memory": memory}
    result = scan(corpus, settings=settings, progress=times, **options)
    started = time.perf_counter()
    result.write(work / "out")
    times.seconds["write"] = round(time.perf_counter() - started, 2)
    print(json.dumps({"stages": times.seconds, "stats": result.stats}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
