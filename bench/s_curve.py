"""Measure the LSH S-curve: how often a pair of given Jaccard becomes a candidate.

Pairs are built from real article text (the sentences of bench/corpus.py,
with word substitutions so that unrelated documents share no shingles): a
source of about 3,000 characters, and a copy that carries a contiguous share
of the source's sentences inside text of its own, sized to aim at a target
Jaccard from 0.05 to 0.5. The exact Jaccard of every pair is then computed
from its shingle sets, and pairs are binned by it. All documents go through
copytrace's own fingerprint and candidates stages in one call; a pair counts
as found when `candidate_pairs` returns it. The measured rate in each bin is
set against the theoretical S-curve 1 - (1 - J**rows)**bands averaged over
the exact Jaccard values in that bin.

    .venv/bin/python bench/s_curve.py                # 400 pairs per target, defaults of ScanSettings
    .venv/bin/python bench/s_curve.py --pairs 100    # quicker
    .venv/bin/python bench/s_curve.py --briefs       # briefs: recall by length and wire share, short anchors on/off

Briefs (`--briefs`): a wire story of about 300 words and a brief of 20 to 50
words opening with its first sentences, of which 25% to 100% is wire text
(the rest its own), half of them with one wire word dropped. Each pair goes
through the whole candidates stage (bands and anchors) and the keep rule
(`verify_pairs`, `family_link`); recall is reported by brief length and wire
share, with `anchors.short_anchors` as set and at 0 (two shared anchors
needed, as before).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
from corpus import MissingData, SentencePool, fresh_text, load_articles  # noqa: E402

from copytrace.stages.candidates.bands import candidate_pairs  # noqa: E402
from copytrace.stages.candidates.lsh import candidate_probability  # noqa: E402
from copytrace.settings import ScanSettings  # noqa: E402

TARGETS = (0.05, 0.075, 0.1, 0.125, 0.15, 0.175, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
BIN_EDGES = (0.0, 0.0625, 0.0875, 0.1125, 0.1375, 0.1625, 0.1875, 0.225, 0.275, 0.325, 0.375, 0.45, 0.55)


def make_pair(rng, pool: SentencePool, target: float) -> tuple[str, str]:
    """A source and a copy carrying a share c of it in own text, with c / (1 + own) ~ target."""
    source = fresh_text(rng, pool, 3000, 0.25)
    share = float(rng.uniform(max(target, 0.3), 1.0))
    k = max(1, int(round(share * len(source))))
    first = int(rng.integers(0, len(source) - k + 1))
    copied = source[first:first + k]
    copied_chars = sum(len(s) for s in copied)
    # Jaccard ~ copied / (source + own): own = copied / target - source.
    own_chars = max(0, int(copied_chars / target - sum(len(s) for s in source)))
    own = fresh_text(rng, pool, own_chars, 0.25) if own_chars > 50 else []
    cut = int(rng.integers(0, len(own) + 1))
    return " ".join(source), " ".join(own[:cut] + copied + own[cut:])


def exact_jaccard(hasher, texts: list[str]) -> np.ndarray:
    values, offsets = hasher.shingle_sets(texts)
    out = np.empty(len(texts) // 2)
    for p in range(len(out)):
        a = values[offsets[2 * p]:offsets[2 * p + 1]]
        b = values[offsets[2 * p + 1]:offsets[2 * p + 2]]
        shared = len(np.intersect1d(a, b, assume_unique=True))
        out[p] = shared / (len(a) + len(b) - shared)
    return out


def measure(pairs_per_target: int = 400, seed: int = 7, settings: ScanSettings | None = None) -> dict:
    settings = settings or ScanSettings()
    params = settings.lsh
    pool = SentencePool(load_articles())
    rng = np.random.default_rng(seed)
    texts = []
    for target in TARGETS:
        for _ in range(pairs_per_target):
            texts.extend(make_pair(rng, pool, target))
    jaccard = exact_jaccard(settings.hasher, texts)
    signatures, _ = settings.hasher.signatures(texts)
    a, b, _ = candidate_pairs(signatures, params, settings.max_bucket)
    found_codes = set((a * len(texts) + b).tolist())
    found = np.array([(2 * p) * len(texts) + 2 * p + 1 in found_codes for p in range(len(jaccard))])
    rows = []
    for lo, hi in zip(BIN_EDGES[:-1], BIN_EDGES[1:]):
        inside = (jaccard >= lo) & (jaccard < hi)
        n = int(inside.sum())
        if n == 0:
            continue
        rate = float(found[inside].mean())
        expected = float(np.mean(candidate_probability(jaccard[inside], params.bands, params.rows)))
        margin = 1.96 * np.sqrt(max(expected * (1 - expected), 1e-9) / n)
        rows.append({
            "jaccard_from": lo, "jaccard_to": hi, "mean_jaccard": round(float(jaccard[inside].mean()), 4),
            "pairs": n, "found": int(found[inside].sum()), "measured": round(rate, 4),
            "theory": round(expected, 4), "margin_95": round(float(margin), 4),
            "within_margin": bool(abs(rate - expected) <= margin + 1.0 / n),
        })
    return {"bands": params.bands, "rows": params.rows, "threshold": params.threshold,
            "num_perm": params.num_perm, "pairs": len(jaccard), "seed": seed, "bins": rows}


def make_brief(rng, pool: SentencePool, words: int, share: float, drop: bool) -> tuple[str, str]:
    """A ~300-word wire story and a brief of ~`words` words, `share` of them the story's opening words."""
    story = fresh_text(rng, pool, 1900, 0.25)
    wire_words = " ".join(story).split()[: max(6, int(round(words * share)))]
    if drop and len(wire_words) > 8:
        del wire_words[len(wire_words) // 2]
    own = " ".join(fresh_text(rng, pool, 400, 0.25)).split()[: max(0, words - len(wire_words))]
    brief = " ".join(wire_words).rstrip(".,") + ". " + (" ".join(own).rstrip(".,") + "." if own else "")
    return " ".join(story), brief.strip()


def measure_briefs(pairs_per_cell: int = 60, seed: int = 7) -> list[dict]:
    """Recall of briefs (candidates, then the keep rule) by brief length and wire share."""
    from dataclasses import replace

    import pyarrow as pa

    from copytrace.stages.candidates import candidates
    from copytrace.stages.fingerprint import fingerprint_batch
    from copytrace.stages.verify import verify_pairs

    pool = SentencePool(load_articles())
    rng = np.random.default_rng(seed)
    cells, texts = [], []
    for words in (20, 30, 40, 50):
        for share in (0.25, 0.5, 0.75, 1.0):
            for k in range(pairs_per_cell):
                texts.extend(make_brief(rng, pool, words, share, drop=k % 2 == 1))
                cells.append((words, share))
    arrow = pa.array(texts, pa.large_string())
    on = ScanSettings()
    rows = []
    for label, settings in (("short anchors", on), ("two anchors", on.replace(anchors=replace(on.anchors, short_anchors=0)))):
        a, b, _ = candidates(fingerprint_batch(arrow, settings), settings)
        linked = verify_pairs(arrow, a, b, settings)["family_link"]
        found = {(int(x), int(y)) for x, y, keep in zip(a, b, linked) if keep and y == x + 1 and x % 2 == 0}
        candidate = {(int(x), int(y)) for x, y in zip(a, b) if y == x + 1 and x % 2 == 0}
        for words in (20, 30, 40, 50):
            for share in (0.25, 0.5, 0.75, 1.0):
                ids = [p for p, cell in enumerate(cells) if cell == (words, share)]
                rows.append({"setting": label, "words": words, "share": share, "pairs": len(ids),
                             "candidates": sum((2 * p, 2 * p + 1) in candidate for p in ids) / len(ids),
                             "linked": sum((2 * p, 2 * p + 1) in found for p in ids) / len(ids)})
    return rows


def briefs_markdown(rows: list[dict]) -> str:
    lines = ["| setting | brief words | wire share of brief | pairs | candidates | linked |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['setting']} | {r['words']} | {r['share']:.0%} | {r['pairs']} | {r['candidates']:.3f} | "
                     f"{r['linked']:.3f} |")
    return "\n".join(lines)


def markdown(result: dict) -> str:
    lines = ["| Jaccard bin | mean J | pairs | found | measured | theory | ±95% |",
             "|---|---|---|---|---|---|---|"]
    for r in result["bins"]:
        lines.append(f"| {r['jaccard_from']:.3f}–{r['jaccard_to']:.3f} | {r['mean_jaccard']:.3f} | {r['pairs']} | "
                     f"{r['found']} | {r['measured']:.3f} | {r['theory']:.3f} | {r['margin_95']:.3f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=400, help="pairs per target Jaccard (default 400)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--briefs", action="store_true", help="recall of briefs instead of the S-curve")
    args = parser.parse_args(argv)
    if args.briefs:
        try:
            print(briefs_markdown(measure_briefs(seed=args.seed)))
        except MissingData as error:
            print(f"skipped: {error}", file=sys.stderr)
        return 0
    try:
        result = measure(args.pairs, args.seed)
    except MissingData as error:
        print(f"skipped: {error}", file=sys.stderr)
        return 0
    print(f"{result['bands']} bands x {result['rows']} rows (threshold {result['threshold']:.3f}), "
          f"{result['pairs']} pairs")
    print(markdown(result))
    out_dir = ROOT / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"s_curve-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT.parent)}")
    misses = [r for r in result["bins"] if not r["within_margin"]]
    if misses:
        print(f"{len(misses)} bin(s) outside the 95% margin", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
