"""Benchmark of the semantic stage (scan --semantic): quality on NTREX translations, candidate recall, cost.

    PYTHONPATH=src python bench/semantic_bench.py quality [--out /tmp/sem_bench]
        translated republications across 12 languages and Chinese rewrites from ../shared/data/ntrex:
        recall, false links, direction, sentence alignment accuracy; and the recall of the candidate
        search against aligning every pair of documents in different languages (exhaustive).
    PYTHONPATH=src python bench/semantic_bench.py cost --docs 1000 [--foreign 0.1]
        time and peak memory of the stage on N documents made of NTREX sentences (10% in other languages).
    PYTHONPATH=src python bench/semantic_bench.py model
        load time, sentences per second and translation cosine per language of the encoder.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path

import numpy as np

NTREX = Path(__file__).resolve().parents[2] / "shared" / "data" / "ntrex"
if not NTREX.exists():
    NTREX = Path("/work/shared/data/ntrex")


def quality(out: Path) -> dict:
    from copytrace.evaluation.translations import make_corpus, score
    from copytrace.pipeline import scan
    from copytrace.settings import ScanSettings, SemanticSettings
    from copytrace.stages.semantic import candidate_pairs, near_miss_pairs, read_corpus, verify

    gold = make_corpus(NTREX, out)
    settings = ScanSettings(semantic=SemanticSettings(enabled=True))
    started = time.perf_counter()
    result = scan([out / "corpus.jsonl"], settings=settings)
    seconds = time.perf_counter() - started
    figures = score(result.tables["edges"].to_pylist(), result.tables["passages"].to_pylist(), gold)
    # Exhaustive: every pair of documents in different languages aligned sentence by sentence.
    docs = result.documents
    ids, texts = docs["id"].to_pylist(), docs["text"].to_pylist()
    corpus = read_corpus(ids, texts, settings.semantic)
    found, _ = candidate_pairs(corpus, near_miss_pairs(result, {d: i for i, d in enumerate(ids)}), settings.semantic)
    everything = {(i, j): "all" for i in range(len(ids)) for j in range(i + 1, len(ids))
                  if corpus.languages[i] != corpus.languages[j]}
    corpus.prefetch(range(len(ids)))
    exhaustive = {(m.a, m.b) for m in verify(corpus, everything, settings.semantic)}
    reached = {pair for pair in exhaustive if pair in found}
    return {**figures, "scan_seconds": round(seconds, 1), "semantic": result.stats["semantic"],
            "exhaustive_cross_language_matches": len(exhaustive), "candidate_recall_vs_exhaustive":
            round(len(reached) / len(exhaustive), 4) if exhaustive else None,
            "candidate_pairs": len(found), "all_cross_language_pairs": len(everything)}


def synthetic(n_docs: int, foreign: float, seed: int = 3) -> tuple[list[str], list[str]]:
    """N documents of 10-20 NTREX sentences: English, and a share in the model's other languages."""
    rng = random.Random(seed)
    langs = ("spa", "fra", "deu", "rus", "arb", "zho-CN", "jpn", "kor", "tur", "pol")
    lines = {lang: (NTREX / f"{lang}.txt").read_text(encoding="utf-8").splitlines() for lang in ("eng",) + langs}
    texts = []
    for _ in range(n_docs):
        lang = rng.choice(langs) if rng.random() < foreign else "eng"
        start = rng.randrange(0, len(lines[lang]) - 20)
        texts.append(" ".join(lines[lang][start:start + rng.randrange(10, 20)]))
    return [f"d{i:06d}" for i in range(n_docs)], texts


def cost(n_docs: int, foreign: float) -> dict:
    from copytrace.settings import SemanticSettings
    from copytrace.stages.semantic import candidate_pairs, read_corpus, verify
    from copytrace.stages.semantic.model import encoder

    settings = SemanticSettings(enabled=True)
    t = time.perf_counter()
    encoder()
    load = time.perf_counter() - t
    ids, texts = synthetic(n_docs, foreign)
    t, cpu = time.perf_counter(), time.process_time()
    corpus = read_corpus(ids, texts, settings)
    vectors = time.perf_counter() - t
    t = time.perf_counter()
    pairs, counts = candidate_pairs(corpus, [], settings)
    search = time.perf_counter() - t
    t = time.perf_counter()
    matches = verify(corpus, pairs, settings)
    align = time.perf_counter() - t
    cpu = time.process_time() - cpu
    return {"cpu_s": round(cpu, 1), "sentences_per_cpu_s": round(corpus.embedded / cpu, 1),"documents": n_docs, "foreign_share": foreign, "model_load_s": round(load, 2),
            "doc_vector_sentences": int(corpus.embedded - sum(len(corpus.spans[d]) for d in corpus._vectors)),
            "vectors_s": round(vectors, 1), "search_s": round(search, 2), "align_s": round(align, 1),
            "candidates": counts, "matches": len(matches), "sentences_embedded": corpus.embedded,
            "sentences_per_s": round(corpus.embedded / (vectors + align), 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def model() -> dict:
    t = time.perf_counter()
    from copytrace.stages.semantic.model import embed, encoder

    encoder()
    load = time.perf_counter() - t
    eng = (NTREX / "eng.txt").read_text(encoding="utf-8").splitlines()
    idx = np.arange(0, 2000, 10)[:200]
    t = time.perf_counter()
    e = embed([eng[i] for i in idx])
    rate = len(idx) / (time.perf_counter() - t)
    out = {"load_s": round(load, 2), "sentences_per_s_one_core": round(rate, 1)}
    for lang in ("spa", "fra", "deu", "ita", "por", "pol", "tur", "rus", "arb", "zho-CN", "zho-TW", "jpn", "kor", "tha",
                 "ukr", "bul", "hin", "heb", "ell", "vie"):
        lines = (NTREX / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        f = embed([lines[i] for i in idx])
        sim = e @ f.T
        off = sim[~np.eye(len(idx), dtype=bool)]
        out[lang] = {"translation_cosine": round(float(np.diag(sim).mean()), 2),
                     "unrelated_cosine": round(float(off.mean()), 2),
                     "unrelated_p999": round(float(np.percentile(off, 99.9)), 2),
                     "top1": round(float((sim.argmax(1) == np.arange(len(idx))).mean()), 2)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("quality", "cost", "model"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/sem_bench"))
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--foreign", type=float, default=0.1)
    args = parser.parse_args()
    if args.mode == "quality":
        figures = quality(args.out)
    elif args.mode == "cost":
        figures = cost(args.docs, args.foreign)
    else:
        figures = model()
    print(json.dumps(figures, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
