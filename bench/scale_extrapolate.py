"""Extrapolate a scan of a corpus too large for this disk from measured rows of bench/scale.py.

Every stage's cost is taken as a power law in the corpus size, fitted on the
two largest whole corpora measured (same engine, budget, reuse and explain
settings): t(N) = t(n1) * (N / n1) ** k with k = log(t(n1) / t(n0)) / log(n1 / n0).
A stage whose cost grew faster than the corpus keeps its exponent; none is
assumed to grow slower than linearly. A row of `--sample` batches of the
target corpus (measured shards of it) gives the per-document cost of that
corpus' own documents, printed beside the extrapolation as a check. Work
folder size is extrapolated linearly (every stage's shards are per document).

    .venv/bin/python bench/scale_extrapolate.py --docs 10000000

Prints a Markdown table; nothing here is a measurement of the target size.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "scale.jsonl"


def latest_rows(path: Path, memory: str, reuse: float) -> dict[int, dict]:
    """The last whole-corpus row of each size with the scan defaults (explain and anchors on)."""
    rows = {}
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if (row.get("engine") == "local" and row.get("memory_budget") == memory and row.get("reuse") == reuse
                and row.get("explain") and row.get("anchors") and not row.get("sample_batches")):
            rows[row["docs"]] = row
    return rows


def sample_row(path: Path, corpus_docs: int) -> dict | None:
    found = None
    for line in path.read_text().splitlines():
        row = json.loads(line)
        if row.get("sample_batches") and row.get("corpus_docs") == corpus_docs:
            found = row
    return found


def extrapolate(small: dict, large: dict, target: int) -> dict[str, tuple[float, float]]:
    """Per stage: (exponent, seconds at `target`), from the wall seconds of two measured rows."""
    n0, n1 = small["docs"], large["docs"]
    out = {}
    for stage, t1 in large["stages_s"].items():
        t0 = small["stages_s"].get(stage, 0.0)
        k = math.log(t1 / t0) / math.log(n1 / n0) if t0 > 0.05 and t1 > 0.05 else 1.0
        k = max(1.0, k)
        out[stage] = (k, t1 * (target / n1) ** k)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000_000)
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--reuse", type=float, default=0.10)
    args = parser.parse_args(argv)
    rows = latest_rows(RESULTS, args.memory, args.reuse)
    if len(rows) < 2:
        print("needs two measured corpus sizes in bench/results/scale.jsonl", file=sys.stderr)
        return 1
    small, large = (rows[n] for n in sorted(rows)[-2:])
    stages = extrapolate(small, large, args.docs)
    total = sum(t for _, t in stages.values())
    print(f"From {small['docs']:,} ({small['when']}) and {large['docs']:,} ({large['when']}) documents "
          f"to {args.docs:,} (an extrapolation):\n")
    print("| stage | wall s at " + f"{small['docs']:,} | wall s at {large['docs']:,} | exponent | "
          f"wall s at {args.docs:,} (extrapolated) |")
    print("|---|---:|---:|---:|---:|")
    for stage, (k, t) in stages.items():
        print(f"| {stage} | {small['stages_s'].get(stage, 0):.1f} | {large['stages_s'][stage]:.1f} | {k:.2f} | {t:,.0f} |")
    print(f"| **total** | {small['wall_s']:.1f} | {large['wall_s']:.1f} | | **{total:,.0f}** "
          f"({total / 3600:.2f} h, {args.docs / total:,.0f} docs/s) |")
    disk = large.get("work_disk_gb", {})
    if disk:
        peak = max(disk.values())
        need = peak * args.docs / large["docs"]
        free = shutil.disk_usage(Path(__file__).resolve().parent).free / 2**30
        corpus = large["text_mb"] / 1e3 * 0.75 * args.docs / large["docs"]  # Parquet input: ~0.75 of the text
        print(f"\nWork folder: peak {peak:.1f} GB at {large['docs']:,} -> ~{need:,.0f} GB at {args.docs:,}, "
              f"plus ~{corpus:,.0f} GB of input corpus; {free:,.0f} GB free on this disk.")
    sample = sample_row(RESULTS, args.docs)
    if sample:
        print(f"\nMeasured shards of the {args.docs:,}-document corpus ({sample['sample_batches']} batches, "
              f"{sample['docs']:,} documents, {sample['when']}): {sample['docs_per_s']:,} docs/s, "
              f"peak anonymous memory {sample['peak_anon_gb']} GB, recall of planted pairs "
              f"{sample.get('recall_pairs')}; the {large['docs']:,} corpus ran at {large['docs_per_s']:,} docs/s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
