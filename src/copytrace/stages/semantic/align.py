"""Sentence alignment between two documents from their sentence vectors.

A sentence pair is aligned when each is the other's nearest sentence and
their cosine reaches the threshold (mutual best match: bitext mining's
rule), and the pairs kept are the longest chain in order in both texts
(a translation or a rewrite keeps the order of what it took; a stray match
out of order is a coincidence).
"""

from __future__ import annotations

import bisect

import numpy as np


def mutual_best(sim: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """(i, j, cosine) of sentence pairs that are each other's best match at or above `threshold`."""
    if sim.size == 0:
        return []
    best_j = sim.argmax(1)
    best_i = sim.argmax(0)
    out = []
    for i, j in enumerate(best_j):
        if best_i[j] == i and sim[i, j] >= threshold:
            out.append((i, int(j), float(sim[i, j])))
    return out


def in_order(matches: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The longest chain of matches increasing in both i and j (matches come sorted by i)."""
    if len(matches) < 2:
        return list(matches)
    tails: list[int] = []  # j at the end of the best chain of each length
    ends: list[int] = []  # index of that match
    back = [-1] * len(matches)
    for k, (_, j, _) in enumerate(matches):
        pos = bisect.bisect_left(tails, j)
        back[k] = ends[pos - 1] if pos else -1
        if pos == len(tails):
            tails.append(j)
            ends.append(k)
        else:
            tails[pos], ends[pos] = j, k
    chain, k = [], ends[-1]
    while k >= 0:
        chain.append(matches[k])
        k = back[k]
    return chain[::-1]


def align(vectors_a: np.ndarray, vectors_b: np.ndarray, threshold: float) -> list[tuple[int, int, float]]:
    """Aligned sentences (index in a, index in b, cosine), in order."""
    return in_order(mutual_best(vectors_a @ vectors_b.T, threshold))
