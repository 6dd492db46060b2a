"""CPU seconds of `provenance.trace` over a kept scan's pairs, in one process, and its tables for an A/B.

    PYTHONPATH=src .venv/bin/python bench/scale.py --docs 100000 --keep /tmp/keep
    PYTHONHASHSEED=0 PYTHONPATH=<src A> .venv/bin/python bench/trace_ab.py /tmp/keep/100000-explain --save /tmp/a
    PYTHONHASHSEED=0 PYTHONPATH=<src B> .venv/bin/python bench/trace_ab.py /tmp/keep/100000-explain --save /tmp/b
    .venv/bin/python bench/trace_ab.py --compare /tmp/a /tmp/b

Only the documents named by the pairs are given to `trace` (as a provenance chunk holds them); a first
trace of 20 pairs loads the compiled kernels before the clock starts.
"""

from __future__ import annotations

import argparse
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TABLES = ("edges", "edits", "families", "links")


def pair_tracer(out: str):
    """`traced(k)`: `provenance.trace` of a kept scan's first k pairs (0: all) with only their documents and
    passages, as a provenance chunk holds them: (result, documents, pairs, CPU s)."""
    from copytrace.settings import ScanSettings
    from copytrace.stages.provenance import trace

    every = pq.read_table(f"{out}/pairs.parquet")
    documents = pq.read_table(f"{out}/documents.parquet", columns=["id", "text", "raw_text", "url", "source",
                                                                    "date", "family", "n_shingles"])
    passages = pq.read_table(f"{out}/passages.parquet")
    settings = ScanSettings().provenance

    def traced(k: int):
        pairs = every.slice(0, k) if k else every
        ids = pa.concat_arrays([pairs["a"].combine_chunks(), pairs["b"].combine_chunks()]).unique()
        docs = documents.filter(pc.is_in(documents["id"], value_set=ids))
        kept = passages.filter(pc.and_(pc.is_in(passages["a"], value_set=ids), pc.is_in(passages["b"], value_set=ids)))
        started = time.process_time()
        result = trace(docs, pairs, kept, settings)
        return result, docs.num_rows, pairs.num_rows, time.process_time() - started

    return traced


def run(out: str, n: int, save: str | None) -> None:
    traced = pair_tracer(out)
    traced(20)
    result, n_docs, n_pairs, cpu = traced(n)
    print(f"{n_docs} documents, {n_pairs} pairs: trace {cpu:.2f} CPU s; {result.stats}")
    if save:
        for name in TABLES:
            pq.write_table(getattr(result, name), f"{save}-{name}.parquet")


def compare(a: str, b: str) -> None:
    for name in TABLES:
        x, y = pq.read_table(f"{a}-{name}.parquet"), pq.read_table(f"{b}-{name}.parquet")
        differ = sum(p != q for p, q in zip(x.to_pylist(), y.to_pylist())) if x.num_rows == y.num_rows else None
        print(f"{name}: {x.num_rows} / {y.num_rows} rows, " + ("identical" if x.equals(y) else f"{differ} rows differ"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", help="a kept scan output folder")
    parser.add_argument("--pairs", type=int, default=0, help="the first N pairs (0: all)")
    parser.add_argument("--save", help="write the tables to SAVE-<table>.parquet")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two --save prefixes")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    else:
        run(args.out, args.pairs, args.save)
