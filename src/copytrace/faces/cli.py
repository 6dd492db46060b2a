"""The `copytrace` command line: a thin face over the Python API.

Starting it loads no scan machinery (numba, DuckDB, pyarrow.compute, SciPy):
each command imports what it runs, so `copytrace --help` and `--version`
are quick (bench/cli_startup.py). Exit codes are those of faces.terminal:
0 done, 2 usage, 3 input, 4 internal.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Optional

import typer

from copytrace.faces.options import (
    CLEAN, EXPLAIN, EXTRACT_WORKERS, INPUT, MIN_CONTAINMENT, MIN_SHARED, NUM_PERM, OUTPUT, RECALL, REUSE_SHARE, RUN,
    SHINGLE_SIZE, SIZE_RATIO, TEMPLATE_PAGES, Address, AliasesFile, Clean, ConfigFile, Engine, Explain,
    ExtractWorkers, Memory, MinContainment, MinShared, NumPerm, Recall, ReuseShare, Semantic, ShingleSize, SizeRatio,
    TemplatePages, WorkDir,
    given_options, settings_from_options, with_semantic,
)
from copytrace.faces.lazy import LazyCommands
from copytrace.faces.terminal import (EXIT_INPUT, EXIT_INTERNAL, SafeConsole, err_console, fail, quiet_flags,
                                      unset_flags_uncoerced, without_unused_packages)

quiet_flags()
unset_flags_uncoerced()
app = typer.Typer(cls=LazyCommands, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Find who republished whose text.\n\nExit codes: 0 done, 2 usage, 3 input, 4 internal error.")
console = SafeConsole()


def _version(value: bool) -> None:
    if value:
        from copytrace import __version__

        print(f"copytrace {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Find who republished whose text.

    Exit codes: 0 done, 2 usage (an option no run can take), 3 input (a file missing,
    unreadable or with nothing usable), 4 internal error.
    """


@app.command("scan")
@without_unused_packages
def scan_command(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(..., metavar="PATHS", show_default=False, help="Files or folders of documents (.txt/.md, JSONL[.gz], CSV, Parquet, .html[.gz], WARC[.gz], RSS/Atom)."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder.", rich_help_panel=OUTPUT),
    format: str = typer.Option("parquet", "--format", help="Output format: parquet or jsonl.", rich_help_panel=OUTPUT),
    id_field: str = typer.Option("id", help="Field holding the document id.", rich_help_panel=INPUT),
    text_field: str = typer.Option("text", help="Field holding the text.", rich_help_panel=INPUT),
    source_field: str = typer.Option("source", help="Field holding the outlet or site.", rich_help_panel=INPUT),
    date_field: str = typer.Option("date", help="Field holding the publication date.", rich_help_panel=INPUT),
    url_field: str = typer.Option("url", help="Field holding the url.", rich_help_panel=INPUT),
    title_field: str = typer.Option("title", help="Field holding the title.", rich_help_panel=INPUT),
    metadata: Optional[Path] = typer.Option(None, help="Sidecar JSONL/CSV of known facts keyed by id (source, url, date, title).", rich_help_panel=INPUT),
    reuse_share: ReuseShare = REUSE_SHARE,
    size_ratio: SizeRatio = SIZE_RATIO,
    num_perm: NumPerm = NUM_PERM,
    shingle_size: ShingleSize = SHINGLE_SIZE,
    min_shared: MinShared = MIN_SHARED,
    min_containment: MinContainment = MIN_CONTAINMENT,
    max_doc_mb: float = typer.Option(16.0, help="Documents larger than this are rejected.", rich_help_panel=INPUT),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors.", rich_help_panel=RUN),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Also print each stage's time.", rich_help_panel=RUN),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON on stdout (for scripts).", rich_help_panel=OUTPUT),
    clean: Clean = CLEAN,
    template_pages: TemplatePages = TEMPLATE_PAGES,
    extract_workers: ExtractWorkers = EXTRACT_WORKERS,
    explain: Explain = EXPLAIN,
    report: bool = typer.Option(False, "--report", help="Also write report.html: families, trees and side-by-side copies.", rich_help_panel=OUTPUT),
    engine: Engine = "auto",
    work_dir: WorkDir = None,
    memory: Memory = "4GB",
    address: Address = None,
    aliases: AliasesFile = None,
    config: ConfigFile = None,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the outputs of a scan of other inputs in --out.", rich_help_panel=OUTPUT),
    keep_work: bool = typer.Option(False, "--keep-work", help="Keep the local engine's work folder after a successful scan.", rich_help_panel=RUN),
    semantic: Semantic = False,
) -> None:
    """Find reused text and story families; write documents, pairs and families."""
    from contextlib import nullcontext

    from copytrace.io import FieldMap, InputError, check_paths
    from copytrace.io.output import OUTPUT_FORMATS, OutputFolderError, check_out_folder
    from copytrace.progress import RichProgress

    if format not in OUTPUT_FORMATS:
        fail(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, not {format!r}")
    settings = settings_from_options(
        reuse_share=reuse_share, size_ratio=size_ratio, num_perm=num_perm, shingle_size=shingle_size,
        min_shared=min_shared, min_containment=min_containment, clean=clean, template_pages=template_pages,
        extract_workers=extract_workers, aliases=aliases, explain=explain, config=config, given=given_options(ctx))
    settings = with_semantic(settings, semantic)
    if max_doc_mb <= 0:
        fail(f"--max-doc-mb must be positive, got {max_doc_mb}")
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder (--out takes a folder)")
    try:
        check_paths(paths)
        check_out_folder(out, paths, overwrite)  # before the scan, not after an hour of it
    except InputError as err:
        fail(str(err), EXIT_INPUT)
    except OutputFolderError as err:
        fail(str(err))
    engine = chosen_engine(engine, memory, paths, quiet or as_json)
    fields = FieldMap(id=id_field, text=text_field, source=source_field, date=date_field, url=url_field, title=title_field)
    progress = None if quiet else RichProgress(err_console)

    from copytrace.parallel import sigterm_as_interrupt
    from copytrace.pipeline import scan

    try:
        with sigterm_as_interrupt(), progress or nullcontext():
            if progress is not None:
                from copytrace.faces.warm import warm_kernels

                warm_kernels(progress)
            result = scan(paths, fields=fields, metadata=metadata, settings=settings,
                          max_doc_bytes=int(max_doc_mb * 1024 * 1024), progress=progress, engine=engine,
                          work_dir=work_dir or out / ".work", memory=memory, address=address)
            with (progress.task("write", total=1) if progress else nullcontext(lambda n=1: None)) as advance:
                written = write_outputs(result, out, format, paths, overwrite)
                advance(1)
    except InputError as err:
        fail(str(err), EXIT_INPUT)
    if report:
        write_scan_report(result, written, quiet or as_json)
    if verbose and progress is not None:
        progress.print_timings(err_console)
    if as_json:
        print(json.dumps({"out": str(written), "format": format, "stats": result.stats}, default=str))
    elif not quiet:
        from copytrace.faces.summary import print_summary

        print_summary(console, result, written)
    if engine == "local" and not keep_work:  # written and shown (tables are mapped from it): no resume needed
        from copytrace.engines.shards import remove_work_dir

        remove_work_dir(work_dir or out / ".work")


def write_outputs(result, out: Path, format: str, inputs=None, overwrite: bool = False) -> Path:
    from copytrace.io.output import OutputFolderError

    try:
        return result.write(out, format=format, inputs=inputs, overwrite=overwrite)
    except OutputFolderError as err:
        fail(str(err))
    except OSError as err:
        fail(f"{out}: cannot write the outputs: {err.strerror or err}", EXIT_INPUT)


def chosen_engine(engine: str, memory: str, paths, quiet: bool) -> str:
    """--engine and --memory checked, and the engine `auto` stands for, said unless `quiet`."""
    from copytrace.engines import choose_engine

    check_engine(engine, memory)
    engine, why = choose_engine(engine, paths)
    if why and not quiet:
        err_console.print(why, style="dim", markup=False, highlight=False)
    return engine


def check_engine(engine: str, memory: str) -> None:
    """--engine and --memory, checked before any input is read."""
    from copytrace.engines import ENGINES
    from copytrace.engines.shards import parse_size

    if engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    try:
        parse_size(memory)
    except ValueError as err:
        fail(f"--memory: {err}")


@app.command("lsh")
def lsh_command(
    reuse_share: ReuseShare = REUSE_SHARE,
    size_ratio: SizeRatio = SIZE_RATIO,
    num_perm: NumPerm = NUM_PERM,
    recall: Recall = RECALL,
    as_json: bool = typer.Option(False, "--json", help="Print bands, rows, threshold and the S-curve as JSON."),
) -> None:
    """Show the bands and rows these settings give, and their S-curve."""
    from rich.table import Table

    from copytrace.stages.candidates.lsh import LshParams

    try:
        params = LshParams.for_reuse(num_perm, reuse_share, size_ratio, recall)
    except ValueError as err:
        fail(str(err))
    if as_json:
        print(json.dumps({"bands": params.bands, "rows": params.rows, "threshold": params.threshold,
                          "false_candidate_area": params.false_candidate_area(),
                          "s_curve": [{"jaccard": j, "p_candidate": p} for j, p in params.s_curve()]}))
        return
    console.print(
        f"{params.bands} bands x {params.rows} rows; aimed at Jaccard {params.threshold:.3f} "
        f"(false-candidate area below it: {params.false_candidate_area():.4f})"
    )
    table = Table("Jaccard", "P(candidate)")
    for j, p in params.s_curve():
        table.add_row(f"{j:.2f}", f"{p:.3f}")
    console.print(table)


@app.command("warm")
def warm_command() -> None:
    """Compile and cache the numba kernels now (a scan does it on its first run otherwise)."""
    from copytrace.faces.warm import warm_kernels
    from copytrace.progress import RichProgress

    with RichProgress(err_console) as progress:
        compiled = warm_kernels(progress, always=True)
    err_console.print(f"kernels ready ({compiled} compiled or loaded from the cache)", highlight=False)


def write_scan_report(result, out: Path, quiet: bool = False) -> None:
    try:
        from copytrace.faces.report import write_report

        # Written beside and renamed in: a kill while writing never leaves a truncated report.html.
        partial = write_report(result, Path(out) / ".report.html.partial")
        written = Path(out) / "report.html"
        os.replace(partial, written)
    except ImportError as err:
        fail(f"--report needs Jinja2: pip install 'copytrace[serve]' ({err})")
    if not quiet:
        console.print(f"report: {written}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    """The `copytrace` command: the app, with any uncaught error as one line and exit code 4."""
    import os

    try:
        app(args=argv, prog_name="copytrace")
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        err_console.print("interrupted", highlight=False)
        return 130
    except Exception as err:  # noqa: BLE001  (the last line of defence: no traceback for users)
        if os.environ.get("COPYTRACE_DEBUG"):
            raise
        from rich.markup import escape

        err_console.print(f"[bold red]internal error:[/] {escape(f'{type(err).__name__}: {err}')} "
                          "(a bug; COPYTRACE_DEBUG=1 shows the traceback)", highlight=False, soft_wrap=True)
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
