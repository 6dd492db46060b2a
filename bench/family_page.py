"""Pages for big families: the family page's first response and the static report, one story in N copies.

    PYTHONPATH=src .venv/bin/python bench/family_page.py --copies 1000 --report-copies 120

One long English story from ../shared/data/ntrex, republished by N outlets: each copy a random cut of it
(a fifth of its sentences dropped), its own framing sentence, dates 7 minutes apart after the original.
The copies are added to an index (explained at add time, so every pair is stored, as today's index
does), then `copytrace serve` runs over it on a free loopback port and the family page
(`/ui/families/F`), the family list, the tree API and a pair fetched on demand are timed: the first
request after start (cold) and the median of 10. Then `scan` of the first R copies writes
`report.html`, whose size is printed. Peers in the same run: the API's full family answer
(`GET /families/F`, every pair and passage) and the old page shape are the reference sizes.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine_shapes import articles  # noqa: E402  (ntrex articles as sentence lists)

from copytrace.faces.server.process import ServerProcess  # noqa: E402


def story_rows(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    eng = articles("eng")
    story = max(eng, key=len)
    start = datetime(2026, 1, 1, 8, 0)
    rows = [{"id": "orig", "text": "\n".join(story), "source": "wire.example", "date": start.isoformat(), "title": "The story"}]
    for k in range(n):
        keep = [s for s in story if rng.random() > 0.2]
        frame = rng.choice(eng[:50])[0]
        credit = "According to wire.example, " if k % 3 == 0 else ""
        rows.append({"id": f"outlet{k:05d}.example/2026/story", "text": "\n".join([credit + frame] + keep),
                     "source": f"outlet{k:05d}.example", "title": f"The story, as outlet {k} ran it",
                     "date": (start + timedelta(minutes=7 * (k + 1))).isoformat()})
    return rows


def tree_only(store) -> None:
    """The index as a tree-first pipeline leaves it: the family's pairs cut to the original's, those aligned
    and traced (the index's own units), the family row no longer pending."""
    from copytrace.index.explain import passages_of
    from copytrace.index.tracing import family_tables, insert_table, retrace

    with store.transaction() as cur:
        cur.execute("delete from pairs where a <> 'orig' and b <> 'orig'")
        family = cur.execute("select family from documents where id = 'orig'").fetchall()[0][0]
        members, pairs, _ = family_tables(cur, [family])
        insert_table(cur, "passages", passages_of(members.select(["id", "text"]), pairs, store.settings))
        retrace(cur, store.settings, [family])


def timed(client: httpx.Client, url: str, repeat: int = 10) -> tuple[float, list[float], int]:
    first = time.perf_counter()
    r = client.get(url)
    cold = time.perf_counter() - first
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - t)
    return cold, times, len(r.content)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=1000)
    ap.add_argument("--report-copies", type=int, default=120)
    ap.add_argument("--tree-only", action="store_true",
                    help="Keep only the pairs (original, copy) and explain those: the n - 1 edges a tree-first "
                         "pipeline aligns (an index that explains every pair of 1,000 copies takes ~30 min).")
    ap.add_argument("--work", type=Path, default=None, help="Folder to keep the index in (reused when present).")
    args = ap.parse_args()
    from copytrace import scan
    from copytrace.faces.report import render_report
    from copytrace.index import Store, add_documents
    import pyarrow as pa

    work = args.work or Path(tempfile.mkdtemp(prefix="family-page-"))
    work.mkdir(parents=True, exist_ok=True)
    rows = story_rows(args.copies)
    index = work / f"ix-{args.copies}.duckdb"
    if not index.exists():
        t = time.perf_counter()
        with Store.create(index) as store:
            report = add_documents(store, pa.Table.from_pylist(rows), "viral", explain=not args.tree_only)
            if args.tree_only:
                tree_only(store)
        print(f"index: {len(rows)} documents, {report.pairs} pairs, added in {time.perf_counter() - t:.1f} s"
              + (" (only the original's pairs kept, aligned and traced)" if args.tree_only else " and explained"))
    with ServerProcess(index) as server, httpx.Client(base_url=server.url, timeout=600) as client:
        family = client.get("/families", params={"limit": 1}).json()["families"][0]["family"]
        print(f"family {family}: size {client.get(f'/families/{family}/tree').json()['size']}")
        for name, url in (("family page", f"/ui/families/{family}"), ("families list page", "/ui/families"),
                          ("tree API", f"/families/{family}/tree"),
                          ("pair on demand (fragment)", f"/ui/pair?a=orig&b=outlet{args.copies // 2:05d}.example%2F2026%2Fstory&fragment=1"),
                          ("API full family (reference)", f"/families/{family}")):
            cold, times, size = timed(client, url, repeat=3 if "reference" in name else 10)
            print(f"{name:30s} {size / 1024:9.1f} KB  first {cold * 1000:8.1f} ms  median {statistics.median(times) * 1000:8.1f} ms")
    jsonl = work / "story.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows[: args.report_copies + 1]), encoding="utf-8")
    t = time.perf_counter()
    result = scan(jsonl)
    scanned = time.perf_counter() - t
    t = time.perf_counter()
    page = render_report(result)
    print(f"report.html of {args.report_copies + 1} documents (one family): {len(page.encode()) / 1024:.1f} KB, "
          f"rendered in {time.perf_counter() - t:.2f} s (scan {scanned:.1f} s, {result.stats.get('kept_pairs')} pairs)")


if __name__ == "__main__":
    main()
