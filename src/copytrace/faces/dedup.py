"""`copytrace dedup`: a deduplicated copy of the input, in the input's own schema, and what was dropped and why.

A detection-only scan (pairs and families; no passages or provenance)
finds the copies; `copytrace.dedup` picks the documents to keep; the kept
records are written as they came: JSONL lines byte for byte, CSV rows with
their header, Parquet rows with their schema, text files copied. Pages,
WARC and feeds have no record format to keep: their kept documents are
written as documents.jsonl (id, text, url, source, date, title). The
report `dropped.jsonl` names each dropped document, the kept one it
duplicates and the reason.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer

from copytrace.faces.options import OUTPUT, Address, ConfigFile, Engine, Memory, WorkDir
from copytrace.faces.terminal import EXIT_INPUT, err_console, fail, without_unused_packages

DEDUP = "Dedup rule"
TABULAR = (".jsonl", ".jsonl.gz", ".ndjson", ".csv", ".csv.gz", ".parquet")
PLAIN = (".txt", ".md")


@without_unused_packages
def dedup_command(
    paths: list[Path] = typer.Argument(..., metavar="PATHS", help="Files or folders of documents, as for `copytrace scan`."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for the deduplicated files and dropped.jsonl.",
                             rich_help_panel=OUTPUT),
    rule: str = typer.Option("family", help="family: one document per story family; containment: drop a "
                             "document whose share inside a kept one reaches --threshold.", rich_help_panel=DEDUP),
    keep: str = typer.Option("earliest", help="Which to keep first: earliest (published date), longest, or first "
                             "(input order).", rich_help_panel=DEDUP),
    threshold: float = typer.Option(0.8, help="containment rule: share of a document's shingles inside a kept one "
                                    "at which it is dropped.", rich_help_panel=DEDUP),
    id_field: str = typer.Option("id", help="Field holding the document id."),
    text_field: str = typer.Option("text", help="Field holding the text."),
    date_field: str = typer.Option("date", help="Field holding the publication date."),
    config: ConfigFile = None,
    engine: Engine = "auto",
    work_dir: WorkDir = None,
    memory: Memory = "4GB",
    address: Address = None,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
    as_json: bool = typer.Option(False, "--json", help="Print the counts as JSON on stdout.", rich_help_panel=OUTPUT),
) -> None:
    """Write a deduplicated copy of the input (its own format and fields) and a report of what was dropped."""
    from contextlib import nullcontext

    from copytrace.dedup import deduplicate
    from copytrace.faces.options import settings_from_options
    from copytrace.io import FieldMap, InputError
    from copytrace.progress import RichProgress

    work = work_dir or out / ".work"
    _check_options(paths, out, rule, keep, threshold, engine, memory, work)
    from copytrace.faces.cli import chosen_engine

    engine = chosen_engine(engine, memory, paths, quiet or as_json)
    # Detection only: who duplicates whom needs pairs and families, not passages.
    settings = settings_from_options(config=config, given=set()).replace(explain=False)
    fields = FieldMap(id=id_field, text=text_field, date=date_field)
    progress = None if quiet or as_json else RichProgress(err_console)

    import copytrace

    try:
        with progress or nullcontext():
            result = copytrace.scan(paths, fields=fields, settings=settings, progress=progress, engine=engine,
                                    work_dir=work, memory=memory, address=address)
    except InputError as err:
        fail(str(err), EXIT_INPUT)
    chosen = deduplicate(result.documents, result.pairs, rule, keep, threshold)
    try:
        written = write_kept(paths, out, result.documents, chosen.kept_set)
        from copytrace.io.output import write_jsonl

        write_jsonl(chosen.dropped, out / "dropped.jsonl")
        write_jsonl(result.rejects, out / "rejects.jsonl")
    except OSError as err:
        fail(f"{out}: cannot write: {err.strerror or err}", EXIT_INPUT)
    if engine == "local":  # the kept records are written: no resume needed
        from copytrace.engines.shards import remove_work_dir

        remove_work_dir(work)
    counts = {"read": result.documents.num_rows + result.rejects.num_rows, "kept": len(chosen.kept),
              "dropped": chosen.dropped.num_rows, "rejected": result.rejects.num_rows, "rule": rule, "keep": keep,
              "threshold": threshold if rule == "containment" else None, "out": str(out), "files": written}
    if as_json:
        print(json.dumps(counts))
    elif not quiet:
        print(f"kept {counts['kept']:,} of {result.documents.num_rows:,} documents, dropped {counts['dropped']:,} "
              f"({rule} rule, {keep} first)")
        print(f"written to {out}/; dropped.jsonl says why each was dropped")


def _check_options(paths: list[Path], out: Path, rule: str, keep: str, threshold: float, engine: str, memory: str,
                   work: Path) -> None:
    """Every usage and input error before anything is read."""
    from copytrace.dedup import ORDERS, RULES
    from copytrace.faces.cli import check_engine
    from copytrace.io import InputError, check_paths

    if rule not in RULES:
        fail(f"--rule must be one of {', '.join(RULES)}, not {rule!r}")
    if keep not in ORDERS:
        fail(f"--keep must be one of {', '.join(ORDERS)}, not {keep!r}")
    if not 0 < threshold <= 1:
        fail(f"--threshold must be in (0, 1], got {threshold}")
    check_engine(engine, memory)
    # An interrupted run's work folder (OUT/.work) may be there: the re-run resumes from it.
    if out.exists() and (not out.is_dir() or any(p != work for p in out.iterdir())):
        fail(f"{out}: exists and is not an empty folder (dedup writes a fresh copy of the input)")
    try:
        check_paths(paths)
    except InputError as err:
        fail(str(err), EXIT_INPUT)


def _kind(path: Path) -> str:
    name = path.name.lower()
    if name.endswith(TABULAR):
        return "table"
    if name.endswith(PLAIN):
        return "plain"
    return "other"


def write_kept(paths: list[Path], out: Path, documents, kept: set[str]) -> list[str]:
    """The kept records under `out`, each input file's kept records in a file of the same relative name."""
    import pyarrow as pa

    from copytrace.io import _walk

    out.mkdir(parents=True, exist_ok=True)
    origins = documents["origin"].to_pylist()
    ids = documents["id"].to_pylist()
    # name -> record numbers kept (the origin column is "name:record"); names of every used record
    keep_records: dict[str, set[int]] = {}
    for doc, origin in zip(ids, origins):
        name, _, number = (origin or "").rpartition(":")
        if doc in kept and number.isdigit():
            keep_records.setdefault(name, set()).add(int(number))
    written, others = [], []
    for target in paths:
        for path, name in _walk(Path(target)):
            kind = _kind(path)
            # A file named on the command line is matched by its name as given, written under OUT by its own name.
            destination = out / (name if Path(target).is_dir() else Path(target).name)
            if destination.resolve() == path.resolve():
                raise OSError(f"{destination} is an input file; choose another --out")
            if kind == "other":
                others.append(name)
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            records = keep_records.get(name, set())
            if kind == "plain":
                if records:
                    shutil.copyfile(path, destination)
                    written.append(name)
                continue
            _write_table_records(path, destination, records)
            written.append(name)
    if others:
        from copytrace.io.output import write_jsonl

        wanted = {n for n in others}
        chosen = [ids[i] in kept and (origin or "").rpartition(":")[0] in wanted for i, origin in enumerate(origins)]
        columns = [c for c in ("id", "text", "url", "source", "date", "title") if c in documents.column_names]
        # A mask, not `take`: a local scan's documents are read only in the shards holding a kept one.
        write_jsonl(documents.filter(pa.array(chosen, pa.bool_())).select(columns), out / "documents.jsonl")
        written.append("documents.jsonl")
    return written


def _write_table_records(path: Path, destination: Path, records: set[int]) -> None:
    """Records `records` (1-based, numbered as ingest numbers them) of a JSONL, CSV or Parquet file."""
    import gzip

    name = path.name.lower()
    if name.endswith(".parquet"):
        _write_parquet_records(path, destination, records)
        return
    opener = gzip.open if name.endswith(".gz") else open
    if ".csv" in name:
        import csv

        with opener(path, "rt", encoding="utf-8-sig", newline="") as source, \
                opener(destination, "wt", encoding="utf-8", newline="") as sink:
            reader, writer = csv.reader(source), csv.writer(sink)
            header = next(reader, None)
            if header is not None:
                writer.writerow(header)
            for number, row in enumerate(reader, start=1):
                if number in records:
                    writer.writerow(row)
        return
    with opener(path, "rb") as source, opener(destination, "wb") as sink:
        for number, line in enumerate(source, start=1):
            if number in records:
                sink.write(line if line.endswith(b"\n") else line + b"\n")


def _write_parquet_records(path: Path, destination: Path, records: set[int]) -> None:
    """Records `records` (1-based) of a Parquet file, in its own schema, read and written a batch at a time: a
    corpus file of millions of texts is never whole in memory (nor one string array past 2 GB)."""
    import numpy as np
    import pyarrow.parquet as pq

    from copytrace.io.output import parquet_rows

    source = pq.ParquetFile(path, buffer_size=4 << 20, pre_buffer=False)
    with pq.ParquetWriter(destination, source.schema_arrow) as sink:
        for part in parquet_rows(source, np.array(sorted(records), dtype=np.int64) - 1):
            sink.write_table(part)
