"""Progress reporting for stages: silent by default, rich bars from the CLI."""

from __future__ import annotations

import time
from contextlib import contextmanager


class Progress:
    """Silent progress: the API default. `task` yields an `advance(n)` function.

    `estimated=True` marks `total` as a guess made before the work (the ingest bar's records,
    `ingest_total.expected_records`): the bar then ends at the count actually done.
    """

    @contextmanager
    def task(self, description: str, total: float | None = None, estimated: bool = False):
        yield lambda n=1: None


class TimedProgress(Progress):
    """Silent, but keeps each stage's wall time (`timings`: (stage, seconds) in the order they ran)."""

    def __init__(self):
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def task(self, description: str, total: float | None = None, estimated: bool = False):
        started = time.perf_counter()
        try:
            yield lambda n=1: None
        finally:
            self.timings.append((description, time.perf_counter() - started))


class RichProgress(TimedProgress):
    """Progress bars on stderr, one per stage, kept after they finish; each stage's clock stops when it ends."""

    shows_bars = True

    def __init__(self, console=None):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress as Bars,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__()
        self.bars = Bars(
            TextColumn("{task.description:<14}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )

    def __enter__(self):
        self.bars.start()
        return self

    def __exit__(self, *exc):
        self.bars.stop()

    def note(self, message: str) -> None:
        """One line above the bars (e.g. why the first run is slow)."""
        self.bars.console.print(message, highlight=False, markup=False)

    @contextmanager
    def task(self, description: str, total: float | None = None, estimated: bool = False):
        task_id = self.bars.add_task(description, total=total)
        started = time.perf_counter()
        bar = next(t for t in self.bars.tasks if t.id == task_id)

        def advance(n=1):
            # An estimate that fell short grows with the work: the bar never reads past full.
            if estimated and bar.total is not None and bar.completed + n > bar.total:
                self.bars.update(task_id, total=bar.completed + n)
            self.bars.advance(task_id, n)

        try:
            yield advance
        finally:
            # A stage without a known total, or with an estimated one, ends at what it did: its bar reads
            # full, never pulsing on.
            final = max(bar.completed, 1) if total is None or estimated else total
            self.bars.update(task_id, total=final, completed=final)
            self.bars.stop_task(task_id)
            self.timings.append((description, time.perf_counter() - started))

    def print_timings(self, console) -> None:
        """Each stage's wall time, for -v."""
        total = sum(seconds for _, seconds in self.timings)
        for stage, seconds in self.timings:
            console.print(f"{stage:<14} {seconds:8.2f} s", highlight=False, markup=False)
        console.print(f"{'total':<14} {total:8.2f} s", highlight=False, markup=False)


def ingest_task(progress: Progress, paths):
    """The ingest stage's task: with the records the inputs should hold as its total when bars are shown.

    The count (`ingest_total.expected_records`) is taken only for a progress that shows bars, so the API
    and quiet runs read nothing twice; a progress whose `task` takes no `estimated` gets no total.
    """
    if not getattr(progress, "shows_bars", False):
        return progress.task("ingest")
    from copytrace.ingest_total import expected_records

    return progress.task("ingest", total=expected_records(paths), estimated=True)


# Shares of an `index add` batch's time taken by each part (`index.adding.add_documents` tells `step(name)` as
# each ends; families, alignment and tracing are the rest), measured on 2,500-document adds into an index
# of 15,000 (docs/notes/session-6/issue-18-ux.md): 2,500-document adds, ~159k new pairs, verify ~16%, the rest ~0.
ADD_SHARES = {"fingerprint": 0.01, "verify": 0.16, "write": 0.01}


class BatchSteps:
    """Progress inside one batch: the batch's rows advanced in shares as its parts end, the rest at `done()`."""

    def __init__(self, advance, rows: int, shares: dict[str, float] = ADD_SHARES):
        self.advance, self.rows, self.shares, self.told = advance, rows, shares, 0.0

    def __call__(self, name: str) -> None:
        part = self.rows * self.shares.get(name, 0.0)
        self.told += part
        self.advance(part)

    def done(self) -> None:
        self.advance(self.rows - self.told)
        self.told = float(self.rows)
