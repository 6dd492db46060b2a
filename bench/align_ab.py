"""CPU seconds of the align stage's unit (`provenance.align_plan` + `align.align_pairs`) over a kept scan's pairs,
in one process, and its passages for an A/B.

    PYTHONPATH=src .venv/bin/python bench/scale.py --docs 100000 --keep /tmp/keep
    PYTHONHASHSEED=0 PYTHONPATH=<src A> .venv/bin/python bench/align_ab.py /tmp/keep/100000-explain --save /tmp/a.parquet
    PYTHONHASHSEED=0 PYTHONPATH=<src B> .venv/bin/python bench/align_ab.py /tmp/keep/100000-explain --save /tmp/b.parquet
    .venv/bin/python bench/align_ab.py --compare /tmp/a.parquet /tmp/b.parquet

The kept scan's documents are given whole (as the memory engine holds them); a first run of 50 pairs loads
the compiled kernels before the clock starts. `--profile` prints cProfile's top functions instead.
"""

from __future__ import annotations

import argparse
import time

import pyarrow as pa
import pyarrow.parquet as pq


def run(out: str, n: int, save: str | None, profile: bool) -> None:
    from copytrace.settings import ScanSettings
    from copytrace.stages.align import align_pairs
    from copytrace.stages.provenance import align_plan

    every = pq.read_table(f"{out}/pairs.parquet")
    documents = pq.read_table(f"{out}/documents.parquet", columns=["id", "text", "raw_text", "url", "source",
                                                                    "date", "family", "n_shingles"])
    settings = ScanSettings()

    def aligned(k: int):
        pairs = every.slice(0, k) if k else every
        started = time.process_time()
        mask = align_plan(documents, pairs, settings.provenance)
        pairs = pairs if mask.all() else pairs.filter(pa.array(mask, pa.bool_()))
        passages = align_pairs(documents, pairs, settings.align)
        return passages, pairs.num_rows, time.process_time() - started

    aligned(50)
    if profile:
        import cProfile
        import pstats

        cProfile.runctx("aligned(n)", globals(), {"aligned": aligned, "n": n}, "/tmp/align_ab.prof")
        pstats.Stats("/tmp/align_ab.prof").sort_stats("tottime").print_stats(25)
        return
    passages, n_pairs, cpu = aligned(n)
    print(f"{n_pairs} pairs aligned: {cpu:.2f} CPU s, {passages.num_rows} passages")
    if save:
        pq.write_table(passages, save)


def compare(a: str, b: str) -> None:
    x, y = pq.read_table(a), pq.read_table(b)
    print(f"passages: {x.num_rows} / {y.num_rows} rows, " + ("identical" if x.equals(y) else "DIFFER"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", help="a kept scan output folder")
    parser.add_argument("--pairs", type=int, default=0, help="the first N pairs (0: all)")
    parser.add_argument("--save", help="write the passages to this Parquet file")
    parser.add_argument("--profile", action="store_true", help="cProfile's top functions instead of the timing")
    parser.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two --save files")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    else:
        run(args.out, args.pairs, args.save, args.profile)
