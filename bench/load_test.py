"""Load test of `copytrace serve` on loopback: concurrent clients searching, bounded in time and count.

    .venv/bin/python bench/load_test.py --clients 8 --seconds 60 --docs 5000

Builds an index of the seeds plus `--docs` generated articles of about 3 KB
(`index_corpus.py`; one in ten carries part of an earlier one), starts the
server on a free loopback port, and runs `--clients` threads that POST
/search with 5 KB articles (half carry 60% of an indexed article, half are
new, and every tenth is seed 002) until
`--seconds` pass or `--max-requests` are made. Records throughput, latency
percentiles and every error; the exit status is 1 if any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pyarrow as pa

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

from index_bench import remove_index  # noqa: E402
from index_corpus import ArticleGenerator  # noqa: E402

from copytrace.index import Store, add_documents, explain_pending  # noqa: E402
from copytrace.io import read_inputs  # noqa: E402
from copytrace.faces.server.process import ServerProcess  # noqa: E402


def build(path: Path, docs: int, generator: ArticleGenerator) -> float:
    remove_index(path)
    started = time.perf_counter()
    with Store.create(path) as store:
        add_documents(store, read_inputs([REPO / "examples" / "lavrov"]).documents, "seeds")
        for first in range(0, docs, 5000):
            n = min(5000, docs - first)
            add_documents(store, pa.table({"id": [f"doc-{k}" for k in range(first, first + n)],
                                           "text": generator.batch(first, n)}), explain=False)
        explain_pending(store)
    return time.perf_counter() - started


def client_loop(url: str, queries: list[str], deadline: float, budget: list[int], lock: threading.Lock,
                latencies: list[float], errors: list[str]) -> None:
    rng = np.random.default_rng(threading.get_ident() % 2**32)
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            text = queries[int(rng.integers(0, len(queries)))]
            t0 = time.perf_counter()
            try:
                response = client.post("/search", json={"text": text})
                ok = response.status_code == 200 and "matches" in response.json()
                problem = None if ok else f"HTTP {response.status_code}: {response.text[:200]}"
            except httpx.HTTPError as err:
                problem = f"{type(err).__name__}: {err}"
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if problem:
                    errors.append(problem)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=100_000)
    parser.add_argument("--docs", type=int, default=5000)
    parser.add_argument("--index", type=Path, default=HERE / "data" / "load-test.duckdb")
    args = parser.parse_args()
    args.index.parent.mkdir(parents=True, exist_ok=True)
    print(f"building an index of {args.docs:,} generated articles plus the seeds", flush=True)
    generator = ArticleGenerator(seed=11)
    build_seconds = build(args.index, args.docs, generator)
    rng = np.random.default_rng(12)
    seed_002 = next((REPO / "examples" / "lavrov").glob("002_*.txt")).read_text(encoding="utf-8")
    queries = [seed_002 if k % 10 == 0 else generator.query(rng, args.docs)[0] for k in range(400)]
    latencies: list[float] = []
    errors: list[str] = []
    lock, budget = threading.Lock(), [args.max_requests]
    with ServerProcess(args.index) as server:
        with httpx.Client(base_url=server.url, timeout=60) as warm:
            for q in queries[:5]:
                warm.post("/search", json={"text": q})
        started = time.monotonic()
        deadline = started + args.seconds
        with ThreadPoolExecutor(args.clients) as pool:
            for _ in range(args.clients):
                pool.submit(client_loop, server.url, queries, deadline, budget, lock, latencies, errors)
        wall = time.monotonic() - started
    ms = np.array(latencies) * 1000
    result = {
        "clients": args.clients, "seconds": round(wall, 1), "indexed_docs": args.docs + 3,
        "index_build_seconds": round(build_seconds, 1), "requests": len(latencies),
        "throughput_rps": round(len(latencies) / wall, 1), "errors": len(errors), "error_examples": errors[:5],
        "median_ms": round(float(np.median(ms)), 1), "p99_ms": round(float(np.percentile(ms, 99)), 1),
        "max_ms": round(float(ms.max()), 1), "cpus": os.cpu_count(), "load_average_1m": os.getloadavg()[0],
    }
    out = HERE / "results" / "load_test.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    remove_index(args.index)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
