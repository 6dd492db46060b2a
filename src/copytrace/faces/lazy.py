"""Commands imported only when they run or show their own help: `copytrace --help` and `scan --help` stay fast.

`explain` (rich panels, tables, trees, difflib), `serve`, `dedup`, `bench` and `index` are named here with the
one line `copytrace --help` lists for them; their modules load when the command is looked up for anything
else (running it, its own `--help`). tests/test_cli_startup.py checks that each line here is the command's
own short help, so the two cannot drift apart.
"""

from __future__ import annotations

import importlib

from typer.core import TyperGroup

# name -> (module, attribute: a command function or a Typer app, the line `copytrace --help` shows)
LAZY_COMMANDS = {
    "explain": ("copytrace.faces.explain", "explain_command",
                "Explain one document: its sources and copies, shared passages, added and dropped text."),
    "serve": ("copytrace.faces.server.cli", "serve_command",
              "Serve the index: JSON API (OpenAPI spec at /openapi.json) and web page (families, family view, "
              "search)."),
    "dedup": ("copytrace.faces.dedup", "dedup_command",
              "Write a deduplicated copy of the input (its own format and fields) and a report of what was "
              "dropped."),
    "bench": ("copytrace.faces.bench_cli", "bench_app",
              "A labelled republication benchmark: make a corpus, score outputs, run peers."),
    "index": ("copytrace.faces.index_cli", "index_app",
              "A persistent index: add daily batches, ask where a text has appeared."),
}


def load_command(name: str):
    """The click command of a lazy entry (its module imported now)."""
    import typer.main
    from typer.models import CommandInfo

    module, attribute, _ = LAZY_COMMANDS[name]
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        command = typer.main.get_group(found)
        command.name = name
        return command
    return typer.main.get_command_from_info(CommandInfo(name=name, callback=found), pretty_exceptions_short=True,
                                            rich_markup_mode="rich")


class LazyCommands(TyperGroup):
    """The top-level group: the commands of LAZY_COMMANDS load on first use; its own help lists them unloaded."""

    _listing = False

    def list_commands(self, ctx):
        return [*super().list_commands(ctx), *(n for n in LAZY_COMMANDS if n not in self.commands)]

    def get_command(self, ctx, name):
        if name in self.commands or name not in LAZY_COMMANDS:
            return super().get_command(ctx, name)
        if self._listing:  # the top-level help needs the line, not the command
            from typer.core import TyperCommand

            return TyperCommand(name, short_help=LAZY_COMMANDS[name][2], help=LAZY_COMMANDS[name][2],
                                rich_markup_mode="rich")
        self.commands[name] = load_command(name)
        return self.commands[name]

    def format_help(self, ctx, formatter):
        self._listing = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            self._listing = False
