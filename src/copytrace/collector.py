"""Python's cycle collector paused around work that makes many small objects and no cycle.

Sentence matching, credit scans and the tracing of families make millions of
short-lived tuples, lists and small arrays, while the scan holds large live
structures (facts of every document, pairs, views); each full collection
then walks all of them, and finds next to nothing: 1,513 unreachable objects
after tracing the 100k bench corpus with the collector off. The collector
resumes afterwards and collects what little is left.

A scan's processes (the main one while it scans, each worker for its life)
also collect young objects less often (`fewer_collections`): every stage
builds and drops many small containers while large ones stay live (a
worker's templates of the corpus, the main process' pairs), and the
default of one young collection per 700 allocations walks them again and
again (a 1M scan with the collector off in every process: clean 141 -> 133
CPU s, write 47 -> 42, one run each, near the drift between runs). A higher
threshold, unlike pausing, still collects cycles (a bad record's exception
and traceback).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


YOUNG_THRESHOLD = 100_000  # allocations between young collections in a scan's processes (Python: 700)


def collect_less_often() -> None:
    """Young objects collected every `YOUNG_THRESHOLD` allocations in this process (a worker: for its life)."""
    gc.set_threshold(YOUNG_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def fewer_collections():
    """`collect_less_often` inside, the thresholds as they were on leaving."""
    previous = gc.get_threshold()
    collect_less_often()
    try:
        yield
    finally:
        gc.set_threshold(*previous)


@contextmanager
def collector_paused():
    """The cycle collector off inside (as it was on leaving); also a decorator."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
