"""The index: one DuckDB database file holding documents, band keys and explain outputs.

Tables:
- `documents`: one row per indexed document, with a dense number `doc`
  (never reused, so band rows of a removed document can never point at a
  new one), the text, its metadata, a text digest (for idempotent re-adds)
  and its `family` (the smallest `doc` of its story family).
- No table has an index or key constraint: maintaining ART indexes on insert
  (documents, and 128 band rows per document) was most of an add's cost. Ids
  are checked for re-adds in bulk (one join per batch). Band keys and anchors
  live only in the sorted segment files of `segments.py` and lookups fetch
  candidate documents from the per-batch Arrow files of `docfiles.py`, all
  beside the database in `INDEX.duckdb.parts/` and written before their
  batch commits; a missing part is rebuilt from the `documents` table (keys
  and anchors by fingerprinting the texts again).
- `pairs`, `passages`, `edges`, `edits`, `families`: the verified pairs and
  their explain outputs; passages, edges and edits are laid out from the
  Arrow schemas of `copytrace.schemas` (columns a later version adds are
  left out when writing to an older index). A pair with `family_link` false
  is a possible quote that alignment confirmed: it never joins families.
- `meta`: the whole `ScanSettings` the index was created with (as JSON);
  every later add and query runs the scan's stage units with it, and an
  open or add that names other settings is refused with the fields that
  differ.

Every add and remove runs in one transaction, so a process killed in the
middle of one leaves the database as it was before it (DuckDB replays or
drops its write-ahead log on the next open).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

try:
    import duckdb
except ImportError:  # the index is an optional part: pip install 'copytrace[serve]'
    duckdb = None

from copytrace.index.parts import IndexParts, parts_dir
from copytrace.schemas import EDGE_SCHEMA, EDIT_SCHEMA, PASSAGE_SCHEMA
from copytrace.settings import ScanSettings

# 1 kept band rows in an indexed DuckDB table; 2 kept 7 flat settings and no anchors;
# 3 holds the whole ScanSettings, anchor segments and the pairs' `family_link`.
FORMAT_VERSION = 3
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
                    shared_shingles bigint, bands_shared bigint, family_link boolean not null);
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


def refuse_other_settings(path, stored: ScanSettings, given: ScanSettings | None) -> None:
    """Raise IndexStoreError naming the fields where `given` differs from the index's settings."""
    if given is None:
        return
    differ = stored.differences(given)
    if differ:
        shown = ", ".join(differ[:8]) + (f" and {len(differ) - 8} more" if len(differ) > 8 else "")
        raise IndexStoreError(f"{path}: the index was created with other settings ({shown}); "
                              "an index never mixes settings: create another one")


class Store:
    """An open index file: a DuckDB connection, its `ScanSettings`, and a write lock.

    `settings`, if given, must equal the settings stored when the index was
    created (else IndexStoreError names the fields that differ).
    Reads may run from many threads (each takes its own cursor); writes are
    serialized by `write_lock`, since DuckDB allows one writer.
    """

    def __init__(self, path: str | Path, read_only: bool = False, prefault: bool = False,
                 settings: ScanSettings | None = None):
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
        if str(meta.get("format")) != str(FORMAT_VERSION):
            self.con.close()
            raise IndexStoreError(f"{self.path}: index format {meta.get('format')} is not this copytrace's "
                                  f"{FORMAT_VERSION}; create a new index and add the documents again")
        try:
            self.settings = ScanSettings.from_json(meta["settings"])
            refuse_other_settings(self.path, self.settings, settings)
        except (ValueError, TypeError, KeyError, IndexStoreError) as err:
            self.con.close()
            if isinstance(err, IndexStoreError):
                raise
            raise IndexStoreError(f"{self.path}: unreadable settings in the index ({err})") from err
        self.lsh = self.settings.lsh  # bands and rows, derived once (the derivation takes a fraction of a ms)
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
        if prefault:  # a server: pay the segments' page faults once, not in the first queries
            self.parts.segments.prefault()
            self.parts.anchors.prefault()

    @property
    def segments(self):
        """The band-key segments."""
        return self.parts.segments

    def require(self, settings: ScanSettings | None) -> None:
        """Refuse (IndexStoreError naming the fields) settings other than the index's own."""
        refuse_other_settings(self.path, self.settings, settings)

    @classmethod
    def create(cls, path: str | Path, settings: ScanSettings | None = None) -> "Store":
        """A new, empty index that will run every add and query with `settings` (stored whole)."""
        path = Path(path)
        _need_duckdb()
        if path.exists() or parts_dir(path).exists():
            raise IndexStoreError(f"{path}: already exists (an index is never overwritten)")
        settings = settings or ScanSettings()
        if not isinstance(settings, ScanSettings):
            raise TypeError(f"an index is created with a ScanSettings, got {type(settings).__name__}")
        try:
            settings.check()
        except ValueError as err:
            raise IndexStoreError(f"{path}: {err}") from err
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        try:
            con.execute("begin transaction")
            con.execute(SCHEMA_SQL)
            con.execute(explain_tables_sql())
            con.execute("insert into meta values ('format', ?), ('settings', ?), ('next_doc', '0'), ('next_batch', '0')",
                        [str(FORMAT_VERSION), settings.to_json()])
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
                try:
                    cur.execute("rollback")
                except duckdb.Error:  # an interrupted statement (Ctrl-C, SIGTERM) has already ended the transaction
                    pass
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
                "band_rows": one(f"select count(*) from documents where n_shingles >= {int(self.settings.keep.min_shared)}")
                * self.lsh.bands,
                "band_segments": len(self.segments.segments),
                "anchor_rows": self.parts.anchors.rows(),
                "anchor_segments": len(self.parts.anchors.segments),
                "parts_bytes": sum(f.stat().st_size for f in parts_dir(self.path).glob("*")),
                "pairs": one("select count(*) from pairs"),
                "passages": one("select count(*) from passages"),
                "edges": one("select count(*) from edges"),
                "families_with_copies": one("select count(*) from families where size >= 2"),
                "largest_family": {"family": biggest[0], "size": biggest[1]} if biggest else None,
                "batches": one("select count(*) from batches"),
                "settings": self.settings.to_dict(),
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
