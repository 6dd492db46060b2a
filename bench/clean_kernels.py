"""The clean stage's two compiled passes over raw texts, timed apart: template learning's line keys
(`templates.line_hashes`) and the chrome scan's gate (`scan.scan_lines`), best of `--repeats` runs, wall seconds
in this process (one thread). With `--save F.npz` their outputs are kept, to check two versions agree.

    PYTHONPATH=src .venv/bin/python bench/clean_kernels.py --data bench/data/news-100000-r10-s42.parquet --docs 20000

To compare commits, copy each one's `src` (its numba cache is built on the first run) and run this script with
PYTHONPATH pointing at each copy, alternated.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pyarrow.parquet as pq


def best(function, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    from copytrace.stages.clean.scan import scan_lines
    from copytrace.stages.clean.templates import line_hashes

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="bench/data/news-100000-r10-s42.parquet")
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--save", help="keep both passes' outputs in this .npz")
    args = parser.parse_args()
    texts = pq.read_table(args.data, columns=["text"]).slice(0, args.docs)["text"].combine_chunks()
    rows = np.arange(len(texts))
    text_of = lambda i: texts[i].as_py()  # noqa: E731
    line_hashes(texts.slice(0, 10), np.arange(10), text_of)  # compiled kernels loaded before the clock
    scan_lines(texts.slice(0, 10), np.arange(10))
    keys, hashed = best(lambda: line_hashes(texts, rows, text_of, text_hashes=False), args.repeats)
    gate, flagged = best(lambda: scan_lines(texts, rows), args.repeats)
    print(f"{len(texts)} raw texts, {texts.nbytes / 1e6:.1f} MB: line keys {keys:.3f} s ({len(hashed[0]):,} lines), "
          f"gate scan {gate:.3f} s ({len(flagged[0]):,} lines flagged)")
    if args.save:
        np.savez(args.save, *hashed, *flagged)


if __name__ == "__main__":
    main()
