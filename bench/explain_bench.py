"""CPU cost of explaining (alignment, provenance, credit scanning) on a scan's outputs, apart from the scan.

    .venv/bin/python bench/explain_bench.py /tmp/explain-20k --corpus bench/data/scale-100000-r10-s42.parquet \
        --docs 20000 --check

OUT is a `copytrace scan` output folder; with `--corpus`, the first
`--docs` documents of that Parquet corpus are scanned into OUT first (once:
an existing OUT is reused). Takes the first `--pairs` pairs of
pairs.parquet (all by default) and the documents they name; reports CPU
seconds (time.process_time, one process) per pair for `align_pairs`, per
pair for `provenance.trace`, and per document for `credit.scan_mentions`,
with the 1-minute load average. `--check` (all pairs only) compares the
passages, edges and edits with the scan's own: the answers must not change.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from copytrace.stages.align import align_pairs
from copytrace.stages.provenance.credit import scan_mentions
from copytrace.stages.provenance import trace


def _cpu(fn, *args):
    started = time.process_time()
    out = fn(*args)
    return out, time.process_time() - started


def scan_slice(corpus: str, docs: int, out: str) -> None:
    from copytrace import scan

    os.makedirs(out, exist_ok=True)
    part = f"{out}/corpus-{docs}.parquet"
    pq.write_table(pq.read_table(corpus).slice(0, docs), part)
    scan(part).write(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--pairs", type=int, default=0, help="first N pairs (0: all)")
    parser.add_argument("--check", action="store_true", help="compare with the scan's passages/edges/edits")
    parser.add_argument("--corpus", help="a Parquet corpus to scan into OUT first, when OUT has no outputs")
    parser.add_argument("--docs", type=int, default=20000, help="documents of --corpus to scan")
    args = parser.parse_args()
    if args.corpus and not os.path.exists(f"{args.out}/pairs.parquet"):
        scan_slice(args.corpus, args.docs, args.out)
    documents = pq.read_table(f"{args.out}/documents.parquet")
    pairs = pq.read_table(f"{args.out}/pairs.parquet")
    if args.pairs:
        pairs = pairs.slice(0, args.pairs)
    ids = pa.concat_arrays([pairs["a"].combine_chunks(), pairs["b"].combine_chunks()]).unique()
    documents = documents.filter(pc.is_in(documents["id"], value_set=ids))
    passages, t_align = _cpu(align_pairs, documents, pairs)
    traced, t_trace = _cpu(trace, documents, pairs, passages)
    texts = documents["text"].to_pylist()
    started = time.process_time()
    for text in texts:
        scan_mentions(text)
    t_credit = time.process_time() - started
    report = {
        "pairs": pairs.num_rows, "documents": documents.num_rows, "passages": passages.num_rows,
        "edges": traced.edges.num_rows, "edits": traced.edits.num_rows,
        "align_ms_per_pair": round(1000 * t_align / max(1, pairs.num_rows), 3),
        "trace_ms_per_pair": round(1000 * t_trace / max(1, pairs.num_rows), 3),
        "credit_ms_per_doc": round(1000 * t_credit / max(1, len(texts)), 3),
        "load": os.getloadavg()[0],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    if args.check and not args.pairs:
        for name, table in (("passages", passages), ("edges", traced.edges), ("edits", traced.edits)):
            report[f"same_{name}"] = table.equals(pq.read_table(f"{args.out}/{name}.parquet").cast(table.schema))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
