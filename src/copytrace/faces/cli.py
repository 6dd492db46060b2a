"""The `copytrace` command line: a thin face over the Python API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from copytrace.io import FieldMap, InputError, check_paths
from copytrace.stages.candidates.lsh import LshParams
from copytrace.progress import RichProgress
from copytrace.faces.terminal import err_console, fail
from copytrace.faces.explain import explain_command
from copytrace.faces.bench_cli import bench_app
from copytrace.faces.index_cli import index_app
from copytrace.faces.server.cli import serve_command

OUTPUT_FORMATS = ("parquet", "jsonl")  # as pipeline.OUTPUT_FORMATS, without loading the scan machinery

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Find who republished whose text.")
console = Console()


@app.command("scan")
def scan_command(
    paths: list[Path] = typer.Argument(..., help="Files or folders of documents (.txt/.md, JSONL[.gz], CSV, Parquet, .html[.gz], WARC[.gz], RSS/Atom)."),
    out: Path = typer.Option(Path("out"), "--out", "-o", help="Output folder."),
    format: str = typer.Option("parquet", "--format", help=f"Output format: {', '.join(OUTPUT_FORMATS)}."),
    id_field: str = typer.Option("id", help="Field holding the document id."),
    text_field: str = typer.Option("text", help="Field holding the text."),
    source_field: str = typer.Option("source", help="Field holding the outlet or site."),
    date_field: str = typer.Option("date", help="Field holding the publication date."),
    url_field: str = typer.Option("url", help="Field holding the url."),
    title_field: str = typer.Option("title", help="Field holding the title."),
    metadata: Optional[Path] = typer.Option(None, help="Sidecar JSONL/CSV of known facts keyed by id (source, url, date, title)."),
    reuse_share: float = typer.Option(0.4, help="Share of a source a copy carries that must be found (sets the LSH bands)."),
    size_ratio: float = typer.Option(2.0, help="How many times longer than the copied part a copy may be."),
    num_perm: int = typer.Option(256, help="MinHash signature length (a power of two)."),
    shingle_size: int = typer.Option(5, help="Words per shingle."),
    min_shared: int = typer.Option(8, help="Keep rule: shingles a pair must share."),
    min_containment: float = typer.Option(0.2, help="Keep rule: share of the smaller side found in the other."),
    max_doc_mb: float = typer.Option(16.0, help="Documents larger than this are rejected."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summary."),
    clean: bool = typer.Option(True, "--clean/--no-clean", help="Remove page chrome lines (kept in removed_lines with the reason)."),
    template_pages: int = typer.Option(3, help="Chrome removal: a line on this many pages of one source is its template."),
    extract_workers: int = typer.Option(0, help="Processes extracting HTML main text (0: one per core)."),
    report: bool = typer.Option(False, "--report", help="Also write report.html: families, trees and side-by-side copies."),
    engine: str = typer.Option("memory", help="memory (one process), local (out of core, resumable) or ray."),
    work_dir: Optional[Path] = typer.Option(None, help="Shards of the local engine (default OUT/.work); a re-run resumes."),
    memory: str = typer.Option("4GB", help="Memory budget of the local engine, e.g. 6GB."),
    address: Optional[str] = typer.Option(None, help="Ray cluster for --engine ray: ray://host:10001 or auto."),
    aliases: Optional[Path] = typer.Option(None, help="Outlet aliases: lines 'RT = rt.com = Russia Today', or JSON {name: [names]}."),
) -> None:
    """Find reused text and story families; write documents, pairs and families."""
    from copytrace.stages.clean.options import clean_options
    from copytrace.pipeline import scan
    from copytrace.settings import ScanSettings
    from copytrace.faces.summary import print_summary
    from copytrace.stages.verify import KeepRule

    if format not in OUTPUT_FORMATS:
        fail(f"--format must be one of {', '.join(OUTPUT_FORMATS)}, not {format!r}")
    fields = FieldMap(id=id_field, text=text_field, source=source_field, date=date_field, url=url_field, title=title_field)
    try:
        settings = ScanSettings(
            num_perm=num_perm,
            shingle_size=shingle_size,
            reuse_share=reuse_share,
            size_ratio=size_ratio,
            keep=KeepRule(min_shared=min_shared, min_containment=min_containment),
        )
        settings.lsh, settings.hasher  # validate before reading anything
    except ValueError as err:
        fail(str(err))
    check_scan_options(out, min_shared, min_containment, max_doc_mb)
    try:
        check_paths(paths)
    except InputError as err:
        fail(str(err))
    cleaning = clean_options(clean, template_pages, extract_workers)
    if aliases is not None:
        settings, cleaning = with_aliases(aliases, settings, cleaning)
    scale = engine_options(engine, work_dir or out / ".work", memory, address)
    progress = RichProgress(err_console) if not quiet else None
    try:
        if progress:
            with progress:
                result = scan(paths, fields=fields, metadata=metadata, settings=settings,
                              max_doc_bytes=int(max_doc_mb * 1024 * 1024), progress=progress, clean=cleaning, **scale)
        else:
            result = scan(paths, fields=fields, metadata=metadata, settings=settings,
                          max_doc_bytes=int(max_doc_mb * 1024 * 1024), clean=cleaning, **scale)
    except InputError as err:
        fail(str(err))
    try:
        written = result.write(out, format=format)
    except OSError as err:
        fail(f"{out}: cannot write the outputs: {err.strerror or err}")
    if report:
        write_scan_report(result, written)
    if not quiet:
        print_summary(console, result, written)


def with_aliases(path: Path, settings, cleaning):
    """Settings and cleaning options that know the outlet aliases of `path` (one-line error if unreadable)."""
    from dataclasses import replace

    from copytrace.outlets import load_aliases

    try:
        outlets = load_aliases(path)
    except (OSError, UnicodeDecodeError) as err:
        fail(f"{path}: cannot read the aliases: {getattr(err, 'strerror', None) or err}")
    except ValueError as err:
        fail(str(err))
    settings = replace(settings, provenance=replace(settings.provenance, aliases=outlets))
    if hasattr(cleaning, "aliases"):
        cleaning = replace(cleaning, aliases=outlets)
    return settings, cleaning


def engine_options(engine: str, work_dir: Path, memory: str, address: str | None) -> dict:
    """Keyword arguments of `scan` for --engine, checked before any input is read."""
    from copytrace.engines import ENGINES
    from copytrace.engines.shards import parse_size

    if engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    try:
        parse_size(memory)
    except ValueError as err:
        fail(f"--memory: {err}")
    if engine == "memory":
        return {}
    return {"engine": engine, "work_dir": work_dir, "memory": memory, "address": address}


def check_scan_options(out: Path, min_shared: int, min_containment: float, max_doc_mb: float) -> None:
    """Settings and the output folder are checked before any input is read."""
    if min_shared < 1:
        fail(f"--min-shared must be at least 1, got {min_shared}")
    if not 0 <= min_containment <= 1:
        fail(f"--min-containment must be between 0 and 1, got {min_containment}")
    if max_doc_mb <= 0:
        fail(f"--max-doc-mb must be positive, got {max_doc_mb}")
    if out.exists() and not out.is_dir():
        fail(f"{out}: exists and is not a folder (--out takes a folder)")


@app.command("lsh")
def lsh_command(
    reuse_share: float = typer.Option(0.4, help="Share of a source a copy carries that must be found."),
    size_ratio: float = typer.Option(2.0, help="How many times longer than the copied part a copy may be."),
    num_perm: int = typer.Option(256, help="MinHash signature length."),
    recall: float = typer.Option(0.95, help="Probability of finding a pair at exactly the threshold."),
) -> None:
    """Show the bands and rows these settings give, and their S-curve."""
    from rich.table import Table

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


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
