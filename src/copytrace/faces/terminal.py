"""The command lines' shared stderr console and their one-line error exit."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> None:
    """One line on stderr and a non-zero exit: never a traceback, never wrapped."""
    # Escaped: a file name or reason may hold "[...]", which rich would take for markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)
