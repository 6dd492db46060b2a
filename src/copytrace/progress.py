"""Progress reporting for stages: silent by default, rich bars from the CLI."""

from __future__ import annotations

import time
from contextlib import contextmanager


class Progress:
    """Silent progress: the API default. `task` yields an `advance(n)` function."""

    @contextmanager
    def task(self, description: str, total: float | None = None):
        yield lambda n=1: None


class TimedProgress(Progress):
    """Silent, but keeps each stage's wall time (`timings`: (stage, seconds) in the order they ran)."""

    def __init__(self):
        self.timings: list[tuple[str, float]] = []

    @contextmanager
    def task(self, description: str, total: float | None = None):
        started = time.perf_counter()
        try:
            yield lambda n=1: None
        finally:
            self.timings.append((description, time.perf_counter() - started))


class RichProgress(TimedProgress):
    """Progress bars on stderr, one per stage, kept after they finish; each stage's clock stops when it ends."""

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
    def task(self, description: str, total: float | None = None):
        task_id = self.bars.add_task(description, total=total)
        started = time.perf_counter()
        try:
            yield lambda n=1: self.bars.advance(task_id, n)
        finally:
            done = self.bars.tasks[task_id].completed if total is None else total
            # A stage without a known total ends with one: its bar reads full, never pulsing on.
            self.bars.update(task_id, total=max(done, 1) if total is None else total, completed=max(done, 1)
                             if total is None else total)
            self.bars.stop_task(task_id)
            self.timings.append((description, time.perf_counter() - started))

    def print_timings(self, console) -> None:
        """Each stage's wall time, for -v."""
        total = sum(seconds for _, seconds in self.timings)
        for stage, seconds in self.timings:
            console.print(f"{stage:<14} {seconds:8.2f} s", highlight=False, markup=False)
        console.print(f"{'total':<14} {total:8.2f} s", highlight=False, markup=False)
