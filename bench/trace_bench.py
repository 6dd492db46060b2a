"""Time `provenance.trace` on the outputs of a scan (documents, pairs, passages), apart from the scan.

    .venv/bin/copytrace bench make -o /tmp/corpus --seed 7
    .venv/bin/copytrace scan /tmp/corpus/documents.jsonl -o /tmp/out -q
    .venv/bin/python bench/trace_bench.py /tmp/out
"""

from __future__ import annotations

import sys
import time

import pyarrow.parquet as pq

from copytrace.stages.provenance import trace


def main(out: str, repeats: int = 3) -> None:
    documents = pq.read_table(f"{out}/documents.parquet")
    pairs = pq.read_table(f"{out}/pairs.parquet")
    passages = pq.read_table(f"{out}/passages.parquet")
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = trace(documents, pairs, passages)
        times.append(time.perf_counter() - started)
    print(f"{documents.num_rows} documents, {pairs.num_rows} pairs, {passages.num_rows} passages -> "
          f"{result.edges.num_rows} edges, {result.edits.num_rows} edits, {result.families.num_rows} families; "
          f"trace: best {min(times):.2f} s of {repeats}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
