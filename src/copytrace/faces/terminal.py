"""The command lines' consoles, their exit codes, their one-line error exit, and what untrusted text may do
to a terminal.

Exit codes (README "Exit codes"): 0 done; 2 usage (an option or setting no
run can take); 3 input (a file missing, unreadable or with nothing usable,
an output folder that cannot be written); 4 internal (a bug: one line, the
traceback only with -v).

Titles, outlets, ids and file names come from pages collected on the open
web, sometimes by the people being studied: printed raw, an escape sequence
in a title could clear the screen, set the window title or write the
clipboard (OSC 52). Every console here strips control sequences and C0/C1
controls from the text it prints, and neutralises bidi overrides, while
keeping rich's own styling.
"""

from __future__ import annotations

import functools
import re

import typer
from rich.console import Console
from rich.markup import escape
from rich.segment import Segment

EXIT_OK, EXIT_USAGE, EXIT_INPUT, EXIT_INTERNAL = 0, 2, 3, 4

# ESC-introduced sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC strings (to BEL or ST, or to the
# end of the text when unterminated), and two-character escapes; then their 8-bit C1 forms.
_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_].*?(?:\x07|\x1b\\|\x9c|$)"
    r"|\x1b[ -/]*[0-~]?"
    r"|\x9b[0-?]*[ -/]*[@-~]?"
    r"|[\x90\x98\x9d\x9e\x9f].*?(?:\x07|\x1b\\|\x9c|$)",
    re.DOTALL,
)
# What is left of C0 (but tab and newline), DEL and C1.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings, overrides and isolates, and the marks: they reorder what follows them on the line.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_UNSAFE = re.compile(f"{_SEQUENCES.pattern}|{_CONTROLS.pattern}|{_BIDI.pattern}", re.DOTALL)


def clean_text(text: str) -> str:
    """`text` without terminal control sequences, control characters or bidi controls."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub("", text)


def _clean_run(run: list[Segment]) -> list[Segment]:
    """`clean_text` over consecutive text segments as one text: rich splits a line into segments by
    style (a highlighted number, a markup span), which can cut an escape sequence in two."""
    text = "".join(segment.text for segment in run)
    cuts = [m.span() for m in _UNSAFE.finditer(text)] if not (text.isascii() and text.isprintable()) else []
    if not cuts:
        return run
    cleaned, start = [], 0
    for segment in run:
        end = start + len(segment.text)
        kept = "".join(text[a:b] for a, b in _kept_ranges(cuts, start, end))
        cleaned.append(Segment(kept, segment.style))
        start = end
    return cleaned


def _kept_ranges(cuts: list[tuple[int, int]], start: int, end: int):
    at = start
    for a, b in cuts:
        if b <= at or a >= end:
            continue
        if a > at:
            yield at, a
        at = max(at, b)
    if at < end:
        yield at, end


class SafeConsole(Console):
    """A rich Console whose printed text is cleaned (`clean_text`); rich's own styles and cursor moves are kept.

    Cleaned where segments become output, so every print (tables, trees,
    progress, markup=False lines) is covered without each caller remembering.
    """

    def _render_buffer(self, buffer) -> str:
        out, run = [], []
        for segment in buffer:
            if segment.control:
                out += _clean_run(run) + [segment]
                run = []
            else:
                run.append(segment)
        return super()._render_buffer(out + _clean_run(run))


err_console = SafeConsole(stderr=True)


def fail(message: str, code: int = EXIT_USAGE) -> None:
    """One line on stderr and a non-zero exit: never a traceback, never wrapped."""
    # Escaped: a file name or reason may hold "[...]", which rich would take for markup.
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def without_unused_packages(command):
    """A command that runs stage units (scan, dedup, explain; index add, query, explain) run without the
    packages none of them uses (`parallel.unused_packages_refused`), unless its `engine` is Ray: its process
    is its own, as a worker's is."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from copytrace.parallel import unused_packages_refused

        with unused_packages_refused(kwargs.get("engine") != "ray"):  # `auto` never picks Ray
            return command(*args, **kwargs)

    return run


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def json_text(value, **options) -> str:
    """JSON of `value` that a terminal can show safely: the same value, with C1 and bidi controls written
    as \\u escapes (json.dumps escapes C0 itself; ensure_ascii=False would let these through raw)."""
    import json

    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(value, ensure_ascii=False, **options))


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


def unset_flags_uncoerced() -> None:
    """A flag not given (`--help` of the top level during `scan --help`) is False without typer's coercion.

    typer 0.29 coerces every parameter value through pydantic, except bools that are already bools; a flag
    left unset arrives as None, so the first `copytrace CMD --help` imported pydantic (about 0.1 s) to read
    None as False.
    """
    from typer.core import _TyperParameter

    process = _TyperParameter.process_value
    if getattr(process, "flags_uncoerced", False):
        return

    def process_value(self, ctx, value):
        if value is None and getattr(self, "is_flag", False) and self.type_descriptor.annotation is bool:
            value = bool(self.default)
        return process(self, ctx, value)

    process_value.flags_uncoerced = True
    _TyperParameter.process_value = process_value
