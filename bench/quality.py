"""Regenerate the quality table of BENCHMARKS.md: copytrace and its peers on one labelled corpus.

    .venv/bin/python bench/quality.py            # seed 7, 175 story families; copytrace also on seeds 11, 13
    .venv/bin/python bench/quality.py --seed 11 --families 120 --other-seeds "" --no-write

Steps, all in this one run: `copytrace bench make`, `copytrace scan` on the
corpus (the command line, with its defaults), the peers (datasketch
MinHashLSH at 0.8 and 0.5, the difflib baseline), and `bench score` of each
against the same gold; then copytrace alone on corpora of other seeds. Scores go to <work>/scores.json; the table replaces
the part of BENCHMARKS.md between the quality markers.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from copytrace.evaluation.gold import read_gold
from copytrace.evaluation.peers import run_peers
from copytrace.evaluation.predictions import read_predictions
from copytrace.evaluation.report import markdown, render
from copytrace.evaluation.scorer import score_predictions

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- quality:start -->", "<!-- quality:end -->"


def run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT)
    return time.perf_counter() - started


def section(results: list[dict], seconds: dict[str, float], args, gold, spread: list[dict]) -> str:
    docs, fams = len(gold.documents), len(gold.families)
    multi = sum(1 for f in gold.families if f["size"] > 1)
    relations, bands = {}, {}
    for p in gold.pairs:
        relations[p["relation"]] = relations.get(p["relation"], 0) + 1
        bands[p["band"]] = bands.get(p["band"], 0) + 1
    copytrace = results[0]
    missing = [k for k, v in copytrace["available"].items() if not v]
    lines = [
        START,
        "## Quality",
        "",
        f"Command: `.venv/bin/python bench/quality.py --seed {args.seed} --families {args.families}` "
        f"(corpus from the article-extraction benchmark's 181 article bodies; Python {platform.python_version()}, "
        "2 shared cores).",
        "",
        f"Corpus: {docs} documents, {fams} gold families ({multi} with copies), {len(gold.pairs)} gold pairs "
        f"({', '.join(f'{k} {v}' for k, v in sorted(relations.items()))}; goal bands: "
        f"{', '.join(f'{k} {v}' for k, v in sorted(bands.items()))}), {len(gold.edges)} directed edges. "
        "Made by `copytrace bench make`; the gold is derived from character origins "
        "(see `src/copytrace/evaluation/gold.py` for relations and bands).",
        "",
        "What the corpus simulates: outlets with their own page chrome (nav, related headlines, tags, share and "
        "subscribe lines, stock disclaimers some sites share word for word); full and partial republications, "
        "with or without credit lines (X reports, according to X, Source: X, via X, originally published on X, "
        "(c) X, reprinted with permission from X, a wire's (X) dateline) and WordPress feed footers naming the "
        "copier itself; framing and commentary added, sections and sentences dropped, quote style changed; "
        "second captures of a page with glued paragraphs and sub-headings moved to the top; sections (300+ "
        "characters) and one- or two-sentence quotes reused inside other articles; chains; wire stories taken "
        "by 3 to 8 outlets; dates lagged by minutes to days, missing, junk (\"14:31 GMT +317 October 2019\", "
        "epoch zero) or slipped hours earlier; unrelated articles as negatives.",
        "",
        "Limits: the texts are real but the republication is simulated; each input article is used once (long "
        "ones cut into pieces that share no word 5-gram), so there are no hard negatives made of distinct "
        "articles on one story; pair precision near 1 says little beyond chrome and stock paragraphs.",
        "",
        markdown(results),
        "",
        "n/a: the system's output does not hold what the measure needs (peers give pairs and families only)."
        + (f" copytrace outputs not available in this run: {', '.join(missing)}." if missing else ""),
        "",
        "Seconds (same run, same machine, wall clock): "
        + ", ".join(f"{name} {secs:.1f}" for name, secs in seconds.items()) + ".",
        "",
        "copytrace on corpora made with other seeds (same generator, same settings): the spread shows how much "
        "a figure moves with the draw (the sections band holds few pairs).",
        "",
        markdown(spread),
        "",
        f"copytrace failures by kind (seed {args.seed}):",
        "",
    ]
    for name, counts in copytrace["failures"].items():
        if isinstance(counts, dict) and counts:
            shown = ", ".join(f"{k}: {v}" for k, v in list(counts.items())[:12])
            lines.append(f"- {name.replace('_', ' ')}: {shown}")
    for part in ("original", "direction", "credit", "passages"):
        for name, counts in (copytrace.get(part) or {}).items():
            if isinstance(counts, dict) and counts:
                shown = ", ".join(f"{k}: {v}" for k, v in list(counts.items())[:12])
                lines.append(f"- {part} {name.replace('_', ' ')}: {shown}")
    lines.append(END)
    return "\n".join(lines)


def write_section(text: str) -> Path:
    path = ROOT / "BENCHMARKS.md"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START in current and END in current:
        head, rest = current.split(START, 1)
        current = head + text + rest.split(END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    path.write_text(current, encoding="utf-8")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--families", type=int, default=175)
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "bench-quality")
    parser.add_argument("--other-seeds", default="11,13",
                        help="Further corpora (comma-separated seeds) on which copytrace alone is scored, to show spread.")
    parser.add_argument("--no-write", action="store_true", help="Print only; leave BENCHMARKS.md alone.")
    args = parser.parse_args()
    exe = str(Path(sys.executable).with_name("copytrace"))
    corpus, outputs = args.work / "corpus", args.work / "outputs"
    run([exe, "bench", "make", "--out", str(corpus), "--seed", str(args.seed), "--families", str(args.families)])
    seconds = {"copytrace": run([exe, "scan", str(corpus / "documents.jsonl"), "-o", str(outputs / "copytrace"), "-q"])}
    runs = run_peers(corpus, outputs)
    seconds.update({name: r["seconds"] for name, r in runs.items()})
    gold = read_gold(corpus)
    results = [score_predictions(gold, read_predictions(outputs / name), name) for name in ["copytrace", *runs]]
    spread = [dict(results[0], system=f"copytrace, seed {args.seed}")]
    for seed in [int(x) for x in args.other_seeds.split(",") if x.strip()]:
        other = args.work / f"seed-{seed}"
        run([exe, "bench", "make", "--out", str(other / "corpus"), "--seed", str(seed), "--families", str(args.families)])
        run([exe, "scan", str(other / "corpus" / "documents.jsonl"), "-o", str(other / "copytrace"), "-q"])
        spread.append(score_predictions(read_gold(other / "corpus"), read_predictions(other / "copytrace"),
                                        f"copytrace, seed {seed}"))
    (args.work / "scores.json").write_text(json.dumps({"systems": results, "seeds": spread}, indent=2) + "\n")
    console = Console()
    render(results, console, failures=False)
    text = section(results, seconds, args, gold, spread)
    if not args.no_write:
        console.print(f"quality section -> {write_section(text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
