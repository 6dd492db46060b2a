"""The clean stage as the local engine runs it, shard by shard, in this process: CPU seconds per step.

Raw shards are cut from a corpus by `io.stream_documents` with the engine's shard size
(`Budget(memory).text_per_shard` for 2 workers), written once to `--work`; then
`engines.cleaning.learn_share` for each worker's share and `clean_one` for every shard
(the exact units the local engine maps over its workers) are timed by CPU seconds. With
`--keep DIR` the document shards (in the codec a scan of the corpus would pick: `engines.shards.doc_codec`), removed lines and rejects are left in DIR, to compare runs.

The script imports the `src` beside it (not the installed package): to time another
commit, copy its `src` and this script together (`git archive COMMIT src bench/clean_shards.py
| tar -x -C DIR`) and run DIR's copy; the first line printed names the source timed.

With `--parts`, where the CPU goes: the steps of learning and cleaning are timed (CPU seconds, each
including what it calls) and printed as a table: the compiled line-key hashes of learning, the compiled
scan (flagged lines), the rules asked of flagged lines, taking the lines out, the rest of chrome removal's
per-line Python, the rest of the stage (the table in and out), and the shards written.

With `--verdicts`, the lines the chrome rules were asked of (each distinct line once per source and flag bits)
counted by the gate's flag bits, and how many no rule held: what the compiled gate lets through for nothing.

Usage: python bench/clean_shards.py --data bench/data/news-100000-r10-s42.parquet [--shards N] [--keep DIR] [--parts]
       [--verdicts]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from copytrace.engines.cleaning import clean_one, learn_share, line_keys_path  # noqa: E402
from copytrace.engines.shards import Budget, atomic_write, doc_codec, mark_done, write_arrow  # noqa: E402
from copytrace.io import stream_documents  # noqa: E402
from copytrace.io.records import REJECT_SCHEMA  # noqa: E402
from copytrace.settings import ScanSettings  # noqa: E402


def raw_shards(data: Path, work: Path, budget: Budget) -> list[Path]:
    work.mkdir(parents=True, exist_ok=True)
    done = work / "raw.done"
    if done.exists():
        return sorted(work.glob("part-*.raw.arrow"))
    paths = []
    for table in stream_documents([data], batch_bytes=budget.text_per_shard):
        if table.schema.equals(REJECT_SCHEMA):
            break
        path = work / f"part-{len(paths):05d}.raw.arrow"
        write_arrow(path, table)
        paths.append(path)
    done.write_text("")
    return paths


_SPENT: dict[str, float] = {}


def _timed(module, name: str, label: str) -> None:
    """`module.name` replaced by a wrapper adding its CPU seconds to `_SPENT[label]` (callers look it up there)."""
    function = getattr(module, name)

    def timed(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _SPENT[label] = _SPENT.get(label, 0.0) + time.process_time() - started

    setattr(module, name, timed)


def time_parts() -> None:
    import copytrace.engines.cleaning as cleaning
    import copytrace.stages.clean as clean
    import copytrace.stages.clean.scan as scan
    import copytrace.stages.clean.take_out as take_out
    import copytrace.stages.clean.templates as templates
    import copytrace.stages.clean.verdicts as verdicts

    for module, name, label in ((templates, "line_hashes", "learn: line key hashes (compiled; numba starts in the first)"),
                                (scan, "scan_lines", "clean: scan for flagged lines (compiled)"),
                                (verdicts, "document_reasons", "clean: rules asked of flagged lines"),
                                (take_out, "take_out", "clean: lines taken out (compiled)"),
                                (clean, "_remove_chrome", "chrome removal"), (clean, "clean_stage", "stage"),
                                (cleaning, "write_document_shard", "clean: document shard written"),
                                (cleaning, "write_parquet", "clean: removed lines and rejects written")):
        _timed(module, name, label)


def print_parts(learn: float, clean: float) -> None:
    spent = {label: seconds for label, seconds in _SPENT.items()}
    parts = {label: spent.get(label, 0.0) for label in spent if label.startswith(("learn:", "clean:"))}
    chrome = spent.get("chrome removal", 0.0)
    inside = sum(spent.get(f"clean: {p}", 0.0) for p in (
        "scan for flagged lines (compiled)", "rules asked of flagged lines", "lines taken out (compiled)"))
    parts["clean: the rest of chrome removal's per-line Python"] = chrome - inside
    parts["clean: the rest of the stage (table in and out)"] = spent.get("stage", 0.0) - chrome
    parts["learn: the rest (counts, sources, reading)"] = learn - spent.get("learn: line key hashes (compiled; numba starts in the first)", 0.0)
    print(f"| step | CPU s | share of learn + clean ({learn + clean:.2f} s) |\n|---|---:|---:|")
    for label, seconds in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"| {label} | {seconds:.2f} | {100 * seconds / (learn + clean):.0f}% |")


_VERDICTS: dict[tuple[int, bool], int] = {}


def count_verdicts() -> None:
    """Each line the rules are asked of (once per distinct line, source and flag bits: `SourceVerdicts._judge`)
    counted by its flag bits and whether a rule held it: what the compiled gate lets through for nothing."""
    import copytrace.stages.clean.verdicts as verdicts

    judge = verdicts.SourceVerdicts._judge

    def counted(self, line, bits):
        found = judge(self, line, bits)
        key = (bits & verdicts.RULES, bool(found[0] or found[1]))
        _VERDICTS[key] = _VERDICTS.get(key, 0) + 1
        return found

    verdicts.SourceVerdicts._judge = counted


def print_verdicts() -> None:
    from copytrace.stages.clean.verdicts import HEADLINE, PATTERN, SHORT, TAG

    names = ((PATTERN, "pattern"), (TAG, "tag"), (HEADLINE, "headline"), (SHORT, "short"))
    total = sum(_VERDICTS.values())
    print("| rule bits the gate set | lines judged | held by no rule |\n|---|---:|---:|")
    for bits in sorted({b for b, _ in _VERDICTS}, key=lambda b: -sum(v for (x, _), v in _VERDICTS.items() if x == b)):
        judged = _VERDICTS.get((bits, True), 0) + _VERDICTS.get((bits, False), 0)
        label = " + ".join(name for bit, name in names if bits & bit) or "template candidate only"
        print(f"| {label} | {judged:,} | {_VERDICTS.get((bits, False), 0):,} |")
    held_none = sum(v for (_, held), v in _VERDICTS.items() if not held)
    print(f"| all | {total:,} | {held_none:,} ({100 * held_none / max(1, total):.0f}%) |")


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=REPO / "bench" / "data" / "news-100000-r10-s42.parquet")
    parser.add_argument("--work", type=Path, default=Path("/tmp/clean-shards-raw"))
    parser.add_argument("--memory", default="6GB")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shards", type=int, default=0, help="clean only the first N shards (0: all)")
    parser.add_argument("--keep", type=Path, default=None)
    parser.add_argument("--parts", action="store_true", help="time the steps of learning and cleaning")
    parser.add_argument("--verdicts", action="store_true",
                        help="count the lines the rules are asked of, by flag bits, and how many no rule holds")
    args = parser.parse_args()
    if args.parts:
        time_parts()
    if args.verdicts:
        count_verdicts()
    from copytrace.engines.shards import parse_size

    budget = Budget(memory=parse_size(args.memory), workers=args.workers)
    paths = raw_shards(args.data, args.work, budget)
    settings = ScanSettings()
    out = args.keep or Path(f"/tmp/clean-shards-out-{os.getpid()}")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    import copytrace

    # which source this run times (a baseline copy of another commit's src must be the one imported)
    print(f"copytrace from {Path(copytrace.__file__).parent}")
    print(f"{len(paths)} shards of {budget.text_per_shard >> 20} MB, load {os.getloadavg()[0]:.2f}")
    cpu = time.process_time()
    templates: dict = {}
    for part in range(args.workers):
        templates.update(learn_share((paths, part, args.workers, settings)))
    learn = time.process_time() - cpu
    tpath = out / "templates.json"
    atomic_write(tpath, lambda tmp: tmp.write_text(json.dumps(templates)))
    mark_done(tpath)
    chosen = paths[:args.shards] if args.shards else paths
    codec = doc_codec(out, Path(args.data).stat().st_size)  # as the scan picks it: "none" for 100k on this disk
    print(f"document shards: {codec}")
    def keys(path):  # the line keys each share's learning left beside the shard
        return [line_keys_path(path, part) for part in range(args.workers)]

    clean_one((chosen[0], out / "warm.arrow", out, settings, tpath, codec, keys(chosen[0])))  # imports, numba loads
    for f in out.glob("warm*"):
        f.unlink()
    _SPENT.update({label: 0.0 for label in _SPENT if not label.startswith("learn:")})
    _VERDICTS.clear()
    docs = 0
    cpu = time.process_time()
    per = []
    for i, path in enumerate(chosen):
        c = time.process_time()
        info = clean_one((path, out / f"part-{i:05d}.arrow", out, settings, tpath, codec, keys(path)))
        per.append(time.process_time() - c)
        docs += info["docs"] + info["rejected"]
    clean = time.process_time() - cpu
    print(f"learn {learn:.2f} CPU s | clean {clean:.2f} CPU s over {len(chosen)} shards, {docs} docs "
          f"({1e6 * clean / docs:.0f} CPU us/doc; per shard {min(per):.2f}-{max(per):.2f}) | load {os.getloadavg()[0]:.2f}")
    if args.parts:
        print_parts(learn, clean)
    if args.verdicts:
        print_verdicts()
    if args.keep is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
