"""Real-use shapes, memory engine against local engine: one story in N copies, and a corpus in a dozen scripts.

    .venv/bin/python bench/engine_shapes.py 300

Copies are built from ../shared/data/ntrex (a long English article, cut and framed, each by its own outlet;
40 articles in each of 12 languages plus 5 half copies each). Prints each engine's time and counts
and whether each table is identical (row order included).
"""
import json, random, sys, time, tempfile
from pathlib import Path
import copytrace
from copytrace.settings import ScanSettings

NT = Path(__file__).resolve().parents[2] / "shared" / "data" / "ntrex"
ids = [l.split("\t")[-1].strip() for l in (NT / "DOCUMENT_IDS.tsv").read_text().splitlines()]
def articles(lang):
    lines = (NT / f"{lang}.txt").read_text().splitlines()
    docs = {}
    for doc, line in zip(ids, lines):
        docs.setdefault(doc, []).append(line)
    return list(docs.values())

def write(rows, path):
    with open(path, "w") as h:
        for r in rows: h.write(json.dumps(r, ensure_ascii=False) + "\n")

def main():
    rng = random.Random(7)
    work = Path(tempfile.mkdtemp())
    # 1. one story, N copies: cuts, a framing sentence, other outlets
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    eng = articles("eng")
    story = max(eng, key=len)
    rows = [{"id": "orig", "text": "\n".join(story), "source": "wire.com", "date": "2026-01-01"}]
    for k in range(n):
        keep = [s for s in story if rng.random() > 0.2]
        frame = rng.choice(eng[:50])[0]
        rows.append({"id": f"copy{k:04d}", "text": "\n".join([frame] + keep), "source": f"outlet{k}.net", "date": f"2026-01-{2 + k % 27:02d}"})
    write(rows, work / "family.jsonl")
    # 2. a dozen scripts: each language's articles, plus a within-language partial copy of each of 5 articles
    langs = ["rus", "zho-CN", "jpn", "tha", "arb", "heb", "hin", "kor", "ell", "kat", "hye", "ukr"]
    rows = []
    for lang in langs:
        arts = articles(lang)
        for i, art in enumerate(arts[:40]):
            rows.append({"id": f"{lang}-{i}", "text": "\n".join(art), "source": f"{lang}.example"})
        for i in range(5):
            rows.append({"id": f"{lang}-copy{i}", "text": "\n".join(arts[i][: max(3, len(arts[i]) // 2)]), "source": f"{lang}-copier.example"})
    write(rows, work / "scripts.jsonl")
    for name in ("family", "scripts"):
        out = {}
        for engine in ("memory", "local"):
            t = time.perf_counter()
            r = copytrace.scan(work / f"{name}.jsonl", engine=engine, work_dir=work / f"w-{name}-{engine}")
            r.write(work / f"o-{name}-{engine}")
            out[engine] = r
            print(name, engine, f"{time.perf_counter() - t:.1f} s", {k: r.stats[k] for k in ("documents_used", "candidate_pairs", "kept_pairs", "families_with_copies", "passages")})
        for t in ("documents", "pairs", "passages", "edges", "edits", "families"):
            a, b = out["memory"].all_tables()[t], out["local"].all_tables()[t]
            a = a.drop_columns([c for c in ("doc",) if c in a.column_names])
            print(" ", t, "identical" if a.equals(b.select(a.column_names).cast(a.schema)) else "DIFFER")


if __name__ == '__main__':
    main()
