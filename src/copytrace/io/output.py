"""A scan's results: the tables in memory (`ScanResult`), written to one folder, and read back.

The one writer (`ScanResult.write`) and the one reader (`ScanOutput`,
`read_scan`) of a scan's output folder: the `explain` command, the
evaluation and the report read through them. Every table is a Parquet or a
JSONL file named for it (`pairs.parquet` or `pairs.jsonl`); rejects are
always `rejects.jsonl` and the counts `summary.json`. A folder or table that
is missing or unreadable is a `ScanOutputError` naming the path.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.io.records import REJECT_SCHEMA
from copytrace.schemas import (
    EDGE_SCHEMA,
    EDIT_SCHEMA,
    FAMILY_SCHEMA,
    LINK_SCHEMA,
    PAIR_SCHEMA,
    PASSAGE_SCHEMA,
    REMOVED_LINE_SCHEMA,
)

OUTPUT_FORMATS = ("parquet", "jsonl")
SUFFIXES = (".parquet", ".jsonl")  # a table's file, in either format
CORE_TABLES = ("documents", "pairs", "families")  # every scan writes these
# Rows per Parquet row group: one document's rows are read from the groups holding them (`ScanOutput.table`), so a
# group is kept to some 50 MB of text, and within a group they are decoded this many rows at a time.
ROW_GROUP_ROWS = 8192
READ_BATCH_ROWS = 8192
# The column types of the tables with a fixed schema (JSON does not keep them).
SCHEMAS = {"pairs": PAIR_SCHEMA, "passages": PASSAGE_SCHEMA, "edges": EDGE_SCHEMA, "edits": EDIT_SCHEMA,
           "links": LINK_SCHEMA,
           "families": FAMILY_SCHEMA, "removed_lines": REMOVED_LINE_SCHEMA, "rejects": REJECT_SCHEMA}


class ScanOutputError(Exception):
    """A scan's output folder, or one of its tables, is missing or unreadable (the message names the path)."""


class OutputFolderError(Exception):
    """An output folder a scan may not write to as asked (the one-line message says why and what to do)."""


# Written last, in the output folder: which inputs its outputs are of, and which files they are. While the
# files are being moved in its state is "replacing": a folder left so by a kill is refused by `ScanOutput`.
MARKER = ".copytrace-scan.json"
REPORT = "report.html"


def _is_output(path: Path) -> bool:
    return path.is_file() and (path.suffix in SUFFIXES or path.name in ("summary.json", REPORT))


def _inputs_key(inputs) -> list[str] | None:
    return None if inputs is None else sorted(os.path.abspath(os.fspath(p)) for p in inputs)


def _marker(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_out_folder(out: str | Path, inputs=None, overwrite: bool = False) -> None:
    """Raise OutputFolderError when `out` holds the outputs of a scan of other inputs (unless `overwrite`).

    A folder written by a scan of the same inputs is replaced without asking;
    `inputs` None (the Python API without them) checks only for outputs of
    unknown origin.
    """
    out = Path(out)
    if overwrite or not out.is_dir():
        return
    held = _marker(out)
    if held is None:
        if any(_is_output(p) for p in out.iterdir()):
            raise OutputFolderError(f"{out}: holds scan outputs of unknown inputs; pass --overwrite to replace "
                                    "them, or choose another --out")
        return
    wanted = _inputs_key(inputs)
    if wanted is not None and held.get("inputs") is not None and held["inputs"] != wanted:
        shown = ", ".join(held["inputs"][:3]) + (" ..." if len(held["inputs"]) > 3 else "")
        raise OutputFolderError(f"{out}: holds the outputs of a scan of other inputs ({shown}); pass --overwrite "
                                "to replace them, or choose another --out")


def _write_marker(folder: Path, state: str, inputs, files: list[str]) -> None:
    tmp = folder / f"{MARKER}.tmp"
    tmp.write_text(json.dumps({"state": state, "inputs": _inputs_key(inputs), "files": files}, indent=2) + "\n")
    os.replace(tmp, folder / MARKER)


def _partial_folder(out: Path) -> Path:
    """A fresh folder for the new outputs on the output folder's file system (beside it, else inside it)."""
    for stale in out.parent.glob(f".{out.name}.partial-*"):  # left by a scan killed while writing
        shutil.rmtree(stale, ignore_errors=True)
    try:
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except PermissionError:  # a folder we may write in, in a parent we may not
        return Path(tempfile.mkdtemp(prefix=".partial-", dir=out))


def replace_outputs(new: Path, out: Path, inputs=None) -> None:
    """Make `out` hold exactly the files of `new` as its output set: each moved in whole (a rename), every
    output of an earlier scan not among them removed, the marker saying "replacing" until the end."""
    names = sorted(p.name for p in new.iterdir())
    _write_marker(out, "replacing", inputs, names)
    for old in out.iterdir():
        if _is_output(old) and old.name not in names:
            old.unlink()
    for name in names:
        os.replace(new / name, out / name)
    _write_marker(out, "complete", inputs, names)


def in_output_order(tables: dict) -> dict:
    """`tables` with edges, edits and links in one order whatever the engine and its memory budget (which
    decide how families are grouped for tracing): edges by family, edits by their pair's family, each
    family's rows in the order its trace gave them (a stable sort); links by their families and ids."""
    edges = tables.get("edges")
    if edges is not None and edges.num_rows:
        tables["edges"] = edges = edges.take(pc.sort_indices(edges["family"]))
        edits = tables.get("edits")
        if edits is not None and edits.num_rows:
            def pair(table):
                return pc.binary_join_element_wise(table["source"], table["copy"], "\x00")
            family = edges["family"].take(pc.index_in(pair(edits), value_set=pair(edges)))
            tables["edits"] = edits.take(pc.sort_indices(family))
    links = tables.get("links")
    if links is not None and links.num_rows:
        tables["links"] = links.sort_by([(c, "ascending") for c in ("source_family", "copy_family", "source", "copy")])
    return tables


@dataclass
class ScanResult:
    """The tables a scan produces, and its counts. `write` saves them to one folder."""

    documents: pa.Table
    pairs: pa.Table
    families: pa.Table
    rejects: pa.Table
    stats: dict = field(default_factory=dict)
    tables: dict = field(default_factory=dict)  # further outputs of later stages, by name

    def family_of(self, doc_id: str) -> int:
        found = self.documents.filter(pc.equal(self.documents["id"], doc_id))
        if found.num_rows == 0:
            raise KeyError(doc_id)
        return found["family"][0].as_py()

    def all_tables(self) -> dict[str, pa.Table]:
        return {"documents": self.documents, "pairs": self.pairs, "families": self.families, **self.tables}

    def write(self, out_dir: str | Path, format: str = "parquet", *, inputs=None, overwrite: bool = False) -> Path:
        """Write every table to `out_dir`, replacing the whole output set of an earlier scan there.

        The files are written to a partial folder beside `out_dir` and moved
        in at the end, so a kill while writing leaves the earlier outputs as
        they were (never a truncated Parquet file, never two runs' files
        mixed). `inputs` (the scanned paths) are recorded; a folder holding
        outputs of other inputs is refused unless `overwrite`
        (OutputFolderError).
        """
        if format not in OUTPUT_FORMATS:
            raise ValueError(f"format must be one of {OUTPUT_FORMATS}, got {format!r}")
        out = Path(out_dir)
        check_out_folder(out, inputs, overwrite)
        out.mkdir(parents=True, exist_ok=True)
        partial = _partial_folder(out)
        try:
            self._write_files(partial, format)
            replace_outputs(partial, out, inputs)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        return out

    def _write_files(self, out: Path, format: str) -> None:
        tables = self.all_tables()
        if format == "parquet":
            from concurrent.futures import ThreadPoolExecutor

            # Encoding and compressing a Parquet file is one thread: the documents (their texts) on one
            # core, every other table on the other.
            largest = max(tables, key=lambda name: tables[name].nbytes)
            rest = [name for name in tables if name != largest]
            with ThreadPoolExecutor(2) as pool:
                done = [pool.submit(write_parquet, tables[largest], out / f"{largest}.parquet"),
                        pool.submit(lambda: [write_parquet(tables[n], out / f"{n}.parquet") for n in rest])]
                for future in done:
                    future.result()
        else:
            for name, table in tables.items():
                write_jsonl(table, out / f"{name}.jsonl")
        write_jsonl(self.rejects, out / "rejects.jsonl")
        (out / "summary.json").write_text(json.dumps(self.stats, indent=2, sort_keys=True) + "\n")


def scan_stats(result: ScanResult, settings, started: float, *, read: int, text_bytes: int,
               candidate_pairs: int, extra: dict | None = None) -> dict:
    """summary.json of a scan: what was read, found and kept, the LSH parameters, the time."""
    families = result.families
    lsh = settings.lsh
    return {
        "documents_read": read,
        "documents_used": result.documents.num_rows,
        "documents_rejected": result.rejects.num_rows,
        "text_bytes": text_bytes,
        "candidate_pairs": int(candidate_pairs),
        "kept_pairs": result.pairs.num_rows,
        "families": families.num_rows,
        "families_with_copies": int(pc.sum(pc.greater(families["size"], 1)).as_py() or 0),
        "lsh": {"bands": lsh.bands, "rows": lsh.rows, "threshold": lsh.threshold},
        "seconds": round(time.perf_counter() - started, 3),
        "passages": result.tables["passages"].num_rows if "passages" in result.tables else None,
        **(extra or {}),
    }


def _parts(table) -> list | object:
    """A table's parts to write one after another: an engine's documents come shard by shard (`tables()`)."""
    return table.tables() if hasattr(table, "tables") else [table]


def _one_ahead(parts):
    """`parts` as they come, the next one made in a thread while the caller writes this one: an engine's
    document shard is decompressed while the one before is encoded (Arrow lets go of the GIL for both).
    Two shards are in memory at a time instead of one."""
    from concurrent.futures import ThreadPoolExecutor

    parts = iter(parts)
    with ThreadPoolExecutor(1) as pool:
        coming = pool.submit(next, parts, None)
        while (part := coming.result()) is not None:
            coming = pool.submit(next, parts, None)
            yield part


def write_parquet(table, path: Path) -> None:
    """One output table as Parquet, zstd (a third smaller than snappy on news text), written part by part."""
    parts = iter(_one_ahead(table.tables()) if hasattr(table, "tables") else [table])
    first = next(parts, None)  # its schema is the table's: no shard decompressed twice to learn it
    with pq.ParquetWriter(path, table.schema if first is None else first.schema, compression="zstd") as writer:
        for part in ([] if first is None else [first]):
            writer.write_table(part, row_group_size=ROW_GROUP_ROWS)
        for part in parts:
            writer.write_table(part, row_group_size=ROW_GROUP_ROWS)


def write_jsonl(table, path: Path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for part in _parts(table):
            for batch in part.to_batches(max_chunksize=4096):
                for row in batch.to_pylist():
                    handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")


class ScanOutput:
    """A scan's output folder, read one table at a time, and only the rows and columns asked for.

    `table(name, columns, **any_of)` reads a table; keyword arguments keep the
    rows whose value in any of those columns is one of the given values
    (`table("edges", source=d, copy=d)`). From Parquet only those rows and
    columns are read, so one document's rows of a large folder are cheap.
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise ScanOutputError(f"{self.folder}: no such output folder")
        if (_marker(self.folder) or {}).get("state") == "replacing":
            raise ScanOutputError(f"{self.folder}: a scan was stopped while moving its outputs in; run it again")
        self._jsonl: dict[Path, pa.Table] = {}

    def path(self, name: str) -> Path | None:
        """The file of table `name`; of a Parquet and a JSONL file, the one written last."""
        found = [p for p in (self.folder / f"{name}{s}" for s in SUFFIXES) if p.is_file()]
        if len(found) > 1:  # the folder holds the outputs of two runs in different formats
            found.sort(key=lambda p: p.stat().st_mtime_ns, reverse=True)
        return found[0] if found else None

    def __contains__(self, name: str) -> bool:
        return self.path(name) is not None

    def names(self) -> list[str]:
        """Every table in the folder, the core tables first (rejects are not a table of results)."""
        stems = {p.name[: -len(s)] for s in SUFFIXES for p in self.folder.glob(f"*{s}")}
        stems.discard("rejects")
        return [n for n in CORE_TABLES if n in stems] + sorted(stems - set(CORE_TABLES))

    def table(self, name: str, columns: list[str] | None = None, **any_of) -> pa.Table:
        """Table `name` (ScanOutputError when it is absent or unreadable); see the class for `any_of`."""
        found = self.get(name, columns, **any_of)
        if found is None:
            raise ScanOutputError(f"{self.folder}: no {name}.parquet or {name}.jsonl "
                                  f"(run `copytrace scan ... --out {self.folder}` first)")
        return found

    def get(self, name: str, columns: list[str] | None = None, **any_of) -> pa.Table | None:
        """Table `name`, or None when the folder does not hold it."""
        path = self.path(name)
        if path is None:
            return None
        try:
            if path.suffix == ".parquet":
                return _read_parquet(path, columns, any_of)
            table = self._jsonl.get(path)
            if table is None:
                table = self._jsonl[path] = read_jsonl(path, name)
            return _select(table, columns, any_of)
        except _MissingColumns as err:
            raise ScanOutputError(f"{path}: {err}") from None
        except (OSError, ValueError, pa.ArrowException) as err:
            first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise ScanOutputError(f"{path}: unreadable ({first})") from err

    def stats(self) -> dict:
        """The counts of `summary.json` ({} when the folder has none)."""
        path = self.folder / "summary.json"
        if not path.is_file():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ScanOutputError(f"{path}: unreadable ({err})") from err

    def result(self) -> ScanResult:
        """Every table of the folder as a ScanResult (the documents, pairs and families must be there)."""
        core = [self.table(name) for name in CORE_TABLES]
        rejects = self.get("rejects")
        if rejects is None:
            rejects = REJECT_SCHEMA.empty_table()
        tables = {name: self.table(name) for name in self.names() if name not in CORE_TABLES}
        return ScanResult(*core, rejects, self.stats(), tables)


def read_scan(folder: str | Path) -> ScanResult:
    """The ScanResult a scan wrote to `folder` (Parquet or JSONL); ScanOutputError names what is missing."""
    return ScanOutput(folder).result()


def read_jsonl(path: Path, name: str | None = None) -> pa.Table:
    """A JSONL table; the column types of the known outputs where the rows hold exactly their columns."""
    with open(path, encoding="utf-8") as handle:  # by "\n" only: texts may hold U+2028 or U+0085
        rows = [json.loads(line) for line in handle if line.strip()]
    schema = SCHEMAS.get(name)
    if not rows:
        return schema.empty_table() if schema is not None else pa.table({})
    table = pa.Table.from_pylist(rows)
    if schema is not None and set(table.column_names) == set(schema.names):
        try:
            return table.select(schema.names).cast(schema)
        except (pa.ArrowException, ValueError):  # invalid or unsupported casts
            pass  # types JSON cannot round-trip: keep the inferred ones
    return table



class _MissingColumns(Exception):
    pass


def _check_columns(names, columns) -> None:
    missing = [c for c in columns or () if c not in names]
    if missing:
        raise _MissingColumns(f"no column {', '.join(missing)}")


def _asked(values) -> list:
    """The values asked for of one column (`any_of`'s value: one value or a collection), Nones left out."""
    values = list(values) if isinstance(values, (list, tuple, set, frozenset)) else [values]
    return [v for v in values if v is not None]


def _matching(names, any_of: dict):
    """The filter expression of `any_of` over the columns `names` holds; None when it matches nothing."""
    test = None
    for column, values in any_of.items():
        if column not in names:
            continue
        values = _asked(values)
        if not values:
            continue
        one = pc.field(column).isin(values)
        test = one if test is None else test | one
    return test


def _read_parquet(path: Path, columns, any_of: dict) -> pa.Table:
    """Table `path`, or its rows matching `any_of` read in two steps: the key columns alone, then the asked
    columns of the row groups holding a match, batch by batch; groups whose statistics rule out every value are
    skipped. Arrow's own filter decodes every column of every group its statistics cannot skip: one document of a
    1M-document folder whose ids are in no order took 11 s and 7.8 GB that way."""
    # Buffered, not pre-buffered: a row group's column chunks are read as they are decoded, not whole.
    file = pq.ParquetFile(path, buffer_size=4 << 20, pre_buffer=False)
    schema = file.schema_arrow
    _check_columns(schema.names, columns)
    if not any_of:
        return pq.read_table(path, columns=columns)
    test = _matching(schema.names, any_of)
    empty = schema.empty_table().select(columns) if columns else schema.empty_table()
    if test is None:
        return empty
    keys = [name for name in any_of if name in schema.names]
    wanted = _wanted(any_of, keys)
    leaves = [file.metadata.schema.column(i).path for i in range(file.metadata.num_columns)]  # nested: one per leaf
    parts = []
    for group in range(file.metadata.num_row_groups):
        if not _may_hold(file.metadata.row_group(group), leaves, wanted):
            continue
        found = _rows_matching(file.read_row_group(group, columns=keys), test)
        if len(found):
            parts.extend(parquet_rows(file, found, columns, [group]))
    return pa.concat_tables(parts).select(empty.column_names) if parts else empty


def _wanted(any_of: dict, keys: list[str]) -> dict[str, list]:
    """Each key column's values asked for, sorted (for the row groups' statistics)."""
    wanted = {}
    for name in keys:
        try:
            wanted[name] = sorted(_asked(any_of[name]))
        except TypeError:  # values that do not compare: no group is skipped for this column
            wanted[name] = None
    return wanted


def _may_hold(group, leaves: list[str], wanted: dict[str, list]) -> bool:
    """Whether a row group's min/max statistics leave room for any value asked for (True without them)."""
    for name, values in wanted.items():
        if values is None or name not in leaves:
            return True
        stats = group.column(leaves.index(name)).statistics
        if stats is None or not stats.has_min_max:
            return True
        try:
            k = bisect.bisect_left(values, stats.min)
            if k < len(values) and values[k] <= stats.max:
                return True
        except TypeError:
            return True
    return False


def _rows_matching(keys: pa.Table, test) -> np.ndarray:
    """The positions of the rows of `keys` that `test` (a filter expression over them) keeps."""
    numbered = keys.append_column("__row", pa.array(np.arange(keys.num_rows, dtype=np.int64)))
    return numbered.filter(test)["__row"].to_numpy()


def parquet_rows(file: pq.ParquetFile, rows: np.ndarray, columns=None, row_groups=None):
    """Rows `rows` (ascending 0-based positions, counted from the first row read) of a Parquet file, or of
    its `row_groups`, as tables read a batch at a time: a file of millions of texts, or one written in a single
    large row group, is never decoded whole in memory."""
    start = 0
    for part in file.iter_batches(batch_size=READ_BATCH_ROWS, row_groups=row_groups, columns=columns):
        end = start + part.num_rows
        lo, hi = np.searchsorted(rows, [start, end])
        if hi > lo:
            yield pa.Table.from_batches([part]).take(pa.array(rows[lo:hi] - start))
        start = end


def _select(table: pa.Table, columns, any_of: dict) -> pa.Table:
    _check_columns(table.column_names, columns)
    if any_of:
        test = _matching(table.column_names, any_of)
        table = table.slice(0, 0) if test is None or table.num_rows == 0 else table.filter(test)
    return table.select(columns) if columns else table
