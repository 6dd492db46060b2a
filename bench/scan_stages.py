"""Fingerprint, candidates and verify of one corpus, each timed alone (wall and CPU seconds), kept pairs saved.

    .venv/bin/python bench/scan_stages.py bench/data/news-100000-r10-s42.parquet --clean /tmp/clean100k.parquet \\
        --save /tmp/pairs-after.parquet [--profile verify] [--no-explain]

The corpus is ingested and cleaned once and kept at `--clean` (cleaning is
not what is measured here; a later run reads it back). Numba's compiled
code is warmed on 50 documents first. `--save` writes the kept pairs
(`pairs.parquet`'s rows) to compare a change's pairs with a baseline's:
run it with PYTHONPATH pointing at each checkout, then compare the files.
`--no-explain`: verification as in `scan --no-explain` (possible quotes not kept).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from copytrace.io import read_inputs
from copytrace.progress import Progress
from copytrace.settings import ScanSettings
from copytrace.stages.candidates import candidates
from copytrace.stages.clean import clean_ingested
from copytrace.stages.fingerprint import fingerprint
from copytrace.stages.verify import pairs_table, verify


def timed(name: str, work, profile: bool):
    profiler = cProfile.Profile() if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    out = work()
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(f"{name}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} CPU s", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--clean", type=Path, required=True, help="cleaned documents (written if missing)")
    parser.add_argument("--save", type=Path, help="write the kept pairs here")
    parser.add_argument("--profile", default="", help="stages to profile, comma-separated")
    parser.add_argument("--no-explain", action="store_true")
    args = parser.parse_args()
    settings = ScanSettings(explain=not args.no_explain)
    if not args.clean.exists():
        ingested = read_inputs([args.corpus], None, None)
        ingested, _ = clean_ingested(ingested, settings.clean, Progress(), aliases=settings.aliases)
        pq.write_table(ingested.documents, args.clean)
    documents = pq.read_table(args.clean)
    texts = documents["text"].combine_chunks()
    ids = np.asarray(documents["id"].to_pylist(), dtype=object)
    warm = fingerprint(texts.slice(0, 50), settings, Progress())
    verify(texts.slice(0, 50), *candidates(warm, settings)[:2], settings)
    profiled = set(args.profile.split(","))
    prints = timed("fingerprint", lambda: fingerprint(texts, settings, Progress()), "fingerprint" in profiled)
    a, b, bands = timed("candidates", lambda: candidates(prints, settings, Progress()), "candidates" in profiled)
    figures = timed("verify", lambda: verify(texts, a, b, settings, Progress()), "verify" in profiled)
    print(f"documents {len(ids):,}, candidate pairs {len(a):,}, kept {int(figures['kept'].sum()):,}, "
          f"linking families {int(figures['family_link'].sum()):,}")
    if args.save:
        pq.write_table(pairs_table(ids, a, b, bands, figures), args.save)


if __name__ == "__main__":
    main()
