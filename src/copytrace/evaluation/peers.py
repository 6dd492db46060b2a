"""Peers measured on the benchmark corpus, written as output folders the scorer reads.

- `minhash-0.8`, `minhash-0.5`: datasketch MinHashLSH (128 permutations) over
  lower-cased word 5-shingles, at Jaccard thresholds 0.8 and 0.5, used as
  dedup pipelines use it: every LSH candidate is a pair; families are the
  connected components of the pairs.
- `difflib`: the content-laundering baseline (as the Information
  Laundromat does): title plus the first 249 characters of the text,
  compared with difflib's `SequenceMatcher.ratio` (difflib's defaults); a
  pair at ratio 0.6 or more (settable). The Laundromat's candidates come
  from search engines queried with that head; here, pairs whose heads share
  a word trigram found on at most 30 heads stand in for them.

Peers give pairs and families only: their relations, originals, direction,
credit and passages are "not available" in the scores.
"""

from __future__ import annotations

import json
import re
import time
from difflib import SequenceMatcher
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from copytrace.evaluation.gold import components

WORD = re.compile(r"\w+")
PEERS = ("minhash-0.8", "minhash-0.5", "difflib")
MAX_POSTING = 30


def read_documents(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def word_shingles(text: str, size: int = 5) -> set[bytes]:
    words = WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


def minhash_pairs(docs: list[dict], threshold: float, num_perm: int = 128, seed: int = 1) -> list[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    signatures = []
    for i, doc in enumerate(docs):
        signature = MinHash(num_perm=num_perm, seed=seed)
        signature.update_batch(sorted(word_shingles(doc["text"])))
        signatures.append(signature)
        lsh.insert(i, signature)
    pairs = set()
    for i, signature in enumerate(signatures):
        for j in lsh.query(signature):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def difflib_pairs(docs: list[dict], threshold: float = 0.6) -> list[tuple[int, int]]:
    heads = [f"{d.get('title') or ''} {d['text'][:249]}" for d in docs]
    # The Laundromat gets candidates from search engines queried with the head; pairs whose heads share
    # a word trigram stand in for those hits (comparing every pair costs about 2 ms each).
    postings: dict[str, list[int]] = {}
    for i, head in enumerate(heads):
        words = WORD.findall(head.lower())
        for gram in {" ".join(words[k:k + 3]) for k in range(len(words) - 2)}:
            postings.setdefault(gram, []).append(i)
    # trigrams on more than MAX_POSTING heads (page chrome, stock phrases) find nothing a search would rank
    candidates = sorted({(i, j) for docs_ in postings.values() if len(docs_) <= MAX_POSTING
                         for x, i in enumerate(docs_) for j in docs_[x + 1:]})
    pairs = []
    for i, j in candidates:
        if SequenceMatcher(None, heads[i], heads[j]).ratio() >= threshold:  # difflib defaults, as the baseline
            pairs.append((i, j))
    return pairs


def write_output(folder: Path, docs: list[dict], pairs: list[tuple[int, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ids = [d["id"] for d in docs]
    family = components(len(ids), pairs)
    pq.write_table(pa.table({"id": ids, "family": pa.array(family, pa.int64())}), folder / "documents.parquet")
    pq.write_table(pa.table({"a": pa.array([ids[i] for i, _ in pairs], pa.string()),
                             "b": pa.array([ids[j] for _, j in pairs], pa.string())}), folder / "pairs.parquet")
    members: dict[int, list[str]] = {}
    for doc_id, f in zip(ids, family):
        members.setdefault(f, []).append(doc_id)
    pq.write_table(pa.table({"family": pa.array(list(members), pa.int64()),
                             "size": pa.array([len(m) for m in members.values()], pa.int64()),
                             "members": pa.array(list(members.values()), pa.list_(pa.string()))}),
                   folder / "families.parquet")


def run_peers(corpus: Path, out: Path, difflib_threshold: float = 0.6, names=PEERS) -> dict[str, dict]:
    """Run each peer on corpus/documents.jsonl; write out/<peer>/; return folders and seconds."""
    docs = read_documents(Path(corpus) / "documents.jsonl")
    runs = {}
    for name in names:
        started = time.perf_counter()
        if name.startswith("minhash-"):
            pairs = minhash_pairs(docs, float(name.split("-", 1)[1]))
        elif name == "difflib":
            pairs = difflib_pairs(docs, difflib_threshold)
        else:
            raise ValueError(f"unknown peer {name!r} (known: {', '.join(PEERS)})")
        seconds = time.perf_counter() - started
        write_output(Path(out) / name, docs, pairs)
        runs[name] = {"folder": str(Path(out) / name), "seconds": round(seconds, 3), "pairs": len(pairs)}
    return runs
