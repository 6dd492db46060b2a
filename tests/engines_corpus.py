"""A small corpus with planted republication families, for the engine tests.

Documents are sentences of random words from a fixed vocabulary (seeded),
so unrelated documents share no shingle; a share of documents copy all or
part of an earlier one, some with a credit line, and a few copy a copy, so
families have more than two members. Several sources carry the same wire
story, so one family is large.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

OUTLETS = ("Sputnik News", "RT", "TASS", "Reuters", "Global Voices")


def _sentence(rng, vocabulary) -> str:
    words = vocabulary[rng.integers(0, len(vocabulary), size=int(rng.integers(8, 20)))]
    return " ".join(words).capitalize() + "."


def build_documents(n_docs: int = 400, seed: int = 7, reuse: float = 0.3) -> list[dict]:
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}{chr(97 + i % 26)}" for i in range(5000)])
    bodies: list[list[str]] = []
    docs = []
    for d in range(n_docs):
        if d >= 5 and rng.random() < reuse:
            source = int(rng.integers(0, d)) if rng.random() < 0.7 else int(rng.integers(0, 5))  # 0-4: wire stories
            src = bodies[source]
            if rng.random() < 0.5:
                copied = list(src)
            else:
                k = max(3, len(src) // 2)
                start = int(rng.integers(0, max(1, len(src) - k + 1)))
                copied = src[start:start + k]
            own = [_sentence(rng, vocabulary) for _ in range(int(rng.integers(0, 4)))]
            if rng.random() < 0.5:
                own.insert(0, f"{OUTLETS[int(rng.integers(len(OUTLETS)))]} reports:")
            sentences = own[:1] + copied + own[1:]
        else:
            sentences = [_sentence(rng, vocabulary) for _ in range(int(rng.integers(6, 25)))]
        bodies.append(sentences)
        docs.append({"id": f"d{d:05d}", "text": "\n\n".join(sentences), "date": f"2024-01-{1 + d % 28:02d}"})
    return docs


def write_corpus(folder: Path, n_docs: int = 400, seed: int = 7, files: int = 3) -> Path:
    """The corpus as `files` JSONL files in `folder`, plus one bad record (it must end up in rejects)."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = build_documents(n_docs, seed)
    per_file = -(-len(docs) // files)
    for f in range(files):
        with open(folder / f"part-{f}.jsonl", "w", encoding="utf-8") as handle:
            for doc in docs[f * per_file:(f + 1) * per_file]:
                handle.write(json.dumps(doc) + "\n")
            if f == 0:
                handle.write(json.dumps({"id": "empty", "text": "   "}) + "\n")
    return folder
