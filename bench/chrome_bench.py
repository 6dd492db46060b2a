"""Chrome removal on plain text: CPU per document as the corpus grows, in one piece and in batches.

For each size N, the first N documents of a Parquet corpus (its `text`
column, and `source`/`url`/`title` where present) go through
`clean_stage` (chrome removal: per-source templates, patterns, line
density) in this process; then through the batch path an engine uses
(`learn_templates` over 10 batches, then `clean_batch` on each), which must
remove the same lines. CPU seconds are this process's (the machine is
shared: wall time is shown with the load beside it).

Usage: python bench/chrome_bench.py [--data bench/data/scale-100000-r10-s42.parquet] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from copytrace.stages.clean import clean_batch, clean_stage, learn_templates  # noqa: E402
from copytrace.io.records import DOCUMENT_SCHEMA  # noqa: E402


def documents(path: Path, n: int) -> pa.Table:
    table = pq.read_table(path).slice(0, n)
    columns = {}
    for field in DOCUMENT_SCHEMA:
        if field.name in table.column_names:
            columns[field.name] = table[field.name].cast(field.type)
        elif field.name == "origin":
            columns[field.name] = pa.array([f"{path.name}:{i + 1}" for i in range(table.num_rows)], pa.string())
        else:
            columns[field.name] = pa.nulls(table.num_rows, field.type)
    return pa.table(columns, schema=DOCUMENT_SCHEMA)


def timed(run):
    wall, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "bench" / "data" / "scale-100000-r10-s42.parquet")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batches", type=int, default=10)
    args = parser.parse_args()
    if not args.data.is_file():
        print(f"skipped: {args.data} is absent (make it with bench/scale.py)")
        return
    print(f"{args.data.name}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'docs':>8} {'path':<26} {'CPU ms/doc':>10} {'docs/s (CPU)':>12} {'wall s':>7} {'removed':>8} {'load':>5}")
    for n in args.sizes:
        table = documents(args.data, n)
        n = table.num_rows
        whole, wall, cpu = timed(lambda: clean_stage(table))
        print(f"{n:8d} {'clean_stage (one piece)':<26} {1000 * cpu / n:10.3f} {n / cpu:12.0f} {wall:7.1f} "
              f"{whole.removed.num_rows:8d} {os.getloadavg()[0]:5.2f}")
        step = -(-n // args.batches)
        batches = [table.slice(k, step) for k in range(0, n, step)]

        def in_batches():
            templates = learn_templates(iter(batches))
            return [clean_batch(b, templates) for b in batches]

        parts, wall, cpu = timed(in_batches)
        removed = pa.concat_tables([p.removed for p in parts])
        same = removed.equals(whole.removed) and pa.concat_tables([p.documents for p in parts]).equals(whole.documents)
        print(f"{n:8d} {f'learn + {len(batches)} clean_batch':<26} {1000 * cpu / n:10.3f} {n / cpu:12.0f} {wall:7.1f} "
              f"{removed.num_rows:8d} {os.getloadavg()[0]:5.2f}  {'same result' if same else 'DIFFERENT RESULT'}")


if __name__ == "__main__":
    main()
