"""Crash consistency: a kill -9 in the middle of an add leaves the index as it was before that add,
and re-running the add completes it exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

pytest.importorskip("duckdb")

from copytrace.index import Store, add_documents  # noqa: E402
from copytrace.index.parts import parts_dir  # noqa: E402

WORDS = np.array("""the a of to in and on for with by from at as is was were will said minister government
talks agreement report official city council port ship trade market price energy oil gas bank court
law vote election party leader police security army border region country week month year today
""".split())


def generated(n: int, seed: int, prefix: str) -> pa.Table:
    """n distinct short news-like texts (random words), with ids prefix-0.."""
    rng = np.random.default_rng(seed)
    texts = [" ".join(WORDS[rng.integers(0, len(WORDS), 120)]) + "." for _ in range(n)]
    return pa.table({"id": [f"{prefix}-{k}" for k in range(n)], "text": texts})


def consistent(path: Path) -> dict:
    """Invariants of a committed index; returns its counts."""
    with Store(path, read_only=True) as store:
        cur = store.cursor()
        one = lambda sql: cur.execute(sql).fetchone()[0]  # noqa: E731
        docs = one("select count(*) from documents")
        assert one("select count(*) from pairs where a not in (select id from documents) "
                   "or b not in (select id from documents)") == 0
        assert one("select count(distinct id) from documents") == docs
        # The parts beside the database reach the committed documents and only them.
        next_doc = int(one("select value from meta where key = 'next_doc'"))
        assert store.segments.rows() == docs * store.lsh.bands
        assert store.parts.fetch(np.arange(next_doc + 500)).num_rows == docs
        return {"documents": docs, "batches": one("select count(*) from batches"),
                "next_doc": int(one("select value from meta where key = 'next_doc'"))}


CHILD = textwrap.dedent('''
    import sys, time
    import pyarrow.parquet as pq
    import copytrace.index.adding as adding
    from copytrace.index import Store, add_documents

    real = adding.insert_table
    def insert_then_stall(cur, table, data):
        real(cur, table, data)
        if table == "documents":  # band segment written, documents inserted, the transaction is open
            print("MID-ADD", flush=True)
            time.sleep(120)
    adding.insert_table = insert_then_stall
    store = Store(sys.argv[1])
    add_documents(store, pq.read_table(sys.argv[2]), "day 2")
    print("COMMITTED", flush=True)
''')


def test_kill_9_mid_add_leaves_the_previous_state_and_the_re_add_is_idempotent(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "ix.duckdb"
    day1, day2 = generated(50, 1, "day1"), generated(80, 2, "day2")
    with Store.create(path) as store:
        add_documents(store, day1, "day 1")
    pq.write_table(day2, tmp_path / "day2.parquet")
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(tmp_path / "day2.parquet")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "MID-ADD", child.stderr.read()
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert consistent(path) == {"documents": 50, "batches": 1, "next_doc": 50}
    orphans = sorted(p.name for p in parts_dir(path).iterdir())  # written before the commit that never came
    assert "0000000001.docs.arrow" in orphans and "0000000001-0000000001.seg" in orphans

    with Store(path) as store:
        rerun = add_documents(store, pa.concat_tables([day1, day2]), "day 2, again")
        assert (rerun.added, rerun.present) == (80, 50)
        again = add_documents(store, day2, "day 2, once more")
        assert (again.added, again.present) == (0, 80)
    assert consistent(path)["documents"] == 130
    assert len(list(parts_dir(path).glob("*.docs.arrow"))) == 2


def test_kill_9_at_an_unplanned_moment_of_a_multi_transaction_add(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "ix.duckdb"
    Store.create(path).close()
    batch = generated(1500, 3, "bulk")
    pq.write_table(batch, tmp_path / "bulk.parquet")
    child = subprocess.Popen([sys.executable, "-m", "copytrace.faces.cli", "index", "add", str(path),
                              str(tmp_path / "bulk.parquet"), "--batch-docs", "300"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wal = Path(str(path) + ".wal")
    deadline = time.monotonic() + 240
    try:
        while not wal.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)  # somewhere inside a later transaction, or between two
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    counts = consistent(path)
    assert counts["documents"] % 300 == 0 and counts["documents"] == 300 * counts["batches"]
    with Store(path) as store:
        rerun = add_documents(store, batch)
        assert (rerun.added, rerun.present) == (1500 - counts["documents"], counts["documents"])
    assert consistent(path)["documents"] == 1500
