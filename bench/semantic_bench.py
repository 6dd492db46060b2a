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
import os
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np

NTREX = Path(__file__).resolve().parents[2] / "shared" / "data" / "ntrex"
if not NTREX.exists():
    NTREX = Path("/work/shared/data/ntrex")


def quality(out: Path, tuning: dict) -> dict:
    from copytrace.evaluation.translations import make_corpus, score
    from copytrace.pipeline import scan
    from copytrace.settings import ScanSettings, SemanticSettings
    from copytrace.stages.semantic import candidate_pairs, near_miss_pairs, read_corpus, verify

    gold = make_corpus(NTREX, out)
    settings = ScanSettings(semantic=SemanticSettings(enabled=True, **tuning))
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


def synthetic(n_docs: int, foreign: float, seed: int = 3, majority: Path | None = None
              ) -> tuple[list[str], list[str]]:
    """N documents of 10-20 NTREX sentences: English, and a share in the model's other languages.

    With `majority` (a Parquet file with a `text` column, e.g. bench/scale.py's generated news), the
    English documents are its first rows instead: distinct texts, so no document repeats another's
    sentences except where that corpus plants copies (NTREX has 1,997 lines: drawn 90,000 times,
    every English document would have dozens of translations among the foreign ones).
    """
    rng = random.Random(seed)
    langs = ("spa", "fra", "deu", "rus", "arb", "zho-CN", "jpn", "kor", "tur", "pol")
    lines = {lang: (NTREX / f"{lang}.txt").read_text(encoding="utf-8").splitlines() for lang in ("eng",) + langs}
    english = iter(())
    if majority is not None:
        import pyarrow.parquet as pq

        english = iter(pq.read_table(majority, columns=["text"])["text"].slice(0, n_docs).to_pylist())
    texts = []
    for _ in range(n_docs):
        lang = rng.choice(langs) if rng.random() < foreign else "eng"
        text = next(english, None) if lang == "eng" else None
        if text is None:
            start = rng.randrange(0, len(lines[lang]) - 20)
            text = " ".join(lines[lang][start:start + rng.randrange(10, 20)])
        texts.append(text)
    return [f"d{i:06d}" for i in range(n_docs)], texts


def planted(ids: list[str], texts: list[str], folder: Path) -> list[dict]:
    """Add the NTREX translated republications (`quality`'s corpus) to a cost corpus; their cases."""
    from copytrace.evaluation.translations import make_corpus

    gold = make_corpus(NTREX, folder)
    for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        ids.append(doc["id"])
        texts.append(doc["text"])
    return [c for c in gold["cases"] if c["relation"] == "translation"]


def planted_recall(cases: list[dict], ids: list[str], pairs: dict, matches: list) -> dict:
    """How many planted translations the candidates reached and the alignment confirmed, in a large corpus."""
    key = {doc: k for k, doc in enumerate(ids)}
    want = {tuple(sorted((key[c["source"]], key[c["copy"]]))) for c in cases}
    found = {tuple(sorted((m.a, m.b))) for m in matches}
    planted_docs = {key[d] for c in cases for d in (c["source"], c["copy"])}
    stray = [m for m in matches if (m.a in planted_docs) != (m.b in planted_docs)]
    return {"translations": len(want), "candidates": sum(p in pairs for p in want), "found": len(want & found),
            "links_between_planted_and_corpus": len(stray)}


def cost(n_docs: int, foreign: float, tuning: dict, majority: Path | None = None, plant: Path | None = None
         ) -> dict:
    from copytrace.settings import SemanticSettings
    from copytrace.stages.semantic import candidate_pairs, read_corpus, verify_in_chunks
    from copytrace.stages.semantic.model import encoder

    settings = SemanticSettings(enabled=True, **tuning)
    t = time.perf_counter()
    encoder()
    load = time.perf_counter() - t
    ids, texts = synthetic(n_docs, foreign, majority=majority)
    cases = planted(ids, texts, plant) if plant else []
    phases = {}
    cpu0 = time.process_time()

    def phase(name, started_wall, started_cpu, **extra):
        phases[name] = {"wall_s": round(time.perf_counter() - started_wall, 1),
                        "cpu_s": round(time.process_time() - started_cpu, 1), **extra}
        # A line per phase on stderr: a long run killed late still says what it measured.
        print(json.dumps({name: phases[name], "load": os.getloadavg()}), file=sys.stderr, flush=True)

    t, c = time.perf_counter(), time.process_time()
    corpus = read_corpus(ids, texts, settings)
    phase("document_vectors", t, c, sentences=corpus.embedded)
    t, c = time.perf_counter(), time.process_time()
    pairs, counts = candidate_pairs(corpus, [], settings)
    phase("search", t, c, **counts)
    before = corpus.embedded
    t, c = time.perf_counter(), time.process_time()
    matches = verify_in_chunks(corpus, pairs, settings)
    phase("align", t, c, sentences=corpus.embedded - before, matches=len(matches))
    asked = getattr(corpus, "asked", None)
    cpu = time.process_time() - cpu0
    recall = planted_recall(cases, ids, pairs, matches) if cases else None
    return {"planted_recall": recall, "cpu_s": round(cpu, 1), "sentences_per_cpu_s": round(corpus.embedded / cpu, 1), "documents": n_docs,
            "foreign_share": foreign, "majority": str(majority) if majority else "NTREX lines",
            "settings": {"doc_sentences": settings.doc_sentences, "neighbours": settings.neighbours},
            "model_load_s": round(load, 2), "phases": phases, "languages": len(set(corpus.languages.tolist())),
            "sentences_embedded": corpus.embedded, "sentence_vectors_asked": asked, "matches": len(matches),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_after": os.getloadavg()}


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
    parser.add_argument("--majority", type=Path, help="Parquet of English documents for the majority side")
    parser.add_argument("--plant", type=Path, help="cost: add quality's NTREX translations (written to this folder)"
                        " and report how many the stage finds in the large corpus")
    parser.add_argument("--doc-sentences", type=int, help="SemanticSettings.doc_sentences (default: the setting's)")
    parser.add_argument("--neighbours", type=int, help="SemanticSettings.neighbours (default: the setting's)")
    args = parser.parse_args()
    tuning = {k: v for k, v in (("doc_sentences", args.doc_sentences), ("neighbours", args.neighbours))
              if v is not None}
    if args.mode == "quality":
        figures = quality(args.out, tuning)
    elif args.mode == "cost":
        figures = cost(args.docs, args.foreign, tuning, args.majority, args.plant)
    else:
        figures = model()
    print(json.dumps(figures, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
