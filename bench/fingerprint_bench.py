"""Fingerprint + candidates benchmark: copytrace against datasketch and rensa, same corpus, one run.

The job, for every tool: word 5-shingles of every document, 256-permutation
MinHash signatures, LSH banding with the bands and rows copytrace derives
from its defaults (`ScanSettings().lsh`: 128 bands x 2 rows), and the list
of candidate pairs (a bucket over `max_bucket` members is linked as a star). Each tool runs in its own subprocess so that its peak memory
is its own: the peak resident set is reset after the corpus is loaded
(/proc/self/clear_refs) and read back from getrusage afterwards.

- copytrace: `MinHasher.signatures` on Arrow batches of `batch_bytes`, as
  the scan holds documents, then `candidate_pairs` (LSH only, like the
  peers). A second row, `copytrace-stage`, runs `stages.fingerprint.fingerprint` and
  `stages.candidates.candidates` exactly as the memory engine wires them: LSH plus the
  winnowed anchors that find sections and quotes the peers cannot (one
  tokenizing pass gives signatures and anchors).
- datasketch: shingles made in Python (regex words, lower-cased, joined by
  five), `MinHash.bulk`, `MinHashLSH(params=(bands, rows))`, pairs read from
  its hash tables.
- rensa: the same Python shingles, `RMinHash.from_token_sets`,
  `RMinHashLSH(num_bands=bands)`, `insert_many` then `query_all` (rensa
  does not expose its buckets, so no star rule there; the corpus has no
  bucket that large).

Recall: the share of the corpus's planted reuse pairs (bench/corpus.py) that
each tool returns as candidates. Timings exclude reading the Parquet file and
one small warm-up (numba compiles once and caches on disk); copytrace's
candidates are NumPy arrays, turned into a Python set for the recall check
after the clock stops (the peers build their sets inside the clock: that is
how they return pairs).

    .venv/bin/python bench/fingerprint_bench.py                 # 100,000 documents
    .venv/bin/python bench/fingerprint_bench.py --docs 10000    # a quick run
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from corpus import MissingData, ensure_corpus  # noqa: E402

RESULTS_DIR = ROOT / "results"
TOOLS = ("copytrace", "copytrace-stage", "rensa", "datasketch")
MAX_BUCKET = 200
_WORD = re.compile(r"\w+")


# --- measuring ----------------------------------------------------------------


def reset_peak_memory() -> None:
    """Make the resident-set high-water mark start from now (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        pass


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_memory_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


# --- the jobs -----------------------------------------------------------------


def python_shingles(text: str, size: int = 5) -> set[str]:
    """Word shingles the way a Python user makes them: regex words, lower-cased, joined."""
    words = _WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return set(map(" ".join, zip(*(words[i:] for i in range(size)))))


def bucket_pairs(buckets, max_bucket: int = MAX_BUCKET) -> set[tuple[int, int]]:
    """Pairs of each bucket (a list of document numbers); a bucket over max_bucket becomes a star."""
    pairs = set()
    for members in buckets:
        if len(members) < 2:
            continue
        members = sorted(members)
        if len(members) > max_bucket:
            pairs.update((members[0], m) for m in members[1:])
        else:
            pairs.update((members[i], m) for i in range(len(members)) for m in members[i + 1:])
    return pairs


def run_copytrace(table, settings, via_stage: bool):
    from copytrace.stages.candidates.bands import candidate_pairs
    from copytrace.text.batches import text_batches

    texts = table["text"]
    hasher = settings.hasher
    if via_stage:
        # The stages as the pipeline wires them: LSH candidates plus winnowed anchors.
        from copytrace.stages.candidates import candidates
        from copytrace.stages.fingerprint import fingerprint

        texts = texts.combine_chunks()
        prints = fingerprint(texts, settings)  # band keys and anchors in one pass, as the memory engine runs it
        a, b, _ = candidates(prints, settings)
        return a, b
    signatures = np.empty((len(texts), hasher.num_perm), dtype=np.uint32)
    for start, stop in text_batches(texts, settings.batch_bytes):
        signatures[start:stop], _ = hasher.signatures(texts.slice(start, stop - start))
    a, b, _ = candidate_pairs(signatures, settings.lsh, settings.max_bucket)
    return a, b


def run_datasketch(texts, lsh_params, num_perm):
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=lsh_params.threshold, num_perm=num_perm, params=(lsh_params.bands, lsh_params.rows))
    step = 5000
    for start in range(0, len(texts), step):
        shingles = [[s.encode("utf-8") for s in python_shingles(t)] for t in texts[start:start + step]]
        for offset, minhash in enumerate(MinHash.bulk(shingles, num_perm=num_perm)):
            lsh.insert(start + offset, minhash, check_duplication=False)
    buckets = (table.get(key) for table in lsh.hashtables for key in table.keys())
    return bucket_pairs(buckets)


def run_rensa(texts, lsh_params, num_perm):
    from rensa import RMinHash, RMinHashLSH

    lsh = RMinHashLSH(threshold=lsh_params.threshold, num_perm=num_perm, num_bands=lsh_params.bands)
    minhashes = []
    step = 5000
    for start in range(0, len(texts), step):
        batch = RMinHash.from_token_sets([python_shingles(t) for t in texts[start:start + step]], num_perm, 42)
        lsh.insert_many(batch, start_key=start)
        minhashes.extend(batch)
    pairs = set()
    for a, found in enumerate(lsh.query_all(minhashes)):  # rensa does not show its buckets: no star rule
        pairs.update((a, b) for b in found if b > a)
    return pairs


def worker(tool: str, corpus_path: Path, planted_path: Path) -> dict:
    """Run one tool on the corpus in this process; return its figures."""
    from copytrace.settings import ScanSettings

    settings = ScanSettings()
    table = pq.read_table(corpus_path)
    planted = pq.read_table(planted_path)
    texts_list = table["text"].to_pylist() if tool in ("rensa", "datasketch") else None
    text_mb = pc.sum(pc.binary_length(table["text"])).as_py() / 1e6
    warm = table.slice(0, min(500, table.num_rows))
    if tool.startswith("copytrace"):
        run_copytrace(warm, settings, via_stage=tool == "copytrace-stage")
    baseline = current_memory_mb()
    reset_peak_memory()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if tool == "copytrace":
        pairs = run_copytrace(table, settings, via_stage=False)
    elif tool == "copytrace-stage":
        pairs = run_copytrace(table, settings, via_stage=True)
    elif tool == "datasketch":
        pairs = run_datasketch(texts_list, settings.lsh, settings.num_perm)
    elif tool == "rensa":
        pairs = run_rensa(texts_list, settings.lsh, settings.num_perm)
    else:
        raise ValueError(f"unknown tool {tool!r}")
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    peak = peak_memory_mb()
    if tool.startswith("copytrace"):  # its candidates are arrays; a set only for the recall check below
        pairs = set(zip(pairs[0].tolist(), pairs[1].tolist()))
    number = {doc_id: i for i, doc_id in enumerate(table["id"].to_pylist())}
    expected = [
        tuple(sorted((number[s], number[c])))
        for s, c in zip(planted["source"].to_pylist(), planted["copy"].to_pylist())
    ]
    found = sum(pair in pairs for pair in expected)
    return {
        "tool": tool,
        "docs": table.num_rows,
        "text_mb": round(text_mb, 2),
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "mb_per_s": round(text_mb / wall, 2),
        "docs_per_s": round(table.num_rows / wall, 1),
        "memory_before_mb": round(baseline, 1),
        "peak_memory_mb": round(peak, 1),
        "peak_over_loaded_mb": round(max(0.0, peak - baseline), 1),
        "candidate_pairs": len(pairs),
        "planted_pairs": len(expected),
        "planted_found": found,
        "recall": round(found / max(1, len(expected)), 4),
    }


# --- the run ------------------------------------------------------------------


def versions() -> dict:
    out = {"python": platform.python_version()}
    for name in ("copytrace", "numba", "numpy", "pyarrow", "datasketch", "rensa"):
        try:
            from importlib.metadata import version

            out[name] = version(name)
        except Exception:
            out[name] = None
    return out


def print_table(results: list[dict]) -> None:
    head = f"{'tool':<16} {'MB/s':>8} {'docs/s':>9} {'s':>8} {'cpu s':>8} {'peak MB':>8} {'+MB':>7} {'pairs':>9} {'recall':>7}"
    print(head)
    print("-" * len(head))
    for r in results:
        print(f"{r['tool']:<16} {r['mb_per_s']:>8.1f} {r['docs_per_s']:>9.0f} {r['seconds']:>8.2f} "
              f"{r['cpu_seconds']:>8.2f} {r['peak_memory_mb']:>8.0f} {r['peak_over_loaded_mb']:>7.0f} "
              f"{r['candidate_pairs']:>9,} {r['recall']:>7.3f}")


def ratios(results: list[dict]) -> dict:
    by_tool = {r["tool"]: r["mb_per_s"] for r in results}
    out = {}
    for mine in ("copytrace", "copytrace-stage"):
        for peer in ("rensa", "datasketch"):
            if mine in by_tool and peer in by_tool:
                out[f"{mine}/{peer}"] = round(by_tool[mine] / by_tool[peer], 1)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="corpus size (default 100,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tools", default=",".join(TOOLS), help=f"comma-separated subset of {', '.join(TOOLS)}")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--planted", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.worker, args.corpus, args.planted)))
        return 0

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        parser.error(f"unknown tools: {', '.join(unknown)}")
    try:
        corpus_path, planted_path = ensure_corpus(args.docs, args.seed)
    except MissingData as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    load_before = load_average()
    results = []
    for tool in tools:
        print(f"running {tool} ...", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, __file__, "--worker", tool, "--corpus", str(corpus_path), "--planted", str(planted_path)],
            capture_output=True, text=True,
        )
        if done.returncode != 0:
            print(f"{tool} failed:\n{done.stderr}", file=sys.stderr)
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"  {r['mb_per_s']:.1f} MB/s, {r['cpu_seconds']:.1f} cpu s, recall {r['recall']:.3f}, "
              f"load {load_average()[0]:.1f}", file=sys.stderr, flush=True)
    load_after = load_average()
    print_table(results)
    summary = ratios(results)
    for name, value in summary.items():
        print(f"{name}: {value}x")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min); {os.cpu_count()} cores")
    report = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "corpus": str(corpus_path.relative_to(ROOT.parent)),
        "cores": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "versions": versions(),
        "results": results,
        "ratios": summary,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"fingerprint-{args.docs}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
