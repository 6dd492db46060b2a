"""The clean stage as the local engine runs it, shard by shard, in this process: CPU seconds per step.

Raw shards are cut from a corpus by `io.stream_documents` with the engine's shard size
(`Budget(memory).text_per_shard` for 2 workers), written once to `--work`; then
`engines.cleaning.learn_share` for each worker's share and `clean_one` for every shard
(the exact units the local engine maps over its workers) are timed by CPU seconds. With
`--keep DIR` the cleaned shards, removed lines and rejects are left in DIR, to compare runs.

The script imports the `src` beside it (not the installed package): to time another
commit, copy its `src` and this script together (`git archive COMMIT src bench/clean_shards.py
| tar -x -C DIR`) and run DIR's copy; the first line printed names the source timed.

Usage: python bench/clean_shards.py --data bench/data/news-100000-r10-s42.parquet [--shards N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from copytrace.engines.cleaning import clean_one, learn_share  # noqa: E402
from copytrace.engines.shards import Budget, atomic_write, is_done, mark_done, write_arrow  # noqa: E402
from copytrace.io import stream_documents  # noqa: E402
from copytrace.io.records import REJECT_SCHEMA  # noqa: E402
from copytrace.settings import ScanSettings  # noqa: E402


def raw_shards(data: Path, work: Path, budget: Budget) -> list[Path]:
    work.mkdir(parents=True, exist_ok=True)
    done = work / "raw.done"
    if done.exists():
        return sorted(work.glob("part-*.raw.arrow"))
    paths = []
    for table in stream_documents([data], batch_bytes=budget.text_per_shard):
        if table.schema.equals(REJECT_SCHEMA):
            break
        path = work / f"part-{len(paths):05d}.raw.arrow"
        write_arrow(path, table)
        paths.append(path)
    done.write_text("")
    return paths


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "bench" / "data" / "news-100000-r10-s42.parquet")
    parser.add_argument("--work", type=Path, default=Path("/tmp/clean-shards-raw"))
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=0, help="clean only the first N shards (0: all)")
    parser.add_argument("--keep", type=Path, default=None)
    args = parser.parse_args()
    from copytrace.engines.shards import parse_size

    budget = Budget(memory=parse_size(args.memory), workers=args.workers)
    paths = raw_shards(args.data, args.work, budget)
    settings = ScanSettings()
    out = args.keep or Path(f"/tmp/clean-shards-out-{os.getpid()}")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    import copytrace

    # which source this run times (a baseline copy of another commit's src must be the one imported)
    print(f"copytrace from {Path(copytrace.__file__).parent}")
    print(f"{len(paths)} shards of {budget.text_per_shard >> 20} MB, load {os.getloadavg()[0]:.2f}")
    cpu = time.process_time()
    templates: dict = {}
    for part in range(args.workers):
        templates.update(learn_share((paths, part, args.workers, settings)))
    learn = time.process_time() - cpu
    tpath = out / "templates.json"
    atomic_write(tpath, lambda tmp: tmp.write_text(json.dumps(templates)))
    mark_done(tpath)
    chosen = paths[:args.shards] if args.shards else paths
    clean_one((chosen[0], out / "warm.arrow", out, settings, tpath))  # imports and numba cache loads
    for f in out.glob("warm*"):
        f.unlink()
    docs = 0
    cpu = time.process_time()
    per = []
    for i, path in enumerate(chosen):
        c = time.process_time()
        info = clean_one((path, out / f"part-{i:05d}.cleaned.arrow", out, settings, tpath))
        per.append(time.process_time() - c)
        docs += info["docs"] + info["rejected"]
    clean = time.process_time() - cpu
    print(f"learn {learn:.2f} CPU s | clean {clean:.2f} CPU s over {len(chosen)} shards, {docs} docs "
          f"({1e6 * clean / docs:.0f} CPU us/doc; per shard {min(per):.2f}-{max(per):.2f}) | load {os.getloadavg()[0]:.2f}")
    if args.keep is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
