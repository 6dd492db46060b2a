"""JSONL and CSV ingest: the block readers against the record-by-record readers, on one file, same run.

The file is made from the news corpus of bench/news_corpus.py (its documents
written again and again to reach --mb megabytes, ids made unique). Each
reader runs `io.stream_documents` over the file in shards, as the local
engine's ingest does; MB/s is the file's size over wall seconds. Rejects of
the two readers are compared (they must be identical).

    .venv/bin/python bench/ingest_bench.py --mb 1000 --format jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import pyarrow as pa  # noqa: E402
import pyarrow.csv as pcsv  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

import copytrace.io.blocks as blocks  # noqa: E402
import copytrace.io.tabular as tabular  # noqa: E402
from copytrace.io import stream_documents  # noqa: E402
from copytrace.io.records import REJECT_SCHEMA  # noqa: E402


_BAD_JSON = ['{"id": "broken", "text": "unterminated', "", '{"id": 7, "text": "a number id"}', '["not an object"]',
             '{"id": "x", "text": "   "}']


def make_file(corpus: Path, fmt: str, mb: int) -> Path:
    out = corpus.with_name(f"{corpus.stem}.{mb}mb.v2.{fmt}")
    if out.exists():
        return out
    table = pq.read_table(corpus, columns=["id", "text", "source", "url", "date", "title"])
    tmp, written, round_ = out.with_suffix(".tmp"), 0, 0
    with open(tmp, "wb") as handle:
        while written < mb * 1e6:
            part = table.set_column(0, "id", pa.array([f"{i}-{round_}" for i in table["id"].to_pylist()]))
            if fmt == "jsonl":
                lines = [json.dumps(r, ensure_ascii=False) for r in part.to_pylist()]
                # A few bad records, so that the rejects of the two readers can be compared.
                for k, bad in enumerate(_BAD_JSON):
                    lines[(k + 1) * 9_973 % len(lines)] = bad
                data = ("\n".join(lines) + "\n").encode()
            else:
                sink = pa.BufferOutputStream()
                pcsv.write_csv(part, sink, pcsv.WriteOptions(include_header=round_ == 0))
                data = sink.getvalue().to_pybytes()
            handle.write(data)
            written += len(data)
            round_ += 1
    os.replace(tmp, out)
    return out


def run(path: Path) -> tuple[float, float, int, pa.Table]:
    started, cpu, docs, rejects = time.perf_counter(), time.process_time(), 0, REJECT_SCHEMA.empty_table()
    for table in stream_documents([path], batch_bytes=32 << 20):
        if table.schema.equals(REJECT_SCHEMA):
            rejects = table
        else:
            docs += table.num_rows
    return time.perf_counter() - started, time.process_time() - cpu, docs, rejects


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / "bench" / "data" / "news-100000-r10-s42.parquet")
    parser.add_argument("--mb", type=int, default=1000)
    parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    parser.add_argument("--records", action="store_true", help="also time the record-by-record reader")
    args = parser.parse_args()
    path = make_file(args.corpus, args.format, args.mb)
    size = path.stat().st_size / 1e6
    rows = []
    readers = [("blocks", None)] + ([("records", True)] if args.records else [])
    for label, slow in readers:
        if slow:
            blocks.jsonl_blocks = lambda p, n, f, m: tabular.read_jsonl_records(p, n, f, m)
            blocks.csv_blocks = lambda p, n, f, m: tabular.read_csv_records(p, n, f, m)
        load = os.getloadavg()[0]
        wall, cpu, docs, rejects = run(path)
        rows.append((label, wall, docs, rejects, load))
        print(f"{path.name} {size:,.0f} MB {label:<8} {wall:6.1f} s {size / wall:6.1f} MB/s (wall) "
              f"{size / cpu:6.1f} MB per CPU s {docs:,} docs "
              f"{rejects.num_rows} rejects load {load:.1f}/{os.getloadavg()[0]:.1f}", flush=True)
    if len(rows) == 2:
        print("rejects identical" if rows[0][3].equals(rows[1][3]) and rows[0][2] == rows[1][2] else "REJECTS DIFFER")
    print(f"cpus {os.cpu_count()}, load average after {os.getloadavg()}")


if __name__ == "__main__":
    main()
