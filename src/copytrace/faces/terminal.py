"""The command lines' shared stderr console, their exit codes and their one-line error exit.

Exit codes (README "Exit codes"): 0 done; 2 usage (an option or setting no
run can take); 3 input (a file missing, unreadable or with nothing usable,
an output folder that cannot be written); 4 internal (a bug: one line, the
traceback only with -v).
"""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3, 4

err_console = Console(stderr=True)


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """One line on stderr and a non-zero exit: never a traceback, never wrapped."""
    # Escaped: a file name or reason may hold "[...]", which rich would take for markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def quiet_flags() -> None:
    """Flags show no value type in help (`--report` not `--report <bool>`): they take none."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "flags_quiet", False):
        return

    def display_type_rich(self, ctx):
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.flags_quiet = True
    TyperOption.display_type_rich = display_type_rich
