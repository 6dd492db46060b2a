"""CPU seconds of `provenance.mentions.document_mentions` (credit lines, self-names and photo credits of a
document's text and of its raw text's chrome) over the first `--docs` documents of a kept scan, best of
`--repeats` runs in this process.

    PYTHONPATH=src .venv/bin/python bench/scale.py --docs 100000 --keep /tmp/keep
    PYTHONPATH=src .venv/bin/python bench/mentions_bench.py /tmp/keep/100000-explain --docs 6000

With `--save F.json` the mentions found are kept, to check two versions agree.
"""

from __future__ import annotations

import argparse
import json
import time

import pyarrow.parquet as pq


def main() -> None:
    from copytrace.settings import ScanSettings
    from copytrace.stages.provenance.mentions import document_mentions

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="a kept scan output folder (its documents.parquet)")
    parser.add_argument("--docs", type=int, default=6000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--save", help="write the mentions found to this JSON file")
    args = parser.parse_args()
    rows = pq.read_table(f"{args.out}/documents.parquet", columns=["id", "text", "raw_text", "source", "url"]
                         ).slice(0, args.docs).to_pylist()
    languages = ScanSettings().provenance.languages
    for row in rows[:50]:  # compiled kernels and the language model loaded before the clock
        document_mentions(row, languages)
    times, found = [], []
    for _ in range(args.repeats):
        started = time.process_time()
        found = [document_mentions(row, languages) for row in rows]
        times.append(time.process_time() - started)
    print(f"{len(rows)} documents, {sum(map(len, found)):,} mentions: best {min(times):.3f} CPU s of {args.repeats}")
    if args.save:
        with open(args.save, "w") as handle:
            json.dump([[(c.as_dict(), c.match) for c in mentions] for mentions in found], handle)


if __name__ == "__main__":
    main()
