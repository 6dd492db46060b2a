"""The newsroom benchmark: wire stories, briefs, rewrites and quote-sharing reports, scored per journalists' class.

    .venv/bin/python bench/newsroom.py                  # seeds 7, 11, 13; 60 wire stories each
    .venv/bin/python bench/newsroom.py --seeds 7 --wires 30

Each seed: `copytrace bench make --newsroom N`, `copytrace scan` with its
defaults (documents carry no date, source or URL: direction from the text
alone), `copytrace bench score`. Prints one line per seed and class, and the
checks of issue 14; scores go to <work>/newsroom-<seed>.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str]) -> None:
    subprocess.run([sys.executable, "-c", "from copytrace.faces.cli import app; app()", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,11,13")
    parser.add_argument("--wires", type=int, default=60)
    parser.add_argument("--work", type=Path, default=ROOT / "out" / "bench-newsroom")
    args = parser.parse_args()
    print("| seed | class | pairs | linked | classified | direction | claimed as |")
    print("|---|---|---|---|---|---|---|")
    notes = []
    for seed in [int(s) for s in args.seeds.split(",") if s.strip()]:
        corpus, out, scores = (args.work / f"corpus-{seed}", args.work / f"copytrace-{seed}",
                               args.work / f"newsroom-{seed}.json")
        run(["bench", "make", "--newsroom", str(args.wires), "--seed", str(seed), "--out", str(corpus)])
        run(["scan", str(corpus / "documents.jsonl"), "-o", str(out), "-q"])
        run(["bench", "score", "--gold", str(corpus), "--pred", str(out), "--json", str(scores)])
        result = json.loads(scores.read_text())
        for name, row in result["classes"].items():
            claimed = ", ".join(f"{k} {v}" for k, v in row["claimed_as"].items())
            print(f"| {seed} | {name} | {row['pairs']} | {pct(row['linked'])} | {pct(row['classified'])} | "
                  f"{pct(row.get('direction'))} | {claimed} |")
        q, t, d = result["classes"]["quotes"], result["tree"], result["direction"]
        notes.append(f"seed {seed}: direction {pct(d['accuracy'])} of {d['judged']}; quote-sharing reports called "
                     f"derived {q['derived_claims']}, joined to the wire's family {q['family_links']}; links between "
                     f"unrelated stories {result['unrelated']['false_links']}; papers under the wire "
                     f"{pct(t['wire_parent'])} of {t['papers']}, chains under their paper {pct(t['paper_parent'])} "
                     f"of {t['chains']}; goals not met: "
                     f"{', '.join(k for k, g in result['goals'].items() if not g['met']) or 'none'}")
    print()
    for line in notes:
        print(f"- {line}")
    return 0


def pct(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


if __name__ == "__main__":
    sys.exit(main())
