"""Verification stage: exact shingle overlap of candidate pairs, and the rule that keeps them.

LSH only says two signatures agree somewhere. Here each candidate pair gets
its exact figures from the full shingle sets: shared shingles, Jaccard, and
containment in both directions (the share of one document's shingles found in
the other). Unverified LSH matches are never joined into families: chaining
them is how one false family of 743,779 documents was once made.

The keep rule (`KeepRule`) has two tiers:

- A pair *links a family* when it shares at least `min_shared` shingles and
  either at least `min_containment` of the smaller side's shingles are found
  in the other, or at least `min_section_shingles` are shared (a reused
  section of about 200 characters or more, in however long an article).
  Containment, not Jaccard: a copy that adds its own framing or carries only
  part of the source has a low Jaccard and is still a copy.
- A pair sharing at least `min_shared` shingles but less than that is a
  *possible quote*: it is kept only if alignment finds a real passage in
  it, and it never links families, so a stock phrase or a quoted sentence
  cannot chain unrelated stories into one family.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange


@dataclass(frozen=True)
class KeepRule:
    """Which verified pairs count as reuse."""

    min_shared: int = 8
    min_containment: float = 0.2
    min_section_shingles: int = 40

    def keep(self, shared: np.ndarray, containment_max: np.ndarray) -> np.ndarray:
        """Pairs that link a family."""
        large = (containment_max >= self.min_containment) | (shared >= self.min_section_shingles)
        return (shared >= self.min_shared) & large

    def possible_quote(self, shared: np.ndarray, containment_max: np.ndarray) -> np.ndarray:
        """Pairs kept only if alignment finds a passage; they never link families."""
        return (shared >= self.min_shared) & ~self.keep(shared, containment_max)


@njit(cache=True)
def _intersect_count(values, start_a, end_a, start_b, end_b):
    i, j, shared = start_a, start_b, 0
    while i < end_a and j < end_b:
        x, y = values[i], values[j]
        if x == y:
            shared += 1
            i += 1
            j += 1
        elif x < y:
            i += 1
        else:
            j += 1
    return shared


@njit(cache=True, parallel=True)
def shared_counts(values, offsets, a, b):
    """Number of shingles shared by documents a[k] and b[k], for every pair k."""
    out = np.empty(len(a), dtype=np.int64)
    for k in prange(len(a)):
        x, y = a[k], b[k]
        out[k] = _intersect_count(values, offsets[x], offsets[x + 1], offsets[y], offsets[y + 1])
    return out


def overlap_figures(values: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict:
    """Exact figures of each pair from CSR shingle sets (sorted unique hashes per document)."""
    shared = shared_counts(values, offsets, a, b)
    size = np.diff(offsets)
    size_a = size[a].astype(np.float64)
    size_b = size[b].astype(np.float64)
    union = size_a + size_b - shared
    with np.errstate(divide="ignore", invalid="ignore"):
        jaccard = np.where(union > 0, shared / union, 0.0)
        a_in_b = np.where(size_a > 0, shared / size_a, 0.0)
        b_in_a = np.where(size_b > 0, shared / size_b, 0.0)
    return {
        "shared_shingles": shared,
        "jaccard": jaccard,
        "containment_a_in_b": a_in_b,
        "containment_b_in_a": b_in_a,
    }
