"""Soak of `copytrace serve` on loopback: mixed reads and writes for minutes, bounded in time and count.

    .venv/bin/python bench/soak.py --minutes 10 --clients 6 --docs 2000

Builds an index of the seeds plus `--docs` generated articles (`index_corpus.py`), starts the server
with a token on a free loopback port (127.0.0.1 only), and runs `--clients` threads until `--minutes`
pass or `--max-requests` are made, each request drawn from a mix:
searches of a text (POST /search), document and family reads (GET /documents/ID, /families,
/families/F, /families/F/tree, the pages /ui/families and /ui/families/F, a pair on demand), adds
(POST /documents, a new article or a partial copy of an indexed one), removes of documents the soak
added (DELETE /documents/ID), and requests that must be refused (a foreign Host, a write without the
token, a lone surrogate, an unknown route): those count as errors unless refused with the expected
4xx and an `{"error": ...}` body. Every minute it prints the counts so far; at the end, requests by
kind, latency percentiles, every error (first 20 shown), whether the server is still alive and its
memory. The exit status is 1 if any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from index_bench import remove_index  # noqa: E402
from index_corpus import ArticleGenerator  # noqa: E402
from load_test import build  # noqa: E402

from copytrace.faces.server.process import ServerProcess  # noqa: E402

TOKEN = "soak-token"
MIX = (("search", 20), ("document", 12), ("families", 10), ("family", 8), ("tree", 5), ("families_page", 6),
       ("family_page", 8), ("pair", 5), ("add", 12), ("remove", 4), ("refused", 10))


class Soak:
    def __init__(self, url: str, docs: int, generator: ArticleGenerator, deadline: float, budget: int):
        self.url, self.docs, self.generator = url, docs, generator
        self.deadline, self.budget = deadline, budget
        self.lock = threading.Lock()
        self.counts: Counter = Counter()
        self.latency: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.added: list[str] = []
        self.families: list[int] = []
        self.serial = 0

    def take(self) -> bool:
        with self.lock:
            if self.budget <= 0 or time.monotonic() >= self.deadline:
                return False
            self.budget -= 1
            self.serial += 1
            return True

    def record(self, kind: str, seconds: float, problem: str | None) -> None:
        with self.lock:
            self.counts[kind] += 1
            self.latency.setdefault(kind, []).append(seconds)
            if problem:
                self.errors.append(f"{kind}: {problem}")

    def run_client(self, seed: int) -> None:
        rng = random.Random(seed)
        kinds, weights = zip(*MIX)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=self.url, timeout=120) as client:
            while self.take():
                kind = rng.choices(kinds, weights)[0]
                t0 = time.perf_counter()
                try:
                    problem = getattr(self, "do_" + kind)(client, rng, auth)
                except httpx.HTTPError as err:
                    problem = f"{type(err).__name__}: {err}"
                self.record(kind, time.perf_counter() - t0, problem)

    @staticmethod
    def expect(response: httpx.Response, status: int = 200) -> str | None:
        if response.status_code != status:
            return f"{response.request.method} {response.request.url.path} -> HTTP {response.status_code}: {response.text[:160]}"
        if status >= 400 and "error" not in response.json():
            return f"{response.request.url.path}: error body without 'error': {response.text[:160]}"
        return None

    def do_search(self, client, rng, auth):
        text = self.generator.query(np.random.default_rng(rng.randrange(2**32)), self.docs)[0]
        return self.expect(client.post("/search", json={"text": text, "limit": 20}))

    def do_document(self, client, rng, auth):
        return self.expect(client.get(f"/documents/doc-{rng.randrange(self.docs)}"))

    def do_families(self, client, rng, auth):
        r = client.get("/families", params={"limit": 50, "offset": rng.choice([0, 0, 50, 100]), "sort": rng.choice(["size", "recent"])})
        if r.status_code == 200:
            with self.lock:
                self.families = [f["family"] for f in r.json()["families"]] or self.families
        return self.expect(r)

    def _family(self, rng):
        with self.lock:
            return rng.choice(self.families) if self.families else None

    def do_family(self, client, rng, auth):
        f = self._family(rng)
        if f is None:
            return self.do_families(client, rng, auth)
        r = client.get(f"/families/{f}/tree")
        return None if r.status_code == 404 else self.expect(r)  # a family a remove split or renumbered

    def do_tree(self, client, rng, auth):
        return self.do_family(client, rng, auth)

    def do_families_page(self, client, rng, auth):
        return self.expect(client.get("/ui/families", params={"min_size": rng.choice(["", "2", "3"]), "page": rng.choice([1, 2])}))

    def do_family_page(self, client, rng, auth):
        f = self._family(rng)
        if f is None:
            return None
        r = client.get(f"/ui/families/{f}")
        return None if r.status_code == 404 else self.expect(r)

    def do_pair(self, client, rng, auth):
        a, b = rng.sample(range(self.docs), 2)
        return self.expect(client.get("/pair", params={"a": f"doc-{a}", "b": f"doc-{b}"}))

    def do_add(self, client, rng, auth):
        with self.lock:
            doc_id = f"soak-{self.serial}-{rng.randrange(10**9)}"
        text = self.generator.query(np.random.default_rng(rng.randrange(2**32)), self.docs)[0]
        r = client.post("/documents", json={"documents": [{"id": doc_id, "text": text, "source": "soak.example"}],
                                            "label": "soak"}, headers=auth)
        if r.status_code == 200:
            with self.lock:
                self.added.append(doc_id)
        return self.expect(r)

    def do_remove(self, client, rng, auth):
        with self.lock:
            doc_id = self.added.pop(rng.randrange(len(self.added))) if self.added else None
        if doc_id is None:
            return None
        return self.expect(client.delete(f"/documents/{doc_id}", headers=auth))

    def do_refused(self, client, rng, auth):
        case = rng.randrange(4)
        if case == 0:
            return self.expect(client.get("/families", headers={"Host": "attacker.example"}), 400)
        if case == 1:
            return self.expect(client.post("/documents", json={"documents": [{"id": "x", "text": "y"}]}), 401)
        if case == 2:
            raw = b'{"text": "lone \\ud800 surrogate"}'
            return self.expect(client.post("/search", content=raw, headers={"Content-Type": "application/json"}), 422)
        return self.expect(client.get(f"/no/such/route/{rng.randrange(1000)}"), 404)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--index", type=Path, default=HERE / "data" / "soak.duckdb")
    args = parser.parse_args()
    args.index.parent.mkdir(parents=True, exist_ok=True)
    generator = ArticleGenerator(seed=21)
    print(f"building an index of {args.docs:,} generated articles plus the seeds", flush=True)
    build_seconds = build(args.index, args.docs, generator)
    log = HERE / "results" / "soak-server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_bytes(b"")
    with ServerProcess(args.index, token=TOKEN, log=log) as server:
        pid = server.process.pid
        rss_start = rss_mb(pid)
        started = time.monotonic()
        soak = Soak(server.url, args.docs, generator, started + args.minutes * 60, args.max_requests)
        with ThreadPoolExecutor(args.clients + 1) as pool:
            futures = [pool.submit(soak.run_client, 1000 + k) for k in range(args.clients)]
            while not all(f.done() for f in futures):
                time.sleep(min(60.0, max(1.0, soak.deadline - time.monotonic())))
                with soak.lock:
                    print(f"{(time.monotonic() - started) / 60:5.1f} min: {sum(soak.counts.values()):,} requests, "
                          f"{len(soak.errors)} errors, server RSS {rss_mb(pid) or 0:.0f} MB", flush=True)
            for f in futures:
                f.result()
        wall = time.monotonic() - started
        alive = server.process.poll() is None and httpx.get(server.url + "/health", timeout=30).status_code == 200
        rss_end = rss_mb(pid)
    every = [s for v in soak.latency.values() for s in v]
    ms = np.array(every) * 1000
    result = {
        "minutes": round(wall / 60, 2), "clients": args.clients, "indexed_docs": args.docs + 3,
        "index_build_seconds": round(build_seconds, 1), "requests": len(every),
        "throughput_rps": round(len(every) / wall, 1), "errors": len(soak.errors),
        "by_kind": {k: {"n": len(v), "median_ms": round(float(np.median(v)) * 1000, 1),
                        "p99_ms": round(float(np.percentile(v, 99)) * 1000, 1)} for k, v in sorted(soak.latency.items())},
        "median_ms": round(float(np.median(ms)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1), "server_alive_after": alive,
        "server_rss_mb_start": round(rss_start or 0), "server_rss_mb_end": round(rss_end or 0),
        "added_left": len(soak.added), "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
        "error_examples": soak.errors[:20], "server_log": str(log),
    }
    out = HERE / "results" / "soak.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    remove_index(args.index)
    sys.exit(1 if soak.errors or not alive else 0)


if __name__ == "__main__":
    main()
