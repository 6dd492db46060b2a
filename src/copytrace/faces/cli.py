"""The `copytrace` command line: a thin face over the Python API.

Starting it loads no scan machinery (numba, DuckDB, pyarrow.compute, SciPy):
each command imports what it runs, so `copytrace --help` is quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from copytrace.faces.bench_cli import bench_app
from copytrace.faces.explain import explain_command
from copytrace.faces.index_cli import index_app
from copytrace.faces.options import (
    CLEAN, EXTRACT_WORKERS, MIN_CONTAINMENT, MIN_SHARED, NUM_PERM, RECALL, REUSE_SHARE, SHINGLE_SIZE, SIZE_RATIO,
    TEMPLATE_PAGES, AliasesFile, Clean, ExtractWorkers, MinContainment, MinShared, NumPerm, Recall, ReuseShare,
    Semantic, ShingleSize, SizeRatio, TemplatePages, settings_from_options, with_semantic,
)
from copytrace.faces.server.cli import serve_command
from copytrace.faces.terminal import err_console, fail

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Find who republished whose text.")
console = Console()


@app.command("scan")
def scan_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders of documents (.txt/.md, JSONL[.gz], CSV, Parquet, .html[.gz], WARC[.gz], RSS/Atom)."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    format: str = typer.Option("parquet", "--format", help="Output format: parquet or jsonl."),
    id_field: str = typer.Option("id", help="Field holding the document id."),
    text_field: str = typer.Option("text", help="Field holding the text."),
    source_field: str = typer.Option("source", help="Field holding the outlet or site."),
    date_field: str = typer.Option("date", help="Field holding the publication date."),
    url_field: str = typer.Option("url", help="Field holding the url."),
    title_field: str = typer.Option("title", help="Field holding the title."),
    metadata: Optional[Path] = typer.Option(None, help="Sidecar JSONL/CSV of known facts keyed by id (source, url, date, title)."),
    reuse_share: ReuseShare = REUSE_SHARE,
    size_ratio: SizeRatio = SIZE_RATIO,
    num_perm: NumPerm = NUM_PERM,
    shingle_size: ShingleSize = SHINGLE_SIZE,
    min_shared: MinShared = MIN_SHARED,
    min_containment: MinContainment = MIN_CONTAINMENT,
    max_doc_mb: float = typer.Option(16.0, help="Documents larger than this are rejected."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary."),
    clean: Clean = CLEAN,
    template_pages: TemplatePages = TEMPLATE_PAGES,
    extract_workers: ExtractWorkers = EXTRACT_WORKERS,
    report: bool = typer.Option(False, "--report", help="Also write report.html: families, trees and side-by-side copies."),
    engine: str = typer.Option("memory", help="memory (one process), local (out of core, resumable) or ray."),
    work_dir: Optional[Path] = typer.Option(None, help="Shards of the local engine (default OUT/.work); a re-run resumes."),
    memory: str = typer.Option("4GB", help="Memory budget of the local engine, e.g. 6GB."),
    address: Optional[str] = typer.Option(None, help="Ray cluster for --engine ray: ray://host:10001 or auto."),
    aliases: AliasesFile = None,
    semantic: Semantic = False,
) -> None:
    """Find reused text and story families; write documents, pairs and families."""
    from contextlib import nullcontext

    from copytrace.io import FieldMap, InputError, check_paths
    from copytrace.io.output import OUTPUT_FORMATS
    from copytrace.progress import RichProgress

    if format not in OUTPUT_FORMATS:
        fail(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, not {format!r}")
    settings = settings_from_options(
        reuse_share=reuse_share, size_ratio=size_ratio, num_perm=num_perm, shingle_size=shingle_size,
        min_shared=min_shared, min_containment=min_containment, clean=clean, template_pages=template_pages,
        extract_workers=extract_workers, aliases=aliases)
    settings = with_semantic(settings, semantic)
    if max_doc_mb <= 0:
        fail(f"--max-doc-mb must be positive, got {max_doc_mb}")
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder (--out takes a folder)")
    try:
        check_paths(paths)
    except InputError as err:
        fail(str(err))
    check_engine(engine, memory)
    fields = FieldMap(id=id_field, text=text_field, source=source_field, date=date_field, url=url_field, title=title_field)
    progress = None if quiet else RichProgress(err_console)

    from copytrace.pipeline import scan

    try:
        with progress or nullcontext():
            result = scan(paths, fields=fields, metadata=metadata, settings=settings,
                          max_doc_bytes=int(max_doc_mb * 1024 * 1024), progress=progress, engine=engine,
                          work_dir=work_dir or out / ".work", memory=memory, address=address)
    except InputError as err:
        fail(str(err))
    try:
        written = result.write(out, format=format)
    except OSError as err:
        fail(f"{out}: cannot write the outputs: {err.strerror or err}")
    if report:
        write_scan_report(result, written)
    if not quiet:
        from copytrace.faces.summary import print_summary

        print_summary(console, result, written)


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
) -> None:
    """Show the bands and rows these settings give, and their S-curve."""
    from rich.table import Table

    from copytrace.stages.candidates.lsh import LshParams

    try:
        params = LshParams.for_reuse(num_perm, reuse_share, size_ratio, recall)
    except ValueError as err:
        fail(str(err))
    console.print(
        f"{params.bands} bands x {params.rows} rows; aimed at Jaccard {params.threshold:.3f} "
        f"(false-candidate area below it: {params.false_candidate_area():.4f})"
    )
    table = Table("Jaccard", "P(candidate)")
    for j, p in params.s_curve():
        table.add_row(f"{j:.2f}", f"{p:.3f}")
    console.print(table)


app.command("explain")(explain_command)
app.add_typer(bench_app, name="bench")
app.add_typer(index_app, name="index")
app.command("serve")(serve_command)


def write_scan_report(result, out: Path) -> None:
    try:
        from copytrace.faces.report import write_report

        console.print(f"report: {write_report(result, Path(out) / 'report.html')}", highlight=False)
    except ImportError as err:
        fail(f"--report needs Jinja2: pip install 'copytrace[serve]' ({err})")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
