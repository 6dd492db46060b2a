"""`bench make --language` corpora from NTREX in many languages, each scanned and scored: figures per language.

    PYTHONPATH=src .venv/bin/python bench/ntrex_languages.py [code ...]     # default: 16 languages

For each NTREX language: `copytrace bench make --language CODE` (real translated news, cut, framed, credited in
that language where its press forms are known), `copytrace scan`, `bench score`; then
`scorer.score_languages` side by side. Writes bench/results/ntrex-languages.json.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from copytrace.evaluation.gold import read_gold
from copytrace.evaluation.predictions import read_predictions
from copytrace.evaluation.scorer import score_languages, score_predictions

LANGS = ["eng", "zho-CN", "zho-TW", "jpn", "kor", "tha", "arb", "fas", "heb", "rus", "ukr", "srp-Cyrl", "srp-Latn",
         "ell", "hin", "tur", "spa", "por", "fra", "deu", "ita", "pol"]
CLI = [sys.executable, "-c", "from copytrace.faces.cli import app; app()"]


def main(langs: list[str]) -> dict:
    work = Path(tempfile.mkdtemp())
    scores = {}
    for lang in langs:
        t = time.perf_counter()
        subprocess.run(CLI + ["bench", "make", "--language", lang, "--out", str(work / lang)], check=True,
                       capture_output=True)
        subprocess.run(CLI + ["scan", str(work / lang / "documents.jsonl"), "--out", str(work / f"out-{lang}")],
                       check=True, capture_output=True)
        scores[lang] = score_predictions(read_gold(work / lang), read_predictions(work / f"out-{lang}"), lang)
        print(f"{lang}: {time.perf_counter() - t:.0f} s", file=sys.stderr, flush=True)
    table = score_languages(scores)
    columns = list(next(iter(table.values())))
    print("| language | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for lang, row in table.items():
        cells = [("-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row.values()]
        print(f"| {lang} | " + " | ".join(cells) + " |")
    out = Path(__file__).resolve().parent / "results" / "ntrex-languages.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"table": table, "failures": {k: v["failures"] for k, v in scores.items()},
                               "credit": {k: v["credit"] for k, v in scores.items()}}, indent=1, ensure_ascii=False))
    return table


if __name__ == "__main__":
    main(sys.argv[1:] or LANGS)
