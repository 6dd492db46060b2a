"""Progress reporting for stages: silent by default, rich bars from the CLI."""

from __future__ import annotations

from contextlib import contextmanager


class Progress:
    """Silent progress: the API default. `task` yields an `advance(n)` function."""

    @contextmanager
    def task(self, description: str, total: float | None = None):
        yield lambda n=1: None


class RichProgress(Progress):
    """Progress bars on stderr, one per stage, kept after they finish."""

    def __init__(self, console=None):
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress as Bars,
            TextColumn,
            TimeElapsedColumn,
        )

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

    @contextmanager
    def task(self, description: str, total: float | None = None):
        task_id = self.bars.add_task(description, total=total)
        try:
            yield lambda n=1: self.bars.advance(task_id, n)
        finally:
            if total is not None:
                self.bars.update(task_id, completed=total)
