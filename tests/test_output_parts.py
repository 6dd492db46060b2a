"""`io.output.write_parquet` of a table that comes part by part (an engine's documents, shard by shard)."""

from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from copytrace.io.output import write_parquet


class _Parts:
    """Parts made on demand, as `ShardedDocuments.tables()` makes them; `schema` is dear there, so it is
    counted; `made` records which thread made each part."""

    def __init__(self, parts, fail_at=None):
        self.parts, self.fail_at, self.made, self.schema_asked = parts, fail_at, [], 0

    @property
    def schema(self):
        self.schema_asked += 1
        return self.parts[0].schema if self.parts else pa.schema([("id", pa.string())])

    def tables(self):
        for k, part in enumerate(self.parts):
            if k == self.fail_at:
                raise OSError("shard unreadable")
            self.made.append(threading.current_thread().name)
            yield part


def _part(k: int) -> pa.Table:
    return pa.table({"id": [f"d{k}-{i}" for i in range(3)], "text": [f"text {k} {i}" for i in range(3)]})


def test_parts_are_written_in_order_made_ahead_in_a_thread(tmp_path):
    table = _Parts([_part(k) for k in range(4)])
    write_parquet(table, tmp_path / "documents.parquet")
    written = pq.read_table(tmp_path / "documents.parquet")
    assert written.equals(pa.concat_tables(table.parts))
    assert table.schema_asked == 0  # the first part's schema is the table's
    assert threading.current_thread().name not in table.made


def test_no_parts_and_a_plain_table(tmp_path):
    empty = _Parts([])
    write_parquet(empty, tmp_path / "empty.parquet")
    assert pq.read_table(tmp_path / "empty.parquet").num_rows == 0
    write_parquet(_part(1), tmp_path / "plain.parquet")
    assert pq.read_table(tmp_path / "plain.parquet").equals(_part(1))


def test_a_part_that_fails_fails_the_write(tmp_path):
    with pytest.raises(OSError, match="shard unreadable"):
        write_parquet(_Parts([_part(k) for k in range(3)], fail_at=2), tmp_path / "documents.parquet")
