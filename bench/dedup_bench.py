"""Deduplication: `copytrace dedup` against datatrove's MinHash dedup and datasketch's MinHashLSH on one corpus.

The corpus is a labelled benchmark corpus (`copytrace bench make`): its
gold families say which documents are one story. For each tool: documents
kept, seconds, and against the gold: families left with more than one
document (copies kept) and families left with none (stories lost).
"One per family" is the ideal count.

    PYTHONPATH=src .venv/bin/python -m copytrace bench make --out /tmp/bench \
        --input ../shared/data/article-extraction-benchmark/ground-truth.json
    PYTHONPATH=src .venv/bin/python bench/dedup_bench.py --corpus /tmp/bench

(807 documents, 230 gold families; without --input and without ../shared, `bench make` uses the 60
articles shipped in the package: 283 documents, 81 families.)

datatrove and datasketch are bench-only: `pip install -e .[dedup-bench]` (datatrove's MinHash steps import
`tokenizers` through `pipeline.dedup`, and its English word tokenizer is spaCy's blank "en": no model is
downloaded). A tool that is absent is skipped with the import error. Seconds are wall; "cpu" is the CPU
seconds of the run (the copytrace subprocess's, or this process's for the in-process tools). "Agreement"
is the Jaccard overlap of the kept set with `copytrace dedup`'s family rule, and of the dropped sets.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def gold_families(corpus: Path) -> dict[str, int]:
    gold = json.loads((corpus / "gold.json").read_text())
    return {d["id"]: d["family"] for d in gold["documents"]}


def judge(kept: set[str], family_of: dict[str, int]) -> dict:
    per_family = Counter(family_of[i] for i in kept)
    families = set(family_of.values())
    return {"kept": len(kept), "families": len(families),
            "copies_kept": sum(n - 1 for n in per_family.values()),
            "stories_lost": len(families - set(per_family))}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def copytrace_dedup(corpus: Path, work: Path, *args: str) -> tuple[set[str], float, float]:
    out = work / ("ct" + "_".join(a.strip("-") for a in args))
    started, cpu = time.perf_counter(), children_cpu()
    subprocess.run([sys.executable, "-m", "copytrace", "dedup", str(corpus / "documents.jsonl"), "-o", str(out),
                    "-q", *args], check=True)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    kept = {json.loads(line)["id"] for line in (out / "documents.jsonl").read_text().splitlines()}
    return kept, seconds, cpu


def in_process(run):
    """(kept, wall seconds, CPU seconds of this process and its children) of `run()`."""
    started, cpu = time.perf_counter(), time.process_time() + children_cpu()
    kept = run()
    return kept, time.perf_counter() - started, time.process_time() + children_cpu() - cpu


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a | b else 1.0


def datasketch_dedup(corpus: Path, threshold: float) -> set[str]:
    """Greedy: in input order, a document is dropped when LSH finds an already kept near-duplicate."""
    import re

    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    kept = set()
    for line in (corpus / "documents.jsonl").read_text().splitlines():
        doc = json.loads(line)
        words = re.findall(r"\w+", doc["text"].lower())
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(words[i:i + 5]).encode() for i in range(max(1, len(words) - 4))])
        if not lsh.query(m):
            lsh.insert(doc["id"], m)
            kept.add(doc["id"])
    return kept


def _xxhash_takes_str() -> None:
    """datatrove 0.10.1 hashes its shingles as str with xxhash, which xxhash 4 refuses ("Strings must be encoded
    before hashing"; xxhash 3 encoded them as UTF-8 itself). Its two wrappers get the UTF-8 encoding back, so the
    default configuration (64-bit xxhash) runs unchanged; nothing else differs."""
    import xxhash
    from datatrove.utils.hashes import xxhash as wrappers

    try:
        xxhash.xxh64_intdigest("a")
        return
    except TypeError:
        pass
    wrappers.xxhash32 = lambda data: xxhash.xxh32_intdigest(data.encode() if isinstance(data, str) else data)
    wrappers.xxhash64 = lambda data: xxhash.xxh64_intdigest(data.encode() if isinstance(data, str) else data)


def datatrove_dedup(corpus: Path, work: Path) -> set[str]:
    """datatrove's four MinHash steps with its default configuration (5-grams, 14 buckets x 8 hashes), one worker:
    one task for signatures, clustering and filtering; one per bucket for the bucket step, as datatrove requires."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter,
                                          MinhashDedupSignature)
    from datatrove.pipeline.dedup.minhash import MinhashConfig
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    _xxhash_takes_str()
    config = MinhashConfig()
    base = work / "datatrove"

    def reader():
        return JsonlReader(str(corpus), glob_pattern="documents.jsonl", id_key="id", text_key="text")

    def run(pipeline, logs, tasks=1):
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=str(base / logs)).run()

    run([reader(), MinhashDedupSignature(output_folder=str(base / "sigs"), config=config)], "l1")
    run([MinhashDedupBuckets(input_folder=str(base / "sigs"), output_folder=str(base / "buckets"), config=config)],
        "l2", tasks=config.num_buckets)  # one task per bucket, as datatrove requires (run one after another)
    run([MinhashDedupCluster(input_folder=str(base / "buckets"), output_folder=str(base / "remove"), config=config)],
        "l3")
    run([reader(), MinhashDedupFilter(input_folder=str(base / "remove")),
         JsonlWriter(str(base / "kept"), compression=None)], "l4")
    return {json.loads(line)["id"] for f in (base / "kept").glob("*.jsonl") for line in f.read_text().splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    args = parser.parse_args()
    missing = [name for name in ("gold.json", "documents.jsonl") if not (args.corpus / name).is_file()]
    if missing:
        parser.error(f"{args.corpus} is not a `copytrace bench make` corpus (no {' or '.join(missing)})")
    family_of = gold_families(args.corpus)
    work = Path(tempfile.mkdtemp(prefix="dedup-bench-"))
    runs = {}
    runs["copytrace dedup (family, earliest)"] = copytrace_dedup(args.corpus, work)
    runs["copytrace dedup (containment 0.8)"] = copytrace_dedup(args.corpus, work, "--rule", "containment",
                                                                "--threshold", "0.8")
    runs["copytrace dedup (containment 0.5)"] = copytrace_dedup(args.corpus, work, "--rule", "containment",
                                                                "--threshold", "0.5")
    for threshold in (0.8, 0.5):
        try:
            runs[f"datasketch MinHashLSH greedy ({threshold})"] = in_process(
                lambda: datasketch_dedup(args.corpus, threshold))
        except ImportError as err:
            print(f"datasketch skipped: {err}")
    try:
        runs["datatrove MinHash dedup (defaults)"] = in_process(lambda: datatrove_dedup(args.corpus, work))
    except ImportError as err:
        print(f"datatrove skipped: {err}")
    print(f"{len(family_of)} documents, {len(set(family_of.values()))} gold families (the ideal kept count)")
    results = {}
    reference = runs["copytrace dedup (family, earliest)"][0]
    everyone = set(family_of)
    for name, (kept, seconds, cpu) in runs.items():
        results[name] = {**judge(kept, family_of), "seconds": round(seconds, 2), "cpu": round(cpu, 2),
                         "kept_agreement": round(jaccard(kept, reference), 3),
                         "dropped_agreement": round(jaccard(everyone - kept, everyone - reference), 3)}
        r = results[name]
        print(f"{name:<40} kept {r['kept']:>4}  copies kept {r['copies_kept']:>4}  stories lost "
              f"{r['stories_lost']:>3}  {r['seconds']:>6.2f} s  cpu {r['cpu']:>6.2f} s  agreement kept "
              f"{r['kept_agreement']:.3f} dropped {r['dropped_agreement']:.3f}")
    print(json.dumps(results))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
