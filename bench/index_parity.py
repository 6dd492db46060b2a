"""Does an index fed a corpus in batches find what `scan` finds? Pairs, families and planted copies, side by side.

    .venv/bin/python bench/index_parity.py --docs 20000 --batches 3

The news corpus of bench/news_corpus.py (planted full and partial copies);
`copytrace scan` and `copytrace index create` + `index add --batch-docs`
(the command lines, with their defaults) in fresh folders; then the pairs
(a, b) and families (as member sets) of both, and the share of planted
(source, copy) pairs each kept as a pair.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from corpus import MissingData  # noqa: E402
from news_corpus import ensure_corpus, planted_path  # noqa: E402

EXE = str(Path(sys.executable).with_name("copytrace"))


def run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([EXE, *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def scan_outputs(folder: Path) -> tuple[set, set]:
    pairs = pq.read_table(folder / "pairs.parquet", columns=["a", "b"]).to_pylist()
    docs = pq.read_table(folder / "documents.parquet", columns=["id", "family"]).to_pylist()
    return {tuple(sorted((p["a"], p["b"]))) for p in pairs}, families_of((d["id"], d["family"]) for d in docs)


def index_outputs(path: Path) -> tuple[set, set]:
    import duckdb

    with duckdb.connect(str(path), read_only=True) as db:
        pairs = db.execute("select a, b from pairs").fetchall()
        docs = db.execute("select id, family from documents").fetchall()
    return {tuple(sorted(p)) for p in pairs}, families_of(docs)


def families_of(rows) -> set:
    groups: dict = {}
    for doc_id, family in rows:
        groups.setdefault(family, set()).add(doc_id)
    return {frozenset(g) for g in groups.values() if len(g) > 1}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        corpus = ensure_corpus(args.docs)
    except MissingData as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    work = Path(tempfile.mkdtemp(prefix="copytrace-index-parity-"))
    try:
        scan_s = run("scan", str(corpus), "-o", str(work / "scan"), "-q")
        index = work / "watch.ctx"
        run("index", "create", str(index))
        add_s = run("index", "add", str(index), str(corpus), "--batch-docs", str(-(-args.docs // args.batches)))
        scan_pairs, scan_families = scan_outputs(work / "scan")
        index_pairs, index_families = index_outputs(index)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    planted = pq.read_table(planted_path(corpus), columns=["source", "copy"]).to_pylist()
    wanted = {tuple(sorted((p["source"], p["copy"]))) for p in planted}
    report = {
        "docs": args.docs, "batches": args.batches, "planted_pairs": len(wanted),
        "scan": {"pairs": len(scan_pairs), "families": len(scan_families), "planted_found": len(wanted & scan_pairs),
                 "seconds": round(scan_s, 1)},
        "index": {"pairs": len(index_pairs), "families": len(index_families),
                  "planted_found": len(wanted & index_pairs), "seconds": round(add_s, 1)},
        "pairs_only_in_scan": len(scan_pairs - index_pairs), "pairs_only_in_index": len(index_pairs - scan_pairs),
        "same_families": scan_families == index_families,
        "families_only_in_scan": len(scan_families - index_families),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
