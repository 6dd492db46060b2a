"""The index: one DuckDB database file holding documents, band keys and explain outputs.

Tables:
- `documents`: one row per indexed document, with a dense number `doc`
  (never reused, so band rows of a removed document can never point at a
  new one), the text, its metadata, a text digest (for idempotent re-adds)
  and its `family` (the smallest `doc` of its story family).
- No table has an index or key constraint: maintaining ART indexes on insert
  (documents, and 128 band rows per document) was most of an add's cost. Ids
  are checked for re-adds in bulk (one join per batch). Band keys live only
  in the sorted segment files of `segments.py` and lookups fetch candidate
  documents from the per-batch Arrow files of `docfiles.py`, both beside the
  database in `INDEX.duckdb.parts/` and written before their batch commits;
  a missing part is rebuilt from the `documents` table (band keys by
  fingerprinting the texts again).
- `pairs`, `passages`, `edges`, `edits`, `families`: the verified pairs and
  their explain outputs; passages, edges and edits are laid out from the
  Arrow schemas of `copytrace.schemas` (columns a later version adds are
  left out when writing to an older index).
- `meta`: the settings the index was built with (signature length, shingle
  size, bands and rows, keep rule); every later add and query uses them.

Every add and remove runs in one transaction, so a process killed in the
middle of one leaves the database as it was before it (DuckDB replays or
drops its write-ahead log on the next open).
"""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

try:
    import duckdb
except ImportError:  # the index is an optional part: pip install 'copytrace[serve]'
    duckdb = None

from copytrace.stages.fingerprint import MinHasher
from copytrace.index.parts import IndexParts, parts_dir
from copytrace.stages.candidates.lsh import LshParams
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, PASSAGE_SCHEMA
from copytrace.settings import ScanSettings
from copytrace.stages.verify import KeepRule

FORMAT_VERSION = 2  # 1 kept band rows in an indexed DuckDB table
CHECKPOINT_THRESHOLD = "1GB"

SCHEMA_SQL = """
create table meta (key varchar not null, value varchar);
create table documents (
    doc uinteger not null,
    id varchar not null,
    -- Stored as is: compressing 3 GB of text at each checkpoint cost half an add's CPU time; the
    -- hot reads of texts go to the parts' Arrow files anyway.
    text varchar not null using compression uncompressed,
    url varchar, source varchar, date varchar, title varchar, origin varchar,
    n_chars bigint, n_shingles bigint, digest ubigint,
    family bigint not null,
    batch bigint,
    added_at timestamp default current_timestamp
);
create table batches (batch bigint, added_at timestamp default current_timestamp,
                      label varchar, added bigint, present bigint, rejected bigint);
create table pairs (a varchar not null, b varchar not null, jaccard double,
                    containment_a_in_b double, containment_b_in_a double,
                    shared_shingles bigint, bands_shared bigint);
create table families (family bigint not null, size bigint not null, members varchar[], original varchar,
                       tree struct(source varchar, "copy" varchar, relation varchar)[],
                       updated_at timestamp default current_timestamp, explained varchar);
"""


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "varchar"
    if pa.types.is_int64(t):
        return "bigint"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_list(t):
        return _duck_type(t.value_type) + "[]"
    if pa.types.is_struct(t):
        return "struct(" + ", ".join(f'"{f.name}" {_duck_type(f.type)}' for f in t) + ")"
    raise TypeError(f"no DuckDB type for {t}")


def table_sql(name: str, schema: pa.Schema) -> str:
    """DDL of an explain table, in the layout of its Arrow schema in `copytrace.schemas`."""
    cols = ", ".join(f'"{f.name}" {_duck_type(f.type)}' + ("" if f.nullable else " not null") for f in schema)
    return f"create table {name} ({cols});"


def explain_tables_sql() -> str:
    return "\n".join(table_sql(n, s) for n, s in
                     (("passages", PASSAGE_SCHEMA), ("edges", EDGE_SCHEMA), ("edits", EDIT_SCHEMA)))


class IndexStoreError(Exception):
    """An index that cannot be opened or a request it cannot serve (one-line message)."""


@dataclass(frozen=True)
class IndexSettings:
    """The fingerprint, LSH and keep settings an index is built with."""

    num_perm: int = 256
    shingle_size: int = 5
    bands: int = 128
    rows: int = 2
    min_shared: int = 8
    min_containment: float = 0.2
    max_bucket: int = 200

    @classmethod
    def from_scan(cls, scan: ScanSettings) -> "IndexSettings":
        lsh = scan.lsh
        return cls(scan.num_perm, scan.shingle_size, lsh.bands, lsh.rows,
                   scan.keep.min_shared, scan.keep.min_containment, scan.max_bucket)

    @property
    def hasher(self) -> MinHasher:
        return MinHasher(num_perm=self.num_perm, shingle_size=self.shingle_size)

    @property
    def keep(self) -> KeepRule:
        return KeepRule(min_shared=self.min_shared, min_containment=self.min_containment)

    @property
    def lsh(self) -> LshParams:
        return LshParams(bands=self.bands, rows=self.rows, threshold=float("nan"))


class Store:
    """An open index file: a DuckDB connection, its settings, and a write lock.

    Reads may run from many threads (each takes its own cursor); writes are
    serialized by `write_lock`, since DuckDB allows one writer.
    """

    def __init__(self, path: str | Path, read_only: bool = False, prefault: bool = False):
        self.path = Path(path)
        _need_duckdb()
        if not self.path.is_file():
            raise IndexStoreError(f"{self.path}: no such index (create it with `copytrace index create`)")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as err:
            raise IndexStoreError(f"{self.path}: cannot open index: {_first_line(err)}") from err
        try:
            meta = dict(self.con.execute("select key, value from meta").fetchall())
        except duckdb.Error as err:
            self.con.close()
            raise IndexStoreError(f"{self.path}: not a copytrace index ({_first_line(err)})") from err
        if int(meta.get("format", -1)) != FORMAT_VERSION:
            self.con.close()
            raise IndexStoreError(f"{self.path}: index format {meta.get('format')} is not {FORMAT_VERSION}")
        self.settings = IndexSettings(**json.loads(meta["settings"]))
        if not read_only:
            # A checkpoint rewrites the band index; by default DuckDB runs one whenever the
            # write-ahead log passes 16 MB, i.e. after almost every daily batch. The log is
            # as durable (replayed on open), so checkpoint rarely: at close, or past 1 GB.
            self.con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        self.read_only = read_only
        self.write_lock = threading.Lock()
        self.parts = IndexParts(self.path)
        cur = self.con.cursor()
        try:
            self.parts.load(cur, read_only, self.settings)
        finally:
            cur.close()
        if prefault:  # a server: pay the band segments' page faults once, not in the first queries
            self.parts.segments.prefault()

    @property
    def segments(self):
        return self.parts.segments

    @classmethod
    def create(cls, path: str | Path, settings: IndexSettings | None = None) -> "Store":
        path = Path(path)
        _need_duckdb()
        if path.exists() or parts_dir(path).exists():
            raise IndexStoreError(f"{path}: already exists (an index is never overwritten)")
        settings = settings or IndexSettings.from_scan(ScanSettings())
        settings.hasher  # validates signature length and shingle size
        if settings.bands * settings.rows > settings.num_perm:
            raise IndexStoreError(f"{settings.bands} bands x {settings.rows} rows exceed the signature length")
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            con.execute("begin transaction")
            con.execute(SCHEMA_SQL)
            con.execute(explain_tables_sql())
            con.execute("insert into meta values ('format', ?), ('settings', ?), ('next_doc', '0'), ('next_batch', '0')",
                        [str(FORMAT_VERSION), json.dumps(settings.__dict__)])
            con.execute("commit")
        finally:
            con.close()
        return cls(path)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def cursor(self):
        """A cursor for one thread's reads."""
        return self.con.cursor()

    @contextmanager
    def transaction(self):
        """One write transaction; rolled back on any error."""
        if self.read_only:
            raise IndexStoreError(f"{self.path}: opened read-only")
        with self.write_lock:
            cur = self.con.cursor()
            cur.execute("begin transaction")
            try:
                yield cur
            except BaseException:
                cur.execute("rollback")
                raise
            else:
                cur.execute("commit")
                self.parts.refresh_families(cur)
            finally:
                cur.close()

    def counter(self, cur, name: str, take: int) -> int:
        """Reserve `take` numbers of counter `name` inside the caller's transaction; return the first."""
        first = int(cur.execute("select value from meta where key = ?", [name]).fetchone()[0])
        cur.execute("update meta set value = ? where key = ?", [str(first + take), name])
        return first

    def stats(self) -> dict:
        cur = self.cursor()
        try:
            one = lambda sql: cur.execute(sql).fetchone()[0]  # noqa: E731
            biggest = cur.execute("select family, size from families order by size desc, family limit 1").fetchone()
            return {
                "path": str(self.path),
                "file_bytes": self.path.stat().st_size,
                "documents": one("select count(*) from documents"),
                "band_rows": one(f"select count(*) from documents where n_shingles >= {int(self.settings.min_shared)}")
                * self.settings.bands,
                "band_segments": len(self.segments.segments),
                "parts_bytes": sum(f.stat().st_size for f in parts_dir(self.path).glob("*")),
                "pairs": one("select count(*) from pairs"),
                "passages": one("select count(*) from passages"),
                "edges": one("select count(*) from edges"),
                "families_with_copies": one("select count(*) from families"),
                "largest_family": {"family": biggest[0], "size": biggest[1]} if biggest else None,
                "batches": one("select count(*) from batches"),
                "settings": self.settings.__dict__,
            }
        finally:
            cur.close()


def _need_duckdb() -> None:
    if duckdb is None:
        raise IndexStoreError("the index needs DuckDB: pip install 'copytrace[serve]'")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def arrow(cur, sql: str, params=None) -> pa.Table:
    """Run a query and return an Arrow table (DuckDB 2: `.arrow()` is a reader, so read it all)."""
    return cur.sql(sql, params=params or None).to_arrow_table()
