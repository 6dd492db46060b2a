"""`copytrace index create|add|query|explain|remove|stats`: the index from the command line.

The index modules (DuckDB, numba) are imported inside each command, so that
`copytrace --help` does not load them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from copytrace.faces.options import (
    CLEAN, EXTRACT_WORKERS, MIN_CONTAINMENT, MIN_SHARED, NUM_PERM, REUSE_SHARE, SHINGLE_SIZE, SIZE_RATIO,
    TEMPLATE_PAGES, AliasesFile, Clean, ExtractWorkers, MinContainment, MinShared, NumPerm, ReuseShare, ShingleSize,
    SizeRatio, TemplatePages, settings_from_options,
)
from copytrace.parallel import on_sigterm_as_interrupt
from copytrace.faces.terminal import EXIT_INPUT, SafeConsole, err_console, fail, json_text, without_unused_packages

index_app = typer.Typer(add_completion=False, no_args_is_help=True,
                        help="A persistent index: add daily batches, ask where a text has appeared.")
console = SafeConsole()


def _open(path: Path, read_only: bool = False):
    from copytrace.index.store import IndexStoreError, Store

    try:
        return Store(path, read_only=read_only)
    except IndexStoreError as err:
        from copytrace.faces.server.holder import lock_message

        fail(lock_message(path, str(err)) or str(err), EXIT_INPUT)


@index_app.command("create")
def create_command(
    index: Path = typer.Argument(..., help="The index file to create (a DuckDB database)."),
    reuse_share: ReuseShare = REUSE_SHARE,
    size_ratio: SizeRatio = SIZE_RATIO,
    num_perm: NumPerm = NUM_PERM,
    shingle_size: ShingleSize = SHINGLE_SIZE,
    min_shared: MinShared = MIN_SHARED,
    min_containment: MinContainment = MIN_CONTAINMENT,
    clean: Clean = CLEAN,
    template_pages: TemplatePages = TEMPLATE_PAGES,
    extract_workers: ExtractWorkers = EXTRACT_WORKERS,
    aliases: AliasesFile = None,
) -> None:
    """Create an empty index with these settings (every later add and query uses them)."""
    settings = settings_from_options(
        reuse_share=reuse_share, size_ratio=size_ratio, num_perm=num_perm, shingle_size=shingle_size,
        min_shared=min_shared, min_containment=min_containment, clean=clean, template_pages=template_pages,
        extract_workers=extract_workers, aliases=aliases)
    from copytrace.index.store import IndexStoreError, Store

    try:
        Store.create(index, settings).close()
    except (ValueError, IndexStoreError) as err:
        fail(str(err), EXIT_INPUT)
    lsh = settings.lsh
    console.print(f"created {index}: {lsh.bands} bands x {lsh.rows} rows over {settings.num_perm}-value signatures, "
                  f"{settings.shingle_size}-word shingles", highlight=False, markup=False)


@index_app.command("add")
@on_sigterm_as_interrupt  # SIGTERM as Ctrl-C: the batch's transaction rolls back and its parts are removed
@without_unused_packages
def add_command(
    index: Path = typer.Argument(..., help="The index file."),
    paths: list[Path] = typer.Argument(..., help="Files or folders of documents (.txt/.md, JSONL[.gz], CSV, Parquet)."),
    batch_docs: int = typer.Option(50_000, help="Documents per transaction (each is all-or-nothing)."),
    label: Optional[str] = typer.Option(None, help="A label for this batch, e.g. the day it covers."),
    id_field: str = typer.Option("id", help="Field holding the document id."),
    text_field: str = typer.Option("text", help="Field holding the text."),
    trace_now: bool = typer.Option(True, "--explain/--defer-explain",
                                   help="Align and trace touched families now, or leave them (much faster adds) to their "
                                        "first view in `serve` or to `index explain`; queries of a text always align and "
                                        "trace their matches."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars (errors and the report still print)."),
) -> None:
    """Add documents; ids already indexed with the same text are skipped, so re-running is safe."""
    from copytrace.index.adding import add_documents
    from copytrace.index.store import IndexStoreError
    from copytrace.io import FieldMap, InputError, read_inputs
    from copytrace.stages.clean import clean_ingested

    if batch_docs < 1:
        fail("--batch-docs must be at least 1")
    from contextlib import nullcontext

    from copytrace.progress import BatchSteps, Progress, RichProgress, ingest_task

    store = _open(index)
    progress = Progress() if quiet or as_json else RichProgress(err_console)
    totals = {"added": 0, "present": 0, "rejected": [], "pairs": 0, "missing": set()}
    with progress if isinstance(progress, RichProgress) else nullcontext():
        try:
            with ingest_task(progress, paths) as advance:
                ingested = read_inputs(paths, FieldMap(id=id_field, text=text_field), advance=advance)
        except InputError as err:
            store.close()
            fail(str(err), EXIT_INPUT)
        # The scan's clean stage with the index's settings: the index holds the text a scan would.
        settings = store.settings
        ingested = clean_ingested(ingested, settings.clean, progress, aliases=settings.aliases)[0]
        docs = ingested.documents
        try:
            with progress.task("index add", total=docs.num_rows) as advance:
                for start in range(0, docs.num_rows, batch_docs):
                    batch = docs.slice(start, batch_docs)
                    steps = BatchSteps(advance, batch.num_rows)
                    report = add_documents(store, batch, label, explain=trace_now, step=steps)
                    steps.done()
                    totals["added"] += report.added
                    totals["present"] += report.present
                    totals["pairs"] += report.pairs
                    totals["rejected"] += [{"id": i, "reason": r} for i, r in report.rejected]
                    totals["missing"].update(report.missing)
        except IndexStoreError as err:
            fail(str(err), EXIT_INPUT)
        finally:
            store.close()
    totals["rejected"] += [{"id": r["id"], "file": r["file"], "record": r["record"], "reason": r["reason"]}
                           for r in ingested.rejects.to_pylist()]
    totals["missing"] = sorted(totals["missing"])
    if as_json:
        print(json_text(totals))
        return
    console.print(f"added {totals['added']}, already present {totals['present']}, rejected {len(totals['rejected'])}, "
                  f"new pairs {totals['pairs']}", highlight=False, markup=False)
    for r in totals["rejected"]:
        where = f"{r.get('file')}:{r.get('record')} " if r.get("file") else ""
        err_console.print(f"rejected {where}{r['id']}: {r['reason']}", highlight=False, markup=False)
    for note in totals["missing"]:
        err_console.print(f"warning: {note}", highlight=False, markup=False)


@index_app.command("query")
@without_unused_packages
def query_command(
    index: Path = typer.Argument(..., help="The index file."),
    doc_id: Optional[str] = typer.Option(None, "--id", help="An indexed document's id."),
    text_file: Optional[Path] = typer.Option(None, "--text-file", help="A file holding the text to look up ('-' for stdin)."),
    limit: int = typer.Option(50, help="At most this many matches."),
    as_json: bool = typer.Option(False, "--json", help="Print matches, passages and provenance as JSON."),
) -> None:
    """Where else has this text appeared? Its sources and copies, with passages and provenance."""
    from copytrace.index.search import search_document, search_text
    from copytrace.index.store import IndexStoreError

    if (doc_id is None) == (text_file is None):
        fail("give exactly one of --id or --text-file")
    store = _open(index, read_only=True)
    try:
        if doc_id is not None:
            result = search_document(store, doc_id)
        else:
            text = sys.stdin.read() if str(text_file) == "-" else _read(text_file)
            result = search_text(store, text, limit=limit)
    except KeyError:
        fail(f"{doc_id!r}: no such document in {index}", EXIT_INPUT)
    except IndexStoreError as err:
        fail(str(err), EXIT_INPUT)
    finally:
        store.close()
    out = result.as_dict()
    if as_json:
        print(json_text(out, default=str))
        return
    _print_matches(out)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"{path}: cannot read: {err}", EXIT_INPUT)


MATCH_HEADERS = ("id", "outlet", "role", "relation", "credit", "shared", "query in match", "match in query",
                 "passages")


def _match_cells(m: dict) -> list[str]:
    edge = m["edge"] or {}
    return [m["id"], m.get("source") or "", m["role"] or "?", edge.get("relation") or "?",
            "yes" if edge.get("credit") else ("no" if edge else "?"), str(m["shared_shingles"]),
            f"{m['containment_query_in_match']:.2f}", f"{m['containment_match_in_query']:.2f}",
            str(len(m["passages"]))]


def _print_matches(out: dict) -> None:
    from rich.table import Table
    from rich.text import Text

    matches = out["matches"]
    console.print(f"{len(matches)} match(es) for {out['query']['id']}", highlight=False, markup=False)
    rows = [_match_cells(m) for m in matches]
    # A table only where every cell fits whole (3 columns of border and padding each); else one block per
    # match, its id whole on a line of its own, as the scan summary prints pairs on a narrow terminal.
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(MATCH_HEADERS)]
    if sum(widths) + 3 * len(widths) + 1 <= console.width:
        table = Table(*MATCH_HEADERS)
        for cells in rows:
            table.add_row(*(Text(c) for c in cells))
        console.print(table)
    else:
        for m, (mid, outlet, role, relation, credit, shared, q_in_m, m_in_q, passages) in zip(matches, rows):
            console.print(Text(f"  {mid}" + (f"  {outlet}" if outlet else "")), soft_wrap=True, highlight=False)
            n = len(m["passages"])
            console.print(Text(f"      {role}, {relation}, credit {credit}; {passages} "
                               f"{'passage' if n == 1 else 'passages'}"), highlight=False)
            console.print(Text(f"      {shared} shingles shared, query in match {q_in_m}, match in query {m_in_q}"),
                          highlight=False)
    for note in out["missing"]:
        err_console.print(f"warning: {note}", highlight=False, markup=False)


@index_app.command("explain")
@without_unused_packages
def trace_pending_command(index: Path = typer.Argument(..., help="The index file.")) -> None:
    """Align and trace the families that adds with --defer-explain left pending."""
    from copytrace.index.adding import explain_pending

    store = _open(index)
    try:
        done = explain_pending(store)
    finally:
        store.close()
    console.print(f"aligned and traced {done['families']} families in {done['seconds']} s", highlight=False, markup=False)


@index_app.command("remove")
def remove_command(
    index: Path = typer.Argument(..., help="The index file."),
    ids: list[str] = typer.Argument(..., help="Ids of documents to remove."),
) -> None:
    """Remove documents with their band keys, pairs, passages, edges and edits; families split as needed."""
    from copytrace.index.adding import remove_documents

    store = _open(index)
    try:
        result = remove_documents(store, ids)
    finally:
        store.close()
    console.print(f"removed {len(result['removed'])}", highlight=False, markup=False)
    for missing in result["not_found"]:
        err_console.print(f"not in the index: {missing}", highlight=False, markup=False)
    if result["not_found"] and not result["removed"]:
        raise typer.Exit(1)


@index_app.command("stats")
def stats_command(
    index: Path = typer.Argument(..., help="The index file."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Counts of documents, band rows, pairs, passages and families, and the settings."""
    store = _open(index, read_only=True)
    try:
        stats = store.stats()
    finally:
        store.close()
    if as_json:
        print(json_text(stats))
        return
    for key, value in stats.items():
        console.print(f"{key}: {value}", highlight=False, markup=False)
