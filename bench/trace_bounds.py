"""Upper bounds on what speeding up one part of provenance could give: `provenance.trace` over a kept scan's
pairs in one process, CPU seconds, with one component replaced by a stub at a time.

    PYTHONPATH=src .venv/bin/python bench/scale.py --docs 100000 --keep /tmp/keep
    PYTHONHASHSEED=0 PYTHONPATH=src .venv/bin/python bench/trace_bounds.py /tmp/keep/100000-explain --runs 3

Each stub returns at once (no mentions, every relation a republication, no edits, every character prose),
so the trees and what follows them change too: the saving of a stub bounds what making that part free
could give, and the savings overlap. Each run is a fresh process; the first trace of 20 pairs loads the
compiled kernels before the clock starts (bench/trace_ab.py's `pair_tracer`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

STUBS = ("none", "mentions", "raw_chrome", "relations", "edits", "prose_masks")


def _stub(name: str) -> None:
    import numpy as np

    import copytrace.stages.provenance.facts as facts
    import copytrace.stages.provenance.family as family
    import copytrace.stages.provenance.mentions as mentions

    if name == "mentions":
        facts.document_mentions = lambda row, *args, **kwargs: []
    elif name == "raw_chrome":  # the text's own scan kept, the raw text's chrome not read
        scan = mentions.document_mentions
        facts.document_mentions = lambda row, *args, **kwargs: scan({**row, "raw_text": None}, *args, **kwargs)
    elif name == "relations":
        family.relation_between = lambda *args, **kwargs: ("republication", None)
    elif name == "edits":
        family.copy_edits = lambda *args, **kwargs: []
    elif name == "prose_masks":
        facts.prose_mask = lambda text, *args, **kwargs: np.ones(len(text or ""), dtype=bool)


def one(out: str, stub: str) -> float:
    from trace_ab import pair_tracer

    traced = pair_tracer(out)
    traced(20)
    _stub(stub)
    return traced(0)[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", help="a kept scan output folder (documents, pairs, passages)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each stub, alternated")
    parser.add_argument("--one", choices=STUBS, help=argparse.SUPPRESS)  # a child's single run
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.out, args.one)))
        return
    seconds: dict[str, list[float]] = {name: [] for name in STUBS}
    for _ in range(args.runs):
        for name in STUBS:
            done = subprocess.run([sys.executable, __file__, args.out, "--one", name], capture_output=True,
                                  text=True, check=True)
            seconds[name].append(json.loads(done.stdout.splitlines()[-1]))
    base = statistics.mean(seconds["none"])
    print(f"| stub | trace CPU s (mean of {args.runs}) | saved | share |")
    print("|---|---:|---:|---:|")
    for name in STUBS:
        mean = statistics.mean(seconds[name])
        print(f"| {name} | {mean:.2f} | {base - mean:.2f} | {(base - mean) / base:.0%} |")


if __name__ == "__main__":
    main()
